"""Grading the exercises of lesson 01 with nbgrader, as an instructor would.

One scratch course holds a set of planted submissions: the worked solutions,
the untouched students' copy, two with one known mistake per task, one that
loops forever and one whose check cell was edited. nbgrader grades them all
in one call; the tests read the gradebook and the feedback. The tests shared
with every assignment are in grading.GradedScenarios.
"""

from grading import ROOT, GradedScenarios, cell, nbgrader, points, scores, with_answers

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


class TestGradingLesson01(GradedScenarios):
    assignment = ASSIGNMENT
    planted = PLANTED
    # A short timeout keeps the looping submission quick; the shipped config
    # sets a longer one (see test_the_shipped_config_sets_a_cell_timeout).
    timeout = 5

    @classmethod
    def extra(cls, blank, right):
        answers = {task: cell(right, task).source for task in SIGN_AND_CO}
        endless = "def classical_step(*args):\n    while True:\n        pass"
        tampered = dict(
            answers,
            classical_step=SIGN_AND_CO["classical_step"][0],
            check_classical_step="print('all good')",
        )
        return {
            "loops": with_answers(blank, dict(answers, classical_step=endless)),
            "tampers": with_answers(blank, tampered),
        }

    def test_a_submission_that_loops_forever_is_cut_and_the_rest_graded(self, course):
        folder, log = course
        got = scores(folder, ASSIGNMENT, "loops")
        expected = dict(points(ASSIGNMENT), check_classical_step=0)
        assert got == expected
        assert "Timeout" in log

    def test_an_edited_check_cell_is_flagged_and_earns_nothing(self, course):
        folder, _ = course
        assert scores(folder, ASSIGNMENT, "tampers")["check_classical_step"] == 0

        path = folder / "submitted" / "tampers" / ASSIGNMENT
        report = nbgrader(folder, "validate", str(next(path.glob("*.ipynb"))))
        assert "has changed" in report and "print('all good')" in report


def test_the_shipped_config_sets_a_cell_timeout():
    config = (ROOT / "nbgrader_config.py").read_text()
    assert "c.Execute.timeout = " in config
    assert "c.Execute.interrupt_on_timeout = True" in config
