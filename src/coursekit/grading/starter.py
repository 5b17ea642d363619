"""Starter code for the early exercises: what the student sees in place of a solution.

nbgrader replaces each ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region with a stub
(``# YOUR CODE HERE`` / ``raise NotImplementedError()``). In a01-a04 an answer cell may also give
*starter code with blanks*: lines inside the region that begin with ``#>`` are comments in the
instructor's source (so the solution still runs) and become code after the stub in the student's
version, without the ``#>``::

    ### BEGIN SOLUTION
    #> # Fill in each ___, then delete the line raise NotImplementedError() above.
    #> is_treaty = agreements["kind"] == ___
    is_treaty = agreements["kind"] == "treaty"
    ### END SOLUTION

becomes, in the release::

    # YOUR CODE HERE
    raise NotImplementedError()
    # Fill in each ___, then delete the line raise NotImplementedError() above.
    is_treaty = agreements["kind"] == ___

``autograding/nbgrader_config.py`` runs :class:`StarterCode` just before nbgrader's
``ClearSolutions`` in ``nbgrader generate_assignment``.

Examples
--------
>>> print(move_starter_lines("### BEGIN SOLUTION\\n#> x = ___\\nx = 1\\n### END SOLUTION"))
### BEGIN SOLUTION
x = 1
### END SOLUTION
x = ___
"""

from __future__ import annotations

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

__all__ = ["StarterCode", "MARK", "move_starter_lines"]

MARK = "#>"
_BEGIN, _END = "### BEGIN SOLUTION", "### END SOLUTION"


def move_starter_lines(source: str) -> str:
    """Move each solution region's ``#>`` lines, unmarked, to just after the region."""
    out: list[str] = []
    starter: list[str] = []
    inside = False
    for line in source.split("\n"):
        stripped = line.strip()
        if stripped.startswith(_BEGIN):
            inside = True
        elif stripped.startswith(_END):
            inside = False
            out.append(line)
            out.extend(starter)
            starter = []
            continue
        elif inside and stripped.startswith(MARK):
            indent = line[: len(line) - len(line.lstrip())]
            code = stripped[len(MARK) :]
            starter.append(indent + (code[1:] if code.startswith(" ") else code))
            continue
        out.append(line)
    return "\n".join(out)


class StarterCode(Preprocessor):
    """nbgrader preprocessor: turn ``#>`` lines of solution regions into starter code."""

    # nbconvert skips a preprocessor whose `enabled` is False (its default).
    enabled = Bool(True, help="Turn #> lines into starter code.").tag(config=True)

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code" and MARK in cell.source and _BEGIN in cell.source:
            cell.source = move_starter_lines(cell.source)
        return cell, resources
