"""Read one CSV file against its Table Schema, with errors a learner can act on.

The reader never writes: a damaged file is reported (file, line, column, what was expected)
and left exactly as it was. It uses only the standard library and pandas, so it also runs in
the browser (JupyterLite).
"""

from __future__ import annotations

import csv
import re
import warnings
from datetime import date, datetime, time
from pathlib import Path

import pandas as pd

from . import _messages as msg

__all__ = ["DatasetError", "read_table"]

MAX_REPORTED = 10
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}")
_TIME = re.compile(r"\d{2}:\d{2}:\d{2}")


class DatasetError(ValueError):
    """A dataset file does not match its schema. The message says where and how to fix it."""


def _relpath(path: Path, root: Path | None) -> str:
    try:
        return "datasets/" + path.relative_to(root).as_posix() if root else path.name
    except ValueError:
        return path.name


def _convert(kind: str, text: str):
    """Turn one cell's text into a Python value; raise ValueError if it does not fit."""
    if kind == "integer":
        return int(text)
    if kind == "number":
        value = float(text)
        if value != value:  # NaN typed as text
            raise ValueError(text)
        return value
    if kind == "date":
        if not _DATE.fullmatch(text):
            raise ValueError(text)
        return date.fromisoformat(text)
    if kind == "datetime":
        if not _DATETIME.fullmatch(text):
            raise ValueError(text)
        return datetime.fromisoformat(text)
    if kind == "time":
        if not _TIME.fullmatch(text):
            raise ValueError(text)
        return time.fromisoformat(text)
    if kind == "boolean":
        lowered = text.lower()
        if lowered not in {"true", "false"}:
            raise ValueError(text)
        return lowered == "true"
    return text


def _limit(kind: str, value):
    return _convert(kind, value) if isinstance(value, str) else value


def _check(field: dict, value, seen: set) -> tuple[str, dict] | None:
    """Return (problem kind, details) for a converted, non-empty value, or None if it is fine."""
    cons = field.get("constraints", {})
    kind = field.get("type", "string")
    if "enum" in cons and value not in cons["enum"]:
        return "enum", {"choices": ", ".join(map(str, cons["enum"]))}
    if "pattern" in cons and isinstance(value, str) and not re.fullmatch(cons["pattern"], value):
        return "pattern", {"pattern": cons["pattern"]}
    if "minimum" in cons and value < _limit(kind, cons["minimum"]):
        return "minimum", {"limit": cons["minimum"]}
    if "maximum" in cons and value > _limit(kind, cons["maximum"]):
        return "maximum", {"limit": cons["maximum"]}
    if cons.get("unique"):
        if value in seen:
            return "unique", {}
        seen.add(value)
    return None


def read_table(path: Path, schema: dict, *, name: str, root: Path | None = None) -> pd.DataFrame:
    """Read ``path`` as the dataset ``name`` described by ``schema`` (a Table Schema dict)."""
    relpath = _relpath(path, root)
    fields = schema["fields"]
    wanted = [f["name"] for f in fields]
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            rows = [(reader.line_num, row) for row in reader]
    except UnicodeDecodeError as err:
        raise DatasetError(
            msg.DAMAGED_HEADER.format(
                path=path,
                name=name,
                relpath=relpath,
                detail=f"It is not readable as UTF-8 text (byte {err.start}). Was it saved by a "
                "spreadsheet in another encoding?",
            )
        ) from None
    except csv.Error as err:
        raise DatasetError(
            msg.DAMAGED_HEADER.format(
                path=path, name=name, relpath=relpath, detail=f"It is not valid CSV: {err}."
            )
        ) from None

    header = [h.strip() for h in header]
    missing = [w for w in wanted if w not in header]
    if missing:
        extra = [h for h in header if h not in wanted]
        detail = "Missing column(s): " + ", ".join(missing) + "."
        if extra:
            detail += " Columns not expected: " + ", ".join(extra) + " (renamed?)."
        detail += "\nExpected columns: " + ", ".join(wanted) + "."
        raise DatasetError(msg.DAMAGED_HEADER.format(path=path, name=name, relpath=relpath, detail=detail))
    extra = [h for h in header if h not in wanted]
    if extra:
        warnings.warn(
            f"{path.name} has column(s) the course does not use: {', '.join(extra)}; they were left out.",
            stacklevel=3,
        )
    index = {h: i for i, h in enumerate(header)}

    problems: list[str] = []
    count = 0
    columns: dict[str, list] = {w: [] for w in wanted}
    seen: dict[str, set] = {w: set() for w in wanted}

    def report(line, field_name, value, kind, **details):
        nonlocal count
        count += 1
        if len(problems) < MAX_REPORTED:
            expected = msg.EXPECT[kind].format(**details)
            problems.append(
                msg.ROW_PROBLEM.format(line=line, field=field_name, value=value, expected=expected)
            )

    for line, row in rows:
        if not any(cell.strip() for cell in row):
            continue  # a blank line, e.g. at the end of a hand-edited file
        if len(row) != len(header):
            count += 1
            if len(problems) < MAX_REPORTED:
                problems.append(
                    f"  - line {line}: has {len(row)} values but the header has {len(header)} columns"
                    " (a stray or missing comma? text with commas needs double quotes)"
                )
            continue
        for f in fields:
            fname, kind = f["name"], f.get("type", "string")
            text = row[index[fname]].strip()
            if text == "":
                if f.get("constraints", {}).get("required"):
                    report(line, fname, text, "required")
                columns[fname].append(None)
                continue
            try:
                value = _convert(kind, text)
            except ValueError:
                report(line, fname, text, kind if kind in msg.EXPECT else "string")
                columns[fname].append(None)
                continue
            problem = _check(f, value, seen[fname])
            if problem:
                report(line, fname, text, problem[0], **problem[1])
            columns[fname].append(value)

    key = _primary_key(schema)
    if len(key) > 1:  # single-field keys are declared unique in the field's constraints
        lines = [line for line, row in rows if len(row) == len(header) and any(c.strip() for c in row)]
        seen_keys: set = set()
        for i, values in enumerate(zip(*(columns[k] for k in key), strict=True)):
            if values in seen_keys:
                count += 1
                if len(problems) < MAX_REPORTED:
                    problems.append(
                        f"  - line {lines[i]}: the combination {', '.join(key)} = {values} appears twice"
                    )
            seen_keys.add(values)
    if count:
        if count > len(problems):
            problems.append(msg.MORE_PROBLEMS.format(count=count - len(problems)))
        raise DatasetError(
            msg.DAMAGED_ROWS.format(
                path=path, name=name, count=count, problems="\n".join(problems), relpath=relpath
            )
        )
    return _frame(fields, columns)


def _primary_key(schema: dict) -> list[str]:
    key = schema.get("primaryKey", [])
    return [key] if isinstance(key, str) else list(key)


def _frame(fields: list[dict], columns: dict[str, list]) -> pd.DataFrame:
    data = {}
    for f in fields:
        values = columns[f["name"]]
        kind = f.get("type", "string")
        enum = f.get("constraints", {}).get("enum")
        if kind in {"date", "datetime"}:
            series = pd.Series(pd.to_datetime(pd.Series(values, dtype=object)), dtype="datetime64[ns]")
        elif kind == "integer":
            series = pd.Series(values, dtype="Int64" if None in values else "int64")
        elif kind == "number":
            series = pd.Series([float("nan") if v is None else v for v in values], dtype="float64")
        elif kind == "boolean":
            series = pd.Series(values, dtype="boolean")
        elif enum is not None:
            series = pd.Series(pd.Categorical(values, categories=enum, ordered=bool(f.get("x-ordered"))))
        else:
            series = pd.Series(values, dtype=object)
        data[f["name"]] = series
    return pd.DataFrame(data)
