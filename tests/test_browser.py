"""Lesson 02's live explorer in a real browser: JupyterLab, headless Chromium.

The test starts JupyterLab on a free local port, opens the lesson, runs all
cells from the Run menu, moves the β slider with the keyboard as a learner
would, and checks that the figure is redrawn and that no widget failed to
display. It also measures the time from a key press to the redrawn figure.

It needs Debian's Chromium at /usr/bin/chromium (`apt-get install chromium`)
and `playwright` from the test extra; Playwright's own browser download is
not used. Without Chromium the test is skipped, except in CI (CI set), where
it fails. Run it alone with `pytest -m browser`; add `-rP` to see what it
prints, among which the path of its screenshot.
"""

import json
import os
import re
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

sync_api = pytest.importorskip(
    "playwright.sync_api",
    reason="playwright is in the test extra: pip install -e .[test]",
)

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[1]
LESSON = "notebooks/02_ravines.ipynb"
EXPLORER = ".momentum-explorer"
SLIDER_LABEL = "β"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# The folder is ignored by git (.gitignore lists /tmp/).
SCREENSHOT = ROOT / "tmp" / "browser" / "lesson_02_explorer.png"
KEY_PRESSES = 5
# A small laptop screen, as projected in a lecture hall.
VIEWPORT = {"width": 1280, "height": 900}
SERVER_START_SECONDS = 60
NOTEBOOK_RUN_MS = 90_000
REDRAW_MS = 15_000

# Settings a learner would not change but a test must: no autosave (the lesson in
# the repository must stay as committed), and no news or update pop-ups.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    "@jupyterlab/apputils-extension/notification": {
        "fetchNews": "false",
        "checkForUpdates": False,
    },
}

# In the page: a signature of every figure canvas in the explorer (a hash of its
# pixels), so that a redraw shows as a new signature without copying images out.
FIGURE_SIGNATURE_JS = """
(explorer) => [...explorer.querySelectorAll(
    '.jupyter-matplotlib-canvas-div > canvas:first-child')].map((canvas) => {
  const { width, height } = canvas;
  if (width === 0 || height === 0) return 'empty';
  const pixels = new Uint32Array(
    canvas.getContext('2d').getImageData(0, 0, width, height).data.buffer);
  let hash = 2166136261;
  let painted = 0;
  for (let i = 0; i < pixels.length; i++) {
    hash = Math.imul(hash ^ pixels[i], 16777619);
    if (pixels[i] !== 0) painted++;
  }
  return painted === 0 ? 'blank' : `${width}x${height}:${hash >>> 0}`;
}).join('|')
"""

# In the page, polled at every animation frame after a key press: once the figure's
# signature differs from `before`, return the milliseconds since the key went down.
REDRAWN_SINCE_KEY_JS = (
    """
([explorer, before]) => {
  const now = ("""
    + FIGURE_SIGNATURE_JS
    + """)(explorer);
  return now !== before && performance.now() - window.__lastKeyDown;
}
"""
)

# How many pixels of the figure lie beyond the right edge of its output area
# (which hides them): 0 when the whole figure is visible.
CLIPPED_PIXELS_JS = """
(explorer) => {
  const canvas = explorer.querySelector('.jupyter-matplotlib-canvas-div > canvas');
  const area = explorer.closest('.jp-OutputArea-output');
  return Math.max(0, canvas.getBoundingClientRect().right
                     - area.getBoundingClientRect().right);
}
"""

RECORD_KEY_DOWN_JS = """
window.__lastKeyDown = NaN;
document.addEventListener(
  'keydown', () => { window.__lastKeyDown = performance.now(); }, true);
"""


@dataclass(frozen=True)
class Lab:
    """A running JupyterLab: where it listens and how to authenticate."""

    url: str
    token: str
    log: Path

    def api(self, method: str, path: str) -> Any:
        """Call the server's REST API and return the decoded JSON (or None)."""
        request = urllib.request.Request(
            f"{self.url}{path}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
        return json.loads(body) if body else None

    def delete_sessions(self) -> None:
        """Shut down every kernel session: kernels outlive page reloads."""
        for session in self.api("GET", "/api/sessions"):
            self.api("DELETE", f"/api/sessions/{session['id']}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def write_lab_settings(config_dir: Path) -> None:
    settings = config_dir / "lab" / "user-settings"
    for plugin, values in LAB_SETTINGS.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


def wait_until_answering(lab: Lab, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"JupyterLab exited early:\n{lab.log.read_text()[-3000:]}")
        try:
            lab.api("GET", "/api/status")
            return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"JupyterLab did not answer:\n{lab.log.read_text()[-3000:]}")


def stop(lab: Lab, process: subprocess.Popen) -> None:
    """Shut kernels and server down politely, then end the process group."""
    if process.poll() is None:
        try:
            lab.delete_sessions()
            lab.api("POST", "/api/shutdown")
            process.wait(timeout=15)
        except (OSError, subprocess.TimeoutExpired):
            pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if process.poll() is not None:
            break
        os.killpg(process.pid, sig)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            continue


@contextmanager
def jupyter_lab(root: Path, home: Path) -> Iterator[Lab]:
    """Run JupyterLab on `root` with config, data and runtime dirs of its own."""
    config_dir = home / "config"
    write_lab_settings(config_dir)
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(config_dir),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "IPYTHONDIR": str(home / "ipython"),
    }
    port, token = free_port(), secrets.token_hex(16)
    command = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--no-browser",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
        # Opening a notebook makes a checkpoint: keep it out of the repository.
        f"--FileCheckpoints.checkpoint_dir={home / 'checkpoints'}",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")

    lab = Lab(url=f"http://127.0.0.1:{port}", token=token, log=home / "jupyterlab.log")
    with lab.log.open("w") as log:
        process = subprocess.Popen(
            command,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_answering(lab, process)
        yield lab
    finally:
        stop(lab, process)


def require_chromium() -> None:
    if CHROMIUM.exists():
        return
    reason = f"no Chromium at {CHROMIUM}: apt-get install chromium"
    if os.environ.get("CI"):
        pytest.fail(f"{reason} (.ci/run installs it)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    require_chromium()
    with jupyter_lab(ROOT, tmp_path_factory.mktemp("jupyter")) as running:
        yield running


@pytest.fixture
def page(lab: Lab) -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.add_init_script(RECORD_KEY_DOWN_JS)
            yield page
        finally:
            browser.close()


def wait_for_kernel(page: Any, panel: Any, lab: Lab, notebook: str) -> None:
    """Wait until the notebook's kernel is connected to the page and idle.

    The toolbar says "idle" before any kernel exists, so the server is asked too.
    """
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        kernels = [
            session["kernel"]
            for session in lab.api("GET", "/api/sessions")
            if session["path"] == notebook
        ]
        if any(
            k["connections"] > 0 and k["execution_state"] == "idle" for k in kernels
        ):
            break
        page.wait_for_timeout(200)
    else:
        pytest.fail(f"no kernel connected to {notebook}")
    indicator = panel.locator(".jp-Notebook-ExecutionIndicator")
    sync_api.expect(indicator).to_have_attribute("data-status", "idle")


def open_and_run_all(page: Any, lab: Lab, notebook: str) -> Any:
    """Open `notebook` in a fresh workspace, run all cells; return its panel."""
    lab.delete_sessions()
    page.goto(f"{lab.url}/lab/tree/{notebook}?reset&token={lab.token}")
    panel = page.locator(".jp-NotebookPanel:visible")
    wait_for_kernel(page, panel, lab, notebook)

    page.locator("#jp-MainMenu .lm-MenuBar-item", has_text="Run").click()
    page.locator(".lm-Menu-item[data-command='runmenu:run-all']").click()

    prompts = panel.locator(".jp-CodeCell .jp-InputPrompt")
    last_prompt = prompts.nth(prompts.count() - 1)
    sync_api.expect(last_prompt).to_have_text(
        re.compile(r"\[\d+\]:"), timeout=NOTEBOOK_RUN_MS
    )
    return panel


def figure_signature(explorer: Any) -> str:
    return explorer.evaluate(FIGURE_SIGNATURE_JS)


def record_errors(page: Any) -> list[str]:
    """Collect the page's uncaught exceptions and console errors."""
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.on(
        "console",
        lambda message: (
            errors.append(message.text) if message.type == "error" else None
        ),
    )
    return errors


def wait_for_steady_figure(
    page: Any, explorer: Any, errors: list[str], quiet_ms: int = 400
) -> str:
    """Wait until the figure is drawn and still for `quiet_ms`; return it."""
    deadline = time.monotonic() + REDRAW_MS / 1000
    last, steady_since = figure_signature(explorer), time.monotonic()
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)
        now = figure_signature(explorer)
        drawn = bool(now) and "blank" not in now and "empty" not in now
        if now != last:
            last, steady_since = now, time.monotonic()
        elif drawn and time.monotonic() - steady_since >= quiet_ms / 1000:
            return now
    if not last:
        pytest.fail(f"no Matplotlib (ipympl) figure inside {EXPLORER}")
    pytest.fail(
        f"the figure was never drawn or never settled (signature {last!r}); "
        f"errors in the browser: {errors}"
    )


def test_beta_slider_redraws_the_explorer_figure(page: Any, lab: Lab) -> None:
    lesson = ROOT / LESSON
    committed = lesson.read_bytes()
    errors = record_errors(page)
    started = time.monotonic()

    panel = open_and_run_all(page, lab, LESSON)
    explorer = panel.locator(EXPLORER).first
    explorer.wait_for()
    explorer.scroll_into_view_if_needed()
    slider = explorer.locator(".widget-slider").filter(
        has=page.locator(".widget-label").get_by_text(SLIDER_LABEL, exact=True)
    )
    handle = slider.get_by_role("slider")
    readout = slider.locator(".widget-readout")
    # The lesson's figures draw for the first time once shown: let them finish.
    panel.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for()
    figure = wait_for_steady_figure(page, explorer, errors)
    initial_figure, initial_value = figure, float(readout.text_content().strip())

    handle.focus()
    delays_ms = []
    for _ in range(KEY_PRESSES):
        value = float(readout.text_content().strip())
        page.keyboard.press("ArrowRight")
        delay = page.wait_for_function(
            REDRAWN_SINCE_KEY_JS,
            arg=[explorer.element_handle(), figure],
            polling="raf",
            timeout=REDRAW_MS,
        ).json_value()
        delays_ms.append(delay)
        assert float(readout.text_content().strip()) > value, (
            f"ArrowRight left β at {value} (its maximum?)"
        )
        figure = wait_for_steady_figure(page, explorer, errors)

    final_value = float(readout.text_content().strip())
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    explorer.scroll_into_view_if_needed()
    page.screenshot(path=SCREENSHOT)
    print(f"β moved by keyboard from {initial_value} to {final_value}")
    print(
        f"key press to redrawn figure: median {statistics.median(delays_ms):.0f} ms "
        f"over {KEY_PRESSES} presses ({', '.join(f'{d:.0f}' for d in delays_ms)})"
    )
    print(f"open, run and drive the lesson: {time.monotonic() - started:.1f} s")
    print(f"screenshot: {SCREENSHOT}")

    assert final_value > initial_value
    assert figure != initial_figure
    clipped = explorer.evaluate(CLIPPED_PIXELS_JS)
    assert clipped == 0, (
        f"{clipped:.0f} px of the figure are cut off by a {VIEWPORT['width']} px "
        "wide window with the file browser open"
    )
    assert page.get_by_text("Error displaying widget").count() == 0
    outputs = panel.locator(
        ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']"
    )
    assert outputs.count() == 0, outputs.first.inner_text()
    assert errors == [], f"errors in the browser: {errors}"

    assert lesson.read_bytes() == committed, f"{LESSON} was saved by the test"
