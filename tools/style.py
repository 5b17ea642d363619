"""The course's house style (docs/style-sheet.md) as rules: find, and fix, the variants it decided
against in the text students read.

Checked: the Markdown of ``lessons/*.md`` and ``autograding/authoring/*.md`` (not code cells or
inline code), ``README.md``, ``datasets/README.md`` and the text columns of ``datasets/*.csv``
(not ids, dates, native-script names, the glossary's romanisation columns or the ``citation`` and
``url`` columns of the source register). Quotations ("...", “...”, ‘...’, '...'), source titles
in citation links, link targets, URLs and HTML tags keep their original form and are skipped.

Usage::

    python tools/style.py           # list every variant found
    python tools/style.py --fix     # rewrite them in place (prose only; review the diff)
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

MARKDOWN = [
    "lessons/[0-9][0-9]*-*.md",
    "autograding/authoring/a[0-9][0-9]-*.md",
    "README.md",
    "datasets/README.md",
]
SKIP_COLUMNS = {
    "id",
    "source_ids",
    "related",
    "date",
    "end_date",
    "date_precision",
    "url",
    "citation",
    "term_ko",
    "term_ja",
    "term_ko_romanized",
    "term_ja_romanized",
    "name_native",
    "actors",
    "parties",
    "country_code",
    "missile_id",
    "facility_id",
    "usgs_event_id",
    "usgs_url",
    "date_utc",
    "origin_time_utc",
    "time_utc",
    "category",
    "kind",
    "event_type",
    "level",
}

# Spans that keep their original form: code, front matter and cell markers, citation links
# (their labels come from source titles), link targets, URLs, HTML tags, and quotations.
PROTECTED = re.compile(
    r"(?ms)^```.*?^```[ \t]*$"  # fenced code (code cells)
    r"|\A---\n.*?\n---\n"  # YAML front matter
    r"|^\+\+\+.*?$"  # jupytext cell markers with metadata
    r"|`+[^`\n]*`+"  # inline code
    r"|\[[^\[\]\n]*\]\(#ref-[^)\s]*\)"  # a citation link, label and all
    r"|\[@[^\]\n]*\]"  # a citation key
    r"|\]\([^)\s]*\)"  # a link target
    r"|https?://\S+"  # an address
    r"|<[^<>\n]+>"  # an HTML tag
    r"|\"[^\"\n]{1,400}?\"|“[^”]{1,400}?”|‘[^’]{1,400}?’"  # quotations
    r"|(?<![\w’'])'[^'\n]{1,400}?'(?![\w])"  # 'quoted' (not an apostrophe)
)


@dataclass
class Rule:
    pattern: re.Pattern
    fix: str | Callable
    why: str


def _people() -> list[tuple[str, str]]:
    rows = list(csv.DictReader(io.StringIO((ROOT / "datasets" / "people.csv").read_text(encoding="utf-8"))))
    return [(r["name"], r["country"]) for r in rows]


# Japanese names the course writes (family name first) that the lessons also spelt given name
# first with native script, so that the order cannot be read from the lessons alone.
FAMILY_FIRST = {
    "Sahashi Ryo",
    "Hashimoto Ryutaro",
    "Mori Yoshiro",
    "Fukuda Yasuo",
    "Aso Taro",
    "Kono Yohei",
    "Nakasone Yasuhiro",
    "Kaifu Toshiki",
    "Takeshita Noboru",
    "Okada Katsuya",
    "Motegi Toshimitsu",
    "Iwaya Takeshi",
    "Kamikawa Yoko",
    "Hamada Yasukazu",
    "Kihara Minoru",
    "Nakatani Gen",
}


def _japanese_names() -> set[str]:
    """Japanese (and Chinese) names written family name first: the people dataset's Japanese rows,
    FAMILY_FIRST, and every 'Family Given (漢字)' in the lessons whose reverse is not also there."""
    known = {name for name, country in _people() if country == "JPN"} | FAMILY_FIRST
    seen: set[str] = set()
    for path in sorted((ROOT / "lessons").glob("*.md")):
        seen |= {
            f"{a} {b}"
            for a, b in re.findall(
                r"\b([A-Z][a-z]+) ([A-Z][a-z]+(?:'[a-z]{2,})?) \([\u3040-\u30ff\u4e00-\u9fff]+\)",
                path.read_text(encoding="utf-8"),
            )
        }
    seen = {strip_macrons(n).replace("'", "") for n in seen}
    reverse = {" ".join(n.split()[::-1]) for n in known}
    names = {strip_macrons(n) for n in known}
    for name in seen - reverse:
        if " ".join(name.split()[::-1]) not in seen:
            names.add(name)
    return {n for n in names if len(n.split()) == 2}


MACRONS = str.maketrans({"ō": "o", "ū": "u", "Ō": "O", "Ū": "U", "ā": "a", "ē": "e", "ī": "i"})


def strip_macrons(text: str) -> str:
    return text.translate(MACRONS)


def rules() -> list[Rule]:
    out = [
        Rule(
            re.compile(r"[A-Za-z']*[ōūŌŪ][A-Za-z'ōūŌŪ]*"),
            lambda m: strip_macrons(m.group(0)).replace("n'i", "ni"),
            "Japanese romanised without macrons in prose (native script on first use gives the exact form)",
        ),
        Rule(re.compile(r"\bJun'ichir"), "Junichir", "no apostrophe in romanised Japanese names"),
        Rule(re.compile(r"\bKim Jong[ -]Un\b"), "Kim Jong-un", "Korean given names hyphenated: Kim Jong-un"),
        Rule(re.compile(r"\bKim Jong[ -]Il\b"), "Kim Jong-il", "Korean given names hyphenated: Kim Jong-il"),
        Rule(re.compile(r"\bKim Il[ -]Sung\b"), "Kim Il-sung", "Korean given names hyphenated: Kim Il-sung"),
        Rule(re.compile(r"\bYoon Suk-yeol\b"), "Yoon Suk Yeol", "Yoon Suk Yeol, the form he uses"),
        Rule(re.compile(r"\bpercent\b"), "per cent", "'per cent' (British)"),
        Rule(re.compile(r"\bSix Party Talks\b"), "Six-Party Talks", "Six-Party Talks, hyphenated"),
        Rule(re.compile(r"\bdefense\b"), "defence", "British spelling (Defense only in proper names)"),
        Rule(re.compile(r"\bcenter(s?)\b"), r"centre\1", "British spelling (Center only in proper names)"),
        Rule(re.compile(r"\borganization(s?)\b"), r"organisation\1", "British spelling"),
        Rule(re.compile(r"\blabor\b"), "labour", "British spelling"),
        Rule(re.compile(r"\bskeptic"), "sceptic", "British spelling"),
        Rule(re.compile(r"\bprogram(s?)\b"), r"programme\1", "British spelling (not for a computer program)"),
        Rule(re.compile(r"\bcolor(s?)\b"), r"colour\1", "British spelling (colour= in code excepted)"),
        Rule(re.compile(r"\bcatalog(s?)\b"), r"catalogue\1", "British spelling"),
        Rule(
            re.compile(
                r"\b(normali|denucleari|institutionali|organi|recogni|emphasi|critici|apologi|reali|"
                r"summari|characteri|mobili|militari|synchroni|prioriti|legitimi|formali|stabili|"
                r"moderni|minimi|maximi|utili)z(e|es|ed|ing|ation|ations)\b"
            ),
            r"\1s\2",
            "-ise spelling, as in the rest of the course (capitalised titles excepted)",
        ),
    ]
    for name in sorted(_japanese_names()):
        family, given = name.split()
        out.append(
            Rule(
                re.compile(rf"\b{re.escape(given)} {re.escape(family)}\b"),
                name,
                f"Japanese names family name first: {name}",
            )
        )
    for name, country in _people():
        parts = name.split()
        if country in {"KOR", "PRK"} and len(parts) == 2 and "-" in parts[1]:
            first, second = parts[1].split("-", 1)
            out.append(
                Rule(
                    re.compile(rf"\b{parts[0]} {first}[ -]{second.capitalize()}\b"),
                    name,
                    f"Korean given names hyphenated, second part in lower case: {name}",
                )
            )
    return out


def protected_spans(text: str) -> list[tuple[int, int]]:
    return [m.span() for m in PROTECTED.finditer(text)]


def _apply(text: str, rule_list: list[Rule], fix: bool) -> tuple[str, list[tuple[str, str]]]:
    """Find (and optionally fix) variants in the unprotected parts of a text."""
    found: list[tuple[str, str]] = []
    pieces, last = [], 0
    for start, end in protected_spans(text) + [(len(text), len(text))]:
        free = text[last:start]
        for rule in rule_list:
            for m in rule.pattern.finditer(free):
                found.append((m.group(0), rule.why))
            if fix:
                free = rule.pattern.sub(rule.fix, free)
        pieces += [free, text[start:end]]
        last = end
    return "".join(pieces), found


def check_text(text: str, rule_list: list[Rule] | None = None) -> list[tuple[str, str]]:
    return _apply(text, rule_list or rules(), fix=False)[1]


def fix_text(text: str, rule_list: list[Rule] | None = None) -> str:
    return _apply(text, rule_list or rules(), fix=True)[0]


def csv_fields(path: Path) -> list[tuple[str, str]]:
    """(column, value) of every checked text field of a data file."""
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    return [
        (col, value)
        for row in rows
        for col, value in row.items()
        if col not in SKIP_COLUMNS and value and not re.fullmatch(r"[-+0-9.:eE ]+", value)
    ]


def files() -> tuple[list[Path], list[Path]]:
    md = sorted({p for pattern in MARKDOWN for p in ROOT.glob(pattern)})
    return md, sorted((ROOT / "datasets").glob("*.csv"))


def scan(fix: bool = False) -> dict[str, list[tuple[str, str]]]:
    """Every variant per file (``file`` or ``file:column``); with ``fix``, rewrite them."""
    rule_list = rules()
    report: dict[str, list[tuple[str, str]]] = {}
    markdown, data = files()
    for path in markdown:
        text = path.read_text(encoding="utf-8")
        new, found = _apply(text, rule_list, fix)
        if found:
            report[str(path.relative_to(ROOT))] = found
        if fix and new != text:
            path.write_text(new, encoding="utf-8")
    for path in data:
        raw = path.read_text(encoding="utf-8")
        new_raw = raw
        for column, value in csv_fields(path):
            new, found = _apply(value, rule_list, fix)
            if found:
                report.setdefault(f"{path.relative_to(ROOT)}:{column}", []).extend(found)
            if fix and new != value:
                quoted = value.replace('"', '""')
                new_raw = new_raw.replace(quoted, new.replace('"', '""'))
        if fix and new_raw != raw:
            path.write_text(new_raw, encoding="utf-8")
    return report


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--fix", action="store_true", help="rewrite the variants in place")
    args = parser.parse_args(argv)
    report = scan(fix=args.fix)
    total = sum(len(v) for v in report.values())
    for where, found in report.items():
        for variant, why in found:
            print(f"{where}: {variant!r}: {why}")
    print(f"{total} variant(s) {'fixed' if args.fix else 'found'} in {len(report)} place(s)")
    return 1 if (total and not args.fix) else 0


if __name__ == "__main__":
    sys.exit(main())
