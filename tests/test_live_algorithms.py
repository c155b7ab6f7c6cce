"""The live-position algorithms, in process and in a model, against Redis and brute force."""

import time

import pytest
from qgis.core import (
    Qgis,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsGeometry,
    QgsPointXY,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingOutputLayerDefinition,
    QgsProject,
    QgsVectorLayer,
)
from qgis.PyQt.QtCore import QDateTime, QTimeZone

from georedis_plugin.core.live import wire
from georedis_plugin.core.live.keys import LiveKeys
from tests.algorithm_runs import one_step_model, run
from tests.layers import world_layer

PREFIX = "georedis"
T0 = 1764633600000  # 2025-12-02 00:00 UTC
UTC = QTimeZone(b"UTC")


def track_layer(crs="EPSG:4326"):
    """Three vehicles, 40 positions each, one a minute, driving east from France into
    Germany; plus features to skip: no id, no geometry, beyond Redis's latitudes, no time."""
    layer = QgsVectorLayer(
        f"Point?crs={crs}&field=vehicle:string&field=when:datetime&field=speed:double"
        "&field=note:string",
        "tracks",
        "memory",
    )
    to_layer = QgsCoordinateTransform(
        QgsCoordinateReferenceSystem("EPSG:4326"), layer.crs(), QgsProject.instance()
    )
    features = []

    def add(vehicle, lon, lat, ms, speed=50.0, geometry=True):
        feature = QgsFeature(layer.fields())
        if geometry:
            feature.setGeometry(QgsGeometry.fromPointXY(to_layer.transform(lon, lat)))
        when = QDateTime.fromMSecsSinceEpoch(ms, UTC) if ms is not None else None
        feature.setAttributes([vehicle, when, speed, f"{vehicle}-{ms}"])
        features.append(feature)

    for minute in range(40):
        for number, lat in enumerate((48.3, 48.6, 49.0)):
            add(
                f"truck {number}",
                6.0 + minute * 0.1,
                lat,
                T0 + minute * 60_000,
                speed=50.0 + number,
            )
    add(None, 7.0, 48.5, T0)
    add("ghost", 7.0, 48.5, T0, geometry=False)
    add("pole", 7.0, 89.0, T0)  # beyond Redis's latitudes (Mercator cannot even hold it)
    add("timeless", 7.0, 48.5, None)
    assert layer.dataProvider().addFeatures(features)[0]
    return layer


def publish(layer, name="trucks", fields=("speed",)):
    _, result = run(
        "georedis:publishpositions",
        {
            "INPUT": layer,
            "NAME": name,
            "ID_FIELD": "vehicle",
            "TIME_FIELD": "when",
            "FIELDS": list(fields),
            "RETENTION": 0,
        },
        result_key="COUNT",
    )
    return result


def test_publish_writes_the_wire_format_and_counts_what_it_skips(provider, redis_url, redis_client):
    result = publish(track_layer())
    assert (result["COUNT"], result["SKIPPED"]) == (120, 4)
    entries = redis_client.xrange(LiveKeys.for_name(PREFIX, "trucks").stream)
    assert len(entries) == 120
    first = entries[0][1]
    assert first == {
        b"id": b"truck 0",
        b"lon": b"6",
        b"lat": b"48.3",
        b"ts": str(T0).encode(),
        b"speed": b"50.0",
    }


def test_publish_transforms_from_the_layer_crs(provider, redis_url, redis_client):
    publish(track_layer("EPSG:3857"), name="mercator")
    entries = redis_client.xrange(LiveKeys.for_name(PREFIX, "mercator").stream)
    positions = [wire.parse_entry(i, f)[0] for i, f in entries]
    assert len(positions) == 120
    assert all(abs(p.lat - (48.3, 48.6, 49.0)[n % 3]) < 1e-9 for n, p in enumerate(positions))
    assert abs(positions[-1].lon - 9.9) < 1e-9


def test_live_positions_give_the_latest_position_of_each_id(provider, redis_url, redis_client):
    publish(track_layer())
    now = int(time.time() * 1000)
    k = LiveKeys.for_name(PREFIX, "trucks")
    redis_client.xadd(k.stream, {"id": "fresh", "lon": "2.35", "lat": "48.85", "ts": str(now)})
    everything, result = run(
        "georedis:livepositions", {"NAME": "trucks", "TTL": 0, "OUTPUT": "memory:"}
    )
    assert result["COUNT"] == 4
    rows = {f["id"]: f for f in everything.getFeatures()}
    assert rows["truck 2"].geometry().asPoint() == QgsPointXY(9.9, 49.0)
    assert rows["truck 2"]["ts"].toMSecsSinceEpoch() == T0 + 39 * 60_000
    assert rows["truck 2"]["speed"] == "52.0"
    assert 0 <= rows["fresh"]["age_s"] < 60
    recent, result = run(
        "georedis:livepositions", {"NAME": "trucks", "TTL": 600, "OUTPUT": "memory:"}
    )
    assert [f["id"] for f in recent.getFeatures()] == ["fresh"]


def test_history_selects_by_ts_and_ids_and_animates_when_loaded(provider, redis_url):
    publish(track_layer())
    project = QgsProject.instance()
    context = QgsProcessingContext()
    context.setProject(project)
    start = QDateTime.fromMSecsSinceEpoch(T0 + 10 * 60_000, UTC)
    end = QDateTime.fromMSecsSinceEpoch(T0 + 19 * 60_000, UTC)
    algorithm = QgsApplication.processingRegistry().createAlgorithmById("georedis:positionhistory")
    result, ok = algorithm.run(
        {
            "NAME": "trucks",
            "START": start,
            "END": end,
            "IDS": "truck 1, truck 2",
            "OUTPUT": QgsProcessingOutputLayerDefinition("TEMPORARY_OUTPUT", project),
        },
        context,
        QgsProcessingFeedback(),
    )
    assert ok and result["COUNT"] == 20
    layer = context.getMapLayer(result["OUTPUT"])
    got = sorted((f["id"], f["ts"].toMSecsSinceEpoch()) for f in layer.getFeatures())
    assert got == sorted((f"truck {n}", T0 + m * 60_000) for n in (1, 2) for m in range(10, 20))
    details = context.layerToLoadOnCompletionDetails(result["OUTPUT"])
    details.postProcessor().postProcessLayer(layer, context, QgsProcessingFeedback())
    properties = layer.temporalProperties()
    assert properties.isActive() and properties.startField() == "ts"
    assert properties.mode() == Qgis.VectorTemporalMode.FeatureDateTimeInstantFromField


def test_history_as_tracks_gives_one_line_per_id_in_time_order(provider, redis_url, redis_client):
    k = LiveKeys.for_name(PREFIX, "trucks")
    redis_client.xadd(k.stream, {"id": "single", "lon": "1", "lat": "1", "ts": str(T0)})
    publish(track_layer())
    tracks, result = run(
        "georedis:positionhistory", {"NAME": "trucks", "AS_TRACKS": True, "OUTPUT": "memory:"}
    )
    assert result["SKIPPED"] == 1  # the id seen once
    lines = {f["id"]: f for f in tracks.getFeatures()}
    assert set(lines) == {"truck 0", "truck 1", "truck 2"}
    vertices = lines["truck 1"].geometry().asPolyline()
    assert [round(v.x(), 9) for v in vertices] == [round(6.0 + m * 0.1, 9) for m in range(40)]
    assert lines["truck 1"]["points"] == 40
    assert lines["truck 1"]["end"].toMSecsSinceEpoch() == T0 + 39 * 60_000


def test_history_is_written_a_chunk_at_a_time_with_every_position(
    provider, redis_url, redis_client, monkeypatch
):
    from georedis_plugin.processing.algorithms import live_base

    monkeypatch.setattr(live_base, "WRITE_CHUNK", 7)  # 120 = 17 chunks and one of 1
    publish(track_layer())
    points, result = run("georedis:positionhistory", {"NAME": "trucks", "OUTPUT": "memory:"})
    assert result["COUNT"] == points.featureCount() == 120
    got = sorted((f["id"], f["ts"].toMSecsSinceEpoch(), f["speed"]) for f in points.getFeatures())
    assert got == sorted(
        (f"truck {n}", T0 + m * 60_000, f"{50.0 + n}") for n in range(3) for m in range(40)
    )
    tracks, result = run(
        "georedis:positionhistory", {"NAME": "trucks", "AS_TRACKS": True, "OUTPUT": "memory:"}
    )
    assert tracks.featureCount() == 3 and result["COUNT"] == 120


def test_history_reads_no_entry_after_its_until_id(redis_client):
    from georedis_plugin.core.live.history import History

    k = LiveKeys.for_name(PREFIX, "until")
    ids = [
        redis_client.xadd(k.stream, {"id": f"v{n}", "lon": "1", "lat": "2"}).decode()
        for n in range(5)
    ]
    first = History(redis_client, k)
    assert [p.id for p in first] == ["v0", "v1", "v2", "v3", "v4"]
    assert first.last_id == ids[-1]
    redis_client.xadd(k.stream, {"id": "late", "lon": "1", "lat": "2", "new": "field"})
    second = History(redis_client, k, until_id=ids[2])
    assert [p.id for p in second] == ["v0", "v1", "v2"] and second.last_id == ids[2]


def brute_force_events(positions, fences):
    """Enter/exit by testing every position against every fence polygon."""
    inside, events = {}, []
    for p in positions:
        point = QgsGeometry.fromPointXY(QgsPointXY(p.lon, p.lat))
        now = {name for name, g in fences if g.contains(point)}
        before = inside.get(p.id)
        inside[p.id] = now
        if before is not None:
            events += [(p.id, f, "exit", p.ts) for f in sorted(before - now)]
            events += [(p.id, f, "enter", p.ts) for f in sorted(now - before)]
    return events


def test_geofence_events_match_brute_force_on_world_map(provider, redis_url, redis_client):
    countries = world_layer("countries", extent=(5, 47, 11, 50))
    publish(track_layer())
    events, result = run(
        "georedis:geofenceevents",
        {"NAME": "trucks", "FENCES": countries, "FENCE_FIELD": "name", "OUTPUT": "memory:"},
    )
    got = [
        (f["id"], f["fence"], f["kind"], f["ts"].toMSecsSinceEpoch()) for f in events.getFeatures()
    ]
    k = LiveKeys.for_name(PREFIX, "trucks")
    positions = [wire.parse_entry(i, f)[0] for i, f in redis_client.xrange(k.stream)]
    fences = [(f["name"], f.geometry()) for f in countries.getFeatures()]
    expected = brute_force_events(positions, fences)
    assert got == expected and result["COUNT"] == len(expected)
    assert {("France", "exit"), ("Germany", "enter")} <= {(e[1], e[2]) for e in expected}


@pytest.mark.parametrize("algorithm", ["georedis:livepositions", "georedis:positionhistory"])
def test_the_algorithms_run_inside_a_model(provider, redis_url, algorithm):
    publish(track_layer())
    model = one_step_model(
        algorithm,
        [],
        {"NAME": "trucks", "TTL": 0}
        if algorithm == "georedis:livepositions"
        else {"NAME": "trucks"},
    )
    context = QgsProcessingContext()
    result, ok = model.run({"step:result": "memory:"}, context, QgsProcessingFeedback())
    assert ok
    out = context.takeResultLayer(result["step:result"])
    assert out.featureCount() == (3 if algorithm == "georedis:livepositions" else 120)


def test_every_live_algorithm_is_in_the_toolbox(provider):
    registry = QgsApplication.processingRegistry()
    for name in ("publishpositions", "livepositions", "positionhistory", "geofenceevents"):
        algorithm = registry.algorithmById(f"georedis:{name}")
        assert algorithm is not None and algorithm.group() == "Live positions"
        assert algorithm.shortHelpString()


def test_publish_and_geofence_events_run_inside_a_model(provider, redis_url, redis_client):
    model = one_step_model(
        "georedis:publishpositions",
        ["INPUT"],
        {"NAME": "modelled", "ID_FIELD": "vehicle", "TIME_FIELD": "when", "RETENTION": 0},
    )
    model.childAlgorithm("step").setModelOutputs({})  # its outputs are numbers, no layer
    context = QgsProcessingContext()
    result, ok = model.run({"INPUT": track_layer()}, context, QgsProcessingFeedback())
    assert ok
    assert redis_client.xlen(LiveKeys.for_name(PREFIX, "modelled").stream) == 120
    model = one_step_model(
        "georedis:geofenceevents", ["FENCES"], {"NAME": "modelled", "FENCE_FIELD": "name"}
    )
    context = QgsProcessingContext()
    countries = world_layer("countries", extent=(5, 47, 11, 50))
    result, ok = model.run(
        {"FENCES": countries, "step:result": "memory:"}, context, QgsProcessingFeedback()
    )
    assert ok
    events = context.takeResultLayer(result["step:result"])
    assert events.featureCount() > 0
    assert {f["kind"] for f in events.getFeatures()} == {"enter", "exit"}


class WarningFeedback(QgsProcessingFeedback):
    def __init__(self):
        super().__init__()
        self.warnings = []

    def pushWarning(self, warning):
        self.warnings.append(warning)
        super().pushWarning(warning)


def test_fences_without_a_usable_geometry_are_skipped_and_counted(provider, redis_url):
    countries = world_layer("countries", extent=(5, 47, 11, 50))
    fences = QgsVectorLayer("Polygon?crs=EPSG:4326&field=name:string", "fences", "memory")
    kept = []
    for country in countries.getFeatures():
        feature = QgsFeature(fences.fields())
        feature.setAttributes([country["name"]])
        feature.setGeometry(country.geometry())
        kept.append(feature)
    for name, geometry in (
        ("no geometry", QgsGeometry()),
        ("empty", QgsGeometry.fromWkt("Polygon EMPTY")),
    ):
        feature = QgsFeature(fences.fields())
        feature.setAttributes([name])
        feature.setGeometry(geometry)
        kept.append(feature)
    assert fences.dataProvider().addFeatures(kept)
    publish(track_layer())
    parameters = {"NAME": "trucks", "FENCE_FIELD": "name", "OUTPUT": "memory:"}
    feedback = WarningFeedback()
    with_bad, result = run(
        "georedis:geofenceevents", {**parameters, "FENCES": fences}, feedback=feedback
    )
    assert [w for w in feedback.warnings if "fences skipped" in w] == [
        "2 fences skipped: no geometry, an empty one, or one that does not transform to WGS 84."
    ]
    good, _ = run("georedis:geofenceevents", {**parameters, "FENCES": countries})
    rows = [(f["id"], f["fence"], f["kind"]) for f in with_bad.getFeatures()]
    assert rows == [(f["id"], f["fence"], f["kind"]) for f in good.getFeatures()]
    assert result["COUNT"] == len(rows) > 0
