"""exercises/ is what nbgrader makes of solutions/, and gives nothing away."""

import json

import nbformat
import pytest
from grading import ASSIGNMENTS, ROOT, make_course, notebook_of


def test_every_lesson_with_exercises_has_its_assignment():
    assert ASSIGNMENTS, "solutions/ holds no assignment"
    for assignment in ASSIGNMENTS:
        assert (ROOT / "notebooks" / f"{assignment}.ipynb").exists(), assignment
        assert (ROOT / "exercises" / assignment / notebook_of(assignment)).exists()


def test_exercises_are_what_nbgrader_generates_from_solutions(tmp_path):
    course = make_course(tmp_path)
    for assignment in ASSIGNMENTS:
        name = notebook_of(assignment)
        fresh = json.loads((course / "exercises" / assignment / name).read_text())
        committed = json.loads((ROOT / "exercises" / assignment / name).read_text())
        assert committed == fresh, (
            f"exercises/{assignment}/{name} is out of date: run "
            f"`nbgrader generate_assignment {assignment} --force` from the "
            "repository's root"
        )


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_exercises_contain_no_solution_code_or_hidden_tests(assignment):
    name = notebook_of(assignment)
    solution = nbformat.read(ROOT / "solutions" / assignment / name, as_version=4)
    exercise = (ROOT / "exercises" / assignment / name).read_text()
    assert "BEGIN SOLUTION" not in exercise and "HIDDEN TESTS" not in exercise
    for cell in solution.cells:
        source = cell.source
        for region in source.split("### BEGIN SOLUTION")[1:]:
            for line in region.split("### END SOLUTION")[0].splitlines():
                if line.strip() and not line.strip().startswith("#"):
                    assert json.dumps(line)[1:-1] not in exercise, line
        if "### BEGIN HIDDEN TESTS" in source:
            hidden = source.split("### BEGIN HIDDEN TESTS")[1].split("###")[0]
            for line in hidden.strip().splitlines():
                assert json.dumps(line)[1:-1] not in exercise, line
