"""The data package: valid, complete, sourced, and loadable with proper types."""

from __future__ import annotations

import json

import pandas as pd
import pytest

import coursekit as ck

NAMES = [
    "sources",
    "events",
    "agreements",
    "missile_launches",
    "nuclear_tests",
    "military_expenditure",
    "trilateral_engagements",
    "glossary",
    "people",
    "public_opinion",
    "governments",
]


def test_the_required_resources_exist():
    assert sorted(ck.list_datasets()["name"]) == sorted(NAMES)


@pytest.mark.slow
def test_package_validates_with_frictionless(root):
    frictionless = pytest.importorskip("frictionless")
    report = frictionless.validate(str(root / "datasets" / "datapackage.json"))
    errors = [f"{t.name}: {e.message}" for t in report.tasks for e in t.errors] + [
        e.message for e in report.errors
    ]
    assert report.valid, errors[:10]


@pytest.mark.parametrize("name", NAMES)
def test_every_resource_has_licence_sources_description_and_typed_schema(name):
    res = ck.data.resource(name)
    assert res.get("licenses") and all(lic.get("name") for lic in res["licenses"])
    assert res.get("sources") and all(src.get("title") for src in res["sources"])
    assert len(res.get("description", "")) > 40
    assert res["schema"].get("primaryKey")
    for field in res["schema"]["fields"]:
        assert field.get("type") and field.get("description"), field["name"]


def test_every_cross_reference_resolves():
    assert ck.check_references() == []


@pytest.mark.parametrize(
    "name", ["events", "agreements", "trilateral_engagements", "glossary", "people", "governments"]
)
def test_every_hand_made_row_cites_a_source(name):
    table = ck.load(name)
    assert len(table) > 0
    assert table["source_ids"].notna().all()


def test_minimum_sizes():
    assert len(ck.load("events")) >= 150
    assert len(ck.load("glossary")) >= 60
    assert len(ck.load("missile_launches")) == 339
    assert len(ck.load("nuclear_tests")) == 6


def test_events_span_1945_to_2025_and_cover_every_kind():
    events = ck.load("events")
    assert events["date"].min().year <= 1950 and events["date"].max().year >= 2024
    assert events["date"].between("1945-01-01", "2026-12-31").all()
    ends = events.dropna(subset=["end_date"])
    assert (ends["end_date"] >= ends["date"]).all(), ends.loc[ends["end_date"] < ends["date"], "id"].tolist()
    kinds = {
        "treaty",
        "summit",
        "ministerial",
        "incident",
        "missile_test",
        "nuclear_test",
        "exercise",
        "agreement",
        "crisis",
        "government",
    }
    assert kinds <= set(events["category"].astype(str))


def test_event_ids_carry_their_date():
    events = ck.load("events")
    for row in events.itertuples():
        y, m, d = row.id.split("-")[1:4]
        assert y == f"{row.date:%Y}", row.id
        if row.date_precision == "day":
            assert (m, d) == (f"{row.date:%m}", f"{row.date:%d}"), row.id


def test_the_six_nuclear_tests_match_the_timeline():
    tests = ck.load("nuclear_tests")
    events = ck.filter_events(categories="nuclear_test")
    assert set(tests["date_utc"].dt.date) <= set(events["date"].dt.date)


def test_dtypes_are_proper():
    events = ck.load("events")
    assert pd.api.types.is_datetime64_any_dtype(events["date"])
    assert isinstance(events["category"].dtype, pd.CategoricalDtype)
    launches = ck.load("missile_launches")
    assert pd.api.types.is_float_dtype(launches["apogee_km"])
    assert str(launches["sequence"].dtype) == "Int64"
    spend = ck.load("military_expenditure")
    assert spend["year"].dtype == "int64"


def test_load_returns_an_independent_copy():
    first = ck.load("nuclear_tests")
    first.loc[0, "magnitude"] = 99.0
    assert ck.load("nuclear_tests").loc[0, "magnitude"] != 99.0


def test_unknown_name_lists_valid_names():
    with pytest.raises(KeyError) as err:
        ck.load("event")
    text = err.value.args[0]
    assert "Did you mean 'events'" in text
    for name in NAMES:
        assert name in text


def test_describe_and_cite():
    info = ck.describe("military_expenditure")
    assert "% of GDP" in info.fields.set_index("name").loc["share_of_gdp_pct", "unit"]
    assert "CC BY 4.0" in str(info) or "Creative Commons" in str(info)
    assert "SIPRI" in ck.cite("military_expenditure")
    assert "CNS" in ck.cite("missile_launches") and "nagix" in ck.cite("missile_launches")


def test_glossary_has_three_languages():
    glossary = ck.load("glossary")
    assert glossary["term_ko"].notna().mean() > 0.9
    assert glossary["term_ja"].notna().mean() > 0.9
    assert glossary["term_ko"].dropna().str.contains(r"[\uac00-\ud7a3]").all()
    assert glossary["term_ja"].dropna().str.contains(r"[\u3040-\u30ff\u4e00-\u9fff]").all()


def test_datapackage_is_tidy_json(root):
    """One canonical layout (2-space indent, UTF-8 kept, final newline), so edits diff cleanly."""
    text = (root / "datasets" / "datapackage.json").read_text(encoding="utf-8")
    assert text == json.dumps(json.loads(text), indent=2, ensure_ascii=False) + "\n", (
        "datasets/datapackage.json is not in the canonical layout: rewrite it with "
        "json.dumps(data, indent=2, ensure_ascii=False) plus a final newline"
    )
