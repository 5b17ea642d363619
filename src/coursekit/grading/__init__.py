"""The instructor's side: ``coursekit grade`` and what it is made of.

Submissions are checked (:mod:`._submissions`), rebuilt around the instructor's source (:mod:`._plan`),
run in a sandbox forked by a fork server (:mod:`._zygote`, :mod:`._sandbox`, :mod:`._runner`,
:mod:`._execute`), scored in a process of their own (:mod:`._scoring`) and recorded by one writer
(:mod:`._gradebook`); :mod:`.pipeline` drives it, :mod:`.report` draws it and :mod:`.feedback`
hides hidden tests in feedback; :mod:`.export` writes the grades as CSV for an LMS (Canvas, Moodle);
:mod:`.offering` makes private per-offering variants of the exercises (``coursekit offering new``).
``docs/grading-threat-model.md`` says what is isolated and how.
"""
