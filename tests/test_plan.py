"""build_plan: the graded notebook takes structure, setup and tests from the instructor's source."""

from __future__ import annotations

import nbformat
import pytest

from coursekit._testing import STUB, WRITTEN_STUB, build_plan
from tests.support.gradingkit import source_notebook


def _student(answers=None, *, drop=(), retype=None, extra=()):
    nb = source_notebook()
    out = []
    for cell in nb.cells:
        gid = cell.metadata["nbgrader"]["grade_id"]
        if gid in drop:
            continue
        if answers and gid in answers:
            cell.source = answers[gid]
        if retype and gid in retype:
            new = (nbformat.v4.new_markdown_cell if cell.cell_type == "code" else nbformat.v4.new_code_cell)(
                cell.source, metadata=cell.metadata
            )
            cell = new
        out.append(cell)
        for after, source in extra:
            if after == gid:
                out.append(nbformat.v4.new_code_cell(source))
    nb.cells = out
    return nb


def test_steps_tests_and_written_answers_follow_the_source():
    plan = build_plan(source_notebook(), _student({"q1": "n_tests = 6"}))
    assert [s["kind"] for s in plan.steps] == ["setup", "answer", "answer", "answer"]
    assert [t.grade_id for t in plan.tests] == ["q1-tests", "q2-tests", "q3-tests"]
    assert plan.steps[1]["source"] == "n_tests = 6"
    assert [w.grade_id for w in plan.written] == ["w1"] and not plan.notes


def test_each_test_reads_the_snapshot_of_the_answer_before_it():
    plan = build_plan(source_notebook(), _student())
    q1 = plan.tests[0]
    assert q1.names == ["n_tests"] and plan.steps[q1.after]["grade_id"] == "q1"
    assert plan.steps[q1.after]["export"] == ["n_tests"]
    # names bound by the setup (tests, pd, ck) are never exported from an answer
    assert all(n not in ("tests", "pd", "ck") for t in plan.tests for n in t.names)


def test_the_students_copy_of_a_test_never_replaces_the_instructors():
    nb = _student({"q1-tests": "pass  # edited by the student"})
    plan = build_plan(source_notebook(), nb)
    assert "assert n_tests == 6" in plan.tests[0].source


def test_a_deleted_answer_cell_is_graded_as_the_stub_and_noted():
    plan = build_plan(source_notebook(), _student(drop=("q2",)))
    assert plan.steps[2]["source"] == STUB
    assert any("answer cells not found" in n and "q2" in n for n in plan.notes)


def test_a_blank_written_answer_is_not_answered():
    plan = build_plan(source_notebook(), _student({"w1": WRITTEN_STUB}))
    assert plan.written[0].answered is False


def test_a_retyped_answer_cell_is_restored_and_the_repair_noted():
    plan = build_plan(source_notebook(), _student({"q2": "first_year = 2006"}, retype=("q2",)))
    assert plan.steps[2]["source"] == "first_year = 2006"
    assert any(n.startswith("repaired: the answer cell 'q2'") for n in plan.notes)
    written = build_plan(source_notebook(), _student({"w1": "An answer."}, retype=("w1",)))
    assert written.written[0].answered and written.written[0].text == "An answer."


def test_extra_cells_run_where_the_student_put_them():
    plan = build_plan(source_notebook(), _student(extra=[("q1", "helper = 1")]))
    kinds = [(s["kind"], s["grade_id"]) for s in plan.steps]
    assert kinds.index(("extra", None)) == kinds.index(("answer", "q1")) + 1


def test_a_duplicated_grade_id_grades_the_first_copy():
    nb = _student({"q1": "n_tests = 6"})
    copy = next(c for c in nb.cells if c.metadata["nbgrader"]["grade_id"] == "q1").copy()
    copy.source = "n_tests = 0"
    nb.cells.insert(3, copy)
    plan = build_plan(source_notebook(), nb)
    assert plan.steps[1]["source"] == "n_tests = 6"
    assert any("more than once" in n for n in plan.notes)


def test_a_corrupt_parser_state_on_this_thread_is_retried_on_a_fresh_one(monkeypatch):
    """CPython 3.11 < 3.11.5 (gh-106905) can raise SystemError for valid code on a thread whose
    AST recursion counter an earlier failure left wrong; the names are still found."""
    import ast
    import threading

    from coursekit._testing import plan_module as plan_mod

    real, here = ast.parse, threading.current_thread()

    def flaky(source, *args, **kwargs):
        if threading.current_thread() is here:
            raise SystemError("AST constructor recursion depth mismatch (before=27, after=21)")
        return real(source, *args, **kwargs)

    monkeypatch.setattr(plan_mod.ast, "parse", flaky)
    read, bound = plan_mod._names("total = len(tests)")
    assert read == {"len", "tests"} and bound == {"total"}


def test_grading_on_a_fresh_thread_returns_the_value_or_raises_the_error():
    from coursekit._testing import on_fresh_thread as _on_fresh_thread

    assert _on_fresh_thread(lambda a, b: a + b, 2, 3) == 5
    with pytest.raises(ValueError, match="boom"):
        _on_fresh_thread(lambda: (_ for _ in ()).throw(ValueError("boom")))
