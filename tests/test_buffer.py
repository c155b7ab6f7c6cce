"""georedis:buffer gives native:buffer's output, and reads it back from Redis on later runs."""

import json
import os
import time

import pytest
from qgis.core import (
    QgsApplication,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProperty,
    QgsVectorLayer,
    QgsWkbTypes,
)

from georedis_plugin.core import settings
from tests.algorithm_runs import RecordingFeedback, native_has, one_step_model, run
from tests.layers import memory_layer, world_layer
from tests.parity import assert_parameters_mirror_native, assert_same_output
from tests.redis_server import RedisServer
from tests.silent_redis import run_against_silent_redis

POINTS = ["Point (0 0)", "Point (1 1)", None, "Point (2 2)"]
LINES = ["LineString (0 0, 1 0, 1 1)", "LineString (5 5, 6 6)", None]
POLYGONS = [
    "Polygon ((0 0, 2 0, 2 2, 0 2, 0 0), (0.5 0.5, 1 0.5, 1 1, 0.5 0.5))",
    "Polygon ((0 0, 2 2, 2 0, 0 2, 0 0))",  # self-intersecting bowtie: buffered as is
    "Polygon EMPTY",
    None,
    "Polygon ((10 10, 11 10, 10.5 10.001, 10 10))",  # collapses under a negative buffer
]
MULTI = [
    "MultiPolygon (((0 0, 1 0, 1 1, 0 0)), ((5 5, 6 5, 6 6, 5 5)))",
    "MultiPolygon (((2 2, 3 2, 3 3, 2 2)))",
]
MULTILINES = ["MultiLineString ((0 0, 1 1), (2 2, 3 3, 4 2))"]
Z_M = ["PointZ (0 0 5)", "PointZM (1 1 2 3)", "PointM (3 3 9)"]
POLYGONS_Z = ["PolygonZ ((0 0 1, 2 0 2, 2 2 3, 0 0 1))", "PolygonZ ((5 5 0, 6 5 0, 6 6 0, 5 5 0))"]
LINES_M = ["LineStringM (0 0 1, 1 0 2, 1 1 3)", None]
CURVES = ["CurvePolygon (CircularString (0 0, 1 1, 2 0, 1 -1, 0 0))"]
COMPOUND = ["CompoundCurve (CircularString (0 0, 1 1, 2 0), (2 0, 3 0))"]
COLLECTIONS = ["GeometryCollection (Point (0 0), LineString (3 3, 4 4))", None]


def both(layer, **parameters):
    """(ours, native, our result dict) for the same parameters."""
    parameters = {"INPUT": layer, "DISTANCE": 0.5, "OUTPUT": "memory:", **parameters}
    native, _ = run("native:buffer", parameters)
    ours, result = run("georedis:buffer", parameters)
    return ours, native, result


def test_parameters_match_native(provider):
    assert_parameters_mirror_native("native:buffer", "georedis:buffer")


def test_help_explains_the_cache(provider):
    text = QgsApplication.processingRegistry().algorithmById("georedis:buffer").shortHelpString()
    for words in ("SHA-256", "WKB", "days", "cannot be reached", "CACHE_HITS"):
        assert words in text, words


def test_flags_in_place_support_and_sink_properties_match_native(provider):
    from qgis.core import QgsProcessingContext as Context

    registry = QgsApplication.processingRegistry()
    native = registry.createAlgorithmById("native:buffer")
    ours = registry.createAlgorithmById("georedis:buffer")
    assert int(ours.flags()) == int(native.flags())
    for geometry_type in ("Point", "LineString", "Polygon", "MultiPolygon", "PolygonZ"):
        layer = memory_layer(geometry_type, [])
        assert ours.supportInPlaceEdit(layer) == native.supportInPlaceEdit(layer), geometry_type
    layer = memory_layer("Point", POINTS, crs="EPSG:3857")
    for sink in ("OUTPUT", "OTHER"):
        mine = ours.sinkProperties(sink, {"INPUT": layer}, Context(), {})
        theirs = native.sinkProperties(sink, {"INPUT": layer}, Context(), {})
        assert (mine.availability, mine.wkbType, mine.fields, mine.crs) == (
            theirs.availability,
            theirs.wkbType,
            theirs.fields,
            theirs.crs,
        ), sink


@pytest.mark.parametrize(
    "geometry_type, wkts",
    [
        ("Point", POINTS),
        ("LineString", LINES),
        ("Polygon", POLYGONS),
        ("MultiPolygon", MULTI),
        ("MultiLineString", MULTILINES),
        ("PointZM", Z_M),
        ("PolygonZ", POLYGONS_Z),
        ("LineStringM", LINES_M),
        ("CurvePolygon", CURVES),
        ("CompoundCurve", COMPOUND),
        ("GeometryCollection", COLLECTIONS),
    ],
)
@pytest.mark.parametrize("dissolve", [False, True])
def test_parity_on_geometry_kinds(provider, redis_url, geometry_type, wkts, dissolve):
    layer = memory_layer(geometry_type, wkts)
    ours, native, _ = both(layer, DISSOLVE=dissolve)
    assert_same_output(ours, native)


@pytest.mark.parametrize("cap", [0, 1, 2])
@pytest.mark.parametrize("join", [0, 1, 2])
@pytest.mark.parametrize("distance", [0.3, -0.1])
def test_parity_for_every_cap_and_join_style(provider, redis_url, cap, join, distance):
    lines = memory_layer("LineString", [*LINES, "LineString (0 0, 3 0.2, 0 0.4)"])
    polygons = memory_layer("Polygon", [*POLYGONS, "Polygon ((0 0, 3 0.2, 0 0.4, 1 0.2, 0 0))"])
    for layer in (lines, polygons):
        ours, native, _ = both(
            layer,
            END_CAP_STYLE=cap,
            JOIN_STYLE=join,
            MITER_LIMIT=3.5,
            SEGMENTS=3,
            DISTANCE=distance,
        )
        assert_same_output(ours, native)


def test_parity_with_negative_distance(provider, redis_url):
    ours, native, _ = both(memory_layer("Polygon", POLYGONS), DISTANCE=-0.2)
    assert_same_output(ours, native)


def test_parity_with_data_defined_distance(provider, redis_url):
    layer = memory_layer("Point", POINTS)
    ours, native, result = both(layer, DISTANCE=QgsProperty.fromExpression('"id" * 0.25 + 0.1'))
    assert_same_output(ours, native)
    assert result["CACHE_MISSES"] == 3


def test_parity_on_world_map_states_in_a_projected_crs(provider, redis_url):
    states = world_layer("states_provinces", extent=(-10, 35, 30, 60))
    from qgis import processing

    projected = processing.run(
        "native:reprojectlayer",
        {"INPUT": states, "TARGET_CRS": "EPSG:3035", "OUTPUT": "memory:"},
    )["OUTPUT"]
    ours, native, _ = both(projected, DISTANCE=5000)
    assert states.featureCount() > 300
    assert_same_output(ours, native)


def test_parity_on_the_whole_world_map_states_layer(provider, redis_url, world_map):
    states = QgsVectorLayer(f"{world_map}|layername=states_provinces", "states", "ogr")
    ours, native, result = both(states, DISTANCE=0.1)
    assert result["CACHE_MISSES"] == states.featureCount() > 4000
    assert_same_output(ours, native)


def test_parity_on_all_world_map_states_with_dissolve(provider, redis_url):
    states = world_layer("states_provinces", extent=(0, 40, 20, 55))
    ours, native, _ = both(states, DISTANCE=0.05, DISSOLVE=True)
    assert ours.featureCount() == 1
    assert_same_output(ours, native)


def test_parity_with_zero_distance_and_collapsing_lines(provider, redis_url):
    # GEOS gives empty polygons here; they are cached and read back like any other result
    for layer, distance in (
        (memory_layer("Point", POINTS), 0),
        (memory_layer("LineString", LINES), -1),
    ):
        ours, native, cold = both(layer, DISTANCE=distance)
        assert_same_output(ours, native)
        again, _, warm = both(layer, DISTANCE=distance)
        assert (warm["CACHE_HITS"], warm["CACHE_MISSES"]) == (cold["CACHE_MISSES"], 0)
        assert_same_output(again, native)


@pytest.mark.parametrize("dissolve", [False, True])
def test_zero_distance_keeps_z_as_native_does(provider, redis_url, dissolve):
    # nothing to offset: GEOS hands back the input's vertices, Z included
    layer = memory_layer(
        "PolygonZ",
        [
            *POLYGONS_Z,
            "PolygonZ ((0 0 1, 2 2 2, 2 0 3, 0 2 4, 0 0 1))",
            "PolygonZ ((0 0 1, 3 0 2, 3 3 3, 0 3 4, 0 0 1), (1 1 1, 2 1 1, 2 2 1, 1 1 1))",
        ],
    )
    ours, native, _ = both(layer, DISTANCE=0, DISSOLVE=dissolve)
    assert any(QgsWkbTypes.hasZ(f.geometry().wkbType()) for f in native.getFeatures())
    assert_same_output(ours, native)


def test_collapsed_buffers_have_natives_exact_wkb(provider, redis_url):
    # QGIS reads GEOS's empty polygon back as a polygon with an empty exterior ring; the
    # parity rule calls any two empties equal, so compare the stored bytes themselves
    layer = memory_layer("Polygon", POLYGONS[:2] + POLYGONS[4:] + ["Polygon ((0 0, 1 0, 0 0))"])
    params = {"INPUT": layer, "DISTANCE": -0.3, "OUTPUT": "memory:"}
    native, _ = run("native:buffer", params)
    expected = {f["id"]: bytes(f.geometry().asWkb()) for f in native.getFeatures()}
    assert any(native.getFeature(fid).geometry().isEmpty() for fid in native.allFeatureIds())
    for expected_misses in (len(expected), 0):
        ours, result = run("georedis:buffer", params)
        assert result["CACHE_MISSES"] == expected_misses
        assert {f["id"]: bytes(f.geometry().asWkb()) for f in ours.getFeatures()} == expected


@pytest.mark.parametrize(
    "wkts",
    [[None, None], [None, "Polygon ((0 0, 1 0, 1 1, 0 0))"]],
    ids=["only-null-geometries", "first-feature-null"],
)
def test_dissolve_of_null_geometries_matches_native(provider, redis_url, wkts):
    # 3.22 writes nothing when no feature has a geometry (QGIS issue #46396), and otherwise
    # gives the dissolved feature the attributes of the first feature, geometry or not
    ours, native, _ = both(memory_layer("Polygon", wkts), DISSOLVE=True)
    assert_same_output(ours, native)


def test_dissolve_reads_the_union_back(provider, redis_url):
    layer = world_layer("states_provinces", limit=120)
    params = {"INPUT": layer, "DISTANCE": 0.2, "DISSOLVE": True, "OUTPUT": "memory:"}
    first, cold = run("georedis:buffer", params)
    second, warm = run("georedis:buffer", params)
    # 120 buffers plus the merged geometry
    assert (cold["CACHE_HITS"], cold["CACHE_MISSES"]) == (0, 121)
    assert (warm["CACHE_HITS"], warm["CACHE_MISSES"]) == (121, 0)
    native, _ = run("native:buffer", params)
    assert_same_output(first, native)
    assert_same_output(second, native)


def test_empty_layer_with_dissolve_gives_empty_output(provider, redis_url):
    ours, native, result = both(memory_layer("Polygon", []), DISSOLVE=True)
    assert ours.featureCount() == native.featureCount() == 0
    assert result["CACHE_HITS"] == result["CACHE_MISSES"] == 0


def test_second_run_reads_everything_back(provider, redis_url):
    layer = world_layer("states_provinces", limit=200)
    params = {"INPUT": layer, "DISTANCE": 0.1, "OUTPUT": "memory:"}
    first, cold = run("georedis:buffer", params)
    second, warm = run("georedis:buffer", params)
    assert (cold["CACHE_HITS"], cold["CACHE_MISSES"]) == (0, 200)
    assert (warm["CACHE_HITS"], warm["CACHE_MISSES"]) == (200, 0)
    assert_same_output(second, first)


def test_same_geometry_hits_from_another_layer(provider, redis_url):
    run("georedis:buffer", {"INPUT": memory_layer("Point", POINTS), "OUTPUT": "memory:"})
    other = memory_layer("Point", list(reversed(POINTS)), name="other")
    _, result = run("georedis:buffer", {"INPUT": other, "OUTPUT": "memory:"})
    assert (result["CACHE_HITS"], result["CACHE_MISSES"]) == (3, 0)


def test_other_parameters_miss(provider, redis_url):
    layer = memory_layer("Point", POINTS)
    run("georedis:buffer", {"INPUT": layer, "OUTPUT": "memory:"})
    _, result = run("georedis:buffer", {"INPUT": layer, "SEGMENTS": 8, "OUTPUT": "memory:"})
    assert (result["CACHE_HITS"], result["CACHE_MISSES"]) == (0, 3)


def test_without_cache_nothing_is_written(provider, redis_url, redis_client):
    layer = memory_layer("Point", POINTS)
    _, result = run("georedis:buffer", {"INPUT": layer, "USE_CACHE": False, "OUTPUT": "memory:"})
    assert redis_client.dbsize() == 0
    assert (result["CACHE_HITS"], result["CACHE_MISSES"]) == (0, 3)


def test_entries_carry_the_configured_ttl(provider, redis_url, redis_client):
    settings.CACHE_TTL_DAYS.set_value(2)
    try:
        run("georedis:buffer", {"INPUT": memory_layer("Point", POINTS), "OUTPUT": "memory:"})
        ttls = [redis_client.ttl(k) for k in redis_client.scan_iter("georedis:cache:*")]
        assert len(ttls) == 3
        assert all(2 * 86400 - 60 < t <= 2 * 86400 for t in ttls)
        redis_client.flushall()
        settings.CACHE_TTL_DAYS.set_value(0)
        run("georedis:buffer", {"INPUT": memory_layer("Point", POINTS), "OUTPUT": "memory:"})
        ttls = [redis_client.ttl(k) for k in redis_client.scan_iter("georedis:cache:*")]
        assert ttls == [-1, -1, -1]
    finally:
        settings.CACHE_TTL_DAYS.remove()


def test_editing_one_feature_recomputes_only_it(provider, redis_url, redis_client):
    layer = world_layer("states_provinces", limit=100)
    params = {"INPUT": layer, "DISTANCE": 0.1, "OUTPUT": "memory:"}
    run("georedis:buffer", params)
    keys_before = set(redis_client.scan_iter("georedis:cache:buffer:*"))
    feature = next(layer.getFeatures())
    assert layer.dataProvider().changeGeometryValues(
        {feature.id(): feature.geometry().simplify(0.01)}
    )
    edited, result = run("georedis:buffer", params)
    assert (result["CACHE_HITS"], result["CACHE_MISSES"]) == (99, 1)
    keys_after = set(redis_client.scan_iter("georedis:cache:buffer:*"))
    assert keys_before < keys_after and len(keys_after - keys_before) == 1
    native, _ = run("native:buffer", params)
    assert_same_output(edited, native)


def test_corrupt_cache_values_are_recomputed_and_overwritten(provider, redis_url, redis_client):
    layer = memory_layer("Polygon", POLYGONS[:2] + MULTI[:0])
    params = {"INPUT": layer, "OUTPUT": "memory:"}
    run("georedis:buffer", params)
    keys = sorted(redis_client.scan_iter("georedis:cache:buffer:*"))
    assert len(keys) == 2
    good = redis_client.get(keys[0])
    redis_client.set(keys[0], os.urandom(200))
    redis_client.set(keys[1], good[: len(good) // 2])  # truncated
    ours, result = run("georedis:buffer", params)
    assert (result["CACHE_HITS"], result["CACHE_MISSES"]) == (0, 2)
    native, _ = run("native:buffer", params)
    assert_same_output(ours, native)
    _, again = run("georedis:buffer", params)
    assert again["CACHE_HITS"] == 2


def test_wrong_geometry_type_in_cache_is_a_miss(provider, redis_url, redis_client):
    from qgis.core import QgsGeometry

    layer = memory_layer("Point", ["Point (0 0)"])
    run("georedis:buffer", {"INPUT": layer, "OUTPUT": "memory:"})
    (key,) = redis_client.scan_iter("georedis:cache:buffer:*")
    redis_client.set(key, bytes(QgsGeometry.fromWkt("LineString (0 0, 1 1)").asWkb()))
    _, result = run("georedis:buffer", {"INPUT": layer, "OUTPUT": "memory:"})
    assert result["CACHE_MISSES"] == 1


def test_redis_down_still_gives_native_output_with_one_warning(provider, tmp_path, monkeypatch):
    server = RedisServer(tmp_path).start()
    monkeypatch.setenv("GEOREDIS_URL", server.url)
    server.kill()
    layer = world_layer("states_provinces", limit=150)
    feedback = RecordingFeedback()
    started = time.monotonic()
    ours, result = run(
        "georedis:buffer", {"INPUT": layer, "DISTANCE": 0.1, "OUTPUT": "memory:"}, feedback=feedback
    )
    elapsed = time.monotonic() - started
    native, _ = run("native:buffer", {"INPUT": layer, "DISTANCE": 0.1, "OUTPUT": "memory:"})
    assert_same_output(ours, native)
    assert len(feedback.errors) == 1 and "Nothing accepts connections" in feedback.errors[0]
    assert result["CACHE_MISSES"] == 150
    assert elapsed < 2.0 + 10  # connect timeout at most once, plus the computation


class ProgressFeedback(RecordingFeedback):
    """Records progress; cancels once progress passes ``cancel_after`` (if given)."""

    def __init__(self, cancel_after=None):
        super().__init__()
        self.progress = []
        self.cancel_after = cancel_after

    def setProgress(self, progress):
        self.progress.append(progress)
        if self.cancel_after is not None and progress > self.cancel_after:
            self.cancel()
        super().setProgress(progress)


def test_progress_moves_while_buffers_are_computed(provider, redis_url):
    # reading and the cache take up to 40 %, writing starts at 80 %: the computing between
    # them is most of a cold run and must not look stuck
    layer = world_layer("states_provinces", limit=600)
    feedback = ProgressFeedback()
    run(
        "georedis:buffer", {"INPUT": layer, "DISTANCE": 0.1, "OUTPUT": "memory:"}, feedback=feedback
    )
    computing = [p for p in feedback.progress if 40 < p < 80]
    assert len(computing) >= 4 and computing == sorted(computing), feedback.progress


def test_a_cancelled_run_keeps_and_returns_the_chunks_it_wrote(
    provider, redis_url, redis_client, monkeypatch
):
    from georedis_plugin.processing.algorithms.buffer import BufferAlgorithm

    monkeypatch.setattr(BufferAlgorithm, "CHUNK_FEATURES", 100)
    layer = world_layer("states_provinces", limit=600)
    feedback = ProgressFeedback(cancel_after=50)
    algorithm = QgsApplication.processingRegistry().createAlgorithmById("georedis:buffer")
    context = QgsProcessingContext()
    params = {"INPUT": layer, "DISTANCE": 0.1, "OUTPUT": "memory:"}
    result, _ok = algorithm.run(params, context, feedback)
    assert feedback.isCanceled()
    # as native: OUTPUT is the layer written so far, here the chunks finished before 50 %
    ours = context.getMapLayer(result["OUTPUT"])
    written = ours.featureCount()
    assert written in (300, 400), written
    native, _ = run(
        "native:buffer", {**params, "INPUT": world_layer("states_provinces", limit=written)}
    )
    assert_same_output(ours, native)
    # what was computed stays cached: a full run reads those chunks back
    _, full = run("georedis:buffer", params)
    assert full["CACHE_HITS"] >= written


class KillingFeedback(RecordingFeedback):
    """Kills the redis-server once the run has read the cache, before it stores results."""

    def __init__(self, server, at_progress):
        super().__init__()
        self.server = server
        self.at_progress = at_progress

    def setProgress(self, progress):
        if progress >= self.at_progress and self.server.process is not None:
            self.server.kill()
        super().setProgress(progress)


def test_redis_dying_mid_run_still_gives_native_output_with_one_warning(
    provider, tmp_path, monkeypatch
):
    from georedis_plugin.core.clients import reset_clients

    server = RedisServer(tmp_path).start()
    monkeypatch.setenv("GEOREDIS_URL", server.url)
    reset_clients()
    layer = world_layer("states_provinces", limit=700)
    params = {"INPUT": layer, "DISTANCE": 0.1, "OUTPUT": "memory:"}
    try:
        half = world_layer("states_provinces", limit=350)
        run("georedis:buffer", {**params, "INPUT": half})
        feedback = KillingFeedback(server, at_progress=40)
        started = time.monotonic()
        ours, result = run("georedis:buffer", params, feedback=feedback)
        elapsed = time.monotonic() - started
    finally:
        server.kill()
        reset_clients()
    assert server.process is None, "the server was not killed during the run"
    assert (result["CACHE_HITS"], result["CACHE_MISSES"]) == (350, 350)
    assert len(feedback.errors) == 1, feedback.errors
    native, _ = run("native:buffer", params)
    assert_same_output(ours, native)
    assert elapsed < 2.0 + 10  # at most one read timeout, plus the computation


def test_a_silent_server_costs_one_read_timeout_and_is_left_alone(
    provider, monkeypatch, clean_settings
):
    layer = world_layer("states_provinces", limit=600)
    params = {"INPUT": layer, "DISTANCE": 0.1, "OUTPUT": "memory:"}
    ours, result, errors, elapsed, connections, commands = run_against_silent_redis(
        "georedis:buffer", params, monkeypatch
    )
    assert len(errors) == 1 and "did not answer" in errors[0], errors
    # one connection and one command (its reply never came); then no Redis at all
    assert connections == 1
    assert len(commands) == 1, commands
    assert result["CACHE_MISSES"] == 600
    native, _ = run("native:buffer", params)
    assert_same_output(ours, native)
    assert elapsed < 0.5 + 10  # the one timeout plus the computation


def test_in_place_edit_matches_native(provider, redis_url, qgis_new_project):
    from processing.gui.AlgorithmExecutor import execute_in_place_run
    from qgis.core import QgsProject

    registry = QgsApplication.processingRegistry()
    edited = {}
    for algorithm_id in ("native:buffer", "georedis:buffer"):
        layer = memory_layer("MultiPolygon", MULTI + POLYGONS[:2], name=algorithm_id)
        assert QgsProject.instance().addMapLayer(layer) is layer
        layer.selectByIds([feature.id() for feature in layer.getFeatures()][:3])
        area_before = sum(f.geometry().area() for f in layer.getFeatures())
        context = QgsProcessingContext()
        context.setProject(QgsProject.instance())
        ok, _ = execute_in_place_run(
            registry.createAlgorithmById(algorithm_id),
            {"INPUT": layer, "DISTANCE": 0.1},
            context,
            QgsProcessingFeedback(),
            raise_exceptions=True,
        )
        assert ok, algorithm_id
        assert layer.commitChanges(), (algorithm_id, layer.commitErrors())
        assert sum(f.geometry().area() for f in layer.getFeatures()) > area_before + 0.1
        edited[algorithm_id] = layer
    assert_same_output(edited["georedis:buffer"], edited["native:buffer"])


@pytest.mark.parametrize("extension", ["gpkg", "shp"])
def test_file_outputs(provider, redis_url, tmp_path, extension):
    layer = memory_layer("Polygon", POLYGONS[:2])
    path = str(tmp_path / f"out.{extension}")
    ours, _ = run("georedis:buffer", {"INPUT": layer, "OUTPUT": path})
    native, _ = run("native:buffer", {"INPUT": layer, "OUTPUT": str(tmp_path / f"n.{extension}")})
    assert ours.isValid() and ours.featureCount() == 2
    assert_same_output(ours, native)


def test_runs_inside_a_model(provider, redis_url, redis_client):
    model = one_step_model("georedis:buffer", ["INPUT"], {"DISTANCE": 0.5})
    layer = memory_layer("Point", POINTS)
    feedback = QgsProcessingFeedback()
    for expected_hits in (0, 3):
        # a fresh context per run: QGIS >= 3.38 keeps a model's results in its context and
        # leaves the output out of a second run's results
        context = QgsProcessingContext()
        result, ok = model.run({"INPUT": layer, "step:result": "memory:"}, context, feedback)
        assert ok
        out = context.takeResultLayer(result["step:result"])
        assert out.featureCount() == 4
        last_run = json.loads(redis_client.lindex("georedis:cache-runs", 0))
        assert (last_run["algorithm"], last_run["hits"]) == ("georedis:buffer", expected_hits)
    native, _ = run("native:buffer", {"INPUT": layer, "DISTANCE": 0.5, "OUTPUT": "memory:"})
    assert_same_output(out, native)


def require_separate_disjoint():
    """SEPARATE_DISJOINT exists in newer QGIS (3.40, not 3.22): elsewhere neither has it."""
    if not native_has("native:buffer", "SEPARATE_DISJOINT"):
        ours = QgsApplication.processingRegistry().algorithmById("georedis:buffer")
        assert ours.parameterDefinition("SEPARATE_DISJOINT") is None
        pytest.skip("this QGIS's native:buffer has no SEPARATE_DISJOINT")


@pytest.mark.parametrize(
    "geometry_type, wkts",
    [
        ("MultiPolygon", MULTI),
        ("Polygon", POLYGONS),
        ("Point", POINTS),
        ("MultiLineString", MULTILINES),
        ("GeometryCollection", COLLECTIONS),
    ],
    ids=["multipolygons", "polygons-null-empty-collapsing", "points", "multilines", "collections"],
)
@pytest.mark.parametrize("dissolve", [False, True])
@pytest.mark.parametrize("distance", [0.2, -0.3])
def test_separate_disjoint_parity(provider, redis_url, geometry_type, wkts, dissolve, distance):
    require_separate_disjoint()
    layer = memory_layer(geometry_type, wkts)
    for separate in (False, True):
        params = {"DISTANCE": distance, "DISSOLVE": dissolve, "SEPARATE_DISJOINT": separate}
        assert_same_outcome(layer, **params)


def assert_same_outcome(layer, **parameters):
    """The same output as native, or the same error (e.g. an empty dissolved collection
    that the MultiPolygon output refuses)."""
    parameters = {"INPUT": layer, "OUTPUT": "memory:", **parameters}
    outcomes = []
    for algorithm in ("native:buffer", "georedis:buffer"):
        try:
            outcomes.append((run(algorithm, parameters)[0], ""))
        except QgsProcessingException as exc:
            outcomes.append((None, str(exc)))
    (native, native_error), (ours, our_error) = outcomes
    assert our_error == native_error
    if native is not None:
        assert_same_output(ours, native)


def test_separate_disjoint_writes_each_part_and_reads_buffers_back(provider, redis_url):
    require_separate_disjoint()
    layer = memory_layer("MultiPolygon", MULTI)
    ours, native, cold = both(layer, DISTANCE=0.1, SEPARATE_DISJOINT=True)
    assert native.featureCount() == 3  # the first feature's two parts, the second's one
    assert {QgsWkbTypes.displayString(f.geometry().wkbType()) for f in native.getFeatures()} <= {
        "Polygon",
        "MultiPolygon",
    }
    assert_same_output(ours, native)
    again, _, warm = both(layer, DISTANCE=0.1, SEPARATE_DISJOINT=True)
    assert (warm["CACHE_HITS"], warm["CACHE_MISSES"]) == (cold["CACHE_MISSES"], 0)
    assert_same_output(again, native)


@pytest.mark.parametrize("dissolve", [False, True])
def test_separate_disjoint_on_world_map_states(provider, redis_url, dissolve):
    require_separate_disjoint()
    states = world_layer("states_provinces", extent=(0, 40, 20, 55))
    ours, native, _ = both(states, DISTANCE=0.05, DISSOLVE=dissolve, SEPARATE_DISJOINT=True)
    assert native.featureCount() > (1 if dissolve else states.featureCount())
    assert_same_output(ours, native)


def test_separate_disjoint_to_a_geopackage_regenerates_the_fid(provider, redis_url, tmp_path):
    require_separate_disjoint()
    layer = memory_layer("MultiPolygon", MULTI)
    outputs = {}
    for algorithm in ("native:buffer", "georedis:buffer"):
        path = tmp_path / f"{algorithm.split(':')[0]}.gpkg"
        params = {"INPUT": layer, "DISTANCE": 0.1, "SEPARATE_DISJOINT": True, "OUTPUT": str(path)}
        outputs[algorithm], _ = run(algorithm, params)
    assert outputs["georedis:buffer"].featureCount() == 3
    assert_same_output(outputs["georedis:buffer"], outputs["native:buffer"])


def test_sink_properties_follow_separate_disjoint_as_native(provider):
    registry = QgsApplication.processingRegistry()
    layer = memory_layer("Polygon", POLYGONS[:1])
    context = QgsProcessingContext()
    for separate in (False, True):
        params = {"INPUT": layer, "SEPARATE_DISJOINT": separate}
        properties = [
            registry.algorithmById(a).sinkProperties("OUTPUT", params, context, {})
            for a in ("native:buffer", "georedis:buffer")
        ]
        assert [(p.wkbType, p.availability) for p in properties[1:]] == [
            (properties[0].wkbType, properties[0].availability)
        ]


def test_a_native_parameter_it_cannot_honour_runs_native_uncached(
    provider, redis_url, redis_client, monkeypatch
):
    # a QGIS release may add a parameter GeoRedis does not implement: pretend MITER_LIMIT is one
    from georedis_plugin.processing.algorithms.buffer import BufferAlgorithm

    monkeypatch.setattr(BufferAlgorithm, "HONOURED", BufferAlgorithm.HONOURED - {"MITER_LIMIT"})
    layer = memory_layer("LineString", LINES)
    params = {"INPUT": layer, "DISTANCE": 0.5, "JOIN_STYLE": 1, "MITER_LIMIT": 1.5}
    feedback = RecordingFeedback()
    ours, result = run("georedis:buffer", {**params, "OUTPUT": "memory:"}, feedback=feedback)
    native, _ = run("native:buffer", {**params, "OUTPUT": "memory:"})
    assert_same_output(ours, native)
    assert (result["CACHE_HITS"], result["CACHE_MISSES"]) == (0, 0)
    assert any("MITER_LIMIT" in info and "native:buffer" in info for info in feedback.infos)
    assert redis_client.keys("georedis:cache:*") == []
    # at its default, the parameter changes nothing GeoRedis would not know: cached as usual
    _, cached = run("georedis:buffer", {**params, "MITER_LIMIT": 2, "OUTPUT": "memory:"})
    assert cached["CACHE_MISSES"] == 2
