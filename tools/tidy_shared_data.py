"""Tidy the real files in ``../shared/data`` into the course's datasets.

Run from the repository root::

    python tools/tidy_shared_data.py [--shared ../shared/data]

It records how the course's tables were first derived from the originals: it writes
``missile_launches.csv``, ``nuclear_tests.csv``, ``military_expenditure.csv``,
``trilateral_2021_2024.csv`` and ``sources_shared.csv`` into ``--out`` (default
``build/tidy-shared-data/``), never into ``datasets/``. ``datasets/`` is the one place the data
is edited: corrections made since the derivation (see ``datasets/README.md``) live there, so a
fresh run of this script shows the original derivation, and a diff against ``datasets/`` shows
every later correction. Only the standard library is used, so it runs before the course is installed.
"""

from __future__ import annotations

import argparse
import csv
import re
from datetime import date as Date
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "build" / "tidy-shared-data"

LANDING = {
    "sea-of-japan": "Sea of Japan / East Sea",
    "yellow-sea": "Yellow Sea",
    "pacific-ocean": "Pacific Ocean",
    "north-korea": "North Korea (land)",
    "unknown": "",
    "na": "",
}

COUNTRY = {
    "USA": "United States",
    "JPN": "Japan",
    "KOR": "Republic of Korea",
    "CHN": "China",
    "PRK": "DPRK (North Korea)",
}

SHARED_SOURCES = [
    {
        "id": "cns-nk-missile-test-db",
        "citation": (
            "James Martin Center for Nonproliferation Studies (CNS). The CNS North Korea "
            "Missile Test Database. Nuclear Threat Initiative."
        ),
        "publisher": "James Martin Center for Nonproliferation Studies / Nuclear Threat Initiative",
        "date": "",
        "url": "https://www.nti.org/analysis/articles/cns-north-korea-missile-test-database/",
        "licence": "Terms not read; only factual fields are used (facts are not copyrightable)",
    },
    {
        "id": "nagix-nk-missile-tests",
        "citation": (
            "nagix. nk-missile-tests: North Korean missile tests compiled from the CNS "
            "database (GitHub repository, commit a0cc658, 2026-04-21)."
        ),
        "publisher": "GitHub (nagix)",
        "date": "2026-04-21",
        "url": "https://github.com/nagix/nk-missile-tests",
        "licence": "Apache-2.0",
    },
    {
        "id": "usgs-comcat",
        "citation": (
            "U.S. Geological Survey. ANSS Comprehensive Earthquake Catalog (ComCat), event "
            "pages for the six DPRK nuclear explosions."
        ),
        "publisher": "U.S. Geological Survey",
        "date": "",
        "url": "https://earthquake.usgs.gov/earthquakes/search/",
        "licence": "US public domain (USGS data)",
    },
    {
        "id": "wb-wdi-milex",
        "citation": (
            "The World Bank: World Development Indicators: Stockholm International Peace "
            "Research Institute (SIPRI), Yearbook: Armaments, Disarmament and International "
            "Security. Indicators MS.MIL.XPND.CD and MS.MIL.XPND.GD.ZS, last updated "
            "2021-10-28."
        ),
        "publisher": "The World Bank (source: SIPRI)",
        "date": "2021-10-28",
        "url": "https://data.worldbank.org/indicator/MS.MIL.XPND.CD",
        "licence": "CC BY 4.0",
    },
]


def _blank(value: str) -> str:
    value = (value or "").strip()
    return "" if value.lower() in {"unknown", "na", "n/a"} else value


def _number(value: str) -> str:
    value = _blank(value)
    if not value:
        return ""
    number = float(value)
    return str(int(number)) if number.is_integer() else repr(number)


# Korea Standard Time (and Japan's), UTC+9: the clock of the ROK and Japanese announcements.
# (Pyongyang kept UTC+8:30 from August 2015 to May 2018; no launch with a known time falls in
# the half hour where that would change the local date.)
KOREA_OFFSET = timedelta(hours=9)

# Corrections to the source file, each checked against a report of the day (sources.csv ids):
#   the 2009 salvo was fired on Saturday 4 July local time, not 5 July [rnz-2009-07-04-missiles];
#   the Unha-3 of 7 February 2016 lifted off at about 09:30 KST = 00:30 UTC, not 12:29
#     [koreaherald-2016-02-07-rocket-launch];
#   the first Hwasong-14, 4 July 2017, was detected at about 09:40 KST = 00:40 UTC, not 12:40
#     [kbsworld-2017-07-04-hwasong-14].
DATE_FIXES = {"2009-07-05": "2009-07-04"}
TIME_FIXES = {("2016-02-07", "12:29"): "00:29", ("2017-07-04", "12:40"): "00:40"}

# The source's dates follow two conventions. Rows without a launch time carry the local date.
# Rows with a launch time carry the UTC date of that time, except these two, which carry the local
# date (launches of 05:33 KST on 15 April 2016 [siasat-2016-04-15-musudan] and 05:27 KST on
# 14 May 2017 [kbsworld-2017-05-14-hwasong-12]).
LOCAL_DATED = {("2016-04-15", "20:33"), ("2017-05-14", "20:28")}


def _local_and_utc_dates(date: str, time: str) -> tuple[str, str]:
    """The launch's local (UTC+9) date and, when the time is known, its UTC date."""
    if not time:
        return date, ""
    utc_day = Date.fromisoformat(date)
    if (date, time[:5]) in LOCAL_DATED:
        utc_day -= timedelta(days=1)
    moment = datetime.combine(utc_day, datetime.strptime(time, "%H:%M:%S").time())
    return (moment + KOREA_OFFSET).date().isoformat(), utc_day.isoformat()


def missile_launches(shared: Path) -> None:
    rows = list(csv.DictReader(open(shared / "dprk_missile_launches_cns_facts.csv", encoding="utf-8")))
    out = []
    for i, row in enumerate(rows, start=1):
        date = row["date"].strip()
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
            precision = "day"
        elif re.fullmatch(r"\d{4}-\d{2}", date):
            date, precision = date + "-01", "month"
        else:
            raise SystemExit(f"row {i + 1}: unexpected date {date!r}")
        time = _blank(row["time"]).replace("(UTC)", "").strip()
        time = TIME_FIXES.get((date, time), time)
        date = DATE_FIXES.get(date, date)
        if time:
            time = time + ":00"
        date, date_utc = _local_and_utc_dates(date, time)
        out.append(
            {
                "id": f"ml-{i:04d}",
                "date": date,
                "date_precision": precision,
                "date_utc": date_utc,
                "time_utc": time,
                "sequence": _number(row["series"]),
                "missile_id": row["missile_id"],
                "missile_name": row["missile_name"],
                "missile_type": row["missile_type"],
                "facility_id": row["facility_id"],
                "facility_name": row["facility_name"],
                "facility_lat": row["facility_lat"],
                "facility_lon": row["facility_lon"],
                "landing": LANDING[row["landing"]],
                "apogee_km": _number(row["apogee_km"]),
                "distance_km": _number(row["distance_km"]),
                "outcome": row["outcome"],
                "source_ids": "cns-nk-missile-test-db;nagix-nk-missile-tests",
            }
        )
    _write(OUT / "missile_launches.csv", out)


def nuclear_tests(shared: Path) -> None:
    rows = list(csv.DictReader(open(shared / "dprk_nuclear_tests_usgs.csv", encoding="utf-8")))
    out = []
    for row in rows:
        origin = row["origin_time_utc"].strip()
        out.append(
            {
                "test_no": row["test_no"],
                "date_utc": origin[:10],
                "origin_time_utc": origin.replace("Z", "").split(".")[0],
                "latitude": row["usgs_lat"],
                "longitude": row["usgs_lon"],
                "depth_km": row["usgs_depth_km"],
                "magnitude": row["usgs_mag"],
                "magnitude_type": row["usgs_mag_type"],
                "usgs_event_id": row["usgs_event_id"],
                "usgs_url": row["usgs_url"],
                "source_ids": "usgs-comcat",
            }
        )
    _write(OUT / "nuclear_tests.csv", out)


def military_expenditure(shared: Path) -> None:
    rows = list(csv.DictReader(open(shared / "wdi_military_expenditure_long.csv", encoding="utf-8")))
    table: dict[tuple[str, int], dict[str, str]] = {}
    for row in rows:
        key = (row["Country Code"], int(row["year"]))
        entry = table.setdefault(
            key,
            {
                "country_code": key[0],
                "country": COUNTRY[key[0]],
                "year": str(key[1]),
                "expenditure_usd": "",
                "share_of_gdp_pct": "",
                "source_ids": "wb-wdi-milex",
            },
        )
        value = _blank(row["value"])
        if row["Indicator Code"] == "MS.MIL.XPND.CD":
            entry["expenditure_usd"] = str(round(float(value))) if value else ""
        elif row["Indicator Code"] == "MS.MIL.XPND.GD.ZS":
            entry["share_of_gdp_pct"] = f"{float(value):.4f}" if value else ""
    kept = [r for r in table.values() if r["expenditure_usd"] or r["share_of_gdp_pct"]]
    kept.sort(key=lambda r: (r["country_code"], int(r["year"])))
    _write(OUT / "military_expenditure.csv", kept)


def _codes(participants: str) -> str:
    """Write countries as ISO alpha-3 codes, as the rest of the table does: (US) -> (USA)."""
    for old, new in (("(US NSC)", "(USA, NSC)"), ("(US)", "(USA)"), ("(JP)", "(JPN)"), ("(ROK)", "(KOR)")):
        participants = participants.replace(old, new)
    return participants


def _slug(text: str, words: int = 4) -> str:
    return "-".join(re.findall(r"[a-z0-9]+", text.lower())[:words])


def trilateral(shared: Path) -> list[dict[str, str]]:
    rows = list(
        csv.DictReader(open(shared / "us_japan_rok_trilateral_engagements_2021_2024.csv", encoding="utf-8"))
    )
    out, sources = [], []
    for row in rows:
        slug = _slug(row["level"], 2)
        rid = f"tri-{row['date']}-{slug}"
        sid = f"wh-{row['date']}-{slug}"
        mirror = row["mirror"].split(":", 1)
        out.append(
            {
                "id": rid,
                "date": row["date"],
                "end_date": "",
                "event_type": row["event_type"],
                "level": row["level"],
                "participants": _codes(row["participants"]),
                "location": row["location"],
                "summary": row["summary"],
                "source_ids": sid,
                "note": row["note"],
            }
        )
        title = Path(mirror[-1]).stem[11:].replace("-", " ")
        sources.append(
            {
                "id": sid,
                "citation": (
                    f"The White House (Biden administration archive). {title[:1].upper() + title[1:]}. "
                    f"Briefing Room, {row['date']}. Read in the archived copy {mirror[0]}."
                ),
                "publisher": "The White House",
                "date": row["date"],
                "url": row["source_url"],
                "licence": "US public domain (17 U.S.C. 105)",
            }
        )
    _write(OUT / "trilateral_2021_2024.csv", out)
    return sources


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {path} ({len(rows)} rows)")


def main() -> None:
    global OUT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--out", type=Path, default=OUT, help="folder to write to (never datasets/)")
    args = parser.parse_args()
    if args.out.resolve() == (ROOT / "datasets").resolve():
        parser.error("datasets/ is edited by hand now; write the derivation elsewhere and compare")
    OUT = args.out
    missile_launches(args.shared)
    nuclear_tests(args.shared)
    military_expenditure(args.shared)
    sources = SHARED_SOURCES + trilateral(args.shared)
    _write(OUT / "sources_shared.csv", sources)


if __name__ == "__main__":
    main()
