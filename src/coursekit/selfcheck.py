"""Self-check questions with instant feedback, whose answers are not shown in the notebook.

An answer is stored only as a salted SHA-256 hash of its normalised form, together with an
explanation XOR-sealed with a key derived from that answer: the explanation is shown only to a
learner who typed the right answer. This keeps the answer out of sight, not secret: anyone who
reads this module can try every letter of a choice question, so self-checks are for practice,
never for grades. A wrong try shows the next hint and, for a choice question, why the option
picked is wrong (each wrong option's explanation is sealed with a key derived from that option).

Every self-check declares its level: what kind of thinking it asks for (:data:`LEVELS`).

Authors make the stored form with the command line::

    coursekit selfcheck-make 01-treaty-year 1951 --kind number --explain "Signed in San Francisco..."
    coursekit selfcheck-make 06-1 b --explain "B is right because ..." \\
        --wrong a "A is wrong because ..." --wrong c "C is wrong because ..."

Examples
--------
>>> spec = make("demo-1", "b", kind="choice", explanation="B is right because ...",
...             wrong={"a": "No: the table says otherwise."})
>>> q = SelfCheck("demo-1", "Pick one", choices=["no", "yes"], kind="choice", answers=spec,
...               level="interpret")
>>> q.is_right("B")
True
>>> q.is_right("a")
False
>>> q.explanation_for("b")
'B is right because ...'
>>> q.why_wrong("a")
'No: the table says otherwise.'
>>> q.why_wrong("b")
''
>>> q.level
'interpret'
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata

from . import _messages as msg

__all__ = ["SelfCheck", "make", "normalise", "REGISTRY", "LEVELS", "LETTERS"]

_SALT = "seoul-tokyo-course/v1"
_KINDS = ("choice", "number", "text")
#: What a self-check asks of the learner, from remembering to judging (see docs/lesson-template.md).
LEVELS = ("recall", "compute", "interpret", "evaluate")
_WRONG = "wrong:"  # marks the sealed explanation of a wrong option (its hash never matches an answer)
LETTERS = "abcdefghij"
REGISTRY: dict[str, SelfCheck] = {}


def normalise(answer, kind: str, decimals: int = 0) -> str:
    """The canonical form of an answer, so that ' 1951 ', '1951.0' and 1951 hash alike.

    Examples
    --------
    >>> normalise(" (B) ", "choice")
    'b'
    >>> normalise("1,951", "number")
    '1951'
    >>> normalise(2.3456, "number", decimals=2)
    '2.35'
    >>> normalise("  The  Agreed Framework! ", "text")
    'agreed framework'
    """
    text = unicodedata.normalize("NFKC", str(answer)).strip().casefold()
    if kind == "choice":
        return re.sub(r"^(option|answer)", "", re.sub(r"[^a-z]", "", text))
    if kind == "number":
        text = text.replace(",", "").replace("_", "").rstrip("%").strip()
        value = round(float(text), decimals)
        return f"{value:.{decimals}f}" if decimals else str(int(value))
    text = re.sub(r"[^\w\s]", " ", text)
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r"^(the|a|an) ", "", text)


def _digest(qid: str, norm: str) -> str:
    return hashlib.sha256(f"{_SALT}:{qid}:{norm}".encode()).hexdigest()[:32]


def _stream(qid: str, norm: str, length: int) -> bytes:
    key = hashlib.sha256(f"{_SALT}:explain:{qid}:{norm}".encode()).digest()
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(key + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:length]


def _seal(qid: str, norm: str, text: str) -> str:
    data = text.encode()
    return base64.b64encode(
        bytes(a ^ b for a, b in zip(data, _stream(qid, norm, len(data)), strict=True))
    ).decode()


def _unseal(qid: str, norm: str, sealed: str) -> str:
    data = base64.b64decode(sealed)
    return bytes(a ^ b for a, b in zip(data, _stream(qid, norm, len(data)), strict=True)).decode()


def make(
    qid: str,
    answer,
    *,
    kind: str = "text",
    alternatives=(),
    explanation: str = "",
    decimals: int = 0,
    wrong=None,
) -> list[str]:
    """The stored form of a self-check's answers: a list of ``hash:sealed-explanation`` strings.

    One entry per right answer (``answer`` and ``alternatives``), and for a choice question one per
    wrong option in ``wrong`` (a mapping ``{"a": "why (a) is wrong", ...}``), sealed so that it is
    shown only to a learner who picks that option.
    """
    wrong = dict(wrong or {})
    if wrong and kind != "choice":
        raise ValueError("explanations of wrong options (wrong=...) are for choice questions only")
    right = [normalise(value, kind, decimals) for value in (answer, *alternatives)]
    out = [f"{_digest(qid, norm)}:{_seal(qid, norm, explanation)}" for norm in right]
    for letter, why in wrong.items():
        norm = normalise(letter, "choice")
        if len(norm) != 1 or norm not in LETTERS:
            raise ValueError(f"wrong options are given by their letter (a, b, ...), not {letter!r}")
        if norm in right:
            raise ValueError(f"option ({norm}) is a right answer; it cannot also have a 'wrong' explanation")
        if not str(why).strip():
            raise ValueError(f"the explanation of wrong option ({norm}) is empty")
        out.append(f"{_digest(qid, _WRONG + norm)}:{_seal(qid, _WRONG + norm, str(why))}")
    return out


class SelfCheck:
    """A self-check question a learner answers with ``q.check(answer)``.

    Parameters
    ----------
    qid : str
        A unique id, such as ``"06-2"`` (lesson 06, question 2).
    question : str
        The question, in Markdown.
    answers : list of str
        From :func:`make` (never the plain answer): the right answer(s) and, for a choice
        question, the sealed explanation of each wrong option.
    kind : {"choice", "number", "text"}
    level : {"recall", "compute", "interpret", "evaluate"}
        What the question asks of the learner: recall a fact from the lesson; compute or read a
        value from the data; interpret a figure, table or source; evaluate a claim or the
        evidence for it. Required; shown to the learner above the question.
    choices : list of str, optional
        The options of a multiple-choice question, shown as (a), (b), ...
    hints : list of str
        Shown one at a time after wrong tries.
    decimals : int
        For numbers: how many decimals count (the answer is rounded to this).

    Attributes
    ----------
    tries : int
        How many answers the learner has checked so far.
    solved : bool
        True once the learner has given a right answer.

    Raises
    ------
    ValueError
        If `kind` or `level` is not one of the allowed values, or a choice question has no
        `choices`.

    Examples
    --------
    >>> import coursekit as ck
    >>> from coursekit.selfcheck import make
    >>> q = ck.SelfCheck("demo-year", "In which year was the treaty signed?", kind="number",
    ...                  answers=make("demo-year", 1951, kind="number"), level="recall")
    >>> q.is_right("1951.0"), q.is_right(1952)
    (True, False)
    >>> q.feedback(1951).startswith("✅")
    True
    >>> q.tries, q.solved
    (1, True)
    """

    def __init__(
        self,
        qid: str,
        question: str,
        *,
        answers: list[str],
        kind: str = "choice",
        choices=None,
        hints=(),
        decimals: int = 0,
        level: str | None = None,
    ):
        if kind not in _KINDS:
            raise ValueError(f"kind must be one of {_KINDS}, not {kind!r}")
        if kind == "choice" and not choices:
            raise ValueError("a 'choice' question needs its choices")
        if level not in LEVELS:
            given = "no level" if level is None else f"level={level!r}"
            raise ValueError(
                f"self-check {qid!r} has {given}: give level= one of "
                f"{', '.join(repr(name) for name in LEVELS)} (see docs/lesson-template.md)"
            )
        self.qid, self.question, self.kind, self.level = qid, question, kind, level
        self.choices = list(choices or [])
        self.hints = list(hints)
        self.decimals = decimals
        self._answers = dict(item.split(":", 1) for item in answers)
        self.tries = 0
        self.solved = False
        REGISTRY[qid] = self

    def _letters(self) -> str:
        return LETTERS[: len(self.choices)]

    def _normalise(self, answer) -> str | None:
        try:
            norm = normalise(answer, self.kind, self.decimals)
        except (TypeError, ValueError):
            return None
        if self.kind == "choice" and (len(norm) != 1 or norm not in self._letters()):
            return None
        return norm

    def is_right(self, answer) -> bool:
        """True if ``answer`` is right. Does not count as a try and shows nothing."""
        norm = self._normalise(answer)
        return norm is not None and _digest(self.qid, norm) in self._answers

    def explanation_for(self, answer) -> str:
        """The explanation, which only the right answer can unlock ('' otherwise)."""
        norm = self._normalise(answer)
        if norm is None:
            return ""
        sealed = self._answers.get(_digest(self.qid, norm))
        return "" if sealed is None else _unseal(self.qid, norm, sealed)

    def why_wrong(self, answer) -> str:
        """Why a wrong option of a choice question is wrong ('' for the right option or none given)."""
        norm = self._normalise(answer)
        if self.kind != "choice" or norm is None:
            return ""
        sealed = self._answers.get(_digest(self.qid, _WRONG + norm))
        return "" if sealed is None else _unseal(self.qid, _WRONG + norm, sealed)

    def feedback(self, answer=...) -> str:
        """Check an answer, count the try, and return the feedback as Markdown."""
        example = {"choice": '.check("b")', "number": ".check(1994)", "text": '.check("your answer")'}[
            self.kind
        ]
        if answer is ... or answer is None or (isinstance(answer, str) and not answer.strip()):
            return msg.SELFCHECK_NO_ANSWER.format(example=example)
        if self._normalise(answer) is None:
            if self.kind == "choice":
                letters = ", ".join(self._letters())
                return msg.SELFCHECK_CHOICE.format(letters=letters, example=example)
            return msg.SELFCHECK_NUMBER.format(example=example)
        self.tries += 1
        if self.is_right(answer):
            self.solved = True
            explanation = self.explanation_for(answer)
            return f"✅ **{msg.SELFCHECK_RIGHT}** {explanation}".strip()
        text = f"❌ {msg.SELFCHECK_WRONG}"
        why = self.why_wrong(answer)
        if why:
            text += "\n\n" + msg.SELFCHECK_WHY_WRONG.format(letter=self._normalise(answer), why=why)
        if self.hints:
            number = min(self.tries, len(self.hints))
            if self.tries <= len(self.hints):
                text += "\n\n" + msg.SELFCHECK_HINT.format(
                    number=number, total=len(self.hints), hint=self.hints[number - 1]
                )
            else:
                text += "\n\n" + msg.SELFCHECK_NO_MORE_HINTS
        return text

    def check(self, answer=...) -> None:
        """Check your answer and show feedback (a hint after a wrong try)."""
        _show_markdown(self.feedback(answer))

    def _repr_markdown_(self) -> str:
        lines = [f"*{msg.SELFCHECK_LEVEL[self.level]}*", "", f"**Self-check {self.qid}.** {self.question}"]
        if self.kind == "choice":
            lines += [f"- ({letter}) {choice}" for letter, choice in zip(LETTERS, self.choices, strict=False)]
            lines.append('\nAnswer with the letter, e.g. `.check("a")`.')
        elif self.kind == "number":
            lines.append("\nAnswer with a number, e.g. `.check(1994)`.")
        else:
            lines.append('\nAnswer with a word or short phrase, e.g. `.check("...")`.')
        return "\n".join(lines)

    def __repr__(self) -> str:
        return self._repr_markdown_()


def _show_markdown(text: str) -> None:
    try:
        from IPython import get_ipython
        from IPython.display import Markdown, display
    except ImportError:  # pragma: no cover - plain Python without IPython
        print(text)
        return
    if get_ipython() is None:
        print(text)
    else:
        display(Markdown(text))
