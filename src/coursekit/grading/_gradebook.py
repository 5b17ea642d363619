"""The only writer of the gradebook: scores in, every change logged, safe to rerun.

Grades go into nbgrader's own gradebook (``gradebook.db``) through nbgrader's API, so the
formgrader, ``nbgrader generate_feedback`` and ``nbgrader export`` work as usual. Each student
is written in one go and then marked done in a small journal (``autograded/.coursekit/``), with
a digest of what was graded. A rerun skips exactly the students whose journal entry matches
their current submission and whose grades are in the gradebook, and redoes everything else;
because grading is deterministic it reaches the same grades as an uninterrupted run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
import warnings
from pathlib import Path

import nbformat

__all__ = ["Writer", "digest"]

LOCK_WAIT = 120.0  # seconds to wait for a gradebook someone else has locked


def digest(*parts: bytes) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


class Writer:
    """Writes results for one assignment. Use from one thread only."""

    def __init__(self, course: Path, assignment: str):
        from nbgrader.api import Gradebook

        self.course, self.assignment = course, assignment
        self.url = f"sqlite:///{course / 'gradebook.db'}"
        self.gb = Gradebook(self.url)
        self.journal = course / "autograded" / ".coursekit" / assignment
        self.log_path = course / "grading-log.jsonl"

    def close(self) -> None:
        self.gb.close()

    # -- what exists --------------------------------------------------------------------
    def notebooks(self) -> list[str]:
        from nbgrader.api import MissingEntry

        try:
            assignment = self.gb.find_assignment(self.assignment)
        except MissingEntry:
            raise LookupError(
                f"The gradebook has no assignment {self.assignment!r}. Run `nbgrader generate_assignment "
                f"{self.assignment}` in {self.course} first (it records the assignment's cells and points)."
            ) from None
        return [nb.name for nb in assignment.notebooks]

    def is_done(self, student: str, key: str) -> bool:
        from nbgrader.api import MissingEntry

        entry = self.journal / f"{student}.json"
        if not entry.exists():
            return False
        try:
            saved = json.loads(entry.read_text(encoding="utf-8"))
        except ValueError:
            return False
        if saved.get("digest") != key:
            return False
        try:
            for name, scores in saved.get("scores", {}).items():
                for grade_id, value in scores.items():
                    grade = self.gb.find_grade(grade_id, name, self.assignment, student)
                    if grade.auto_score != value:
                        return False
        except MissingEntry:
            return False
        return True

    # -- writing ------------------------------------------------------------------------
    def _retry(self, action):
        from sqlalchemy.exc import OperationalError

        deadline = time.monotonic() + LOCK_WAIT
        delay = 0.2
        while True:
            try:
                return action()
            except OperationalError as err:
                self.gb.db.rollback()
                if "locked" not in str(err).lower() or time.monotonic() > deadline:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 5.0)

    def record(
        self,
        student: str,
        key: str,
        results: dict[str, dict],
        notebooks: dict[str, object],
        timestamp: str | None,
        folder: Path | None,
    ) -> list[dict]:
        """Write one student's grades; return the logged changes.

        ``results[notebook]`` maps each grade id to ``{"score": float | None, "manual": bool}``.
        """
        from nbgrader.api import MissingEntry

        changes: list[dict] = []

        def write():
            changes.clear()
            self.gb.update_or_create_student(student)
            try:
                self.gb.find_submission(self.assignment, student)
                if timestamp:
                    self.gb.update_or_create_submission(self.assignment, student, timestamp=timestamp)
            except MissingEntry:
                kwargs = {"timestamp": timestamp} if timestamp else {}
                self.gb.add_submission(self.assignment, student, **kwargs)
            for name, grades in results.items():
                for grade_id, value in grades.items():
                    grade = self.gb.find_grade(grade_id, name, self.assignment, student)
                    old = grade.auto_score
                    grade.auto_score = value["score"]
                    grade.needs_manual_grade = bool(value["manual"])
                    if old != value["score"]:
                        changes.append(
                            {"notebook": name, "grade_id": grade_id, "old": old, "new": value["score"]}
                        )
            self.gb.db.commit()

        with warnings.catch_warnings():  # nbgrader's add_submission trips a harmless SQLAlchemy warning
            warnings.simplefilter("ignore")
            self._retry(write)
        stamp = dt.datetime.now(dt.UTC).isoformat()
        with open(self.log_path, "a", encoding="utf-8") as log:
            for change in changes:
                log.write(
                    json.dumps(
                        {
                            "time": stamp,
                            "assignment": self.assignment,
                            "student": student,
                            **change,
                            "by": "coursekit grade",
                        }
                    )
                    + "\n"
                )
        out = self.course / "autograded" / student / self.assignment
        out.mkdir(parents=True, exist_ok=True)
        for name, nb in notebooks.items():
            _atomic_write(out / f"{name}.ipynb", nbformat.writes(nb))
        if folder is not None and (folder / "timestamp.txt").exists():
            _atomic_write(
                out / "timestamp.txt",
                (folder / "timestamp.txt").read_text(encoding="utf-8", errors="replace"),
            )
        scores = {name: {g: v["score"] for g, v in grades.items()} for name, grades in results.items()}
        _atomic_write(
            self.journal / f"{student}.json", json.dumps({"digest": key, "scores": scores, "time": stamp})
        )
        return changes

    def record_failure(self, student: str, reason: str) -> None:
        """A submission that could not be graded: journal it as not done, so a rerun retries."""
        entry = self.journal / f"{student}.json"
        if entry.exists():
            entry.unlink()
        with open(self.log_path, "a", encoding="utf-8") as log:
            log.write(
                json.dumps(
                    {
                        "time": dt.datetime.now(dt.UTC).isoformat(),
                        "assignment": self.assignment,
                        "student": student,
                        "failed": reason,
                        "by": "coursekit grade",
                    }
                )
                + "\n"
            )
