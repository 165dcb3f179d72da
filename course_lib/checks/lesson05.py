"""Checks for the exercises of lesson 05, tuning learning rate and momentum."""

from __future__ import annotations

import copy
import functools
import math
from collections.abc import Callable

import numpy as np

from course_lib import optim, problems, run, theory
from course_lib.checks._core import (
    NEAR_MISS,
    as_array,
    as_pair,
    call,
    close,
    diagnose,
    fail,
    first_wrong,
    near_miss,
    pair_verdict,
    passed,
)

Array = np.ndarray


def _percent_off(got: float, right: float) -> str:
    """How far a number is from the right one, in words, without giving it."""
    if not np.isfinite(got):
        return f"is not a finite number ({got})"
    if right == 0:
        return "should be 0"
    change = 100 * (got / right - 1)
    return f"is {abs(change):.3g}% too {'high' if change > 0 else 'low'}"


# ---------------------------------------------------------------------------


def same_effective_rate(student: Callable, *, seed: int = 0) -> None:
    """Check ``same_effective_rate(lr, beta_old, beta_new) -> lr_new``.

    The new learning rate keeps the effective learning rate lr / (1 - beta).
    """
    __tracebackhide__ = True
    task = "same_effective_rate"
    rng = np.random.default_rng(seed)
    count = 0
    for raise_beta in (True, False, True, False):
        lr = float(10 ** rng.uniform(-3, -0.5))
        old, new = np.sort(rng.uniform(0.3, 0.99, size=2))
        old, new = (float(old), float(new)) if raise_beta else (float(new), float(old))
        got = as_array(task, "the learning rate", call(task, student, lr, old, new), ())
        window_old, window_new = (
            theory.effective_window(old),
            theory.effective_window(new),
        )
        right = lr * window_old / window_new
        count += 1
        if close(got, right):
            continue
        hint = diagnose(
            got,
            [
                (
                    "Your ratio is upside down: when beta goes up, the velocity "
                    "sums more gradients, so the learning rate must go down.",
                    lr * window_new / window_old,
                ),
                (
                    "You used (1 + beta) where the effective learning rate has "
                    "(1 - beta): that is the stability limit's factor, not the "
                    "number of gradients the velocity sums.",
                    lr * (1 + new) / (1 + old),
                ),
                (
                    "That is an effective learning rate, lr / (1 - beta); the "
                    "task asks for the new learning rate that keeps it fixed.",
                    lr * window_old,
                ),
                (
                    "That is an effective learning rate, lr / (1 - beta); the "
                    "task asks for the new learning rate that keeps it fixed.",
                    lr * window_new,
                ),
                (
                    "Your answer ignores the old beta: the effective learning "
                    "rate before the change depends on it too.",
                    lr * (1 - new),
                ),
                (
                    "You scaled by the ratio of the betas; the effective learning "
                    "rate depends on beta through 1 / (1 - beta).",
                    lr * new / old,
                ),
                (
                    "You scaled by the ratio of the betas; the effective learning "
                    "rate depends on beta through 1 / (1 - beta).",
                    lr * old / new,
                ),
                (
                    "You returned the learning rate unchanged: with a new beta the "
                    "same learning rate gives a different effective learning rate.",
                    lr,
                ),
            ],
        )
        if hint is None and near_miss(got, right):
            hint = NEAR_MISS
        fail(
            f"{hint or f'Your learning rate {_percent_off(float(got), right)}.'} "
            f"(test case with lr={lr:.3g}, beta_old={old:.3g}, beta_new={new:.3g})"
        )
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def max_stable_learning_rate(student: Callable, *, seed: int = 0) -> None:
    """Check ``max_stable_learning_rate(beta, L) -> lr``: 2 (1 + beta) / L for
    |beta| < 1, and 0.0 when no learning rate converges."""
    __tracebackhide__ = True
    task = "max_stable_learning_rate"
    rng = np.random.default_rng(seed)
    betas = [
        *rng.uniform(0.3, 0.99, size=2),
        rng.uniform(-0.9, -0.1),
        0.0,
        rng.uniform(1.01, 1.5),
        rng.uniform(-1.5, -1.01),
        1.0,  # the edges themselves: no learning rate converges there
        -1.0,
    ]
    count = 0
    for beta in betas:
        beta = float(beta)
        big = float(10 ** rng.uniform(-0.5, 2.5))
        got = as_array(task, "the learning rate", call(task, student, beta, big), ())
        inside = abs(beta) < 1
        right = float(theory.heavy_ball_max_learning_rate(beta, big)) if inside else 0.0
        count += 1
        if close(got, right):
            continue
        case = f"(test case with beta={beta:.3g}, L={big:.3g})"
        if not inside:
            if beta >= 1:
                hint = (
                    "With beta >= 1 no learning rate converges: the 2×2 matrix's "
                    "determinant is beta, so its spectral radius is at least "
                    "√beta >= 1. Return 0.0 then."
                )
            else:
                hint = (
                    "With beta <= -1 no learning rate converges (the spectral "
                    "radius is at least √|beta| >= 1): return 0.0, not a negative "
                    "learning rate."
                )
            fail(f"{hint} {case}")
        if beta < 0 and got == 0:
            fail(
                "Your function returns 0.0 for a negative beta, but negative beta "
                "is stable too when |beta| < 1 and the learning rate is small "
                f"enough: the stable region reaches down towards beta = -1. {case}"
            )
        formula = 2 * (1 + beta) / big
        hint = diagnose(
            got,
            [
                (
                    "You used gradient descent's limit 2/L and left beta out: "
                    "momentum widens the range of stable learning rates.",
                    2 / big,
                ),
                (
                    "Your limit has (1 - beta) where it should have (1 + beta): "
                    "more momentum allows a larger learning rate before the run "
                    "blows up.",
                    2 * (1 - beta) / big,
                ),
                (
                    "Your limit is off by a factor of 2: gradient descent's limit "
                    "is 2/L, and momentum multiplies it.",
                    formula / 2,
                ),
                (
                    "Your limit is off by a factor of 2: gradient descent's limit "
                    "is 2/L, and momentum multiplies it.",
                    formula * 2,
                ),
                (
                    "Your limit has √beta where it should have beta: the square "
                    "root belongs to the spectral radius, not to this limit.",
                    2 * (1 + np.sqrt(abs(beta))) / big,
                ),
                (
                    "You multiplied by L: the limit shrinks as the largest "
                    "curvature grows, so divide by it.",
                    2 * (1 + beta) * big,
                ),
                (
                    "You divided by (1 - beta): that is the effective-learning-rate "
                    "rule, not the stability limit of the 2×2 matrix.",
                    2 / (big * (1 - beta)),
                ),
            ],
        )
        fail(f"{hint or f'Your limit {_percent_off(float(got), right)}.'} {case}")
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def _cosine(steps: Array, total: int, lr_max: float, lr_min: float, angle) -> Array:
    """lr_min + (lr_max - lr_min) (1 + cos(angle)) / 2, element-wise."""
    return lr_min + (lr_max - lr_min) * (1 + np.cos(angle)) / 2


def cosine_schedule(student: Callable, *, seed: int = 0) -> None:
    """Check ``cosine_schedule(step, total, lr_max, lr_min) -> lr``.

    A half cosine from lr_max at step 0 to lr_min at step ``total``, then
    lr_min from there on.
    """
    __tracebackhide__ = True
    task = "cosine_schedule"
    rng = np.random.default_rng(seed)
    count = 0
    for total in (int(rng.integers(8, 15)), int(rng.integers(40, 120)), 3):
        lr_max = float(10 ** rng.uniform(-2, 0))
        lr_min = lr_max * float(rng.uniform(0.01, 0.2))
        steps = np.arange(total + total // 2 + 2)
        answers = []
        for step in steps:
            answer = call(task, student, int(step), total, lr_max, lr_min)
            answers.append(as_array(task, "the learning rate", answer, ()))
        got = np.array(answers)
        progress = np.minimum(steps, total) / total
        right = _cosine(steps, total, lr_max, lr_min, np.pi * progress)
        count += 1
        if close(got, right):
            continue
        free = steps / total  # the cosine not held at its end
        spread = lr_max - lr_min
        late = (
            "Your schedule does not stay at lr_min after step total: the cosine "
            "goes on and the learning rate climbs again. Hold it at lr_min."
        )
        mistakes = [
            (late, _cosine(steps, total, lr_max, lr_min, np.pi * free)),
            (
                "Your cosine runs a full period, so the learning rate climbs back "
                "to lr_max by step total: the schedule is half a period of the "
                "cosine, from 0 to π.",
                _cosine(steps, total, lr_max, lr_min, 2 * np.pi * progress),
            ),
            (
                "Your cosine runs only a quarter period, so the learning rate "
                "ends halfway: the schedule is half a period, from 0 to π.",
                _cosine(steps, total, lr_max, lr_min, np.pi * progress / 2),
            ),
            (
                "Your angle looks like degrees (180 for a half turn); np.cos and "
                "math.cos take radians.",
                _cosine(steps, total, lr_max, lr_min, 180 * progress),
            ),
            (
                "Your learning rate drops below lr_min: cos goes from 1 to -1, so "
                "shift it by 1 and halve it before you scale it.",
                lr_min + spread * np.cos(np.pi * progress),
            ),
            (
                "Your schedule starts at lr_min and climbs to lr_max: it should "
                "fall, from lr_max at step 0 to lr_min at step total.",
                _cosine(steps, total, lr_min, lr_max, np.pi * progress),
            ),
            (
                "Your schedule falls to 0 instead of lr_min: scale the cosine "
                "between lr_min and lr_max.",
                _cosine(steps, total, lr_max, 0.0, np.pi * progress),
            ),
            (
                "Your schedule is one step ahead: at step 0 it should give "
                "lr_max exactly.",
                _cosine(
                    steps,
                    total,
                    lr_max,
                    lr_min,
                    np.pi * np.minimum(steps + 1, total) / total,
                ),
            ),
            (
                "Your schedule reaches lr_min one step early: it should get "
                "there at step total.",
                _cosine(
                    steps,
                    total,
                    lr_max,
                    lr_min,
                    np.pi * np.minimum(steps, total - 1) / (total - 1),
                ),
            ),
            (
                "Your learning rate stays at lr_max and only jumps at the end: "
                "step // total is integer division, use step / total.",
                _cosine(steps, total, lr_max, lr_min, np.pi * (steps // total)),
            ),
        ]
        hint = diagnose(got, mistakes)
        if hint is None and near_miss(got, right):
            hint = NEAR_MISS
        if hint is None:
            wrong = first_wrong(got, right)
            hint = (
                f"Your learning rate at step {wrong} "
                f"{_percent_off(float(got[wrong]), float(right[wrong]))}."
            )
        fail(
            f"{hint} (test case with total={total}, lr_max={lr_max:.3g}, "
            f"lr_min={lr_min:.3g})"
        )
    passed(task, count, seed)


# ---------------------------------------------------------------------------


def rescale_velocity(student: Callable, *, seed: int = 0) -> None:
    """Check ``rescale_velocity(velocity, lr_old, lr_new) -> velocity``.

    The classical velocity contains the learning rate, so when the rate
    changes it is rescaled by lr_new / lr_old (the momentum correction).
    """
    __tracebackhide__ = True
    task = "rescale_velocity"
    rng = np.random.default_rng(seed)
    count = 0
    for shape, factor in [((2,), 0.1), ((3,), 0.5), ((4, 2), 0.2), ((5,), 2.0)]:
        velocity = rng.normal(size=shape)
        lr_old = float(10 ** rng.uniform(-2.5, -0.5))
        lr_new = lr_old * factor * float(rng.uniform(0.8, 1.2))
        answer = call(task, student, velocity, lr_old, lr_new)
        if answer is not None and not isinstance(answer, np.ndarray):
            fail(
                f"{task} returned a {type(answer).__name__}, but the task asks "
                "for a NumPy array of the same shape as `velocity`: compute with "
                "the array itself, not item by item."
            )
        got = as_array(task, "the velocity", answer, shape)
        ratio = lr_new / lr_old
        right = velocity * ratio
        count += 1
        if close(got, right):
            continue
        hint = diagnose(
            got,
            [
                (
                    "Your ratio is upside down: when the learning rate drops, the "
                    "velocity (a distance per step) must shrink with it.",
                    velocity / ratio,
                ),
                (
                    "You returned the velocity unchanged: in the classical form it "
                    "still carries the old learning rate, so the first steps after "
                    "the change would keep the old step size.",
                    velocity,
                ),
                (
                    "You reset the velocity to zero: that throws the momentum "
                    "away; rescale it instead.",
                    np.zeros(shape),
                ),
                (
                    "That is the PyTorch buffer, velocity / lr_old; the task asks "
                    "for the classical velocity at the new learning rate.",
                    velocity / lr_old,
                ),
                (
                    "You multiplied by the new learning rate only, but the "
                    "velocity already contains the old one: remove it too.",
                    velocity * lr_new,
                ),
                (
                    "You scaled by the change lr_new - lr_old; the velocity scales "
                    "by the ratio of the two rates.",
                    velocity * (lr_new - lr_old),
                ),
            ],
        )
        shift = got - velocity
        if hint is None and np.ptp(shift) < 1e-9 * np.abs(shift).max():
            hint = (
                "Your answer adds the same number to every component of the "
                "velocity (or subtracts it): a rescaling multiplies the velocity "
                "by a factor, so that its direction is kept."
            )
        if hint is None and near_miss(got, right):
            hint = NEAR_MISS
        if hint is None:
            hint = "Your rescaled velocity is wrong."
            with np.errstate(all="ignore"):
                factors = got / right
            if np.all(np.isfinite(factors)) and np.ptp(factors) < 1e-9 * abs(
                factors[(0,) * factors.ndim]
            ):
                factor = float(factors[(0,) * factors.ndim])
                hint = (
                    "Your rescaled velocity has the right direction, but it is "
                    f"{factor:.3g} times the right size."
                )
        fail(f"{hint} (test case with lr_old={lr_old:.3g}, lr_new={lr_new:.3g})")
    passed(task, count, seed)


# ---------------------------------------------------------------------------


class _Runs:
    """``final_loss(lr, beta)``: heavy ball's loss after a short run, or
    ``math.inf`` if the run diverged. It remembers its answers (so the
    reference and the variants below cost nothing more) and counts its
    calls, so that a loop that never ends is stopped with a message."""

    limit = 500

    def __init__(self, problem, start: Array, steps: int):
        self.problem, self.start, self.steps = problem, start, steps
        self.calls, self.known, self.asked = 0, {}, set()

    def fresh(self) -> _Runs:
        """A copy that shares the answers but not the count of calls."""
        other = copy.copy(self)
        other.calls, other.asked = 0, set()
        return other

    def prefill(self, lr0: float, betas: list[float], halvings: int = 8) -> None:
        """Run at once, as one batch, every setting the recipe may ask about:
        lr0 halved up to ``halvings`` times, with beta 0 and each of betas."""
        lrs = lr0 / 2.0 ** np.arange(halvings + 1)
        grid_lr, grid_beta = run.hyperparameter_grid(lrs, [0.0, *betas])
        method = optim.momentum_classical(grid_lr, grid_beta)
        batch = run.run(
            method,
            self.problem,
            self.start,
            self.steps,
            batch=grid_lr.size,
            record="losses",
        )
        for lr, beta, diverged, loss in zip(
            grid_lr, grid_beta, batch.diverged, batch.losses[-1], strict=True
        ):
            self.known[float(lr), float(beta)] = math.inf if diverged else float(loss)

    def __call__(self, lr: float, beta: float) -> float:
        __tracebackhide__ = True
        self.calls += 1
        if self.calls > self.limit:
            fail(
                f"tune called final_loss {self.limit} times without finishing: "
                "does each loop halve the learning rate while the run diverges, "
                "and stop when it does not?"
            )
        if not lr > 0:
            fail(
                f"tune asked final_loss about lr={lr!r}: a learning rate stays > 0 "
                "(`//` rounds down to a whole number; halve with `/`)."
            )
        key = (float(lr), float(beta))
        self.asked.add(key)
        if key not in self.known:
            self.known[key] = self._loss(*key)
        return self.known[key]

    def _loss(self, lr: float, beta: float) -> float:
        method = optim.momentum_classical(lr, beta)
        trajectory = run.run(
            method, self.problem, self.start, self.steps, record="losses"
        )
        return math.inf if trajectory.diverged else float(trajectory.losses[-1])


class _Table(_Runs):
    """A made-up ``final_loss`` in which a larger beta is stable at a larger
    learning rate than the beta before it (as heavy ball is on a quadratic,
    where the limit is 2 (1 + beta) / L), so that where each beta's search
    starts decides what the recipe finds. A stable run's loss falls as its
    effective learning rate lr / (1 - beta) grows."""

    def __init__(self, limits: dict[float, float]):
        super().__init__(None, None, 0)
        self.limits = limits

    def _loss(self, lr: float, beta: float) -> float:
        limit = self.limits.get(beta, 0.0)
        return math.inf if lr > limit * (1 + 1e-12) else 1 / (1 + lr / (1 - beta))


def _recipe(
    final_loss,
    lr0,
    betas,
    *,
    factor=2.0,
    early=False,
    restart=None,
    diverged="cut",
    worse="stop",
    tried=None,
    reverse=False,
    once_first=False,
    once_momentum=False,
):
    """The lesson's recipe, and (through its options) the ways it goes wrong.

    Returns (lr, beta) and the ratios of the losses it compared, so that a
    case whose verdict hangs on rounding can be avoided. The options:
    factor, the cut; early, one cut before the first run; restart="lr0"
    starts every beta from lr0 (as does a loop that skips gradient descent,
    when lr0 is stable with momentum), restart="gradient descent" from the
    learning rate found without momentum; diverged="stop" stops at a diverging
    beta instead of cutting; worse="keep" returns a setting that was no
    better (as does a loop that skips gradient descent, when momentum does
    not pay); worse="on" goes on past it; tried=n tries only the first n
    betas; reverse=True takes a higher loss as the better one;
    diverged="ignore" never notices a diverged run (as a test with np.isnan
    does); once_first and once_momentum halve at most once (an `if` for the
    `while`), without momentum and with it.
    """
    ratios = []

    def stable(lr, beta, may_stop, once):
        loss = final_loss(lr, beta)
        while loss == math.inf and diverged != "ignore":
            if may_stop:
                return lr, loss
            lr = lr / factor
            loss = final_loss(lr, beta)
            if once:
                break
        return lr, loss

    lr = lr0 / factor if early else lr0
    best = (*stable(lr, 0.0, False, once_first), 0.0)
    starts = {"lr0": lr0, "gradient descent": best[0]}
    for beta in betas[:tried]:
        start = starts.get(restart, best[0])
        lr, loss = stable(start, beta, diverged == "stop", once_momentum)
        if loss == math.inf and diverged == "stop":
            break
        if best[1] > 0:
            ratios.append(loss / best[1])
        else:  # two losses of exactly 0 would be a tie
            ratios.append(1.0 if loss == 0 else math.inf)
        if (loss > best[1]) if reverse else (loss < best[1]):
            best = (lr, loss, beta)
        elif worse == "keep":
            return (lr, beta), ratios
        elif worse != "on":
            break
    return (best[0], best[2]), ratios


def _variant(runs: _Runs, lr0: float, betas: list[float], **options):
    """What the recipe returns with one of the mistakes of `_recipe`."""
    return _recipe(runs.fresh(), lr0, betas, **options)[0]


def _tune_cases(seed: int):
    """(final_loss, lr0, betas) for the checks of `tune`, each with a count of
    calls of its own; the runs behind them are shared between calls."""
    for runs, lr0, betas in _tune_case_list(seed):
        yield runs.fresh(), lr0, list(betas)


@functools.lru_cache(maxsize=8)
def _tune_case_list(seed: int) -> tuple:
    """The cases of `_tune_cases`, drawn once per seed.

    On a round bowl lr0 works and momentum does not pay; on a ravine lr0 is
    more than twice too large for gradient descent (one halving is not
    enough) and momentum pays; on Rosenbrock's valley a larger beta needs a
    smaller learning rate. Two more cases on the valley are drawn until they
    tell a mistake apart: with betas (0.98, 0.99), the jump from gradient
    descent to 0.98 needs more than one halving; with a finer list of betas,
    the loss after a fixed number of steps does not fall steadily with beta,
    so that a larger beta after one that was no better is better again. Cases
    whose verdicts hang on rounding (two losses within a millionth) are drawn
    again."""
    rng = np.random.default_rng(seed)
    standard, fine = (0.9, 0.95, 0.98, 0.99), (0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99)
    wanted = [
        ("bowl", standard, None),
        ("ravine", standard, None),
        ("valley", standard, None),
        ("valley", (0.98, 0.99), {"once_momentum": True}),
        ("valley", fine, {"worse": "on"}),
    ]
    cases = []
    for kind, betas, tells in wanted:
        while True:
            steps = 300 if betas == fine else 600
            if kind == "valley":
                start = np.array([rng.uniform(-0.5, 0.5), rng.uniform(2.0, 3.0)])
                runs = _Runs(problems.Rosenbrock(), start, steps)
                lr0 = float(rng.uniform(2.2e-3, 3e-3))
            else:
                ravine = kind == "ravine"
                kappa = float(rng.uniform(50, 300) if ravine else rng.uniform(1.5, 3))
                bowl = problems.Quadratic.from_condition_number(
                    kappa, angle=float(rng.uniform(0, np.pi))
                )
                runs = _Runs(bowl, rng.normal(size=2), 200 if ravine else 60)
                margin = rng.uniform(2.2, 3.6) if ravine else rng.uniform(0.6, 0.95)
                lr0 = float(margin * 2 / kappa)  # 2 / L: gradient descent's limit
            tried = list(betas)
            runs.prefill(lr0, tried)
            right, _ = _recipe(runs.fresh(), lr0, tried)
            _, ratios = _recipe(runs.fresh(), lr0, tried, worse="on")
            steady = all(abs(ratio - 1) > 1e-6 for ratio in ratios)
            telling = tells is None or not close(
                _variant(runs, lr0, tried, **tells), right
            )
            if steady and telling:
                cases.append((runs, lr0, tuple(betas)))
                break
    lr0 = float(rng.uniform(0.05, 0.2))
    table = _Table({0.0: lr0 / 2, 0.9: lr0 / 8, 0.95: lr0, 0.99: lr0 / 64})
    cases.append((table, lr0, (0.9, 0.95, 0.99)))
    return tuple(cases)


def tune(student: Callable, *, seed: int = 0) -> None:
    """Check ``tune(final_loss, lr0, betas) -> (lr, beta)``, the lesson's
    recipe: a stable learning rate without momentum, then beta raised along
    ``betas``, the learning rate cut while a run diverges, as long as the
    loss keeps falling."""
    __tracebackhide__ = True
    task = "tune"
    count = 0
    for runs, lr0, betas in _tune_cases(seed):
        given = list(betas)
        answer = as_pair(task, call(task, student, runs, lr0, given), ("lr", "beta"))
        if given != betas:
            fail(
                f"{task} changed the list `betas` it was given (with `pop`, "
                "`remove` or an assignment to an item): loop over it, or over a "
                "slice of it, and leave it as it was."
            )
        if runs.calls == 0:
            fail(
                f"{task} never called final_loss: the recipe decides each step "
                "from a run's result."
            )
        got_lr = as_array(task, "the learning rate", answer[0], ())
        got_beta = as_array(task, "beta", answer[1], ())
        right, _ = _recipe(runs.fresh(), lr0, betas)
        count += 1
        if close(got_lr, right[0]) and close(got_beta, right[1]):
            continue
        case = f"(test case with lr0={lr0:.3g}, betas={betas})"
        if (
            runs.known.get((lr0, 0.0)) == math.inf
            and (lr0, 0.0) in runs.asked
            and not any(beta == 0 and lr < lr0 for lr, beta in runs.asked)
        ):
            fail(
                "Your tune does not notice the diverged runs, so it never halves "
                "the learning rate: a diverged run's loss can be inf, not only "
                "NaN, and np.isnan(np.inf) is False. Test for the value final_loss "
                f"returns then. {case}"
            )
        tried_setting = got_beta in (0.0, *betas) and got_lr > 0
        if tried_setting and runs.fresh()(float(got_lr), float(got_beta)) == math.inf:
            fail(
                f"The setting you returned diverges: halve the learning rate "
                "while final_loss says the run diverged (it returns np.inf "
                f"then). {case}"
            )
        gradient_descent_lr = _recipe(runs.fresh(), lr0, betas, tried=0)[0][0]
        halved_once = (gradient_descent_lr, 0.0) not in runs.asked

        mistakes = [
            (
                "The two results are in the wrong order: return the learning "
                "rate first, then beta.",
                right[::-1],
            ),
            (
                "When a run with a larger beta diverges, yours stops there, or "
                "halves the learning rate only once; the recipe halves it and "
                "runs again, as many times as the run diverges.",
                _variant(runs, lr0, betas, diverged="stop"),
            ),
            (
                "When a run with a larger beta diverges, yours stops there, or "
                "halves the learning rate only once; the recipe halves it and "
                "runs again, as many times as the run diverges.",
                _variant(runs, lr0, betas, once_momentum=True),
            ),
            (
                "Without momentum you halve the learning rate only once; the "
                "recipe halves it again and again, for as long as the run "
                "diverges.",
                _variant(runs, lr0, betas, once_first=True) if halved_once else None,
            ),
            (
                "Your comparison is the wrong way round: a run is better when "
                "its final loss is lower.",
                _variant(runs, lr0, betas, reverse=True),
            ),
            (
                "You stopped after the first beta; the recipe goes on raising "
                "beta for as long as the loss keeps falling.",
                _variant(runs, lr0, betas, tried=1),
            ),
            (
                "Your runs with momentum start from lr0 itself; they start from "
                "the best run's learning rate, which at first is lr0 halved "
                "until the run without momentum is stable.",
                _variant(runs, lr0, betas, restart="lr0"),
            ),
            (
                "Each of your betas starts from the learning rate found without "
                "momentum; it starts from the best run's learning rate so far, "
                "which may have been halved for an earlier beta.",
                _variant(runs, lr0, betas, restart="gradient descent"),
            ),
            (
                "Your beta's loss was no better than the best before it, "
                "gradient descent's (beta = 0) included: keep a beta only if it "
                "lowers the loss, and stop at the first that does not.",
                _variant(runs, lr0, betas, worse="keep"),
            ),
            (
                "You went on raising beta after a run that was no better; the "
                "recipe stops at the first beta that does not lower the loss.",
                _variant(runs, lr0, betas, worse="on"),
            ),
            (
                "You halve the learning rate once too often: run first, and "
                "halve only while the run diverges.",
                _variant(runs, lr0, betas, early=True),
            ),
            (
                "You cut the learning rate by a factor other than 2: the recipe "
                "halves it.",
                _variant(runs, lr0, betas, factor=10.0),
            ),
        ]
        hint = diagnose((got_lr, got_beta), mistakes) or pair_verdict(
            (got_lr, got_beta), right, ("learning rate", "beta")
        )
        fail(f"{hint} {case}")
    passed(task, count, seed)
