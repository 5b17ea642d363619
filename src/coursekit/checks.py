"""Checks across tables: every cited id exists (source ids, related glossary terms).

Examples
--------
>>> check_references()
[]
"""

from __future__ import annotations

from .data import load, package


def check_references() -> list[str]:
    """Return a list of problems (empty when every cross-table reference resolves)."""
    problems = []
    tables: dict[str, set] = {}
    for res in package()["resources"]:
        for f in res["schema"]["fields"]:
            target = f.get("x-references")
            fk = [k for k in res["schema"].get("foreignKeys", []) if k["fields"] == f["name"]]
            if fk:
                target = f'{fk[0]["reference"]["resource"]}.{fk[0]["reference"]["fields"]}'
            if not target:
                continue
            table_name, column = target.split(".")
            if table_name not in tables:
                tables[table_name] = set(load(table_name)[column].astype(str))
            values = load(res["name"])
            key = res["schema"]["primaryKey"]
            key = key if isinstance(key, str) else key[0]
            for row_key, cell in zip(values[key], values[f["name"]]):
                if cell is None or cell != cell:
                    continue
                for ref in str(cell).split(";"):
                    if ref not in tables[table_name]:
                        problems.append(f"{res['name']} {row_key}: {f['name']} cites {ref!r}, not in {target}")
    return problems
