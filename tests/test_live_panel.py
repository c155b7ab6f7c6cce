"""The Live part of the dock: the live layer follows a stream without blocking the UI."""

import gc
import threading
import time

import pytest
from qgis.core import NULL, Qgis, QgsFeature, QgsGeometry, QgsPoint, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import QCoreApplication

from georedis_plugin.core.live import wire
from georedis_plugin.core.live.geofence import Fences
from georedis_plugin.core.live.keys import LiveKeys
from georedis_plugin.core.live.reader import Changes
from georedis_plugin.gui import live_panel as live_panel_module
from georedis_plugin.gui.dock import GeoRedisDock
from georedis_plugin.gui.live_layer import LayerFeed, LiveLayer, point_geometry
from georedis_plugin.gui.live_panel import LivePanel
from tests.gui_wait import wait_for_tasks, wait_until

PREFIX = "georedis"


@pytest.fixture
def panel(qgis_iface, qgis_new_project, redis_url):
    widget = LivePanel(qgis_iface)
    qgis_iface.messageBar().clear_messages()
    yield widget
    widget.close_down()
    wait_for_tasks()


def fence_layer():
    layer = QgsVectorLayer("Polygon?crs=EPSG:4326&field=name:string", "fences", "memory")
    feature = QgsFeature(layer.fields())
    feature.setGeometry(QgsGeometry.fromWkt("POLYGON((0 0, 10 0, 10 10, 0 10, 0 0))"))
    feature.setAttributes(["depot"])
    assert layer.dataProvider().addFeatures([feature])[0]
    layer.setDisplayExpression('"name"')
    assert QgsProject.instance().addMapLayer(layer) is not None
    return layer


def test_the_live_layer_shows_the_fleet_and_follows_it(panel, redis_client):
    k = LiveKeys.for_name(PREFIX, "fleet")
    for n in range(50):
        redis_client.xadd(k.stream, {"id": f"v{n}", "lon": "-5", "lat": "5", "driver": f"d{n}"})
    panel.stream_combo.setEditText("fleet")
    panel.start_button.setChecked(True)
    layer = panel.live_layer.layer
    wait_until(lambda: layer.featureCount() == 50)
    redis_client.xadd(k.stream, {"id": "v3", "lon": "20", "lat": "30", "extra": "new field"})
    wait_until(lambda: "extra" in layer.fields().names())

    def moved():
        rows = {f["id"]: f for f in layer.getFeatures()}
        return rows["v3"].geometry().asPoint().x() == 20

    wait_until(moved)
    rows = {f["id"]: f for f in layer.getFeatures()}
    # the latest entry's attributes: one it lacks is NULL now
    assert rows["v3"]["extra"] == "new field" and rows["v3"]["driver"] == NULL
    assert rows["v4"]["driver"] == "d4" and rows["v4"]["extra"] == NULL
    assert 0 <= rows["v7"]["age_s"] < 60
    wait_until(lambda: "50 ids shown" in panel.status_label.text())
    panel.start_button.setChecked(False)
    assert panel.reader is None


def test_fence_enters_and_exits_reach_the_message_bar(panel, qgis_iface, redis_client):
    k = LiveKeys.for_name(PREFIX, "fleet")
    redis_client.xadd(k.stream, {"id": "bus", "lon": "-5", "lat": "5"})
    panel.fence_combo.setLayer(fence_layer())
    panel.stream_combo.setEditText("fleet")
    panel.start_button.setChecked(True)
    wait_until(lambda: panel.live_layer.layer.featureCount() == 1)
    redis_client.xadd(k.stream, {"id": "bus", "lon": "5", "lat": "5"})
    redis_client.xadd(k.stream, {"id": "bus", "lon": "15", "lat": "5"})

    def texts():
        return [m for m in qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Info)]

    wait_until(lambda: len(texts()) == 2)
    assert texts() == ["Geofence:bus entered depot", "Geofence:bus left depot"]
    assert [f[b"kind"] for _, f in redis_client.xrange(k.events)] == [b"enter", b"exit"]


def test_the_fences_are_read_and_prepared_on_the_reader_thread(panel, redis_client, monkeypatch):
    k = LiveKeys.for_name(PREFIX, "fleet")
    redis_client.xadd(k.stream, {"id": "bus", "lon": "-5", "lat": "5"})
    built = []

    def recording(fences):
        built.append((threading.current_thread().name, [name for name, _ in fences]))
        return Fences(fences)

    monkeypatch.setattr(live_panel_module, "Fences", recording)
    panel.fence_combo.setLayer(fence_layer())
    panel.stream_combo.setEditText("fleet")
    panel.start_button.setChecked(True)
    wait_until(lambda: panel.live_layer.layer.featureCount() == 1)
    assert built == [("georedis-live", ["depot"])]
    redis_client.xadd(k.stream, {"id": "bus", "lon": "5", "lat": "5"})
    wait_until(lambda: redis_client.xlen(k.events) == 1)


def test_streams_are_listed_with_their_rates(panel, redis_client):
    for name in ("north", "south"):
        k = LiveKeys.for_name(PREFIX, name)
        for _ in range(20):
            redis_client.xadd(k.stream, {"id": "a", "lon": "1", "lat": "1"})
    redis_client.xadd(LiveKeys.for_name(PREFIX, "north").events, {"id": "a"})
    panel.refresh_streams()
    wait_for_tasks()
    items = [panel.stream_combo.itemData(i) for i in range(panel.stream_combo.count())]
    assert items == ["north", "south"]
    assert "20 entries" in panel.stream_combo.itemText(0)


def test_last_minutes_loads_an_animated_history_layer(panel, redis_client):
    k = LiveKeys.for_name(PREFIX, "fleet")
    now = int(time.time() * 1000)
    for minutes_ago in (30, 10, 5, 1):
        redis_client.xadd(
            k.stream, {"id": "a", "lon": "1", "lat": "1", "ts": str(now - minutes_ago * 60_000)}
        )
    panel.stream_combo.setEditText("fleet")
    panel.minutes_spin.setValue(15)  # noqa: QGS202 a widget setter, no result
    panel.load_history()
    wait_for_tasks()
    QCoreApplication.processEvents()
    layers = QgsProject.instance().mapLayersByName("fleet, last 15 min")
    assert len(layers) == 1 and layers[0].featureCount() == 3
    assert layers[0].temporalProperties().isActive()


def test_redis_down_shows_in_the_status_and_the_ui_keeps_running(panel, monkeypatch):
    from tests.redis_server import free_port

    monkeypatch.setenv("GEOREDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    panel.stream_combo.setEditText("fleet")
    panel.start_button.setChecked(True)
    started = time.monotonic()
    wait_until(lambda: "retrying in" in panel.status_label.text())
    assert time.monotonic() - started < 5
    assert "Nothing accepts connections" in panel.status_label.text()


def test_the_dock_has_the_live_panel(qgis_iface, redis_url):
    dock = GeoRedisDock(qgis_iface)
    try:
        assert any(isinstance(p, LivePanel) for p in dock.panels)
    finally:
        dock.close_down()
        wait_for_tasks()


def test_the_reader_builds_the_layer_geometries_on_its_own_thread(panel, redis_client, monkeypatch):
    k = LiveKeys.for_name(PREFIX, "fleet")
    now = int(time.time() * 1000)
    for n in range(20):
        redis_client.xadd(k.stream, {"id": f"v{n}", "lon": str(n), "lat": "5", "ts": str(now)})
    threads = set()

    def counting(position):
        threads.add(threading.current_thread().name)
        return point_geometry(position)

    monkeypatch.setattr(live_panel_module, "point_geometry", counting)
    panel.stream_combo.setEditText("fleet")
    panel.start_button.setChecked(True)
    layer = panel.live_layer.layer
    wait_until(lambda: layer.featureCount() == 20)
    assert threads == {"georedis-live"}
    points = {f["id"]: f.geometry().constGet() for f in layer.getFeatures()}
    assert (points["v7"].x(), points["v7"].y(), points["v7"].m()) == (7.0, 5.0, float(now))


def xym(live_layer):
    (feature,) = live_layer.layer.getFeatures()
    point = feature.geometry().constGet()
    return point.x(), point.y(), point.m()


def test_a_prepared_geometry_is_what_the_layer_shows(qgis_new_project):
    layer = LiveLayer("prepared")
    position = wire.Position("a", 1.0, 2.0, 3000, "3000-0")
    changes = Changes(updated={"a": position})
    changes.prepared["a"] = QgsGeometry(QgsPoint(9.0, 8.0, None, 3000.0))
    layer.apply(changes)
    moved = wire.Position("a", 4.0, 5.0, 4000, "4000-0")
    layer.apply(Changes(updated={"a": moved}))  # nothing prepared: built from the position
    assert xym(layer) == (4.0, 5.0, 4000.0)
    layer.apply(Changes(updated={"a": position}, prepared={"a": changes.prepared["a"]}))
    assert xym(layer) == (9.0, 8.0, 3000.0)


def test_the_heap_is_frozen_only_while_a_feed_is_open(qgis_new_project):
    before = gc.get_freeze_count()
    first = LayerFeed(LiveLayer("one"), Changes)
    second = LayerFeed(LiveLayer("two"), Changes)
    assert gc.get_freeze_count() > before
    first.close()
    first.close()  # twice: counted once
    assert gc.get_freeze_count() > before
    second.close()
    assert gc.get_freeze_count() == 0
