"""Checks for the graded exercises: feedback that names the mistake.

Each exercise task has one check, called in the task's check cell::

    from course_lib.checks import lesson01 as check
    check.classical_step(classical_step)

A check runs the student's answer on several inputs and compares it, with
tolerances, against values computed by ``course_lib``. When the answer is
wrong it raises an ``AssertionError`` whose message says, in a sentence or
two, what is wrong and the likely cause, recognising common mistakes by
their signature (a sign error, the learning rate applied twice, the
averaging convention where the classical one was asked, ...). It never
states the solution. When the answer is right, the check prints one short
line: unlike the rest of the library, which never prints, a check exists to
talk to the student.

A check's ``seed`` picks other inputs; the hidden tests that nbgrader keeps
out of the student's copy call the same checks with other seeds.
"""

from course_lib.checks import (
    lesson01,
    lesson02,
    lesson03,
    lesson04,
    lesson05,
    lesson06,
    lesson07,
    lesson08,
    lesson09,
)

__all__ = [
    "lesson01",
    "lesson02",
    "lesson03",
    "lesson04",
    "lesson05",
    "lesson06",
    "lesson07",
    "lesson08",
    "lesson09",
]
