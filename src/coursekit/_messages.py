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


UNKNOWN_SOURCE = (
    "{source_id!r} is not in the course's source register.\n"
    "Use an id from coursekit.load('sources'), for example {example!r}."
)

# Learners' own sources (capstone), checked by coursekit.check_references(own_sources, cited=...)
OWN_NOT_A_TABLE = (
    "Your own sources should be a table (a pandas DataFrame) or a list of dicts, one per source, "
    "not a {kind}. Use the register's columns: id, citation, publisher, date, url, licence."
)
OWN_MISSING_COLUMNS = (
    "Your own sources need the register's columns {fields}; missing: {missing}. "
    "Copy the header of ck.load('sources') and fill one row per source."
)
OWN_EMPTY = "your source {label!r}: {field} is empty; the register needs it for every source"
OWN_PATTERN = {
    "id": (
        "your source {label!r}: id {value!r} is not a valid id: use lower-case letters, digits "
        "and hyphens, e.g. 'sahashi-2011-eaf'"
    ),
    "date": "your source {label!r}: date {value!r} should be YYYY, YYYY-MM or YYYY-MM-DD, or empty",
    "url": (
        "your source {label!r}: url {value!r} should be a full public address starting with "
        "http:// or https://"
    ),
}
OWN_PATTERN_OTHER = "your source {label!r}: {field} does not match the register's rule {pattern!r}"
OWN_IN_REGISTER = (
    "your source {label!r}: this id is already in the register; cite it, do not add "
    "it again (or choose a new id if it is a different source)"
)
OWN_DUPLICATE = "your source {label!r}: this id appears twice in your own sources; give each source one id"
OWN_SAME_URL = (
    "your source {label!r}: the register already has this address as {sid!r}; cite that "
    "id instead of adding the source again"
)
OWN_NOT_CITABLE = (
    "cited {sid!r}: not in the source register or your own sources (check the spelling, or add the source)"
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
    "{actor!r} is not an actor code used in the events table.\nUse ISO country codes such as {valid}."
)
UNKNOWN_CATEGORY = "{category!r} is not an event category.\nThe categories are: {valid}."

NOT_A_TABLE = (
    "This helper needs a table (a pandas DataFrame), but got {kind}.\n"
    "Load one first, for example: events = coursekit.load('events')."
)
MISSING_COLUMN = "The table has no column {column!r}, which {what} needs.\nIts columns are: {valid}."
EMPTY_TABLE_WARNING = "The table is empty, so the figure will have no data. Check your filters."
MANY_GROUPS_WARNING = (
    "The column {column!r} has {count} different values; a chart with so many colours is hard to read.\n"
    "Consider grouping or filtering first."
)

# Self-checks
SELFCHECK_NO_ANSWER = "Type your answer between the brackets first, for example: {example}"
SELFCHECK_RIGHT = "Correct!"
SELFCHECK_WRONG = "Not quite. Try again."
SELFCHECK_HINT = "Hint {number} of {total}: {hint}"
SELFCHECK_WHY_WRONG = "Why not ({letter}): {why}"
SELFCHECK_LEVEL = {
    "recall": "This question asks you to recall a fact from the lesson.",
    "compute": "This question asks you to compute or read a value from the data.",
    "interpret": "This question asks you to interpret a figure, table or source.",
    "evaluate": "This question asks you to evaluate a claim or the evidence for it.",
}
SELFCHECK_NO_MORE_HINTS = "You have seen every hint. Re-read the section above, then try once more."
SELFCHECK_CHOICE = "Answer with the letter of one option ({letters}), for example {example}."
SELFCHECK_NUMBER = "Answer with a number, for example {example}."

# Perspective cards
CARD_NEEDS_SOURCE = (
    "A perspective card needs at least one source id from the register; the card for {who!r} has none."
)

# Public opinion and governments (coursekit.opinion)
UNKNOWN_GOVERNMENT_COUNTRY = (
    "{country!r} is not a country in the governments table.\n"
    "Use one of: {valid} (for example band_country='KOR')."
)
UNKNOWN_ANSWER = "{answer!r} is not an answer in the opinion table.\nThe answers are: {valid}."
NO_OPINION_ROWS = (
    "No opinion figures are left to draw for {start} to {end}.\n"
    "Check the years and the answers you chose, or load the table again: coursekit.load('public_opinion')."
)
BAD_DATES = (
    "These dates could not be read ({detail}).\n"
    "Give dates written YYYY-MM-DD, for example ['2015-12-28'], or a date column such as events['date']."
)
# Finding one event by words of its title
FIND_EVENT_NONE = (
    "No event title contains all of the words {words!r} (capitals and accents do not matter,\n"
    "and each word must be a whole word). The timeline is a selection, so the event may not be\n"
    "in it. Try fewer or other words, or search the titles with\n"
    "events[events['title'].str.contains('word', case=False)]."
)
FIND_EVENT_MANY = (
    "{count} event titles contain all of the words {words!r}. Add a word to pick one:\n{listing}"
)
FIND_EVENT_ROW = "  {date:%Y-%m-%d}  {title}"

# Checking the kind of an answer (visible tests of the exercises)
ANSWER_WRONG_KIND = "{name} should be {want}, but it is {got}.{advice}"
CARD_ANALYST_NEEDS_WHO = (
    'An analyst\'s card for {capital!r} needs who="Name, affiliation": say whose argument it is, so '
    "that readers can tell a scholar's reading from a government's position."
)
CARD_UNKNOWN_KIND = "A perspective card's kind must be one of: {kinds} (got {kind!r})."

# Every message above is for the package's modules; nothing else is defined here.
__all__ = sorted(name for name in list(globals()) if name.isupper())
