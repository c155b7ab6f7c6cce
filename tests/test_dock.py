"""The GeoRedis dock: connection status from a background check, panel area, safe shutdown."""

import socket

import pytest
from qgis.PyQt import sip
from qgis.PyQt.QtWidgets import QVBoxLayout, QWidget

from georedis_plugin.core import settings
from georedis_plugin.core.config import ConnectionConfig
from georedis_plugin.core.errors import GeoRedisError
from georedis_plugin.gui.dock import GeoRedisDock
from tests.gui_wait import queued_task, task_threads_busy, wait_for_tasks, wait_until
from tests.redis_server import SERVER_PRODUCT, free_port, product_and_version


@pytest.fixture
def silent_server(clean_settings):
    """A port that accepts connections (kernel backlog) but never answers; settings aim at it."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    settings.HOST.set_value("127.0.0.1")
    settings.PORT.set_value(listener.getsockname()[1])
    settings.READ_TIMEOUT.set_value(0.3)
    yield listener
    listener.close()


def test_status_shows_where_then_version_and_round_trip(qgis_iface, redis_url, redis_client):
    dock = GeoRedisDock(qgis_iface)
    where = ConnectionConfig.from_settings().describe()
    assert where in dock.status_label.text()
    wait_for_tasks()
    server = product_and_version(redis_client.info("server"))
    text = dock.status_label.text()
    assert text.startswith(f"{server} at {where}, round trip ")
    assert text.endswith(" ms")
    dock.close_down()


def test_status_explains_a_closed_port(qgis_iface, clean_settings):
    port = free_port()
    settings.HOST.set_value("127.0.0.1")
    settings.PORT.set_value(port)
    dock = GeoRedisDock(qgis_iface)
    wait_for_tasks()
    assert dock.status_label.text().startswith(
        f"Nothing accepts connections at redis://127.0.0.1:{port}/0"
    )
    dock.close_down()


def test_refresh_button_reads_the_settings_again(qgis_iface, clean_settings, redis_server):
    settings.HOST.set_value("127.0.0.1")
    settings.PORT.set_value(free_port())
    dock = GeoRedisDock(qgis_iface)
    wait_for_tasks()
    assert dock.status_label.text().startswith("Nothing accepts connections")
    settings.PORT.set_value(redis_server.port)
    dock.refresh_button.click()
    wait_for_tasks()
    assert dock.status_label.text().startswith(f"{SERVER_PRODUCT} ")
    assert f"127.0.0.1:{redis_server.port}" in dock.status_label.text()
    dock.close_down()


class RecordingPanel(QWidget):
    def __init__(self):
        super().__init__()
        self.closed_down = 0

    def close_down(self):
        self.closed_down += 1


def test_panels_go_below_the_status_and_are_closed_down_with_the_dock(qgis_iface, redis_url):
    dock = GeoRedisDock(qgis_iface)
    assert isinstance(dock.content_layout, QVBoxLayout)
    before = dock.content_layout.count()  # the built-in panels
    panel = RecordingPanel()
    dock.add_panel(panel)
    assert dock.content_layout.itemAt(before).widget() is panel
    dock.close_down()
    assert panel.closed_down == 1
    wait_for_tasks()


def test_close_down_drops_the_result_of_a_running_check(qgis_iface, silent_server):
    dock = GeoRedisDock(qgis_iface)
    connecting = dock.status_label.text()
    assert connecting.startswith("Connecting to ")
    dock.close_down()
    wait_for_tasks()
    assert dock.status_label.text() == connecting


def test_a_check_finishing_after_the_dock_is_deleted_is_ignored(qgis_iface, silent_server):
    dock = GeoRedisDock(qgis_iface)
    task = dock.check_connection()
    sip.delete(dock)  # as QGIS does on exit, without close_down()
    wait_for_tasks()
    # QgsTaskWrapper stores an exception raised by the finished callback in task.exception
    # (and otherwise hides it); it must still be the timeout, not a RuntimeError about a
    # deleted label.
    assert isinstance(task.exception, GeoRedisError)
    assert "did not answer within the timeout" in str(task.exception)


def test_a_check_canceled_from_the_task_manager_says_so(qgis_iface, redis_url):
    with task_threads_busy():
        dock = GeoRedisDock(qgis_iface)
        queued_task("GeoRedis: check connection").cancel()  # the Cancel of QGIS's task list
        wait_until(lambda: not dock.runner.busy)
    assert dock.status_label.text() == "Connection check canceled."
    dock.close_down()
