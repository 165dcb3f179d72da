"""Tests of lesson 10, the interview review: every answer leads to evidence.

The review answers 21 interview questions, each under its own heading, and
points for each answer to the lesson sections that measured it. Here the
notebook is read as text (it is executed by nbval elsewhere): every question
must be a heading, every answer must carry a link, and every link to a
lesson must land on a heading whose section holds a code cell with an
``assert``, so that the link leads to a measurement and not to prose.
The lessons are also executed once here, so that every number an answer
quotes can be found, rounded as quoted, in what the linked sections write or
print: when a lesson's result changes, the review's quote of it fails here.
"""

import re
from pathlib import Path
from urllib.parse import unquote

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
REVIEW = NOTEBOOKS / "10_interview_review.ipynb"

QUESTIONS = [
    "What is momentum? Write the update equations. How does it speed up "
    "convergence, and how can it escape plateaus and shallow minima?",
    "What happens when the learning rate is too high with momentum?",
    "Does momentum speed up every direction of parameter space?",
    "Can momentum skip over a good minimum?",
    "How is the velocity initialised, and what does that choice do?",
    "Does momentum help every kind of network architecture?",
    "How does Nesterov's method differ from classical momentum?",
    "Why combine momentum with a learning-rate schedule?",
    "Can momentum hurt on very noisy data?",
    "How do you tune β in practice?",
    "Does momentum make training harder to interpret or debug?",
    "Does momentum solve vanishing or exploding gradients?",
    "How does momentum behave in distributed or asynchronous training?",
    "What happens with β above 1, or negative?",
    "How does momentum compare with Newton's method and other second-order methods?",
    "What changes in large-scale production: memory, communication, fault tolerance?",
    "How does momentum relate to Polyak's heavy-ball method?",
    "Does momentum treat parameters with large and small gradients differently?",
    "How does momentum interact with gradient clipping?",
    "Can momentum lead to overfitting sooner?",
    "Which momentum schedules suit non-stationary problems?",
]

HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*$")
ASSERT = re.compile(r"^\s*assert\b", flags=re.M)
LESSON_LINK = re.compile(r"^(\d\d_[\w.-]+\.ipynb)#(.+)$", flags=re.S)


# ---------------------------------------------------------------------------
# Reading a notebook as a sequence of headings, prose and code.


def items_of(path: Path) -> list[tuple]:
    """The notebook flattened: ("heading", level, text), ("text", line), ("code", src).

    Lines inside fenced code blocks of markdown cells are prose, not headings.
    """
    notebook = nbformat.read(path, as_version=4)
    items = []
    for cell in notebook.cells:
        if cell.cell_type == "code":
            items.append(("code", cell.source))
            continue
        if cell.cell_type != "markdown":
            continue
        fenced = False
        for line in cell.source.splitlines():
            if line.lstrip().startswith("```"):
                fenced = not fenced
            match = None if fenced else HEADING.match(line)
            if match:
                items.append(("heading", len(match.group(1)), match.group(2)))
            else:
                items.append(("text", line))
    return items


def sections(items: list[tuple]) -> dict[str, tuple[int, list[tuple]]]:
    """Each heading's text -> (its level, the items up to the next heading of
    the same or a higher level)."""
    found = {}
    for i, item in enumerate(items):
        if item[0] != "heading":
            continue
        level, body = item[1], []
        for later in items[i + 1 :]:
            if later[0] == "heading" and later[1] <= level:
                break
            body.append(later)
        found.setdefault(item[2], (level, body))
    return found


def anchor(heading: str) -> str:
    """JupyterLab's and nbconvert's anchor of a heading: spaces become '-'."""
    return heading.replace(" ", "-")


def markdown_links(text: str) -> list[str]:
    """The targets of the inline links [label](target) in ``text``.

    Targets may hold balanced parentheses, as anchors of headings with
    parentheses do.
    """
    targets, start = [], 0
    while (opening := text.find("](", start)) >= 0:
        depth, i = 1, opening + 2
        while i < len(text) and depth:
            depth += {"(": 1, ")": -1}.get(text[i], 0)
            i += 1
        if depth == 0:
            targets.append(text[opening + 2 : i - 1])
        start = i
    return targets


def prose(body: list[tuple]) -> str:
    return "\n".join(item[1] for item in body if item[0] == "text")


def lesson_links(text: str) -> list[str]:
    return [t for t in markdown_links(text) if LESSON_LINK.match(t)]


def without_links(text: str) -> str:
    """``text`` with every inline link [label](target) removed, label included."""
    for target in markdown_links(text):
        text = re.sub(r"\[[^\]]*\]\(" + re.escape(target) + r"\)", "", text, count=1)
    return text


REVIEW_ITEMS = items_of(REVIEW)
REVIEW_SECTIONS = sections(REVIEW_ITEMS)
ALL_LINKS = sorted(
    {t for item in REVIEW_ITEMS if item[0] == "text" for t in lesson_links(item[1])}
)


# ---------------------------------------------------------------------------
# The questions and their answers.


def test_the_helpers_read_headings_links_and_sections():
    text = "See [a](02_x.ipynb#5.-Map-(lr,-β)) and [b](https://example.org)."
    assert markdown_links(text) == ["02_x.ipynb#5.-Map-(lr,-β)", "https://example.org"]
    assert lesson_links(text) == ["02_x.ipynb#5.-Map-(lr,-β)"]
    items = [
        ("heading", 2, "1. A"),
        ("heading", 3, "Q"),
        ("text", "answer"),
        ("code", "assert True"),
        ("heading", 3, "R"),
        ("heading", 2, "2. B"),
    ]
    assert without_links(text) == "See  and ."
    found = sections(items)
    assert found["Q"] == (3, [("text", "answer"), ("code", "assert True")])
    assert len(found["1. A"][1]) == 4
    assert anchor("5. Does it?") == "5.-Does-it?"


def test_there_are_21_different_questions():
    assert len(QUESTIONS) == len(set(QUESTIONS)) == 21


@pytest.mark.parametrize("question", QUESTIONS)
def test_each_question_is_a_heading_and_its_answer_links_to_a_lesson(question):
    assert question in REVIEW_SECTIONS, f"no heading {question!r}"
    level, body = REVIEW_SECTIONS[question]
    assert level == 3
    answer = prose(body)
    assert len(answer.split()) > 40, "an answer of a few sentences"
    assert lesson_links(answer), f"no link to a lesson in the answer to {question!r}"
    unlinked = re.findall(r"lessons? \d\d, sections? \d+", without_links(answer))
    assert not unlinked, f"{unlinked}: a reference to a lesson without its link"


def test_the_questions_are_grouped_under_numbered_sections():
    numbered = [
        item[2]
        for item in REVIEW_ITEMS
        if item[0] == "heading" and item[1] == 2 and re.match(r"\d+\. ", item[2])
    ]
    assert len(numbered) >= 4
    for question in QUESTIONS:
        position = REVIEW_ITEMS.index(("heading", 3, question))
        above = [i for i in REVIEW_ITEMS[:position] if i[0] == "heading" and i[1] <= 2]
        assert re.match(r"\d+\. ", above[-1][2]), question


# ---------------------------------------------------------------------------
# Every link leads to evidence.


def test_the_review_links_to_lessons():
    assert len(ALL_LINKS) >= 21


@pytest.mark.parametrize("target", ALL_LINKS)
def test_each_link_lands_on_a_section_with_an_assert(target):
    name, fragment = LESSON_LINK.match(target).groups()
    path = NOTEBOOKS / name
    assert path.exists(), f"{target}: no notebook {name} in notebooks/"
    wanted = unquote(fragment)
    found = {anchor(text): body for text, (_, body) in sections(items_of(path)).items()}
    assert wanted in found, (
        f"{target}: no heading of {name} has the anchor {wanted!r}; anchors: "
        f"{sorted(found)}"
    )
    code = [item[1] for item in found[wanted] if item[0] == "code"]
    assert any(ASSERT.search(source) for source in code), (
        f"{target}: the section holds no code cell with an assert"
    )


# ---------------------------------------------------------------------------
# The rest of the lesson's shape.


def test_the_lesson_opens_with_what_you_will_be_able_to_do_and_how_to_use_it():
    opening = prose(REVIEW_ITEMS[: REVIEW_ITEMS.index(("heading", 3, QUESTIONS[0]))])
    assert "**What you will be able to do**" in opening
    assert "How to use this review" in opening


def test_wrong_claims_are_each_corrected_by_a_computation():
    title = "Common wrong claims, corrected with evidence"
    heading = next(h for h in REVIEW_SECTIONS if h.endswith(title))
    claims = [
        item[2]
        for item in REVIEW_SECTIONS[heading][1]
        if item[0] == "heading" and item[2].startswith("Claim")
    ]
    assert len(claims) >= 5
    assert any("slightly above 1" in claim for claim in claims)
    for claim in claims:
        code = [i[1] for i in REVIEW_SECTIONS[claim][1] if i[0] == "code"]
        assert any(ASSERT.search(source) for source in code), claim
        assert any("course_lib" in s or "theory." in s or "run." in s for s in code)


def test_the_lesson_has_a_quiz_and_ends_with_a_summary():
    numbered = [i[2] for i in REVIEW_ITEMS if i[0] == "heading" and i[1] == 2]
    assert numbered[-1].endswith("Summary")
    quiz = next(h for h in numbered if "Quiz" in h)
    code = "\n".join(i[1] for i in REVIEW_SECTIONS[quiz][1] if i[0] == "code")
    assert "widgets.Quiz(" in code and "widgets.Numeric(" in code
    assert "widgets.Choice(" in code


# ---------------------------------------------------------------------------
# Every number an answer quotes is what the linked lesson measured.

# A number in prose: a decimal, or a whole number of two digits or more that is
# not part of a name, a power or a formula.
QUOTED_NUMBER = re.compile(r"(?<![\w.^{\\])(\d+\.\d+|\d{2,})(?![\w^])")
ANY_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def cell_text(cell: nbformat.NotebookNode) -> str:
    """A cell's source and the text it printed or displayed."""
    parts = [cell.source]
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            parts.append(output.get("text", ""))
        elif "data" in output:
            parts.append(output["data"].get("text/plain", ""))
    return "\n".join(parts)


def executed_sections(notebook: nbformat.NotebookNode) -> dict[str, str]:
    """Each heading's anchor -> the text of its section, outputs included."""
    found: dict[str, list[str]] = {}
    open_headings: list[tuple[int, str]] = []
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            for line in cell.source.splitlines():
                match = HEADING.match(line)
                if match:
                    level = len(match.group(1))
                    open_headings = [h for h in open_headings if h[0] < level]
                    open_headings.append((level, anchor(match.group(2))))
        for _, name in open_headings:
            found.setdefault(name, []).append(cell_text(cell))
    return {name: "\n".join(texts) for name, texts in found.items()}


def unquoted(prose_text: str, evidence: str) -> list[str]:
    """The numbers of ``prose_text`` that ``evidence`` does not hold.

    Thousands are separated by commas in prose ("63,684") and by underscores
    in code (``63_684``); both are read as one number.
    """
    prose_text = re.sub(r"(?<=\d),(?=\d{3}\b)", "", prose_text)
    evidence = re.sub(r"(?<=\d)_(?=\d)", "", evidence)
    return [
        number
        for number in QUOTED_NUMBER.findall(prose_text)
        if not is_quoted_from(number, evidence)
    ]


def is_quoted_from(number: str, text: str) -> bool:
    """Whether ``text`` holds ``number`` at the precision it is quoted with:
    0.30 matches 0.3 and 0.301, 2.5 matches 2.46, 44 matches 44.2."""
    decimals = len(number.split(".")[1]) if "." in number else 0
    value = float(number)
    return any(
        abs(float(found) - value) <= 0.5 * 10.0**-decimals + 1e-12
        for found in ANY_NUMBER.findall(text)
    )


@pytest.fixture(scope="module")
def lessons() -> dict[str, dict[str, str]]:
    """Every lesson the review links to, executed once: name -> sections."""
    names = sorted({LESSON_LINK.match(t).group(1) for t in ALL_LINKS})
    executed = {}
    for name in names:
        notebook = nbformat.read(NOTEBOOKS / name, as_version=4)
        client = NotebookClient(
            notebook,
            timeout=600,
            kernel_name="python3",
            resources={"metadata": {"path": str(NOTEBOOKS)}},
        )
        client.execute()
        executed[name] = executed_sections(notebook)
    return executed


def test_numbers_are_found_at_the_precision_they_are_quoted_with():
    assert is_quoted_from("0.30", "fractions [0.3   0.51]")
    assert is_quoted_from("2.5", "moved 2.46 times as far")
    assert is_quoted_from("44", "44.2 steps")
    assert not is_quoted_from("0.818", "rate 0.82")
    assert not is_quoted_from("61", "63 steps")
    assert QUOTED_NUMBER.findall("in 61 steps, 0.980 per step, 10^{-6}, x2") == [
        "61",
        "0.980",
    ]
    assert unquoted("63,684 matrices, 2.8 times", "size == 63_684  # 2.8") == []
    assert unquoted("63,684 matrices", "63 of 684") == ["63684"]


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_number_an_answer_quotes_is_in_the_sections_it_links_to(
    question, lessons
):
    answer = prose(REVIEW_SECTIONS[question][1])
    sources = []
    for target in lesson_links(answer):
        name, fragment = LESSON_LINK.match(target).groups()
        sources.append(lessons[name].get(unquote(fragment), ""))
    evidence = "\n".join(sources)
    missing = unquoted(without_links(answer), evidence)
    assert not missing, (
        f"the answer to {question!r} quotes {missing}, which its linked sections "
        "neither write nor print"
    )


# ---------------------------------------------------------------------------
# Every number the review states for itself is computed in the review.


@pytest.fixture(scope="module")
def review_sections() -> dict[str, str]:
    """The review executed: each heading's anchor -> its text, outputs included."""
    notebook = nbformat.read(REVIEW, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOKS)}},
    )
    client.execute()
    return executed_sections(notebook)


CLAIMS = [
    heading
    for heading in REVIEW_SECTIONS
    if heading.startswith("Claim ") and REVIEW_SECTIONS[heading][0] == 3
]


def test_there_are_six_claims():
    assert len(CLAIMS) == 6


@pytest.mark.parametrize("claim", CLAIMS)
def test_every_number_a_claim_states_is_computed_in_its_section(claim, review_sections):
    evidence = review_sections[anchor(claim)]
    missing = unquoted(without_links(prose(REVIEW_SECTIONS[claim][1])), evidence)
    assert not missing, (
        f"{claim!r} states {missing}, which its own cells neither write nor print"
    )


def test_every_number_of_the_summary_is_computed_in_the_review(review_sections):
    summary = next(h for h in REVIEW_SECTIONS if re.match(r"\d+\. Summary$", h))
    everything = "\n".join(review_sections.values())
    missing = unquoted(prose(REVIEW_SECTIONS[summary][1]), everything)
    assert not missing, f"the summary states {missing}, which no cell computes"
