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
from typing import NamedTuple

__all__ = [
    "Cycle",
    "accelerated_momentum",
    "constant",
    "cosine_decay",
    "cosine_warm_restarts",
    "effective_learning_rate",
    "exponential_decay",
    "one_cycle",
    "piecewise_constant",
    "step_decay",
    "sutskever_momentum",
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


def step_decay(initial: float, factor: float, every: int) -> Schedule:
    """Return a schedule that multiplies the value by ``factor`` every few steps.

    Parameters
    ----------
    initial : float
        The value for steps 0 to ``every - 1``.
    factor : float
        The multiplier at each drop, a finite number > 0 (below 1 to decay).
    every : int
        The number of steps between drops, >= 1.

    Notes
    -----
    value(k) = initial * factor ** (k // every)

    Examples
    --------
    >>> lr = step_decay(1.0, 0.5, every=30)
    >>> lr(29), lr(30), lr(60)
    (1.0, 0.5, 0.25)
    """
    _require_finite("initial", initial)
    _require_positive("factor", factor)
    _require_count("every", every)

    def schedule(count: int) -> float:
        return initial * factor ** (count // every)

    return schedule


def exponential_decay(initial: float, rate: float) -> Schedule:
    """Return a schedule that multiplies the value by ``rate`` at every step.

    Parameters
    ----------
    initial : float
        The value at step 0.
    rate : float
        The factor per step, a finite number > 0 (below 1 to decay).

    Notes
    -----
    value(k) = initial * rate ** k
    """
    _require_finite("initial", initial)
    _require_positive("rate", rate)

    def schedule(count: int) -> float:
        return initial * rate**count

    return schedule


def cosine_decay(initial: float, steps: int, final: float = 0.0) -> Schedule:
    """Return a schedule that falls from ``initial`` to ``final`` along a cosine.

    Parameters
    ----------
    initial : float
        The value at step 0.
    steps : int
        The step at which ``final`` is reached, >= 1; the value stays there.
    final : float
        The value at the end.

    Notes
    -----
    value(k) = final + (initial - final) * (1 + cos(pi * min(k, steps) / steps)) / 2
    """
    _require_finite("initial", initial)
    _require_count("steps", steps)
    _require_finite("final", final)

    def schedule(count: int) -> float:
        progress = min(count, steps) / steps
        return final + (initial - final) * 0.5 * (1.0 + math.cos(math.pi * progress))

    return schedule


def cosine_warm_restarts(
    initial: float, period: int, final: float = 0.0, period_factor: int = 1
) -> Schedule:
    """Return a cosine decay that restarts at ``initial`` at the end of each cycle.

    Parameters
    ----------
    initial : float
        The value at the start of every cycle.
    period : int
        The length of the first cycle in steps, >= 1.
    final : float
        The value the cosine falls towards within each cycle.
    period_factor : int
        Each cycle is this many times longer than the one before, >= 1.

    Notes
    -----
    Within a cycle of length T, at step t of it:
    value = final + (initial - final) * (1 + cos(pi * t / T)) / 2

    Examples
    --------
    >>> lr = cosine_warm_restarts(1.0, period=10, period_factor=2)
    >>> lr(0), lr(10), lr(30)
    (1.0, 1.0, 1.0)
    """
    _require_finite("initial", initial)
    _require_count("period", period)
    _require_finite("final", final)
    _require_count("period_factor", period_factor)

    def schedule(count: int) -> float:
        start, length = 0, period
        while count >= start + length:
            start, length = start + length, length * period_factor
        progress = (count - start) / length
        return final + (initial - final) * 0.5 * (1.0 + math.cos(math.pi * progress))

    return schedule


def accelerated_momentum() -> Schedule:
    """Return Nesterov's momentum sequence for convex problems: k / (k + 3).

    This is the classic beta_k = (k - 1) / (k + 2) of Nesterov's 1983
    method with k counted from 1, here counted from step 0: 0, 1/4, 2/5,
    1/2, ... It climbs towards 1 without knowing any curvature, which gives
    the O(1/k^2) rate on every smooth convex problem, but never settles at
    the value a strongly convex problem would want.

    Notes
    -----
    value(k) = k / (k + 3)
    """

    def schedule(count: int) -> float:
        return count / (count + 3)

    return schedule


def sutskever_momentum(
    beta_max: float,
    every: int = 250,
    *,
    lower_to: float | None = None,
    lower_from: int | None = None,
) -> Schedule:
    """Return the increasing momentum schedule of Sutskever et al. (2013).

    Momentum starts at 0.5 and rises in stages of ``every`` steps, towards
    1 but capped at ``beta_max``: little momentum while the gradients
    change fast, more once the run settles into long, shallow directions.

    Parameters
    ----------
    beta_max : float
        The cap, with 0 <= beta_max < 1 (the paper tried 0.9 to 0.999).
    every : int
        The length of each stage in steps, >= 1 (250 in the paper).
    lower_to : float, optional
        A momentum, 0 <= lower_to < 1, to switch to from ``lower_from`` on:
        the paper lowered momentum to 0.9 for the last updates, to fine-tune.
    lower_from : int, optional
        The first step with ``lower_to``, >= 1; give both or neither.

    Notes
    -----
    beta(k) = min(1 - 2 ** (-1 - log2(k // every + 1)), beta_max)
            = min(1 - 1 / (2 * (k // every + 1)), beta_max)

    Examples
    --------
    >>> beta = sutskever_momentum(0.99)
    >>> beta(0), beta(250), beta(750), beta(10**6)
    (0.5, 0.75, 0.875, 0.99)
    """
    _require_momentum("beta_max", beta_max)
    _require_count("every", every)
    if (lower_to is None) != (lower_from is None):
        raise ValueError(
            f"lower_to={lower_to!r} with lower_from={lower_from!r} is not allowed; "
            "allowed: both given, or neither"
        )
    if lower_to is not None:
        _require_momentum("lower_to", lower_to)
        _require_count("lower_from", lower_from)

    def schedule(count: int) -> float:
        if lower_from is not None and count >= lower_from:
            return lower_to
        stage = count // every + 1
        return min(1.0 - 2.0 ** (-1.0 - math.log2(stage)), beta_max)

    return schedule


class Cycle(NamedTuple):
    """A learning-rate schedule and the momentum schedule that goes with it."""

    learning_rate: Schedule
    momentum: Schedule


def one_cycle(
    peak: float,
    steps: int,
    *,
    warmup_fraction: float = 0.3,
    momentum: tuple[float, float] = (0.95, 0.85),
    start_divisor: float = 25.0,
    end_divisor: float = 1e4,
) -> Cycle:
    """Return the one-cycle policy: learning rate up then down, momentum opposite.

    This is Leslie Smith's policy (2018), as fast.ai and PyTorch offer it.

    For the first ``warmup_fraction`` of the steps the learning rate rises
    from ``peak / start_divisor`` to ``peak`` while momentum falls from
    ``momentum[0]`` to ``momentum[1]``; for the rest, the learning rate
    falls to ``peak / (start_divisor * end_divisor)`` while momentum climbs
    back. Both follow half cosines and stay at their final values after
    ``steps``. (PyTorch's ``OneCycleLR`` has the same shape and defaults.)

    Parameters
    ----------
    peak : float
        The largest learning rate, a finite number > 0.
    steps : int
        The length of the cycle, >= 2.
    warmup_fraction : float
        The share of the steps spent rising, 0 < warmup_fraction < 1.
        Both phases must last at least one step.
    momentum : (float, float)
        Momentum at the ends of the cycle and at the peak; each must
        satisfy 0 <= beta < 1.
    start_divisor, end_divisor : float
        How far below ``peak`` the learning rate starts, and how much
        further below the start it ends; finite numbers > 0.

    Returns
    -------
    Cycle
        ``(learning_rate, momentum)``: two schedules, to pass to an optimizer.

    Notes
    -----
    With w = round(warmup_fraction * steps), c(p) = (1 + cos(pi p)) / 2,
    p = k / w while rising and p = min(k - w, steps - w) / (steps - w) after:
    rising   lr = peak + (start - peak) * c(p);  beta = low + (high - low) * c(p)
    falling  lr = end + (peak - end) * c(p);     beta = high + (low - high) * c(p)
    where (high, low) = momentum, start = peak / start_divisor and
    end = start / end_divisor.

    Examples
    --------
    >>> cycle = one_cycle(1.0, 100)
    >>> cycle.learning_rate(30), cycle.momentum(30)
    (1.0, 0.85)
    """
    _require_positive("peak", peak)
    _require_count("steps", steps)
    _require_finite("warmup_fraction", warmup_fraction)
    if not 0 < warmup_fraction < 1:
        raise ValueError(
            f"warmup_fraction={warmup_fraction!r} is not allowed; "
            "allowed: a number with 0 < warmup_fraction < 1"
        )
    warmup = round(warmup_fraction * steps)
    if warmup < 1 or steps - warmup < 1:
        raise ValueError(
            f"warmup_fraction={warmup_fraction!r} with steps={steps!r} gives phases "
            f"of {warmup} and {steps - warmup} steps; allowed: both phases at least "
            "one step long"
        )
    if not (isinstance(momentum, tuple | list) and len(momentum) == 2):
        raise ValueError(
            f"momentum={momentum!r} is not allowed; allowed: a pair (beta at the "
            "ends, beta at the peak)"
        )
    high, low = momentum
    _require_momentum("momentum[0]", high)
    _require_momentum("momentum[1]", low)
    _require_positive("start_divisor", start_divisor)
    _require_positive("end_divisor", end_divisor)
    start = peak / start_divisor
    end = start / end_divisor

    def falling(count: int) -> float:
        """c(p): 1 at the start of the current phase, 0 at its end."""
        if count <= warmup:
            progress = count / warmup
        else:
            progress = min(count - warmup, steps - warmup) / (steps - warmup)
        return 0.5 * (1.0 + math.cos(math.pi * progress))

    def learning_rate(count: int) -> float:
        if count <= warmup:
            return peak + (start - peak) * falling(count)
        return end + (peak - end) * falling(count)

    def beta(count: int) -> float:
        if count <= warmup:
            return low + (high - low) * falling(count)
        return high + (low - high) * falling(count)

    return Cycle(learning_rate, beta)


def effective_learning_rate(
    learning_rate: Schedule, momentum: Schedule, steps: int
) -> list[float]:
    """The effective learning rate lr_k / (1 - beta_k) for k = 0, ..., steps - 1.

    The step momentum settles to under a constant gradient g is
    lr g / (1 - beta) (lesson 05); along a schedule this is the step the
    current pair of values would settle to if held.
    """
    _require_count("steps", steps)
    values = []
    for count in range(steps):
        beta = momentum(count)
        _require_momentum(f"momentum at step {count}", beta)
        values.append(learning_rate(count) / (1.0 - beta))
    return values


def _is_step(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _require_finite(name: str, value: float) -> None:
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not math.isfinite(value)
    ):
        raise ValueError(f"{name}={value!r} is not allowed; allowed: a finite number")


def _require_positive(name: str, value: float) -> None:
    _require_finite(name, value)
    if value <= 0:
        raise ValueError(
            f"{name}={value!r} is not allowed; allowed: a finite number > 0"
        )


def _require_count(name: str, value: int) -> None:
    if not _is_step(value) or value < 1:
        raise ValueError(f"{name}={value!r} is not allowed; allowed: an integer >= 1")


def _require_momentum(name: str, value: float) -> None:
    _require_finite(name, value)
    if not 0 <= value < 1:
        raise ValueError(
            f"{name}={value!r} is not allowed; allowed: a momentum with 0 <= beta < 1"
        )
