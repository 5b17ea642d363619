"""Where the course is published, and the launch links built from it.

One source of truth, ``site/course.json``: the public GitHub repository and branch (for Binder),
the BinderHub, the website's address and where the JupyterLite site sits on it. The website
build (``tools/build_site.py``) and the launch badges in README.md and docs/zero-install.md use
the functions here, so the links cannot drift apart.

Set the repository once, when the course has a public home:

    python tools/launch.py set OWNER/NAME [--branch main] [--site-url https://…/]

That rewrites ``site/course.json`` and the marked launch blocks in README.md and
docs/zero-install.md (``sync`` rewrites them after a hand edit of course.json).
``python tools/launch.py check`` exits 1 when a block is out of date (a test runs it).

While ``repository`` is the placeholder ``OWNER/REPO``, builds on GitHub Actions take the real
name from ``GITHUB_REPOSITORY``; ``COURSE_REPOSITORY`` and friends override any field.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "site" / "course.json"
PLACEHOLDER = "OWNER/REPO"
START = "lessons/00-start-here"
BLOCK_FILES = [ROOT / "README.md", ROOT / "docs" / "zero-install.md"]
BEGIN, END = (
    "<!-- launch-links:begin (made by tools/launch.py; edit site/course.json) -->",
    "<!-- launch-links:end -->",
)
REPO_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9-]{0,38}/[A-Za-z0-9._-]{1,100}$")
ENV = [
    ("repository", "COURSE_REPOSITORY"),
    ("branch", "COURSE_BRANCH"),
    ("site_url", "COURSE_SITE_URL"),
    ("lite_url", "COURSE_LITE_URL"),
    ("binderhub", "COURSE_BINDERHUB"),
]


def read_config(path: Path | None = None) -> dict:
    """course.json as stored (no environment applied)."""
    return json.loads((path or CONFIG).read_text(encoding="utf-8"))


def course_config(path: Path | None = None, environ: dict | None = None) -> dict:
    """course.json with the environment applied: COURSE_* variables, then GITHUB_REPOSITORY for
    a placeholder repository (GitHub Actions sets it)."""
    environ = os.environ if environ is None else environ
    config = read_config(path)
    for key, var in ENV:
        if environ.get(var):
            config[key] = environ[var]
    if config["repository"] == PLACEHOLDER and environ.get("GITHUB_REPOSITORY"):
        config["repository"] = environ["GITHUB_REPOSITORY"]
    return config


def site_url(config: dict) -> str:
    """The website's address: ``site_url`` if set, else GitHub Pages' address for the repository."""
    if config.get("site_url"):
        return config["site_url"].rstrip("/") + "/"
    owner, name = config["repository"].split("/", 1)
    if name.lower() == f"{owner.lower()}.github.io":
        return f"https://{name.lower()}/"
    return f"https://{owner.lower()}.github.io/{name}/"


def binder_url(config: dict, path: str) -> str:
    """A Binder link that builds the repository and opens ``path`` (a lesson .md) in JupyterLab."""
    return (
        f"{config['binderhub'].rstrip('/')}/v2/gh/{config['repository']}/{config['branch']}"
        f"?urlpath={quote('lab/tree/' + path, safe='')}"
    )


def lite_url(config: dict, notebook: str, depth: int | None = None) -> str:
    """A JupyterLite link that opens ``notebook`` (.ipynb).

    With ``depth`` (pages of the website) a relative ``lite_url`` stays relative, ``depth``
    folders up; without it (README) the link is absolute, on the website's address."""
    base = config["lite_url"]
    if "://" not in base and not base.startswith("/"):
        base = ("../" * depth + base) if depth is not None else site_url(config) + base
    return f"{base.rstrip('/')}/lab/index.html?path={quote(notebook)}"


def launch_block(config: dict) -> str:
    """The Markdown block of launch badges for README.md and docs/zero-install.md."""
    lines = [
        BEGIN,
        f"[![Launch on Binder](https://mybinder.org/badge_logo.svg)]({binder_url(config, START + '.md')})",
        f"[![Run in JupyterLite](https://jupyterlite.rtfd.io/en/latest/_static/badge.svg)]"
        f"({lite_url(config, START + '.ipynb')})",
        f"[![Course website](https://img.shields.io/badge/read-course%20website-0072B2)]({site_url(config)})",
    ]
    if config["repository"] == PLACEHOLDER:
        lines += [
            "",
            f"*The links above use the placeholder `{PLACEHOLDER}` until the course has a public "
            "repository: `python tools/launch.py set OWNER/NAME` fills them in.*",
        ]
    lines.append(END)
    return "\n".join(lines)


def replace_block(text: str, block: str, where: str) -> str:
    start, stop = text.find(BEGIN), text.find(END)
    if start < 0 or stop < start:
        raise SystemExit(
            f"{where}: no launch-links block (the lines {BEGIN!r} … {END!r}); add them where "
            "the badges should go and run this again."
        )
    return text[:start] + block + text[stop + len(END) :]


def updated_texts(config: dict) -> dict[Path, str]:
    """The files whose launch block differs from what ``config`` makes, with their new text."""
    block, out = launch_block(config), {}
    for path in BLOCK_FILES:
        text = path.read_text(encoding="utf-8")
        new = replace_block(text, block, str(path))
        if new != text:
            out[path] = new
    return out


def stale_files(config: dict) -> list[Path]:
    return list(updated_texts(config))


def write_blocks(config: dict) -> list[Path]:
    changed = updated_texts(config)
    for path, text in changed.items():
        path.write_text(text, encoding="utf-8")
    return list(changed)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="command", required=True)
    set_ = sub.add_parser("set", help="record the public repository and rewrite the launch links")
    set_.add_argument("repository", help="OWNER/NAME on GitHub, e.g. my-org/seoul-tokyo-course")
    set_.add_argument("--branch", help="branch Binder builds (default: keep the current one)")
    set_.add_argument("--site-url", help="the website's address (default: GitHub Pages' address)")
    sub.add_parser("sync", help="rewrite the launch links from site/course.json as it stands")
    sub.add_parser("check", help="exit 1 if the launch links in README.md or docs/ are out of date")
    sub.add_parser("show", help="print the launch links")
    args = parser.parse_args(argv)

    config = read_config()
    if args.command == "set":
        if not REPO_PATTERN.match(args.repository):
            parser.error(f"{args.repository!r} is not a GitHub repository name; write it as OWNER/NAME")
        config["repository"] = args.repository
        if args.branch:
            config["branch"] = args.branch
        if args.site_url is not None:
            config["site_url"] = args.site_url
        CONFIG.write_text(json.dumps(config, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        changed = write_blocks(config)
        print(f"site/course.json: repository {config['repository']}, branch {config['branch']}")
        for path in changed:
            print(f"rewrote the launch links in {path.relative_to(ROOT)}")
        return 0
    if args.command == "sync":
        for path in write_blocks(config):
            print(f"rewrote the launch links in {path.relative_to(ROOT)}")
        return 0
    if args.command == "check":
        stale = stale_files(config)
        for path in stale:
            print(
                f"{path.relative_to(ROOT)}: launch links out of date with site/course.json; "
                "run python tools/launch.py sync",
                file=sys.stderr,
            )
        return 1 if stale else 0
    print(launch_block(course_config()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
