"""Every sentence a learner can see, in one place, so its tone can be reviewed together.

Messages are plain format strings. Keep them short, say what went wrong in the learner's
words (table, column, row, year), and end with what to do next.
"""

UNKNOWN_DATASET = (
    "There is no dataset called {name!r}.\n"
    "The course has these datasets: {valid}.\n"
    "Check the spelling, or run coursekit.list_datasets() to see them with a one-line summary."
)
DID_YOU_MEAN = " Did you mean {suggestion!r}?"

DATA_NOT_FOUND = (
    "The course's data folder could not be found (looked in: {places}).\n"
    "If you are working from a copy of the course, run the set-up again (make lab), or set the\n"
    "environment variable COURSEKIT_DATA to the folder that holds datapackage.json."
)

FILE_MISSING = (
    "The file for the {name!r} dataset is missing: {path}.\n"
    "Restore it from the course (for example with `git checkout -- {relpath}`)."
)

DAMAGED_HEADER = (
    "The file {path} does not have the columns the {name!r} dataset needs.\n"
    "{detail}\n"
    "Nothing was changed on disk. If you edited this file, restore the course's copy "
    "(for example with `git checkout -- {relpath}`) and work on a copy in your notebook instead."
)

DAMAGED_ROWS = (
    "The file {path} has {count} value(s) that do not fit the {name!r} dataset:\n"
    "{problems}\n"
    "Nothing was changed on disk. If you edited this file, restore the course's copy "
    "(for example with `git checkout -- {relpath}`) and make changes to a copy in your notebook."
)
ROW_PROBLEM = "  - line {line}, column {field!r}: found {value!r}, expected {expected}"
MORE_PROBLEMS = "  - ... and {count} more"

EXPECT = {
    "integer": "a whole number",
    "number": "a number",
    "date": "a date written YYYY-MM-DD (for example 2010-11-23)",
    "datetime": "a date and time written YYYY-MM-DDTHH:MM:SS",
    "time": "a time written HH:MM:SS",
    "boolean": "true or false",
    "string": "text",
    "required": "a value (this column may not be empty)",
    "unique": "a value not used on another line (this column must be unique)",
    "enum": "one of {choices}",
    "pattern": "text matching the pattern {pattern}",
    "minimum": "a value of at least {limit}",
    "maximum": "a value of at most {limit}",
    "reference": "an id that exists in the {target} dataset",
}

UNKNOWN_FIELD = (
    "The {name!r} dataset has no column {field!r}.\n"
    "Its columns are: {valid}."
)

UNKNOWN_SOURCE = (
    "{source_id!r} is not in the course's source register.\n"
    "Use an id from coursekit.load('sources'), for example {example!r}."
)

UNKNOWN_TERM = (
    "The glossary has no term {term!r}.{hint}\n"
    "Search it with coursekit.glossary_search('word') or see coursekit.load('glossary')."
)

BAD_PERIOD = (
    "The period {start!r} to {end!r} is not usable: {reason}.\n"
    "Give years (1994) or dates ('1994-10-21'), with the start before the end."
)
UNKNOWN_ACTOR = (
    "{actor!r} is not an actor code used in the events table.\n"
    "Use ISO country codes such as {valid}."
)
UNKNOWN_CATEGORY = (
    "{category!r} is not an event category.\n"
    "The categories are: {valid}."
)
EMPTY_SELECTION = (
    "No events match this choice (period {start} to {end}, actors {actors}, categories {categories}).\n"
    "Try a longer period or fewer filters."
)

NOT_A_TABLE = (
    "This helper needs a table (a pandas DataFrame), but got {kind}.\n"
    "Load one first, for example: events = coursekit.load('events')."
)
MISSING_COLUMN = (
    "The table has no column {column!r}, which {what} needs.\n"
    "Its columns are: {valid}."
)
EMPTY_TABLE_WARNING = "The table is empty, so the figure will have no data. Check your filters."
MANY_GROUPS_WARNING = (
    "The column {column!r} has {count} different values; a chart with so many colours is hard to read.\n"
    "Consider grouping or filtering first."
)

# Self-checks
SELFCHECK_NO_ANSWER = (
    "Type your answer between the brackets first, for example: {example}"
)
SELFCHECK_RIGHT = "Correct!"
SELFCHECK_WRONG = "Not quite. Try again."
SELFCHECK_HINT = "Hint {number} of {total}: {hint}"
SELFCHECK_NO_MORE_HINTS = "You have seen every hint. Re-read the section above, then try once more."
SELFCHECK_CHOICE = (
    "Answer with the letter of one option ({letters}), for example {example}."
)
SELFCHECK_NUMBER = "Answer with a number, for example {example}."
SELFCHECK_UNKNOWN = (
    "There is no self-check called {qid!r} in this session. Run the cell that defines it first."
)

# Perspective cards
CARD_NEEDS_SOURCE = (
    "A perspective card needs at least one source id from the register; the card for {who!r} has none."
)
CARD_ANALYST_NEEDS_WHO = (
    "An analyst's card for {capital!r} needs who=\"Name, affiliation\": say whose argument it is, so "
    "that readers can tell a scholar's reading from a government's position."
)
CARD_UNKNOWN_KIND = "A perspective card's kind must be one of: {kinds} (got {kind!r})."
