"""House style (docs/style-sheet.md): the variants the course decided against do not appear in
what students read: lessons, exercises, the READMEs and the datasets' text fields. Quotations
and source titles keep their original form (text in quotation marks, citation links and the
``citation`` column of sources.csv are not checked). Fix what this finds with
``python tools/style.py --fix`` and review the diff."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools import style

ROOT = Path(__file__).resolve().parents[1]

MARKDOWN, DATA = style.files()


@pytest.mark.parametrize("path", MARKDOWN, ids=[str(p.relative_to(ROOT)) for p in MARKDOWN])
def test_markdown_follows_the_style_sheet(path):
    found = style.check_text(path.read_text(encoding="utf-8"))
    assert not found, f"{len(found)} variant(s) (python tools/style.py --fix): {found[:8]}"


@pytest.mark.parametrize("path", DATA, ids=[p.name for p in DATA])
def test_dataset_text_follows_the_style_sheet(path):
    rule_list = style.rules()
    found = [
        (column, hit)
        for column, value in style.csv_fields(path)
        for hit in style.check_text(value, rule_list)
    ]
    assert not found, f"{len(found)} variant(s) (python tools/style.py --fix): {found[:8]}"


@pytest.mark.parametrize(
    "variant, preferred",
    [
        ("Kim Jong Un visited", "Kim Jong-un visited"),
        ("Kim Il Sung and Kim Jong Il", "Kim Il-sung and Kim Jong-il"),
        ("Yoon Suk-yeol spoke", "Yoon Suk Yeol spoke"),
        ("Shinzo Abe and Naoto Kan", "Abe Shinzo and Kan Naoto"),
        ("Ryo Sahashi (佐橋亮) wrote", "Sahashi Ryo (佐橋亮) wrote"),
        ("Kōno Tarō (河野太郎)", "Kono Taro (河野太郎)"),
        ("Koizumi Jun'ichirō", "Koizumi Junichiro"),
        ("56.7 percent of", "56.7 per cent of"),
        ("the Six Party Talks", "the Six-Party Talks"),
        ("collective self-defense and skepticism", "collective self-defence and scepticism"),
        ("to institutionalize the normalization", "to institutionalise the normalisation"),
        ("a programs center", "a programmes centre"),
    ],
)
def test_rules_fix_the_variants_they_find(variant, preferred):
    assert style.check_text(variant), variant
    assert style.fix_text(variant) == preferred
    assert not style.check_text(preferred)


@pytest.mark.parametrize(
    "kept",
    [
        'The report was titled "Kim Jong Un seeks to re-define ties" that year.',
        "She called it ‘a defense pact’.",
        "Signed by the US Department of Defense and Japan's Self-Defense Forces.",
        'See ([Japan Times 2011](#ref-japantimes-2011-01-11-kitazawa-kim)) and `color="kind"`.',
        "The Carter Center and the Demilitarized Zone.",
        "In the glossary, 'Kōno danwa' is the romanised term.",
    ],
)
def test_quotations_titles_proper_names_and_code_keep_their_form(kept):
    assert not style.check_text(kept), style.check_text(kept)


def test_the_citation_column_is_not_checked_but_other_source_fields_are():
    fields = dict.fromkeys(col for col, _ in style.csv_fields(ROOT / "datasets" / "sources.csv"))
    assert "citation" not in fields and "url" not in fields and "publisher" in fields
