"""Learning-rate and momentum schedules: pure functions of the step count.

A schedule is any callable that takes the step count ``k`` (0 for the first
update) and returns the value to use at that step. Schedules keep no state:
calling one twice with the same ``k`` gives the same value, so a run can be
repeated, resumed or batched without surprises.

Examples
--------
>>> lr = piecewise_constant(0.1, {50: 0.01})
>>> lr(0), lr(49), lr(50)
(0.1, 0.1, 0.01)
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Mapping

__all__ = [
    "constant",
    "piecewise_constant",
]


Schedule = Callable[[int], float]


def constant(value: float) -> Schedule:
    """Return a schedule that gives ``value`` at every step."""
    _require_finite("value", value)

    def schedule(count: int) -> float:
        return value

    return schedule


def piecewise_constant(initial: float, changes: Mapping[int, float]) -> Schedule:
    """Return a schedule that starts at ``initial`` and jumps at given steps.

    Parameters
    ----------
    initial : float
        The value before the first change.
    changes : mapping of int to float
        ``{step: value}``: from ``step`` on (inclusive), use ``value``.

    Examples
    --------
    >>> lr = piecewise_constant(1.0, {10: 0.5, 20: 0.25})
    >>> [lr(k) for k in (9, 10, 19, 20)]
    [1.0, 0.5, 0.5, 0.25]
    """
    _require_finite("initial", initial)
    changes = dict(changes)  # a copy: later changes to the caller's dict don't leak in
    for step, value in changes.items():
        if not _is_step(step) or step < 0:
            raise ValueError(f"changes has the step {step!r}; allowed: integers >= 0")
        _require_finite(f"changes[{step}]", value)
    boundaries = sorted(changes)

    def schedule(count: int) -> float:
        value = initial
        for step in boundaries:
            if count >= step:
                value = changes[step]
        return value

    return schedule


def _is_step(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _require_finite(name: str, value: float) -> None:
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not math.isfinite(value)
    ):
        raise ValueError(f"{name}={value!r} is not allowed; allowed: a finite number")
