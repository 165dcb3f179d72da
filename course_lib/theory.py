"""Closed forms for momentum on quadratics.

On f(x) = ½ xᵀ A x every method studied here is linear, and in the basis of
A's eigenvectors each direction evolves on its own. Along an eigenvalue λ,
classical momentum (v <- beta*v + lr*g, x <- x - v) maps the pair (x, v) by

    [x']   [1 - lr*λ   -beta] [x]
    [v'] = [  lr*λ      beta] [v]

and the run converges exactly when every such 2×2 matrix has spectral radius
below 1. The radius is the factor by which the error shrinks per step, in
the long run; the worst direction sets the rate of the whole problem.

Every function broadcasts over its array arguments, so one call evaluates a
whole grid of (learning rate, beta) pairs.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "convergence_rate",
    "damping",
    "effective_window",
    "gd_optimal_learning_rate",
    "gd_optimal_rate",
    "half_life",
    "heavy_ball_is_stable",
    "heavy_ball_matrix",
    "heavy_ball_max_learning_rate",
    "heavy_ball_optimal_parameters",
    "heavy_ball_optimal_rate",
    "nesterov_matrix",
    "spectral_radius",
    "steps_per_digit",
    "steps_to_reach",
]


Array = np.ndarray


ArrayLike = float | Array


def heavy_ball_matrix(
    learning_rate: ArrayLike, beta: ArrayLike, eigenvalue: ArrayLike
) -> Array:
    """The 2×2 iteration matrix of classical momentum on (x, v).

    Returns an array of shape (..., 2, 2), broadcasting the arguments.

    Notes
    -----
    x' = (1 - lr*λ) x - beta v
    v' = lr*λ x + beta v
    """
    h, b = np.broadcast_arrays(
        np.asarray(learning_rate, float) * np.asarray(eigenvalue, float),
        np.asarray(beta, float),
    )
    return np.stack([np.stack([1 - h, -b], -1), np.stack([h, b], -1)], -2)


def nesterov_matrix(
    learning_rate: ArrayLike, beta: ArrayLike, eigenvalue: ArrayLike
) -> Array:
    """The 2×2 iteration matrix of Nesterov's look-ahead method on (x, v).

    The gradient is taken at x - beta*v, so on a quadratic Nesterov is heavy
    ball whose velocity column (both entries) is damped by (1 - lr*λ): an
    effective momentum beta * (1 - lr*λ) that depends on the eigenvalue.

    Notes
    -----
    x' = (1 - lr*λ) x - beta (1 - lr*λ) v
    v' = lr*λ x + beta (1 - lr*λ) v
    """
    h, b = np.broadcast_arrays(
        np.asarray(learning_rate, float) * np.asarray(eigenvalue, float),
        np.asarray(beta, float),
    )
    damped = b * (1 - h)
    return np.stack([np.stack([1 - h, -damped], -1), np.stack([h, damped], -1)], -2)


def spectral_radius(matrix: Array) -> Array:
    """The largest modulus of the eigenvalues of each (..., 2, 2) matrix."""
    return np.max(np.abs(np.linalg.eigvals(matrix)), axis=-1)


def convergence_rate(
    learning_rate: ArrayLike,
    beta: ArrayLike,
    eigenvalues: ArrayLike,
    method: str = "heavy_ball",
) -> Array:
    """The asymptotic factor per step on a quadratic: the worst direction's.

    Parameters
    ----------
    learning_rate, beta : float or array
        Broadcast against each other.
    eigenvalues : array of float
        The eigenvalues of the quadratic's Hessian.
    method : {"heavy_ball", "nesterov"}
        Gradient descent is heavy ball with beta = 0.

    Returns
    -------
    array
        Below 1 means convergence; 1 or more means no convergence.
    """
    matrices = {"heavy_ball": heavy_ball_matrix, "nesterov": nesterov_matrix}
    if method not in matrices:
        raise ValueError(
            f"method={method!r} is not allowed; allowed: 'heavy_ball' or 'nesterov'"
        )
    lr = np.asarray(learning_rate, float)[..., None]
    b = np.asarray(beta, float)[..., None]
    radii = spectral_radius(matrices[method](lr, b, np.asarray(eigenvalues, float)))
    return radii.max(axis=-1)


def gd_optimal_learning_rate(smallest: float, largest: float) -> float:
    """Gradient descent's best constant step on a quadratic: 2 / (μ + L)."""
    _check_curvatures(smallest, largest)
    return 2.0 / (smallest + largest)


def gd_optimal_rate(kappa: float) -> float:
    """Gradient descent's factor per step at its best step: (κ - 1) / (κ + 1)."""
    _check_kappa(kappa)
    return (kappa - 1.0) / (kappa + 1.0)


def heavy_ball_optimal_parameters(
    smallest: float, largest: float
) -> tuple[float, float]:
    """Polyak's tuning of heavy ball on a quadratic with eigenvalues in [μ, L].

    Returns
    -------
    (learning_rate, beta)
        lr = 4 / (√L + √μ)²  and  beta = ((√κ - 1) / (√κ + 1))²
    """
    _check_curvatures(smallest, largest)
    root_mu, root_l = np.sqrt(smallest), np.sqrt(largest)
    learning_rate = 4.0 / (root_l + root_mu) ** 2
    beta = ((root_l - root_mu) / (root_l + root_mu)) ** 2
    return float(learning_rate), float(beta)


def heavy_ball_optimal_rate(kappa: float) -> float:
    """Heavy ball's factor per step at its best tuning: (√κ - 1) / (√κ + 1)."""
    _check_kappa(kappa)
    root = np.sqrt(kappa)
    return float((root - 1.0) / (root + 1.0))


def heavy_ball_max_learning_rate(beta: ArrayLike, largest: float) -> ArrayLike:
    """The largest stable learning rate for a given beta: 2 (1 + beta) / L.

    Only meaningful for -1 < beta < 1; outside it no learning rate is stable.
    """
    return 2.0 * (1.0 + np.asarray(beta, float)) / largest


def heavy_ball_is_stable(
    learning_rate: ArrayLike, beta: ArrayLike, eigenvalue: ArrayLike
) -> Array:
    """Whether heavy ball converges along eigenvalue λ > 0.

    True exactly when -1 < beta < 1 and 0 < lr*λ < 2 (1 + beta): the two
    roots of z² - (1 + beta - lr*λ) z + beta then lie inside the unit circle.
    """
    h = np.asarray(learning_rate, float) * np.asarray(eigenvalue, float)
    b = np.asarray(beta, float)
    return (np.abs(b) < 1) & (h > 0) & (h < 2 * (1 + b))


def damping(learning_rate: ArrayLike, beta: ArrayLike, eigenvalue: ArrayLike) -> Array:
    """How heavy ball moves along eigenvalue λ, read off the 2×2 matrix's roots.

    The roots are those of z² - (1 + beta - lr*λ) z + beta. Element-wise:

    - "unstable": a root of size >= 1; the error does not shrink.
    - "over": two distinct real roots. With both positive the ball creeps
      in from one side; a negative root flips the sign at every step.
    - "critical": a double root, the boundary between "over" and "under".
    - "under": a complex pair. The ball spirals in, swinging back and forth
      with a period set by the roots' angle.
    """
    h = np.asarray(learning_rate, float) * np.asarray(eigenvalue, float)
    b = np.asarray(beta, float)
    discriminant = (1 + b - h) ** 2 - 4 * b
    scale = np.maximum(1.0, (1 + b - h) ** 2)
    critical = np.abs(discriminant) <= 1e-12 * scale
    kind = np.where(critical, "critical", np.where(discriminant > 0, "over", "under"))
    stable = spectral_radius(heavy_ball_matrix(learning_rate, beta, eigenvalue)) < 1
    return np.where(stable, kind, "unstable")


def effective_window(beta: ArrayLike) -> ArrayLike:
    """How many recent gradients the velocity effectively sums: 1 / (1 - beta).

    With a constant gradient g, classical momentum's velocity tends to
    lr * g / (1 - beta): the ball ends up moving 1 / (1 - beta) times faster
    than gradient descent would.
    """
    b = np.asarray(beta, float)
    if not np.all((b >= 0) & (b < 1)):
        raise ValueError(f"beta={beta!r} is not allowed; allowed: 0 <= beta < 1")
    return 1.0 / (1.0 - b)


def half_life(beta: ArrayLike) -> ArrayLike:
    """Steps after which a gradient's weight in the velocity has halved.

    The weight of a gradient k steps old is beta**k, which reaches ½ at
    k = ln ½ / ln beta.
    """
    b = np.asarray(beta, float)
    if not np.all((b > 0) & (b < 1)):
        raise ValueError(f"beta={beta!r} is not allowed; allowed: 0 < beta < 1")
    return np.log(0.5) / np.log(b)


def steps_per_digit(rate: ArrayLike) -> ArrayLike:
    """Steps that each decimal digit of accuracy costs at a factor per step.

    ln(10) / -ln(rate): a rate of 0.9 costs about 22 steps a digit, 0.99
    about 229. Meaningful for 0 < rate < 1.
    """
    return np.log(10) / -np.log(np.asarray(rate, dtype=float))


def steps_to_reach(rate: float, initial_loss: float, target_loss: float) -> int:
    """Steps until a loss falling as the square of a distance reaches a target.

    If the distance to the minimizer shrinks by ``rate`` per step, a
    quadratic loss shrinks by rate² per step, so this is the first k with
    initial_loss * rate**(2k) <= target_loss.
    """
    if not (0 < rate < 1):
        raise ValueError(f"rate={rate!r} is not allowed; allowed: 0 < rate < 1")
    if not (target_loss > 0 and np.isfinite(initial_loss)):
        raise ValueError(
            f"initial_loss={initial_loss!r}, target_loss={target_loss!r} is not "
            "allowed; allowed: a finite initial loss and a target > 0"
        )
    if initial_loss <= target_loss:
        return 0
    return int(np.ceil(np.log(target_loss / initial_loss) / (2 * np.log(rate))))


def _check_curvatures(smallest: float, largest: float) -> None:
    if not (np.isfinite(smallest) and np.isfinite(largest) and 0 < smallest <= largest):
        raise ValueError(
            f"smallest={smallest!r}, largest={largest!r} is not allowed; "
            "allowed: finite numbers with 0 < smallest <= largest"
        )


def _check_kappa(kappa: float) -> None:
    if not (np.isfinite(kappa) and kappa >= 1):
        raise ValueError(
            f"kappa={kappa!r} is not allowed; allowed: a finite number >= 1"
        )
