"""Grading the exercises of lesson 06 with nbgrader, as an instructor would.

The scenarios shared by every assignment (grading.GradedScenarios), with
this lesson's own mistakes: the worked solutions, the untouched students'
copy, and two submissions with one known mistake per task.
"""

from grading import GradedScenarios

ASSIGNMENT = "06_noise_and_real_data"

# Each planted answer: (task's grade id, source, words the feedback must say).
UNSTABLE_AND_CO = {
    "softmax_cross_entropy_grad": (
        "import numpy as np\n\n"
        "def softmax_cross_entropy_grad(W, X, y):\n"
        "    n = len(y)\n"
        "    logits = X @ W\n"
        "    exp = np.exp(logits - logits.max())\n"
        "    probs = exp / exp.sum(axis=1, keepdims=True)\n"
        "    onehot = np.eye(W.shape[1])[y]\n"
        "    loss = -np.mean(np.log(probs[np.arange(n), y]))\n"
        "    return float(loss), X.T @ (probs - onehot) / n",
        "each row's own largest logit",
    ),
    "finite_difference_grad": (
        "import numpy as np\n\n"
        "def finite_difference_grad(f, x, eps):\n"
        "    grad = np.zeros(x.shape)\n"
        "    for index in np.ndindex(x.shape):\n"
        "        step = np.zeros(x.shape)\n"
        "        step[index] = eps\n"
        "        grad[index] = (f(x + step) - f(x)) / eps\n"
        "    return grad",
        "forward differences",
    ),
    "stationary_variance": (
        "def stationary_variance(lr, beta, lam, sigma):\n"
        "    return lr * sigma**2 / (lam * (2 - lr * lam))",
        "gradient descent's variance",
    ),
    "early_stopping": (
        "import numpy as np\n\n"
        "def early_stopping(val_losses, patience):\n"
        "    best = 0\n"
        "    for epoch in range(1, len(val_losses)):\n"
        "        if val_losses[epoch] < val_losses[best]:\n"
        "            best = epoch\n"
        "        elif epoch - best >= patience:\n"
        "            return epoch, int(np.argmin(val_losses))\n"
        "    return len(val_losses) - 1, best",
        "looks past the stop",
    ),
    "update_shares": (
        "import numpy as np\n\n"
        "def update_shares(grads, lr, beta):\n"
        "    velocity = np.zeros(grads.shape[1])\n"
        "    current, history = [], []\n"
        "    for grad in grads:\n"
        "        velocity = beta * velocity + lr * grad\n"
        "        current.append(lr * grad)\n"
        "        history.append(velocity)\n"
        "    return np.array(current), np.array(history)",
        "includes the current gradient",
    ),
}

SUMMED_AND_CO = {
    "softmax_cross_entropy_grad": (
        "import numpy as np\n\n"
        "def softmax_cross_entropy_grad(W, X, y):\n"
        "    n = len(y)\n"
        "    logits = X @ W\n"
        "    logits = logits - logits.max(axis=1, keepdims=True)\n"
        "    probs = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)\n"
        "    onehot = np.eye(W.shape[1])[y]\n"
        "    loss = -np.sum(np.log(probs[np.arange(n), y]))\n"
        "    return float(loss), X.T @ (probs - onehot)",
        "sums over the examples",
    ),
    "finite_difference_grad": (
        "import numpy as np\n\n"
        "def finite_difference_grad(f, x, eps):\n"
        "    return np.full(x.shape, (f(x + eps) - f(x - eps)) / (2 * eps))",
        "every coordinate at once",
    ),
    "stationary_variance": (
        "def stationary_variance(lr, beta, lam, sigma):\n"
        "    return lr * sigma**2 / (2 * lam * (1 - beta))",
        "approximation",
    ),
    "early_stopping": (
        "def early_stopping(val_losses, patience):\n"
        "    best = 0\n"
        "    for epoch in range(1, len(val_losses)):\n"
        "        if val_losses[epoch] <= val_losses[best]:\n"
        "            best = epoch\n"
        "        elif epoch - best >= patience:\n"
        "            return epoch, best\n"
        "    return len(val_losses) - 1, best",
        "tie",
    ),
    "update_shares": (
        "import numpy as np\n\n"
        "def update_shares(grads, lr, beta):\n"
        "    velocity = np.zeros(grads.shape[1])\n"
        "    current, history = [], []\n"
        "    for grad in grads:\n"
        "        current.append((1 - beta) * lr * grad)\n"
        "        history.append(beta * velocity)\n"
        "        velocity = beta * velocity + (1 - beta) * lr * grad\n"
        "    return np.array(current), np.array(history)",
        "averaging convention",
    ),
}

PLANTED = {"unstable_and_co": UNSTABLE_AND_CO, "summed_and_co": SUMMED_AND_CO}


class TestGradingLesson06(GradedScenarios):
    assignment = ASSIGNMENT
    planted = PLANTED
