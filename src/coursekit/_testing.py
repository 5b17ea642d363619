"""The tests' one door into coursekit's private parts.

Names and modules that start with an underscore are internal: they may change in any commit
and nothing outside the package may import them (``tests/test_api.py`` walks every import in
``tools/``, ``benchmarks/``, ``deploy/``, ``autograding/``, the tests and the lessons' and
exercises' code to prove it). Tests that must reach an internal piece import it from here, and
only from here, so that what the tests depend on is written down in one place and a change to
an internal name breaks one import, here, with an obvious fix. Nothing but ``tests/`` imports
this module.

Examples
--------
>>> from coursekit._testing import decode, encode
>>> decode(encode({"n_tests": 6}))
{'n_tests': 6}
"""

from __future__ import annotations

from .data import _load_cached as load_cached
from .grading import _plan as plan_module
from .grading._execute import run_steps
from .grading._plan import STUB, WRITTEN_STUB, build_plan
from .grading._sandbox import Limits, Sandbox, check_available
from .grading._scoring import TOO_LONG, score_isolated
from .grading._snapshot import Unsupported, decode, encode
from .grading.pipeline import _on_fresh_thread as on_fresh_thread

__all__ = [
    "STUB",
    "TOO_LONG",
    "WRITTEN_STUB",
    "Limits",
    "Sandbox",
    "Unsupported",
    "build_plan",
    "check_available",
    "decode",
    "encode",
    "load_cached",
    "on_fresh_thread",
    "plan_module",
    "run_steps",
    "score_isolated",
]
