"""Tests of course_lib.schedules: values at each step, purity, bad input."""

import math

import numpy as np
import pytest

from course_lib import schedules


def test_constant():
    schedule = schedules.constant(0.3)
    assert [schedule(k) for k in (0, 1, 1000)] == [0.3, 0.3, 0.3]


def test_piecewise_constant_changes_at_the_given_steps_inclusive():
    schedule = schedules.piecewise_constant(1.0, {20: 0.25, 10: 0.5})
    values = [schedule(k) for k in (0, 9, 10, 19, 20, 500)]
    assert values == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]


def test_piecewise_constant_with_a_change_at_step_zero():
    schedule = schedules.piecewise_constant(1.0, {0: 0.1})
    assert schedule(0) == 0.1


def test_schedules_are_pure_functions_of_the_step():
    schedule = schedules.piecewise_constant(1.0, {3: 0.5})
    forward = [schedule(k) for k in range(6)]
    backward = [schedule(k) for k in reversed(range(6))][::-1]
    assert forward == backward


@pytest.mark.parametrize("bad", [math.nan, math.inf, "0.1", None])
def test_constant_rejects_non_finite_values(bad):
    with pytest.raises(ValueError, match=rf"value={bad!r}.*allowed: a finite number"):
        schedules.constant(bad)


def test_piecewise_constant_rejects_bad_initial_steps_and_values():
    with pytest.raises(ValueError, match=r"initial=nan.*allowed: a finite number"):
        schedules.piecewise_constant(math.nan, {})
    with pytest.raises(ValueError, match=r"step -1.*allowed: integers >= 0"):
        schedules.piecewise_constant(1.0, {-1: 0.5})
    with pytest.raises(ValueError, match=r"step 2\.5.*allowed: integers >= 0"):
        schedules.piecewise_constant(1.0, {2.5: 0.5})
    with pytest.raises(ValueError, match=r"changes\[4\]=inf.*allowed: a finite"):
        schedules.piecewise_constant(1.0, {4: math.inf})


def test_piecewise_constant_copies_its_changes():
    changes = {3: 0.5}
    schedule = schedules.piecewise_constant(1.0, changes)
    changes[3] = -1.0
    assert schedule(5) == 0.5


def test_piecewise_constant_accepts_numpy_steps_and_values():
    schedule = schedules.piecewise_constant(1.0, {np.int64(2): np.float32(0.5)})
    assert schedule(2) == 0.5


def test_step_decay_drops_by_the_factor_every_few_steps():
    schedule = schedules.step_decay(2.0, 0.5, every=10)
    values = [schedule(k) for k in (0, 9, 10, 19, 20, 35)]
    assert values == [2.0, 2.0, 1.0, 1.0, 0.5, 0.25]


def test_exponential_decay_multiplies_by_the_rate_at_every_step():
    schedule = schedules.exponential_decay(1.0, 0.9)
    values = np.array([schedule(k) for k in range(50)])
    assert values[0] == 1.0
    assert np.allclose(values[1:] / values[:-1], 0.9, rtol=1e-12)


def test_cosine_decay_falls_from_initial_to_final_and_stays():
    schedule = schedules.cosine_decay(1.0, 100, final=0.1)
    values = np.array([schedule(k) for k in range(121)])
    assert values[0] == 1.0 and np.isclose(values[50], 0.55)
    assert np.all(np.diff(values[:101]) < 0)
    assert np.allclose(values[100:], 0.1)


def test_cosine_warm_restarts_restarts_and_stretches_its_cycles():
    schedule = schedules.cosine_warm_restarts(1.0, 10, final=0.0, period_factor=2)
    values = np.array([schedule(k) for k in range(70)])
    restarts = [k for k in range(1, 70) if values[k] > values[k - 1]]
    assert restarts == [10, 30]  # cycles of 10, then 20, then 40 steps
    assert values[0] == values[10] == values[30] == 1.0
    assert np.isclose(values[5], 0.5) and np.isclose(values[20], 0.5)


def test_cosine_warm_restarts_with_one_cycle_length_repeats():
    schedule = schedules.cosine_warm_restarts(0.3, 7)
    assert [schedule(k) for k in range(7)] == [schedule(k + 7) for k in range(7)]


def test_decaying_schedules_are_pure_functions_of_the_step():
    for schedule in [
        schedules.step_decay(1.0, 0.1, 3),
        schedules.exponential_decay(1.0, 0.95),
        schedules.cosine_decay(1.0, 20),
        schedules.cosine_warm_restarts(1.0, 5, period_factor=2),
    ]:
        forward = [schedule(k) for k in range(40)]
        backward = [schedule(k) for k in reversed(range(40))][::-1]
        assert forward == backward


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: schedules.step_decay(math.nan, 0.1, 3), r"initial=nan.*finite"),
        (lambda: schedules.step_decay(1.0, 0.0, 3), r"factor=0\.0.*finite number > 0"),
        (lambda: schedules.step_decay(1.0, -0.5, 3), r"factor=-0\.5.*> 0"),
        (lambda: schedules.step_decay(1.0, 0.1, 0), r"every=0.*integer >= 1"),
        (lambda: schedules.step_decay(1.0, 0.1, 2.5), r"every=2\.5.*integer >= 1"),
        (lambda: schedules.exponential_decay(1.0, math.inf), r"rate=inf.*finite"),
        (lambda: schedules.exponential_decay("1", 0.9), r"initial='1'.*finite"),
        (lambda: schedules.cosine_decay(1.0, 0), r"steps=0.*integer >= 1"),
        (lambda: schedules.cosine_decay(1.0, 10, final=None), r"final=None.*finite"),
        (lambda: schedules.cosine_warm_restarts(1.0, -3), r"period=-3.*>= 1"),
        (
            lambda: schedules.cosine_warm_restarts(1.0, 5, period_factor=0),
            r"period_factor=0.*integer >= 1",
        ),
        (
            lambda: schedules.cosine_warm_restarts(1.0, True),
            r"period=True.*integer >= 1",
        ),
    ],
)
def test_decaying_schedules_reject_bad_input(make, message):
    with pytest.raises(ValueError, match=message):
        make()
