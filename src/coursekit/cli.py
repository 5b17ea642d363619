"""The ``coursekit`` command line. Thin: each subcommand calls one function of the package."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

__all__ = ["main"]


def _cmd_list(args) -> int:
    from .data import list_datasets

    print(list_datasets().to_string(index=False))
    return 0


def _cmd_describe(args) -> int:
    from .data import describe

    print(describe(args.name))
    return 0


def _cmd_validate(args) -> int:
    from .checks import check_references
    from .data import DatasetError, list_datasets, load

    failed = 0
    for name in list_datasets()["name"]:
        try:
            rows = len(load(name))
            print(f"ok      {name} ({rows} rows)")
        except DatasetError as err:
            failed += 1
            print(f"FAILED  {name}\n{err}")
    problems = check_references()
    for problem in problems:
        print("FAILED  reference:", problem)
    return 1 if failed or problems else 0


def _cmd_selfcheck_make(args) -> int:
    from .selfcheck import make

    spec = make(
        args.qid,
        args.answer,
        kind=args.kind,
        alternatives=args.also,
        explanation=args.explain,
        decimals=args.decimals,
        wrong=dict(args.wrong),
    )
    print(json.dumps(spec))
    return 0


def _cmd_grade(args) -> int:
    from .grading._sandbox import Limits
    from .grading.pipeline import SandboxUnavailable, grade

    limits = Limits(
        cell_timeout=args.cell_timeout,
        submission_timeout=args.timeout,
        memory_mb=args.memory_mb,
        test_timeout=args.test_timeout,
    )
    try:
        summary = grade(
            args.assignment,
            args.course,
            jobs=args.jobs,
            sandbox=not args.no_sandbox,
            force=args.force,
            limits=limits,
            progress=not args.quiet,
        )
    except (SandboxUnavailable, LookupError, FileNotFoundError) as err:
        print(err, file=sys.stderr)
        return 2
    print(summary.text())
    return 0 if not any(o.status == "failed" for o in summary.outcomes) else 1


def _cmd_report(args) -> int:
    from .grading.report import write_report

    path = write_report(args.assignment, args.course, args.output)
    print(f"wrote {path}")
    return 0


def _cmd_export(args) -> int:
    from .grading.export import export

    try:
        path, report = export(
            args.course,
            args.assignment or None,
            fmt=args.format,
            roster=args.roster,
            output=args.output,
            per_question=args.per_question,
            excel=args.excel,
            missing=args.missing,
            identifier=args.identifier,
        )
    except (LookupError, FileNotFoundError, ValueError) as err:
        print(err.args[0] if err.args else err, file=sys.stderr)
        return 2
    print(report.text(), file=sys.stderr)
    if path is not None:
        print(f"wrote {path}", file=sys.stderr)
    if args.strict and report.problems:
        print(
            "--strict: stopping with an error because of the mismatches above (the file was still written).",
            file=sys.stderr,
        )
        return 1
    return 0


def _cmd_audit(args) -> int:
    from pathlib import Path

    from .audit import audit

    try:
        result = audit(Path(args.root) if args.root else None)
    except FileNotFoundError as err:
        print(err, file=sys.stderr)
        return 2
    print(result.text())
    if args.json:
        Path(args.json).write_text(result.to_json() + "\n", encoding="utf-8")
        print(f"wrote {args.json}")
    return 1 if result.gaps else 0


def _cmd_offering_new(args) -> int:
    from .grading import offering

    record = offering.new(Path(args.dir), args.seed)
    target = Path(args.dir).expanduser().resolve()
    for name, params in record["params"].items():
        shown = ", ".join(
            f"{k}={next(iter(v.values())) if isinstance(v, dict) else v}" for k, v in params.items()
        )
        print(f"{name}: {shown}")
    print(
        f"Offering written to {target} (a private nbgrader course folder: keep it out of public "
        "repositories)."
    )
    print(f"The seed {record['seed']!r} and the parameters are recorded in {target / offering.RECORD}.")
    return 0


def _build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coursekit", description="Helpers for the Seoul-Tokyo course.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the datasets").set_defaults(func=_cmd_list)
    describe = sub.add_parser("describe", help="describe one dataset")
    describe.add_argument("name")
    describe.set_defaults(func=_cmd_describe)
    sub.add_parser("validate", help="check every dataset and every cross-reference").set_defaults(
        func=_cmd_validate
    )
    make = sub.add_parser("selfcheck-make", help="make the stored (hashed, sealed) answers of a self-check")
    make.add_argument("qid", help="question id, e.g. 06-2")
    make.add_argument("answer", help="the right answer (letter, number or text)")
    make.add_argument("--kind", choices=["choice", "number", "text"], default="choice")
    make.add_argument("--also", action="append", default=[], help="another accepted answer")
    make.add_argument("--explain", default="", help="explanation shown after a right answer")
    make.add_argument(
        "--wrong",
        nargs=2,
        action="append",
        default=[],
        metavar=("LETTER", "WHY"),
        help="a wrong option of a choice question and why it is wrong (shown when picked); "
        "give one per wrong option",
    )
    make.add_argument("--decimals", type=int, default=0)
    make.set_defaults(func=_cmd_selfcheck_make)
    grade = sub.add_parser("grade", help="grade every submission of an assignment (sandboxed, in parallel)")
    grade.add_argument("assignment")
    grade.add_argument(
        "--course", default="autograding", help="nbgrader course folder (default: autograding)"
    )
    grade.add_argument("--jobs", type=int, default=None, help="submissions graded at once (default: cores)")
    grade.add_argument(
        "--no-sandbox", action="store_true", help="run student code without isolation (trusted work only)"
    )
    grade.add_argument(
        "--force", action="store_true", help="regrade submissions already graded and unchanged"
    )
    grade.add_argument("--cell-timeout", type=float, default=30.0, help="seconds per cell (default 30)")
    grade.add_argument("--timeout", type=float, default=300.0, help="seconds per submission (default 300)")
    grade.add_argument(
        "--test-timeout",
        type=float,
        default=60.0,
        help="seconds for each instructor test when scoring (default 60)",
    )
    grade.add_argument("--memory-mb", type=int, default=3072, help="memory limit per submission in MB")
    grade.add_argument("--quiet", action="store_true", help="no progress bar")
    grade.set_defaults(func=_cmd_grade)
    report = sub.add_parser("report", help="write an HTML report of an assignment's grades")
    report.add_argument("assignment")
    report.add_argument("--course", default="autograding")
    report.add_argument(
        "--output", default=None, help="file to write (default: COURSE/reports/ASSIGNMENT.html)"
    )
    report.set_defaults(func=_cmd_report)
    exp = sub.add_parser(
        "export",
        help="write grades as CSV: long, or ready to import into Canvas or Moodle",
        description="Write grades from the nbgrader gradebook as a CSV. Mismatches "
        "between the gradebook and the roster are listed on stderr; "
        "see docs/lms-export.md.",
    )
    exp.add_argument("assignment", nargs="*", help="assignments to export, in column order (default: all)")
    exp.add_argument(
        "--format",
        choices=["long", "canvas", "moodle"],
        default="long",
        help="long: one row per student and assignment; canvas: a Canvas gradebook import "
        "(needs --roster); moodle: a Moodle grade import (default: long)",
    )
    exp.add_argument(
        "--roster",
        default=None,
        metavar="FILE",
        help="the LMS roster: Canvas Grades > Export, or Moodle's grade export",
    )
    exp.add_argument("--course", default="autograding", help="nbgrader course folder (default: autograding)")
    exp.add_argument(
        "--output",
        default=None,
        metavar="FILE",
        help="file to write, or - for standard output (default: COURSE/exports/grades-FORMAT.csv)",
    )
    exp.add_argument("--per-question", action="store_true", help="long format: one column per graded cell")
    exp.add_argument(
        "--excel",
        action="store_true",
        help="UTF-8 with a byte-order mark, so Excel shows Hangul, kana and kanji correctly",
    )
    exp.add_argument(
        "--missing",
        choices=["blank", "zero"],
        default="blank",
        help="cell for a roster student with no submission (default: blank)",
    )
    exp.add_argument(
        "--identifier",
        choices=["idnumber", "email"],
        default="idnumber",
        help="moodle: the column Moodle matches users by (default: idnumber)",
    )
    exp.add_argument(
        "--strict",
        action="store_true",
        help="exit 1 if any student is unmatched, has no submission or awaits manual grading",
    )
    exp.set_defaults(func=_cmd_export)
    audit = sub.add_parser(
        "audit",
        help="per lesson: minutes, self-check levels, prompts with model points, "
        "skills, figures, citations; exits 1 on any gap",
    )
    audit.add_argument(
        "--root", default=None, help="course checkout (default: found from the working directory)"
    )
    audit.add_argument("--json", default=None, metavar="FILE", help="also write the audit as JSON to FILE")
    audit.set_defaults(func=_cmd_audit)
    off = sub.add_parser(
        "offering", help="per-offering variants of the graded exercises (answers not published)"
    )
    off_sub = off.add_subparsers(dest="action", required=True)
    off_new = off_sub.add_parser(
        "new",
        help="write a private nbgrader course folder whose exercises are "
        "drawn from a seed, solutions and hidden tests regenerated",
    )
    off_new.add_argument("dir", help="folder to create, outside the public repository")
    off_new.add_argument("--seed", required=True, help="the offering's seed (recorded in DIR/offering.json)")
    off_new.set_defaults(func=_cmd_offering_new)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (KeyError, ValueError) as err:
        print(err.args[0] if err.args else err, file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
