"""Scoring runs each submission's tests in a process of its own, bounded per test and per submission."""

from __future__ import annotations

import threading
import time

from coursekit._testing import TOO_LONG, score_isolated

SETUP = ["seen = []\nlimit = 3"]


def _test(gid, source, *, names=(), after=-1, points=1.0):
    return {"grade_id": gid, "source": source, "points": points, "after": after, "names": list(names)}


def test_a_test_that_changes_the_setup_cannot_change_the_next_students_grade():
    tests = [_test("t1", "seen.append(1)\nassert len(seen) == 1")]
    scores = [score_isolated(SETUP, tests, {}, {})[0].score for _ in range(3)]
    assert scores == [1.0, 1.0, 1.0]


def test_isolation_holds_from_worker_threads_too():
    tests = [_test("t1", "seen.append(1)\nassert len(seen) == 1")]
    out: list[float] = []
    threads = [
        threading.Thread(target=lambda: out.append(score_isolated(SETUP, tests, {}, {})[0].score))
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert out == [1.0] * 4


def test_a_looping_test_is_stopped_at_its_limit_and_the_others_still_score():
    tests = [_test("loop", "while True:\n    pass"), _test("after", "assert limit == 3")]
    started = time.monotonic()
    results = score_isolated(SETUP, tests, {}, {}, test_timeout=0.5)
    took = time.monotonic() - started
    assert [(r.grade_id, r.score) for r in results] == [("loop", 0.0), ("after", 1.0)]
    assert results[0].message == TOO_LONG
    assert took < 10, took


def test_a_looping_test_on_a_worker_thread_is_stopped_as_well():
    tests = [_test("loop", "while True:\n    pass")]
    box: list = []
    started = time.monotonic()
    worker = threading.Thread(
        target=lambda: box.append(score_isolated(SETUP, tests, {}, {}, test_timeout=0.5))
    )
    worker.start()
    worker.join(20)
    assert not worker.is_alive()
    assert box[0][0].message == TOO_LONG and time.monotonic() - started < 10


def test_a_test_the_alarm_cannot_stop_is_killed_at_the_submission_limit():
    # Blocking SIGALRM stands for C code that never returns to Python, where no alarm can act.
    stuck = _test(
        "stuck",
        "import signal\nsignal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGALRM})\nwhile True:\n    pass",
    )
    tests = [_test("first", "assert limit == 3"), stuck, _test("never", "assert True")]
    started = time.monotonic()
    results = score_isolated(SETUP, tests, {}, {}, test_timeout=0.3, total_timeout=2.0)
    assert time.monotonic() - started < 10
    assert [(r.grade_id, r.score) for r in results] == [("first", 1.0), ("stuck", 0.0), ("never", 0.0)]
    assert results[1].message == results[2].message == TOO_LONG


def test_a_test_that_kills_its_process_costs_only_the_unfinished_tests():
    tests = [_test("first", "assert True"), _test("exit", "import os\nos._exit(0)"), _test("never", "pass")]
    results = score_isolated(SETUP, tests, {}, {})
    assert [r.score for r in results] == [1.0, 0.0, 0.0]
    assert "stopped the grader's scoring process" in results[1].message


def test_a_broken_setup_scores_every_test_zero_with_the_reason():
    results = score_isolated(["raise RuntimeError('no data')"], [_test("t", "pass")], {}, {})
    assert results[0].score == 0.0 and "setup failed: RuntimeError: no data" in results[0].message


def test_values_from_the_snapshot_reach_the_test():
    from coursekit._testing import encode

    snap = encode({"answer": 42})
    ok = score_isolated(SETUP, [_test("t", "assert answer == 42", names=["answer"], after=0)], {0: snap}, {})
    missing = score_isolated(
        SETUP, [_test("t", "assert answer == 42", names=["answer"], after=1)], {}, {1: "x"}
    )
    assert ok[0].score == 1.0
    assert missing[0].score == 0.0 and "answer is not defined" in missing[0].message
