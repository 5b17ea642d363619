"""Per-offering variants (``coursekit offering new``): drawn from a seed, each one proven."""

from __future__ import annotations

import copy
import json
import os

import nbformat
import pytest

from coursekit.cli import main
from coursekit.grading import offering
from tests.support.nbgraderkit import (
    COURSE,
    ROOT,
    grade_cells,
    max_auto,
    nbgrader,
    scores,
    source_notebook,
    submit,
    wrong_answers,
)

EXERCISES = offering.exercises()
PARAMETERISED = [ex for ex in EXERCISES if ex.params]
# every allowed value of every parameter, except the published set (tests/test_assignments.py proves it)
ALL_VARIANTS = [(ex.name, i) for ex in PARAMETERISED for i in range(1, len(offering.values_for(ex)))]
# `make test` proves one non-published variant per exercise: its solution earns every point, the
# release none, the published solution loses (each proof runs nbgrader on every submission, so the
# typical wrong answers, several per exercise, are left to the full proof). COURSE_ALL_VARIANTS=1
# (`make test-variants`) proves every allowed value, typical wrong answers included.
ALL = os.environ.get("COURSE_ALL_VARIANTS") == "1"
VARIANTS = ALL_VARIANTS if ALL else [(name, i) for name, i in ALL_VARIANTS if i == 1]


def test_objectives_are_built_from_their_template_with_the_published_values():
    template = (COURSE / "authoring" / "objectives.csv").read_text(encoding="utf-8")
    values = {ex.name: ex.values() for ex in EXERCISES}
    published = (COURSE / "objectives.csv").read_text(encoding="utf-8")
    assert offering.render_objectives(template, values) == published
    assert template.count("{{") >= 10
    with pytest.raises(KeyError, match="not a parameter"):
        offering.render_objectives(template.replace("{{window}}", "{{windw}}"), values)


def test_at_least_four_exercises_are_parameterised_with_several_values():
    assert len(PARAMETERISED) >= 4, [ex.name for ex in PARAMETERISED]
    for ex in PARAMETERISED:
        for key, spec in ex.params.items():
            assert len(spec["values"]) >= 3, f"{ex.name}: {key} has too few values to hide the answers"
            assert spec.get("about"), f"{ex.name}: say what {key} changes"
            assert spec["values"][0] == spec["default"], f"{ex.name}: list {key}'s published value first"


@pytest.mark.parametrize(
    "name,i", [(ex.name, i) for ex in PARAMETERISED for i in range(len(offering.values_for(ex)))]
)
def test_every_allowed_value_keeps_the_question_meaningful(name, i):
    ex = next(e for e in PARAMETERISED if e.name == name)
    chosen = offering.values_for(ex)[i]
    values = ex.values(chosen)  # raises if a check (non-empty period, bounds...) fails
    text = offering.render_authoring(ex.path, values)
    assert "{{" not in text.split("\n---\n", 1)[1]
    json.loads(offering.wrong_answers(COURSE / "authoring" / "wrong" / f"{name}.json", values))


def test_a_value_outside_the_allowed_ones_is_refused():
    ex = PARAMETERISED[0]
    key = next(iter(ex.params))
    with pytest.raises(ValueError, match="not an allowed value"):
        ex.values({key: "no-such-value"})
    with pytest.raises(KeyError, match="nope"):
        offering.render("{{nope}}", {})


def test_the_same_seed_gives_the_same_parameters_and_two_seeds_differ():
    first, again = offering.draw("spring-2027", EXERCISES), offering.draw("spring-2027", EXERCISES)
    assert first == again
    assert first != offering.draw("autumn-2027", EXERCISES)
    assert set(first) == {ex.name for ex in PARAMETERISED}
    for ex in PARAMETERISED:  # an offering never asks the published question
        for key, value in first[ex.name].items():
            assert value != ex.params[key]["default"] and value in ex.params[key]["values"]


def test_offering_new_writes_a_private_course_and_says_where_the_seed_is(tmp_path, capsys):
    target = tmp_path / "offering-2027"
    assert main(["offering", "new", str(target), "--seed", "spring-2027"]) == 0
    out = capsys.readouterr().out
    record = json.loads((target / "offering.json").read_text(encoding="utf-8"))
    assert str(target / "offering.json") in out and "spring-2027" in out
    assert record["seed"] == "spring-2027" and record["params"] == offering.draw("spring-2027", EXERCISES)
    assert (target / "nbgrader_config.py").exists()
    for ex in EXERCISES:
        built = (target / "source" / ex.name / f"{ex.name}.ipynb").read_text(encoding="utf-8")
        public = (COURSE / "source" / ex.name / f"{ex.name}.ipynb").read_text(encoding="utf-8")
        assert (built != public) == bool(ex.params), ex.name
        nbformat.validate(nbformat.reads(built, as_version=4))
    # objectives.csv describes the offering's questions, not the published ones
    mine = (target / "objectives.csv").read_text(encoding="utf-8")
    public = (COURSE / "objectives.csv").read_text(encoding="utf-8")
    assert "{{" not in mine and len(mine.splitlines()) == len(public.splitlines())
    changed = {line.split(",")[0] for line in set(mine.splitlines()) - set(public.splitlines())}
    templated = {
        line.split(",")[0]
        for line in (COURSE / "authoring" / "objectives.csv").read_text(encoding="utf-8").splitlines()
        if "{{" in line
    }
    assert changed == templated, "every exercise with a templated objective describes its own variant"
    # a non-empty folder is refused
    assert main(["offering", "new", str(target), "--seed", "x"]) == 2
    assert "not empty" in capsys.readouterr().err


@pytest.mark.parametrize("inside", ["autograding/private", "private-offering", "."])
def test_offering_new_refuses_to_write_inside_the_public_repository(inside, capsys):
    target = ROOT / inside
    existed = target.exists()
    assert main(["offering", "new", str(target), "--seed", "x"]) == 2
    assert "inside the public repository" in capsys.readouterr().err
    assert target.exists() == existed
    with pytest.raises(ValueError, match="inside the public repository"):
        offering.new(ROOT.parent, "x", root=ROOT)  # a folder holding the repository is refused too


def test_offering_new_refuses_any_copy_of_the_public_course(tmp_path):
    clone = tmp_path / "my-fork"
    (clone / "tools").mkdir(parents=True)
    (clone / "autograding" / "authoring").mkdir(parents=True)
    (clone / "tools" / "build_assignments.py").write_text("", encoding="utf-8")
    with pytest.raises(ValueError, match="a copy of the public course"):
        offering.new(clone / "offering", "x")
    assert not (clone / "offering").exists()


def _prove(course, assignment, src, wrong, published):
    """The proof of tests/test_assignments.py on a variant, plus the published solution."""
    nbgrader(course, "generate_assignment", assignment, "--force")
    released = nbformat.read(course / "release" / assignment / f"{assignment}.ipynb", as_version=4)
    release_text = "\n".join(c.source for c in released.cells)
    assert "BEGIN SOLUTION" not in release_text and "BEGIN HIDDEN TESTS" not in release_text
    submit(course, "solution", assignment, src)
    submit(course, "blank", assignment, released)
    submit(course, "published", assignment, published)
    for gid, spec in wrong.items():
        nb = copy.deepcopy(src)
        grade_cells(nb)[spec["cell"]].source = spec["code"]
        submit(course, f"wrong-{gid}", assignment, nb)
    nbgrader(course, "autograde", assignment, "--force")
    got = scores(course, assignment)
    full = max_auto(src)
    for gid, points in full.items():
        assert got["solution"].get(gid) == pytest.approx(points), f"the variant's solution loses {gid}"
    assert sum(got["blank"].get(g) or 0 for g in full) == 0, "the unchanged release earns nothing"
    for gid, spec in wrong.items():
        student = f"wrong-{gid}"
        assert got[student][spec["tests"]] == 0, f"wrong answer to {gid} earned points"
        graded = nbformat.read(
            course / "autograded" / student / assignment / f"{assignment}.ipynb", as_version=4
        )
        cell = grade_cells(graded)[spec["tests"]]
        text = " ".join(o.get("evalue", "") for o in cell.outputs if o.output_type == "error")
        assert spec["message"] in text, f"{gid}: expected the message {spec['message']!r}, got {text!r}"
    return got, full


@pytest.mark.slow
@pytest.mark.parametrize("name,i", VARIANTS)
def test_every_variant_is_proven_and_the_published_solution_loses_points(name, i, tmp_path):
    ex = next(e for e in PARAMETERISED if e.name == name)
    chosen = offering.values_for(ex)[i]
    values = ex.values(chosen)
    course = tmp_path / "course"
    (course / "source" / name).mkdir(parents=True)
    (course / "nbgrader_config.py").write_text((COURSE / "nbgrader_config.py").read_text(encoding="utf-8"))
    notebook = course / "source" / name / f"{name}.ipynb"
    notebook.write_text(offering.build_notebook(ex, chosen), encoding="utf-8")
    src = source_notebook(course, name)
    published = nbformat.read(COURSE / "source" / name / f"{name}.ipynb", as_version=4)
    wrong = wrong_answers(name, values)
    assert wrong, f"{name}: its typical wrong answers render for this variant"
    got, full = _prove(course, name, src, wrong if ALL else {}, published)
    changed = sum(full.values()) - sum(got["published"].get(g) or 0 for g in full)
    assert changed > 0, f"the published solutions earn full marks on the variant {chosen}"
    lost = sorted(g for g in full if (got["published"].get(g) or 0) < full[g])
    differ = [k for k, v in chosen.items() if v != ex.params[k]["default"]]
    assert len(lost) >= len(differ), f"each parameter changes a question of its own: {differ}, lost {lost}"
    print(f"{name} {chosen}: the published solutions lose {changed} of {sum(full.values())} points ({lost})")


@pytest.mark.slow
def test_an_offering_is_graded_by_coursekit_grade_and_the_published_solution_loses(tmp_path):
    target = tmp_path / "private-offering"
    assert main(["offering", "new", str(target), "--seed", "autumn-2027"]) == 0
    name = "a08-china-factor"
    nbgrader(target, "generate_assignment", name, "--force")
    submit(target, "variant-solution", name, source_notebook(target, name))
    submit(
        target,
        "published-solution",
        name,
        nbformat.read(COURSE / "source" / name / f"{name}.ipynb", as_version=4),
    )
    from coursekit.grading.pipeline import grade

    summary = grade(name, target, jobs=1, force=True, progress=False)
    assert not [o for o in summary.outcomes if o.status != "graded"], summary.text()
    got = scores(target, name)
    full = max_auto(source_notebook(target, name))
    assert all(got["variant-solution"].get(g) == pytest.approx(p) for g, p in full.items())
    assert got["published-solution"]["q4-tests"] == 0
    assert sum(got["published-solution"].get(g) or 0 for g in full) < sum(full.values())
