"""An nbconvert preprocessor for nbgrader feedback that never reveals hidden tests.

nbgrader 0.9 puts hidden tests back into a submission before grading and its feedback page
shows them. ``HideHiddenTests`` removes every hidden region from the page and replaces the
traceback of a failing test cell with the test's own message.
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool, Unicode

NOTICE = "# (hidden tests are not shown in feedback)"


class HideHiddenTests(Preprocessor):
    # nbconvert skips a preprocessor whose `enabled` is False (its default).
    enabled = Bool(True, help="Hide hidden tests in feedback.").tag(config=True)
    begin = Unicode("### BEGIN HIDDEN TESTS", help="Marks the start of hidden tests.").tag(config=True)
    end = Unicode("### END HIDDEN TESTS", help="Marks the end of hidden tests.").tag(config=True)

    def strip(self, source: str) -> tuple[str, bool]:
        lines, keep, found = [], True, False
        for line in source.splitlines():
            if line.strip() == self.begin:
                keep, found = False, True
                lines.append(line[: len(line) - len(line.lstrip())] + NOTICE)
                continue
            if line.strip() == self.end:
                keep = True
                continue
            if keep:
                lines.append(line)
        return "\n".join(lines), found

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type != "code":
            return cell, resources
        grade = cell.metadata.get("nbgrader", {})
        cell.source, found = self.strip(cell.source)
        if found or (grade.get("grade") and not grade.get("solution")):
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
        return cell, resources
