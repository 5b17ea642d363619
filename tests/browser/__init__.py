"""Real-browser tests (Chromium through Playwright), run by `make test` when Chromium is present."""
