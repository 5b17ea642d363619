"""The course's tests (run with pytest from the repository root; see pyproject.toml)."""
