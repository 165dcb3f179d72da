"""Tests that every lesson's exercise checks share, made for one lesson's answers.

A lesson's test module lists its right answers and its known mistakes, and
gets each shared test by giving it a name that starts with ``test_``::

    test_a_known_mistake_is_named = check_cases.mistakes_are_named(WRONG)

Each factory returns a parametrized test function; pytest collects it under
the name it is given in the module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pytest

SEEDS = (0, 1, 2)
LONGEST_FEEDBACK = 400  # characters: a sentence or two


def _name(value: object) -> str:
    return getattr(value, "__name__", str(value))


def right_answers_pass(
    right: Sequence[tuple[Callable, Callable]], *, says_correct: bool = True
) -> Callable:
    """Each (check, answer) passes for every seed, and prints its ✓ line.

    With ``says_correct`` the line must start with "✓ <answer's name>:
    correct", which holds where the answer has the task's function name.
    """

    @pytest.mark.parametrize("check, answer", right, ids=_name)
    @pytest.mark.parametrize("seed", SEEDS)
    def test(check, answer, seed, capsys):
        check(answer, seed=seed)
        printed = capsys.readouterr().out
        if says_correct:
            assert printed.startswith(f"✓ {answer.__name__}: correct"), printed
        else:
            assert "✓" in printed, printed

    return test


def mistakes_are_named(
    wrong: Sequence[tuple[Callable, Callable, str]],
    *,
    seeds: Sequence[int] | None = SEEDS,
) -> Callable:
    """Each (check, answer, words) fails with short feedback containing words.

    ``seeds=None`` runs only the visible case, for mistakes that the hidden
    cases need not show.
    """
    ids = [_name(answer) for _, answer, _ in wrong]

    @pytest.mark.parametrize("check, answer, words", wrong, ids=ids)
    @pytest.mark.parametrize("seed", [None] if seeds is None else list(seeds))
    def test(check, answer, words, seed):
        with pytest.raises(AssertionError) as raised:
            if seed is None:
                check(answer)
            else:
                check(answer, seed=seed)
        message = str(raised.value)
        assert words in message, message
        assert len(message) < LONGEST_FEEDBACK, "feedback should be a sentence or two"

    return test


def not_a_function_is_refused(checks: Sequence[Callable]) -> Callable:
    """Each check, given a number instead of a function, says so."""

    @pytest.mark.parametrize("check", checks, ids=_name)
    def test(check):
        with pytest.raises(AssertionError, match="should be a function"):
            check(42)

    return test


def feedback_shows_no_arrays(wrong: Sequence[tuple[Callable, Callable]]) -> Callable:
    """Each (check, answer) fails without printing an array: feedback names the
    mistake, it does not give the expected values away."""

    @pytest.mark.parametrize("check, answer", wrong, ids=_name)
    def test(check, answer):
        with pytest.raises(AssertionError) as raised:
            check(answer)
        assert "[" not in str(raised.value), "no arrays in the feedback"

    return test
