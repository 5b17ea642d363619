"""Helpers shared by the tests and the benchmarks: lessons, nbgrader, grading, Binder, a browser."""
