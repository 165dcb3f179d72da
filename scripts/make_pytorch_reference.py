"""Record torch.optim.SGD trajectories as a fixture for the parity test.

``tests/test_pytorch_parity.py`` checks that ``course_lib.optim.momentum_pytorch``
takes exactly the steps that ``torch.optim.SGD`` takes. This script runs
PyTorch once, in float64, and writes what it did to

    tests/fixtures/pytorch_sgd_reference.json

The tests read that file and never import torch, so the course does not
depend on torch. Run this script only to regenerate the fixture, with a
Python that has torch, kept apart from the course's own environment:

    python3 -m venv /tmp/torchenv
    /tmp/torchenv/bin/pip install torch==2.13.0 numpy==2.4.6
    /tmp/torchenv/bin/python scripts/make_pytorch_reference.py

Every case starts from a fixed point and takes 40 steps on one fixed
objective whose gradient both libraries compute with the same operations in
the same order:

    f(x) = ½ xᵀ A x - bᵀ x + (c/4) Σ x_i⁴
    grad f(x) = A x - b + c x³

The fixture stores, per case, the hyperparameters, the start, the parameters
after every step and PyTorch's momentum buffer after every step (where there
is one). It also records which (momentum, dampening) pairs PyTorch refuses
when ``nesterov=True``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import torch

STEPS = 40
OUTPUT = (
    Path(__file__).resolve().parents[1] / "tests/fixtures/pytorch_sgd_reference.json"
)

# The objective: a coupled, well-conditioned quadratic plus a mild quartic.
MATRIX = [[3.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 0.4]]
VECTOR = [1.0, -0.5, 0.25]
CUBIC = 0.1
START = [1.5, -2.0, 0.8]

# A grid of four runs, one row each, with their own learning rate and momentum.
GRID_START = [[1.5, -2.0, 0.8], [-1.0, 0.5, 2.0], [0.3, 0.3, -1.2], [2.0, 1.0, 0.0]]


def gradient(x, matrix, vector, cubic, sign):
    """sign * (A x - b + c x³), for a NumPy array or a torch tensor.

    The product A x is written out term by term (A is symmetric, so row j
    is column j), so NumPy and torch add the same numbers in the same order
    and the gradient is the same to the last bit in both.
    """
    product = x[..., 0:1] * matrix[0]
    for j in range(1, x.shape[-1]):
        product = product + x[..., j : j + 1] * matrix[j]
    return sign * (product - vector + cubic * x * x * x)


def case(
    lr: float | list[float],
    momentum: float | list[float] = 0.0,
    *,
    dampening: float = 0.0,
    weight_decay: float = 0.0,
    nesterov: bool = False,
    maximize: bool = False,
    lr_changes: dict[int, float] | None = None,
    start: list | None = None,
) -> dict:
    """The settings of one case. Lists give one value per run of a grid.

    A case with ``maximize=True`` climbs -f (its gradient has sign -1), so
    it heads for the same point as the others instead of running away.
    """
    return {
        "lr": lr,
        "lr_changes": {str(k): v for k, v in (lr_changes or {}).items()},
        "momentum": momentum,
        "dampening": dampening,
        "weight_decay": weight_decay,
        "nesterov": nesterov,
        "maximize": maximize,
        "gradient_sign": -1.0 if maximize else 1.0,
        "start": start or START,
    }


CASES = {
    "plain_sgd": case(0.1),
    "momentum": case(0.1, 0.9),
    "momentum_dampening": case(0.1, 0.9, dampening=0.5),
    "nesterov": case(0.1, 0.9, nesterov=True),
    "weight_decay": case(0.1, 0.9, weight_decay=0.1),
    "weight_decay_no_momentum": case(0.1, weight_decay=0.1),
    "maximize": case(0.1, 0.9, maximize=True),
    "combination": case(0.1, 0.9, dampening=0.5, weight_decay=0.1, maximize=True),
    "lr_change": case(0.1, 0.9, lr_changes={20: 0.02}),
    "lr_change_nesterov": case(0.1, 0.9, nesterov=True, lr_changes={20: 0.02}),
    "grid": case([0.1, 0.05, 0.2, 0.02], [0.9, 0.5, 0.8, 0.95], start=GRID_START),
}

# (momentum, dampening) pairs tried with nesterov=True.
NESTEROV_PAIRS = [(0.0, 0.0), (0.0, 0.5), (0.9, 0.5), (0.9, 0.0), (0.5, 0.0)]


def run_torch(settings: dict) -> dict:
    """Run torch.optim.SGD for STEPS steps; return the positions and buffers.

    A grid is one tensor per run, each in its own parameter group, so each
    run has its own learning rate and momentum, as a batch does in
    course_lib.
    """
    matrix = torch.tensor(MATRIX, dtype=torch.float64)
    vector = torch.tensor(VECTOR, dtype=torch.float64)
    start = torch.tensor(settings["start"], dtype=torch.float64)
    rows = list(start) if start.ndim == 2 else [start]
    runs = len(rows)

    def per_run(value):
        return value if isinstance(value, list) else [value] * runs

    params = [row.clone().requires_grad_(True) for row in rows]
    groups = [
        {"params": [p], "lr": lr, "momentum": momentum}
        for p, lr, momentum in zip(
            params, per_run(settings["lr"]), per_run(settings["momentum"]), strict=True
        )
    ]
    # SGD checks its nesterov rule on the defaults only, so they are the
    # first run's values; each group then sets its own.
    optimizer = torch.optim.SGD(
        groups,
        momentum=groups[0]["momentum"],
        dampening=settings["dampening"],
        weight_decay=settings["weight_decay"],
        nesterov=settings["nesterov"],
        maximize=settings["maximize"],
    )

    positions, velocities = [], []
    for step in range(STEPS):
        if str(step) in settings["lr_changes"]:
            for group in optimizer.param_groups:
                group["lr"] = settings["lr_changes"][str(step)]
        for p in params:
            p.grad = gradient(
                p.detach(), matrix, vector, CUBIC, settings["gradient_sign"]
            )
        optimizer.step()

        positions.append(torch.stack([p.detach() for p in params]))
        if all("momentum_buffer" in optimizer.state[p] for p in params):
            buffers = [optimizer.state[p]["momentum_buffer"] for p in params]
            velocities.append(torch.stack(buffers))

    def as_lists(history):
        stacked = torch.stack(history)
        if start.ndim == 1:
            stacked = stacked[:, 0]
        return stacked.tolist()

    return {
        "positions": as_lists(positions),
        "velocities": as_lists(velocities) if velocities else None,
    }


def torch_refuses_nesterov(momentum: float, dampening: float) -> bool:
    """Whether torch.optim.SGD raises ValueError for these with nesterov."""
    param = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    try:
        torch.optim.SGD(
            [param], lr=0.1, momentum=momentum, dampening=dampening, nesterov=True
        )
    except ValueError:
        return True
    return False


def check_gradient_formula() -> None:
    """Stop if the written-out gradient is not what autograd finds for f."""
    matrix = torch.tensor(MATRIX, dtype=torch.float64)
    vector = torch.tensor(VECTOR, dtype=torch.float64)
    x = torch.tensor(START, dtype=torch.float64, requires_grad=True)
    value = 0.5 * x @ matrix @ x - vector @ x + CUBIC / 4 * (x**4).sum()
    (autograd,) = torch.autograd.grad(value, x)
    ours = gradient(x.detach(), matrix, vector, CUBIC, 1.0)
    if not torch.allclose(autograd, ours, rtol=1e-13, atol=1e-13):
        raise RuntimeError(f"gradient formula {ours} != autograd {autograd}")
    # The same formula gives the same bits in NumPy.
    in_numpy = gradient(np.array(START), np.array(MATRIX), np.array(VECTOR), CUBIC, 1)
    if not np.array_equal(in_numpy, ours.numpy()):
        raise RuntimeError(f"NumPy gradient {in_numpy} != torch gradient {ours}")


def main() -> None:
    torch.set_num_threads(1)
    check_gradient_formula()
    cases = {name: settings | run_torch(settings) for name, settings in CASES.items()}
    fixture = {
        "about": (
            "torch.optim.SGD trajectories in float64, written by "
            "scripts/make_pytorch_reference.py; read by tests/test_pytorch_parity.py"
        ),
        "torch_version": torch.__version__,
        "steps": STEPS,
        "objective": {
            "formula": "grad f(x) = gradient_sign * (A x - b + c x^3)",
            "A": MATRIX,
            "b": VECTOR,
            "c": CUBIC,
        },
        "cases": cases,
        "nesterov_rule": [
            {
                "momentum": momentum,
                "dampening": dampening,
                "torch_raises": torch_refuses_nesterov(momentum, dampening),
            }
            for momentum, dampening in NESTEROV_PAIRS
        ],
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    # One case per block and one step per line: small, and readable in a diff.
    text = json.dumps(fixture, indent=1)
    OUTPUT.write_text(_compact_number_lists(text) + "\n")
    print(f"wrote {len(cases)} cases to {OUTPUT} ({OUTPUT.stat().st_size} bytes)")


def _compact_number_lists(text: str) -> str:
    """Put each innermost list (numbers only) of the JSON text on one line."""

    def one_line(match: re.Match) -> str:
        return "[" + " ".join(match.group(1).split()) + "]"

    return re.sub(r"\[([^\[\]{}\"]*)\]", one_line, text)


if __name__ == "__main__":
    main()
