"""Tests of the self-quiz in course_lib.widgets: Choice, Numeric and Quiz.

The quiz is driven as a reader would drive it, through `Quiz.answer` (what
typing or choosing does) and `Quiz.check` or the Check button (what
clicking does). Construction errors must name the parameter, the value and
what is allowed; text that is not a number must get a polite feedback line,
never an exception; and the quiz must still list its questions where no
widget can be shown.
"""

import warnings

import ipywidgets
import pytest

from course_lib import widgets
from course_lib.widgets import Choice, Feedback, Numeric, Quiz


def effective_rate_question(**changes):
    arguments = {
        "prompt": "Learning rate 0.01, β = 0.9: the effective learning rate?",
        "answer": 0.1,
        "tolerance": 0.02,
        "explanation": "0.01 / (1 − 0.9) = 0.1.",
        "mistakes": {0.01: "you forgot the 1/(1 − β)"},
    } | changes
    return Numeric(**arguments)


def clipping_question(**changes):
    arguments = {
        "prompt": "Where to clip, so that the velocity stays bounded?",
        "options": ["after momentum", "before momentum", "either"],
        "answer": 1,
        "explanation": "Clipped before, each term of the velocity is at most ηc.",
        "hints": {0: "the spike then enters the velocity whole"},
    } | changes
    return Choice(**arguments)


def memory_question():
    return Numeric(
        "Adam, a billion parameters, float32: gigabytes?",
        16.0,
        0.02,
        "16 bytes per parameter.",
        unit="GB",
    )


@pytest.fixture
def quiz():
    quiz = Quiz([clipping_question(), effective_rate_question(), memory_question()])
    yield quiz
    quiz.close()


# ---------------------------------------------------------------------------
# Construction.


@pytest.mark.parametrize(
    "make, message",
    [
        (
            lambda: clipping_question(answer=3),
            r"answer=3 is not allowed; allowed: the index of the right option, "
            r"an integer from 0 to 2",
        ),
        (
            lambda: clipping_question(answer=-1),
            r"answer=-1 is not allowed; allowed: the index of the right option",
        ),
        (
            lambda: clipping_question(answer=True),
            r"answer=True is not allowed; allowed: the index",
        ),
        (
            lambda: clipping_question(answer="before momentum"),
            r"answer='before momentum' is not allowed; allowed: the index",
        ),
        (
            lambda: clipping_question(options=[]),
            r"options=\[\] is not allowed; allowed: a sequence of at least two "
            r"different, non-empty strings",
        ),
        (
            lambda: clipping_question(options=["only one"], answer=0, hints={}),
            r"options=\['only one'\] is not allowed; allowed: a sequence of at least",
        ),
        (
            lambda: clipping_question(options=["a", "a", "b"]),
            r"options=\['a', 'a', 'b'\] is not allowed",
        ),
        (
            lambda: clipping_question(options="abc"),
            r"options='abc' is not allowed",
        ),
        (
            lambda: clipping_question(options=["a", "", "c"]),
            r"options=\['a', '', 'c'\] is not allowed",
        ),
        (
            lambda: clipping_question(prompt=""),
            r"prompt='' is not allowed; allowed: a non-empty string",
        ),
        (
            lambda: clipping_question(explanation=None),
            r"explanation=None is not allowed; allowed: a non-empty string",
        ),
        (
            lambda: clipping_question(hints={1: "the right answer has no hint"}),
            r"hints=\{1: .*\} is not allowed; allowed: a mapping from the index of "
            r"a wrong option \(0, 2\) to a non-empty string",
        ),
        (
            lambda: clipping_question(hints={5: "no such option"}),
            r"hints=\{5: .*\} is not allowed",
        ),
        (
            lambda: effective_rate_question(tolerance=0),
            r"tolerance=0 is not allowed; allowed: a relative tolerance, a number "
            r"with 0 < tolerance < 1",
        ),
        (
            lambda: effective_rate_question(tolerance=-0.1),
            r"tolerance=-0\.1 is not allowed; allowed: a relative tolerance",
        ),
        (
            lambda: effective_rate_question(tolerance=1.5),
            r"tolerance=1\.5 is not allowed",
        ),
        (
            lambda: effective_rate_question(tolerance=float("nan")),
            r"tolerance=nan is not allowed",
        ),
        (
            lambda: effective_rate_question(tolerance="2%"),
            r"tolerance='2%' is not allowed",
        ),
        (
            lambda: effective_rate_question(answer=0.0),
            r"answer=0\.0 is not allowed; allowed: a finite number other than 0 "
            r"\(the tolerance is relative to it\)",
        ),
        (
            lambda: effective_rate_question(answer=float("inf")),
            r"answer=inf is not allowed; allowed: a finite number other than 0",
        ),
        (
            lambda: effective_rate_question(answer="0.1"),
            r"answer='0\.1' is not allowed",
        ),
        (
            lambda: effective_rate_question(unit=None),
            r"unit=None is not allowed; allowed: a string",
        ),
        (
            lambda: effective_rate_question(mistakes={0.1005: "too close"}),
            r"mistakes=\{0\.1005: 'too close'\} is not allowed; allowed: a mapping "
            r"from finite numbers other than 0, each well outside the tolerance",
        ),
        (
            lambda: effective_rate_question(mistakes={0.01: ""}),
            r"mistakes=\{0\.01: ''\} is not allowed",
        ),
        (
            lambda: Quiz([]),
            r"questions=\[\] is not allowed; allowed: a non-empty sequence of "
            r"Choice and Numeric questions",
        ),
        (
            lambda: Quiz([clipping_question(), "What is momentum?"]),
            r"questions\[1\]='What is momentum\?' is not allowed; allowed: a Choice "
            r"or a Numeric",
        ),
    ],
)
def test_bad_construction_raises_value_errors_that_say_what_is_allowed(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_questions_keep_their_values_and_cannot_be_changed():
    question = clipping_question(options=("after", "before", "either"))
    assert question.options == ("after", "before", "either")
    number = effective_rate_question(answer=1, tolerance=0.5)
    assert isinstance(number.answer, float) and number.answer == 1.0
    with pytest.raises(AttributeError):
        number.answer = 2.0
    with pytest.raises(TypeError):
        number.mistakes[5.0] = "no"


def test_answer_and_check_refuse_questions_that_do_not_exist(quiz):
    for call in (lambda: quiz.answer(3, 1), lambda: quiz.check(-1)):
        with pytest.raises(ValueError, match=r"index=.* is not allowed; allowed: an "):
            call()
    with pytest.raises(ValueError, match=r"value=7 is not allowed for question 0; "):
        quiz.answer(0, 7)
    with pytest.raises(ValueError, match=r"value='inside' is not allowed"):
        quiz.answer(0, "inside")


# ---------------------------------------------------------------------------
# Feedback and score.


def test_a_right_choice_is_marked_right_and_counted(quiz):
    assert quiz.score_text() == "0 of 3 right"
    quiz.answer(0, 1)
    feedback = quiz.check(0)
    assert feedback == Feedback("right", feedback.text) and feedback.right
    assert feedback.text.startswith("Right.")
    assert "each term of the velocity is at most ηc" in feedback.text
    assert quiz.score == 1 and quiz.score_text() == "1 of 3 right"
    assert "1 of 3 right" in quiz.score_line.value
    assert "✓" in quiz.feedback_lines[0].value


def test_a_choice_can_be_given_by_its_text(quiz):
    quiz.answer(0, "before momentum")
    assert quiz.inputs[0].index == 1
    assert quiz.check(0).right


def test_a_wrong_choice_says_why_and_gives_the_answer(quiz):
    quiz.answer(0, 0)
    feedback = quiz.check(0)
    assert feedback.verdict == "wrong" and not feedback.right
    assert "“after momentum” is not it" in feedback.text
    assert "Hint: the spike then enters the velocity whole." in feedback.text
    assert "The answer is “before momentum”" in feedback.text
    assert quiz.score == 0
    assert "✗" in quiz.feedback_lines[0].value
    quiz.answer(0, 2)
    feedback = quiz.check(0)
    assert feedback.verdict == "wrong" and "Hint" not in feedback.text


def test_an_unanswered_question_asks_for_an_answer(quiz):
    assert quiz.check(0) == Feedback(
        "unanswered", "Choose an option first, then check."
    )
    assert quiz.check(1).verdict == "unanswered"
    quiz.answer(1, "   ")
    assert quiz.check(1).verdict == "unanswered"
    assert quiz.score == 0


@pytest.mark.parametrize("typed", ["0.1", " 0.1 ", "0.099", "0.1019", "1e-1", 0.1])
def test_a_number_within_the_tolerance_is_right(quiz, typed):
    quiz.answer(1, typed)
    feedback = quiz.check(1)
    assert feedback.right, feedback.text
    assert "is within 2% of the answer, 0.1" in feedback.text
    assert quiz.score == 1


@pytest.mark.parametrize(
    "typed, how_far",
    [
        ("0.11", "10% too high"),
        ("0.09", "10% too low"),
        ("0.5", "5 times too large"),
        ("0.001", "100 times too small"),
        ("-0.1", "not even of the right sign"),
        ("0", "0 is zero, and the answer is not"),
    ],
)
def test_a_wrong_number_says_how_far_off_it_is(quiz, typed, how_far):
    quiz.answer(1, typed)
    feedback = quiz.check(1)
    assert feedback.verdict == "wrong"
    assert how_far in feedback.text
    assert "The answer is 0.1." in feedback.text and "0.01 / (1 − 0.9)" in feedback.text
    assert quiz.score == 0


def test_a_known_mistake_gets_its_hint(quiz):
    quiz.answer(1, "0.01")
    feedback = quiz.check(1)
    assert feedback.verdict == "wrong"
    assert "10 times too small" in feedback.text
    assert "Hint: you forgot the 1/(1 − β)." in feedback.text


@pytest.mark.parametrize(
    "typed", ["ten", "0.1.2", "1/(1-0.9)", "nan", "inf", "0,1", "about 0.1"]
)
def test_text_that_is_not_a_number_gets_a_polite_line_and_no_exception(quiz, typed):
    quiz.answer(1, typed)
    feedback = quiz.check(1)
    assert feedback.verdict == "unreadable" and not feedback.right
    assert f"“{typed}” is not a number I can read" in feedback.text
    assert "please type its value in digits" in feedback.text
    assert quiz.score == 0
    assert "?" in quiz.feedback_lines[1].value


def test_below_a_negative_answer_is_too_low_and_above_it_too_high():
    question = Numeric("Below zero?", -2.5, 0.01, "Minus two and a half.")
    assert "20% too low" in question.judge("-3").text
    assert "20% too high" in question.judge("-2").text
    assert "not even of the right sign" in question.judge("2.5").text


def test_an_unreadable_number_is_told_how_to_type_decimals():
    text = effective_rate_question().judge("0,1").text
    assert "with a point for decimals and no commas" in text


def test_a_new_choice_clears_the_feedback_and_the_score(quiz):
    quiz.answer(0, 1)
    quiz.buttons[0].click()
    assert quiz.score == 1 and quiz.feedback_lines[0].value
    quiz.answer(0, "after momentum")
    assert quiz.verdicts[0] is None and quiz.feedback_lines[0].value == ""
    assert quiz.score == 0
    quiz.answer(0, None)
    assert quiz.check(0).verdict == "unanswered"


def test_the_unit_and_a_typographic_minus_may_be_typed():
    question = Numeric("Below zero?", -2.5, 0.01, "Minus two and a half.", unit="GB")
    for typed in ("-2.5", "−2.5", "-2.5 GB", "-2.5gb", "-2_5e-1"):
        assert question.judge(typed).right, typed
    assert question.judge("GB").verdict == "unreadable"
    assert "-2.5 GB" in question.judge("-2.5").text


def test_the_check_button_checks_and_a_new_answer_clears_the_feedback(quiz):
    quiz.answer(2, "16")
    quiz.buttons[2].click()
    assert quiz.verdicts[2] == "right" and quiz.score == 1
    assert "16 GB" in quiz.feedback_lines[2].value
    quiz.answer(2, "12")
    assert quiz.verdicts[2] is None and quiz.feedback_lines[2].value == ""
    assert quiz.score == 0 and "0 of 3 right" in quiz.score_line.value
    quiz.buttons[2].click()
    assert quiz.verdicts[2] == "wrong"


def test_a_whole_quiz_answered_right_scores_full_marks(quiz):
    for i, question in enumerate(quiz.questions):
        quiz.answer(i, question.answer)
        assert quiz.check(i).right
    assert quiz.score_text() == "3 of 3 right"


def test_feedback_is_escaped_in_the_widget():
    question = Numeric("Is 1 < 2?", 1.0, 0.1, "Yes: 1 < 2 <b>always</b>.")
    quiz = Quiz([question])
    quiz.answer(0, "1")
    quiz.check(0)
    assert "1 &lt; 2 &lt;b&gt;always&lt;/b&gt;" in quiz.feedback_lines[0].value
    assert "Is 1 &lt; 2?" in quiz.widget.children[0].children[0].value
    quiz.close()


# ---------------------------------------------------------------------------
# Display.


def test_the_layout_has_an_input_a_button_and_a_line_per_question(quiz):
    assert "course-quiz" in quiz.widget._dom_classes
    boxes = quiz.widget.children
    assert len(boxes) == len(quiz.questions) + 1 and boxes[-1] is quiz.score_line
    assert isinstance(quiz.inputs[0], ipywidgets.RadioButtons)
    assert quiz.inputs[0].index is None, "no option is chosen at the start"
    assert quiz.inputs[0].options == ("after momentum", "before momentum", "either")
    assert isinstance(quiz.inputs[1], ipywidgets.Text)
    assert all(b.description == "Check" for b in quiz.buttons)
    unit = boxes[2].children[1].children[1]
    assert isinstance(unit, ipywidgets.Label) and unit.value == "GB"


def test_the_plain_text_lists_every_prompt_and_option(quiz):
    text = quiz.text()
    for i, question in enumerate(quiz.questions):
        assert f"{i + 1}. {question.prompt}" in text
    for letter, option in zip("abc", quiz.questions[0].options, strict=True):
        assert f"({letter}) {option}" in text
    assert "(in GB)" in text
    bundle = quiz._repr_mimebundle_()
    assert bundle["text/plain"] == text
    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == quiz.widget.model_id
    assert quiz.describe() == "Quiz of 3 questions: 0 of 3 right"


def test_the_quiz_works_without_a_single_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quiz = Quiz([clipping_question(), effective_rate_question()])
        quiz.answer(0, 1)
        quiz.buttons[0].click()
        quiz.answer(1, "not a number")
        quiz.buttons[1].click()
        quiz._repr_mimebundle_()
        quiz.close()
    assert quiz.widget.comm is None


def test_the_quiz_is_exported_by_the_module():
    for name in ("Choice", "Numeric", "Quiz", "Feedback"):
        assert name in widgets.__all__
