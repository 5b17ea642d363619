"""The grading pipeline against hostile, broken and ordinary submissions.

Each submission has an expected score (q1 2 points, q2 2, q3 3; the written answer is left for
manual grading). Most cases share one grading run, so the suite stays quick.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import nbformat
import pytest

from coursekit._testing import Limits, Sandbox, check_available, run_steps
from coursekit.grading.pipeline import Grader, SandboxUnavailable, grade
from tests.support.gradingkit import (
    ASSIGNMENT,
    CORRECT,
    MARKER,
    answered,
    auto_scores,
    make_course,
    release,
    stateful_notebook,
    submit,
    total,
)
from tests.support.nbgraderkit import env, nbgrader

pytestmark = [pytest.mark.slow, pytest.mark.filterwarnings("ignore::nbformat.warnings.DuplicateCellId")]

SANDBOX = check_available() is None
needs_sandbox = pytest.mark.skipif(not SANDBOX, reason=f"no sandbox here: {check_available()}")


@pytest.fixture(scope="module")
def base_course(tmp_path_factory):
    return make_course(tmp_path_factory.mktemp("grading"))


@pytest.fixture
def course(base_course, tmp_path):
    target = tmp_path / "course"
    shutil.copytree(base_course, target)
    return target


def _survivors(marker: str) -> list[str]:
    found = []
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if marker in cmd:
                found.append(cmd)
    return found


HOSTILE = {
    # name: (answers, extra cells, expected auto total, extra files)
    "correct": (
        {**CORRECT, "w1": "Six tests, the first in 2006 [@usgs-comcat]."},
        [],
        7,
        {"submission_secret.txt": "0f3c9a"},  # nbgrader 0.9 writes it beside every submission
    ),
    "partly": ({**CORRECT, "q2": "first_year = 2005"}, [], 5, {}),
    "unicode": ({**CORRECT, "q1": "이름 = '독도 / 竹島'  # 한국어 주석\nn_tests = len(tests)"}, [], 7, {}),
    "transformer": (
        {"q1": "get_ipython().input_transformers_post.append(lambda lines: ['pass\\n'])"},
        [],
        0,
        {},
    ),
    "shadow-module": ({}, [], 0, {"pandas.py": "raise SystemExit", "coursekit.py": "x = 1"}),
    "monkeypatch": (
        {
            "q1": (
                "import builtins, pandas as pd\n"
                "class Anything:\n    def __eq__(self, o): return True\n    def __gt__(self, o): return "
                "True\n"
                "    def __int__(self): return 6\n"
                "builtins.len = lambda x: 6\nbuiltins.isinstance = lambda *a: True\n"
                "pd.DataFrame.__eq__ = lambda *a: True\nAssertionError.__init__ = lambda *a: None\n"
                "n_tests = Anything()"
            ),
            "q2": "first_year = Anything()",
            "q3": "big = Anything()",
        },
        [],
        0,
        {},
    ),
    "exit-in-q2": ({**CORRECT, "q2": "import os\nos._exit(3)"}, [], 5, {}),
    "stubborn-loop-q2": (
        {
            **CORRECT,
            "q2": "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
        },
        [],
        5,
        {},
    ),
    "plain-loop-q2": ({**CORRECT, "q2": "while True:\n    pass"}, [], 5, {}),
    "stderr-warning": (
        {
            **CORRECT,
            "q1": "import sys, warnings\nwarnings.warn('careful')\n"
            "print('noise', file=sys.stderr)\nn_tests = len(tests)",
        },
        [],
        7,
        {},
    ),
    "huge-output": (CORRECT, [(3, "print('x' * 50_000_000)")], 7, {}),
    "memory-hog": (
        CORRECT,
        [(3, "try:\n    blob = bytearray(10**11)\nexcept MemoryError:\n    pass")],
        7,
        {},
    ),
    "signals": (
        {
            **CORRECT,
            "q1": "import os, signal\nfor target in (os.getppid(), 1, -1):\n    try:\n"
            "        os.kill(target, signal.SIGKILL)\n    except Exception:\n        pass\n"
            "n_tests = len(tests)",
        },
        [],
        7,
        {},
    ),
    "survivors": (
        {
            **CORRECT,
            "q1": "import subprocess, os\n"
            f"subprocess.Popen(['sleep', '97', '{MARKER}'], start_new_session=True)\n"
            "if os.fork() == 0:\n    os.setsid()\n    os.execvp('sleep', ['sleep', '96', "
            f"'{MARKER}'])\nn_tests = len(tests)",
        },
        [],
        7,
        {},
    ),
    "sys-exit": ({**CORRECT, "q2": "import sys\nsys.exit(0)"}, [], 5, {}),
}


def _snoop(course: Path) -> str:
    return (
        f"import sqlite3, os\nreport = []\n"
        f"for path in [{str(course / 'source' / ASSIGNMENT / 'hw.ipynb')!r}, "
        f"{str(course / 'gradebook.db')!r}]:\n"
        "    try:\n        report.append(open(path, 'rb').read(200))\n    except Exception as e:\n      "
        "  report.append(repr(e))\n"
        "try:\n"
        f"    db = sqlite3.connect({str(course / 'gradebook.db')!r})\n"
        "    db.execute('update grade set auto_score = 300')\n    db.commit()\n"
        "except Exception as e:\n    report.append(repr(e))\n"
        f"try:\n    report.append(os.listdir({str(course)!r}))\nexcept Exception as e:\n    "
        "report.append(repr(e))\n"
        "print(report)\nn_tests = len(tests)"
    )


def _big_outputs(course: Path):
    """A correct notebook carrying ~52 MB of stored outputs (a big table printed before saving)."""
    nb = answered(course, CORRECT)
    cell = next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q1")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="row, value\n" * 4_400_000)]
    return nb


def _old_format(course: Path) -> str:
    """A correct notebook saved in nbformat 3 (an old Jupyter), as text."""
    return nbformat.writes(nbformat.convert(answered(course, CORRECT), 3), version=3)


def _markdown_answer(course: Path):
    """A correct answer whose cell the student accidentally switched to Markdown."""
    nb = answered(course, CORRECT)
    for i, cell in enumerate(nb.cells):
        if cell.metadata.get("nbgrader", {}).get("grade_id") == "q2":
            nb.cells[i] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
    return nb


def _pasted(course: Path):
    nb = answered(course, {"q2": CORRECT["q2"], "q3": CORRECT["q3"]})
    stale = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q1-tests"][0].copy()
    stale.source = "n_tests = 'pasted cell with stale metadata'"
    nb.cells.insert(2, stale)
    return nb


def _duplicate(course: Path):
    nb = answered(course, CORRECT)
    first = [c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "q1"][0]
    copy = first.copy()
    first.source = "# YOUR CODE HERE\nraise NotImplementedError()"
    nb.cells.insert(nb.cells.index(first) + 1, copy)
    return nb


def _deleted_tests(course: Path):
    nb = answered(course, {})
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade_id", "").endswith("-tests"):
            cell.source = "pass  # tests deleted by the student"
    return nb


# Cases built from the course folder: student -> (notebook or raw text, file name, expected auto total)
OTHERS = {
    "blank": (release, "hw.ipynb", 0),
    "snoop": (lambda c: answered(c, {"q1": _snoop(c)}), "hw.ipynb", 2),
    "renamed": (lambda c: answered(c, CORRECT), "hw (1).ipynb", 7),
    "stale-metadata": (_pasted, "hw.ipynb", 5),
    "duplicate-id": (_duplicate, "hw.ipynb", 7),
    "deleted-tests": (_deleted_tests, "hw.ipynb", 0),
    "big-outputs": (_big_outputs, "hw.ipynb", 7),
    "old-format": (_old_format, "hw.ipynb", 7),
    "markdown-answer": (_markdown_answer, "hw.ipynb", 7),
}
EXPECTED = {s: e for s, (_, _, e, _) in HOSTILE.items()} | {s: e for s, (_, _, e) in OTHERS.items()}


@pytest.fixture(scope="module")
def hostile(base_course, tmp_path_factory):
    """One grading run over every hostile and ordinary case; the tests below read its results."""
    if not SANDBOX:
        pytest.skip(f"no sandbox here: {check_available()}")
    course = tmp_path_factory.mktemp("hostile") / "course"
    shutil.copytree(base_course, course)
    for student, (answers, extra, _, files) in HOSTILE.items():
        submit(course, student, answered(course, answers, extra_cells=extra), extra_files=files)
    for student, (make, name, _) in OTHERS.items():
        made = make(course)
        if isinstance(made, str):
            submit(course, student, raw=made, name=name)
        else:
            submit(course, student, made, name=name)
    submit(course, "bad-json", raw='{"cells": [')
    submit(course, "not-a-notebook", raw=json.dumps({"nbformat": 4, "worksheets": []}))
    with warnings.catch_warnings():
        # Two hostile notebooks repeat cell ids on purpose; nbformat warns as it renumbers them.
        warnings.simplefilter("ignore")
        summary = grade(
            ASSIGNMENT, course, jobs=2, limits=Limits(cell_timeout=4, submission_timeout=120), progress=False
        )
    return course, summary, {o.student: o for o in summary.outcomes}, auto_scores(course)


@pytest.mark.parametrize("student", sorted(EXPECTED))
def test_each_submission_gets_exactly_its_score(hostile, student):
    _, summary, outcomes, scores = hostile
    assert outcomes[student].status == "graded", outcomes[student].reasons
    assert total(scores[student]) == EXPECTED[student], summary.text()


@pytest.mark.parametrize(
    "student, reason", [("bad-json", "not valid JSON"), ("not-a-notebook", "not a Jupyter notebook")]
)
def test_unreadable_files_are_rejected_with_a_reason(hostile, student, reason):
    outcome = hostile[2][student]
    assert outcome.status == "rejected" and reason in outcome.reasons[0]
    assert "resubmit" not in outcome.reasons[0]


def test_nothing_failed(hostile):
    assert not [o for o in hostile[1].outcomes if o.status == "failed"], hostile[1].text()


@pytest.mark.parametrize(
    "student, note",
    [
        ("renamed", "did not match exactly"),
        ("shadow-module", "extra files ignored"),
        ("duplicate-id", "more than once"),
        ("old-format", "upgraded from notebook format 3"),
        ("markdown-answer", "repaired: the answer cell 'q2' had been changed to a markdown cell"),
    ],
)
def test_repairs_are_recorded_per_student(hostile, student, note):
    assert any(note in r for r in hostile[2][student].reasons), hostile[2][student].reasons


def test_nbgraders_own_files_beside_a_submission_are_not_noted(hostile):
    assert not [r for r in hostile[2]["correct"].reasons if "extra files" in r], hostile[2]["correct"].reasons


def test_written_answers_wait_for_a_person_or_score_zero_when_blank(hostile):
    scores = hostile[3]
    assert scores["correct"]["w1"] is None and scores["blank"]["w1"] == 0


def test_the_snooping_student_saw_neither_source_gradebook_nor_course(hostile):
    course = hostile[0]
    graded = nbformat.read(course / "autograded" / "snoop" / ASSIGNMENT / "hw.ipynb", as_version=4)
    text = json.dumps([c.get("outputs") for c in graded.cells])
    assert "BEGIN HIDDEN" not in text and "SQLite format" not in text and "nbgrader" not in text
    assert "[]" in text or "No such file" in text  # the course folder is empty or absent inside


def test_only_the_grader_wrote_the_gradebook(hostile):
    assert all(v != 300 for s in hostile[3].values() for v in s.values())


def test_nothing_the_students_started_is_still_running(hostile):
    assert _survivors(MARKER) == []


def test_a_50_mb_print_became_a_short_capped_output(hostile):
    huge = hostile[0] / "autograded" / "huge-output" / ASSIGNMENT / "hw.ipynb"
    assert huge.stat().st_size < 500_000


def test_every_score_change_is_logged(hostile):
    log = [json.loads(line) for line in (hostile[0] / "grading-log.jsonl").read_text().splitlines()]
    assert {e["student"] for e in log if "new" in e} >= {"correct", "partly", "unicode"}


def test_feedback_never_shows_hidden_tests_and_export_works(hostile):
    course = hostile[0]
    nbgrader(course, "generate_feedback", ASSIGNMENT, "--force")
    page = (course / "feedback" / "correct" / ASSIGNMENT / "hw.html").read_text(encoding="utf-8")
    assert "there are six tests" not in page and "hidden tests are not shown" in page
    # the student's [@id] citation reads as a citation, linked to a reference list
    assert "[@usgs-comcat]" not in page
    assert 'href="#ref-usgs-comcat"' in page and 'id="ref-usgs-comcat"' in page
    nbgrader(course, "export")
    assert "correct" in (course / "grades.csv").read_text()


@needs_sandbox
def test_rerun_skips_exactly_what_is_done(course):
    submit(course, "a", answered(course, CORRECT))
    submit(course, "b", answered(course, {"q1": CORRECT["q1"]}))
    first = grade(ASSIGNMENT, course, jobs=2, progress=False)
    assert first.counts() == {"graded": 2}
    second = grade(ASSIGNMENT, course, jobs=2, progress=False)
    assert second.counts() == {"unchanged": 2}
    submit(course, "b", answered(course, CORRECT))
    third = grade(ASSIGNMENT, course, jobs=2, progress=False)
    assert third.counts() == {"graded": 1, "unchanged": 1}
    assert total(auto_scores(course)["b"]) == 7


@needs_sandbox
def test_kill_minus_9_then_rerun_reaches_the_same_grades(course, tmp_path):
    mix = [
        CORRECT,
        {"q1": CORRECT["q1"]},
        {},
        {**CORRECT, "q3": "big = tests"},
        CORRECT,
        {"q2": CORRECT["q2"]},
    ]
    for i, answers in enumerate(mix):
        submit(course, f"s{i}", answered(course, answers))
    reference = tmp_path / "reference"
    shutil.copytree(course, reference)
    grade(ASSIGNMENT, reference, jobs=2, progress=False)
    expected = {s: total(v) for s, v in auto_scores(reference).items()}

    cmd = [
        sys.executable,
        "-m",
        "coursekit.cli",
        "grade",
        ASSIGNMENT,
        "--course",
        str(course),
        "--jobs",
        "1",
        "--quiet",
    ]
    proc = subprocess.Popen(
        cmd, env=env(), start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    journal = course / "autograded" / ".coursekit" / ASSIGNMENT
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(journal.glob("*.json"))) < 2:
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    done_before = len(list(journal.glob("*.json")))
    assert 1 <= done_before < len(mix), "the kill should land in the middle of the batch"

    summary = grade(ASSIGNMENT, course, jobs=2, progress=False)
    assert summary.counts().get("unchanged", 0) == done_before
    assert summary.counts().get("graded", 0) == len(mix) - done_before
    assert {s: total(v) for s, v in auto_scores(course).items()} == expected


@needs_sandbox
def test_a_locked_gradebook_delays_but_does_not_stop_grading(course):
    for i in range(2):
        submit(course, f"s{i}", answered(course, CORRECT))
    db = sqlite3.connect(course / "gradebook.db", timeout=30, check_same_thread=False)
    db.execute("begin exclusive")
    release_lock = threading.Timer(4.0, db.rollback)
    release_lock.start()
    try:
        summary = grade(ASSIGNMENT, course, jobs=2, progress=False)
    finally:
        release_lock.join()
        db.close()
    assert summary.counts() == {"graded": 2}
    assert all(total(v) == 7 for v in auto_scores(course).values())


@needs_sandbox
def test_sandbox_isolation_directly(tmp_path):
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    port = server.getsockname()[1]
    secret = tmp_path / "course"
    secret.mkdir()
    (secret / "gradebook.db").write_text("secret")
    code = (
        f"import os, socket, subprocess\nresult = {{}}\n"
        f"try:\n    socket.create_connection(('127.0.0.1', {port}), timeout=2)\n    result['net'] = "
        "'connected'\n"
        f"except OSError as e:\n    result['net'] = 'blocked'\n"
        "try:\n    result['dns'] = socket.gethostbyname('pypi.org')\nexcept OSError:\n    "
        "result['dns'] = 'blocked'\n"
        f"try:\n    result['course'] = os.listdir({str(secret)!r})\nexcept OSError:\n    "
        "result['course'] = 'absent'\n"
        f"result['uid'] = os.getuid()\n"
        f"import resource\nresult['limits'] = [resource.getrlimit(r)[0] for r in "
        f"(resource.RLIMIT_AS, resource.RLIMIT_FSIZE, resource.RLIMIT_CPU, resource.RLIMIT_NOFILE)]\n"
        "result['caps'] = [l for l in open('/proc/self/status').read().splitlines() if "
        "l.startswith('CapEff')][0]\n"
        f"result['cwd'] = sorted(os.listdir('.'))\n"
        f"subprocess.Popen(['sleep', '95', '{MARKER}-iso'], start_new_session=True)\n"
    )
    steps = [{"kind": "answer", "grade_id": "q", "source": code, "export": ["result"]}]
    results, notes = run_steps(steps, "{}", "sub.ipynb", Sandbox(isolated=True, hide=[str(secret)]))
    server.close()
    from coursekit._testing import decode

    assert results[0].ok, results[0].error
    result = decode(results[0].snapshot)["result"]
    assert result["net"] == "blocked" and result["dns"] == "blocked"
    assert result["course"] in ([], "absent")
    assert "sub.ipynb" in result["cwd"] and set(result["cwd"]) <= {
        ".plan.json",
        "sub.ipynb",
        ".ipython",
        ".mpl",
    }
    limits = Limits()
    assert result["limits"] == [
        limits.memory_mb * 2**20,
        limits.file_size_mb * 2**20,
        limits.cpu_seconds,
        limits.open_files,
    ]
    if os.geteuid() == 0:
        assert result["uid"] == 65534 and result["caps"].endswith("0000000000000000")
    assert _survivors(f"{MARKER}-iso") == []


def test_refuses_without_a_sandbox_unless_told(course, monkeypatch):
    import coursekit.grading.pipeline as pipeline

    monkeypatch.setattr(pipeline, "check_available", lambda: "namespaces are disabled (test)")
    with pytest.raises(SandboxUnavailable, match="--no-sandbox"):
        Grader(course, ASSIGNMENT)
    submit(course, "trusted", answered(course, CORRECT))
    summary = grade(ASSIGNMENT, course, sandbox=False, progress=False)
    assert summary.counts() == {"graded": 1}
    assert total(auto_scores(course)["trusted"]) == 7


def test_cli_reports_a_missing_assignment_clearly(course):
    proc = subprocess.run(
        [sys.executable, "-m", "coursekit.cli", "grade", "nope", "--course", str(course), "--no-sandbox"],
        capture_output=True,
        text=True,
        env=env(),
    )
    assert proc.returncode == 2 and "generate_assignment nope" in proc.stderr


@needs_sandbox
def test_report_has_charts_and_works_offline(course):
    submit(course, "a", answered(course, CORRECT))
    submit(course, "b", release(course))
    grade(ASSIGNMENT, course, progress=False)
    proc = subprocess.run(
        [sys.executable, "-m", "coursekit.cli", "report", ASSIGNMENT, "--course", str(course)],
        capture_output=True,
        text=True,
        env=env(),
    )
    assert proc.returncode == 0, proc.stderr
    page = (course / "reports" / f"{ASSIGNMENT}.html").read_text(encoding="utf-8")
    assert page.count("Plotly.newPlot") == 2 and not re.search(r"<script[^>]+src=.https?:", page)
    assert "Share of students passing" in page


@needs_sandbox
def test_unprivileged_user_namespace_mode_isolates_too(tmp_path):
    """The mode an ordinary instructor account gets (forced here with COURSEKIT_SANDBOX_USERNS)."""
    secret = tmp_path / "course"
    secret.mkdir()
    script = f"""
import json
from coursekit._testing import run_steps
from coursekit._testing import Sandbox
from coursekit._testing import decode
code = '''import os, socket, subprocess
result = {{}}
try:
    socket.create_connection(("127.0.0.1", 9), timeout=2)
    result["net"] = "connected"
except OSError:
    result["net"] = "blocked"
try:
    result["course"] = os.listdir({str(secret)!r})
except OSError:
    result["course"] = "absent"
result["pids"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())[:3]
subprocess.Popen(["sleep", "94", "{MARKER}-userns"], start_new_session=True)
'''
steps = [{{"kind": "answer", "grade_id": "q", "source": code, "export": ["result"]}}]
results, notes = run_steps(steps, "{{}}", "sub.ipynb", Sandbox(isolated=True, hide=[{str(secret)!r}]))
print(json.dumps(decode(results[0].snapshot)["result"] if results[0].ok else results[0].error))
"""
    proc = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(env(), COURSEKIT_SANDBOX_USERNS="1"),
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["net"] == "blocked" and result["course"] in ([], "absent")
    assert result["pids"][0] == 1, "the runner is process 1 of its own PID namespace"
    time.sleep(0.5)
    assert _survivors(f"{MARKER}-userns") == []


@needs_sandbox
def test_grades_do_not_depend_on_order_jobs_or_a_looping_test(tmp_path, monkeypatch):
    from coursekit.grading import pipeline

    course = make_course(tmp_path, stateful_notebook())
    students = {
        "a-correct": CORRECT,
        "b-partly": {**CORRECT, "q2": "first_year = 2005"},
        "c-looper": {**CORRECT, "q2": "first_year = 1999"},
        "d-correct": CORRECT,
        "e-none": {},
    }
    for student, answers in students.items():
        submit(course, student, answered(course, answers))
    limits = Limits(test_timeout=1.0)
    started = time.monotonic()
    first = Grader(course, ASSIGNMENT, jobs=1, limits=limits, progress=False).run()
    forward = auto_scores(course)
    real_find = pipeline.find
    monkeypatch.setattr(pipeline, "find", lambda *a, **k: list(reversed(real_find(*a, **k))))
    second = Grader(course, ASSIGNMENT, jobs=4, limits=limits, progress=False, force=True).run()
    backward = auto_scores(course)
    assert forward == backward
    assert {s: total(v) for s, v in forward.items()} == {
        "a-correct": 7,
        "b-partly": 5,
        "c-looper": 5,
        "d-correct": 7,
        "e-none": 0,
    }
    for summary in (first, second):
        looper = next(o for o in summary.outcomes if o.student == "c-looper")
        assert looper.tests["q2-tests"] == 0.0 and looper.tests["q1-tests"] == 1.0
    assert time.monotonic() - started < 120
