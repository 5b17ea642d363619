"""``coursekit grade``: check, run (sandboxed, in parallel), score and record every submission."""

from __future__ import annotations

import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from ._execute import kill_all, run_steps
from ._gradebook import Writer, digest
from ._plan import build_plan
from ._sandbox import Limits, Sandbox, check_available
from ._scoring import score_isolated
from ._submissions import Submission, find

__all__ = ["grade", "Grader", "SandboxUnavailable", "Summary", "VERSION"]

VERSION = "coursekit-grade-1"


class SandboxUnavailable(RuntimeError):
    pass


@dataclass
class _Outcome:
    student: str
    status: str  # graded, unchanged, rejected, failed
    total: float = 0.0
    possible: float = 0.0
    tests: dict[str, float] = field(default_factory=dict)  # grade id -> fraction of points earned
    reasons: list[str] = field(default_factory=list)


@dataclass
class Summary:
    assignment: str
    outcomes: list[_Outcome]
    seconds: float

    def counts(self) -> dict[str, int]:
        out: dict[str, int] = {}
        for o in self.outcomes:
            out[o.status] = out.get(o.status, 0) + 1
        return out

    def pass_rates(self) -> dict[str, float]:
        seen: dict[str, list[float]] = {}
        for o in self.outcomes:
            if o.status == "graded":
                for gid, frac in o.tests.items():
                    seen.setdefault(gid, []).append(frac)
        return {gid: sum(v) / len(v) for gid, v in sorted(seen.items())}

    def text(self) -> str:
        counts = self.counts()
        lines = [
            f"Assignment {self.assignment}: "
            + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
            + f" in {self.seconds:.1f} s"
        ]
        for o in self.outcomes:
            if o.status in {"rejected", "failed"}:
                lines.append(f"  {o.status:8} {o.student}: {'; '.join(o.reasons)}")
        rates = self.pass_rates()
        if rates:
            lines.append("Per-question pass rates (graded submissions):")
            lines += [f"  {gid:24} {rate:6.0%}" for gid, rate in rates.items()]
        notes = [(o.student, r) for o in self.outcomes if o.status == "graded" for r in o.reasons]
        if notes:
            lines.append("Notes:")
            lines += [f"  {student}: {reason}" for student, reason in notes[:50]]
        return "\n".join(lines)


def _hide_list(course: Path) -> list[str]:
    course = course.resolve()
    needed = [Path(sys.prefix).resolve(), Path(__file__).resolve().parents[1]]
    if not any(course == p or course in p.parents for p in needed):
        return [str(course)]
    return [
        str(course / p)
        for p in (
            "source",
            "release",
            "submitted",
            "autograded",
            "feedback",
            "exchange",
            "gradebook.db",
            "nbgrader_config.py",
            "grading-log.jsonl",
        )
        if (course / p).exists()
    ]


def _assemble(source_nb, plan, steps, tests) -> nbformat.NotebookNode:
    by_test = {t.grade_id: t for t in tests}
    cells = []
    for count, (cell, step_index, test) in enumerate(plan.cells, start=1):
        cell = cell.copy()
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
            if step_index is not None:
                result = steps[step_index]
                cell.execution_count = count
                for name in ("stdout", "stderr"):
                    text = getattr(result, name)
                    if text:
                        cell.outputs.append(nbformat.v4.new_output("stream", name=name, text=text))
                for out in result.outputs:
                    if out.get("output_type") in {"display_data", "execute_result"}:
                        kwargs = {"execution_count": count} if out["output_type"] == "execute_result" else {}
                        cell.outputs.append(
                            nbformat.v4.new_output(out["output_type"], data=out.get("data", {}), **kwargs)
                        )
                    else:
                        cell.outputs.append(
                            nbformat.v4.new_output("stream", name="stdout", text=out.get("text", ""))
                        )
                if result.error:
                    err = result.error
                    cell.outputs.append(
                        nbformat.v4.new_output(
                            "error",
                            ename=err.get("ename", "Error"),
                            evalue=err.get("evalue", ""),
                            traceback=err.get("traceback") or [f"{err.get('ename')}: {err.get('evalue')}"],
                        )
                    )
            elif test is not None:
                cell.execution_count = count
                outcome = by_test[test.grade_id]
                if outcome.score < outcome.points or (outcome.points == 0 and outcome.message):
                    name, _, value = outcome.message.partition(": ")
                    cell.outputs.append(
                        nbformat.v4.new_output(
                            "error",
                            ename=name if value else "AssertionError",
                            evalue=value or outcome.message,
                            traceback=[outcome.message],
                        )
                    )
        cells.append(cell)
    nb = nbformat.v4.new_notebook(cells=cells, metadata=source_nb.metadata)
    return nb


def _on_fresh_thread(func, *args):
    """Call ``func(*args)`` on a new thread and return its result (or raise its exception)."""
    box: list = []

    def run() -> None:
        try:
            box.append((True, func(*args)))
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread
            box.append((False, exc))

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    ok, value = box[0]
    if not ok:
        raise value
    return value


class Grader:
    def __init__(
        self,
        course: Path,
        assignment: str,
        *,
        jobs: int | None = None,
        sandbox: bool = True,
        force: bool = False,
        limits: Limits | None = None,
        progress: bool = True,
    ):
        self.course, self.assignment = Path(course).resolve(), assignment
        self.jobs = jobs or os.cpu_count() or 1
        self.force, self.progress = force, progress
        if sandbox:
            reason = check_available()
            if reason:
                raise SandboxUnavailable(
                    f"Cannot set up the grading sandbox: {reason}.\nStudent code would run with your own "
                    "permissions. Grade on a machine that allows Linux namespaces (or as root), or, if you "
                    "trust every submission, rerun with --no-sandbox."
                )
        self.sandbox = Sandbox(isolated=sandbox, hide=_hide_list(self.course), limits=limits or Limits())
        self.sources = {}
        self.source_bytes = b""

    def _grade_one(self, sub: Submission, expected: list[str]):
        results, notebooks, outcome = {}, {}, _Outcome(sub.student, "graded", reasons=list(sub.notes))
        for name in expected:
            source = self.sources[name]
            student = sub.notebooks.get(name)
            if student is None:
                student = nbformat.v4.new_notebook()
            plan = build_plan(source, student)
            outcome.reasons += plan.notes
            steps, notes = run_steps(plan.steps, nbformat.writes(student), f"{name}.ipynb", self.sandbox)
            outcome.reasons += notes
            snapshots = {i: r.snapshot for i, r in enumerate(steps) if r.snapshot}
            failed = {
                i: f"{r.error.get('ename')}: {str(r.error.get('evalue'))[:200]}"
                for i, r in enumerate(steps)
                if r.error
            }
            tests = score_isolated(
                plan.setup_source,
                [t.__dict__ for t in plan.tests],
                snapshots,
                failed,
                test_timeout=self.sandbox.limits.test_timeout,
            )
            grades = {t.grade_id: {"score": t.score, "manual": False} for t in tests}
            for w in plan.written:
                grades[w.grade_id] = {"score": None if w.answered else 0.0, "manual": w.answered}
            results[name] = grades
            notebooks[name] = _assemble(source, plan, steps, tests)
            for t in tests:
                outcome.total += t.score
                outcome.possible += t.points
                outcome.tests[t.grade_id] = (t.score / t.points) if t.points else 0.0
        return results, notebooks, outcome

    def run(self) -> Summary:
        started = time.monotonic()
        writer = Writer(self.course, self.assignment)
        try:
            expected = writer.notebooks()
            for name in expected:
                path = self.course / "source" / self.assignment / f"{name}.ipynb"
                self.sources[name] = nbformat.read(path, as_version=4)
                self.source_bytes += path.read_bytes()
            subs = find(self.course, self.assignment, [f"{n}.ipynb" for n in expected])
            outcomes: list[_Outcome] = []
            todo = []
            for sub in subs:
                sub.notebooks = {Path(k).stem: v for k, v in sub.notebooks.items()}
                sub.files = {Path(k).stem: v for k, v in sub.files.items()}
                if not sub.ok:
                    outcomes.append(_Outcome(sub.student, "rejected", reasons=sub.problems))
                    writer.record_failure(sub.student, "; ".join(sub.problems))
                    continue
                if sub.problems:
                    sub.notes = sub.problems + sub.notes
                key = digest(
                    VERSION.encode(),
                    self.source_bytes,
                    *[sub.files[n].read_bytes() for n in sorted(sub.files)],
                )
                if not self.force and writer.is_done(sub.student, key):
                    outcomes.append(_Outcome(sub.student, "unchanged"))
                    continue
                todo.append((sub, key))
            done = 0
            total = len(todo)
            self._bar(done, total)
            with ThreadPoolExecutor(max_workers=self.jobs) as pool:
                futures = {pool.submit(self._grade_one, sub, expected): (sub, key) for sub, key in todo}
                try:
                    for future in as_completed(futures):
                        sub, key = futures[future]
                        try:
                            try:
                                results, notebooks, outcome = future.result()
                            except SystemError:
                                # An interpreter-state fault of the worker thread (CPython 3.11 < 3.11.5,
                                # gh-106905), not the student's: grade once more on a fresh thread.
                                results, notebooks, outcome = _on_fresh_thread(self._grade_one, sub, expected)
                            writer.record(sub.student, key, results, notebooks, sub.timestamp, sub.folder)
                        except Exception as err:  # noqa: BLE001 - one student never stops the batch
                            outcome = _Outcome(
                                sub.student, "failed", reasons=[f"{type(err).__name__}: {err}"[:300]]
                            )
                            writer.record_failure(sub.student, outcome.reasons[0])
                        outcomes.append(outcome)
                        done += 1
                        self._bar(done, total)
                except KeyboardInterrupt:
                    pool.shutdown(wait=False, cancel_futures=True)
                    kill_all()
                    raise
        finally:
            writer.close()
        if self.progress and total:
            print(file=sys.stderr)
        outcomes.sort(key=lambda o: o.student)
        return Summary(self.assignment, outcomes, time.monotonic() - started)

    def _bar(self, done: int, total: int) -> None:
        if not self.progress or not total:
            return
        width = 30
        filled = int(width * done / total)
        sys.stderr.write(
            f"\rgrading {self.assignment} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
        )
        sys.stderr.flush()


def grade(assignment: str, course: str | Path = "autograding", **kwargs) -> Summary:
    """Grade every submission of ``assignment`` in ``course`` (see :class:`Grader`)."""
    return Grader(Path(course), assignment, **kwargs).run()
