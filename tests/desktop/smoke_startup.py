# Runs inside QGIS desktop (qgis --code): proves GeoRedis loaded, reloads it once to check for
# duplicates, opens its dock and menu, writes a JSON marker and a screenshot, then quits.
import json
import os
import subprocess

import qgis.utils
from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QApplication, QDockWidget
from qgis.utils import iface

OUT = os.environ["GEOREDIS_SMOKE_OUT"]


def georedis_menu_actions():
    menu = iface.pluginMenu()
    for action in menu.actions():
        if action.menu() is not None and action.text().replace("&", "") == "GeoRedis":
            return action.menu(), [a.text() for a in action.menu().actions()]
    return None, []


def report():
    marker = {"loaded": "georedis_plugin" in qgis.utils.plugins}
    try:
        qgis.utils.reloadPlugin("georedis_plugin")
        plugin = qgis.utils.plugins["georedis_plugin"]
        plugin.toggle_dock(True)
        providers = [p.id() for p in QgsApplication.processingRegistry().providers()]
        marker["georedis_providers"] = providers.count("georedis")
        menu, marker["menu_actions"] = georedis_menu_actions()
        docks = [
            d
            for d in iface.mainWindow().findChildren(QDockWidget)
            if d.objectName() == "GeoRedisDock"
        ]
        marker["docks"] = len(docks)
        marker["toolbar_buttons"] = [
            a.text() for a in iface.pluginToolBar().actions() if a.text().startswith("GeoRedis")
        ]
        marker["dock_visible"] = bool(docks) and docks[0].isVisible()
        marker["algorithms"] = sorted(a.id() for a in plugin.provider.algorithms())
        iface.mainWindow().showMaximized()
        if menu is not None:
            iface.pluginMenu().popup(
                iface.mainWindow().mapToGlobal(iface.mainWindow().rect().topLeft())
            )
            QTimer.singleShot(800, lambda: menu.popup(iface.pluginMenu().geometry().topRight()))
    except Exception as exc:  # reported in the marker, which the test asserts on
        marker["error"] = repr(exc)
    QTimer.singleShot(2500, lambda: finish(marker))


def finish(marker):
    shot = os.path.join(OUT, "qgis-georedis-menu.png")
    subprocess.run(["import", "-window", "root", shot], check=False)
    plugin = qgis.utils.plugins.get("georedis_plugin")
    if plugin is not None and plugin.dock is not None:
        # by now the dock's background connection check has reported
        marker["dock_status"] = plugin.dock.status_label.text()
    with open(os.path.join(OUT, "marker.json"), "w") as handle:
        json.dump(marker, handle)
    QApplication.instance().exit(0)


def wait_for_plugin(attempts_left=300):
    # QGIS loads plugins during startup; --code may run before or after that has finished.
    if "georedis_plugin" in qgis.utils.plugins or attempts_left == 0:
        QTimer.singleShot(500, report)  # let the main window finish laying out
    else:
        QTimer.singleShot(200, lambda: wait_for_plugin(attempts_left - 1))


wait_for_plugin()
