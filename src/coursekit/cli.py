"""The ``coursekit`` command line. Thin: each subcommand calls one function of the package."""

from __future__ import annotations

import argparse
import json
import sys


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

    spec = make(args.qid, args.answer, kind=args.kind, alternatives=args.also,
                explanation=args.explain, decimals=args.decimals)
    print(json.dumps(spec))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="coursekit", description="Helpers for the Seoul-Tokyo course.")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="list the datasets").set_defaults(func=_cmd_list)
    describe = sub.add_parser("describe", help="describe one dataset")
    describe.add_argument("name")
    describe.set_defaults(func=_cmd_describe)
    sub.add_parser("validate", help="check every dataset and every cross-reference").set_defaults(func=_cmd_validate)
    make = sub.add_parser("selfcheck-make", help="make the stored (hashed) answer of a self-check")
    make.add_argument("qid", help="question id, e.g. 06-2")
    make.add_argument("answer", help="the right answer (letter, number or text)")
    make.add_argument("--kind", choices=["choice", "number", "text"], default="choice")
    make.add_argument("--also", action="append", default=[], help="another accepted answer")
    make.add_argument("--explain", default="", help="explanation shown after a right answer")
    make.add_argument("--decimals", type=int, default=0)
    make.set_defaults(func=_cmd_selfcheck_make)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except (KeyError, ValueError) as err:
        print(err.args[0] if err.args else err, file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
