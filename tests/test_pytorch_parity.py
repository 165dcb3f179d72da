"""momentum_pytorch takes the steps that torch.optim.SGD takes, to 1e-12.

The reference trajectories were recorded from PyTorch (float64) by
scripts/make_pytorch_reference.py into tests/fixtures/pytorch_sgd_reference.json;
these tests replay every case with course_lib and need no torch.

The agreement is to a few units in the last place, not bit for bit: PyTorch
computes ``a + alpha * b`` with a single rounding (a fused multiply-add),
where NumPy rounds the product and the sum separately.
"""

import json
from pathlib import Path

import numpy as np
import pytest

from course_lib import optim
from course_lib.schedules import piecewise_constant

FIXTURE = Path(__file__).parent / "fixtures" / "pytorch_sgd_reference.json"
REFERENCE = json.loads(FIXTURE.read_text())
CASES = REFERENCE["cases"]
TOLERANCE = 1e-12

# What the fixture must cover, so that a thinner fixture cannot pass quietly.
REQUIRED_CASES = {
    "plain_sgd",
    "momentum",
    "momentum_dampening",
    "nesterov",
    "weight_decay",
    "maximize",
    "combination",
    "lr_change",
    "lr_change_nesterov",
}


def gradient(x: np.ndarray, sign: float) -> np.ndarray:
    """sign * (A x - b + c x³), with the fixture's A, b and c.

    Written with the same operations in the same order as in the script
    that made the fixture, so both libraries get the same gradient bits.
    """
    objective = REFERENCE["objective"]
    matrix = np.array(objective["A"])
    product = x[..., 0:1] * matrix[0]
    for j in range(1, x.shape[-1]):
        product = product + x[..., j : j + 1] * matrix[j]
    return sign * (product - np.array(objective["b"]) + objective["c"] * x * x * x)


def optimizer_for(case: dict) -> optim.Transformation:
    """The course_lib optimizer with the case's PyTorch hyperparameters."""
    learning_rate = np.asarray(case["lr"], dtype=float)
    if case["lr_changes"]:
        changes = {int(step): lr for step, lr in case["lr_changes"].items()}
        learning_rate = piecewise_constant(float(learning_rate), changes)
    return optim.momentum_pytorch(
        learning_rate,
        np.asarray(case["momentum"], dtype=float),
        dampening=case["dampening"],
        weight_decay=case["weight_decay"],
        nesterov=case["nesterov"],
        maximize=case["maximize"],
    )


def velocity_in(state: tuple) -> np.ndarray | None:
    """The momentum buffer inside a chain's state, or None if it has none."""
    found = [inner for inner in state if isinstance(inner, optim.VelocityState)]
    return found[0].velocity if found else None


def replay(case: dict) -> tuple[np.ndarray, np.ndarray | None]:
    """Run the case with course_lib: positions and velocities at every step."""
    optimizer = optimizer_for(case)
    params = np.array(case["start"], dtype=float)
    state = optimizer.init(params)
    positions, velocities = [], []
    for _ in range(REFERENCE["steps"]):
        grads = gradient(optimizer.query(params, state), case["gradient_sign"])
        updates, state = optimizer.update(grads, state, params)
        params = optim.apply_updates(params, updates)
        positions.append(params)
        velocities.append(velocity_in(state))
    if velocities[0] is None:
        return np.array(positions), None
    return np.array(positions), np.array(velocities)


def assert_same_steps(ours: np.ndarray, pytorch: np.ndarray, what: str) -> None:
    close = np.isclose(ours, pytorch, rtol=TOLERANCE, atol=TOLERANCE)
    close = close.reshape(len(close), -1).all(axis=1)
    first_bad = None if close.all() else int(np.argmin(close)) + 1
    np.testing.assert_allclose(
        ours,
        pytorch,
        rtol=TOLERANCE,
        atol=TOLERANCE,
        err_msg=f"{what} first differs from PyTorch's at step {first_bad}",
    )


def test_fixture_covers_every_case_with_all_steps():
    missing = REQUIRED_CASES - set(CASES)
    assert not missing, f"the fixture lacks the cases {sorted(missing)}"
    for name, case in CASES.items():
        start = np.array(case["start"])
        assert np.array(case["positions"]).shape == (REFERENCE["steps"], *start.shape)
        if case["velocities"] is not None:
            assert np.shape(case["velocities"]) == (REFERENCE["steps"], *start.shape)
        has_momentum = np.any(np.asarray(case["momentum"]) != 0)
        assert (case["velocities"] is not None) == has_momentum, name


@pytest.mark.parametrize("name", sorted(CASES))
def test_positions_match_pytorch(name):
    case = CASES[name]
    positions, _ = replay(case)
    assert_same_steps(positions, np.array(case["positions"]), f"{name}: position")


@pytest.mark.parametrize(
    "name", sorted(n for n, c in CASES.items() if c["velocities"] is not None)
)
def test_momentum_buffer_matches_pytorch(name):
    case = CASES[name]
    _, velocities = replay(case)
    assert velocities is not None, f"{name}: course_lib kept no momentum buffer"
    assert_same_steps(
        velocities, np.array(case["velocities"]), f"{name}: momentum buffer"
    )


@pytest.mark.parametrize(
    "rule",
    REFERENCE["nesterov_rule"],
    ids=lambda r: f"momentum={r['momentum']}-dampening={r['dampening']}",
)
def test_nesterov_rule_matches_pytorch(rule):
    def build():
        return optim.momentum_pytorch(
            0.1, rule["momentum"], dampening=rule["dampening"], nesterov=True
        )

    if rule["torch_raises"]:
        with pytest.raises(ValueError, match="nesterov") as raised:
            build()
        message = str(raised.value)
        assert f"momentum={rule['momentum']!r}" in message
        assert f"dampening={rule['dampening']!r}" in message
        assert "allowed" in message
    else:
        assert isinstance(build(), optim.Transformation)


def test_nesterov_rule_covers_both_outcomes():
    outcomes = {rule["torch_raises"] for rule in REFERENCE["nesterov_rule"]}
    assert outcomes == {True, False}
