"""An nbconvert preprocessor for nbgrader feedback that never reveals hidden tests.

nbgrader 0.9 puts hidden tests back into a submission before grading and its feedback page
shows them. :class:`HideHiddenTests` is nbgrader's own ``ClearHiddenTests`` (the same markers,
the same parsing) with two changes for feedback: a line says where tests were hidden, and a
failing test cell shows the test's message instead of a traceback that would quote hidden code.
A hidden region outside a grade cell is hidden too, instead of stopping the feedback run.
"""

from __future__ import annotations

from nbgrader.preprocessors import ClearHiddenTests
from traitlets import Bool

NOTICE = "# (hidden tests are not shown in feedback)"


class HideHiddenTests(ClearHiddenTests):
    """``ClearHiddenTests`` for feedback pages (listed in ``GenerateFeedback.preprocessors``)."""

    enforce_metadata = Bool(False, help="Feedback hides every hidden region, in any cell.").tag(config=True)

    def _remove_hidden_test_region(self, cell) -> bool:
        lines = cell.source.split("\n")
        marked = []
        for line in lines:
            if self.begin_test_delimeter in line:
                marked.append(line[: len(line) - len(line.lstrip())] + NOTICE)
            marked.append(line)
        cell.source = "\n".join(marked)
        removed = super()._remove_hidden_test_region(cell)
        if not removed:
            cell.source = "\n".join(lines)
        return removed

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        grade = cell.metadata.get("nbgrader", {})
        try:
            found = self._remove_hidden_test_region(cell)
        except RuntimeError:  # an unclosed or nested region: hide the whole cell rather than leak it
            cell.source, found = NOTICE, True
        if found or (grade.get("grade") and not grade.get("solution")):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
