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
    "bilinear_game_matrix",
    "build_up_steps",
    "convergence_rate",
    "damping",
    "delayed_heavy_ball_matrix",
    "delayed_heavy_ball_rate",
    "effective_window",
    "gd_optimal_learning_rate",
    "gd_optimal_rate",
    "half_life",
    "heavy_ball_is_stable",
    "heavy_ball_matrix",
    "heavy_ball_max_learning_rate",
    "heavy_ball_noise_covariance",
    "heavy_ball_noise_floor",
    "heavy_ball_optimal_parameters",
    "heavy_ball_optimal_rate",
    "nesterov_effective_momentum",
    "nesterov_is_stable",
    "nesterov_matrix",
    "nesterov_max_learning_rate",
    "nesterov_optimal_parameters",
    "nesterov_optimal_rate",
    "nesterov_standard_parameters",
    "nesterov_standard_rate",
    "plateau_distance",
    "plateau_position",
    "plateau_speedup",
    "saddle_escape_steps",
    "saddle_growth",
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
    return 1.0 / (1.0 - _check_beta_below_one(beta))


def half_life(beta: ArrayLike) -> ArrayLike:
    """Steps after which a gradient's weight in the velocity has halved.

    The weight of a gradient k steps old is beta**k, which reaches ½ at
    k = ln ½ / ln beta: the same number of steps a velocity started at rest
    takes to reach half its full speed (`build_up_steps`).
    """
    return build_up_steps(beta, 0.5)


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


def nesterov_effective_momentum(
    learning_rate: ArrayLike, beta: ArrayLike, eigenvalue: ArrayLike
) -> Array:
    """The momentum of the heavy ball that Nesterov is along eigenvalue λ.

    On a quadratic, Nesterov's look-ahead matrix (`nesterov_matrix`) is
    exactly the heavy-ball matrix with the same learning rate and the
    momentum beta * (1 - lr*λ): gentle directions keep nearly all of beta,
    a direction with lr*λ = 1 keeps none, steeper ones get a negative one.

    Notes
    -----
    effective beta = beta * (1 - lr*λ)
    """
    h = np.asarray(learning_rate, float) * np.asarray(eigenvalue, float)
    return np.asarray(beta, float) * (1 - h)


def nesterov_is_stable(
    learning_rate: ArrayLike, beta: ArrayLike, eigenvalue: ArrayLike
) -> Array:
    """Whether Nesterov's method converges along eigenvalue λ > 0.

    Heavy ball's test (`heavy_ball_is_stable`) with the effective momentum
    b = beta (1 - lr*λ): True exactly when |b| < 1 and 0 < lr*λ < 2 (1 + b).
    For 0 <= beta < 1 this is 0 < lr*λ < 2 (1 + beta) / (1 + 2 beta).
    """
    effective = nesterov_effective_momentum(learning_rate, beta, eigenvalue)
    return heavy_ball_is_stable(learning_rate, effective, eigenvalue)


def nesterov_max_learning_rate(beta: ArrayLike, largest: float) -> ArrayLike:
    """Nesterov's largest stable learning rate: 2 (1 + beta) / ((1 + 2 beta) L).

    It falls from 2 / L at beta = 0 towards 4 / (3 L) as beta nears 1,
    where heavy ball's limit rises towards 4 / L. Stated for 0 <= beta < 1.
    """
    b = np.asarray(beta, float)
    if not np.all((b >= 0) & (b < 1)):
        raise ValueError(f"beta={beta!r} is not allowed; allowed: 0 <= beta < 1")
    if not (np.isfinite(largest) and largest > 0):
        raise ValueError(
            f"largest={largest!r} is not allowed; allowed: a finite number > 0"
        )
    return 2.0 * (1.0 + b) / ((1.0 + 2.0 * b) * largest)


def nesterov_standard_parameters(
    smallest: float, largest: float
) -> tuple[float, float]:
    """Nesterov's usual tuning for eigenvalues (curvatures) in [μ, L].

    Returns
    -------
    (learning_rate, beta)
        lr = 1 / L  and  beta = (√κ - 1) / (√κ + 1)

    On a quadratic the gentlest direction then has a double root 1 - 1/√κ.
    Unlike Polyak's tuning, it keeps its guarantee on every smooth strongly
    convex function, not only on quadratics.
    """
    _check_curvatures(smallest, largest)
    root = np.sqrt(largest / smallest)
    return 1.0 / largest, float((root - 1.0) / (root + 1.0))


def nesterov_standard_rate(kappa: float) -> float:
    """The factor per step of Nesterov's usual tuning on a quadratic: 1 - 1/√κ."""
    _check_kappa(kappa)
    return float(1.0 - 1.0 / np.sqrt(kappa))


def nesterov_optimal_parameters(smallest: float, largest: float) -> tuple[float, float]:
    """The (lr, beta) that make Nesterov fastest on a quadratic in [μ, L].

    Returns
    -------
    (learning_rate, beta)
        lr = 4 / (3L + μ)  and  beta = (√(3κ + 1) - 2) / (√(3κ + 1) + 2)
    """
    _check_curvatures(smallest, largest)
    root = np.sqrt(3.0 * largest / smallest + 1.0)
    return float(4.0 / (3.0 * largest + smallest)), float((root - 2.0) / (root + 2.0))


def nesterov_optimal_rate(kappa: float) -> float:
    """Nesterov's factor per step at its best tuning: 1 - 2 / √(3κ + 1)."""
    _check_kappa(kappa)
    return float(1.0 - 2.0 / np.sqrt(3.0 * kappa + 1.0))


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


# ---------------------------------------------------------------------------
# Plateaus and saddles: momentum where the gradient is steady, or pushes away.


def _check_beta_below_one(beta: ArrayLike) -> Array:
    b = np.asarray(beta, float)
    if not np.all((b >= 0) & (b < 1)):
        raise ValueError(f"beta={beta!r} is not allowed; allowed: 0 <= beta < 1")
    return b


def _check_steps(steps: ArrayLike, smallest: int) -> Array:
    k = np.asarray(steps)
    whole = np.issubdtype(k.dtype, np.integer) or (
        np.issubdtype(k.dtype, np.floating) and np.all(k == np.round(k))
    )
    if not (whole and np.all(k >= smallest)):
        raise ValueError(
            f"steps={steps!r} is not allowed; allowed: whole numbers >= {smallest}"
        )
    return k.astype(float)


def plateau_distance(steps: ArrayLike, beta: ArrayLike) -> Array:
    """How far momentum has moved on a constant slope, in gradient steps.

    Started at rest, after k steps of classical momentum the velocity is
    lr g (1 - beta**j) / (1 - beta) at step j, so the distance covered is
    lr g times

        S_k = sum_{j=1..k} (1 - beta**j) / (1 - beta)
            = (k - beta (1 - beta**k) / (1 - beta)) / (1 - beta).

    Gradient descent (beta = 0) covers k gradient steps.
    """
    k, b = _check_steps(steps, 0), _check_beta_below_one(beta)
    return (k - b * (1 - b**k) / (1 - b)) / (1 - b)


def plateau_position(
    steps: ArrayLike,
    learning_rate: ArrayLike,
    beta: ArrayLike,
    slope: ArrayLike,
    start: ArrayLike = 0.0,
) -> Array:
    """Where classical momentum stands after k steps on f(x) = slope * x.

    x_k = start - lr * slope * S_k, with S_k from `plateau_distance`:
    the ball starts at rest and gathers speed towards lr * slope / (1 - beta)
    per step. Broadcasts over all arguments.

    Notes
    -----
    v <- beta v + lr g,  x <- x - v,  with g = slope at every step.
    """
    distance = plateau_distance(steps, beta)
    rate = np.asarray(learning_rate, float) * np.asarray(slope, float)
    return np.asarray(start, float) - rate * distance


def plateau_speedup(steps: ArrayLike, beta: ArrayLike) -> Array:
    """Momentum's distance over gradient descent's after k >= 1 steps.

    S_k / k (see `plateau_distance`): 1 after the first step, which is a
    plain gradient step, and rising towards 1 / (1 - beta), the
    `effective_window`, as the velocity builds up.
    """
    k = _check_steps(steps, 1)
    return plateau_distance(k, beta) / k


def build_up_steps(beta: ArrayLike, fraction: ArrayLike = 0.9) -> Array:
    """Steps until a velocity started at rest reaches ``fraction`` of full speed.

    On a constant slope the velocity after k steps is the fraction
    1 - beta**k of its terminal value, so it reaches ``fraction`` at
    k = ln(1 - fraction) / ln(beta): not a whole number; the first whole
    step at or after it is the first at which the fraction is reached.
    With fraction 0.9 and beta = 0.9 this is about 22 steps; with beta =
    0.99, about 229.
    """
    b = np.asarray(beta, float)
    if not np.all((b > 0) & (b < 1)):
        raise ValueError(f"beta={beta!r} is not allowed; allowed: 0 < beta < 1")
    share = np.asarray(fraction, float)
    if not np.all((share > 0) & (share < 1)):
        raise ValueError(
            f"fraction={fraction!r} is not allowed; allowed: 0 < fraction < 1"
        )
    return np.log(1 - share) / np.log(b)


def saddle_growth(
    learning_rate: ArrayLike, beta: ArrayLike, falling: ArrayLike = 1.0
) -> Array:
    """The factor per step by which heavy ball leaves a saddle, in the long run.

    Along a direction of negative curvature -falling the iteration matrix is
    `heavy_ball_matrix` with eigenvalue -falling; its larger root

        rho = (1 + beta + h + √((1 + beta + h)² - 4 beta)) / 2,  h = lr * falling,

    is its spectral radius, above 1: the distance from the ridge grows by
    rho per step. Gradient descent (beta = 0) grows by 1 + h.
    """
    h = np.asarray(learning_rate, float) * np.asarray(falling, float)
    if not np.all(h > 0):
        raise ValueError(
            f"learning_rate={learning_rate!r}, falling={falling!r} is not allowed; "
            "allowed: both > 0"
        )
    b = _check_beta_below_one(beta)
    trace = 1 + b + h
    return (trace + np.sqrt(trace**2 - 4 * b)) / 2


def saddle_escape_steps(
    learning_rate: ArrayLike,
    beta: ArrayLike,
    start: ArrayLike,
    distance: ArrayLike = 1.0,
    falling: ArrayLike = 1.0,
) -> Array:
    """Steps heavy ball takes to get ``distance`` away from a saddle's ridge.

    Started at rest at ``start`` > 0 along a direction of curvature
    -falling, the offset after k steps is exactly

        y_k = start (c rho**k + (1 - c) sigma**k),  c = (rho - beta) / (rho - sigma),

    with rho = `saddle_growth` and sigma = beta / rho the matrix's other
    root (its first step is a gradient step, y_1 = (1 + h) start). The
    second term is positive and shrinks, so y_k first exceeds
    ``distance`` at the returned k, or one step earlier:

        k = ln(distance / (c start)) / ln(rho),  rounded up.
    """
    y0, far = np.asarray(start, float), np.asarray(distance, float)
    if not np.all((y0 > 0) & (far > y0)):
        raise ValueError(
            f"start={start!r}, distance={distance!r} is not allowed; allowed: "
            "0 < start < distance"
        )
    rho = saddle_growth(learning_rate, beta, falling)
    sigma = np.asarray(beta, float) / rho
    share = (rho - np.asarray(beta, float)) / (rho - sigma)
    return np.ceil(np.log(far / (share * y0)) / np.log(rho)).astype(int)


def heavy_ball_noise_covariance(
    learning_rate: float, beta: float, eigenvalue: float, noise: float
) -> Array:
    """The stationary covariance of (x, v) with noisy gradients, numerically.

    Heavy ball on f(x) = ½ λ x² with gradients λ x + noise·ξ (ξ standard
    normal, fresh at each step) settles into a distribution whose 2×2
    covariance S solves the discrete Lyapunov equation

        S = A S Aᵀ + lr² noise² b bᵀ,   b = (-1, 1),

    with A = `heavy_ball_matrix`: the noise enters v with +lr and x with
    -lr. The equation is linear in S; it is solved here as a 4×4 system.
    Only for a stable setting (`heavy_ball_is_stable`).
    """
    if not heavy_ball_is_stable(learning_rate, beta, eigenvalue):
        raise ValueError(
            f"learning_rate={learning_rate!r}, beta={beta!r} with "
            f"eigenvalue={eigenvalue!r} is not allowed; allowed: a stable "
            "setting, -1 < beta < 1 and 0 < lr*eigenvalue < 2(1 + beta)"
        )
    matrix = heavy_ball_matrix(learning_rate, beta, eigenvalue)
    kick = learning_rate * noise * np.array([-1.0, 1.0])
    system = np.eye(4) - np.kron(matrix, matrix)
    return np.linalg.solve(system, np.outer(kick, kick).ravel()).reshape(2, 2)


def heavy_ball_noise_floor(
    learning_rate: ArrayLike, beta: ArrayLike, eigenvalue: ArrayLike, noise: ArrayLike
) -> Array:
    """The stationary E[x²] of heavy ball on ½ λ x² with gradient noise.

    The closed form of `heavy_ball_noise_covariance`'s first entry:

        E[x²] = lr noise² (1 + beta) / (λ (1 - beta) (2 (1 + beta) - lr λ))

    The mean loss is λ/2 times this. For small lr λ it is about
    lr noise² / (2 λ (1 - beta)): proportional to the effective learning
    rate lr / (1 - beta). At a fixed effective rate a = lr / (1 - beta) it
    is a noise² / (λ (2 - a λ (1 - beta) / (1 + beta))), which falls as
    beta rises, towards a noise² / (2 λ).
    """
    lr, b = np.asarray(learning_rate, float), np.asarray(beta, float)
    lam, sigma = np.asarray(eigenvalue, float), np.asarray(noise, float)
    if not np.all(np.isfinite(sigma) & (sigma >= 0)):
        raise ValueError(
            f"noise={noise!r} is not allowed; allowed: finite standard deviations >= 0"
        )
    if not np.all(heavy_ball_is_stable(lr, b, lam)):
        raise ValueError(
            f"learning_rate={learning_rate!r}, beta={beta!r} with "
            f"eigenvalue={eigenvalue!r} is not allowed; allowed: stable "
            "settings, -1 < beta < 1 and 0 < lr*eigenvalue < 2(1 + beta)"
        )
    return lr * sigma**2 * (1 + b) / (lam * (1 - b) * (2 * (1 + b) - lr * lam))


# ---------------------------------------------------------------------------
# Beyond one optimizer on one loss: stale gradients, and two-player games.


def delayed_heavy_ball_matrix(
    learning_rate: ArrayLike, beta: ArrayLike, eigenvalue: ArrayLike, delay: int
) -> Array:
    """The companion matrix of heavy ball fed gradients ``delay`` steps old.

    Along an eigenvalue λ, with the gradient of x_(t - delay) arriving at
    update t (`optim.delay` before classical momentum),

        x_(t+1) = x_t + beta (x_t - x_(t-1)) - lr λ x_(t - delay),

    a linear recurrence on the last m + 1 positions, m = max(delay, 1).

    Parameters
    ----------
    learning_rate, beta, eigenvalue : float or array
        Broadcast against each other.
    delay : int
        The staleness in updates, >= 0.

    Returns
    -------
    array, shape (..., m + 1, m + 1)
        The matrix acting on (x_t, x_(t-1), ..., x_(t-m)); with delay 0 its
        eigenvalues are those of `heavy_ball_matrix`.

    Examples
    --------
    >>> delayed_heavy_ball_matrix(0.1, 0.5, 2.0, 2)
    array([[ 1.5, -0.5, -0.2],
           [ 1. ,  0. ,  0. ],
           [ 0. ,  1. ,  0. ]])
    """
    if not (
        isinstance(delay, int | np.integer)
        and not isinstance(delay, bool)
        and delay >= 0
    ):
        raise ValueError(f"delay={delay!r} is not allowed; allowed: an integer >= 0")
    h, b = np.broadcast_arrays(
        np.asarray(learning_rate, float) * np.asarray(eigenvalue, float),
        np.asarray(beta, float),
    )
    size = max(int(delay), 1) + 1
    matrix = np.zeros((*h.shape, size, size))
    matrix[..., 0, 0] = 1 + b
    matrix[..., 0, 1] = -b
    matrix[..., 0, delay] -= h
    matrix[..., np.arange(1, size), np.arange(size - 1)] = 1.0
    return matrix


def delayed_heavy_ball_rate(
    learning_rate: ArrayLike, beta: ArrayLike, eigenvalue: ArrayLike, delay: int
) -> Array:
    """The factor per step of heavy ball with stale gradients, along λ.

    The spectral radius of `delayed_heavy_ball_matrix`: below 1 exactly
    when the run converges. The roots solve

        z^(delay+1) - (1 + beta) z^delay + beta z^(delay-1) + lr λ = 0

    (for delay 0, multiply through by z). Staleness alone can make gradient
    descent (beta = 0) oscillate: with delay 1 the roots of
    z² - z + lr λ are complex once lr λ > 1/4, and a longer delay makes
    that happen at a smaller lr λ.

    Returns
    -------
    array
        Broadcast over the arguments; below 1 means convergence.
    """
    return spectral_radius(
        delayed_heavy_ball_matrix(learning_rate, beta, eigenvalue, delay)
    )


def bilinear_game_matrix(
    learning_rate: ArrayLike, beta: ArrayLike, *, alternating: bool = True
) -> Array:
    """The linear map of gradient descent-ascent with momentum on min_x max_y xy.

    x descends on f(x, y) = x y, y ascends; both use classical momentum
    written on positions, x' = x - lr ∂f/∂x + beta (x - x_prev). The map acts
    on (x, y, x_prev, y_prev) and has shape (..., 4, 4).

    Parameters
    ----------
    learning_rate, beta : float or array
        A negative beta is allowed: that is the point (Gidel et al., 2019).
    alternating : bool
        True: y takes its step with the gradient at the new x. False: both
        players step at once, from the same (x, y).

    Returns
    -------
    array, shape (..., 4, 4)
        Its spectral radius is the factor per step of the distance to the
        equilibrium (0, 0).

    Notes
    -----
    x' = x - lr y + beta (x - x_prev)
    y' = y + lr x' + beta (y - y_prev)     (alternating; x in place of x'
    when simultaneous)
    """
    if not isinstance(alternating, bool):
        raise ValueError(
            f"alternating={alternating!r} is not allowed; allowed: True or False"
        )
    lr, b = np.broadcast_arrays(
        np.asarray(learning_rate, float), np.asarray(beta, float)
    )
    zero, one = np.zeros_like(lr), np.ones_like(lr)
    row_x = np.stack([1 + b, -lr, -b, zero], -1)
    if alternating:
        row_y = np.stack([lr * (1 + b), 1 + b - lr**2, -lr * b, -b], -1)
    else:
        row_y = np.stack([lr, 1 + b, zero, -b], -1)
    row_xp = np.stack([one, zero, zero, zero], -1)
    row_yp = np.stack([zero, one, zero, zero], -1)
    return np.stack([row_x, row_y, row_xp, row_yp], -2)
