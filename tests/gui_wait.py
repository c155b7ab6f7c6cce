"""Waiting for background QgsTasks from a test (tests may spin the event loop; widgets may not)."""

import time

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QCoreApplication


def wait_until(condition, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within %.0f s" % timeout)
        QCoreApplication.processEvents()
        time.sleep(0.01)


def wait_for_tasks(timeout: float = 30.0) -> None:
    manager = QgsApplication.taskManager()
    wait_until(lambda: manager.countActiveTasks() == 0, timeout)
    for _ in range(5):
        QCoreApplication.processEvents()
