"""Adam, RMSProp, Newton, stale gradients, state sizes, games: lesson 09's tools."""

import numpy as np
import pytest
from numpy.testing import assert_allclose

from course_lib import optim, problems, run, theory

GRADIENTS = np.random.default_rng(3).standard_normal((40, 4))


def steps_of(transform, gradients, params=None):
    """The updates a transformation returns for a sequence of gradients."""
    params = np.zeros_like(gradients[0]) if params is None else params
    state, steps = transform.init(params), []
    for g in gradients:
        step, state = transform.update(g, state, params)
        steps.append(step)
    return np.array(steps), state


# ---------------------------------------------------------------------------
# Adam and RMSProp


def test_adam_matches_pytorch_update_rule():
    lr, b1, b2, eps = 0.01, 0.8, 0.99, 1e-6
    steps, _ = steps_of(optim.adam(lr, b1, b2, eps), GRADIENTS)
    m = s = np.zeros(4)
    for t, g in enumerate(GRADIENTS, start=1):
        m = b1 * m + (1 - b1) * g
        s = b2 * s + (1 - b2) * g * g
        # torch.optim.Adam: step_size = lr / bc1; denom = sqrt(s) / sqrt(bc2) + eps
        denom = np.sqrt(s) / np.sqrt(1 - b2**t) + eps
        assert_allclose(steps[t - 1], lr / (1 - b1**t) * m / denom, rtol=1e-12)


def test_adam_without_bias_correction_uses_raw_averages():
    steps, state = steps_of(optim.adam(0.1, bias_correction=False), GRADIENTS[:1])
    g = GRADIENTS[0]
    expected = 0.1 * (0.1 * g) / (np.sqrt(0.001 * g * g) + 1e-8)
    assert_allclose(steps[0], expected, rtol=1e-12)
    assert isinstance(state[0], optim.AdamState)


def test_adam_first_moment_is_the_averaging_velocity():
    averaging = run.velocity_history(optim.momentum_averaging(0.3, 0.85), GRADIENTS)
    first = run.velocity_history(optim.adam(0.3, b1=0.85), GRADIENTS)
    assert np.array_equal(first, averaging)


def test_corrected_adam_on_a_constant_gradient_steps_by_the_learning_rate():
    constant = np.full((20, 2), -3.0)
    steps, _ = steps_of(optim.adam(0.05, eps=0.0), constant)
    assert_allclose(steps, -0.05, rtol=1e-12)
    raw, _ = steps_of(optim.adam(0.05, eps=0.0, bias_correction=False), constant)
    assert_allclose(raw[0], -0.05 * 0.1 / np.sqrt(0.001), rtol=1e-12)


def test_adam_is_invariant_to_the_scale_of_the_gradients():
    small, _ = steps_of(optim.adam(0.01, eps=0.0), GRADIENTS)
    large, _ = steps_of(optim.adam(0.01, eps=0.0), 1e4 * GRADIENTS)
    assert_allclose(small, large, rtol=1e-10)


def test_rmsprop_matches_pytorch_update_rule():
    lr, decay, eps = 0.01, 0.9, 1e-8
    steps, _ = steps_of(optim.rmsprop(lr, decay, eps), GRADIENTS)
    s = np.zeros(4)
    for k, g in enumerate(GRADIENTS):
        s = decay * s + (1 - decay) * g * g
        assert_allclose(steps[k], lr * g / (np.sqrt(s) + eps), rtol=1e-12)


def test_adam_runs_a_batch_of_learning_rates():
    bowl = problems.DiagonalQuadratic(np.array([1.0, 1e-3]))
    lrs = np.array([0.01, 0.02])
    batch = run.run(optim.adam(lrs), bowl, np.ones(2), 30, batch=2)
    for i, lr in enumerate(lrs):
        alone = run.run(optim.adam(lr), bowl, np.ones(2), 30)
        assert_allclose(batch.positions[:, i], alone.positions, rtol=1e-12)
    assert np.any(batch.velocities[-1] != 0), "Adam's first moment is recorded"


@pytest.mark.parametrize(
    ("make", "named"),
    [
        (lambda: optim.adam(0.1, b1=1.0), "b1=1.0"),
        (lambda: optim.adam(0.1, b2=-0.1), "b2=-0.1"),
        (lambda: optim.adam(0.1, eps=-1.0), "eps=-1.0"),
        (lambda: optim.adam(0.0), "learning_rate=0.0"),
        (lambda: optim.adam(0.1, bias_correction="yes"), "bias_correction='yes'"),
        (lambda: optim.rmsprop(0.1, decay=1.5), "decay=1.5"),
        (lambda: optim.scale_by_rms(eps=np.nan), "eps=nan"),
    ],
)
def test_bad_adaptive_hyperparameters_are_refused(make, named):
    with pytest.raises(ValueError, match="allowed") as error:
        make()
    assert named in str(error.value)


# ---------------------------------------------------------------------------
# Hessians and Newton's method


def finite_difference_hessian(problem, point, h=1e-6):
    columns = []
    for i in range(problem.dim):
        e = np.zeros(problem.dim)
        e[i] = h
        columns.append((problem.grad(point + e) - problem.grad(point - e)) / (2 * h))
    return np.array(columns).T


@pytest.mark.parametrize(
    "problem",
    [
        problems.Quadratic([0.5, 3.0, 40.0], minimizer=[1.0, -2.0, 0.5]),
        problems.Quadratic.from_condition_number(50.0, angle=0.4),
        problems.DiagonalQuadratic(np.array([1e-3, 0.2, 7.0])),
        problems.Rosenbrock(),
    ],
)
def test_hessians_match_finite_differences_of_the_gradient(problem):
    hessian = getattr(problem, "hessian_at", None) or problem.hessian
    points = np.random.default_rng(0).standard_normal((5, problem.dim))
    assert hessian(points).shape == (5, problem.dim, problem.dim)
    for point in points:
        numeric = finite_difference_hessian(problem, point)
        assert_allclose(hessian(point), numeric, rtol=1e-5, atol=1e-5)


def test_quadratic_keeps_its_hessian_matrix_attribute():
    bowl = problems.Quadratic([1.0, 9.0])
    assert_allclose(bowl.hessian_at(np.zeros((3, 2)))[1], bowl.hessian)
    assert bowl.hessian.shape == (2, 2)


def test_newton_solves_a_quadratic_in_one_step():
    bowl = problems.Quadratic.from_condition_number(1e4, angle=0.3)
    bowl = problems.Quadratic(bowl.eigenvalues, bowl.rotation, minimizer=[2.0, -1.0])
    for hessian in (bowl.hessian, bowl.hessian_at):
        trajectory = run.run(optim.newton(hessian), bowl, [5.0, 5.0], 1)
        assert_allclose(trajectory.positions[1], bowl.minimizer, atol=1e-10)


def test_newton_on_a_batch_matches_each_run_alone():
    valley = problems.Rosenbrock()
    starts = np.array([[-1.2, 1.0], [0.5, 0.5], [2.0, 3.0]])
    lrs = np.array([1.0, 0.5, 1.0])
    batch = run.run(optim.newton(valley.hessian, lrs), valley, starts, 8)
    for i in range(3):
        alone = run.run(optim.newton(valley.hessian, lrs[i]), valley, starts[i], 8)
        assert_allclose(batch.positions[:, i], alone.positions, rtol=1e-12)
    assert batch.losses[-1, 0] < 1e-12


def test_newton_with_a_singular_hessian_reports_divergence_without_warnings():
    line = problems.DiagonalQuadratic(np.array([1.0, 1.0]))

    def flat_hessian(x):
        h = np.zeros((*np.shape(x), 2))
        h[..., 0, 0] = 1.0
        return h

    trajectory = run.run(optim.newton(flat_hessian), line, [1.0, 1.0], 3)
    assert trajectory.diverged
    starts = np.array([[1.0, 1.0], [2.0, 2.0]])
    good = run.run(optim.newton(line.hessian), line, starts, 2)
    assert not good.diverged.any()


def test_newton_refuses_a_bad_matrix():
    with pytest.raises(ValueError, match="hessian with shape"):
        optim.newton(np.ones((2, 3)))
    with pytest.raises(ValueError, match="does not match"):
        optim.newton(np.eye(3)).init(np.zeros(2))


# ---------------------------------------------------------------------------
# Stale gradients


def test_delay_passes_on_old_gradients_after_zeros():
    steps, state = steps_of(optim.delay(3), GRADIENTS[:10])
    assert np.all(steps[:3] == 0)
    assert np.array_equal(steps[3:], GRADIENTS[:7])
    assert state.queue.shape == (3, 4)
    passed, _ = steps_of(optim.delay(0), GRADIENTS[:5])
    assert np.array_equal(passed, GRADIENTS[:5])


def test_delay_works_on_a_batch_of_runs():
    gradients = GRADIENTS.reshape(20, 2, 4)
    steps, _ = steps_of(optim.delay(2), gradients)
    assert np.array_equal(steps[2:], gradients[:-2])


@pytest.mark.parametrize("bad", [-1, 1.5, True, "2"])
def test_delay_refuses_bad_steps(bad):
    with pytest.raises(ValueError, match="allowed: an integer >= 0"):
        optim.delay(bad)


@pytest.mark.parametrize(("lr", "beta", "delay"), [(0.2, 0.0, 3), (0.05, 0.5, 2)])
def test_delayed_heavy_ball_rate_matches_runs(lr, beta, delay):
    line = problems.DiagonalQuadratic(np.array([2.0]))
    method = optim.chain(optim.delay(delay), optim.momentum_classical(lr, beta))
    trajectory = run.run(method, line, [1.0], 400)
    measured = run.rate_per_step(np.abs(trajectory.positions[:, 0]), 300, 400)
    predicted = theory.delayed_heavy_ball_rate(lr, beta, 2.0, delay)
    assert abs(measured / predicted - 1) < 0.01


def test_delay_zero_companion_matrix_has_heavy_balls_eigenvalues():
    companion = theory.delayed_heavy_ball_matrix(0.1, 0.7, 3.0, 0)
    ours = np.sort_complex(np.linalg.eigvals(companion))
    heavy = np.sort_complex(np.linalg.eigvals(theory.heavy_ball_matrix(0.1, 0.7, 3.0)))
    assert_allclose(ours, heavy, atol=1e-12)


def test_delayed_matrix_broadcasts_and_has_the_right_polynomial():
    lrs, betas = np.array([0.1, 0.2]), np.array([[0.0], [0.5]])
    matrices = theory.delayed_heavy_ball_matrix(lrs, betas, 1.0, 3)
    assert matrices.shape == (2, 2, 4, 4)
    roots = np.linalg.eigvals(matrices[1, 0])
    # z^4 - (1 + b) z^3 + b z^2 + h = 0 with h = 0.1, b = 0.5
    assert_allclose(np.polyval([1, -1.5, 0.5, 0, 0.1], roots), 0, atol=1e-12)
    with pytest.raises(ValueError, match="delay=-1"):
        theory.delayed_heavy_ball_matrix(0.1, 0.5, 1.0, -1)


# ---------------------------------------------------------------------------
# The bilinear game


@pytest.mark.parametrize("alternating", [True, False])
def test_bilinear_game_matrix_matches_the_updates(alternating):
    lr, beta = 0.4, -0.3
    x, y, xp, yp = 1.0, -0.5, 0.7, 0.2
    x_new = x - lr * y + beta * (x - xp)
    y_new = y + lr * (x_new if alternating else x) + beta * (y - yp)
    matrix = theory.bilinear_game_matrix(lr, beta, alternating=alternating)
    assert_allclose(matrix @ [x, y, xp, yp], [x_new, y_new, x, y], atol=1e-15)


def test_bilinear_game_radii():
    lrs = np.linspace(0.05, 1.9, 20)
    simultaneous = theory.bilinear_game_matrix(lrs, 0.0, alternating=False)
    assert np.all(theory.spectral_radius(simultaneous) > 1)
    circling = theory.spectral_radius(theory.bilinear_game_matrix(lrs, 0.0))
    assert_allclose(circling, 1.0, atol=1e-12)
    assert theory.spectral_radius(theory.bilinear_game_matrix(0.87, -0.5)) < 0.9
    with pytest.raises(ValueError, match="alternating=1"):
        theory.bilinear_game_matrix(0.1, 0.0, alternating=1)


# ---------------------------------------------------------------------------
# State sizes and resuming


def test_state_nbytes_counts_arrays_only():
    params = np.zeros(10)
    assert optim.state_nbytes(optim.gradient_descent(0.1).init(params)) == 0
    assert optim.state_nbytes(optim.momentum_classical(0.1, 0.9).init(params)) == 80
    assert optim.state_nbytes(optim.adam(0.1).init(params)) == 160
    assert optim.state_nbytes(optim.adam(0.1).init(params), itemsize=4) == 80
    nested = {"a": [np.zeros(3), (np.zeros(2, dtype=np.float32), 5)], "b": 1.0}
    assert optim.state_nbytes(nested) == 24 + 8
    with pytest.raises(ValueError, match="itemsize=0"):
        optim.state_nbytes(nested, itemsize=0)


@pytest.mark.parametrize(
    "method",
    [optim.momentum_classical(0.01, 0.9), optim.adam(0.05), optim.nesterov(0.01, 0.9)],
)
def test_run_resumes_exactly_from_a_final_state(method):
    ravine = problems.Quadratic.from_condition_number(100.0, angle=0.5)
    start = np.array([[1.0, 1.5], [-1.0, 0.5]])
    whole = run.run(method, ravine, start, 50)
    first = run.run(method, ravine, start, 15)
    rest = run.run(method, ravine, first.final_position, 35, state=first.final_state)
    assert np.array_equal(rest.positions, whole.positions[15:])
    assert np.array_equal(rest.losses, whole.losses[15:])
    fresh = run.run(method, ravine, first.final_position, 35)
    assert not np.array_equal(fresh.positions, whole.positions[15:])


# ---------------------------------------------------------------------------
# Bad inputs to the new pieces, refused with a clear message


def test_newton_refuses_what_is_not_a_matrix_or_a_function():
    with pytest.raises(ValueError, match="hessian of type str"):
        optim.newton("identity")
    with pytest.raises(ValueError, match="params is a scalar"):
        optim.newton(np.eye(1)).init(np.float64(1.0))


def test_newton_names_a_hessian_function_of_the_wrong_shape():
    def wide(x):
        return np.ones((*np.shape(x), 3))

    line = problems.DiagonalQuadratic(np.array([1.0, 2.0]))
    with pytest.raises(ValueError, match=r"returned shape \(2, 3\).*allowed: shape"):
        run.run(optim.newton(wide), line, [1.0, 1.0], 2)


def test_state_nbytes_refuses_an_optimizer_and_odd_leaves():
    with pytest.raises(ValueError, match="an optimizer, not its state"):
        optim.state_nbytes(optim.adam(0.1))
    with pytest.raises(ValueError, match="type str"):
        optim.state_nbytes((np.zeros(2), "velocity"))
    assert optim.state_nbytes((np.zeros(2), None, 3), itemsize=np.int64(4)) == 8


def test_run_refuses_a_state_of_another_optimizer():
    bowl = problems.DiagonalQuadratic(np.array([1.0, 2.0]))
    momentum = run.run(optim.momentum_classical(0.1, 0.9), bowl, [1.0, 1.0], 3)
    with pytest.raises(ValueError, match="state does not have the layout"):
        run.run(optim.adam(0.1), bowl, [1.0, 1.0], 3, state=momentum.final_state)
    with pytest.raises(ValueError, match="state does not have the layout"):
        run.run(
            optim.momentum_classical(0.1, 0.9),
            bowl,
            [[1.0, 1.0], [2.0, 2.0]],
            3,
            state=momentum.final_state,
        )


@pytest.mark.parametrize(("delay", "threshold"), [(1, 0.25), (2, 0.148), (4, 0.082)])
def test_stale_gradient_descent_oscillates_only_past_a_threshold(delay, threshold):
    def dominant_root(h):
        roots = np.linalg.eigvals(theory.delayed_heavy_ball_matrix(h, 0.0, 1.0, delay))
        return roots[np.argmax(np.abs(roots))]

    assert dominant_root(0.9 * threshold).imag == 0
    assert dominant_root(1.1 * threshold).imag != 0
