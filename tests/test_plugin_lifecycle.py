"""Plugin life cycle: provider registration, menu, toolbar and dock, repeated load/unload."""

import time
from collections import Counter

import pytest
import redis
from qgis.core import QgsApplication
from qgis.gui import QgsDockWidget
from qgis.PyQt.QtCore import QCoreApplication, QEvent, Qt, QTimer
from qgis.PyQt.QtWidgets import QApplication, QMainWindow

import georedis_plugin
from georedis_plugin.gui.settings_dialog import SettingsDialog
from tests.gui_wait import wait_for_tasks
from tests.redis_server import free_port, product_and_version


def when_the_settings_dialog_shows(action, problems: list) -> None:
    """Call ``action(dialog)`` once the modal settings dialog is shown (polled: with some
    QGIS/Qt builds it is not shown yet when a 0 ms timer fires). Exceptions go to ``problems``:
    one raised inside a Qt callback aborts the interpreter, taking the whole session with it."""
    deadline = time.monotonic() + 10

    def poll():
        shown = [
            widget
            for widget in QApplication.topLevelWidgets()
            if isinstance(widget, SettingsDialog) and widget.isVisible()
        ]
        if not shown:
            if time.monotonic() < deadline:
                QTimer.singleShot(10, poll)
            else:
                problems.append("the settings dialog did not show within 10 s")
            return
        try:
            action(shown[0])
        except Exception as exc:  # kept for the test to fail on, after the dialog closed
            problems.append(repr(exc))
            shown[0].reject()

    QTimer.singleShot(0, poll)


class RecordingIface:
    """Forwards to pytest-qgis's iface and keeps what the plugin added and has not removed.

    pytest-qgis 5's QgisInterface.addPluginToMenu / addToolBarIcon / addDockWidget (and their
    removers) are empty stubs that record nothing, so the counting happens here.
    """

    def __init__(self, iface):
        self._iface = iface
        self.menu_actions = Counter()
        self.toolbar_actions = Counter()
        self.docks = Counter()

    def __getattr__(self, name):
        return getattr(self._iface, name)

    def addPluginToMenu(self, menu, action):
        self.menu_actions[(menu, action.text())] += 1

    def removePluginMenu(self, menu, action):
        self.menu_actions[(menu, action.text())] -= 1

    def addToolBarIcon(self, action):
        self.toolbar_actions[action.text()] += 1

    def removeToolBarIcon(self, action):
        self.toolbar_actions[action.text()] -= 1

    def addDockWidget(self, area, dock):
        self.docks[dock.objectName()] += 1

    def removeDockWidget(self, dock):
        self.docks[dock.objectName()] -= 1

    def live(self, counter):
        return {key: n for key, n in counter.items() if n}


def georedis_providers():
    registry = QgsApplication.processingRegistry()
    return [p for p in registry.providers() if p.id() == "georedis"]


@pytest.fixture
def iface(qgis_iface, redis_url):
    return RecordingIface(qgis_iface)


def test_processing_provider_registers_without_iface(qgis_app, redis_url):
    plugin = georedis_plugin.classFactory(None)
    plugin.initProcessing()
    try:
        (provider,) = georedis_providers()
        assert provider.name() == "GeoRedis"
        assert not provider.icon().isNull()
        assert "georedis:clearcache" in [a.id() for a in provider.algorithms()]
    finally:
        plugin.unload()
    assert georedis_providers() == []


def test_init_gui_adds_menu_toolbar_and_provider(iface):
    plugin = georedis_plugin.classFactory(iface)
    plugin.initProcessing()
    plugin.initGui()
    try:
        menu_texts = sorted(text for (_, text) in iface.live(iface.menu_actions))
        assert menu_texts == ["GeoRedis panel", "GeoRedis settings…"]
        assert all(menu == "&GeoRedis" for (menu, _) in iface.live(iface.menu_actions))
        assert iface.live(iface.toolbar_actions) == {"GeoRedis panel": 1}
        assert len(georedis_providers()) == 1
    finally:
        plugin.unload()


def test_dock_opens_from_its_action_and_unload_removes_everything(iface):
    plugin = georedis_plugin.classFactory(iface)
    plugin.initProcessing()
    plugin.initGui()
    plugin.dock_action.trigger()
    assert iface.live(iface.docks) == {"GeoRedisDock": 1}
    assert plugin.dock.isVisible()
    assert plugin.dock.windowTitle() == "GeoRedis"
    assert plugin.dock_action.isChecked()
    plugin.dock_action.trigger()
    assert not plugin.dock.isVisible()
    assert not plugin.dock_action.isChecked()
    plugin.unload()
    assert iface.live(iface.docks) == {}
    assert iface.live(iface.menu_actions) == {}
    assert iface.live(iface.toolbar_actions) == {}
    assert georedis_providers() == []
    assert plugin.dock is None


def test_load_unload_cycles_leave_no_duplicates(iface):
    for _ in range(3):
        plugin = georedis_plugin.classFactory(iface)
        plugin.initProcessing()
        plugin.initGui()
        plugin.initProcessing()  # QGIS may call it again; must stay one provider
        plugin.toggle_dock(True)
        assert len(georedis_providers()) == 1
        assert sum(iface.live(iface.menu_actions).values()) == 2
        assert iface.live(iface.docks) == {"GeoRedisDock": 1}
        plugin.unload()
        assert georedis_providers() == []
    assert iface.live(iface.menu_actions) == {}
    assert iface.live(iface.toolbar_actions) == {}
    assert iface.live(iface.docks) == {}


class MainWindowIface(RecordingIface):
    """Docks go into a real QMainWindow, so tabbing and raising behave as in QGIS."""

    def __init__(self, iface):
        super().__init__(iface)
        self.window = QMainWindow()

    def mainWindow(self):
        return self.window

    def addDockWidget(self, area, dock):
        super().addDockWidget(area, dock)
        self.window.addDockWidget(area, dock)

    def removeDockWidget(self, dock):
        super().removeDockWidget(dock)
        self.window.removeDockWidget(dock)


def settle():
    # tab switches and the visibility signals they cause arrive over a few event-loop turns
    for _ in range(5):
        QCoreApplication.processEvents()


def test_panel_action_brings_a_dock_tabbed_behind_another_to_the_front(qgis_iface, redis_url):
    iface = MainWindowIface(qgis_iface)
    iface.window.show()
    other = QgsDockWidget("Layer styling")
    iface.window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, other)
    plugin = georedis_plugin.classFactory(iface)
    plugin.initGui()
    try:
        plugin.dock_action.trigger()
        settle()
        iface.window.tabifyDockWidget(plugin.dock, other)
        other.raise_()
        settle()
        assert not plugin.dock.isUserVisible()
        assert not plugin.dock_action.isChecked()  # so one click means "show it"
        plugin.dock_action.trigger()
        settle()
        assert plugin.dock.isUserVisible()
        assert not other.isUserVisible()
        assert plugin.dock_action.isChecked()
        plugin.dock_action.trigger()
        assert not plugin.dock.isVisible()
    finally:
        plugin.unload()
        iface.window.close()


def test_saving_new_settings_refreshes_the_dock_status(qgis_iface, clean_settings, redis_server):
    clean_settings.HOST.set_value("127.0.0.1")
    clean_settings.PORT.set_value(free_port())
    plugin = georedis_plugin.classFactory(RecordingIface(qgis_iface))
    plugin.initGui()
    try:
        plugin.toggle_dock(True)
        wait_for_tasks()
        assert plugin.dock.status_label.text().startswith("Nothing accepts connections")

        def point_the_dialog_at_the_server(dialog):
            dialog.port_spin.setValue(redis_server.port)  # noqa: QGS202 a widget setter
            dialog.accept()

        problems = []
        when_the_settings_dialog_shows(point_the_dialog_at_the_server, problems)
        plugin.settings_action.trigger()  # modal: returns once the dialog is accepted
        assert problems == []
        wait_for_tasks()
        with redis.Redis(port=redis_server.port) as client:
            server = product_and_version(client.info("server"))
        assert plugin.dock.status_label.text().startswith(
            f"{server} at redis://127.0.0.1:{redis_server.port}/0, round trip "
        )
    finally:
        plugin.unload()
        wait_for_tasks()


def test_closed_settings_dialogs_do_not_pile_up_under_the_main_window(qgis_iface, clean_settings):
    plugin = georedis_plugin.classFactory(RecordingIface(qgis_iface))
    plugin.initGui()
    try:
        problems = []
        for _ in range(3):
            when_the_settings_dialog_shows(SettingsDialog.reject, problems)
            plugin.settings_action.trigger()
        assert problems == []
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        assert qgis_iface.mainWindow().findChildren(SettingsDialog) == []
    finally:
        plugin.unload()
