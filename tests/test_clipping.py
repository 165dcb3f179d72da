"""Tests of clipping, the safe norm, the non-finite guard and the cliff."""

import warnings

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from course_lib import optim, problems, run, schedules, theory


def apply_once(transform, grads, params=None):
    """The updates a fresh transformation makes of one gradient."""
    params = np.zeros_like(grads) if params is None else params
    updates, _ = transform.update(grads, transform.init(params), params)
    return updates


def angle(a, b):
    cosine = a @ b / (np.linalg.norm(a) * np.linalg.norm(b))
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))


# ---------------------------------------------------------------------------
# The safe norm.


def test_safe_norm_matches_numpy_on_ordinary_vectors():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((5, 7))
    assert_allclose(optim.safe_norm(x), np.linalg.norm(x, axis=-1), rtol=1e-14)
    assert_allclose(optim.safe_norm(x, axis=0), np.linalg.norm(x, axis=0))
    assert optim.safe_norm(x, keepdims=True).shape == (5, 1)


def test_safe_norm_of_huge_and_tiny_entries_does_not_overflow_or_underflow():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert_allclose(optim.safe_norm(np.array([3e200, 4e200])), 5e200)
        assert_allclose(optim.safe_norm(np.array([3e-200, 4e-200])), 5e-200)
    with np.errstate(over="ignore"):
        assert np.isinf(np.sqrt(np.sum(np.array([3e200, 4e200]) ** 2)))


def test_safe_norm_of_zeros_inf_and_nan_without_warnings():
    x = np.array([[0.0, 0.0], [np.inf, 1.0], [np.nan, 1.0], [-np.inf, np.nan]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        norms = optim.safe_norm(x)
    assert norms[0] == 0.0 and norms[1] == np.inf
    assert np.isnan(norms[2]) and np.isnan(norms[3])


# ---------------------------------------------------------------------------
# The three clippers.


def test_clip_by_value_clips_each_coordinate_and_turns_the_direction():
    g = np.array([0.5, -3.0, 2.0])
    out = apply_once(optim.clip_by_value(1.0), g)
    assert_array_equal(out, [0.5, -1.0, 1.0])
    assert angle(out, g) > 10


def test_clip_by_global_norm_keeps_direction_and_caps_norm():
    g = np.array([3.0, -4.0, 12.0])
    out = apply_once(optim.clip_by_global_norm(2.0), g)
    assert_allclose(np.linalg.norm(out), 2.0)
    assert_allclose(out, g * 2.0 / 13.0)
    assert angle(out, g) < 1e-6


def test_gradients_within_the_threshold_pass_unchanged():
    g = np.array([0.3, -0.4])
    assert_array_equal(apply_once(optim.clip_by_global_norm(0.5), g), g)
    assert_array_equal(apply_once(optim.clip_by_global_norm(1.0), np.zeros(2)), 0)
    assert_array_equal(apply_once(optim.clip_by_block_norm(0.5, (1, 1)), g), g)


def test_global_norm_clips_each_run_of_a_batch_by_its_own_norm():
    g = np.array([[3.0, 4.0], [0.3, 0.4], [-6.0, 8.0]])
    out = apply_once(optim.clip_by_global_norm(1.0), g)
    assert_allclose(np.linalg.norm(out, axis=1), [1.0, 0.5, 1.0])
    assert_array_equal(out[1], g[1])


def test_threshold_may_differ_per_run():
    g = np.tile([3.0, 4.0], (2, 1))
    out = apply_once(optim.clip_by_global_norm(np.array([1.0, 2.0])), g)
    assert_allclose(np.linalg.norm(out, axis=1), [1.0, 2.0])


def test_threshold_schedule_is_read_at_each_step():
    clip = optim.clip_by_global_norm(lambda k: 1.0 + k)
    g, state = np.array([30.0, 40.0]), clip.init(np.zeros(2))
    norms = []
    for _ in range(3):
        out, state = clip.update(g, state, np.zeros(2))
        norms.append(np.linalg.norm(out))
    assert_allclose(norms, [1.0, 2.0, 3.0])


def test_a_zero_gradient_passes_every_clipper_as_zeros_without_warnings():
    zero = np.zeros((2, 3))
    clippers = [
        optim.clip_by_value(1.0),
        optim.clip_by_global_norm(1.0),
        optim.clip_by_block_norm(1.0, (1, 2)),
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for clip in clippers:
            assert_array_equal(apply_once(clip, zero), zero)


def test_block_norm_clips_each_block_on_its_own():
    g = np.array([0.5, -0.2, 0.3, 12.0, -9.0])
    out = apply_once(optim.clip_by_block_norm(1.0, blocks=(3, 2)), g)
    assert_array_equal(out[:3], g[:3])
    assert_allclose(out[3:], [0.8, -0.6])
    whole = apply_once(optim.clip_by_global_norm(1.0), g)
    assert np.all(np.abs(whole[:3]) < np.abs(out[:3]))


def test_block_norm_per_run_over_the_batch_axis():
    g = np.array([[3.0, 3.0, 4.0], [0.5, 0.0, 0.0]])
    out = apply_once(optim.clip_by_block_norm(1.0, [1, 2]), g)
    assert_allclose(out, [[1.0, 0.6, 0.8], [0.5, 0.0, 0.0]])


@pytest.mark.parametrize("blocks", [(), (2, 0), (1.5, 1), "ab", None, (True, 1)])
def test_bad_blocks_are_named(blocks):
    with pytest.raises(ValueError, match=r"blocks=.*allowed: a non-empty sequence"):
        optim.clip_by_block_norm(1.0, blocks)


def test_blocks_that_do_not_cover_the_parameters():
    clip = optim.clip_by_block_norm(1.0, (2, 2))
    with pytest.raises(ValueError, match=r"covers 4 coordinates.*add up to 5"):
        clip.init(np.zeros(5))


@pytest.mark.parametrize(
    "make",
    [
        optim.clip_by_value,
        optim.clip_by_global_norm,
        lambda c: optim.clip_by_block_norm(c, (1,)),
    ],
)
@pytest.mark.parametrize("value", [0.0, -1.0, np.inf, np.nan, "big"])
def test_bad_threshold_is_named(make, value):
    with pytest.raises(ValueError, match=r"threshold=.*allowed: a finite number > 0"):
        make(value)


@pytest.mark.parametrize(
    "clip",
    [
        optim.clip_by_value(1.0),
        optim.clip_by_global_norm(1.0),
        optim.clip_by_block_norm(1.0, (1, 1)),
    ],
)
@pytest.mark.parametrize("bad", [np.inf, -np.inf, np.nan])
def test_clippers_refuse_non_finite_gradients(clip, bad):
    g = np.array([0.5, bad])
    with pytest.raises(ValueError, match=r"index \(1,\).*allowed: finite gradients"):
        clip.update(g, clip.init(g), g)


def test_clipping_does_not_change_its_input():
    g = np.array([3.0, 4.0])
    copy = g.copy()
    apply_once(optim.clip_by_global_norm(1.0), g)
    apply_once(optim.clip_by_value(1.0), g)
    assert_array_equal(g, copy)


# ---------------------------------------------------------------------------
# Clipping with momentum: the order in the chain, and the bound.


def chains(lr, beta, c):
    clip = optim.clip_by_global_norm(lr * c)
    scale, trace = optim.scale_by_learning_rate(lr), optim.trace(beta)
    return optim.chain(scale, clip, trace), optim.chain(scale, trace, clip)


def test_clip_before_momentum_is_classical_momentum_on_clipped_gradients():
    lr, beta, c = 0.1, 0.9, 1.0
    before, _ = chains(lr, beta, c)
    grads = np.array([[30.0, 40.0], [0.3, 0.4], [-6.0, 8.0]])
    velocity, expected = run.velocity_history(before, grads), np.zeros(2)
    for g, v in zip(grads, velocity, strict=True):
        expected = beta * expected + lr * g * min(1.0, c / np.linalg.norm(g))
        assert_allclose(v, expected)


def test_clip_after_momentum_caps_the_step_not_the_velocity():
    lr, beta, c = 0.1, 0.9, 1.0
    _, after = chains(lr, beta, c)
    g = np.array([300.0, 400.0])
    step, state = after.update(g, after.init(np.zeros(2)), np.zeros(2))
    assert_allclose(np.linalg.norm(step), lr * c)
    assert_allclose(state[1].velocity, lr * g)


@pytest.mark.parametrize("beta", [0.0, 0.5, 0.9, 0.99])
def test_velocity_bound_holds_for_adversarial_gradients(beta):
    lr, c = 0.05, 2.0
    before, _ = chains(lr, beta, c)
    bound = lr * c / (1 - beta)
    rng = np.random.default_rng(3)
    sequences = [
        np.tile([3e8, -4e8], (400, 1)),
        1e4 * rng.standard_cauchy((400, 3)),
        np.outer((-1.0) ** np.arange(400), [1e6, 1e6]),
        rng.standard_normal((400, 2)) * np.geomspace(1e-3, 1e150, 400)[:, None],
    ]
    for grads in sequences:
        speeds = np.linalg.norm(run.velocity_history(before, grads), axis=-1)
        assert speeds.max() <= bound * (1 + 1e-12)
    constant = np.linalg.norm(run.velocity_history(before, sequences[0]), axis=-1)
    k = np.arange(1, 401)
    assert_allclose(constant, bound * (1 - beta**k))


def test_without_clipping_the_velocity_exceeds_any_such_bound():
    lr, beta = 0.05, 0.9
    plain = optim.momentum_classical(lr, beta)
    speeds = np.linalg.norm(run.velocity_history(plain, [[3e6, 4e6]]), axis=-1)
    assert speeds[0] == pytest.approx(lr * 5e6)


# ---------------------------------------------------------------------------
# Micro-batches: clipping once equals clipping the full gradient.


def test_clip_once_equals_clipping_the_full_batch_and_clip_each_does_not():
    rng = np.random.default_rng(7)
    inputs = rng.standard_normal((64, 3))
    labels = inputs @ np.array([1.0, -2.0, 0.5])
    labels[:4] += 40.0
    weights = np.zeros(3)

    def mean_gradient(rows):
        return inputs[rows].T @ (inputs[rows] @ weights - labels[rows]) / len(rows)

    micro = np.array([mean_gradient(r) for r in np.array_split(np.arange(64), 4)])
    full = mean_gradient(np.arange(64))
    clip = optim.clip_by_global_norm(0.5)
    once = apply_once(clip, micro.sum(axis=0) / 4)
    assert_allclose(once, apply_once(clip, full), rtol=1e-12, atol=1e-15)
    each = apply_once(clip, micro).mean(axis=0)
    assert angle(each, apply_once(clip, full)) > 5


# ---------------------------------------------------------------------------
# The guard for non-finite gradients.


def feed(optimizer, gradients, params):
    state, positions = optimizer.init(params), []
    for g in gradients:
        updates, state = optimizer.update(np.asarray(g, float), state, params)
        params = optim.apply_updates(params, updates)
        positions.append(params)
    return np.array(positions), state


def test_skip_leaves_parameters_and_velocity_unchanged_and_counts():
    inner = optim.momentum_classical(0.1, 0.9)
    guarded = optim.guard_nonfinite(inner, nonfinite="skip")
    grads = [[1.0, 0.0], [np.nan, 0.0], [1.0, 0.0]]
    positions, state = feed(guarded, grads, np.ones(2))
    clean, _ = feed(inner, [grads[0], grads[2]], np.ones(2))
    assert_array_equal(positions[1], positions[0])
    assert_array_equal(positions[2], clean[1])
    assert int(state.skipped) == 1


def test_skip_in_a_batch_touches_only_the_bad_run():
    inner = optim.chain(
        optim.scale_by_learning_rate(0.1),
        optim.clip_by_global_norm(0.5),
        optim.trace(0.9),
    )
    guarded = optim.guard_nonfinite(inner)
    grads = [
        [[1.0, 0.0], [1.0, 0.0]],
        [[1.0, 0.0], [np.inf, 0.0]],
        [[1.0, 0.0], [1.0, 0.0]],
    ]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        positions, state = feed(guarded, grads, np.ones((2, 2)))
    assert_array_equal(state.skipped, [0, 1])
    assert_array_equal(positions[1, 1], positions[0, 1])
    assert_array_equal(positions[2, 1], positions[1, 0])
    unguarded, _ = feed(inner, [g[0] for g in grads], np.ones(2))
    assert_array_equal(positions[:, 0], unguarded)


def test_skip_keeps_the_pytorch_buffer_start_when_the_first_step_is_skipped():
    inner = optim.momentum_pytorch(0.1, 0.9, dampening=0.5)
    guarded = optim.guard_nonfinite(inner)
    positions, _ = feed(guarded, [[np.nan], [2.0]], np.zeros(1))
    clean, _ = feed(inner, [[2.0]], np.zeros(1))
    assert_array_equal(positions[-1], clean[-1])


def test_skip_in_a_batch_restores_per_run_state_such_as_steps_since_restart():
    # A scheduled beta is read at each run's count of steps since restart,
    # so a skipped step must not advance that count for the skipped run.
    inner = optim.nesterov_with_restart(0.1, schedules.accelerated_momentum())
    guarded = optim.guard_nonfinite(inner)
    grads = [[[1.0], [1.0]], [[1.0], [np.nan]], [[1.0], [1.0]], [[1.0], [1.0]]]
    positions, state = feed(guarded, grads, np.zeros((2, 1)))
    clean, clean_state = feed(inner, [[1.0], [1.0], [1.0]], np.zeros(1))
    assert_array_equal(positions[1:, 1], clean)
    memory, clean_memory = state.inner[1][1], clean_state[1][1]
    assert_array_equal(memory.since_restart, [4, 3])
    assert memory.since_restart[1] == clean_memory.since_restart


def test_skip_restores_the_previous_signal_of_the_function_criterion():
    def loss(params):
        return 0.5 * np.sum(params**2, axis=-1)

    inner = optim.trace_with_restart(0.9, criterion="function", value=loss)
    guarded = optim.guard_nonfinite(inner)
    params = np.array([[1.0], [2.0]])
    state = guarded.init(params)
    _, state = guarded.update(np.ones((2, 1)), state, params)
    before = state.inner[1].previous_signal.copy()
    _, state = guarded.update(np.array([[1.0], [np.nan]]), state, params + 1.0)
    assert state.inner[1].previous_signal[1] == before[1]
    assert state.inner[1].previous_signal[0] == loss(params[0] + 1.0)


def test_raise_names_the_step_the_index_and_the_value():
    guarded = optim.guard_nonfinite(
        optim.momentum_classical(0.1, 0.9), nonfinite="raise"
    )
    params = np.zeros((3, 2))
    state = guarded.init(params)
    _, state = guarded.update(np.ones((3, 2)), state, params)
    bad = np.ones((3, 2))
    bad[2, 1] = -np.inf
    with pytest.raises(ValueError, match=r"update 1 contains -inf at index \(2, 1\)"):
        guarded.update(bad, state, params)


@pytest.mark.parametrize("policy", ["zero", None, "Skip"])
def test_bad_policy_is_named(policy):
    with pytest.raises(ValueError, match=r"nonfinite=.*allowed: one of"):
        optim.guard_nonfinite(optim.gradient_descent(0.1), nonfinite=policy)


def test_guard_passes_finite_gradients_and_lookahead_queries_through():
    inner = optim.lookahead_momentum(0.1, 0.9)
    guarded = optim.guard_nonfinite(inner)
    problem = problems.Quadratic([1.0, 10.0])
    plain = run.run(inner, problem, np.array([1.0, 1.0]), 30)
    wrapped = run.run(guarded, problem, np.array([1.0, 1.0]), 30)
    assert_array_equal(plain.positions, wrapped.positions)
    assert_array_equal(plain.velocities, wrapped.velocities)


# ---------------------------------------------------------------------------
# The cliff.


def test_cliff_gradient_matches_finite_differences():
    cliff = problems.Cliff()
    points = np.array([[2.1, 0.3], [1.7, -1.0], [4.0, 1.0], [-1.0, 0.5]])
    h, eye = 1e-6, np.eye(2)
    numeric = np.stack(
        [
            (cliff.value(points + h * e) - cliff.value(points - h * e)) / (2 * h)
            for e in eye
        ],
        axis=-1,
    )
    assert_allclose(cliff.grad(points), numeric, rtol=1e-6, atol=1e-5)
    loss, grad = cliff.value_and_grad(points)
    assert_array_equal(loss, cliff.value(points))
    assert_array_equal(grad, cliff.grad(points))


def test_cliff_shape_minimum_and_steepest_slope():
    cliff = problems.Cliff(drop=100.0, edge=2.0, width=0.5)
    assert cliff.value(cliff.minimizer) == 0.0
    assert_array_equal(cliff.grad(cliff.minimizer), [0.0, 0.0])
    high, low = cliff.value(np.array([[3.0, 0.0], [1.0, 0.0]]))
    assert high - low == pytest.approx(100.0 + 0.05 * (9 - 1))
    slope = cliff.grad(np.array([cliff.edge, 0.0]))[0]
    assert slope == pytest.approx(cliff.steepest + 0.1 * cliff.edge)
    assert_allclose(cliff.hessian(cliff.minimizer), np.diag([0.1, 1.0]))


def test_cliff_hessian_matches_finite_differences_of_the_gradient():
    cliff = problems.Cliff()
    point, h = np.array([2.2, 0.4]), 1e-6
    numeric = np.stack(
        [
            (cliff.grad(point + h * e) - cliff.grad(point - h * e)) / (2 * h)
            for e in np.eye(2)
        ],
        axis=-1,
    )
    assert_allclose(cliff.hessian(point), numeric, rtol=1e-5)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"drop": 0.0}, "drop="),
        ({"width": -1.0}, "width="),
        ({"edge": 0.2, "width": 0.5}, "edge=0.2"),
        ({"curvatures": (1.0, 0.0)}, "curvatures="),
        ({"curvatures": "ab"}, "curvatures="),
    ],
)
def test_cliff_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match + ".*allowed"):
        problems.Cliff(**kwargs)


def test_clip_before_momentum_crosses_the_cliff_without_being_thrown():
    cliff, start = problems.Cliff(), np.array([4.5, 1.0])
    lr, beta, c = 0.1, 0.9, 2.0
    before, after = chains(lr, beta, c)
    plain = optim.chain(optim.scale_by_learning_rate(lr), optim.trace(beta))
    runs = [run.run(opt, cliff, start, 400) for opt in (plain, before, after)]
    farthest = [-r.positions[:, 0].min() for r in runs]
    assert farthest[0] > 100 * farthest[1] and farthest[2] > 3 * farthest[1]
    speeds = np.linalg.norm(runs[1].velocities, axis=-1)
    assert speeds.max() <= lr * c / (1 - beta)
    assert np.linalg.norm(runs[1].final_position) < 1e-6


@pytest.mark.parametrize("noise", [-1.0, np.nan, np.inf, [1.0, -0.5]])
def test_heavy_ball_noise_floor_names_bad_noise(noise):
    with pytest.raises(ValueError, match=r"noise=.*allowed: finite"):
        theory.heavy_ball_noise_floor(0.1, 0.9, 1.0, noise)


def test_heavy_ball_noise_floor_accepts_zero_noise():
    assert theory.heavy_ball_noise_floor(0.1, 0.9, 1.0, 0.0) == 0.0
