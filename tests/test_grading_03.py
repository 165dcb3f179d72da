"""Grading the exercises of lesson 03 with nbgrader, as an instructor would.

The scenarios shared by every assignment (grading.GradedScenarios), with
this lesson's own mistakes: the worked solutions, the untouched students'
copy, and two submissions with one known mistake per task.
"""

from grading import GradedScenarios

ASSIGNMENT = "03_plateaus_saddles_minima"

# Each planted answer: (task's grade id, source, words the feedback must say).
TERMINAL_AND_CO = {
    "plateau_position": (
        "def plateau_position(x0, slope, lr, beta, k):\n"
        "    return x0 - k * lr * slope / (1 - beta)",
        "terminal velocity",
    ),
    "steps_to_build_up": (
        "import math\n\n"
        "def steps_to_build_up(beta, fraction):\n"
        "    return math.ceil(math.log(fraction) / math.log(beta))",
        "still missing",
    ),
    "saddle_growth": (
        "import numpy as np\n\n"
        "def saddle_growth(lr, beta, curvature):\n"
        "    h = lr * abs(curvature)\n"
        "    matrix = np.array([[1 - h, -beta], [h, beta]])\n"
        "    return float(np.abs(np.linalg.eigvals(matrix)).max())",
        "curvature |λ|",
    ),
    "escape_steps": (
        "import math\n\n"
        "def escape_steps(growth, offset, threshold):\n"
        "    if offset >= threshold:\n"
        "        return 0\n"
        "    return math.floor(math.log(threshold / offset) / math.log(growth))",
        "One step short",
    ),
    "direction_rates": (
        "import numpy as np\n\n"
        "def direction_rates(lr, beta, eigenvalues):\n"
        "    rates = np.abs(1 - lr * eigenvalues)\n"
        "    return rates, int(np.argmax(rates))",
        "gradient descent's",
    ),
}

OFF_BY_ONE_AND_CO = {
    "plateau_position": (
        "def plateau_position(x0, slope, lr, beta, k):\n"
        "    x, velocity = x0, 0.0\n"
        "    for _ in range(k):\n"
        "        x = x - velocity\n"
        "        velocity = beta * velocity + lr * slope\n"
        "    return x",
        "Off by one step",
    ),
    "steps_to_build_up": (
        "def steps_to_build_up(beta, fraction):\n    return 1 / (1 - beta)",
        "as an int",
    ),
    "saddle_growth": (
        "def saddle_growth(lr, beta, curvature):\n    return 1 - lr * curvature",
        "gradient descent's factor",
    ),
    "escape_steps": (
        "import math\n\n"
        "def escape_steps(growth, offset, threshold):\n"
        "    return math.ceil(math.log(threshold / offset) / math.log(growth))",
        "no step is needed",
    ),
    "direction_rates": (
        "import numpy as np\n\n"
        "def direction_rates(lr, beta, eigenvalues):\n"
        "    rates = []\n"
        "    for value in eigenvalues:\n"
        "        h = lr * value\n"
        "        matrix = np.array([[1 - h, -beta], [h, beta]])\n"
        "        rates.append(np.abs(np.linalg.eigvals(matrix)).max())\n"
        "    return np.array(rates), int(np.argmin(eigenvalues))",
        "flattest direction",
    ),
}

PLANTED = {"terminal_and_co": TERMINAL_AND_CO, "off_by_one_and_co": OFF_BY_ONE_AND_CO}


class TestGradingLesson03(GradedScenarios):
    assignment = ASSIGNMENT
    planted = PLANTED
