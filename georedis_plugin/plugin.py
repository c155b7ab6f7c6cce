"""Plugin life cycle: Processing provider, menu, toolbar button and dock."""

from pathlib import Path

from qgis.core import Qgis, QgsApplication, QgsMessageLog
from qgis.PyQt.QtCore import QCoreApplication, QLocale, Qt, QTranslator
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction, QDialog

from .dependencies import (
    HIREDIS_REQUIREMENT,
    current_platform,
    geos_difference,
    install_command,
    missing_dependencies,
    pip_command,
    redis_parses_with_hiredis,
    stop_using_vendored_redis,
)
from .i18n import tr

PLUGIN_DIR = Path(__file__).resolve().parent
ICON_PATH = str(PLUGIN_DIR / "resources" / "icon.svg")
MENU = "&GeoRedis"
LOG_TAG = "GeoRedis"


class GeoRedisPlugin:
    """What QGIS loads. Nothing here touches the network; heavy work happens on demand."""

    def __init__(self, iface):
        self.iface = iface
        self.provider = None
        self.actions = []
        self.toolbar_actions = []
        self.dock = None
        self.translator = None
        self._install_translator()
        self.missing = missing_dependencies()
        if not self.missing:
            self._report_geos_difference()
            self._report_python_parser()

    # -- translations ----------------------------------------------------------------------
    def _install_translator(self):
        """The plugin's .qm for QGIS's language (its override setting, else the system's).

        Installed before the provider and the GUI are built, so algorithm names, parameter
        descriptions and dock labels are translated; removed again by unload().
        """
        locale = QgsApplication.locale() or QLocale().name() or "en"
        qm = PLUGIN_DIR / "resources" / "i18n" / f"georedis_{str(locale)[:2]}.qm"
        if qm.exists():
            translator = QTranslator()
            if translator.load(str(qm)):
                QCoreApplication.installTranslator(translator)
                self.translator = translator

    # -- Processing ------------------------------------------------------------------------
    def initProcessing(self):
        if self.missing or self.provider is not None:
            return
        from .processing.provider import GeoRedisProvider

        provider = GeoRedisProvider()
        if not QgsApplication.processingRegistry().addProvider(provider):
            # another provider holds the id (a second copy of the plugin?): leave it alone,
            # and do not remove it in unload()
            QgsMessageLog.logMessage(
                tr(
                    "GeoRedis could not add its Processing provider: QGIS already has one with "
                    "the id '{id}'. Remove the other copy of GeoRedis and restart QGIS."
                ).format(id=provider.id()),
                LOG_TAG,
                Qgis.MessageLevel.Critical,
            )
            return
        self.provider = provider

    # -- GUI -------------------------------------------------------------------------------
    def initGui(self):
        if self.missing:
            self._report_missing_dependencies()
            return
        self.initProcessing()
        icon = QIcon(ICON_PATH)
        self.dock_action = self._add_action(icon, tr("GeoRedis panel"), self.toggle_dock)
        self.dock_action.setCheckable(True)
        self.settings_action = self._add_action(
            QgsApplication.getThemeIcon("/mActionOptions.svg"),
            tr("GeoRedis settings…"),
            self.show_settings,
        )
        self.iface.addToolBarIcon(self.dock_action)
        self.toolbar_actions.append(self.dock_action)

    def _add_action(self, icon, text, slot):
        action = QAction(icon, text, self.iface.mainWindow())
        action.setObjectName("georedis_" + str(len(self.actions)))
        action.triggered.connect(slot)
        self.iface.addPluginToMenu(MENU, action)
        self.actions.append(action)
        return action

    def _report_missing_dependencies(self):
        message = tr(
            "GeoRedis cannot start: {problems}. Install them into the QGIS Python, "
            "then restart QGIS:"
        ).format(problems="; ".join(self.missing))
        command = install_command()
        QgsMessageLog.logMessage(f"{message} {command}", LOG_TAG, Qgis.MessageLevel.Critical)
        if self.iface is not None:
            self.iface.messageBar().pushMessage(
                "GeoRedis", f"{message} {command}", Qgis.MessageLevel.Critical, 0
            )

    def _report_geos_difference(self):
        """An info line in the log when shapely's GEOS is not QGIS's: not a reason to stop."""
        difference = geos_difference()
        if difference is None:
            return
        ours, qgis = difference
        message = tr(
            "shapely runs GEOS {shapely}, QGIS runs GEOS {qgis}: the cached buffer and "
            "intersection results come from GEOS {shapely} and may differ from QGIS's native "
            "algorithms in the last digits of coordinates. A shapely built with GEOS {qgis} "
            "gives identical results."
        ).format(shapely=ours, qgis=qgis)
        QgsMessageLog.logMessage(message, LOG_TAG, Qgis.MessageLevel.Info)

    def _report_python_parser(self):
        """An info line in the log when redis-py parses replies in Python (no hiredis 3)."""
        if redis_parses_with_hiredis():
            return
        message = tr(
            "redis-py parses Redis replies in Python here (hiredis 3 is not installed; redis-py "
            "6 and newer ignore older hiredis): geo-set searches take 2 to 3 times as long. "
            "For the faster parser: {command}"
        ).format(command=pip_command(current_platform(with_apt=False), [HIREDIS_REQUIREMENT]))
        QgsMessageLog.logMessage(message, LOG_TAG, Qgis.MessageLevel.Info)

    def toggle_dock(self, checked=None):
        from .gui.dock import GeoRedisDock

        if self.dock is None:
            self.dock = GeoRedisDock(self.iface)
            self.dock.setObjectName("GeoRedisDock")
            self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
            self.dock.visibilityChanged.connect(self.dock_action.setChecked)
        visible = (not self.dock.isUserVisible()) if checked is None else bool(checked)
        # setUserVisible also raises a dock tabbed behind another one; setVisible would not
        self.dock.setUserVisible(visible)

    def show_settings(self):
        from .gui.settings_dialog import SettingsDialog

        dialog = SettingsDialog(self.iface.mainWindow())
        try:
            accepted = dialog.exec() == QDialog.DialogCode.Accepted
        finally:
            dialog.deleteLater()  # parented to the main window: it would outlive every use
        if accepted and self.dock is not None:
            self.dock.check_connection()  # the status may describe the server just replaced

    # -- unload ----------------------------------------------------------------------------
    def unload(self):
        for action in self.toolbar_actions:
            self.iface.removeToolBarIcon(action)
        self.toolbar_actions = []
        for action in self.actions:
            self.iface.removePluginMenu(MENU, action)
            action.deleteLater()
        self.actions = []
        if self.dock is not None:
            self.iface.removeDockWidget(self.dock)
            self.dock.close_down()
            self.dock.deleteLater()
            self.dock = None
        if self.provider is not None:
            # False only if QGIS dropped the provider already: nothing left to undo
            QgsApplication.processingRegistry().removeProvider(self.provider)  # noqa: QGS202
            self.provider = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
            self.translator = None
        if not self.missing:
            from .core.clients import reset_clients

            reset_clients()
        stop_using_vendored_redis()
