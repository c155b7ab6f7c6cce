"""The geo-set dock panel driven like a user would: load, list, pick a centre, search, delete."""

import pytest
from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QCoreApplication, Qt

from georedis_plugin.core import geoset
from georedis_plugin.core.compat import FieldType
from georedis_plugin.gui.dock import GeoRedisDock
from georedis_plugin.gui.geoset_panel import GeoSetPanel
from tests.gui_wait import wait_for_tasks
from tests.test_geoset_core import PREFIX, point_layer, random_points


@pytest.fixture
def project_points(qgis_iface, qgis_new_project):
    lons, lats = random_points(5000, seed=31, lon=(13.2, 13.6), lat=(52.4, 52.6))
    layer = point_layer(
        lons,
        lats,
        crs="EPSG:25833",
        fields=[QgsField("name", FieldType.STRING), QgsField("rank", FieldType.INT)],
        values=[[f"stop {i}", i] for i in range(len(lons))],
    )
    layer.setName("Berlin Stops")
    assert QgsProject.instance().addMapLayer(layer) is not None
    yield layer


@pytest.fixture
def panel(qgis_iface, redis_url, project_points):
    canvas = qgis_iface.mapCanvas()
    canvas.setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    widget = GeoSetPanel(qgis_iface)
    wait_for_tasks()
    qgis_iface.messageBar().clear_messages()
    yield widget
    widget.close_down()
    wait_for_tasks()


def to_map(point, canvas):
    return QgsCoordinateTransform(
        QgsCoordinateReferenceSystem("EPSG:4326"),
        canvas.mapSettings().destinationCrs(),
        QgsProject.instance(),
    ).transform(point)


def load_and_select(panel, project_points, **options):
    panel.load_box.layer_combo.setLayer(project_points)
    panel.load_box.store_check.setChecked(options.get("store", True))
    if "id_field" in options:
        panel.load_box.id_field_combo.setField(options["id_field"])
    panel.load_box.load_button.click()
    assert not panel.load_box.load_button.isEnabled()
    wait_for_tasks()
    wait_for_tasks()  # the list refresh that the load starts


def test_layer_picker_offers_point_layers_only_and_suggests_a_key(panel, project_points):
    lines = point_layer([], [], kind="LineString")
    assert QgsProject.instance().addMapLayer(lines) is not None
    combo = panel.load_box.layer_combo
    offered = [combo.layer(i) for i in range(combo.count())]
    assert project_points in offered
    assert lines not in offered
    panel.load_box.layer_combo.setLayer(project_points)
    assert panel.load_box.key_edit.text() == "berlin_stops"
    assert panel.load_box.id_field_combo.currentField() == ""


def test_load_lists_the_set_with_its_size(panel, project_points, redis_client, qgis_iface):
    load_and_select(panel, project_points)
    assert panel.selected_set() == "berlin_stops"
    assert "5000 points" in panel.sets_list.currentItem().text()
    assert redis_client.zcard(geoset.GeoSetKeys.for_name(PREFIX, "berlin_stops").geo) == 5000
    messages = qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Success)
    assert any("Loaded 5000 points into 'berlin_stops'" in m for m in messages)
    assert panel.load_box.progress_bar.isHidden() and panel.load_box.load_button.isEnabled()


def test_load_without_attributes_stores_every_feature_id(panel, project_points, redis_client):
    assert geoset.reads_in_bulk(project_points)  # the panel hands the layer to its task
    load_and_select(panel, project_points, store=False)
    key = geoset.GeoSetKeys.for_name(PREFIX, "berlin_stops").geo
    members = {int(m) for m in redis_client.zrange(key, 0, -1)}
    assert members == set(project_points.allFeatureIds())
    sample = sorted(members)[::500]
    wgs84 = QgsCoordinateTransform(
        project_points.crs(), QgsCoordinateReferenceSystem("EPSG:4326"), QgsProject.instance()
    )
    for fid, (lon, lat) in zip(sample, redis_client.geopos(key, *sample)):
        point = wgs84.transform(project_points.getFeature(fid).geometry().asPoint())
        assert geoset.haversine_m(point.x(), point.y(), lon, lat) < 1.0


def test_click_then_search_adds_the_hit_layer_and_draws_the_circle(
    panel, project_points, redis_client, qgis_iface
):
    load_and_select(panel, project_points, id_field="name")
    center = QgsPointXY(13.4, 52.5)
    panel.pick_button.setChecked(True)
    assert qgis_iface.mapCanvas().mapTool() is panel.pick_tool
    panel.pick_tool.canvasClicked.emit(
        to_map(center, qgis_iface.mapCanvas()), Qt.MouseButton.LeftButton
    )
    panel.radius_spin.setValue(2.5)  # noqa: QGS202 a widget setter, no result
    panel.unit_combo.setCurrentIndex(panel.unit_combo.findData("km"))
    panel.search_button.click()
    wait_for_tasks()
    layer = panel.last_hit_layer
    assert QgsProject.instance().mapLayer(layer.id()) is layer
    assert layer.thread() is QCoreApplication.instance().thread()  # built by the task
    assert layer.name().startswith("berlin_stops: 2.5 km around")
    expected = geoset.GeoSet(redis_client, PREFIX, "berlin_stops").radius(13.4, 52.5, 2.5, "km")
    assert len(expected) > 50
    assert [f["member"] for f in layer.getFeatures()] == expected.members
    assert layer.fields().names() == ["member", "distance", "name", "rank"]
    assert layer.fields().field("rank").type() == FieldType.INT
    assert layer.crs().authid() == "EPSG:4326"
    assert panel.status_label.text().startswith(f"{len(expected)} hits in 'berlin_stops' in ")
    band = panel.outline.rubber_band
    assert band.numberOfVertices() == 96
    # the drawn circle is ~2.5 km from the centre (geodesic, in the map CRS)
    back = QgsCoordinateTransform(
        qgis_iface.mapCanvas().mapSettings().destinationCrs(),
        QgsCoordinateReferenceSystem("EPSG:4326"),
        QgsProject.instance(),
    )
    vertex = back.transform(band.asGeometry().vertexAt(10).x(), band.asGeometry().vertexAt(10).y())
    # geodesic on WGS 84, as the search measures: each vertex exactly 2.5 km from the centre
    assert geoset.geodesic_m(13.4, 52.5, vertex.x(), vertex.y()) == pytest.approx(2500, abs=1e-3)
    assert band.asGeometry().type() == QgsWkbTypes.GeometryType.PolygonGeometry


def band_vertices_wgs84(panel):
    back = QgsCoordinateTransform(
        panel.canvas.mapSettings().destinationCrs(),
        QgsCoordinateReferenceSystem("EPSG:4326"),
        QgsProject.instance(),
    )
    ring = panel.outline.rubber_band.asGeometry()
    return [back.transform(v.x(), v.y()) for v in ring.vertices()]


def search_with(panel, mode, around=None, distances=geoset.ELLIPSOID, **values):
    panel.mode_combo.setCurrentIndex(panel.mode_combo.findData(mode))
    panel.distances_combo.setCurrentIndex(panel.distances_combo.findData(distances))
    if around is None:
        panel.center_kind_combo.setCurrentIndex(panel.center_kind_combo.findData("point"))
        panel.set_center(to_map(QgsPointXY(13.4, 52.5), panel.canvas))
    else:
        panel.center_kind_combo.setCurrentIndex(panel.center_kind_combo.findData("member"))
        panel.member_edit.setText(around)
    for name, value in values.items():
        getattr(panel, f"{name}_spin").setValue(value)  # noqa: QGS202 a widget setter
    panel.unit_combo.setCurrentIndex(panel.unit_combo.findData("km"))
    panel.search_button.click()
    wait_for_tasks()
    return panel.last_hit_layer


def test_nearest_mode_finds_the_nearest_and_circles_the_farthest_of_them(
    panel, project_points, redis_client
):
    load_and_select(panel, project_points, id_field="name", store=False)
    layer = search_with(panel, "nearest", radius=0.0, count=7)
    assert panel.radius_label.text() == "Within (0 = anywhere)" and panel.box_label.isHidden()
    expected = geoset.GeoSet(redis_client, PREFIX, "berlin_stops").nearest(13.4, 52.5, 7)
    assert [f["member"] for f in layer.getFeatures()] == expected.members
    assert layer.featureCount() == 7
    farthest_m = float(expected.distances[-1])  # metres, the default unit
    for vertex in band_vertices_wgs84(panel)[::9]:
        assert geoset.geodesic_m(13.4, 52.5, vertex.x(), vertex.y()) == pytest.approx(
            farthest_m, abs=1e-3
        )


@pytest.mark.parametrize("mode", ["radius", "box", "nearest"])
def test_every_search_kind_runs_around_a_member_of_the_set(
    panel, project_points, redis_client, mode
):
    load_and_select(panel, project_points, id_field="name", store=False)
    gs = geoset.GeoSet(redis_client, PREFIX, "berlin_stops")
    member = "stop 1234"
    layer = search_with(panel, mode, around=member, radius=1.5, width=3.0, height=2.0, count=9)
    assert panel.x_spin.isHidden() and not panel.member_edit.isHidden()
    shape = {
        "radius": geoset.Radius(geoset.Member(member), 1.5),
        "box": geoset.Box(geoset.Member(member), 3.0, 2.0),
        "nearest": geoset.Nearest(geoset.Member(member), 1.5),
    }[mode]
    expected = gs.search(shape, "km", 9)
    assert [f["member"] for f in layer.getFeatures()] == expected.members
    assert expected.members[0] == member and len(expected) > 1
    # the outline is drawn around the member's position
    lon, lat = gs.position(member)
    vertices = band_vertices_wgs84(panel)
    centre_lon = sum(v.x() for v in vertices) / len(vertices)
    centre_lat = sum(v.y() for v in vertices) / len(vertices)
    assert abs(centre_lon - lon) < 0.01 and abs(centre_lat - lat) < 0.01


def test_box_mode_draws_the_box_the_search_measures(panel, project_points, redis_client):
    load_and_select(panel, project_points, store=False)
    layer = search_with(panel, "box", width=6.0, height=4.0, count=0)
    expected = geoset.GeoSet(redis_client, PREFIX, "berlin_stops").box(13.4, 52.5, 6, 4, "km")
    assert [f["member"] for f in layer.getFeatures()] == expected.members
    vertices = band_vertices_wgs84(panel)
    for vertex in vertices[1:-1]:
        east_west = geoset.geodesic_m(13.4, vertex.y(), vertex.x(), vertex.y())
        north_south = geoset.geodesic_m(13.4, 52.5, 13.4, vertex.y())
        # every vertex is on a side (3 km east or west) or on the top or bottom (2 km)
        assert abs(east_west - 3000) < 1e-3 or abs(north_south - 2000) < 1e-3


def test_the_sphere_circle_is_where_redis_haversine_stops(panel, project_points, redis_client):
    load_and_select(panel, project_points, store=False)
    layer = search_with(panel, "radius", distances=geoset.SPHERE, radius=2.0, count=0)
    expected = geoset.GeoSet(redis_client, PREFIX, "berlin_stops").radius(
        13.4, 52.5, 2, "km", distances=geoset.SPHERE
    )
    assert [f["member"] for f in layer.getFeatures()] == expected.members
    for vertex in band_vertices_wgs84(panel)[::10]:
        assert geoset.haversine_m(13.4, 52.5, vertex.x(), vertex.y()) == pytest.approx(
            2000, abs=1e-3
        )


def test_choosing_another_map_tool_releases_the_pick_button(panel, qgis_iface):
    from qgis.gui import QgsMapToolPan

    canvas = qgis_iface.mapCanvas()
    panel.pick_button.setChecked(True)
    assert canvas.mapTool() is panel.pick_tool
    pan = QgsMapToolPan(canvas)
    canvas.setMapTool(pan)
    assert not panel.pick_button.isChecked()
    assert canvas.mapTool() is pan
    canvas.unsetMapTool(pan)


def test_search_within_the_selected_polygons_of_the_active_layer(
    panel, project_points, redis_client, qgis_iface
):
    load_and_select(panel, project_points, id_field="name")
    zones = QgsVectorLayer("Polygon?crs=EPSG:3857", "zones", "memory")
    wgs84_shapes = [
        "Polygon ((13.30 52.45, 13.45 52.45, 13.40 52.55, 13.30 52.45))",
        "Polygon ((13.45 52.45, 13.55 52.45, 13.55 52.55, 13.45 52.45))",
    ]
    to_3857 = QgsCoordinateTransform(
        QgsCoordinateReferenceSystem("EPSG:4326"), zones.crs(), QgsProject.instance()
    )
    features = []
    for wkt in wgs84_shapes:
        geometry = QgsGeometry.fromWkt(wkt)
        assert geometry.transform(to_3857) == Qgis.GeometryOperationResult.Success
        feature = QgsFeature()
        feature.setGeometry(geometry)
        features.append(feature)
    assert zones.dataProvider().addFeatures(features)[0]
    assert QgsProject.instance().addMapLayer(zones) is not None
    qgis_iface.setActiveLayer(zones)
    panel.polygon_button.click()  # nothing selected yet
    warnings = qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Warning)
    assert any("Select one or more polygons" in m for m in warnings)
    zones.selectByIds([sorted(zones.allFeatureIds())[0]])
    panel.polygon_button.click()
    wait_for_tasks()
    layer = panel.last_hit_layer
    # the selected polygon, back in WGS 84 as the panel sends it
    selected = QgsGeometry(features[0].geometry())
    assert (
        selected.transform(to_3857, Qgis.TransformDirection.Reverse)
        == Qgis.GeometryOperationResult.Success
    )
    expected = geoset.GeoSet(redis_client, PREFIX, "berlin_stops").polygon(selected, "m")
    assert len(expected) > 50
    assert [f["member"] for f in layer.getFeatures()] == expected.members
    assert layer.fields().names() == ["member", "distance", "name", "rank"]
    assert QgsProject.instance().mapLayer(layer.id()) is layer
    assert panel.status_label.text().startswith(f"{len(expected)} hits in 'berlin_stops'")


def test_draw_a_polygon_on_the_map_and_search_within_it(
    panel, project_points, redis_client, qgis_iface
):
    from qgis.gui import QgsMapMouseEvent
    from qgis.PyQt.QtCore import QEvent, QPoint
    from qgis.PyQt.QtGui import QKeyEvent

    load_and_select(panel, project_points, id_field="name")
    canvas = qgis_iface.mapCanvas()
    canvas.resize(600, 400)
    extent = QgsGeometry.fromWkt(
        "Polygon ((13.2 52.4, 13.6 52.4, 13.6 52.6, 13.2 52.6, 13.2 52.4))"
    )
    to_map_crs = QgsCoordinateTransform(
        QgsCoordinateReferenceSystem("EPSG:4326"),
        canvas.mapSettings().destinationCrs(),
        QgsProject.instance(),
    )
    assert extent.transform(to_map_crs) == Qgis.GeometryOperationResult.Success
    canvas.setExtent(extent.boundingBox())
    canvas.refresh()
    panel.draw_button.setChecked(True)
    tool = panel.draw_tool
    assert canvas.mapTool() is tool

    def release(lon, lat, button=Qt.MouseButton.LeftButton):
        pixel = canvas.getCoordinateTransform().transform(to_map(QgsPointXY(lon, lat), canvas))
        event = QgsMapMouseEvent(
            canvas,
            QEvent.Type.MouseButtonRelease,
            QPoint(round(pixel.x()), round(pixel.y())),
            button,
        )
        tool.canvasReleaseEvent(event)

    release(13.30, 52.45)
    release(13.50, 52.44)
    release(13.52, 52.56)
    release(13.45, 52.58)  # a vertex too many: Backspace takes it back
    tool.keyPressEvent(
        QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Backspace, Qt.KeyboardModifier.NoModifier)
    )
    assert len(tool.vertices) == 3
    drawn = []
    tool.drawn.connect(drawn.append)
    release(0, 0, Qt.MouseButton.RightButton)  # closes the polygon and searches
    wait_for_tasks()
    assert len(drawn) == 1 and tool.vertices == []
    assert canvas.mapTool() is tool  # ready for the next polygon
    polygon = QgsGeometry(drawn[0])
    assert polygon.type() == QgsWkbTypes.GeometryType.PolygonGeometry
    # the polygon the user drew, in the map CRS (clicks land on whole pixels)
    clicked = QgsPointXY(polygon.vertexAt(1).x(), polygon.vertexAt(1).y())
    intended = to_map(QgsPointXY(13.50, 52.44), canvas)
    assert clicked.distance(intended) <= canvas.mapUnitsPerPixel()
    to_wgs84 = QgsCoordinateTransform(
        canvas.mapSettings().destinationCrs(),
        QgsCoordinateReferenceSystem("EPSG:4326"),
        QgsProject.instance(),
    )
    assert polygon.transform(to_wgs84) == Qgis.GeometryOperationResult.Success
    expected = geoset.GeoSet(redis_client, PREFIX, "berlin_stops").polygon(polygon, "m")
    assert len(expected) > 100
    layer = panel.last_hit_layer
    assert QgsProject.instance().mapLayer(layer.id()) is layer
    assert sorted(f["member"] for f in layer.getFeatures()) == sorted(expected.members)
    assert panel.outline.rubber_band.asGeometry().type() == QgsWkbTypes.GeometryType.PolygonGeometry
    # fewer than three vertices is not a polygon: nothing is searched
    release(13.30, 52.45)
    release(13.50, 52.44)
    release(0, 0, Qt.MouseButton.RightButton)
    assert len(drawn) == 1
    tool.keyPressEvent(
        QKeyEvent(QEvent.Type.KeyPress, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier)
    )
    assert tool.vertices == [] and tool.band is None
    panel.draw_button.setChecked(False)
    assert canvas.mapTool() is not tool


def hit_layers():
    layers = QgsProject.instance().mapLayers().values()
    return [layer for layer in layers if layer.name().startswith("berlin_stops:")]


def test_replace_or_add_hit_layers(panel, project_points):
    load_and_select(panel, project_points, store=False)
    panel.set_center(to_map(QgsPointXY(13.4, 52.5), panel.canvas))
    panel.radius_spin.setValue(800)  # noqa: QGS202 a widget setter, no result
    for _ in range(2):
        panel.search_button.click()
        wait_for_tasks()
    hit_layers = [
        lyr for lyr in QgsProject.instance().mapLayers().values() if "berlin_stops:" in lyr.name()
    ]
    assert len(hit_layers) == 1
    panel.replace_check.setChecked(False)
    panel.search_button.click()
    wait_for_tasks()
    hit_layers = [
        lyr for lyr in QgsProject.instance().mapLayers().values() if "berlin_stops:" in lyr.name()
    ]
    assert len(hit_layers) == 2


def test_count_limits_the_hits(panel, project_points):
    load_and_select(panel, project_points, store=False)
    panel.set_center(to_map(QgsPointXY(13.4, 52.5), panel.canvas))
    panel.radius_spin.setValue(50)  # noqa: QGS202 a widget setter, no result
    panel.unit_combo.setCurrentIndex(panel.unit_combo.findData("km"))
    panel.count_spin.setValue(12)  # noqa: QGS202 a widget setter, no result
    panel.search_button.click()
    wait_for_tasks()
    assert panel.last_hit_layer.featureCount() == 12


def test_searching_a_deleted_set_explains_in_the_message_bar(
    panel, project_points, qgis_iface, redis_client
):
    load_and_select(panel, project_points, store=False)
    geoset.delete_geoset(redis_client, PREFIX, "berlin_stops")
    panel.search_button.click()
    wait_for_tasks()
    errors = qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Critical)
    assert any("There is no geo set 'berlin_stops'" in m for m in errors)
    assert "There is no geo set" in panel.status_label.text()
    assert panel.search_button.isEnabled()


def test_delete_asks_then_removes_the_set(panel, project_points, redis_client):
    load_and_select(panel, project_points, store=False)
    asked = []
    panel.confirm_delete = lambda name: asked.append(name) or False
    panel.delete_button.click()
    wait_for_tasks()
    assert asked == ["berlin_stops"] and panel.sets_list.count() == 1
    panel.confirm_delete = lambda name: True
    panel.delete_button.click()
    wait_for_tasks()
    wait_for_tasks()
    assert panel.sets_list.count() == 0
    assert not redis_client.keys(f"{PREFIX}:geo:*")


def test_cancel_stops_a_load_and_leaves_no_keys(panel, project_points, redis_client, qgis_iface):
    panel.load_box.layer_combo.setLayer(project_points)
    panel.load_box.store_check.setChecked(True)
    panel.load_box.load()
    panel.load_box.cancel_button.click()
    wait_for_tasks()
    assert not redis_client.keys(f"{PREFIX}:geo:*")
    infos = qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Info)
    assert any("Loading 'berlin_stops' was canceled; the geo set is unchanged." in m for m in infos)
    assert not qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Critical)
    assert panel.load_box.load_button.isEnabled()


def test_dock_holds_the_panel_and_closes_it_down(qgis_iface, redis_url):
    dock = GeoRedisDock(qgis_iface)
    panels = [p for p in dock.panels if isinstance(p, GeoSetPanel)]
    assert len(panels) == 1
    panel = panels[0]
    panel.pick_button.setChecked(True)
    dock.close_down()
    assert qgis_iface.mapCanvas().mapTool() is not panel.pick_tool
    wait_for_tasks()
