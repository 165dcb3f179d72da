"""Grading the exercises of lesson 05 with nbgrader, as an instructor would.

The scenarios shared by every assignment (grading.GradedScenarios), with
this lesson's own mistakes: the worked solutions, the untouched students'
copy, and two submissions with one known mistake per task.
"""

from grading import GradedScenarios

ASSIGNMENT = "05_tuning"

# Each planted answer: (task's grade id, source, words the feedback must say).
SIGNS_AND_CO = {
    "max_stable_learning_rate": (
        "def max_stable_learning_rate(beta, L):\n"
        "    if abs(beta) >= 1:\n"
        "        return 0.0\n"
        "    return 2 * (1 - beta) / L",
        "where it should have (1 + beta)",
    ),
    "same_effective_rate": (
        "def same_effective_rate(lr, beta_old, beta_new):\n"
        "    return lr * (1 + beta_new) / (1 + beta_old)",
        "You used (1 + beta)",
    ),
    "tune": (
        "import math\n\n"
        "def tune(final_loss, lr0, betas):\n"
        "    lr = lr0\n"
        "    while final_loss(lr, 0.0) == math.inf:\n"
        "        lr = lr / 2\n"
        "    best = (lr, 0.0, final_loss(lr, 0.0))\n"
        "    for beta in betas:\n"
        "        lr = best[0]\n"
        "        while final_loss(lr, beta) == math.inf:\n"
        "            lr = lr / 10\n"
        "        if final_loss(lr, beta) >= best[2]:\n"
        "            break\n"
        "        best = (lr, beta, final_loss(lr, beta))\n"
        "    return best[0], best[1]",
        "factor other than 2",
    ),
    "cosine_schedule": (
        "import math\n\n"
        "def cosine_schedule(step, total, lr_max, lr_min):\n"
        "    angle = 2 * math.pi * min(step, total) / total\n"
        "    return lr_min + (lr_max - lr_min) * (1 + math.cos(angle)) / 2",
        "full period",
    ),
    "rescale_velocity": (
        "def rescale_velocity(velocity, lr_old, lr_new):\n"
        "    return velocity * lr_old / lr_new",
        "upside down",
    ),
}

FORGOTTEN_CASES = {
    "max_stable_learning_rate": (
        "def max_stable_learning_rate(beta, L):\n    return 2 * (1 + beta) / L",
        "beta >= 1",
    ),
    "same_effective_rate": (
        "def same_effective_rate(lr, beta_old, beta_new):\n"
        "    return lr / (1 - beta_new)",
        "That is an effective learning rate",
    ),
    "tune": (
        "import math\n\n"
        "def tune(final_loss, lr0, betas):\n"
        "    lr = lr0\n"
        "    while final_loss(lr, 0.0) == math.inf:\n"
        "        lr = lr / 2\n"
        "    best = (lr, 0.0, final_loss(lr, 0.0))\n"
        "    for beta in betas:\n"
        "        lr = lr0\n"
        "        while final_loss(lr, beta) == math.inf:\n"
        "            lr = lr / 2\n"
        "        if final_loss(lr, beta) >= best[2]:\n"
        "            break\n"
        "        best = (lr, beta, final_loss(lr, beta))\n"
        "    return best[0], best[1]",
        "start from lr0 itself",
    ),
    "cosine_schedule": (
        "import math\n\n"
        "def cosine_schedule(step, total, lr_max, lr_min):\n"
        "    angle = math.pi * step / total\n"
        "    return lr_min + (lr_max - lr_min) * (1 + math.cos(angle)) / 2",
        "does not stay at lr_min",
    ),
    "rescale_velocity": (
        "def rescale_velocity(velocity, lr_old, lr_new):\n    return velocity",
        "unchanged",
    ),
}

PLANTED = {"signs_and_co": SIGNS_AND_CO, "forgotten_cases": FORGOTTEN_CASES}


class TestGradingLesson05(GradedScenarios):
    assignment = ASSIGNMENT
    planted = PLANTED
