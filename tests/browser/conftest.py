"""Real-browser tests: Debian's Chromium driven by Playwright, every request kept on loopback.

Each run builds both sites and starts servers (minutes), so a plain ``pytest`` skips them; ``make
test`` runs them after the main suite when Chromium is installed, ``make test-browser`` runs only
them. They skip, saying why, when Playwright or Chromium is missing, unless COURSE_BROWSER_TESTS=1
(as in CI), which turns that into an error. Screenshots go to test-artifacts/.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.support import browser as B

ROOT = Path(__file__).resolve().parents[2]

ARTIFACTS = ROOT / "test-artifacts"


def pytest_collection_modifyitems(config, items):
    # Browser tests run only when a -m expression asks for them by name ("browser", not "not
    # browser"): `make test-fast` (-m "not slow ...") never builds the sites by accident.
    # COURSE_BROWSER_TESTS=1 (CI) also makes them required: a missing browser is then an error.
    required = os.environ.get("COURSE_BROWSER_TESTS") == "1"
    markexpr = config.getoption("markexpr") or ""
    selected = bool(re.search(r"(?<!not )\bbrowser\b", markexpr))
    if required and any("browser" in item.keywords for item in items):
        reason = B.missing_browser_reason()
        if reason:
            raise pytest.UsageError(f"COURSE_BROWSER_TESTS=1 but the browser tests cannot run: {reason}")
    for item in items:
        if "browser" not in item.keywords:
            continue
        if not selected:
            item.add_marker(
                pytest.mark.skip(
                    reason="browser tests are opt-in: make test-browser (pytest -m browser tests/browser)"
                )
            )
            continue
        reason = B.missing_browser_reason()
        if reason:
            item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def browser():
    with B.chromium() as instance:
        yield instance


@pytest.fixture
def page(browser, artifacts, request):
    """A fresh page whose requests may only reach 127.0.0.1; a screenshot is kept on failure."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.outside = []
    page.console_errors = []
    page.on("pageerror", lambda err: page.console_errors.append(str(err)))
    B.guard_network(page, page.outside)
    yield page
    failed = getattr(request.node, "rep_call", None)
    if failed is not None and failed.failed:
        page.screenshot(path=str(artifacts / f"FAILED-{request.node.name}.png"), full_page=False)
    context.close()


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture(scope="session")
def lite_site(tmp_path_factory) -> Path:
    """The JupyterLite site, built once per session as `make lite` builds it (bundled Pyodide)."""
    from tools import build_lite

    out = ROOT / "_build" / "test-lite"
    build_lite.main(["--output", str(out), "--work", str(ROOT / "_build" / "lite-src-test")])
    return out


@pytest.fixture(scope="session")
def website(lite_site) -> Path:
    """The course website, built once per session as `make site` builds it, with the lite site."""
    from tools import build_site

    out = ROOT / "_build" / "test-site"
    build_site.main(
        [
            "--strict",
            "--output",
            str(out),
            "--work",
            str(ROOT / "_build" / "test-site-src"),
            "--lite-output",
            str(lite_site),
        ]
    )
    return out
