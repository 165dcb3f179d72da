"""Tests of the tuning helpers of lesson 05: run.tune_momentum and its record."""

import numpy as np
import pytest

from course_lib import optim, problems, run, theory

RAVINE = problems.Quadratic([1.0, 100.0], rotation=problems.rotation_2d(np.pi / 6))
START = np.array([-1.5, 1.0])


def test_tune_momentum_cuts_a_diverging_learning_rate_before_adding_momentum():
    tuning = run.tune_momentum(RAVINE, START, 200, 0.06)
    first, second, third = tuning.attempts[:3]
    assert first.beta == second.beta == third.beta == 0.0
    assert first.diverged and second.diverged and not third.diverged
    assert third.learning_rate == 0.015  # below the edge 2/L = 0.02
    assert first.decision.startswith("diverged") and third.outcome.startswith("loss")


def test_tune_momentum_keeps_the_best_stable_setting_it_tried():
    tuning = run.tune_momentum(RAVINE, START, 200, 0.015)
    stable = [a for a in tuning.attempts if not a.diverged]
    best = min(stable, key=lambda a: a.final_loss)
    assert (tuning.learning_rate, tuning.beta) == (best.learning_rate, best.beta)
    assert tuning.final_loss == best.final_loss
    assert tuning.beta >= 0.9, "momentum beats gradient descent in a ravine"
    assert tuning.attempts[-1].decision in {"no better: stop"} or (
        tuning.attempts[-1].beta == 0.99
    )


def test_tune_momentum_records_what_each_run_gives():
    tuning = run.tune_momentum(RAVINE, START, 150, 0.015, betas=(0.9, 0.95))
    for attempt in tuning.attempts:
        optimizer = optim.momentum_classical(attempt.learning_rate, attempt.beta)
        trajectory = run.run(optimizer, RAVINE, START, 150)
        assert attempt.diverged_at == int(trajectory.diverged_at)
        assert attempt.final_loss == float(trajectory.losses[-1])


def test_tune_momentum_lowers_the_learning_rate_when_a_larger_beta_diverges():
    valley = problems.Rosenbrock()
    tuning = run.tune_momentum(valley, np.array([0.0, 2.5]), 1500, 2.5e-3)
    betas = [a.beta for a in tuning.attempts]
    assert betas[0] == 0.0 and not tuning.attempts[0].diverged
    cut = [a for a in tuning.attempts if a.beta > 0 and a.diverged]
    assert cut, "some beta diverged at the learning rate of gradient descent"
    after = tuning.attempts[tuning.attempts.index(cut[0]) + 1]
    assert after.beta == cut[0].beta
    assert after.learning_rate == 0.5 * cut[0].learning_rate
    assert tuning.learning_rate < 2.5e-3 and tuning.beta > 0


def test_tune_momentum_keeps_gradient_descent_when_momentum_does_not_help():
    round_bowl = problems.Quadratic([1.0, 1.0])
    tuning = run.tune_momentum(round_bowl, START, 30, 0.5)
    assert tuning.beta == 0.0 and tuning.learning_rate == 0.5
    assert [a.decision for a in tuning.attempts] == [
        "works without momentum",
        "no better: stop",
    ]


def test_tuning_table_has_a_line_per_attempt():
    tuning = run.tune_momentum(RAVINE, START, 100, 0.03, betas=(0.9,))
    lines = tuning.table().splitlines()
    assert len(lines) == len(tuning.attempts) + 1
    assert "diverged at step" in lines[1] and "decision" in lines[0]


def test_a_quadratic_never_needs_a_lower_learning_rate_for_a_larger_beta():
    # The edge 2 (1 + beta) / L only moves out as beta grows.
    tuning = run.tune_momentum(RAVINE, START, 200, 0.019)
    assert not any(a.diverged for a in tuning.attempts)
    edges = theory.heavy_ball_max_learning_rate(np.array([0.0, 0.9, 0.99]), 100.0)
    assert np.all(np.diff(edges) > 0)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"learning_rate": 0.0}, r"learning_rate=0\.0.*finite number > 0"),
        ({"learning_rate": np.inf}, r"learning_rate=inf"),
        ({"learning_rate": "0.1"}, r"learning_rate='0\.1'"),
        ({"betas": ()}, r"betas=\(\).*non-empty increasing"),
        ({"betas": (0.9, 0.5)}, r"betas=\(0\.9, 0\.5\).*increasing"),
        ({"betas": (0.9, 1.0)}, r"between 0 and 1"),
        ({"betas": "abc"}, r"betas='abc'"),
        ({"shrink": 1.0}, r"shrink=1\.0.*0 < shrink < 1"),
        ({"max_shrinks": 0}, r"max_shrinks=0.*integer >= 1"),
    ],
)
def test_tune_momentum_rejects_bad_input(kwargs, message):
    arguments = {"learning_rate": 0.01} | kwargs
    with pytest.raises(ValueError, match=message):
        run.tune_momentum(RAVINE, START, 10, **arguments)


def test_tune_momentum_gives_up_when_no_cut_makes_gradient_descent_stable():
    with pytest.raises(ValueError, match=r"diverged even after 2 cuts"):
        run.tune_momentum(RAVINE, START, 50, 100.0, max_shrinks=2)


def test_noisy_gradients_scatter_around_the_exact_gradient():
    noisy = problems.NoisyGradients(RAVINE, noise=0.5, seed=3)
    points = np.tile(START, (20000, 1))
    grads = noisy.grad(points)
    assert np.allclose(grads.mean(axis=0), RAVINE.grad(START), atol=0.02)
    assert np.allclose(grads.std(axis=0), 0.5, rtol=0.03)
    assert np.array_equal(noisy.value(points[:3]), RAVINE.value(points[:3]))
    assert noisy.dim == 2 and noisy.minimum_value == 0.0


def test_noisy_gradients_repeat_with_the_seed_and_vanish_without_noise():
    first = problems.NoisyGradients(RAVINE, 1.0, seed=7).grad(START)
    again = problems.NoisyGradients(RAVINE, 1.0, seed=7).grad(START)
    other = problems.NoisyGradients(RAVINE, 1.0, seed=8).grad(START)
    exact = problems.NoisyGradients(RAVINE, 0.0).grad(START)
    assert np.array_equal(first, again) and not np.array_equal(first, other)
    assert np.array_equal(exact, RAVINE.grad(START))


def test_momentum_on_noisy_gradients_settles_at_the_predicted_floor():
    # On a quadratic, the mean loss settles near dim * noise² * lr / (4 (1 - beta))
    # while lr * curvature is small: the noise floor scales with lr / (1 - beta).
    bowl = problems.Quadratic([1.0, 2.0])
    noisy = problems.NoisyGradients(bowl, noise=1.0, seed=0)
    lr, beta = 0.002, 0.9
    trajectory = run.run(
        optim.momentum_classical(lr, beta), noisy, START, 2000, batch=200
    )
    floor = trajectory.losses[1000:].mean()
    assert abs(floor / (2 * lr / (4 * (1 - beta))) - 1) < 0.05


@pytest.mark.parametrize("bad", [-1.0, np.nan, "1", True])
def test_noisy_gradients_reject_bad_noise(bad):
    with pytest.raises(ValueError, match=r"noise=.*finite number >= 0"):
        problems.NoisyGradients(RAVINE, bad)
