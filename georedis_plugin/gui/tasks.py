"""Run Redis I/O in a QgsTask and hand the result back on the main thread."""

from qgis.core import Qgis, QgsApplication, QgsMessageLog, QgsTask
from qgis.PyQt import sip

from ..core.errors import GeoRedisError, explain_error
from ..i18n import tr


class BackgroundRunner:
    """Starts function tasks and keeps them referenced until they finish.

    ``on_done(error_message, result)`` runs on the main thread. It is skipped after
    ``cancel_all()`` and once ``owner`` (the widget the callback updates) has been deleted,
    e.g. when QGIS closes a dock without the plugin's ``unload()``. A task the user cancels
    in QGIS's task list reports ``canceled_message`` as its error.
    """

    def __init__(self, owner=None):
        self._owner = owner
        self._tasks = set()
        self._closed = False

    def run(
        self, description: str, function, on_done, config=None, canceled_message=None
    ) -> QgsTask:
        def work(task):
            return function(task)

        def finished(exception, result=None):
            self._tasks.discard(task)
            if self._closed or self.owner_deleted:
                return
            if exception is None:
                on_done(None, result)
                return
            if task.isCanceled():
                # QgsTaskWrapper reports a cancel as Exception("Task canceled"): not a Redis error
                on_done(canceled_message or tr("Canceled."), None)
                return
            if isinstance(exception, GeoRedisError) or config is None:
                message = str(exception)
            else:
                message = explain_error(exception, config)
            QgsMessageLog.logMessage(message, "GeoRedis", Qgis.MessageLevel.Warning)
            on_done(message, None)

        task = QgsTask.fromFunction(description, work, on_finished=finished)
        self._tasks.add(task)
        QgsApplication.taskManager().addTask(task)
        return task

    @property
    def owner_deleted(self) -> bool:
        return self._owner is not None and sip.isdeleted(self._owner)

    @property
    def busy(self) -> bool:
        return bool(self._tasks)

    def cancel_all(self) -> None:
        """Cancel running tasks and never call back again (the owner is going away)."""
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
