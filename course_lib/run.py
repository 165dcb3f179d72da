"""Run an optimizer on a problem and record what happened.

One call runs a whole batch: parameters of shape ``(n, dim)`` are ``n``
independent runs, and hyperparameter arrays of shape ``(n,)`` give each run
its own value. The loop is over steps only; every step moves all runs at once.

Divergence is a result, not a crash: a run whose loss becomes non-finite or
explodes past a bound stops changing (its position, loss and velocity stay at
their last good values) and is marked with the step where it happened. No
NumPy warning escapes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

import numpy as np

from course_lib.optim import (
    AdamState,
    Transformation,
    VelocityState,
    momentum_classical,
)

__all__ = [
    "Problem",
    "Trajectory",
    "Tuning",
    "TuningAttempt",
    "distance_to",
    "hyperparameter_grid",
    "rate_per_step",
    "run",
    "sign_changes",
    "tune_momentum",
    "velocity_history",
]


Array = np.ndarray


class Problem(Protocol):
    """What ``run`` needs of a problem (every class in ``problems`` has it)."""

    dim: int
    minimum_value: float

    def value(self, x: Array) -> Array: ...

    def grad(self, x: Array) -> Array: ...

    def value_and_grad(self, x: Array) -> tuple[Array, Array]: ...


@dataclass(frozen=True)
class Trajectory:
    """What a run recorded. Arrays are indexed by step first.

    Attributes
    ----------
    positions : array, shape (steps + 1, *batch, dim)
        positions[k] is where every run stands after k updates.
    losses : array, shape (steps + 1, *batch)
    velocities : array, shape (steps + 1, *batch, dim)
        The optimizer's velocity (momentum buffer) after k updates, in the
        optimizer's own convention; zeros for methods without one.
    diverged_at : array of int, shape batch
        The step at which each run diverged, or -1 if it did not.
    final_position, final_velocity : array, shape (*batch, dim)
        Where each run ended, kept even when only losses are recorded.
    final_state : any
        The optimizer's state after the last update, to resume from with
        ``run(..., state=final_state)`` (for a run that diverged, it is
        the state the loop ended with, not frozen).

    With ``record="losses"``, ``positions`` and ``velocities`` are None:
    a large grid of runs then needs memory for its losses only.
    """

    positions: Array | None
    losses: Array
    velocities: Array | None
    diverged_at: Array
    final_position: Array
    final_velocity: Array
    final_state: Any = None

    @property
    def diverged(self) -> Array:
        """True for each run that diverged."""
        return self.diverged_at >= 0

    @property
    def steps(self) -> int:
        return self.losses.shape[0] - 1

    def steps_to(self, loss: float) -> Array:
        """The first step at which each run's loss is at most ``loss``.

        -1 for runs that never get there (or diverged first).
        """
        reached = self.losses <= loss
        first = np.argmax(reached, axis=0)
        return np.where(reached.any(axis=0), first, -1)

    def summary(self) -> str:
        """A sentence on how a single run ended, for labels and printing."""
        if self.diverged_at.ndim != 0:
            n = int(self.diverged.sum())
            return f"{n} of {self.diverged.size} runs diverged"
        if self.diverged:
            return f"diverged at step {int(self.diverged_at)}"
        return f"loss {float(self.losses[-1]):.3g} after {self.steps} steps"


def run(
    optimizer: Transformation,
    problem: Problem,
    x0: Array,
    steps: int,
    *,
    batch: int | None = None,
    record: str = "all",
    explode_factor: float = 1e10,
    progress: bool = False,
    state: Any = None,
) -> Trajectory:
    """Run ``optimizer`` on ``problem`` for ``steps`` updates from ``x0``.

    Parameters
    ----------
    optimizer : Transformation
        From `course_lib.optim`.
    problem : Problem
        From `course_lib.problems`, or any object with ``dim``,
        ``minimum_value``, ``value``, ``grad`` and ``value_and_grad``.
    x0 : array, shape (dim,) or (*batch, dim)
        The starting point, or one per run.
    steps : int
        The number of updates.
    batch : int, optional
        Repeat a single starting point for this many runs (for instance,
        one per learning rate of a grid).
    record : {"all", "losses"}
        Record positions, losses and velocities at every step, or losses
        only (for large sweeps).
    explode_factor : float
        A run diverges when its loss is not finite, or when its height above
        the minimum value exceeds ``explode_factor`` times its height at the
        start (and at least ``explode_factor``).
    progress : bool
        Show a progress bar over the steps (tqdm's: a widget in a notebook,
        text in a terminal), for runs long enough to make one wait.
    state : optional
        The optimizer state to start from, such as a checkpoint's
        ``final_state``; by default ``optimizer.init(x0)``. Resuming from
        a run's final position and state continues it exactly.

    Returns
    -------
    Trajectory
    """
    if not _is_count(steps) or steps < 0:
        raise ValueError(f"steps={steps!r} is not allowed; allowed: an integer >= 0")
    if record not in ("all", "losses"):
        raise ValueError(
            f"record={record!r} is not allowed; allowed: 'all' or 'losses'"
        )
    if not isinstance(progress, bool):
        raise ValueError(
            f"progress={progress!r} is not allowed; allowed: True or False"
        )
    if not (isinstance(explode_factor, int | float) and explode_factor > 1):
        raise ValueError(
            f"explode_factor={explode_factor!r} is not allowed; allowed: a number > 1"
        )
    x = np.array(x0, dtype=float)
    if x.ndim == 0 or x.shape[-1] != problem.dim:
        raise ValueError(
            f"x0 has shape {x.shape}; allowed: shape ({problem.dim},) or "
            f"(..., {problem.dim}) for this problem"
        )
    if batch is not None:
        if not _is_count(batch) or batch < 1:
            raise ValueError(
                f"batch={batch!r} is not allowed; allowed: an integer >= 1"
            )
        if x.ndim != 1:
            raise ValueError(
                f"batch={batch!r} needs a single starting point, but x0 has shape "
                f"{x.shape}; allowed: x0 of shape ({problem.dim},)"
            )
        x = np.tile(x, (batch, 1))
    if not np.all(np.isfinite(x)):
        raise ValueError("x0 contains non-finite values; allowed: finite numbers")

    fresh = optimizer.init(x)
    if state is None:
        state = fresh
    elif not _same_layout(state, fresh):
        raise ValueError(
            "state does not have the layout of this optimizer's state for x0 "
            "(the same nesting, and arrays of the same shapes); allowed: None, "
            "or the final_state of a run of the same optimizer from x0's shape"
        )
    floor = problem.minimum_value
    with np.errstate(all="ignore"):
        loss, grads_here = problem.value_and_grad(x)
        limit = explode_factor * np.maximum(np.abs(loss - floor), 1.0)
    if not np.all(np.isfinite(loss)):
        raise ValueError(
            "x0 gives a non-finite loss (it overflows); allowed: starting points "
            "where the loss is finite"
        )

    losses = np.empty((steps + 1, *loss.shape))
    losses[0] = loss
    positions = velocities = None
    if record == "all":
        positions = np.empty((steps + 1, *x.shape))
        velocities = np.empty((steps + 1, *x.shape))
        positions[0], velocities[0] = x, _velocity(state, x)
    diverged_at = np.full(loss.shape, -1)
    last_x, last_velocity = x.copy(), _velocity(state, x).copy()

    # Every run takes every step, so no step pays for masking. A run that has
    # diverged goes on computing with inf and NaN (silently, under errstate);
    # its records are frozen at its last good values after the loop.
    with np.errstate(all="ignore"):
        for k in _steps(steps, progress):
            point = optimizer.query(x, state)
            # Most methods take the gradient where they stand: reuse the one
            # computed with the loss. Look-ahead methods ask for another point.
            grads = grads_here if point is x else problem.grad(point)
            updates, new_state = optimizer.update(grads, state, x)
            new_x = x - updates
            new_loss, grads_here = problem.value_and_grad(new_x)

            # A position that overflowed has a loss that did. The comparison
            # is False for NaN, so one test catches NaN, inf and explosion.
            within = np.abs(new_loss - floor) <= limit
            if not within.all():
                bad = ~within & (diverged_at < 0)
                diverged_at[bad] = k
                last_x[bad] = x[bad]
                last_velocity[bad] = _velocity(state, x)[bad]

            x, state = new_x, new_state
            losses[k] = new_loss
            if record == "all":
                positions[k], velocities[k] = x, _velocity(state, x)

    final_x, final_velocity = x, _velocity(state, x)
    if np.any(diverged_at >= 0):
        gone = diverged_at >= 0
        final_x = np.where(gone[..., None], last_x, final_x)
        final_velocity = np.where(gone[..., None], last_velocity, final_velocity)
        _freeze(losses, diverged_at)
        if record == "all":
            _freeze(positions, diverged_at)
            _freeze(velocities, diverged_at)
    return Trajectory(
        positions, losses, velocities, diverged_at, final_x, final_velocity, state
    )


def _steps(steps: int, progress: bool):
    """The step numbers 1 to steps, behind a progress bar if asked for one."""
    numbers = range(1, steps + 1)
    if not progress:
        return numbers
    from tqdm.auto import tqdm

    return tqdm(numbers, desc="steps", unit="step")


def _is_count(value) -> bool:
    return isinstance(value, int | np.integer) and not isinstance(value, bool)


def _freeze(history: Array, diverged_at: Array) -> None:
    """From its divergence step on, repeat each run's last good record."""
    steps = np.arange(history.shape[0]).reshape((-1,) + (1,) * diverged_at.ndim)
    after = (diverged_at >= 0) & (steps >= diverged_at)
    last_good = np.maximum(diverged_at - 1, 0)
    frozen = np.take_along_axis(
        history,
        last_good[None, ...].reshape(
            (1, *diverged_at.shape) + (1,) * (history.ndim - 1 - diverged_at.ndim)
        ),
        axis=0,
    )
    mask = after.reshape(after.shape + (1,) * (history.ndim - after.ndim))
    np.copyto(history, frozen, where=mask)


def rate_per_step(series: Array, start: int, stop: int) -> Array:
    """The average factor by which ``series`` shrinks per step, from start to stop.

    (series[stop] / series[start]) ** (1 / (stop - start)), along the first
    axis: for distances to the minimizer this is the measured contraction
    that theory predicts as the spectral radius.
    """
    series = np.asarray(series, dtype=float)
    if not 0 <= start < stop < series.shape[0]:
        raise ValueError(
            f"start={start!r}, stop={stop!r} is not allowed; allowed: "
            f"0 <= start < stop < {series.shape[0]}"
        )
    with np.errstate(divide="ignore", invalid="ignore"):
        return (series[stop] / series[start]) ** (1.0 / (stop - start))


def distance_to(positions: Array, point: Array) -> Array:
    """Euclidean distance of every recorded position to ``point``."""
    return np.linalg.norm(np.asarray(positions) - np.asarray(point), axis=-1)


def sign_changes(series: Array, tolerance: float = 0.0) -> int:
    """How often a 1-D series changes sign, skipping entries of size <= tolerance.

    With a small tolerance, the rounding-level wiggles of a run that has
    settled at zero are not counted as swings across it.
    """
    series = np.asarray(series, dtype=float)
    signs = np.sign(series[np.abs(series) > tolerance])
    return int(np.sum(signs[1:] != signs[:-1]))


def velocity_history(optimizer: Transformation, gradients: Array) -> Array:
    """The optimizer's velocity after each gradient of a given sequence.

    The gradients are fed to ``update`` one by one, as if they came from a
    run: row k of the result is the velocity after gradient k. Parameters
    stay at zero, so this isolates what the velocity does with the gradients.
    """
    gradients = np.asarray(gradients, dtype=float)
    params = np.zeros_like(gradients[0])
    state, velocities = optimizer.init(params), []
    for gradient in gradients:
        _, state = optimizer.update(gradient, state, params)
        velocities.append(_velocity(state, params))
    return np.array(velocities)


def hyperparameter_grid(*axes: Array) -> tuple[Array, ...]:
    """Every combination of the given values, flattened to one batch axis.

    >>> lrs, betas = hyperparameter_grid([0.1, 0.2], [0.0, 0.5, 0.9])
    >>> lrs.shape, betas.shape
    ((6,), (6,))

    Reshape a result to ``(len(axes[0]), len(axes[1]), ...)`` to get the grid
    back; the first axis varies slowest.
    """
    mesh = np.meshgrid(*[np.asarray(a, dtype=float) for a in axes], indexing="ij")
    return tuple(m.ravel() for m in mesh)


def _velocity(state: Any, params: Array) -> Array:
    """The first momentum buffer found in an optimizer state, else zeros."""
    found = _find_velocity(state)
    return np.zeros_like(params) if found is None else found


def _same_layout(state: Any, reference: Any) -> bool:
    """Whether ``state`` nests like ``reference``, with arrays of its shapes."""
    if isinstance(reference, np.ndarray):
        return isinstance(state, np.ndarray) and state.shape == reference.shape
    if isinstance(reference, dict):
        return (
            isinstance(state, dict)
            and state.keys() == reference.keys()
            and all(_same_layout(state[k], reference[k]) for k in reference)
        )
    if isinstance(reference, tuple | list):
        return (
            type(state) is type(reference)
            and len(state) == len(reference)
            and all(map(_same_layout, state, reference))
        )
    return not isinstance(state, np.ndarray | dict | tuple | list)


def _find_velocity(state: Any) -> Array | None:
    if isinstance(state, VelocityState | AdamState):
        return state.velocity
    if isinstance(state, tuple):
        for inner in state:
            found = _find_velocity(inner)
            if found is not None:
                return found
    return None


class TuningAttempt(NamedTuple):
    """One run tried by `tune_momentum`, what came of it and what was decided.

    ``diverged_at`` is -1 for a run that did not diverge; ``final_loss`` is
    the loss after the last step (or the last good one, for a run that
    diverged).
    """

    learning_rate: float
    beta: float
    final_loss: float
    diverged_at: int
    decision: str

    @property
    def diverged(self) -> bool:
        return self.diverged_at >= 0

    @property
    def outcome(self) -> str:
        """How the run ended, in words."""
        if self.diverged:
            return f"diverged at step {self.diverged_at}"
        return f"loss {self.final_loss:.3g}"


@dataclass(frozen=True)
class Tuning:
    """What `tune_momentum` tried, in order, and the setting it kept."""

    attempts: tuple[TuningAttempt, ...]
    learning_rate: float
    beta: float
    final_loss: float

    def table(self) -> str:
        """The attempts as lines of text, one per run, ready to print."""
        rows = [f"{'lr':>10}  {'beta':>5}  {'outcome':<26}  decision"]
        for a in self.attempts:
            rows.append(
                f"{a.learning_rate:10.4g}  {a.beta:5.3g}  {a.outcome:<26}  {a.decision}"
            )
        return "\n".join(rows)


def tune_momentum(
    problem: Problem,
    x0: Array,
    steps: int,
    learning_rate: float,
    *,
    betas: Sequence[float] = (0.9, 0.95, 0.98, 0.99),
    shrink: float = 0.5,
    max_shrinks: int = 30,
) -> Tuning:
    """Tune classical momentum the practical way, and record every run tried.

    1. Make sure ``learning_rate`` works without momentum (beta = 0): while
       the run diverges, multiply the learning rate by ``shrink``.
    2. Take the first beta of ``betas`` (0.9 by default). While the run
       diverges, lower the learning rate by ``shrink`` again.
    3. Once it is stable, compare its final loss with the best so far. If
       it is lower, keep it and go on to the next, larger beta (step 2);
       if not, stop: raising beta no longer pays.

    Every run is ``steps`` updates of `course_lib.optim.momentum_classical`
    from ``x0``; runs are compared by their loss after the last step.

    Parameters
    ----------
    problem : Problem
    x0 : array, shape (dim,)
    steps : int
    learning_rate : float
        A first guess, > 0: one that works without momentum, if known.
    betas : sequence of float
        The values of beta to climb through, increasing, each in (0, 1).
    shrink : float
        The factor, in (0, 1), by which a diverging learning rate is cut.
    max_shrinks : int
        Give up after this many cuts in a row without a stable run.

    Returns
    -------
    Tuning
        ``attempts`` lists each (learning rate, beta, outcome, decision);
        ``learning_rate``, ``beta`` and ``final_loss`` are the best found
        (beta = 0 if momentum never beat gradient descent).
    """
    if not (_is_number(learning_rate) and 0 < learning_rate < np.inf):
        raise ValueError(
            f"learning_rate={learning_rate!r} is not allowed; allowed: a finite "
            "number > 0"
        )
    try:
        values = np.asarray(betas, dtype=float)
    except (TypeError, ValueError):
        values = np.full(1, np.nan)
    if (
        values.ndim != 1
        or values.size == 0
        or not np.all((values > 0) & (values < 1))
        or np.any(np.diff(values) <= 0)
    ):
        raise ValueError(
            f"betas={betas!r} is not allowed; allowed: a non-empty increasing "
            "sequence of numbers between 0 and 1 (exclusive)"
        )
    if not (_is_number(shrink) and 0 < shrink < 1):
        raise ValueError(
            f"shrink={shrink!r} is not allowed; allowed: a number with 0 < shrink < 1"
        )
    if not (_is_count(max_shrinks) and max_shrinks >= 1):
        raise ValueError(
            f"max_shrinks={max_shrinks!r} is not allowed; allowed: an integer >= 1"
        )

    attempts: list[TuningAttempt] = []

    def stable_run(lr: float, beta: float, kept: str) -> TuningAttempt | None:
        """Cut lr until a run at this beta is stable; None if it never is."""
        for _ in range(max_shrinks + 1):
            trajectory = run(
                momentum_classical(lr, beta), problem, x0, steps, record="losses"
            )
            loss, at = float(trajectory.losses[-1]), int(trajectory.diverged_at)
            if at < 0:
                return TuningAttempt(lr, beta, loss, at, kept)
            attempts.append(
                TuningAttempt(lr, beta, loss, at, "diverged: lower the learning rate")
            )
            lr *= shrink
        return None

    best = stable_run(float(learning_rate), 0.0, "works without momentum")
    if best is None:
        raise ValueError(
            f"learning_rate={learning_rate!r} is not allowed: gradient descent "
            f"diverged even after {max_shrinks} cuts by {shrink}; allowed: a "
            "learning rate that some cut makes stable"
        )
    attempts.append(best)
    for beta in values:
        tried = stable_run(best.learning_rate, float(beta), "")
        if tried is None:
            break
        if tried.final_loss < best.final_loss:
            best = tried._replace(decision="better: keep it, raise beta")
            attempts.append(best)
        else:
            attempts.append(tried._replace(decision="no better: stop"))
            break
    return Tuning(tuple(attempts), best.learning_rate, best.beta, best.final_loss)


def _is_number(value) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not (
        isinstance(value, bool)
    )
