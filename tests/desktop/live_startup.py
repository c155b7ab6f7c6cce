# Runs inside QGIS desktop (qgis --code), driven by tests/test_desktop_live.py: opens the
# project the test built (countries and a fence), starts the Live part of the GeoRedis dock on
# the stream the test's simulated fleet writes to, waits for the fleet and the fence events
# while a 20 ms timer probes the event loop, takes screenshots, writes result.json and quits.
import json
import os
import time
from pathlib import Path

from desktop_steps import (
    grab,
    keep,
    later,
    open_project_with_dock,
    result,
    run_session,
    save_json,
    wait_for,
)
from qgis.core import QgsMarkerSymbol, QgsProject, QgsRectangle
from qgis.PyQt.QtCore import Qt, QTimer
from qgis.PyQt.QtTest import QTest
from qgis.PyQt.QtWidgets import QApplication
from qgis.utils import iface

LIVE = json.loads(os.environ["GEOREDIS_E2E_LIVE"])
result["stalls_ms"] = []


def probe():
    now = time.perf_counter()
    if "last_probe" in keep and keep.get("following"):
        result["stalls_ms"].append((now - keep["last_probe"]) * 1000 - 20)
    keep["last_probe"] = now


def open_project():
    plugin = open_project_with_dock()
    (panel,) = [p for p in plugin.dock.panels if type(p).__name__ == "LivePanel"]
    keep["panel"] = panel
    wait_for(lambda: not plugin.dock.runner.busy, list_streams, "the dock's connection check")


def list_streams():
    panel = keep["panel"]
    QTest.mouseClick(panel.list_button, Qt.MouseButton.LeftButton)
    wait_for(lambda: panel.stream_combo.count() > 0, start, "the list of live streams")


def start():
    panel = keep["panel"]
    result["streams_listed"] = [
        panel.stream_combo.itemText(i) for i in range(panel.stream_combo.count())
    ]
    (fences,) = QgsProject.instance().mapLayersByName("Fence")
    panel.fence_combo.setLayer(fences)
    panel.ttl_spin.setValue(LIVE["ttl"])  # noqa: QGS202 a widget setter, no result
    keep["started"] = time.monotonic()
    QTest.mouseClick(panel.start_button, Qt.MouseButton.LeftButton)
    keep["following"] = True
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(probe)
    timer.start()
    keep["probe"] = timer
    wait_for(lambda: panel.live_layer is not None
             and panel.live_layer.layer.featureCount() >= LIVE["vehicles"], fleet_shown,
             "the fleet on the map")  # fmt: skip


def fleet_shown():
    panel = keep["panel"]
    result["fleet_seconds"] = time.monotonic() - keep["started"]
    layer = panel.live_layer.layer
    layer.renderer().setSymbol(QgsMarkerSymbol.createSimple(
        {"name": "circle", "color": "220,60,30", "size": "1.8", "outline_color": "255,255,255",
         "outline_width": "0.2"}))  # fmt: skip
    canvas = iface.mapCanvas()
    xmin, ymin, xmax, ymax = LIVE["extent"]
    from qgis.core import QgsCoordinateReferenceSystem, QgsCoordinateTransform

    to_map = QgsCoordinateTransform(
        QgsCoordinateReferenceSystem("EPSG:4326"),
        canvas.mapSettings().destinationCrs(),
        QgsProject.instance(),
    )
    canvas.setExtent(to_map.transformBoundingBox(QgsRectangle(xmin, ymin, xmax, ymax)))
    canvas.refresh()
    result["layer"] = {"count": layer.featureCount(), "fields": layer.fields().names(),
                       "in_tree": QgsProject.instance().layerTreeRoot().findLayer(layer.id())
                       is not None}  # fmt: skip
    # the test's scripted bus drives through the fence now (it waits for this file)
    Path(os.environ["GEOREDIS_E2E_SIGNAL"]).touch()

    result["messages"] = []

    def events_seen():
        # message bar items expire (5 s): keep every text seen
        for item in iface.messageBar().items():
            if item.text() not in result["messages"]:
                result["messages"].append(item.text())
        return any(t.startswith(LIVE["bus"]) and " left " in t for t in result["messages"])

    wait_for(events_seen, follow_for_a_while, "the bus's fence events", 60)


def follow_for_a_while():
    later(finish, LIVE["follow_ms"])


def finish():
    panel = keep["panel"]
    keep["following"] = False
    result["status"] = panel.status_label.text()
    result["layer_count_end"] = panel.live_layer.layer.featureCount()
    # hold the map still for the screenshot: the panel's timer paused, status line kept
    panel.timer.stop()
    canvas = iface.mapCanvas()
    canvas.refresh()
    wait_for(lambda: not canvas.isDrawing(), screenshots, "the map to draw", 60)


def screenshots():
    grab(iface.mainWindow(), "qgis-window.png", "georedis-live.png")
    grab(keep["dock"], "dock.png")
    grab(iface.mapCanvas(), "map.png")
    keep["panel"].start_button.setChecked(False)
    result["stopped_status"] = keep["panel"].status_label.text()
    result["done"] = True
    save_json()
    QApplication.instance().exit(0)


run_session(open_project)
