"""Carry a student's answer values out of the sandbox as plain data, and nothing else.

Tests never run in the process where student code ran. The sandboxed runner encodes the values
the tests need (tables, numbers, text, lists, figures) into JSON; the grader decodes them into
fresh pandas/plotly objects of the base classes. A subclass with a rigged ``__eq__``, a patched
builtin or an import hook cannot survive the trip: only data does.

Examples
--------
>>> import pandas as pd
>>> table = pd.DataFrame({"year": [1951, 1953], "kind": pd.Categorical(["treaty", "treaty"])})
>>> back = decode(encode({"t": table, "n": 57.2}))
>>> back["t"].equals(table), back["n"]
(True, 57.2)
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math

__all__ = ["Unsupported", "decode", "encode"]

MAX_DEPTH = 20
MAX_ITEMS = 200_000


class Unsupported:
    """Stands in for a value that cannot be carried out (a function, an open file...)."""

    def __init__(self, kind: str):
        self.kind = kind

    def __repr__(self) -> str:
        return (
            f"<a {self.kind} value, which the grader cannot read: store your answer as a table, "
            "number, text or list>"
        )

    def __eq__(self, other) -> bool:
        return False

    __hash__ = object.__hash__


def _float(value: float):
    if math.isnan(value):
        return {"__f__": "nan"}
    if math.isinf(value):
        return {"__f__": "inf" if value > 0 else "-inf"}
    return value


def _enc(value, depth: int = 0):
    import numpy as np
    import pandas as pd

    if depth > MAX_DEPTH:
        return {"__unsupported__": "deeply nested"}
    kind = type(value)
    if value is None or kind in (bool, str, int):
        return value
    if kind is float:
        return _float(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, np.timedelta64):  # numpy counts it as an integer type: catch it first
        return {"__td__": pd.Timedelta(value).value}
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return _float(float(value))
    if isinstance(value, str):
        return str.__str__(value)
    if value is pd.NaT:
        return {"__nat__": True}
    if value is pd.NA:
        return {"__na__": True}
    if isinstance(value, pd.Timestamp):
        return {"__ts__": pd.Timestamp.isoformat(value)}
    if isinstance(value, dt.datetime):
        return {"__ts__": dt.datetime.isoformat(value)}
    if isinstance(value, dt.date):
        return {"__date__": dt.date.isoformat(value)}
    if isinstance(value, dt.time):
        return {"__time__": dt.time.isoformat(value)}
    if isinstance(value, pd.Period):
        return {"__period__": [str(value), value.freqstr]}
    if isinstance(value, (pd.Timedelta, dt.timedelta, np.timedelta64)):
        return {"__td__": pd.Timedelta(value).value}
    if isinstance(value, np.datetime64):
        return {"__ts__": pd.Timestamp(value).isoformat()}
    if isinstance(value, pd.DataFrame):
        frame = pd.DataFrame(value, copy=False)
        if frame.size > MAX_ITEMS:
            return {"__unsupported__": "table too large"}
        return {
            "__df__": {
                "columns": [_enc(c, depth + 1) for c in frame.columns],
                "series": [
                    _enc(frame.iloc[:, i].reset_index(drop=True), depth + 1) for i in range(frame.shape[1])
                ],
                "index": _enc(pd.Series(frame.index), depth + 1),
            }
        }
    if isinstance(value, pd.Index):
        return {"__index__": _enc(pd.Series(value), depth + 1)}
    if isinstance(value, pd.Series):
        series = pd.Series(value, copy=False)
        if len(series) > MAX_ITEMS:
            return {"__unsupported__": "series too large"}
        dtype = str(series.dtype)
        out = {"dtype": dtype, "name": _enc(series.name, depth + 1), "index": None}
        if not isinstance(series.index, pd.RangeIndex) or series.index.start != 0 or series.index.step != 1:
            out["index"] = [_enc(v, depth + 1) for v in series.index.tolist()]
        if isinstance(series.dtype, pd.CategoricalDtype):
            out["categories"] = [_enc(v, depth + 1) for v in series.cat.categories.tolist()]
            out["ordered"] = bool(series.cat.ordered)
            out["values"] = [
                None if pd.isna(v) else _enc(v, depth + 1) for v in series.astype(object).tolist()
            ]
        elif dtype.startswith("datetime64"):
            out["values"] = [None if pd.isna(v) else pd.Timestamp(v).isoformat() for v in series.tolist()]
        else:
            out["values"] = [_enc(v, depth + 1) for v in series.astype(object).tolist()]
        return {"__series__": out}
    if isinstance(value, np.ndarray):
        if value.size > MAX_ITEMS:
            return {"__unsupported__": "array too large"}
        return {"__array__": [_enc(v, depth + 1) for v in value.tolist()], "dtype": str(value.dtype)}
    if isinstance(value, (list, tuple, set, frozenset)):
        if len(value) > MAX_ITEMS:
            return {"__unsupported__": "list too large"}
        items = [_enc(v, depth + 1) for v in list(value)]
        tag = {list: "__list__", tuple: "__tuple__", set: "__set__", frozenset: "__set__"}
        base = next(b for b in (list, tuple, set, frozenset) if isinstance(value, b))
        return {tag[base]: items}
    if isinstance(value, dict):
        if len(value) > MAX_ITEMS:
            return {"__unsupported__": "dict too large"}
        return {"__dict__": [[_enc(k, depth + 1), _enc(v, depth + 1)] for k, v in dict.items(value)]}
    try:
        import plotly.basedatatypes as pbt

        if isinstance(value, pbt.BaseFigure):
            return {"__figure__": _enc(pbt.BaseFigure.to_plotly_json(value), depth + 1)}
    except ImportError:  # pragma: no cover
        pass
    if isinstance(value, bytes):
        return {"__bytes__": base64.b64encode(bytes(value)).decode()}
    return {"__unsupported__": kind.__name__}


def encode(values: dict) -> str:
    """Encode a mapping of names to values as JSON text."""
    return json.dumps({str(k): _enc(v) for k, v in values.items()}, allow_nan=False)


def _dec(obj):
    import numpy as np
    import pandas as pd

    if isinstance(obj, list):
        return [_dec(v) for v in obj]
    if not isinstance(obj, dict):
        return obj
    if len(obj) == 1 or "__array__" in obj:
        key = next(iter(obj))
        val = obj[key]
        if key == "__f__":
            return float(val)
        if key == "__nat__":
            return pd.NaT
        if key == "__na__":
            return pd.NA
        if key == "__ts__":
            return pd.Timestamp(val)
        if key == "__date__":
            return dt.date.fromisoformat(val)
        if key == "__time__":
            return dt.time.fromisoformat(val)
        if key == "__period__":
            return pd.Period(val[0], freq=val[1])
        if key == "__td__":
            return pd.Timedelta(int(val))
        if key == "__list__":
            return [_dec(v) for v in val]
        if key == "__tuple__":
            return tuple(_dec(v) for v in val)
        if key == "__set__":
            return {_dec(v) for v in val}
        if key == "__dict__":
            return {_dec(k): _dec(v) for k, v in val}
        if key == "__bytes__":
            return base64.b64decode(val)
        if key == "__unsupported__":
            return Unsupported(str(val))
        if key == "__index__":
            return pd.Index(_dec(val))
        if "__array__" in obj:
            return np.array(
                _dec(obj["__array__"]), dtype=obj.get("dtype") if obj.get("dtype") != "object" else object
            )
        if key == "__figure__":
            import plotly.graph_objects as go

            return go.Figure(_typed_arrays(_dec(val)))
        if key == "__series__":
            return _series(val)
        if key == "__df__":
            columns = [_dec(c) for c in val["columns"]]
            data = {i: _series(s["__series__"]) for i, s in enumerate(val["series"])}
            frame = pd.DataFrame(data)
            frame.columns = columns
            frame.index = pd.Index(_dec(val["index"]))
            return frame
    return {k: _dec(v) for k, v in obj.items()}


def _typed_arrays(obj):
    """Plotly writes numeric arrays as {'dtype', 'bdata'[, 'shape']}; turn them back into arrays."""
    import numpy as np

    if isinstance(obj, dict):
        if "bdata" in obj and "dtype" in obj and set(obj) <= {"bdata", "dtype", "shape"}:
            array = np.frombuffer(base64.b64decode(obj["bdata"]), dtype=np.dtype(obj["dtype"])).copy()
            # plotly stores arrays in the narrowest dtype (int8...); widen them as a live figure has them
            if array.dtype.kind in "iu":
                array = array.astype(np.int64)
            elif array.dtype.kind == "f":
                array = array.astype(np.float64)
            if obj.get("shape"):
                shape = obj["shape"]
                array = array.reshape(
                    [int(x) for x in str(shape).split(",")] if isinstance(shape, str) else shape
                )
            return array
        return {k: _typed_arrays(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_typed_arrays(v) for v in obj]
    return obj


def _series(spec: dict):
    import pandas as pd

    values = [_dec(v) for v in spec["values"]]
    index = [_dec(v) for v in spec["index"]] if spec.get("index") is not None else None
    name = _dec(spec.get("name"))
    dtype = spec["dtype"]
    if "categories" in spec:
        cats = [_dec(v) for v in spec["categories"]]
        return pd.Series(
            pd.Categorical(values, categories=cats, ordered=spec.get("ordered", False)),
            index=index,
            name=name,
        )
    if dtype.startswith("datetime64"):
        return pd.Series(pd.to_datetime(values), index=index, name=name).astype(dtype)
    try:
        return pd.Series(values, index=index, name=name, dtype=dtype)
    except (TypeError, ValueError):
        return pd.Series(values, index=index, name=name, dtype=object)


def decode(text: str) -> dict:
    """Decode JSON text made by :func:`encode` into fresh, plain Python/pandas/plotly values."""
    return {k: _dec(v) for k, v in json.loads(text).items()}
