"""Merge the parts written by contributors in ``tools/data-parts/`` into the course tables.

Usage (from the repository root)::

    python tools/merge_parts.py

Sources are merged by URL: when two parts registered the same URL under different ids, the
first id wins and every reference to the others is rewritten. Ids that collide for different
URLs stop the merge. The merged tables are sorted (events by date) and written to
``datasets/*.csv``. Parts are kept so a merge can be repeated after a part is fixed.
"""

from __future__ import annotations

import csv
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "datasets"
PARTS = ROOT / "tools" / "data-parts"

TABLES = {
    # table: (glob of parts, sort key, columns that hold source ids)
    "events": ("events_*.csv", lambda r: (r["date"], r["id"])),
    "agreements": ("agreements*.csv", lambda r: (r["signed"] or "9999", r["id"])),
    "trilateral_engagements": ("trilateral_*.csv", lambda r: (r["date"], r["id"])),
    "glossary": ("glossary*.csv", lambda r: r["id"]),
    "people": ("people*.csv", lambda r: r["id"]),
}


def read(path: Path) -> list[dict[str, str]]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = []
        for row in reader:
            if None in row or any(v is None for v in row.values()):
                raise SystemExit(f"{path.name}, line {reader.line_num}: wrong number of values (check commas and quotes)")
            rows.append({k.strip(): v.strip() for k, v in row.items()})
        return rows


def write(path: Path, rows: list[dict[str, str]], fields: list[str]) -> None:
    tmp = path.with_suffix(".tmp")
    with open(tmp, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=fields, lineterminator="\n", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    os.replace(tmp, path)  # atomic: a reader never sees half a file
    print(f"wrote {path.relative_to(ROOT)}: {len(rows)} rows")


def norm_url(url: str) -> str:
    url = url.strip().rstrip("/").replace("http://", "https://").lower()
    return url.replace("https://www.", "https://")


def main() -> int:
    by_url: dict[str, dict[str, str]] = {}
    by_id: dict[str, dict[str, str]] = {}
    rename: dict[str, str] = {}
    errors = []
    for part in sorted(PARTS.glob("sources_*.csv")):
        for row in read(part):
            key = norm_url(row["url"])
            if row["id"] in by_id and norm_url(by_id[row["id"]]["url"]) != key:
                errors.append(f"{part.name}: id {row['id']} is used for two URLs")
                continue
            if key in by_url:
                if row["id"] != by_url[key]["id"]:
                    rename[row["id"]] = by_url[key]["id"]
                    print(f"note: {part.name}: {row['id']} is the same URL as {by_url[key]['id']}; cite that id")
                continue
            by_url[key] = row
            by_id[row["id"]] = row
    if errors:
        print("\n".join(errors), file=sys.stderr)
        return 1

    def fix(ids: str) -> str:
        seen = []
        for sid in filter(None, (s.strip() for s in ids.split(";"))):
            sid = rename.get(sid, sid)
            if sid not in seen:
                seen.append(sid)
        return ";".join(seen)

    used = set()
    for table, (pattern, key) in TABLES.items():
        rows, fields = [], None
        for part in sorted(PARTS.glob(pattern)):
            part_rows = read(part)
            if part_rows and fields is None:
                fields = list(part_rows[0])
            rows.extend(part_rows)
        if not rows:
            print(f"skipped {table}: no parts yet")
            continue
        ids = [r.get("id") for r in rows]
        dupes = {i for i in ids if ids.count(i) > 1}
        if dupes:
            print(f"{table}: duplicate ids {sorted(dupes)}", file=sys.stderr)
            return 1
        for row in rows:
            row["source_ids"] = fix(row["source_ids"])
            used.update(row["source_ids"].split(";"))
        rows.sort(key=key)
        write(DATA / f"{table}.csv", rows, fields)

    for name in ("missile_launches", "nuclear_tests", "military_expenditure"):
        for row in read(DATA / f"{name}.csv"):
            used.update(row["source_ids"].split(";"))
    extra = PARTS / "cited_by_lessons.txt"
    if extra.exists():
        used.update(line.strip() for line in extra.read_text().splitlines() if line.strip())
    sources = sorted(by_id.values(), key=lambda r: r["id"])
    unused = [r["id"] for r in sources if r["id"] not in used]
    if unused:
        print(f"note: {len(unused)} sources not cited by any table (kept for lessons): {unused[:8]}...")
    write(DATA / "sources.csv", sources, ["id", "citation", "publisher", "date", "url", "licence"])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
