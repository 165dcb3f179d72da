"""The project's promises about itself: set-up, notebooks as committed, lint."""

import json
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_FOLDERS = ("notebooks", "solutions", "exercises")
KERNELSPEC = {
    "name": "python3",
    "display_name": "Python 3 (ipykernel)",
    "language": "python",
}


def committed_notebooks():
    return sorted(
        p
        for folder in NOTEBOOK_FOLDERS
        for p in (ROOT / folder).rglob("*.ipynb")
        if ".ipynb_checkpoints" not in p.parts
    )


def readme_commands():
    text = (ROOT / "README.md").read_text()
    setup = text.split("## Set up", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```bash\n(.*?)\n```", setup, flags=re.S)


def test_environment_yml_lists_the_same_packages_as_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pinned = project["dependencies"] + project["optional-dependencies"]["test"]
    in_pyproject = {re.sub(r"\s", "", p).lower() for p in pinned}

    environment = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in environment["dependencies"] if isinstance(d, str)]
    in_conda = {d.lower() for d in conda if d.split(">")[0] not in ("python", "pip")}

    assert in_conda == in_pyproject, (
        f"only in environment.yml: {sorted(in_conda - in_pyproject)}; "
        f"only in pyproject.toml: {sorted(in_pyproject - in_conda)}"
    )


def test_readme_has_two_setup_commands_and_ci_runs_the_test_one():
    commands = readme_commands()
    assert len(commands) == 2, f"expected 2 set-up commands, found {commands}"
    open_course, run_tests = commands
    assert "jupyter lab notebooks/01_update_equations.ipynb" in open_course
    assert "pytest" in run_tests
    for command in commands:
        assert command.startswith("python3 -m venv .venv &&")
    ci = (ROOT / ".ci" / "run").read_text()
    assert run_tests in ci.splitlines(), ".ci/run must run the README's test command"


def test_lessons_named_in_the_readme_exist_and_are_all_listed():
    text = (ROOT / "README.md").read_text()
    listed = set(re.findall(r"`(notebooks/[\w.]+\.ipynb)`", text))
    present = {str(p.relative_to(ROOT)) for p in (ROOT / "notebooks").glob("*.ipynb")}
    assert listed == present


@pytest.mark.parametrize(
    "path", committed_notebooks(), ids=lambda p: str(p.relative_to(ROOT))
)
def test_notebook_is_committed_clean(path):
    notebook = json.loads(path.read_text())
    for index, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [], f"cell {index} has outputs"
            assert cell["execution_count"] is None, f"cell {index} has a count"
    assert notebook["metadata"].get("kernelspec") == KERNELSPEC


def test_notebooks_exist():
    assert len(list((ROOT / "notebooks").glob("*.ipynb"))) >= 2


def ruff(*args):
    executable = shutil.which("ruff", path=str(Path(sys.executable).parent))
    assert executable, "ruff is not installed: install the test extra"
    return subprocess.run(
        [executable, *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


LINTED = ["course_lib", "tests", "notebooks", "benchmarks", "scripts", "conftest.py"]


def test_ruff_lint_passes():
    result = ruff("check", "--no-cache", *LINTED)
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_applied():
    result = ruff("format", "--check", "--no-cache", *LINTED)
    assert result.returncode == 0, result.stdout + result.stderr
