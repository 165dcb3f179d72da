"""nbgrader's configuration for this course (https://nbgrader.readthedocs.io).

solutions/ is the source of every exercise notebook and exercises/ is what
students get: `nbgrader generate_assignment ASSIGNMENT` writes the second from
the first. Submissions go in submitted/STUDENT/ASSIGNMENT/, and grades in a
gradebook.db beside this file. Run nbgrader from this folder.
"""

from pathlib import Path

c = get_config()  # noqa: F821 (nbgrader defines get_config when it reads this file)

c.CourseDirectory.root = str(Path(__file__).resolve().parent)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"

# A cell that runs longer than this is interrupted and the rest of the
# notebook is still graded: a submission that loops forever loses that
# task's points only.
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

# Students' copies say where to write the answer.
c.ClearSolutions.code_stub = {
    "python": "# YOUR CODE HERE\nraise NotImplementedError()",
}
