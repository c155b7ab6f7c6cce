# Runs inside QGIS desktop (qgis --code), driven by tests/test_desktop_end_to_end.py: opens the
# project the test built, drives the GeoRedis dock like a user (layer, key, Load, centre, radius,
# Search), runs the cached buffer through processing.run and the shipped model from the graphical
# modeler, takes screenshots, writes everything it saw to result.json and quits.
#
# Every step is started by the event loop (QTimer) and waits for background work by polling from
# the event loop, so QGIS stays responsive as it does for a user; nothing here blocks on a task.
import json
import os
import subprocess
import time

from desktop_steps import (
    OUT,
    grab,
    keep,
    later,
    open_project_with_dock,
    result,
    run_session,
    save_json,
    wait_for,
)
from qgis.core import QgsApplication, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import Qt, QTimer
from qgis.PyQt.QtTest import QTest
from qgis.PyQt.QtWidgets import QApplication
from qgis.utils import iface

SEARCH = json.loads(os.environ["GEOREDIS_E2E_SEARCH"])
MODEL_ID = "georedis:Buffer then intersect (cached)"


def type_into(widget, text):
    widget.setFocus()
    if hasattr(widget, "lineEdit"):
        widget.lineEdit().selectAll()
    else:
        widget.selectAll()
    QTest.keyClicks(widget.lineEdit() if hasattr(widget, "lineEdit") else widget, text)


def layer_named(name):
    (layer,) = QgsProject.instance().mapLayersByName(name)
    return layer


# -- 1. the project and the dock ------------------------------------------------------------
def open_project():
    plugin = open_project_with_dock()
    keep["panel"] = plugin.dock.panels[0]
    # the dock checks the connection and lists the sets in the background
    wait_for(lambda: not plugin.dock.runner.busy, load_points, "the dock's connection check")


def load_points():
    panel = keep["panel"]
    wait_for(lambda: not panel.runner.busy, choose_and_load, "the dock's first list of sets")


def choose_and_load():
    panel = keep["panel"]
    points = layer_named("State centroids")
    combo = panel.load_box.layer_combo
    combo.setCurrentIndex(combo.findText(points.name()))  # what a click on the entry does
    assert combo.currentLayer() is points, combo.currentText()
    type_into(panel.load_box.key_edit, SEARCH["key"])
    panel.load_box.store_check.setChecked(True)
    QTest.mouseClick(panel.load_box.load_button, Qt.MouseButton.LeftButton)
    result["load_button_disabled_while_loading"] = not panel.load_box.load_button.isEnabled()
    result["load_started"] = panel.load_box.load_task is not None
    wait_for(
        lambda: panel.load_box.load_task is None and panel.selected_set() == SEARCH["key"],
        search,
        "the load and the refreshed list of sets",
    )


def search():
    panel = keep["panel"]
    result["sets_listed"] = [panel.sets_list.item(i).text() for i in range(panel.sets_list.count())]
    result["messages"] = [item.text() for item in iface.messageBar().items()]
    result["map_crs"] = panel.map_crs().authid()
    type_into(panel.x_spin, SEARCH["x_typed"])
    type_into(panel.y_spin, SEARCH["y_typed"])
    type_into(panel.radius_spin, SEARCH["radius_typed"])
    panel.unit_combo.setCurrentIndex(panel.unit_combo.findData(SEARCH["unit"]))
    result["typed"] = [panel.x_spin.value(), panel.y_spin.value(), panel.radius_spin.value()]
    keep["hits_before"] = panel.last_hit_layer
    QTest.mouseClick(panel.search_button, Qt.MouseButton.LeftButton)
    wait_for(lambda: panel.last_hit_layer is not keep["hits_before"], check_hits, "the search")


def check_hits():
    panel = keep["panel"]
    hits = panel.last_hit_layer
    tree_layer = QgsProject.instance().layerTreeRoot().findLayer(hits.id())
    result["hit_layer"] = {
        "name": hits.name(),
        "in_layer_tree": tree_layer is not None,
        "visible": tree_layer is not None and tree_layer.isVisible(),
        "count": hits.featureCount(),
        "members": sorted(str(f["member"]) for f in hits.getFeatures()),
        "fields": hits.fields().names(),
    }
    result["status"] = panel.status_label.text()
    band = panel.outline.rubber_band
    result["circle"] = {
        "visible": band is not None and band.isVisible(),
        "vertices": band.numberOfVertices() if band is not None else 0,
        "extent": band.asGeometry().boundingBox().toString() if band is not None else "",
    }
    canvas = iface.mapCanvas()
    canvas.setExtent(band.asGeometry().boundingBox().buffered(450_000))
    canvas.refresh()
    wait_for(lambda: not canvas.isDrawing(), screenshot_map, "the map to draw", 60)


def screenshot_map():
    time.sleep(0)  # the canvas has finished; the grab below repaints the widget itself
    grab(keep["dock"], "dock.png", "georedis-dock.png")
    grab(iface.mapCanvas(), "map.png")
    grab(iface.mainWindow(), "qgis-window.png", "georedis-desktop.png")
    subprocess.run(["import", "-window", "root", os.path.join(OUT, "screen.png")], check=False)
    later(search_nearest_member)


def search_nearest_member():
    """The 8 members nearest one of the hits: "Around" a member, "Nearest" mode."""
    panel = keep["panel"]
    keep["radius_hits"] = panel.last_hit_layer
    member = min(str(f["member"]) for f in panel.last_hit_layer.getFeatures())
    result["nearest_around"] = member
    panel.replace_check.setChecked(False)  # the radius hits stay: the buffer runs on them
    panel.center_kind_combo.setCurrentIndex(panel.center_kind_combo.findData("member"))
    type_into(panel.member_edit, member)
    panel.mode_combo.setCurrentIndex(panel.mode_combo.findData("nearest"))
    type_into(panel.radius_spin, "0")
    type_into(panel.count_spin, "8")
    keep["hits_before"] = panel.last_hit_layer
    QTest.mouseClick(panel.search_button, Qt.MouseButton.LeftButton)
    wait_for(lambda: panel.last_hit_layer is not keep["hits_before"], check_nearest, "nearest")


def check_nearest():
    panel = keep["panel"]
    hits = panel.last_hit_layer
    band = panel.outline.rubber_band
    result["nearest"] = {
        "members": [str(f["member"]) for f in hits.getFeatures()],
        "in_layer_tree": QgsProject.instance().layerTreeRoot().findLayer(hits.id()) is not None,
        "circle_vertices": band.numberOfVertices() if band is not None else 0,
    }
    # the screenshot shows the nearest hits alone; the radius hits come back after it
    radius_node = QgsProject.instance().layerTreeRoot().findLayer(keep["radius_hits"].id())
    radius_node.setItemVisibilityChecked(False)
    canvas = iface.mapCanvas()
    canvas.setExtent(band.asGeometry().boundingBox().buffered(300_000))
    canvas.refresh()
    wait_for(lambda: not canvas.isDrawing(), screenshot_nearest, "the map to draw", 60)


def screenshot_nearest():
    grab(iface.mainWindow(), "qgis-window-nearest.png", "georedis-nearest.png")
    root = QgsProject.instance().layerTreeRoot()
    root.findLayer(keep["radius_hits"].id()).setItemVisibilityChecked(True)
    later(run_cached_buffer)


# -- 2. the cached buffer from the toolbox API ---------------------------------------------
def buffer_features(layer):
    return {str(f["member"]): f.geometry().asWkb() for f in layer.getFeatures()}


def run_cached_buffer():
    from qgis import processing

    hits = keep["radius_hits"]
    parameters = {"INPUT": hits, "DISTANCE": SEARCH["buffer_distance"], "OUTPUT": "memory:"}
    native = processing.run("native:buffer", parameters)["OUTPUT"]
    runs = []
    for _ in range(2):
        outputs = processing.run("georedis:buffer", parameters)
        runs.append(outputs)
    expected = buffer_features(native)
    result["buffer"] = [
        {
            "count": run["OUTPUT"].featureCount(),
            "hits": run["CACHE_HITS"],
            "misses": run["CACHE_MISSES"],
            "same_as_native": buffer_features(run["OUTPUT"]) == expected,
        }
        for run in runs
    ]
    result["native_buffer_count"] = native.featureCount()
    # what the model must give: native buffer, then native intersection with the countries
    countries = layer_named("Countries")
    chain = processing.run(
        "native:intersection", {"INPUT": native, "OVERLAY": countries, "OUTPUT": "memory:"}
    )
    result["native_chain_count"] = chain["OUTPUT"].featureCount()
    later(open_modeler)


# -- 3. the shipped model in the graphical modeler -----------------------------------------
def open_modeler():
    from processing.modeler.ModelerDialog import ModelerDialog

    model = QgsApplication.processingRegistry().algorithmById(MODEL_ID)
    assert model is not None, f"{MODEL_ID} is not in the toolbox"
    dialog = ModelerDialog.create(model)
    dialog.resize(1100, 700)
    dialog.show()
    keep["modeler"] = dialog
    scene_rect = dialog.view().scene().itemsBoundingRect()
    dialog.view().fitInView(
        scene_rect.adjusted(-40, -40, 40, 40), Qt.AspectRatioMode.KeepAspectRatio
    )
    result["modeler"] = {
        "title": dialog.windowTitle(),
        "children": sorted(c.algorithmId() for c in dialog.model().childAlgorithms().values()),
        "inputs": sorted(p.name() for p in dialog.model().parameterDefinitions()),
    }
    # The modeler's Run opens a modal parameters dialog (its own event loop): fill it in and
    # press its Run button from a timer, as a user would.
    wait_for(find_run_dialog, fill_run_dialog, "the modeler's run dialog")
    QTimer.singleShot(300, dialog.actionRun().trigger)


def find_run_dialog():
    from processing.gui.AlgorithmDialog import AlgorithmDialog

    dialogs = [
        w
        for w in QApplication.topLevelWidgets()
        if isinstance(w, AlgorithmDialog) and w.isVisible()
    ]
    if dialogs:
        keep["run_dialog"] = dialogs[0]
    return bool(dialogs)


def fill_run_dialog():
    dialog = keep["run_dialog"]
    keep["model_output"] = os.path.join(OUT, "model-output.gpkg")
    dialog.setParameters(
        {
            "input": keep["radius_hits"].id(),
            "overlay": layer_named("Countries").id(),
            "distance": SEARCH["buffer_distance"],
            "intersection:result": keep["model_output"],
        }
    )
    QTest.mouseClick(dialog.runButton(), Qt.MouseButton.LeftButton)
    wait_for(lambda: dialog.wasExecuted(), model_finished, "the model run", 120)


def model_finished():
    dialog = keep["run_dialog"]
    results = dialog.results()
    output = QgsVectorLayer(keep["model_output"], "model output", "ogr")
    result["model_run"] = {
        "output_keys": sorted(results),
        "count": output.featureCount() if output.isValid() else -1,
        "child_results": sorted(results.get("CHILD_RESULTS", {})),
    }
    grab(dialog, "modeler-run-dialog.png")
    dialog.close()  # ends the dialog's event loop; runModel() stores the run in the modeler
    later(fit_modeler, 500)


def fit_modeler():
    from qgis.PyQt.QtWidgets import QAction

    # the modeler's own View > Zoom to Items (its view ignores a plain fitInView)
    zoom = [
        a for a in keep["modeler"].findChildren(QAction) if a.objectName() == "mActionZoomToItems"
    ]
    result["modeler"]["zoomed_to_items"] = bool(zoom)
    for action in zoom:
        action.trigger()
    later(screenshot_modeler, 300)


def screenshot_modeler():
    grab(keep["modeler"], "modeler.png", "georedis-modeler.png")
    keep["modeler"].setDirty(False)  # nothing to save: no "save changes?" question on exit
    result["done"] = True
    save_json()
    QApplication.instance().exit(0)


run_session(open_project)
