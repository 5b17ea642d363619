"""The launch links (README, docs, website) all come from site/course.json and stay in step."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlparse

import pytest

from tools import launch

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def copy(tmp_path, monkeypatch):
    """launch.py pointed at a copy of course.json, README.md and docs/zero-install.md."""
    (tmp_path / "site").mkdir()
    (tmp_path / "docs").mkdir()
    for name in ["site/course.json", "README.md", "docs/zero-install.md"]:
        shutil.copy(ROOT / name, tmp_path / name)
    monkeypatch.setattr(launch, "ROOT", tmp_path)
    monkeypatch.setattr(launch, "CONFIG", tmp_path / "site" / "course.json")
    monkeypatch.setattr(
        launch, "BLOCK_FILES", [tmp_path / "README.md", tmp_path / "docs" / "zero-install.md"]
    )
    return tmp_path


def test_committed_launch_links_match_course_json():
    assert launch.main(["check"]) == 0
    for path in launch.BLOCK_FILES:
        text = path.read_text(encoding="utf-8")
        assert text.count(launch.BEGIN) == 1 and text.count(launch.END) == 1, path


def test_links_point_at_files_the_routes_serve():
    config = launch.read_config()
    binder = urlparse(launch.binder_url(config, launch.START + ".md"))
    opened = unquote(parse_qs(binder.query)["urlpath"][0])
    assert opened.startswith("lab/tree/") and (ROOT / opened.removeprefix("lab/tree/")).is_file()
    lite = urlparse(launch.lite_url(config, launch.START + ".ipynb"))
    notebook = parse_qs(lite.query)["path"][0]
    # build_lite turns lessons/NN-*.md into lessons/NN-*.ipynb at the same place.
    assert (ROOT / notebook).with_suffix(".md").is_file()
    assert lite.path.endswith("/lite/lab/index.html")


def test_set_rewrites_every_link_and_check_then_passes(copy, capsys):
    assert launch.main(["set", "example-org/seoul-tokyo-course", "--branch", "spring"]) == 0
    config = json.loads((copy / "site" / "course.json").read_text(encoding="utf-8"))
    assert (config["repository"], config["branch"]) == ("example-org/seoul-tokyo-course", "spring")
    for name in ["README.md", "docs/zero-install.md"]:
        text = (copy / name).read_text(encoding="utf-8")
        block = text[text.index(launch.BEGIN) : text.index(launch.END)]
        assert "mybinder.org/v2/gh/example-org/seoul-tokyo-course/spring?urlpath=" in block
        assert "https://example-org.github.io/seoul-tokyo-course/lite/lab/index.html?path=" in block
        assert launch.PLACEHOLDER not in block and "placeholder" not in block
    assert launch.main(["check"]) == 0
    assert "rewrote the launch links in README.md" in capsys.readouterr().out


def test_check_fails_after_a_hand_edit_of_course_json(copy, capsys):
    config = launch.read_config()
    config["branch"] = "other"
    launch.CONFIG.write_text(json.dumps(config), encoding="utf-8")
    assert launch.main(["check"]) == 1
    assert "launch.py sync" in capsys.readouterr().err
    assert launch.main(["sync"]) == 0 and launch.main(["check"]) == 0


@pytest.mark.parametrize(
    "bad", ["seoul-tokyo", "https://github.com/a/b", "a/b/c", "my org/course", "a/", "_a/b"]
)
def test_set_refuses_what_is_not_owner_slash_name(copy, bad, capsys):
    with pytest.raises(SystemExit) as stop:
        launch.main(["set", bad])
    assert stop.value.code == 2 and "OWNER/NAME" in capsys.readouterr().err
    assert launch.read_config()["repository"] == launch.PLACEHOLDER


def test_missing_block_says_how_to_add_it(copy):
    (copy / "README.md").write_text("# no block here\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="no launch-links block"):
        launch.main(["sync"])


def test_environment_overrides_and_github_actions_name():
    placeholder = launch.course_config(environ={"GITHUB_REPOSITORY": "org/course"})
    assert placeholder["repository"] == "org/course"
    assert launch.site_url(placeholder) == "https://org.github.io/course/"
    chosen = launch.course_config(
        environ={
            "GITHUB_REPOSITORY": "org/course",
            "COURSE_REPOSITORY": "me/fork",
            "COURSE_SITE_URL": "https://example.edu/course",
        }
    )
    assert chosen["repository"] == "me/fork"
    assert (
        launch.lite_url(chosen, "lessons/01.ipynb")
        == "https://example.edu/course/lite/lab/index.html?path=lessons/01.ipynb"
    )
    # On the website's pages the JupyterLite link stays relative, so a copy of the site works anywhere.
    assert (
        launch.lite_url(chosen, "lessons/01.ipynb", depth=1) == "../lite/lab/index.html?path=lessons/01.ipynb"
    )
    assert launch.site_url({"repository": "Org/org.github.io"}) == "https://org.github.io/"


def test_pages_workflow_builds_what_the_makefile_builds():
    """The GitHub Pages workflow cannot run here; check it calls real targets and uploads the
    folder `make site` writes."""
    import re
    import shlex

    import yaml

    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "website.yml").read_text(encoding="utf-8"))
    steps = workflow["jobs"]["build"]["steps"]
    runs = [shlex.split(step["run"]) for step in steps if "run" in step]
    assert runs and runs[0][0] == "make"
    targets = [word for word in runs[0][1:] if "=" not in word]
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    for target in targets:
        assert re.search(rf"^{re.escape(target)}:", makefile, re.M), f"no make target {target!r}"
    assert targets.index("lite") < targets.index("site"), (
        "the website copies the lite site in: build lite first"
    )
    from tools import build_site

    flags = [word.split("=", 1)[1] for word in runs[0] if word.startswith("SITE_ARGS=")]
    build_site.parse_args(flags)  # the flags exist (argparse exits otherwise)
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload-pages-artifact"))
    default_output = Path(build_site.parse_args([]).output).relative_to(ROOT)
    assert Path(upload["with"]["path"]) == default_output
    assert workflow["jobs"]["build"]["steps"][1]["with"]["python-version"] == (
        ROOT / "binder" / "runtime.txt"
    ).read_text().strip().removeprefix("python-")
