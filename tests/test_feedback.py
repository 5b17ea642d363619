"""Feedback hides hidden tests with nbgrader's own parser, and never quotes them in a traceback."""

from __future__ import annotations

import nbformat
from nbgrader.preprocessors import ClearHiddenTests

from coursekit.grading.feedback import NOTICE, HideHiddenTests


def _cell(source, *, grade=True, error=None):
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"grade": grade, "grade_id": "t", "solution": False, "points": 1}
    if error:
        cell.outputs = [
            nbformat.v4.new_output(
                "error",
                ename="AssertionError",
                evalue=error,
                traceback=["Traceback...", "assert secret == 4", error],
            )
        ]
    return cell


def _run(cell):
    return HideHiddenTests().preprocess_cell(cell, {}, 0)[0]


def test_it_is_nbgraders_clear_hidden_tests():
    assert issubclass(HideHiddenTests, ClearHiddenTests)
    assert HideHiddenTests().enabled


def test_hidden_region_is_replaced_by_a_notice_in_place():
    cell = _run(
        _cell("assert x > 0\n### BEGIN HIDDEN TESTS\nassert secret == 4\n### END HIDDEN TESTS\nprint('ok')")
    )
    assert cell.source == f"assert x > 0\n{NOTICE}\nprint('ok')"


def test_indented_region_keeps_its_indentation():
    cell = _run(_cell("if True:\n    ### BEGIN HIDDEN TESTS\n    assert secret\n    ### END HIDDEN TESTS"))
    assert cell.source == f"if True:\n    {NOTICE}"


def test_failing_test_shows_its_message_not_the_hidden_code():
    cell = _run(
        _cell(
            "### BEGIN HIDDEN TESTS\nassert secret == 4, 'look again'\n### END HIDDEN TESTS",
            error="look again",
        )
    )
    assert cell.outputs[0]["traceback"] == ["AssertionError: look again"]
    assert "secret" not in str(cell)


def test_a_cell_without_hidden_tests_is_unchanged():
    cell = _run(_cell("assert x > 0", grade=False))
    assert cell.source == "assert x > 0"


def test_a_hidden_region_outside_a_grade_cell_is_hidden_not_fatal():
    cell = _run(_cell("### BEGIN HIDDEN TESTS\nassert secret\n### END HIDDEN TESTS", grade=False))
    assert "secret" not in cell.source


def test_an_unclosed_region_hides_the_whole_cell():
    cell = _run(_cell("assert x\n### BEGIN HIDDEN TESTS\nassert secret == 4"))
    assert cell.source == NOTICE


def test_markdown_is_left_alone():
    cell = nbformat.v4.new_markdown_cell("### BEGIN HIDDEN TESTS is how it is written")
    assert HideHiddenTests().preprocess_cell(cell, {}, 0)[0].source.startswith("### BEGIN")
