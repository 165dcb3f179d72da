"""Tests of the models on real data: the digits, their models, noise floors."""

import numpy as np
import pytest
from numpy.testing import assert_allclose, assert_array_equal

from course_lib import optim, problems, run, theory

DATA = problems.digits(seed=0)
SMALL = problems.digits(seed=0, train_size=40)


def make_model(kind: str, **options):
    if kind == "softmax":
        return problems.SoftmaxRegression(
            SMALL.train_inputs, SMALL.train_labels, **options
        )
    return problems.MultilayerPerceptron(
        SMALL.train_inputs, SMALL.train_labels, hidden=6, **options
    )


def random_point(model, seed: int = 3) -> np.ndarray:
    return model.initial(seed) + 0.3 * np.random.default_rng(seed).normal(
        size=model.dim
    )


# The digits ---------------------------------------------------------------


def test_digits_split_sizes_and_scaling():
    assert DATA.train_inputs.shape[1] == DATA.features == 64
    total = DATA.train_labels.size + DATA.validation_labels.size
    assert total == 1797
    assert DATA.validation_labels.size == round(0.25 * 1797)
    assert_allclose(DATA.train_inputs.mean(axis=0), 0.0, atol=1e-12)
    spread = DATA.train_inputs.std(axis=0)
    assert np.all(np.isclose(spread, 1.0) | np.isclose(spread, 0.0))
    assert set(np.unique(DATA.train_labels)) == set(range(10))


def test_digits_is_repeatable_and_depends_on_the_seed():
    again = problems.digits(seed=0)
    assert_array_equal(again.train_inputs, DATA.train_inputs)
    assert_array_equal(again.validation_labels, DATA.validation_labels)
    other = problems.digits(seed=1)
    assert not np.array_equal(other.train_labels, DATA.train_labels)


def test_digits_train_size_keeps_the_first_examples_of_the_shuffle():
    assert SMALL.train_labels.size == 40
    assert_array_equal(SMALL.train_labels, DATA.train_labels[:40])
    assert_array_equal(SMALL.validation_labels, DATA.validation_labels)


@pytest.mark.parametrize(
    "options, named",
    [
        ({"seed": 1.5}, "seed=1.5"),
        ({"validation_fraction": 1.0}, "validation_fraction=1.0"),
        ({"validation_fraction": 0}, "validation_fraction=0"),
        ({"train_size": 0}, "train_size=0"),
        ({"train_size": 5000}, "train_size=5000"),
    ],
)
def test_digits_rejects_bad_input(options, named):
    with pytest.raises(ValueError, match=named.replace(".", r"\.")):
        problems.digits(**options)


# The models: exact gradients, batches, mini-batches -------------------------


def central_differences(model, point: np.ndarray, step: float = 1e-6) -> np.ndarray:
    estimate = np.empty(model.dim)
    for i in range(model.dim):
        shift = np.zeros(model.dim)
        shift[i] = step
        ahead, behind = model.value(point + shift), model.value(point - shift)
        estimate[i] = (ahead - behind) / (2 * step)
    return estimate


@pytest.mark.parametrize("kind", ["softmax", "network"])
def test_gradient_matches_finite_differences(kind):
    model = make_model(kind)
    point = random_point(model)
    exact = model.grad(point)
    assert exact.shape == (model.dim,)
    assert np.abs(exact).max() > 1e-3, "a point where the gradient is not tiny"
    assert_allclose(exact, central_differences(model, point), atol=1e-7)


def test_dimensions_follow_the_architecture():
    softmax, network = make_model("softmax"), make_model("network")
    assert softmax.dim == 10 * (64 + 1)
    assert network.dim == (64 + 1) * 6 + (6 + 1) * 10
    weights, biases = softmax.unpack(np.arange(softmax.dim, dtype=float))
    assert weights.shape == (64, 10) and biases.shape == (10,)
    assert weights[0, 1] == 1.0 and biases[0] == 640.0
    w1, b1, w2, b2 = network.unpack(np.zeros((3, network.dim)))
    assert (w1.shape, b1.shape, w2.shape, b2.shape) == (
        (3, 64, 6),
        (3, 6),
        (3, 6, 10),
        (3, 10),
    )


@pytest.mark.parametrize("kind", ["softmax", "network"])
@pytest.mark.parametrize("shape", [(3,), (2, 20)])
def test_a_batch_of_points_gives_what_each_point_gives(kind, shape):
    model = make_model(kind)
    rng = np.random.default_rng(5)
    points = model.initial(0) + 0.3 * rng.normal(size=(*shape, model.dim))
    values, grads = model.value_and_grad(points)
    assert values.shape == shape and grads.shape == (*shape, model.dim)
    for index in np.ndindex(*shape):
        assert_allclose(values[index], model.value(points[index]), rtol=1e-12)
        assert_allclose(grads[index], model.grad(points[index]), atol=1e-12)
    assert model.accuracy(points).shape == shape


def test_loss_at_zero_is_log_ten_and_accuracy_is_a_share():
    model = make_model("softmax")
    assert_allclose(model.value(np.zeros(model.dim)), np.log(10.0))
    trained = run.run(optim.gradient_descent(0.5), model, np.zeros(model.dim), 200)
    assert trained.losses[-1] < 0.05
    assert model.accuracy(trained.final_position) == 1.0, "40 examples: memorised"
    predictions = model.predict(trained.final_position)
    assert predictions.shape == (40,) and predictions.dtype.kind == "i"


def test_on_gives_the_same_model_on_other_data_with_full_gradients():
    model = make_model("network", batch_size=4, seed=1)
    validation = model.on(SMALL.validation_inputs, SMALL.validation_labels)
    assert isinstance(validation, problems.MultilayerPerceptron)
    assert validation.dim == model.dim and validation.batch_size is None
    point = random_point(model)
    assert_allclose(validation.grad(point), validation.grad(point))
    assert validation.value(point) != model.value(point)


@pytest.mark.parametrize("kind", ["softmax", "network"])
def test_minibatches_repeat_with_the_seed_and_differ_between_calls(kind):
    point = random_point(make_model(kind))
    first = make_model(kind, batch_size=5, seed=7)
    second = make_model(kind, batch_size=5, seed=7)
    draws = [first.grad(point) for _ in range(3)]
    for draw in draws:
        assert_array_equal(draw, second.grad(point))
    assert not np.allclose(draws[0], draws[1])
    assert_allclose(first.value(point), make_model(kind).value(point), rtol=1e-12)


def test_minibatch_of_all_examples_is_the_full_gradient():
    point = random_point(make_model("network"))
    every = make_model("network", batch_size=40, seed=2)
    assert_allclose(every.grad(point), make_model("network").grad(point), atol=1e-12)


def test_minibatch_gradients_average_to_the_full_gradient():
    model = make_model("softmax", batch_size=8, seed=4)
    point = random_point(model)
    mean = np.mean([model.grad(point) for _ in range(3000)], axis=0)
    full = make_model("softmax").grad(point)
    assert np.abs(mean - full).max() < 0.05 * np.abs(full).max()


@pytest.mark.parametrize(
    "options, named",
    [
        ({"batch_size": 0}, "batch_size=0"),
        ({"batch_size": 41}, "batch_size=41"),
        ({"batch_size": 2.0}, "batch_size=2.0"),
    ],
)
def test_models_reject_bad_batch_sizes(options, named):
    with pytest.raises(ValueError, match=named.replace(".", r"\.")):
        make_model("softmax", **options)


def test_models_reject_bad_data_and_points():
    with pytest.raises(ValueError, match="hidden=0"):
        problems.MultilayerPerceptron(SMALL.train_inputs, SMALL.train_labels, hidden=0)
    with pytest.raises(ValueError, match="labels"):
        problems.SoftmaxRegression(SMALL.train_inputs, SMALL.train_labels + 5)
    with pytest.raises(ValueError, match="inputs has shape"):
        problems.SoftmaxRegression(SMALL.train_inputs[0], SMALL.train_labels)
    with pytest.raises(ValueError, match="x has shape"):
        make_model("softmax").value(np.zeros(3))


def test_network_starts_with_distinct_units_and_zero_biases():
    network = make_model("network")
    w1, b1, _, b2 = network.unpack(network.initial(0))
    assert not np.any(b1) and not np.any(b2)
    assert np.unique(w1.round(12), axis=1).shape[1] == network.hidden
    assert_array_equal(network.initial(0), network.initial(0))
    assert not np.array_equal(network.initial(0), network.initial(1))


# The models under run() ------------------------------------------------------


@pytest.mark.parametrize("kind", ["softmax", "network"])
def test_run_trains_single_and_batched_models(kind):
    model = make_model(kind)
    start = model.initial(0)
    single = run.run(optim.momentum_classical(0.1, 0.9), model, start, 30)
    batched = run.run(
        optim.momentum_classical(np.array([0.1, 0.01]), 0.9),
        model,
        start,
        30,
        batch=2,
    )
    assert single.positions.shape == (31, model.dim)
    assert batched.positions.shape == (31, 2, model.dim)
    assert single.losses[-1] < 0.5 * single.losses[0]
    assert_allclose(batched.losses[:, 0], single.losses, rtol=1e-10)


def test_minibatch_runs_repeat_with_the_seed():
    runs = [
        run.run(
            optim.nesterov(0.1, 0.9),
            make_model("softmax", batch_size=4, seed=9),
            np.zeros(650),
            20,
            record="losses",
        )
        for _ in range(2)
    ]
    assert_array_equal(runs[0].losses, runs[1].losses)
    assert runs[0].losses[-1] < runs[0].losses[0]


def test_progress_bar_changes_nothing_but_the_display(capsys):
    model = make_model("softmax")
    quiet = run.run(optim.momentum_classical(0.1, 0.9), model, np.zeros(650), 15)
    shown = run.run(
        optim.momentum_classical(0.1, 0.9), model, np.zeros(650), 15, progress=True
    )
    assert_array_equal(quiet.positions, shown.positions)
    assert "15/15" in capsys.readouterr().err, "tqdm's text bar, in a terminal"
    with pytest.raises(ValueError, match="progress='yes'"):
        run.run(optim.gradient_descent(0.1), model, np.zeros(650), 2, progress="yes")


# The noise floor of heavy ball -----------------------------------------------


@pytest.mark.parametrize(
    "lr, beta, eigenvalue, noise",
    [
        (0.1, 0.9, 1.0, 1.0),
        (0.5, 0.5, 2.0, 0.3),
        (1.5, 0.2, 1.0, 1.0),
        (0.3, 0.0, 4.0, 2.0),
        (0.01, 0.99, 3.0, 0.5),
        (0.2, -0.5, 1.0, 1.0),
    ],
)
def test_noise_floor_closed_form_solves_the_lyapunov_equation(
    lr, beta, eigenvalue, noise
):
    covariance = theory.heavy_ball_noise_covariance(lr, beta, eigenvalue, noise)
    matrix = theory.heavy_ball_matrix(lr, beta, eigenvalue)
    kick = lr * noise * np.array([-1.0, 1.0])
    assert_allclose(covariance, matrix @ covariance @ matrix.T + np.outer(kick, kick))
    floor = theory.heavy_ball_noise_floor(lr, beta, eigenvalue, noise)
    assert_allclose(floor, covariance[0, 0], rtol=1e-10)


def test_noise_floor_matches_monte_carlo_and_small_step_limit():
    lr, beta = 0.05, 0.8
    line = problems.NoisyGradients(problems.Quadratic([2.0]), 0.5, seed=11)
    noisy = run.run(optim.momentum_classical(lr, beta), line, [0.0], 1500, batch=600)
    measured = np.mean(np.square(noisy.positions[300:]))
    predicted = theory.heavy_ball_noise_floor(lr, beta, 2.0, 0.5)
    assert abs(measured / predicted - 1) < 0.03
    tiny = theory.heavy_ball_noise_floor(1e-6, beta, 2.0, 0.5)
    assert_allclose(tiny, 1e-6 * 0.25 / (2 * 2.0 * (1 - beta)), rtol=1e-5)


def test_noise_floor_falls_with_beta_at_a_fixed_effective_rate():
    betas = np.array([0.0, 0.5, 0.9, 0.99])
    effective = 1.0
    floors = theory.heavy_ball_noise_floor(effective * (1 - betas), betas, 1.0, 1.0)
    assert np.all(np.diff(floors) < 0)
    assert_allclose(floors[0], 1.0) and assert_allclose(floors[-1], 0.5, rtol=0.01)


def test_noise_floor_rejects_unstable_settings():
    with pytest.raises(ValueError, match=r"learning_rate=2\.5"):
        theory.heavy_ball_noise_floor(2.5, 0.0, 1.0, 1.0)
    with pytest.raises(ValueError, match=r"beta=1\.0"):
        theory.heavy_ball_noise_covariance(0.1, 1.0, 1.0, 1.0)
