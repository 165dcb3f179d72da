"""Grading the exercises of lesson 09 with nbgrader, as an instructor would.

The scenarios shared by every assignment (grading.GradedScenarios), with
this lesson's own mistakes: the worked solutions, the untouched students'
copy, and two submissions with one known mistake per task.
"""

from grading import GradedScenarios

ASSIGNMENT = "09_beyond"

# Each planted answer: (task's grade id, source, words the feedback must say).
NO_CORRECTION_AND_CO = {
    "adam_update": (
        "import numpy as np\n\n"
        "def adam_update(grad, m, s, step, learning_rate, beta1, beta2, eps):\n"
        "    m = beta1 * m + (1 - beta1) * grad\n"
        "    s = beta2 * s + (1 - beta2) * grad**2\n"
        "    return learning_rate * m / (np.sqrt(s) + eps), m, s",
        "no bias correction",
    ),
    "bytes_for_training": (
        "def bytes_for_training(n_parameters, optimizer, bytes_per_number=4):\n"
        "    buffers = {'sgd': 0, 'momentum': 1, 'adam': 2}[optimizer]\n"
        "    return (1 + buffers) * n_parameters * bytes_per_number",
        "one copy of the model",
    ),
    "newton_step": (
        "def newton_step(grad, hessian):\n    return hessian @ grad",
        "multiplied the gradient",
    ),
    "stale_momentum": (
        "import numpy as np\n\n"
        "def stale_momentum(grad_fn, x0, learning_rate, beta, delay, steps):\n"
        "    x, velocity = x0.copy(), np.zeros_like(x0)\n"
        "    positions = [x]\n"
        "    for _ in range(steps):\n"
        "        velocity = beta * velocity + learning_rate * grad_fn(x)\n"
        "        x = x - velocity\n"
        "        positions.append(x)\n"
        "    return np.array(positions)",
        "ignoring the delay",
    ),
    "alternating_game": (
        "import numpy as np\n\n"
        "def alternating_game(x0, y0, learning_rate, beta, steps):\n"
        "    x, y, x_old, y_old = x0, y0, x0, y0\n"
        "    history = [(x, y)]\n"
        "    for _ in range(steps):\n"
        "        new_x = x - learning_rate * y + beta * (x - x_old)\n"
        "        new_y = y + learning_rate * x + beta * (y - y_old)\n"
        "        x_old, y_old, x, y = x, y, new_x, new_y\n"
        "        history.append((x, y))\n"
        "    return np.array(history)",
        "simultaneously",
    ),
}

EPS_INSIDE_AND_CO = {
    "adam_update": (
        "import numpy as np\n\n"
        "def adam_update(grad, m, s, step, learning_rate, beta1, beta2, eps):\n"
        "    m = beta1 * m + (1 - beta1) * grad\n"
        "    s = beta2 * s + (1 - beta2) * grad**2\n"
        "    m_hat, s_hat = m / (1 - beta1**step), s / (1 - beta2**step)\n"
        "    return learning_rate * m_hat / np.sqrt(s_hat + eps), m, s",
        "eps inside the square root",
    ),
    "bytes_for_training": (
        "def bytes_for_training(n_parameters, optimizer, bytes_per_number=4):\n"
        "    buffers = {'sgd': 0, 'momentum': 1, 'adam': 2}[optimizer]\n"
        "    return (2 + buffers) * n_parameters * bytes_per_number",
        "raised KeyError",
    ),
    "newton_step": (
        "import numpy as np\n\n"
        "def newton_step(grad, hessian):\n    return grad / np.diag(hessian)",
        "only the diagonal",
    ),
    "stale_momentum": (
        "import numpy as np\n\n"
        "def stale_momentum(grad_fn, x0, learning_rate, beta, delay, steps):\n"
        "    x, velocity = x0.copy(), np.zeros_like(x0)\n"
        "    positions = [x]\n"
        "    for k in range(steps):\n"
        "        g = grad_fn(positions[max(k - delay + 1, 0)])\n"
        "        velocity = beta * velocity + learning_rate * g\n"
        "        x = x - velocity\n"
        "        positions.append(x)\n"
        "    return np.array(positions)",
        "one step short",
    ),
    "alternating_game": (
        "import numpy as np\n\n"
        "def alternating_game(x0, y0, learning_rate, beta, steps):\n"
        "    x, y, x_old, y_old = x0, y0, x0, y0\n"
        "    history = [(x, y)]\n"
        "    for _ in range(steps):\n"
        "        new_x = x - learning_rate * y - beta * (x - x_old)\n"
        "        new_y = y + learning_rate * new_x - beta * (y - y_old)\n"
        "        x_old, y_old, x, y = x, y, new_x, new_y\n"
        "        history.append((x, y))\n"
        "    return np.array(history)",
        "momentum has the wrong sign",
    ),
}

PLANTED = {
    "no_correction_and_co": NO_CORRECTION_AND_CO,
    "eps_inside_and_co": EPS_INSIDE_AND_CO,
}


class TestGradingLesson09(GradedScenarios):
    assignment = ASSIGNMENT
    planted = PLANTED
