"""Score a submission: the instructor's tests, run on the student's values as plain data.

Tests never run where student code ran, and never in the grader's own process. Each submission
is scored in a child process of its own (:func:`score_isolated`), forked by a fork server that
has pandas and coursekit imported already, so a child starts in milliseconds. The child runs the
instructor's setup cells afresh, so nothing a test does to the setup's objects can reach another
student's grade, whatever the order of submissions or the number of grading threads. In the
child each test runs on its main thread under ``SIGALRM`` (the per-test limit); the parent kills
the child at the per-submission limit, which also stops a test stuck in C code that an alarm
cannot interrupt. Results travel back test by test, so a kill costs only the unfinished tests.
A test passes when it finishes without raising.
"""

from __future__ import annotations

import multiprocessing
import signal
import threading
import time
from dataclasses import dataclass

from ._snapshot import Unsupported, decode

__all__ = ["TOO_LONG", "TestResult", "score", "score_isolated"]

TEST_TIMEOUT = 60.0
TOO_LONG = "the test took too long on this answer"


@dataclass
class TestResult:
    grade_id: str
    points: float
    score: float
    message: str = ""


def _setup_namespace(setup_source) -> dict:
    namespace: dict = {"__name__": "__grader__"}
    for source in setup_source:
        exec(compile(source, "<setup>", "exec"), namespace)
    return namespace


class _Alarm(Exception):
    pass


def _on_alarm(signum, frame):
    raise _Alarm


def score(
    setup_source: list[str],
    tests: list[dict],
    snapshots: dict[int, str | None],
    failed_steps: dict[int, str],
    *,
    test_timeout: float = TEST_TIMEOUT,
    report=None,
) -> list[TestResult]:
    """Run every test in this process; ``tests`` are dicts with grade_id, source, points, after, names.

    Only :func:`score_isolated` calls this directly (in its child). ``report`` is called with each
    result as soon as it is known.
    """
    base = _setup_namespace(tuple(setup_source))
    namespace = dict(base)
    results: list[TestResult] = []
    if report is None:
        report = results.append
    else:
        report = _both(results.append, report)
    decoded: dict[int, dict] = {}
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
            report(
                TestResult(
                    test["grade_id"],
                    test["points"],
                    0.0,
                    f"NameError: {', '.join(missing)} is not defined.{hint} "
                    "Run your answer cell and check the variable's name.",
                )
            )
            continue
        if unreadable:
            report(
                TestResult(
                    test["grade_id"], test["points"], 0.0, f"{unreadable[0]} is {values[unreadable[0]]!r}"
                )
            )
            continue
        namespace.update({k: v for k, v in values.items() if k in test["names"]})
        timed = threading.current_thread() is threading.main_thread()
        if timed:  # always true in score_isolated's child; the parent's kill is the backstop
            previous = signal.signal(signal.SIGALRM, _on_alarm)
            signal.setitimer(signal.ITIMER_REAL, test_timeout)
        try:
            exec(compile(test["source"], f"<test {test['grade_id']}>", "exec"), namespace)
            report(TestResult(test["grade_id"], test["points"], test["points"]))
        except _Alarm:
            report(TestResult(test["grade_id"], test["points"], 0.0, TOO_LONG))
        except Exception as exc:  # noqa: BLE001 - any failure of a test is a failed test
            report(TestResult(test["grade_id"], test["points"], 0.0, f"{type(exc).__name__}: {exc}"[:2000]))
        finally:
            if timed:
                signal.setitimer(signal.ITIMER_REAL, 0)
                signal.signal(signal.SIGALRM, previous)
    return results


def _both(first, second):
    def call(result):
        first(result)
        second(result)

    return call


def _child(conn, setup_source, tests, snapshots, failed_steps, test_timeout) -> None:
    try:
        score(setup_source, tests, snapshots, failed_steps, test_timeout=test_timeout, report=conn.send)
    except BaseException as exc:  # noqa: BLE001 - the setup itself failed: every test scores 0
        conn.send(("setup-failed", f"{type(exc).__name__}: {exc}"[:500]))
    finally:
        conn.close()


_CONTEXT = None
_CONTEXT_LOCK = threading.Lock()


def _context():
    """The fork server's context, with the heavy imports done once in the server."""
    global _CONTEXT
    with _CONTEXT_LOCK:
        if _CONTEXT is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(["coursekit.grading._scoring", "pandas", "coursekit"])
            _CONTEXT = ctx
        return _CONTEXT


def score_isolated(
    setup_source: list[str],
    tests: list[dict],
    snapshots: dict[int, str | None],
    failed_steps: dict[int, str],
    *,
    test_timeout: float = TEST_TIMEOUT,
    total_timeout: float | None = None,
) -> list[TestResult]:
    """Score one submission in a child process of its own; the same results as :func:`score`.

    A test that runs past ``test_timeout`` seconds scores 0; past ``total_timeout`` (default: the
    per-test limit times the number of tests, plus 30 s for the setup) the child is killed and every
    test without a result scores 0 with the same message.
    """
    if total_timeout is None:
        total_timeout = test_timeout * max(len(tests), 1) + 30.0
    ctx = _context()
    receiver, sender = ctx.Pipe(duplex=False)
    child = ctx.Process(
        target=_child,
        args=(sender, list(setup_source), tests, snapshots, failed_steps, test_timeout),
        daemon=True,
    )
    child.start()
    sender.close()
    got: dict[str, TestResult] = {}
    setup_error = ""
    deadline = time.monotonic() + total_timeout
    try:
        while len(got) < len(tests):
            left = deadline - time.monotonic()
            if left <= 0 or not receiver.poll(left):
                break
            try:
                item = receiver.recv()
            except EOFError:
                break
            if isinstance(item, tuple):
                setup_error = item[1]
                break
            got[item.grade_id] = item
    finally:
        if child.is_alive():
            child.kill()
        child.join()
        receiver.close()
    if setup_error:
        why = f"the instructor's setup failed: {setup_error}"
    elif time.monotonic() >= deadline:
        why = TOO_LONG
    else:
        why = "the test stopped the grader's scoring process on this answer"
    return [got.get(t["grade_id"]) or TestResult(t["grade_id"], t["points"], 0.0, why) for t in tests]
