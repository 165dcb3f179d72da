"""Grading the exercises of lesson 04 with nbgrader, as an instructor would.

The scenarios shared by every assignment (grading.GradedScenarios), with
this lesson's own mistakes: the worked solutions, the untouched students'
copy, and two submissions with one known mistake per task.
"""

from grading import GradedScenarios

ASSIGNMENT = "04_nesterov"

# Each planted answer: (task's grade id, source, words the feedback must say).
HEAVY_BALL_AND_CO = {
    "nesterov_reformulated_step": (
        "def nesterov_reformulated_step(y, velocity, grad_fn, lr, beta):\n"
        "    velocity = beta * velocity + lr * grad_fn(y)\n"
        "    return y - velocity, velocity",
        "that is heavy ball's step",
    ),
    "effective_momentum": (
        "def effective_momentum(lr, beta, eigenvalue):\n    return beta * (1 - lr)",
        "uses lr where it needs lr·λ",
    ),
    "nesterov_rate": (
        "import numpy as np\n\n"
        "def nesterov_rate(lr, beta, eigenvalues):\n"
        "    radii = []\n"
        "    for eigenvalue in eigenvalues:\n"
        "        h = lr * eigenvalue\n"
        "        matrix = np.array([[1 - h, -beta], [h, beta]])\n"
        "        radii.append(np.abs(np.linalg.eigvals(matrix)).max())\n"
        "    return float(max(radii))",
        "heavy ball's rate",
    ),
    "nesterov_tuning": (
        "import numpy as np\n\n"
        "def nesterov_tuning(mu, L):\n"
        "    kappa = L / mu\n"
        "    return 1 / L, (kappa - 1) / (kappa + 1)",
        "uses κ where the tuning uses √κ",
    ),
    "fit_slope": (
        "import numpy as np\n\n"
        "def fit_slope(suboptimality, start, stop):\n"
        "    steps = np.arange(1, len(suboptimality))\n"
        "    logs = np.log(suboptimality[steps])\n"
        "    return float(np.polyfit(np.log(steps), logs, 1)[0])",
        "whole curve",
    ),
}

SIGN_AND_CO = {
    "nesterov_reformulated_step": (
        "def nesterov_reformulated_step(y, velocity, grad_fn, lr, beta):\n"
        "    gradient = grad_fn(y)\n"
        "    velocity = beta * velocity + lr * gradient\n"
        "    return y - (velocity + beta * velocity), velocity",
        "counts the momentum term twice",
    ),
    "effective_momentum": (
        "def effective_momentum(lr, beta, eigenvalue):\n"
        "    return beta * (1 + lr * eigenvalue)",
        "check the sign",
    ),
    "nesterov_rate": (
        "import numpy as np\n\n"
        "def nesterov_rate(lr, beta, eigenvalues):\n"
        "    radii = []\n"
        "    for eigenvalue in eigenvalues:\n"
        "        h = lr * eigenvalue\n"
        "        b = beta * (1 - h)\n"
        "        matrix = np.array([[1 - h, -b], [h, b]])\n"
        "        radii.append(np.abs(np.linalg.eigvals(matrix)).max())\n"
        "    return float(min(radii))",
        "best direction",
    ),
    "nesterov_tuning": (
        "import numpy as np\n\n"
        "def nesterov_tuning(mu, L):\n"
        "    root = np.sqrt(L / mu)\n"
        "    return (root - 1) / (root + 1), 1 / L",
        "wrong order",
    ),
    "fit_slope": (
        "import numpy as np\n\n"
        "def fit_slope(suboptimality, start, stop):\n"
        "    steps = np.arange(start, stop + 1)\n"
        "    logs = np.log10(suboptimality[steps])\n"
        "    return float(np.polyfit(np.log(steps), logs, 1)[0])",
        "mixed two logarithms",
    ),
}

PLANTED = {"heavy_ball_and_co": HEAVY_BALL_AND_CO, "sign_and_co": SIGN_AND_CO}


class TestGradingLesson04(GradedScenarios):
    assignment = ASSIGNMENT
    planted = PLANTED
