"""Grading the exercises of lesson 01 with nbgrader, as an instructor would.

One scratch course holds a set of planted submissions: the worked solutions,
the untouched students' copy, two with one known mistake per task, one that
loops forever and one whose check cell was edited. nbgrader grades them all
in one call; the tests read the gradebook and the feedback.
"""

import pytest
from grading import (
    ROOT,
    cell,
    errors,
    make_course,
    nbgrader,
    points,
    released,
    scores,
    solved,
    submit,
    with_answers,
)

ASSIGNMENT = "01_update_equations"

# Each planted answer: (task's grade id, source, words the feedback must say).
SIGN_AND_CO = {
    "classical_step": (
        "def classical_step(x, velocity, grad, lr, beta):\n"
        "    velocity = beta * velocity + lr * grad\n"
        "    return x + velocity, velocity",
        "sign error",
    ),
    "classical_to_averaging": (
        "def classical_to_averaging(velocity, lr, beta):\n"
        "    velocity *= (1 - beta) / lr\n"
        "    return velocity",
        "changed its input `velocity` in place",
    ),
    "pytorch_buffers": (
        "import numpy as np\n\n"
        "def pytorch_buffers(gradients, momentum, dampening):\n"
        "    buffer, buffers = np.zeros(gradients.shape[1]), []\n"
        "    for g in gradients:\n"
        "        buffer = momentum * buffer + (1 - dampening) * g\n"
        "        buffers.append(buffer)\n"
        "    return np.array(buffers)",
        "starts at zero",
    ),
    "momentum_loop": (
        "import numpy as np\n\n"
        "def momentum_loop(grad_fn, x0, lr, beta, steps):\n"
        "    x, velocity, positions = x0, np.zeros_like(x0), [x0]\n"
        "    for _ in range(steps):\n"
        "        velocity = beta * velocity + lr * grad_fn(x)\n"
        "        x = x - lr * velocity\n"
        "        positions.append(x)\n"
        "    return np.array(positions)",
        "learning rate is applied twice",
    ),
    "velocity_after": (
        "def velocity_after(k, grad, lr, beta):\n    return (1 - beta**k) * lr * grad",
        "averaging convention",
    ),
}

ORDER_AND_CO = {
    "classical_step": (
        "def classical_step(x, velocity, grad, lr, beta):\n"
        "    velocity = beta * velocity + lr * grad\n"
        "    return velocity, x - velocity",
        "wrong order",
    ),
    "classical_to_averaging": (
        "def classical_to_averaging(velocity, lr, beta):\n    return velocity / lr",
        "PyTorch buffer",
    ),
    "pytorch_buffers": (
        "import numpy as np\n\n"
        "def pytorch_buffers(gradients, momentum, dampening):\n"
        "    return np.array(gradients)",
        "does not carry over",
    ),
    "momentum_loop": (
        "import numpy as np\n\n"
        "def momentum_loop(grad_fn, x0, lr, beta, steps):\n"
        "    x, velocity, positions = x0, np.zeros_like(x0), []\n"
        "    for _ in range(steps):\n"
        "        velocity = beta * velocity + lr * grad_fn(x)\n"
        "        x = x - velocity\n"
        "        positions.append(x)\n"
        "    return np.array(positions)",
        "the starting point belongs in row 0",
    ),
    "velocity_after": (
        "def velocity_after(k, grad, lr, beta):\n    return lr * grad / (1 - beta)",
        "terminal velocity",
    ),
}

PLANTED = {"sign_and_co": SIGN_AND_CO, "order_and_co": ORDER_AND_CO}


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A graded course: every planted submission autograded in one call."""
    folder = make_course(tmp_path_factory.mktemp("course"))
    blank = released(folder, ASSIGNMENT)
    submit(folder, "solved", ASSIGNMENT, solved(ASSIGNMENT))
    submit(folder, "blank", ASSIGNMENT, blank)
    for student, planted in PLANTED.items():
        sources = {task: source for task, (source, _) in planted.items()}
        submit(folder, student, ASSIGNMENT, with_answers(blank, sources))

    right = solved(ASSIGNMENT)
    answers = {task: cell(right, task).source for task in SIGN_AND_CO}
    loops = dict(
        answers,
        classical_step="def classical_step(*args):\n    while True:\n        pass",
    )
    submit(folder, "loops", ASSIGNMENT, with_answers(blank, loops))
    tampered = dict(
        answers,
        classical_step=SIGN_AND_CO["classical_step"][0],
        check_classical_step="print('all good')",
    )
    submit(folder, "tampers", ASSIGNMENT, with_answers(blank, tampered))

    # A short timeout keeps the looping submission quick; the shipped config
    # sets a longer one (see test_the_shipped_config_sets_a_cell_timeout).
    log = nbgrader(folder, "autograde", ASSIGNMENT, "--Execute.timeout=10")
    return folder, log


def test_the_solutions_get_full_marks(course):
    folder, _ = course
    assert scores(folder, ASSIGNMENT, "solved") == points(ASSIGNMENT)


def test_the_students_copy_gets_zero_without_crashing_the_grader(course):
    folder, _ = course
    got = scores(folder, ASSIGNMENT, "blank")
    assert got == dict.fromkeys(points(ASSIGNMENT), 0)
    for message in errors(folder, ASSIGNMENT, "blank").values():
        assert message.startswith("NotImplementedError")


@pytest.mark.parametrize("student", PLANTED)
def test_each_planted_mistake_loses_its_task_and_names_the_mistake(course, student):
    folder, _ = course
    got = scores(folder, ASSIGNMENT, student)
    feedback = errors(folder, ASSIGNMENT, student)
    for task, (_, words) in PLANTED[student].items():
        check = f"check_{task}"
        assert got[check] == 0, f"{student}: {task} kept its points"
        assert words in feedback[check], f"{student}: {feedback[check]!r}"
    assert sum(got.values()) == 0  # every task of these carries a mistake


def test_a_submission_that_loops_forever_is_cut_and_the_rest_graded(course):
    folder, log = course
    got = scores(folder, ASSIGNMENT, "loops")
    expected = points(ASSIGNMENT)
    assert got["check_classical_step"] == 0
    others = {
        task: score for task, score in got.items() if task != "check_classical_step"
    }
    assert others == {t: p for t, p in expected.items() if t != "check_classical_step"}
    assert "Timeout" in log


def test_an_edited_check_cell_is_flagged_and_earns_nothing(course):
    folder, _ = course
    got = scores(folder, ASSIGNMENT, "tampers")
    assert got["check_classical_step"] == 0

    path = folder / "submitted" / "tampers" / ASSIGNMENT
    report = nbgrader(folder, "validate", str(next(path.glob("*.ipynb"))))
    assert "has changed" in report and "print('all good')" in report


def test_the_shipped_config_sets_a_cell_timeout():
    config = (ROOT / "nbgrader_config.py").read_text()
    assert "c.Execute.timeout = " in config
    assert "c.Execute.interrupt_on_timeout = True" in config
