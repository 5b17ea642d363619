"""Shared paths and helpers for the test suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Tests never reach the network; make that explicit for anything that would try.
os.environ.setdefault("NO_PROXY", "*")


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


# --doctest-modules would import every conftest.py as a module named "conftest" and trip over
# the two of them; conftests have no doctests, so they are not collected as test modules.
collect_ignore = ["conftest.py", "browser/conftest.py"]
