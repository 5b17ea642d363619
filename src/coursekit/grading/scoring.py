"""Score a submission: the instructor's tests, run on the student's values as plain data.

This runs in the grader's own worker processes, never where student code ran. Each worker runs
the instructor's setup cells once per assignment; each test then gets a fresh copy of that
namespace plus the decoded values it reads. A test passes when it finishes without raising.
"""

from __future__ import annotations

import signal
import threading
from dataclasses import dataclass

from .snapshot import Unsupported, decode

TEST_TIMEOUT = 60

_SETUP_CACHE: dict[tuple, dict] = {}


@dataclass
class TestResult:
    grade_id: str
    points: float
    score: float
    message: str = ""


_SETUP_LOCK = threading.Lock()


def _setup_namespace(setup_source: tuple[str, ...]) -> dict:
    with _SETUP_LOCK:
        return _setup_unlocked(setup_source)


def _setup_unlocked(setup_source: tuple[str, ...]) -> dict:
    if setup_source not in _SETUP_CACHE:
        namespace: dict = {"__name__": "__grader__"}
        for source in setup_source:
            exec(compile(source, "<setup>", "exec"), namespace)
        _SETUP_CACHE[setup_source] = namespace
    return _SETUP_CACHE[setup_source]


def _fresh(namespace: dict) -> dict:
    out = {}
    for key, value in namespace.items():
        try:
            out[key] = value.copy() if hasattr(value, "copy") and hasattr(value, "columns") else value
        except Exception:  # noqa: BLE001
            out[key] = value
    return out


class _Alarm(Exception):
    pass


def _on_alarm(signum, frame):
    raise _Alarm


def score(setup_source: list[str], tests: list[dict], snapshots: dict[int, str | None],
          failed_steps: dict[int, str]) -> list[TestResult]:
    """Run every test; ``tests`` are dicts with grade_id, source, points, after, names."""
    base = _setup_namespace(tuple(setup_source))
    namespace = _fresh(base)
    decoded: dict[int, dict] = {}
    results = []
    for test in tests:
        after = test["after"]
        values: dict = {}
        if after >= 0:
            if after not in decoded:
                text = snapshots.get(after)
                try:
                    decoded[after] = decode(text) if text else {}
                except Exception:  # noqa: BLE001 - a forged or broken snapshot is just a wrong answer
                    decoded[after] = {}
            values = decoded[after]
        missing = [n for n in test["names"] if n not in values and n not in base]
        unreadable = [n for n in test["names"] if isinstance(values.get(n), Unsupported)]
        if missing:
            why = failed_steps.get(after)
            hint = f" Your answer cell stopped with {why}." if why else ""
            results.append(TestResult(test["grade_id"], test["points"], 0.0,
                                      f"NameError: {', '.join(missing)} is not defined.{hint} "
                                      "Run your answer cell and check the variable's name."))
            continue
        if unreadable:
            results.append(TestResult(test["grade_id"], test["points"], 0.0,
                                      f"{unreadable[0]} is {values[unreadable[0]]!r}"))
            continue
        namespace.update({k: v for k, v in values.items() if k in test["names"]})
        timed = threading.current_thread() is threading.main_thread()
        if timed:  # alarms work only in the main thread; worker threads rely on capped data
            previous = signal.signal(signal.SIGALRM, _on_alarm)
            signal.alarm(TEST_TIMEOUT)
        try:
            exec(compile(test["source"], f"<test {test['grade_id']}>", "exec"), namespace)
            results.append(TestResult(test["grade_id"], test["points"], test["points"]))
        except _Alarm:
            results.append(TestResult(test["grade_id"], test["points"], 0.0, "the test took too long on this answer"))
        except Exception as exc:  # noqa: BLE001 - any failure of a test is a failed test
            results.append(TestResult(test["grade_id"], test["points"], 0.0, f"{type(exc).__name__}: {exc}"[:2000]))
        finally:
            if timed:
                signal.alarm(0)
                signal.signal(signal.SIGALRM, previous)
    return results
