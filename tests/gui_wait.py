"""Waiting for background QgsTasks from a test (tests may spin the event loop; widgets may not)."""

import contextlib
import threading
import time

from qgis.core import QgsApplication, QgsTask
from qgis.PyQt.QtCore import QCoreApplication, QThreadPool


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


@contextlib.contextmanager
def task_threads_busy():
    """Every task-manager thread busy, so a task added meanwhile stays queued until the end."""
    release = threading.Event()
    blockers = [
        QgsTask.fromFunction("blocker", lambda task: release.wait(30))
        for _ in range(QThreadPool.globalInstance().maxThreadCount())
    ]
    for blocker in blockers:
        QgsApplication.taskManager().addTask(blocker)
    try:
        wait_until(lambda: all(b.status() == QgsTask.TaskStatus.Running for b in blockers))
        yield
    finally:
        release.set()
        wait_for_tasks()


def queued_task(description: str) -> QgsTask:
    (task,) = [t for t in QgsApplication.taskManager().tasks() if t.description() == description]
    return task
