"""nbgrader configuration of the course's exercises.

Run nbgrader from this folder (`cd autograding && nbgrader ...`); see README.md for the workflow.
"""

import os

c = get_config()  # noqa: F821 - provided by nbgrader

HERE = os.path.dirname(os.path.abspath(__file__))

c.CourseDirectory.course_id = "seoul-tokyo"
c.CourseDirectory.root = HERE
# Only notebooks are released: nothing else in source/<assignment>/ reaches students.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "*.md", "*.json"]
c.CourseDirectory.max_file_size = 2000  # kB; larger files in a submission are not copied

# Execution: a kernel that hangs or loops is stopped, so one notebook cannot stall grading.
c.ExecutePreprocessor.timeout = 60
c.ExecutePreprocessor.startup_timeout = 60
c.ExecutePreprocessor.interrupt_on_timeout = True
c.Execute.timeout = 60

# Output caps so a runaway print cannot make a huge feedback page.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 40

# Feedback never shows hidden tests: their source is cleared and failing test cells show the
# test's message, not a traceback that would quote the hidden code.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "coursekit.grading.feedback.HideHiddenTests",
    "coursekit.grading.feedback.RenderCitations",  # [@id] -> (Author 2011), linked to a list
    "coursekit.static.PlotlyStaticPreprocessor",  # figures drawn with one local plotly.js
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]

# Students' Validate and the formgrader work without a system-wide exchange directory.
c.Exchange.root = os.path.join(HERE, "exchange")
c.Exchange.path_includes_course = True

# Starter code with blanks (a01-a04): `#>` lines inside a solution region become code after the
# stub in the student's version (coursekit/grading/starter.py). nbgrader's own list of steps,
# given by name (importing nbgrader here would disturb the feedback settings above), with
# StarterCode just before ClearSolutions.
_NB = "nbgrader.preprocessors."
c.GenerateAssignment.preprocessors = [
    _NB + "IncludeHeaderFooter",
    _NB + "InstantiateTests",
    _NB + "LockCells",
    "coursekit.grading.starter.StarterCode",
    _NB + "ClearSolutions",
    _NB + "ClearOutput",
    _NB + "CheckCellMetadata",
    _NB + "ComputeChecksums",
    _NB + "SaveCells",
    _NB + "ClearHiddenTests",
    _NB + "ClearMarkScheme",
    _NB + "ComputeChecksums",
    _NB + "CheckCellMetadata",
]

# `nbgrader zip_collect` for a Canvas "Download Submissions" zip (put it in downloaded/ASSIGNMENT/archive/).
# Canvas names each file `lastfirst_[late_]USERID_SUBMISSIONID_original-name.ipynb` and adds `-1`, `-2`
# to a resubmitted file's name; the Canvas user id becomes the nbgrader student id, which is the
# roster's ID column that `coursekit export --format canvas` matches on. See docs/lms-export.md.
# (The pattern is matched against the whole path; a notebook whose own name ends in -DIGITS loses them.)
c.FileNameCollectorPlugin.named_regexp = (
    r".*/[^/]+?_(?:(?i:late)_)?(?P<student_id>\d+)_\d+_(?P<file_id>[^/]+?)(?:-\d+)?\.ipynb$"
)
