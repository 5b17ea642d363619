"""The instructor's side: feedback that hides hidden tests, and (in later modules) grading."""
