"""Self-check questions with instant feedback, whose answers cannot be read in the notebook.

An answer is stored only as a salted SHA-256 hash of its normalised form, together with an
explanation encrypted with a key derived from that answer: the explanation appears only to a
learner who typed the right answer. A wrong try reveals the next hint.

Authors make the stored form with the command line::

    coursekit selfcheck-make 01-treaty-year 1951 --kind number --explain "Signed in San Francisco..."

Examples
--------
>>> spec = make("demo-1", "b", kind="choice", explanation="B is right because ...")
>>> q = SelfCheck("demo-1", "Pick one", choices=["no", "yes"], kind="choice", answers=spec)
>>> q.is_right("B")
True
>>> q.is_right("a")
False
>>> q.explanation_for("b")
'B is right because ...'
"""

from __future__ import annotations

import base64
import hashlib
import re
import unicodedata

from . import messages as msg

__all__ = ["SelfCheck", "make", "normalise", "REGISTRY"]

SALT = "seoul-tokyo-course/v1"
KINDS = ("choice", "number", "text")
LEVELS = ("recall", "compute", "interpret", "evaluate")
LETTERS = "abcdefghij"
REGISTRY: dict[str, "SelfCheck"] = {}


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
    return hashlib.sha256(f"{SALT}:{qid}:{norm}".encode()).hexdigest()[:32]


def _stream(qid: str, norm: str, length: int) -> bytes:
    key = hashlib.sha256(f"{SALT}:explain:{qid}:{norm}".encode()).digest()
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(key + counter.to_bytes(4, "big")).digest()
        counter += 1
    return out[:length]


def _seal(qid: str, norm: str, text: str) -> str:
    data = text.encode()
    return base64.b64encode(bytes(a ^ b for a, b in zip(data, _stream(qid, norm, len(data))))).decode()


def _unseal(qid: str, norm: str, sealed: str) -> str:
    data = base64.b64decode(sealed)
    return bytes(a ^ b for a, b in zip(data, _stream(qid, norm, len(data)))).decode()


def make(qid: str, answer, *, kind: str = "text", alternatives=(), explanation: str = "",
         decimals: int = 0) -> list[str]:
    """The stored form of the right answer(s): a list of ``hash:sealed-explanation`` strings."""
    out = []
    for value in (answer, *alternatives):
        norm = normalise(value, kind, decimals)
        out.append(f"{_digest(qid, norm)}:{_seal(qid, norm, explanation)}")
    return out


class SelfCheck:
    """A question a learner answers with ``q.check(answer)``.

    Parameters
    ----------
    qid : str
        A unique id, such as ``"06-2"`` (lesson 06, question 2).
    question : str
        The question, in Markdown.
    answers : list of str
        From :func:`make` (never the plain answer).
    kind : {"choice", "number", "text"}
    choices : list of str, optional
        The options of a multiple-choice question, shown as (a), (b), ...
    hints : list of str
        Shown one at a time after wrong tries.
    decimals : int
        For numbers: how many decimals count (the answer is rounded to this).
    level : {"recall", "compute", "interpret", "evaluate"}, optional
        What the question asks of the learner.
    """

    def __init__(self, qid: str, question: str, *, answers: list[str], kind: str = "choice",
                 choices=None, hints=(), decimals: int = 0, level: str | None = None):
        if kind not in KINDS:
            raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
        if level is not None and level not in LEVELS:
            raise ValueError(f"level must be one of {LEVELS}, not {level!r}")
        self.level = level
        if kind == "choice" and not choices:
            raise ValueError("a 'choice' question needs its choices")
        self.qid, self.question, self.kind = qid, question, kind
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

    def feedback(self, answer=...) -> str:
        """Check an answer, count the try, and return the feedback as Markdown."""
        example = {"choice": '.check("b")', "number": ".check(1994)", "text": '.check("your answer")'}[self.kind]
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
        if self.hints:
            number = min(self.tries, len(self.hints))
            if self.tries <= len(self.hints):
                text += "\n\n" + msg.SELFCHECK_HINT.format(number=number, total=len(self.hints),
                                                           hint=self.hints[number - 1])
            else:
                text += "\n\n" + msg.SELFCHECK_NO_MORE_HINTS
        return text

    def check(self, answer=...) -> None:
        """Check your answer and show feedback (a hint after a wrong try)."""
        _show_markdown(self.feedback(answer))

    def _repr_markdown_(self) -> str:
        lines = [f"**Self-check {self.qid}.** {self.question}"]
        if self.kind == "choice":
            lines += [f"- ({letter}) {choice}" for letter, choice in zip(LETTERS, self.choices)]
            lines.append("\nAnswer with the letter, e.g. `.check(\"a\")`.")
        elif self.kind == "number":
            lines.append("\nAnswer with a number, e.g. `.check(1994)`.")
        else:
            lines.append("\nAnswer with a word or short phrase, e.g. `.check(\"...\")`.")
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
