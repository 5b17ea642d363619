"""Public opinion and governments: sourced, consistent, and drawn with a description that names them."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

import coursekit as ck
from coursekit._testing import load_cached as _load_cached
from coursekit.data import resource


@pytest.fixture(scope="module")
def opinion():
    return ck.load("public_opinion")


@pytest.fixture(scope="module")
def governments():
    return ck.load("governments")


# ----------------------------------------------------------------------------- public_opinion


def test_the_two_required_surveys_are_there_for_each_country(opinion):
    years = opinion.groupby(["survey", "country_surveyed"], observed=True)["year"].agg(set)
    assert len(years[("cabinet_office", "JPN")]) >= 10
    assert years[("cabinet_office", "JPN")] >= {2012, 2019, 2022, 2024}
    for country in ("JPN", "KOR"):
        assert set(range(2013, 2024)) <= years[("genron_eai", country)], country
    assert "KOR" not in set(opinion.loc[opinion["survey"] == "cabinet_office", "country_surveyed"])


def test_every_opinion_row_cites_an_existing_source_with_a_web_address(opinion):
    sources = ck.load("sources").set_index("id")
    assert opinion["source_id"].notna().all()
    missing = sorted(set(opinion["source_id"]) - set(sources.index))
    assert not missing, missing
    assert sources.loc[opinion["source_id"].unique(), "url"].str.match(r"https?://").all()


def test_shares_are_percentages_and_answers_do_not_exceed_the_whole(opinion):
    assert opinion["share"].between(0, 100).all()
    totals = opinion.groupby(["survey", "country_surveyed", "year"], observed=True)["share"].sum()
    assert (totals <= 100.05).all(), totals[totals > 100.05]


def test_answers_match_their_survey(opinion):
    cao = opinion["survey"] == "cabinet_office"
    assert set(opinion.loc[cao, "answer"].astype(str)) == {"affinity", "no affinity"}
    assert set(opinion.loc[~cao, "answer"].astype(str)) == {"good impression", "bad impression"}


def test_known_figures_are_as_read_in_their_sources(opinion):
    def share(survey, country, year, answer):
        row = opinion[
            (opinion["survey"] == survey)
            & (opinion["country_surveyed"] == country)
            & (opinion["year"] == year)
            & (opinion["answer"] == answer)
        ]
        assert len(row) == 1
        return float(row["share"].iloc[0])

    assert share("cabinet_office", "JPN", 2019, "affinity") == 26.7  # record low, Nikkei 2019-12-20
    assert share("genron_eai", "KOR", 2020, "good impression") == 12.3  # J-CAST 2020-10-15
    assert share("genron_eai", "JPN", 2023, "good impression") == 37.4  # Genron NPO 2023-10-12


def test_fieldwork_month_is_in_the_survey_year(opinion):
    dated = opinion.dropna(subset=["fieldwork"])
    assert (dated["fieldwork"].str.slice(0, 4).astype(int) == dated["year"]).all()


def test_terms_are_recorded_for_every_survey():
    res = resource("public_opinion")
    terms = {src["title"].split(",")[0]: src.get("x-terms", "") for src in res["sources"]}
    assert any("Standard Terms of Use" in t for k, t in terms.items() if k.startswith("Cabinet Office"))
    assert any("terms unclear" in t for k, t in terms.items() if "Genron" in k)
    assert all(terms.values())


def test_a_share_above_100_is_reported_with_its_line(tmp_path, monkeypatch, root):
    target = tmp_path / "datasets"
    shutil.copytree(root / "datasets", target)
    path = target / "public_opinion.csv"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace(",26.7,", ",126.7,", 1), encoding="utf-8")
    monkeypatch.setenv("COURSEKIT_DATA", str(target))
    _load_cached.cache_clear()
    try:
        with pytest.raises(ck.DatasetError) as err:
            ck.load("public_opinion")
    finally:
        _load_cached.cache_clear()
    assert "'share'" in str(err.value) and "at most 100" in str(err.value)


# ----------------------------------------------------------------------------- governments


def test_tenures_do_not_overlap_within_a_country_and_office(governments):
    for (country, _office), part in governments.groupby(["country", "office"], observed=True):
        part = part.sort_values("start")
        ends = part["end"].fillna(pd.Timestamp.max)
        assert (part["start"] < ends).all(), part.loc[part["start"] >= ends, "id"].tolist()
        assert (part["start"].iloc[1:].to_numpy() >= ends.iloc[:-1].to_numpy()).all(), f"overlap in {country}"
        assert part["end"].isna().sum() == 1, f"{country} should have exactly one incumbent"


def test_incumbents_and_coverage_since_1948(governments):
    now = governments[governments["end"].isna()].set_index("country")["leader"]
    assert now.to_dict() == {"JPN": "Takaichi Sanae", "KOR": "Lee Jae-myung", "USA": "Donald Trump"}
    first = governments.groupby("country", observed=True)["start"].min()
    assert first["USA"] <= pd.Timestamp("1948-01-01") and first["JPN"] <= pd.Timestamp("1948-01-01")
    assert first["KOR"] == pd.Timestamp("1948-07-24")  # the ROK government was founded in 1948


def test_camps_belong_to_their_country(governments):
    allowed = {
        "KOR": {"conservative", "progressive", "other"},
        "JPN": {"LDP-led", "DPJ-led", "other"},
        "USA": {"Democratic", "Republican"},
    }
    for country, camps in allowed.items():
        assert set(governments.loc[governments["country"] == country, "camp"].astype(str)) <= camps
    usa = governments[governments["country"] == "USA"]
    assert (usa["camp"].astype(str) == usa["party"]).all()
    asian = governments[governments["country"].isin(["JPN", "KOR"])]
    assert asian["leader_native"].notna().all()


def test_in_office_looks_up_the_leader_of_the_day(governments):
    found = ck.in_office(governments, ["2025-10-21", "2025-10-20", "2017-04-01"], country="JPN")
    assert found["leader"].tolist()[:2] == ["Takaichi Sanae", "Ishiba Shigeru"]  # the handover day
    gap = ck.in_office(governments, ["2017-04-01"], country="KOR")  # acting president
    assert gap["leader"].isna().all()
    with pytest.raises(ValueError, match="not a country in the governments table"):
        ck.in_office(governments, ["2020-01-01"], country="Korea")


# ----------------------------------------------------------------------------- the figure


def test_the_figure_description_names_series_governments_and_events(opinion, governments):
    events = ck.load("events")
    ids = ["ev-2015-12-28-comfort-women-agreement", "ev-2016-11-23-gsomia-signed"]
    steps = events[events["id"].isin(ids)]
    fig = ck.opinion_figure(
        opinion, governments, steps, band_country="KOR", start=2014, title="Opinion and Seoul"
    )
    text = ck.figure_description(fig)
    assert text.startswith("Line chart: Opinion and Seoul.")
    assert "Cabinet Office (Japan): Japan, affinity" in text and "Genron NPO-EAI: South Korea" in text
    for leader in ("Park Geun-hye (conservative", "Moon Jae-in (progressive", "Lee Jae-myung"):
        assert leader in text, leader
    assert "Lee Myung-bak" not in text  # ended before the chosen start
    assert "Stars: 2 cooperation event(s)" in text and "2015-12-28" in text and "GSOMIA" in text
    assert "different questions" in text  # the limit is stated with the figure
    assert "Data:" in text  # and the attribution
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    assert len({t.marker.symbol for t in lines}) == len(lines)  # a second cue besides colour
    assert len(fig.layout.shapes) == 4  # Park, Moon, Yoon, Lee Jae-myung


def test_the_figure_can_shade_tokyo_and_name_many_events_briefly(opinion, governments):
    tri = ck.load("trilateral_engagements")
    fig = ck.opinion_figure(opinion, governments, tri, band_country="JPN", answers=["no affinity"])
    text = ck.figure_description(fig)
    assert "Abe Shinzo (LDP-led" in text and "Takaichi Sanae (LDP-led" in text
    assert "no affinity" in text and "good impression" not in text
    assert "more." in text  # beyond eight events, a count


def test_friendly_errors(opinion, governments):
    with pytest.raises(ValueError, match="is not a country in the governments table"):
        ck.opinion_figure(opinion, governments, band_country="Japan")
    with pytest.raises(ValueError, match="is not an answer in the opinion table"):
        ck.opinion_figure(opinion, answers="favourable")
    with pytest.raises(ValueError, match="No opinion figures"):
        ck.opinion_figure(opinion, start=1990, end=2000)
    with pytest.raises(KeyError, match="has no column 'date'"):
        ck.opinion_figure(opinion, governments, pd.DataFrame({"when": ["2015-12-28"]}))
    with pytest.raises(TypeError, match="needs a table"):
        ck.opinion_figure("public_opinion")
