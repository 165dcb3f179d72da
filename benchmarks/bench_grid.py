"""How much faster is one batched run of a hyperparameter grid than a loop?

The grid: 100 learning rates (log-spaced) x 100 values of beta (0 to 0.99),
10,000 runs of classical momentum, 500 steps each, on the quadratic with
condition number 100, all from the same start. The learning rates span
1e-3 / L to 4 / L, where L is the largest curvature, so the grid reaches
past the stability edge 2 (1 + beta) / L and some runs diverge, as they do
in the lessons' stability maps.

Two ways to run it are timed:

- batched: ONE call of ``run.run(..., record="losses")`` with the learning
  rates and betas as arrays of shape (10000,). Reported: the median of
  several repeats, after one warm-up call.
- one at a time: the same 10,000 runs, each its own ``run.run`` call with
  float hyperparameters, in a Python loop. By default every run is timed;
  ``--sample N`` times N runs picked at random and extrapolates to 10,000
  (and says so).

The losses, divergence steps and final positions of every run timed one at
a time are then compared with the batched ones: they must be equal, bit for
bit. Targets: a ratio of at least 100 and a batched time under 0.3 s.

Run from the repository's root:

    .venv/bin/python benchmarks/bench_grid.py              # every run (minutes)
    .venv/bin/python benchmarks/bench_grid.py --sample 500
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from course_lib import optim, problems, run

GRID_SIZE = 100
STEPS = 500
KAPPA = 100.0
START = np.array([-1.5, 1.0])
TARGET_RATIO = 100.0
TARGET_BATCHED_SECONDS = 0.3


def make_grid(problem: problems.Quadratic) -> tuple[np.ndarray, np.ndarray]:
    """The flattened (learning rate, beta) grid, learning rates slowest."""
    largest = problem.eigenvalues.max()
    learning_rates = np.geomspace(1e-3 / largest, 4.0 / largest, GRID_SIZE)
    betas = np.linspace(0.0, 0.99, GRID_SIZE)
    return run.hyperparameter_grid(learning_rates, betas)


def run_batched(problem, learning_rates, betas) -> run.Trajectory:
    optimizer = optim.momentum_classical(learning_rates, betas)
    return run.run(
        optimizer, problem, START, STEPS, batch=learning_rates.size, record="losses"
    )


def run_one(problem, learning_rate: float, beta: float) -> run.Trajectory:
    optimizer = optim.momentum_classical(learning_rate, beta)
    return run.run(optimizer, problem, START, STEPS, record="losses")


def time_batched(problem, learning_rates, betas, repeats: int):
    """The batched result and the seconds each repeat took."""
    result = run_batched(problem, learning_rates, betas)  # warm-up
    seconds = []
    for _ in range(repeats):
        began = time.perf_counter()
        result = run_batched(problem, learning_rates, betas)
        seconds.append(time.perf_counter() - began)
    return result, seconds


def time_one_at_a_time(problem, learning_rates, betas, indices):
    """The single runs at ``indices``, and the seconds the loop took."""
    results = []
    began = time.perf_counter()
    for i in indices:
        results.append(run_one(problem, float(learning_rates[i]), float(betas[i])))
    return results, time.perf_counter() - began


def count_mismatches(batched: run.Trajectory, singles, indices) -> int:
    """How many single runs differ in any bit from their batched twin."""
    mismatches = 0
    for i, single in zip(indices, singles, strict=True):
        same = (
            np.array_equal(batched.losses[:, i], single.losses)
            and batched.diverged_at[i] == single.diverged_at
            and np.array_equal(batched.final_position[i], single.final_position)
            and np.array_equal(batched.final_velocity[i], single.final_velocity)
        )
        mismatches += not same
    return mismatches


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sample",
        type=int,
        default=None,
        help="time this many random runs one at a time and extrapolate "
        "(default: time all of them)",
    )
    parser.add_argument(
        "--repeats", type=int, default=7, help="repeats of the batched run"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the sample")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats={args.repeats} is not allowed; allowed: >= 1")

    problem = problems.Quadratic.from_condition_number(KAPPA)
    learning_rates, betas = make_grid(problem)
    total = learning_rates.size
    if args.sample is not None and not 1 <= args.sample <= total:
        parser.error(f"--sample={args.sample} is not allowed; allowed: 1 to {total}")

    print(
        f"grid: {GRID_SIZE} learning rates x {GRID_SIZE} betas = {total} runs "
        f"of {STEPS} steps, momentum_classical, quadratic with kappa = {KAPPA:g}"
    )
    batched, seconds = time_batched(problem, learning_rates, betas, args.repeats)
    batched_time = statistics.median(seconds)
    print(
        f"batched, one call:   {batched_time:.3f} s (median of {args.repeats}; "
        f"min {min(seconds):.3f}, max {max(seconds):.3f}); "
        f"{int(batched.diverged.sum())} of {total} runs diverged"
    )

    if args.sample is None:
        indices = np.arange(total)
    else:
        rng = np.random.default_rng(args.seed)
        indices = np.sort(rng.choice(total, size=args.sample, replace=False))
    print(f"one at a time: timing {indices.size} runs in a Python loop ...", flush=True)
    singles, loop_time = time_one_at_a_time(problem, learning_rates, betas, indices)
    loop_total = loop_time * total / indices.size
    if indices.size == total:
        print(f"one at a time, loop: {loop_total:.1f} s for all {total} runs")
    else:
        print(
            f"one at a time, loop: {loop_total:.1f} s for {total} runs, "
            f"EXTRAPOLATED from {loop_time:.1f} s for {indices.size} random runs"
        )

    ratio = loop_total / batched_time
    print(f"ratio: {ratio:.0f}x")
    print(
        f"targets: ratio >= {TARGET_RATIO:.0f}x "
        f"{'met' if ratio >= TARGET_RATIO else 'MISSED'}; batched < "
        f"{TARGET_BATCHED_SECONDS} s "
        f"{'met' if batched_time < TARGET_BATCHED_SECONDS else 'MISSED'}"
    )

    mismatches = count_mismatches(batched, singles, indices)
    print(
        f"check: {indices.size - mismatches} of {indices.size} runs timed one at "
        "a time equal their batched twin bit for bit"
    )
    return 1 if mismatches else 0


if __name__ == "__main__":
    raise SystemExit(main())
