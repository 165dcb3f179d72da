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
from collections.abc import Callable, Mapping

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
    for step, value in changes.items():
        if not isinstance(step, int) or step < 0:
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


def exponential_decay(initial: float, rate: float) -> Schedule:
    """Return ``initial * rate**k``, a smooth geometric decay.

    ``rate`` must lie in (0, 1]; a rate of 1 is a constant schedule.
    """
    _require_finite("initial", initial)
    _require_finite("rate", rate)
    if not (0 < rate <= 1):
        raise ValueError(f"rate={rate!r} is not allowed; allowed: 0 < rate <= 1")

    def schedule(count: int) -> float:
        return initial * rate**count

    return schedule


def _require_finite(name: str, value: float) -> None:
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{name}={value!r} is not allowed; allowed: a finite number")
