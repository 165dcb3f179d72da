"""Grading the exercises of lesson 07 with nbgrader, as an instructor would.

The scenarios shared by every assignment (grading.GradedScenarios), with
this lesson's own mistakes: the worked solutions, the untouched students'
copy, and two submissions with one known mistake per task.
"""

from grading import GradedScenarios

ASSIGNMENT = "07_clipping"

# Each planted answer: (task's grade id, source, words the feedback must say).
PER_BLOCK_AND_CO = {
    "clip_by_global_norm": (
        "import numpy as np\n\n"
        "def clip_by_global_norm(grads, max_norm):\n"
        "    return [g * min(1.0, max_norm / np.linalg.norm(g)) for g in grads]",
        "per-block clipping",
    ),
    "safe_norm": (
        "import numpy as np\n\n"
        "def safe_norm(g):\n"
        "    return float(np.sqrt(np.sum(g**2)))",
        "overflows",
    ),
    "velocity_bound": (
        "def velocity_bound(lr, beta, max_norm):\n    return max_norm / (1 - beta)",
        "learning rate is missing",
    ),
    "accumulate_and_clip": (
        "import numpy as np\n\n"
        "def accumulate_and_clip(microbatch_grads, max_norm):\n"
        "    clipped = [\n"
        "        g * min(1.0, max_norm / np.linalg.norm(g)) for g in microbatch_grads\n"
        "    ]\n"
        "    return np.mean(clipped, axis=0)",
        "then averaged",
    ),
    "clipped_momentum_step": (
        "import numpy as np\n\n"
        "def clipped_momentum_step(x, velocity, grad, lr, beta, max_norm):\n"
        "    if not np.all(np.isfinite(grad)):\n"
        "        return x, velocity\n"
        "    new_velocity = beta * velocity + lr * grad\n"
        "    new_velocity = new_velocity * min(\n"
        "        1.0, max_norm / np.linalg.norm(new_velocity)\n"
        "    )\n"
        "    return x - new_velocity, new_velocity",
        "clipped the velocity",
    ),
}

BY_VALUE_AND_CO = {
    "clip_by_global_norm": (
        "import numpy as np\n\n"
        "def clip_by_global_norm(grads, max_norm):\n"
        "    return [np.clip(g, -max_norm, max_norm) for g in grads]",
        "clipping by value",
    ),
    "safe_norm": (
        "import numpy as np\n\n"
        "def safe_norm(g):\n"
        "    biggest = np.max(np.abs(g))\n"
        "    return float(biggest * np.sqrt(np.sum((g / biggest) ** 2)))",
        "0 by 0",
    ),
    "velocity_bound": (
        "def velocity_bound(lr, beta, max_norm):\n    return lr * max_norm",
        "geometric series",
    ),
    "accumulate_and_clip": (
        "import numpy as np\n\n"
        "def accumulate_and_clip(microbatch_grads, max_norm):\n"
        "    mean = microbatch_grads.mean(axis=0)\n"
        "    return mean * max_norm / np.linalg.norm(mean)",
        "always ends with norm max_norm",
    ),
    "clipped_momentum_step": (
        "import numpy as np\n\n"
        "def clipped_momentum_step(x, velocity, grad, lr, beta, max_norm):\n"
        "    grad = np.nan_to_num(grad, nan=0.0, posinf=0.0, neginf=0.0)\n"
        "    norm = np.linalg.norm(grad)\n"
        "    new_velocity = beta * velocity + lr * grad * min(1.0, max_norm / norm)\n"
        "    return x - new_velocity, new_velocity",
        "by zeros",
    ),
}

PLANTED = {"per_block_and_co": PER_BLOCK_AND_CO, "by_value_and_co": BY_VALUE_AND_CO}


class TestGradingLesson07(GradedScenarios):
    assignment = ASSIGNMENT
    planted = PLANTED
