"""nbconvert preprocessors for nbgrader feedback: hidden tests never shown, citations rendered.

nbgrader 0.9 puts hidden tests back into a submission before grading and its feedback page
shows them. :class:`HideHiddenTests` is nbgrader's own ``ClearHiddenTests`` (the same markers,
the same parsing) with two changes for feedback: a line says where tests were hidden, and a
failing test cell shows the test's message instead of a traceback that would quote hidden code.
A hidden region outside a grade cell is hidden too, instead of stopping the feedback run.
:class:`RenderCitations` turns the ``[@id]`` keys that students write into author–date citations
linked to a reference list.
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from nbgrader.preprocessors import ClearHiddenTests
from traitlets import Bool

__all__ = ["HideHiddenTests", "RenderCitations", "NOTICE"]

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


class RenderCitations(Preprocessor):
    """Feedback shows citations as citations: ``[@id]`` keys in Markdown cells (students cite
    that way in their written answers) become author–date links, ``([Sahashi 2011](#ref-id))``,
    to a *References* cell added at the end that lists each cited source from the register; an
    id not in the register is shown as such, so the student sees which citation to fix."""

    enabled = Bool(True, help="Render [@id] citations in feedback.").tag(config=True)

    def preprocess(self, nb, resources):
        import re
        from html import escape

        import nbformat

        from ..references import cited_ids, labels, load_register, render_citations

        text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
        ids = cited_ids(re.sub(r"`+[^`]*`+", "", text))  # not the examples in inline code
        if not ids:
            return nb, resources
        register = load_register()
        names = labels(ids)
        names.update({sid: f"{sid} (not in the source register)" for sid in ids if sid not in register.index})
        for cell in nb.cells:
            if cell.cell_type == "markdown":
                cell.source = render_citations(cell.source, names)
        items = []
        for sid in sorted(ids, key=lambda s: names[s].lower()):
            if sid in register.index:
                row = register.loc[sid]
                body = (
                    f"<strong>{escape(names[sid].rstrip('.'))}.</strong> {escape(str(row['citation']))} "
                    f"<small>(id <code>{escape(sid)}</code>)</small>"
                )
            else:
                body = f"<code>{escape(sid)}</code>: not in the course's source register"
            items.append(f'<li id="ref-{escape(sid)}">{body}</li>')
        nb.cells.append(
            nbformat.v4.new_markdown_cell(
                "## References cited in your answers\n\n<ul>" + "".join(items) + "</ul>"
            )
        )
        return nb, resources
