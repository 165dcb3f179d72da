"""Grading the exercises of lesson 02 with nbgrader, as an instructor would.

The scenarios shared by every assignment (grading.GradedScenarios), with
this lesson's own mistakes: the worked solutions, the untouched students'
copy, and two submissions with one known mistake per task.
"""

from grading import GradedScenarios

ASSIGNMENT = "02_ravines"

# Each planted answer: (task's grade id, source, words the feedback must say).
WRONG_POINT_AND_CO = {
    "nesterov_step": (
        "def nesterov_step(x, velocity, grad_fn, lr, beta):\n"
        "    velocity = beta * velocity + lr * grad_fn(x)\n"
        "    return x - velocity, velocity",
        "that is heavy ball",
    ),
    "heavy_ball_tuning": (
        "import numpy as np\n\n"
        "def heavy_ball_tuning(mu, L):\n"
        "    root = np.sqrt(L / mu)\n"
        "    lr = 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2\n"
        "    return ((root - 1) / (root + 1)) ** 2, lr",
        "wrong order",
    ),
    "converges": (
        "def converges(lr, beta, eigenvalue):\n    return 0 < lr * eigenvalue < 2",
        "gradient descent's limit",
    ),
    "rate_from_distances": (
        "def rate_from_distances(distances, start, stop):\n"
        "    return distances[stop] / distances[start]",
        "factor over the whole window",
    ),
    "steps_to_reach": (
        "import math\n\n"
        "def steps_to_reach(rate, initial_loss, target_loss):\n"
        "    return math.ceil(math.log(target_loss / initial_loss) / math.log(rate))",
        "square of a distance",
    ),
}

SIGN_AND_CO = {
    "nesterov_step": (
        "def nesterov_step(x, velocity, grad_fn, lr, beta):\n"
        "    velocity = beta * velocity + lr * grad_fn(x - beta * velocity)\n"
        "    return x + velocity, velocity",
        "sign error",
    ),
    "heavy_ball_tuning": (
        "import numpy as np\n\n"
        "def heavy_ball_tuning(mu, L):\n"
        "    root = np.sqrt(L / mu)\n"
        "    return 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2, (root - 1) / (root + 1)",
        "optimal rate",
    ),
    "converges": (
        "import numpy as np\n\n"
        "def converges(lr, beta, eigenvalue):\n"
        "    h = lr * eigenvalue\n"
        "    matrix = np.array([[1 - h, -beta], [h, beta]])\n"
        "    return bool(np.abs(np.linalg.eigvals(matrix)).max() >= 1)",
        "exactly reversed",
    ),
    "rate_from_distances": (
        "def rate_from_distances(distances, start, stop):\n"
        "    return (distances[stop] / distances[start]) ** (1 / (stop - start + 1))",
        "Off by one",
    ),
    "steps_to_reach": (
        "import math\n\n"
        "def steps_to_reach(rate, initial_loss, target_loss):\n"
        "    ratio = math.log(target_loss / initial_loss) / (2 * math.log(rate))\n"
        "    return math.floor(ratio)",
        "One step short",
    ),
}

PLANTED = {"wrong_point_and_co": WRONG_POINT_AND_CO, "sign_and_co": SIGN_AND_CO}


class TestGradingLesson02(GradedScenarios):
    assignment = ASSIGNMENT
    planted = PLANTED
