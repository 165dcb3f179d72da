"""The kernel's widget libraries and JupyterLab's widget extensions agree.

A widget displays only where the kernel side (ipywidgets, ipympl) and the
browser side (the JupyterLab extensions that render them) agree on
versions; elsewhere the learner sees "Error displaying widget" instead of
a figure. These tests read the installed extensions' package.json files,
and the version constants that the widget manager's bundle exports, and
compare them with the Python packages.
"""

import importlib.metadata
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from jupyter_core.paths import jupyter_path
from packaging.requirements import Requirement

WIDGET_MANAGER = "@jupyter-widgets/jupyterlab-manager"
WIDGETS_BASE = "@jupyter-widgets/base"

# For each major version of ipywidgets, the major versions of the Python package
# jupyterlab_widgets and of the widget manager extension it ships that render it.
FRONT_END_FOR_IPYWIDGETS = {7: (1, 3), 8: (3, 5)}

# What a kernel sees, asked of a fresh Python like the kernel's: importing ipympl
# switches Matplotlib's backend, which the other tests of this process must keep.
KERNEL_SIDE = """
import json
import ipympl, ipywidgets
from ipympl.backend_nbagg import Canvas
from ipywidgets import _version

traits = Canvas.class_traits()
print(json.dumps({
    "ipywidgets": ipywidgets.__version__,
    "ipywidgets_constants": {
        name: value for name, value in vars(_version).items()
        if name.endswith("_version__")
    },
    "ipympl": ipympl.__version__,
    "ipympl_js_semver": ipympl._version.js_semver,
    "ipympl_labextension": ipympl._jupyter_labextension_paths()[0]["dest"],
    "canvas_model_module": traits["_model_module"].default_value,
    "canvas_model_module_version": traits["_model_module_version"].default_value,
}))
"""

# Constants in ipywidgets (kernel) and the names under which the widget manager's
# bundle exports the same constants (browser), with the rule that relates them:
# a protocol must agree in its major version; a model module version requested
# by the kernel must be satisfied by the version the manager registers.
PROTOCOLS = [
    ("__protocol_version__", "PROTOCOL_VERSION", "same major"),
    ("__control_protocol_version__", "CONTROL_COMM_PROTOCOL_VERSION", "same major"),
    ("__jupyter_widgets_base_version__", "JUPYTER_WIDGETS_VERSION", "satisfies"),
    ("__jupyter_widgets_controls_version__", "JUPYTER_CONTROLS_VERSION", "satisfies"),
    ("__jupyter_widgets_output_version__", "OUTPUT_WIDGET_VERSION", "satisfies"),
]


def parse_version(text: str) -> tuple[int, int, int]:
    """Read "1", "1.2" or "1.2.3" as three numbers; drop a pre-release tag."""
    numbers = re.split(r"[-+]", text.strip(), maxsplit=1)[0].split(".")
    if not 1 <= len(numbers) <= 3 or not all(n.isdigit() for n in numbers):
        raise ValueError(f"version={text!r}: expected numbers such as 1.2.3")
    padded = [int(n) for n in numbers] + [0] * (3 - len(numbers))
    return padded[0], padded[1], padded[2]


def satisfies(version: str, spec: str) -> bool:
    """Whether `version` satisfies an npm range of exact or caret versions.

    Handles what widget packages use: "2.0.0", "^0.12", "^2 || ^3". A caret
    allows changes that leave the first non-zero part alone: ^1.2 is >=1.2.0
    <2.0.0, ^0.12 is >=0.12.0 <0.13.0, ^0.0.3 is >=0.0.3 <0.0.4.
    """
    wanted = parse_version(version)
    for alternative in spec.split("||"):
        alternative = alternative.strip()
        if not alternative.startswith("^"):
            if not re.fullmatch(r"[\d.]+(?:[-+].*)?", alternative):
                raise ValueError(f"spec={spec!r}: only exact and ^ ranges are read")
            if wanted == parse_version(alternative):
                return True
            continue

        given = alternative[1:].split(".")
        low = parse_version(alternative[1:])
        first_non_zero = next(
            (i for i, part in enumerate(given) if int(part) != 0), len(given) - 1
        )
        bumped = [*low[: first_non_zero + 1]]
        bumped[-1] += 1
        high = tuple(bumped + [0] * (2 - first_non_zero))
        if low <= wanted < high:
            return True
    return False


def labextension(name: str) -> Path:
    """Where JupyterLab loads extension `name` from: the first one found."""
    for folder in jupyter_path("labextensions"):
        if (Path(folder) / name / "package.json").is_file():
            return Path(folder) / name
    searched = ", ".join(jupyter_path("labextensions"))
    pytest.fail(f"JupyterLab extension {name} is not installed (searched {searched})")


def package_json(name: str) -> dict:
    return json.loads((labextension(name) / "package.json").read_text())


def bundle_constants(name: str) -> dict[str, set[str]]:
    """Version constants that an extension's bundle exports, by name.

    The build keeps exported names, as `NAME:()=>"1.2.3"`; each should have
    one value.
    """
    found: dict[str, set[str]] = {}
    for script in (labextension(name) / "static").glob("*.js"):
        for key, value in re.findall(
            r'(\w+VERSION):\(\)=>"([^"]+)"', script.read_text()
        ):
            found.setdefault(key, set()).add(value)
    return found


def bundled_version(extension: str, package: str) -> str:
    """The version of `package` that `extension` bundles (its licence list)."""
    licences = labextension(extension) / "static" / "third-party-licenses.json"
    if not licences.is_file():
        pytest.skip(f"{extension} lists no bundled packages ({licences} is missing)")
    for entry in json.loads(licences.read_text())["packages"]:
        if entry["name"] == package:
            return entry["versionInfo"]
    pytest.fail(f"{extension} does not bundle {package}")


@pytest.fixture(scope="module")
def kernel() -> dict:
    result = subprocess.run(
        [sys.executable, "-c", KERNEL_SIDE],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.mark.parametrize(
    ("version", "spec", "expected"),
    [
        ("2.0.0", "2.0.0", True),
        ("2.0.1", "2.0.0", False),
        ("0.12.0", "^0.12", True),
        ("0.13.0", "^0.12", False),
        ("0.11.9", "^0.12", False),
        ("6.0.12", "^2 || ^3 || ^4 || ^5 || ^6", True),
        ("7.0.0", "^2 || ^3 || ^4 || ^5 || ^6", False),
        ("1.9.9", "^1.2", True),
        ("0.0.4", "^0.0.3", False),
        ("0.9.0", "^0", True),
    ],
)
def test_satisfies_reads_npm_ranges_as_npm_does(version, spec, expected):
    assert satisfies(version, spec) is expected


def test_satisfies_rejects_ranges_it_cannot_read():
    with pytest.raises(ValueError, match=r"spec='>=1\.0'"):
        satisfies("1.0.0", ">=1.0")


def test_ipywidgets_and_the_jupyterlab_widget_manager_are_a_pair(kernel):
    ipywidgets = kernel["ipywidgets"]
    assert parse_version(ipywidgets)[0] in FRONT_END_FOR_IPYWIDGETS, ipywidgets
    package_major, manager_major = FRONT_END_FOR_IPYWIDGETS[
        parse_version(ipywidgets)[0]
    ]

    manager = package_json(WIDGET_MANAGER)["version"]
    assert parse_version(manager)[0] == manager_major, (
        f"ipywidgets {ipywidgets} needs {WIDGET_MANAGER} {manager_major}.x, "
        f"JupyterLab has {manager}"
    )

    # The manager comes from the jupyterlab_widgets that ipywidgets asks for.
    install = json.loads((labextension(WIDGET_MANAGER) / "install.json").read_text())
    assert install["packageName"] == "jupyterlab_widgets"
    installed = importlib.metadata.version("jupyterlab_widgets")
    assert parse_version(installed)[0] == package_major, (
        f"ipywidgets {ipywidgets} needs jupyterlab_widgets {package_major}.x, "
        f"found {installed}"
    )
    requirements = map(Requirement, importlib.metadata.requires("ipywidgets") or [])
    wanted = [
        r for r in requirements if r.name == "jupyterlab_widgets" and not r.marker
    ]
    assert wanted, "ipywidgets no longer names jupyterlab_widgets as a dependency"
    for requirement in wanted:
        assert requirement.specifier.contains(installed), (requirement, installed)


@pytest.mark.parametrize(("kernel_name", "bundle_name", "rule"), PROTOCOLS)
def test_kernel_and_widget_manager_speak_the_same_protocol(
    kernel, kernel_name, bundle_name, rule
):
    in_kernel = kernel["ipywidgets_constants"][kernel_name]
    exported = bundle_constants(WIDGET_MANAGER).get(bundle_name)
    if not exported:
        pytest.skip(f"{WIDGET_MANAGER}'s bundle does not expose {bundle_name}")
    assert len(exported) == 1, f"{bundle_name} has several values: {exported}"
    (browser,) = exported

    if rule == "same major":
        assert parse_version(in_kernel)[0] == parse_version(browser)[0], (
            f"kernel {kernel_name}={in_kernel}, browser {bundle_name}={browser}"
        )
    else:
        assert satisfies(browser, in_kernel), (
            f"kernel asks for {kernel_name}={in_kernel}, "
            f"browser registers {bundle_name}={browser}"
        )


def test_ipympl_labextension_is_the_one_the_python_package_asks_for(kernel):
    extension = package_json(kernel["ipympl_labextension"])
    requested = kernel["canvas_model_module_version"]

    assert kernel["canvas_model_module"] == extension["name"]
    assert requested == kernel["ipympl_js_semver"]
    assert satisfies(extension["version"], requested), (
        f"ipympl {kernel['ipympl']} asks for {extension['name']} {requested}, "
        f"JupyterLab has {extension['version']}: reinstall ipympl"
    )


def test_ipympl_shares_the_widget_base_that_the_manager_bundles(kernel):
    extension = package_json(kernel["ipympl_labextension"])
    shared = extension["jupyterlab"]["sharedPackages"][WIDGETS_BASE]
    base = bundled_version(WIDGET_MANAGER, WIDGETS_BASE)

    assert shared["singleton"] and not shared["bundled"]
    assert satisfies(base, extension["dependencies"][WIDGETS_BASE]), (
        f"{extension['name']} accepts {WIDGETS_BASE} "
        f"{extension['dependencies'][WIDGETS_BASE]}, the manager bundles {base}"
    )
