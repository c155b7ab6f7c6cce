"""What the desktop sessions (``*_startup.py``, run by ``qgis --code``) share: the result
file, steps started from the event loop, polling waits, screenshots and opening the project
with the GeoRedis dock. tests/desktop_session.py puts this folder on QGIS's Python path.

Every step is started by the event loop (QTimer) and waits for background work by polling
from the event loop, so QGIS stays responsive as it does for a user; nothing blocks on a task.
"""

import json
import os
import subprocess
import time
import traceback

import qgis.utils
from qgis.core import QgsProject, QgsSettings
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication, QDockWidget
from qgis.utils import iface

OUT = os.environ["GEOREDIS_E2E_OUT"]
PROJECT = os.environ["GEOREDIS_E2E_PROJECT"]
SHOTS = os.environ.get("GEOREDIS_E2E_SHOTS", "")  # README screenshots, when regenerating them
result = {"steps": []}
keep = {}  # objects that must outlive a step (dialogs, layers)


def save_json():
    with open(os.path.join(OUT, "result.json"), "w") as handle:
        json.dump(result, handle, indent=1, default=str)


def fail(message):
    # what the screen showed when it went wrong (a modal dialog, a message...)
    subprocess.run(["import", "-window", "root", os.path.join(OUT, "failure.png")], check=False)
    result["error"] = message
    save_json()
    QApplication.instance().exit(1)


def step(function):
    """Run ``function`` from the event loop; any exception ends the session with its trace."""

    def wrapped(*args):
        try:
            result["steps"].append(function.__name__)
            function(*args)
        except Exception:
            fail(traceback.format_exc())

    return wrapped


def later(function, delay_ms=0):
    QTimer.singleShot(delay_ms, step(function))


def wait_for(condition, then, what, timeout_s=90):
    """Poll ``condition`` every 100 ms from the event loop, then run ``then``."""
    deadline = time.monotonic() + timeout_s

    def poll():
        try:
            done = condition()
        except Exception:
            fail(traceback.format_exc())
            return
        if done:
            later(then)
        elif time.monotonic() > deadline:
            fail(f"timed out waiting for {what}")
        else:
            QTimer.singleShot(100, poll)

    QTimer.singleShot(100, poll)


def grab(widget, name, readme_name=""):
    """Save ``widget`` as an artifact PNG and, when regenerating them, as a README screenshot."""
    artifact = os.path.join(OUT, name)
    widget.grab().toImage().save(artifact)
    if SHOTS and readme_name:
        # ImageMagick's 192-colour palette without dithering: a small README file that keeps
        # the map's colours (Qt's own 8-bit conversion picks a garish palette)
        subprocess.run(
            [
                "convert",
                artifact,
                "+dither",
                "-colors",
                "192",
                "PNG8:" + os.path.join(SHOTS, readme_name),
            ],
            check=True,
        )


def open_project_with_dock():
    """The test's project in a 1440x880 window without the browser, the GeoRedis dock open;
    the plugin."""
    # A fresh profile asks which datum transformation to use for WGS 84 -> LAEA Europe (a
    # modal dialog); a user answers it once. Take QGIS's default instead of asking.
    for section in (QgsSettings.Section.App, QgsSettings.Section.NoSection):
        QgsSettings().setValue("/projections/promptWhenMultipleTransformsExist", False, section)  # noqa: QGS202 QgsSettings.setValue has no result
    window = iface.mainWindow()
    window.resize(1440, 880)
    window.showNormal()
    for name in ("Browser", "Browser2"):  # more room for the map in the screenshots
        browser = window.findChild(QDockWidget, name)
        if browser is not None:
            browser.hide()
    assert QgsProject.instance().read(PROJECT), f"could not open {PROJECT}"
    plugin = qgis.utils.plugins["georedis_plugin"]
    plugin.toggle_dock(True)
    keep["dock"] = plugin.dock
    return plugin


def run_session(first_step):
    """Run ``first_step`` once QGIS has loaded GeoRedis; end the session with a failure if it
    is not done within GEOREDIS_E2E_WATCHDOG_MS (``result["done"]`` set)."""

    def wait_for_plugin(attempts_left=300):
        # QGIS loads plugins during startup; --code may run before or after that has finished.
        if "georedis_plugin" in qgis.utils.plugins:
            later(first_step, 500)
        elif attempts_left == 0:
            fail("GeoRedis never loaded")
        else:
            QTimer.singleShot(200, lambda: wait_for_plugin(attempts_left - 1))

    def watchdog():
        if "done" not in result:
            fail(f"the session took too long; last step: {result['steps'][-1:]}")

    QTimer.singleShot(int(os.environ.get("GEOREDIS_E2E_WATCHDOG_MS", 200_000)), watchdog)
    wait_for_plugin()
