"""Run Redis I/O in a QgsTask and hand the result back on the main thread."""

from qgis.core import Qgis, QgsApplication, QgsMessageLog, QgsTask

from ..core.connection import GeoRedisError, explain_error


class BackgroundRunner:
    """Starts function tasks and keeps them referenced until they finish.

    ``on_done(error_message, result)`` runs on the main thread; it is skipped after
    ``cancel_all()`` so that a widget being deleted is never called back.
    """

    def __init__(self):
        self._tasks = set()
        self._closed = False

    def run(self, description: str, function, on_done, config=None):
        def work(task):
            return function(task)

        def finished(exception, result=None):
            self._tasks.discard(task)
            if self._closed:
                return
            if exception is None:
                on_done(None, result)
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
    def busy(self) -> bool:
        return bool(self._tasks)

    def cancel_all(self) -> None:
        self._closed = True
        for task in list(self._tasks):
            task.cancel()
