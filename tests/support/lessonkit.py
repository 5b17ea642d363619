"""Read and execute lessons for the tests (and the benchmark)."""

from __future__ import annotations

import ast
import json
import re
import time
from pathlib import Path

import jupytext
import nbformat
from nbclient import NotebookClient

from coursekit.references import code_calls as _code_calls

ROOT = Path(__file__).resolve().parents[2]
# 00, 00b, 01, ... 10: "00b-python-for-this-course" sorts between 00 and 01 ("-" < "b" < "1")
LESSONS = sorted((ROOT / "lessons").glob("[0-9][0-9]*-*.md"))

PROBE = r"""
import json as _json
from coursekit.selfcheck import REGISTRY as _REG
_answers = _json.loads(%r)
_result = {}
for _qid, _q in _REG.items():
    _a = _answers.get(_qid)
    _result[_qid] = None if _a is None else [_q.is_right(_a["right"]), _q.is_right(_a["wrong"]),
                                             bool(_q.explanation_for(_a["right"])), len(_q.hints)]
print("SELFCHECKS=" + _json.dumps(_result))
"""


NO_NETWORK = r"""
import socket as _socket
_LOCAL = {"127.0.0.1", "::1", "localhost"}
_connect = _socket.socket.connect
def _guarded_connect(self, address, *args):
    if isinstance(address, tuple) and address[0] not in _LOCAL:
        raise OSError(f"lesson tried to reach the network: {address}")
    return _connect(self, address, *args)
_socket.socket.connect = _guarded_connect
_getaddrinfo = _socket.getaddrinfo
def _guarded_getaddrinfo(host, *args, **kwargs):
    if host not in _LOCAL and host is not None:
        raise OSError(f"lesson tried to look up a host: {host}")
    return _getaddrinfo(host, *args, **kwargs)
_socket.getaddrinfo = _guarded_getaddrinfo
del _socket
"""


def read_lesson(path: Path) -> nbformat.NotebookNode:
    return jupytext.read(path)


def number(path: Path) -> str:
    """The lesson's id: "02" for 02-normalisation-and-history.md, "00b" for 00b-python-....md."""
    return path.name.split("-", 1)[0]


def selfcheck_answers(num: str) -> dict:
    path = ROOT / "tests" / "data" / "selfchecks" / f"{num}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def execute(path: Path, *, probe: bool = True, timeout: int = 120) -> tuple[nbformat.NotebookNode, float]:
    """Execute a lesson in a fresh kernel, in its own folder; return the notebook and seconds."""
    nb = read_lesson(path)
    nb.cells.insert(0, nbformat.v4.new_code_cell(NO_NETWORK))  # any network use fails the lesson
    if probe:
        nb.cells.append(nbformat.v4.new_code_cell(PROBE % json.dumps(selfcheck_answers(number(path)))))
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}
    )
    start = time.perf_counter()
    client.execute()
    return nb, time.perf_counter() - start


def code_calls(nb: nbformat.NotebookNode, name: str) -> list[ast.Call]:
    """Every call of ``ck.<name>(...)`` (or ``<name>(...)``) in the code cells."""
    return _code_calls([c.source for c in nb.cells if c.cell_type == "code"], name)


def literal_list(node) -> list[str]:
    value = ast.literal_eval(node)
    return [value] if isinstance(value, str) else list(value)


def text_of(nb: nbformat.NotebookNode) -> str:
    return "\n\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")


HEADINGS = ["Learning objectives", "Self-check", "Discussion", "Key points", "Glossary", "References"]
TIME = re.compile(r"\*\*Estimated time:\*\*\s*(\d+)\s*minutes")
