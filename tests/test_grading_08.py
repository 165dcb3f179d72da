"""Grading the exercises of lesson 08 with nbgrader, as an instructor would.

The scenarios shared by every assignment (grading.GradedScenarios), with
this lesson's own mistakes: the worked solutions, the untouched students'
copy, and two submissions with one known mistake per task.
"""

from grading import GradedScenarios

ASSIGNMENT = "08_schedules_nonstationary"

# Each planted answer: (task's grade id, source, words the feedback must say).
NO_FLOOR_AND_CO = {
    "sutskever_momentum": (
        "import math\n\n"
        "def sutskever_momentum(t, beta_max):\n"
        "    return min(1 - 2 ** (-1 - math.log2(t / 250 + 1)), beta_max)",
        "rounded down",
    ),
    "one_cycle": (
        "def one_cycle(step, total, lr_min, lr_max, beta_min, beta_max):\n"
        "    rise = 1 - abs(2 * min(step, total) / total - 1)\n"
        "    lr = lr_min + (lr_max - lr_min) * rise\n"
        "    beta = beta_min + (beta_max - beta_min) * rise\n"
        "    return lr, beta",
        "opposite way",
    ),
    "effective_lr_along": (
        "def effective_lr_along(lrs, betas):\n    return lrs / (1 - betas)",
        "without complaint",
    ),
    "should_restart": (
        "import numpy as np\n\n"
        "def should_restart(grad, step):\n"
        "    return bool(np.dot(grad, step) < 0)",
        "reversed",
    ),
    "nesterov_with_restart": (
        "import numpy as np\n\n"
        "def nesterov_with_restart(value_fn, grad_fn, x0, lr, beta, steps):\n"
        "    x, velocity = x0.copy(), np.zeros_like(x0)\n"
        "    positions = [x]\n"
        "    for _ in range(steps):\n"
        "        velocity = beta * velocity + lr * grad_fn(x - beta * velocity)\n"
        "        x = x - velocity\n"
        "        positions.append(x)\n"
        "    return np.array(positions)",
        "never restarts",
    ),
}

NO_CAP_AND_CO = {
    "sutskever_momentum": (
        "import math\n\n"
        "def sutskever_momentum(t, beta_max):\n"
        "    return 1 - 2 ** (-1 - math.log2(t // 250 + 1))",
        "not capped",
    ),
    "one_cycle": (
        "def one_cycle(step, total, lr_min, lr_max, beta_min, beta_max):\n"
        "    rise = 1 - abs(2 * step / total - 1)\n"
        "    lr = lr_min + (lr_max - lr_min) * rise\n"
        "    beta = beta_max - (beta_max - beta_min) * rise\n"
        "    return lr, beta",
        "past step total",
    ),
    "effective_lr_along": (
        "import numpy as np\n\n"
        "def effective_lr_along(lrs, betas):\n"
        "    if np.any((betas <= 0) | (betas >= 1)):\n"
        "        raise ValueError(f'betas must lie in (0, 1), got {betas}')\n"
        "    return lrs / (1 - betas)",
        "β = 0 is allowed",
    ),
    "should_restart": (
        "def should_restart(grad, step):\n    return False",
        "never ask",
    ),
    "nesterov_with_restart": (
        "import numpy as np\n\n"
        "def nesterov_with_restart(value_fn, grad_fn, x0, lr, beta, steps):\n"
        "    x, velocity = x0.copy(), np.zeros_like(x0)\n"
        "    positions = [x]\n"
        "    for _ in range(steps):\n"
        "        new_velocity = beta * velocity + lr * grad_fn(x)\n"
        "        new_x = x - new_velocity\n"
        "        if value_fn(new_x) > value_fn(x):\n"
        "            new_velocity = np.zeros_like(x0)\n"
        "        x, velocity = new_x, new_velocity\n"
        "        positions.append(x)\n"
        "    return np.array(positions)",
        "heavy ball",
    ),
}

PLANTED = {"no_floor_and_co": NO_FLOOR_AND_CO, "no_cap_and_co": NO_CAP_AND_CO}


class TestGradingLesson08(GradedScenarios):
    assignment = ASSIGNMENT
    planted = PLANTED
