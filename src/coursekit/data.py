"""Find, load, describe and cite the course's datasets.

The data live in one Frictionless Data Package (``datapackage.json`` plus CSV files).
Where it is found, in this order:

1. the folder named by the environment variable ``COURSEKIT_DATA`` (tests, custom copies);
2. ``coursekit/_datasets`` inside the installed package (a wheel, Binder, JupyterLite);
3. ``datasets/`` at the top of a source checkout (an editable install).

Examples
--------
>>> import coursekit as ck
>>> "events" in ck.list_datasets()["name"].tolist()
True
>>> events = ck.load("events")
>>> str(events["date"].dtype)
'datetime64[ns]'
>>> ck.cite("military_expenditure")
'Data: The World Bank: World Development Indicators: SIPRI (CC BY 4.0).'
"""

from __future__ import annotations

import difflib
import json
import os
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from . import _messages as msg
from ._validate import DatasetError, read_table

__all__ = [
    "list_datasets",
    "load",
    "describe",
    "cite",
    "data_dir",
    "DatasetError",
    "Description",
    "package",
    "resource",
]


def _candidates() -> list[Path]:
    places = []
    env = os.environ.get("COURSEKIT_DATA")
    if env:
        places.append(Path(env))
    try:
        places.append(Path(str(resources.files("coursekit") / "_datasets")))
    except (ModuleNotFoundError, TypeError):  # pragma: no cover - zipimport
        pass
    places.append(Path(__file__).resolve().parents[2] / "datasets")
    return places


def data_dir() -> Path:
    """Return the folder that holds ``datapackage.json``.

    Examples
    --------
    >>> (data_dir() / "datapackage.json").exists()
    True
    """
    places = _candidates()
    for place in places:
        if (place / "datapackage.json").is_file():
            return place
    raise FileNotFoundError(msg.DATA_NOT_FOUND.format(places=", ".join(map(str, places))))


@lru_cache(maxsize=4)
def _package_at(folder: str, mtime: float) -> dict:
    with open(Path(folder) / "datapackage.json", encoding="utf-8") as handle:
        return json.load(handle)


def package() -> dict:
    """The parsed ``datapackage.json`` (a fresh copy each call is not needed: do not modify it)."""
    folder = data_dir()
    return _package_at(str(folder), (folder / "datapackage.json").stat().st_mtime)


def _resources() -> dict[str, dict]:
    return {res["name"]: res for res in package()["resources"]}


def resource(name: str) -> dict:
    """The Data Package entry for one dataset, with a learner-friendly error for a bad name."""
    found = _resources()
    if not isinstance(name, str) or name not in found:
        valid = sorted(found)
        close = difflib.get_close_matches(str(name).lower().replace(" ", "_"), valid, n=1)
        text = msg.UNKNOWN_DATASET.format(name=name, valid=", ".join(valid))
        if close:
            text = text.replace("\n", msg.DID_YOU_MEAN.format(suggestion=close[0]) + "\n", 1)
        raise KeyError(text) from None
    return found[name]


def list_datasets() -> pd.DataFrame:
    """One row per dataset: name, title, rows, licence and a one-line description.

    Examples
    --------
    >>> table = list_datasets()
    >>> list(table.columns)
    ['name', 'title', 'rows', 'licence', 'description']
    """
    rows = []
    for name, res in _resources().items():
        rows.append(
            {
                "name": name,
                "title": res.get("title", name),
                "rows": _row_count(name),
                "licence": ", ".join(lic.get("name", "") for lic in res.get("licenses", [])),
                "description": res.get("description", "").split("\n")[0],
            }
        )
    return pd.DataFrame(rows)


def _row_count(name: str) -> int:
    return len(load(name))


@lru_cache(maxsize=32)
def _load_cached(path: str, mtime: int, size: int, name: str) -> pd.DataFrame:
    res = resource(name)
    return read_table(Path(path), res["schema"], name=name, root=data_dir())


def load(name: str) -> pd.DataFrame:
    """Load a dataset as a new pandas DataFrame with proper types.

    Dates become datetimes, columns with a fixed set of values become categoricals, whole
    numbers with gaps become nullable integers. Each call returns a new copy: change it freely.

    Parameters
    ----------
    name : str
        A dataset name from :func:`list_datasets`, such as ``"events"``.

    Raises
    ------
    KeyError
        For an unknown name; the message lists the valid names.
    DatasetError
        When the file was damaged (a missing column, a bad date...); the message names the file,
        the line and the column and says what was expected. Nothing is written to disk.

    Examples
    --------
    >>> tests = load("nuclear_tests")
    >>> len(tests)
    6
    >>> tests["date_utc"].dt.year.tolist()
    [2006, 2009, 2013, 2016, 2016, 2017]
    """
    res = resource(name)
    path = data_dir() / res["path"]
    if not path.is_file():
        raise DatasetError(msg.FILE_MISSING.format(name=name, path=path, relpath=f"datasets/{res['path']}"))
    stat = path.stat()
    return _load_cached(str(path), stat.st_mtime_ns, stat.st_size, name).copy()


@dataclass
class Description:
    """What :func:`describe` returns: readable as text, and as parts for code."""

    name: str
    title: str
    description: str
    rows: int
    fields: pd.DataFrame
    licences: list[str]
    sources: list[str]
    attribution: str
    notes: list[str] = field(default_factory=list)
    completeness: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["period", "start", "end", "status", "note"])
    )

    def __str__(self) -> str:
        lines = [f"{self.title} ({self.name}): {self.rows} rows", "", self.description, "", "Columns:"]
        for row in self.fields.itertuples(index=False):
            unit = f" [{row.unit}]" if row.unit else ""
            lines.append(f"  {row.name} ({row.type}{unit}): {row.description}")
        if len(self.completeness):
            lines += ["", "Completeness by period (read before counting rows per year):"]
            lines += [
                f"  {row.period}: {row.status.upper()}. {row.note}"
                for row in self.completeness.itertuples(index=False)
            ]
        lines += ["", "Licence: " + "; ".join(self.licences), "Sources:"]
        lines += [f"  - {source}" for source in self.sources]
        lines += ["", self.attribution]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_markdown_(self) -> str:
        table = ["| column | type | unit | description |", "|---|---|---|---|"]
        for row in self.fields.itertuples(index=False):
            table.append(f"| `{row.name}` | {row.type} | {row.unit} | {row.description} |")
        parts = [
            f"**{self.title}** (`{self.name}`): {self.rows} rows",
            self.description,
            "\n".join(table),
        ]
        if len(self.completeness):
            parts.append(
                "**Completeness by period** (read before counting rows per year):\n"
                + "\n".join(
                    f"- **{row.period}: {row.status}.** {row.note}"
                    for row in self.completeness.itertuples(index=False)
                )
            )
        parts += [
            "**Licence:** " + "; ".join(self.licences),
            "**Sources:**\n" + "\n".join(f"- {source}" for source in self.sources),
            f"*{self.attribution}*",
        ]
        return "\n\n".join(parts)


def describe(name: str) -> Description:
    """Describe a dataset: its columns (type, unit, meaning), licence, sources and attribution.

    Parameters
    ----------
    name : str
        A dataset name, as listed by ``list_datasets()``.

    Returns
    -------
    Description
        Readable as text; its parts are attributes. ``completeness`` is a table with one row per period
        (``period``, ``start``, ``end``, ``status``, ``note``, ``complete_for``, ``source_ids``) for
        datasets whose coverage is uneven, taken from the resource's ``completeness`` entry in
        ``datapackage.json``; it is empty for the others. ``status`` is ``complete``, ``partial`` or
        ``gap`` (few or no rows although many engagements are known to have happened).

    Examples
    --------
    >>> info = describe("nuclear_tests")
    >>> info.rows
    6
    >>> "magnitude" in info.fields["name"].tolist()
    True
    >>> tri = describe("trilateral_engagements").completeness
    >>> tri.loc[tri["period"] == "2004-2009", "status"].item()
    'gap'
    """
    res = resource(name)
    fields = pd.DataFrame(
        [
            {
                "name": f["name"],
                "type": f.get("type", "string"),
                "unit": f.get("unit", ""),
                "description": f.get("description", ""),
            }
            for f in res["schema"]["fields"]
        ]
    )
    licences = [
        lic.get("title", lic.get("name", "")) + (f" ({lic['path']})" if lic.get("path") else "")
        for lic in res.get("licenses", [])
    ]
    sources = [
        src.get("title", "") + (f" <{src['path']}>" if src.get("path") else "")
        for src in res.get("sources", [])
    ]
    completeness = pd.DataFrame(
        [
            {
                "period": p["period"],
                "start": int(p["start"]),
                "end": int(p["end"]),
                "status": p["status"],
                "note": p["note"],
                "complete_for": p.get("complete_for", []),
                "source_ids": p.get("source_ids", []),
            }
            for p in res.get("completeness", [])
        ],
        columns=["period", "start", "end", "status", "note", "complete_for", "source_ids"],
    )
    return Description(
        name=name,
        title=res.get("title", name),
        description=res.get("description", ""),
        rows=_row_count(name),
        fields=fields,
        licences=licences,
        sources=sources,
        attribution=cite(name),
        completeness=completeness,
    )


def cite(name: str) -> str:
    """The attribution line to show under a chart or table made from a dataset.

    Parameters
    ----------
    name : str
        A dataset name, as given to :func:`load` (see :func:`list_datasets`).

    Returns
    -------
    str
        ``"Data: <sources> (<licences>)."``

    Raises
    ------
    KeyError
        If there is no dataset called `name`; the message lists the datasets.

    Examples
    --------
    >>> cite("nuclear_tests")
    'Data: U.S. Geological Survey, ANSS Comprehensive Earthquake Catalog (US public domain).'
    """
    res = resource(name)
    attribution = res.get("x-attribution")
    if not attribution:
        titles = [src.get("title", "") for src in res.get("sources", [])]
        attribution = "; ".join(t for t in titles if t)
    licences = ", ".join(
        _LICENCE_NAMES.get(lic.get("name", ""), lic.get("name", "")) for lic in res.get("licenses", [])
    )
    return f"Data: {attribution} ({licences})."


_LICENCE_NAMES = {"CC-BY-4.0": "CC BY 4.0", "US-PD": "US public domain", "Apache-2.0": "Apache-2.0"}
