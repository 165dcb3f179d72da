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
