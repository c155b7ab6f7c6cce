"""georedis:intersection gives native:intersection's output and reads pairs back from Redis."""

import json
import os
import time

import pytest
from qgis.core import (
    QgsApplication,
    QgsFeatureRequest,
    QgsProcessingContext,
    QgsProcessingException,
    QgsProcessingFeedback,
)

from tests import parity
from tests.algorithm_runs import RecordingFeedback, native_has, one_step_model, run
from tests.layers import memory_layer, world_layer
from tests.parity import assert_parameters_mirror_native, assert_same_output
from tests.redis_server import RedisServer
from tests.silent_redis import run_against_silent_redis

SQUARES = [
    "Polygon ((0 0, 4 0, 4 4, 0 4, 0 0))",
    "Polygon ((10 10, 12 10, 12 12, 10 12, 10 10))",
    None,
    "Polygon EMPTY",
    "MultiPolygon (((20 20, 22 20, 22 22, 20 22, 20 20)), ((30 30, 31 30, 31 31, 30 31, 30 30)))",
]
OVERLAY = [
    "Polygon ((2 2, 6 2, 6 6, 2 6, 2 2))",  # partial overlap with square 0
    "Polygon ((-1 -1, 5 -1, 5 5, -1 5, -1 -1))",  # contains square 0 properly
    "Polygon ((12 12, 14 12, 14 14, 12 14, 12 12))",  # touches square 1 at a corner only
    "Polygon ((12 10, 14 10, 14 12, 12 12, 12 10))",  # shares an edge with square 1
    "Polygon ((20.5 20.5, 21 20.5, 21 21, 20.5 21, 20.5 20.5))",  # inside part of multi
    None,
]
POINTS = ["Point (1 1)", "Point (3 3)", "Point (100 100)", "MultiPoint ((1 1), (12 12))", None]
LINES = ["LineString (-2 1, 8 1)", "LineString (11 9, 11 13)", "LineString (50 50, 51 51)"]
BOWTIE = "Polygon ((0 0, 4 4, 4 0, 0 4, 0 0))"
SKIP = QgsFeatureRequest.InvalidGeometryCheck.GeometrySkipInvalid
NO_CHECK = QgsFeatureRequest.InvalidGeometryCheck.GeometryNoCheck
ABORT = QgsFeatureRequest.InvalidGeometryCheck.GeometryAbortOnInvalid


def both(input_layer, overlay_layer, context_check=None, **parameters):
    parameters = {"INPUT": input_layer, "OVERLAY": overlay_layer, "OUTPUT": "memory:", **parameters}
    outputs = []
    for algorithm in ("native:intersection", "georedis:intersection"):
        context = QgsProcessingContext()
        if context_check is not None:
            context.setInvalidGeometryCheck(context_check)
        outputs.append(run(algorithm, parameters, context))
    (native, _), (ours, result) = outputs
    return ours, native, result


def assert_same_outcome(params, context_check, project=None):
    """Native and GeoRedis fail with the same message, or report the same warnings and give
    the same output."""
    outcomes = []
    for algorithm in ("native:intersection", "georedis:intersection"):
        context = QgsProcessingContext()
        if project is not None:
            context.setProject(project)
        context.setInvalidGeometryCheck(context_check)
        feedback = RecordingFeedback()
        try:
            output, _ = run(algorithm, {**params, "OUTPUT": "memory:"}, context, feedback)
        except QgsProcessingException as exc:
            outcomes.append((None, str(exc), feedback.errors))
        else:
            outcomes.append((output, "", feedback.errors))
    (native, native_error, native_messages), (ours, our_error, our_messages) = outcomes
    assert (our_error, our_messages) == (native_error, native_messages)
    if native is not None:
        assert_same_output(ours, native)
    return native


def test_parameters_match_native(provider):
    assert_parameters_mirror_native("native:intersection", "georedis:intersection")


@pytest.mark.parametrize(
    "input_type, input_wkts",
    [("Polygon", SQUARES[:4]), ("MultiPolygon", SQUARES), ("Point", POINTS), ("LineString", LINES)],
)
def test_parity_against_polygons(provider, redis_url, input_type, input_wkts):
    overlay = memory_layer("Polygon", OVERLAY, name="overlay")
    ours, native, _ = both(memory_layer(input_type, input_wkts), overlay)
    assert native.featureCount() > 0
    assert_same_output(ours, native)


def test_parity_polygons_with_lines_overlay_drops_lower_dimension(provider, redis_url):
    ours, native, _ = both(memory_layer("Polygon", SQUARES[:2]), memory_layer("LineString", LINES))
    assert native.featureCount() == 0
    assert_same_output(ours, native)


def test_parity_with_z(provider, redis_url):
    input_layer = memory_layer(
        "PolygonZ", ["PolygonZ ((0 0 1, 4 0 2, 4 4 3, 0 4 4, 0 0 1))"], name="z"
    )
    overlay = memory_layer("Polygon", OVERLAY[:2], name="overlay")
    ours, native, _ = both(input_layer, overlay)
    assert native.featureCount() == 2
    assert_same_output(ours, native)


CONTAINED = "Polygon ((0 0, 5 0, 5 5, 0 5, 0 0))"
POLYGON_Z = "PolygonZ ((0 0 1, 10 0 2, 10 10 3, 0 10 4, 0 0 1))"
SMALL = "Polygon ((2 2, 4 2, 4 4, 2 4, 2 2))"


@pytest.mark.parametrize(
    "input_type, input_wkt, overlay_type, overlay_wkt",
    [
        ("LineString", "LineString (1 1, 3 3, 3 1, 1 3)", "Polygon", CONTAINED),
        ("MultiLineString", "MultiLineString ((1 1, 3 1), (2 1, 4 1))", "Polygon", CONTAINED),
        ("MultiPoint", "MultiPoint ((1 1), (1 1), (2 2))", "Polygon", CONTAINED),
        ("PolygonZ", POLYGON_Z, "Polygon", SMALL),
        ("Polygon", SMALL, "PolygonZ", POLYGON_Z),
        ("PolygonZ", "PolygonZ ((2 2 7, 4 2 7, 4 4 8, 2 4 8, 2 2 7))", "PolygonZ", POLYGON_Z),
        ("LineStringZ", "LineStringZ (1 1 5, 2 2 6)", "Polygon", CONTAINED),
    ],
)
def test_parity_when_one_geometry_contains_the_other(
    provider, redis_url, input_type, input_wkt, overlay_type, overlay_wkt
):
    # GEOS nodes lines, drops repeated points and fills in Z even then: no shortcut there
    input_layer = memory_layer(input_type, [input_wkt])
    overlay = memory_layer(overlay_type, [overlay_wkt], name="overlay")
    ours, native, _ = both(input_layer, overlay)
    assert native.featureCount() == 1
    assert_same_output(ours, native)
    assert [f.geometry().constGet().partCount() for f in ours.getFeatures()] == [
        f.geometry().constGet().partCount() for f in native.getFeatures()
    ]


def test_a_foreign_geometry_collection_in_the_cache_is_a_miss(provider, redis_url, redis_client):
    from qgis.core import QgsGeometry

    params = {
        "INPUT": memory_layer("Polygon", SQUARES[:1]),
        "OVERLAY": memory_layer("Polygon", OVERLAY[:1], name="overlay"),
        "OUTPUT": "memory:",
    }
    run("georedis:intersection", params)
    (key,) = redis_client.scan_iter("georedis:cache:intersection:*")
    collection = QgsGeometry.fromWkt("GeometryCollection (Point (1 1))")
    redis_client.set(key, bytes(collection.asWkb()))
    ours, result = run("georedis:intersection", params)
    assert result["CACHE_MISSES"] == 1
    native, _ = run("native:intersection", params)
    assert_same_output(ours, native)


def test_parity_with_curved_input(provider, redis_url):
    curved = memory_layer(
        "CurvePolygon", ["CurvePolygon (CircularString (1 1, 3 3, 5 1, 3 -1, 1 1))"]
    )
    ours, native, _ = both(curved, memory_layer("Polygon", OVERLAY, name="overlay"))
    assert native.featureCount() > 0
    assert_same_output(ours, native)


def test_overlay_is_reprojected_to_the_input_crs(provider, redis_url):
    states = world_layer("states_provinces", extent=(5, 45, 16, 55))
    from qgis import processing

    countries = world_layer("countries", extent=(5, 45, 16, 55))
    countries_3857 = processing.run(
        "native:reprojectlayer",
        {"INPUT": countries, "TARGET_CRS": "EPSG:3857", "OUTPUT": "memory:"},
    )["OUTPUT"]
    ours, native, _ = both(states, countries_3857)
    assert ours.crs().authid() == "EPSG:4326"
    assert native.featureCount() > 50
    assert_same_output(ours, native)


def test_field_subsets_and_prefix_and_name_clashes(provider, redis_url):
    input_layer = memory_layer("Polygon", SQUARES[:2])
    overlay = memory_layer("Polygon", OVERLAY, name="overlay")  # same field names: id, label
    for parameters in (
        {},
        {"OVERLAY_FIELDS_PREFIX": "ov_"},
        {"INPUT_FIELDS": ["label"], "OVERLAY_FIELDS": ["id"]},
        {"INPUT_FIELDS": ["id"], "OVERLAY_FIELDS": ["id", "label"]},
    ):
        ours, native, _ = both(input_layer, overlay, **parameters)
        assert_same_output(ours, native)
    ours, _, _ = both(input_layer, overlay)
    assert [f.name() for f in ours.fields()] == ["id", "label", "id_2", "label_2"]


def test_parity_on_world_map_states_and_countries(provider, redis_url):
    extent = (-10, 35, 30, 60)
    states = world_layer("states_provinces", extent=extent)
    countries = world_layer("countries", extent=extent)
    ours, native, result = both(states, countries, INPUT_FIELDS=["name"], OVERLAY_FIELDS=["name"])
    assert native.featureCount() > 500
    assert result["CACHE_MISSES"] >= native.featureCount()
    assert_same_output(ours, native)


def test_parity_when_the_input_has_the_larger_geometries(provider, redis_url):
    # countries over their states: the input side is the one prepared and queried
    extent = (-10, 35, 30, 60)
    countries = world_layer("countries", extent=extent)
    states = world_layer("states_provinces", extent=extent)
    ours, native, _ = both(countries, states, INPUT_FIELDS=["name"], OVERLAY_FIELDS=["name"])
    assert native.featureCount() > 500
    assert_same_output(ours, native)


def test_invalid_geometries_are_skipped_when_the_context_says_so(provider, redis_url):
    input_layer = memory_layer("Polygon", [BOWTIE, SQUARES[0]])
    overlay = memory_layer("Polygon", [*OVERLAY[:2], BOWTIE], name="overlay")
    outputs, messages = [], []
    for _ in range(2):  # the second run reads the validity from the cache
        for algorithm in ("native:intersection", "georedis:intersection"):
            context = QgsProcessingContext()
            context.setInvalidGeometryCheck(
                QgsFeatureRequest.InvalidGeometryCheck.GeometrySkipInvalid
            )
            feedback = RecordingFeedback()
            params = {"INPUT": input_layer, "OVERLAY": overlay, "OUTPUT": "memory:"}
            outputs.append(run(algorithm, params, context, feedback)[0])
            messages.append(feedback.errors)
        assert outputs[-2].featureCount() == 2
        assert_same_output(outputs[-1], outputs[-2])
        assert messages[-1] == messages[-2] and len(messages[-1]) == 2


def test_unchecked_invalid_geometry_fails_like_native(provider, redis_url):
    input_layer = memory_layer("Polygon", [BOWTIE, SQUARES[0]])
    overlay = memory_layer("Polygon", OVERLAY[:2], name="overlay")
    messages = []
    for algorithm in ("native:intersection", "georedis:intersection"):
        context = QgsProcessingContext()
        context.setInvalidGeometryCheck(QgsFeatureRequest.InvalidGeometryCheck.GeometryNoCheck)
        with pytest.raises(QgsProcessingException) as caught:
            run(algorithm, {"INPUT": input_layer, "OVERLAY": overlay, "OUTPUT": "memory:"}, context)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]
    # GEOS's own words follow ("Self-intersection" in GEOS 3.11, "side location conflict"
    # in 3.13): the whole message is compared with native's above
    assert "TopologyException" in messages[1]


def with_geometries_from_wkb(layer, wkts):
    """``layer`` with its geometries replaced by shapely's WKB of ``wkts`` (QGIS's WKT reader
    refuses NaN coordinates, its WKB reader keeps them)."""
    import shapely
    from qgis.core import QgsGeometry

    changes = {}
    for feature, wkt in zip(layer.getFeatures(), wkts):
        geometry = QgsGeometry()
        geometry.fromWkb(shapely.to_wkb(shapely.from_wkt(wkt), flavor="iso"))
        changes[feature.id()] = geometry
    assert layer.dataProvider().changeGeometryValues(changes)
    layer.updateExtents()
    return layer


NAN_POLYGON = "POLYGON ((0 0, 4 0, nan nan, 0 4, 0 0))"
INNER_SQUARE = "POLYGON ((1 1, 3 1, 3 3, 1 3, 1 1))"


@pytest.mark.parametrize(
    "input_type, input_wkts, overlay_wkts",
    [
        ("Polygon", [NAN_POLYGON, SQUARES[1]], SQUARES[:2]),
        ("Polygon", SQUARES[:2], [NAN_POLYGON, SQUARES[1]]),
        ("Polygon", [NAN_POLYGON, SQUARES[1]], [INNER_SQUARE, SQUARES[1]]),
        ("Polygon", [INNER_SQUARE, SQUARES[1]], [NAN_POLYGON, SQUARES[1]]),
        (
            "LineString",
            ["LINESTRING (0 0, nan nan, 4 4)", "LINESTRING (10 10, 12 12)"],
            SQUARES[:2],
        ),
    ],
)
def test_a_pair_geos_cannot_test_does_not_intersect(
    provider, redis_url, input_type, input_wkts, overlay_wkts
):
    # QGIS's geometry engine answers "no" when GEOS throws on NaN coordinates
    input_layer = memory_layer(input_type, [None] * len(input_wkts))
    overlay = memory_layer("Polygon", [None] * len(overlay_wkts), name="overlay")
    with_geometries_from_wkb(input_layer, input_wkts)
    with_geometries_from_wkb(overlay, overlay_wkts)
    assert_same_outcome({"INPUT": input_layer, "OVERLAY": overlay}, NO_CHECK)


def test_invalid_geometry_aborts_when_the_context_says_so(provider, redis_url):
    input_layer = memory_layer("Polygon", [BOWTIE, SQUARES[0]])
    overlay = memory_layer("Polygon", OVERLAY[:2], name="overlay")
    for algorithm in ("native:intersection", "georedis:intersection"):
        context = QgsProcessingContext()
        context.setInvalidGeometryCheck(
            QgsFeatureRequest.InvalidGeometryCheck.GeometryAbortOnInvalid
        )
        with pytest.raises(QgsProcessingException):
            run(algorithm, {"INPUT": input_layer, "OVERLAY": overlay, "OUTPUT": "memory:"}, context)


@pytest.mark.parametrize(
    "layer_check, context_check",
    [(SKIP, NO_CHECK), (NO_CHECK, SKIP), (ABORT, SKIP), (SKIP, ABORT)],
)
@pytest.mark.parametrize("parameter", ["INPUT", "OVERLAY"])
def test_invalid_geometry_setting_of_one_layer_overrides_the_context(
    provider, redis_url, qgis_new_project, parameter, layer_check, context_check
):
    # the per-layer setting of the Processing dialog (the wrench beside a layer input)
    from qgis.core import QgsProcessingFeatureSourceDefinition, QgsProject

    layers = {
        "INPUT": memory_layer("Polygon", [BOWTIE, SQUARES[0]], name="input"),
        "OVERLAY": memory_layer("Polygon", [*OVERLAY[:2], BOWTIE], name="overlay"),
    }
    assert QgsProject.instance().addMapLayer(layers[parameter]) is layers[parameter]
    params = dict(layers)
    params[parameter] = QgsProcessingFeatureSourceDefinition(
        layers[parameter].id(),
        False,
        -1,
        QgsProcessingFeatureSourceDefinition.Flag.FlagOverrideDefaultGeometryCheck,
        layer_check,
    )
    assert_same_outcome(params, context_check, QgsProject.instance())


@pytest.mark.parametrize(
    "overlay_wkt",
    [
        # invalid in EPSG:3857, valid once reprojected to EPSG:4326 (the vertex changes side)
        "Polygon ((0 0, 2000000 16000000, 1113000 8000000, -1000000 0, 0 0))",
        # valid in EPSG:3857, self-intersecting once reprojected
        "Polygon ((0 0, 2000000 16000000, 1050000 8000000, 3000000 0, 0 0))",
    ],
)
def test_overlay_validity_is_checked_before_reprojection(provider, redis_url, overlay_wkt):
    overlay = memory_layer("Polygon", [overlay_wkt], crs="EPSG:3857", name="overlay")
    # the input properly contains the overlay: the containment shortcut must not hide an error
    input_layer = memory_layer("Polygon", ["Polygon ((-30 -5, 30 -5, 30 85, -30 85, -30 -5))"])
    assert_same_outcome({"INPUT": input_layer, "OVERLAY": overlay}, SKIP)


def test_second_run_reads_every_pair_back(provider, redis_url):
    states = world_layer("states_provinces", extent=(0, 40, 20, 55))
    countries = world_layer("countries", extent=(0, 40, 20, 55))
    params = {"INPUT": states, "OVERLAY": countries, "OUTPUT": "memory:"}
    first, cold = run("georedis:intersection", params)
    second, warm = run("georedis:intersection", params)
    assert cold["CACHE_HITS"] == 0 and cold["CACHE_MISSES"] > 0
    assert (warm["CACHE_HITS"], warm["CACHE_MISSES"]) == (cold["CACHE_MISSES"], 0)
    assert_same_output(second, first)


def test_progress_moves_while_the_intersections_are_computed(provider, redis_url):
    states = world_layer("states_provinces", extent=(0, 40, 20, 55))
    countries = world_layer("countries", extent=(0, 40, 20, 55))

    class ProgressFeedback(QgsProcessingFeedback):
        def __init__(self):
            super().__init__()
            self.values = []

        def setProgress(self, progress):
            self.values.append(progress)
            super().setProgress(progress)

    feedback = ProgressFeedback()
    params = {"INPUT": states, "OVERLAY": countries, "OUTPUT": "memory:"}
    _, result = run("georedis:intersection", params, feedback=feedback)
    assert result["CACHE_MISSES"] > 500
    # between "pairs known" (45) and "pairs computed" (85)
    assert len([v for v in feedback.values if 45 < v < 85]) >= 5, feedback.values
    assert feedback.values == sorted(feedback.values)


def test_editing_one_input_feature_touches_only_its_pairs(provider, redis_url, redis_client):
    states = world_layer("states_provinces", extent=(0, 40, 20, 55))
    countries = world_layer("countries", extent=(0, 40, 20, 55))
    params = {"INPUT": states, "OVERLAY": countries, "OUTPUT": "memory:"}
    _, cold = run("georedis:intersection", params)
    keys_before = set(redis_client.scan_iter("georedis:cache:intersection:*"))
    feature = next(states.getFeatures())
    assert states.dataProvider().changeGeometryValues(
        {feature.id(): feature.geometry().buffer(0.01, 3)}
    )
    edited, result = run("georedis:intersection", params)
    new_keys = set(redis_client.scan_iter("georedis:cache:intersection:*")) - keys_before
    assert 1 <= result["CACHE_MISSES"] <= 3
    assert result["CACHE_HITS"] >= cold["CACHE_MISSES"] - 3
    assert len(new_keys) == result["CACHE_MISSES"]
    native, _ = run("native:intersection", params)
    assert_same_output(edited, native)


def test_corrupt_pair_values_are_recomputed(provider, redis_url, redis_client):
    input_layer = memory_layer("Polygon", SQUARES[:2])
    overlay = memory_layer("Polygon", OVERLAY, name="overlay")
    params = {"INPUT": input_layer, "OVERLAY": overlay, "OUTPUT": "memory:"}
    run("georedis:intersection", params)
    keys = list(redis_client.scan_iter("georedis:cache:intersection:*"))
    for key in keys:
        redis_client.set(key, os.urandom(40))
    ours, result = run("georedis:intersection", params)
    assert result["CACHE_HITS"] == 0 and result["CACHE_MISSES"] == len(keys)
    native, _ = run("native:intersection", params)
    assert_same_output(ours, native)


def test_corrupt_candidate_lists_are_recomputed(provider, redis_url, redis_client):
    # a list of the right length whose digests name no overlay geometry must not hide pairs
    input_layer = memory_layer("Polygon", SQUARES[:2])
    overlay = memory_layer("Polygon", OVERLAY, name="overlay")
    params = {"INPUT": input_layer, "OVERLAY": overlay, "OUTPUT": "memory:"}
    _, cold = run("georedis:intersection", params)
    keys = list(redis_client.scan_iter("georedis:cache:intersection-candidates:*"))
    assert keys
    for key in keys:
        redis_client.set(key, os.urandom(32 * len(OVERLAY)))
    ours, result = run("georedis:intersection", params)
    assert (result["CACHE_HITS"], result["CACHE_MISSES"]) == (cold["CACHE_MISSES"], 0)
    native, _ = run("native:intersection", params)
    assert_same_output(ours, native)


def test_redis_killed_mid_run_still_gives_native_output(provider, tmp_path, monkeypatch):
    server = RedisServer(tmp_path).start()
    monkeypatch.setenv("GEOREDIS_URL", server.url)
    states = world_layer("states_provinces", extent=(0, 40, 20, 55))
    countries = world_layer("countries", extent=(0, 40, 20, 55))
    params = {"INPUT": states, "OVERLAY": countries, "OUTPUT": "memory:"}

    class KillingFeedback(RecordingFeedback):
        def setProgress(self, progress):
            if progress >= 40 and server.process is not None:
                server.kill()  # after the candidate lists, before the pair results
            super().setProgress(progress)

    feedback = KillingFeedback()
    started = time.monotonic()
    ours, result = run("georedis:intersection", params, feedback=feedback)
    assert time.monotonic() - started < 30
    native, _ = run("native:intersection", params)
    assert_same_output(ours, native)
    assert len(feedback.errors) == 1, feedback.errors
    assert result["CACHE_HITS"] == 0


def test_unreachable_redis_gives_native_output_and_one_warning(provider, monkeypatch):
    from georedis_plugin.core.clients import reset_clients
    from tests.redis_server import free_port

    monkeypatch.setenv("GEOREDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    reset_clients()
    input_layer = memory_layer("Polygon", [BOWTIE, *SQUARES])
    overlay = memory_layer("Polygon", OVERLAY, name="overlay")
    params = {"INPUT": input_layer, "OVERLAY": overlay, "OUTPUT": "memory:"}
    try:
        context = QgsProcessingContext()
        context.setInvalidGeometryCheck(SKIP)  # the validity lookup is the first Redis call
        feedback = RecordingFeedback()
        ours, result = run("georedis:intersection", params, context, feedback)
    finally:
        reset_clients()
    warnings = [e for e in feedback.errors if "invalid geometry" not in e]
    assert len(warnings) == 1, feedback.errors
    assert result["CACHE_HITS"] == 0 and result["CACHE_MISSES"] > 0
    context = QgsProcessingContext()
    context.setInvalidGeometryCheck(SKIP)
    native, _ = run("native:intersection", params, context)
    assert_same_output(ours, native)


def test_a_silent_server_costs_one_read_timeout_and_is_left_alone(
    provider, monkeypatch, clean_settings
):
    states = world_layer("states_provinces", extent=(0, 40, 20, 55))
    countries = world_layer("countries", extent=(0, 40, 20, 55))
    params = {"INPUT": states, "OVERLAY": countries, "OUTPUT": "memory:"}
    ours, result, errors, elapsed, connections, commands = run_against_silent_redis(
        "georedis:intersection", params, monkeypatch
    )
    assert len(errors) == 1 and "did not answer" in errors[0], errors
    # one connection and one command (its reply never came); then no Redis at all
    assert connections == 1
    assert len(commands) == 1, commands
    assert result["CACHE_HITS"] == 0 and result["CACHE_MISSES"] > 0
    native, _ = run("native:intersection", params)
    assert_same_output(ours, native)
    assert elapsed < 0.5 + 10  # the one timeout plus the computation


def test_runs_inside_a_model(provider, redis_url, redis_client):
    model = one_step_model("georedis:intersection", ["INPUT", "OVERLAY"])
    a = memory_layer("Polygon", SQUARES[:2])
    b = memory_layer("Polygon", OVERLAY, name="overlay")
    runs = []
    for _ in range(2):
        context = QgsProcessingContext()  # one per run (QGIS >= 3.38 keeps model results)
        result, ok = model.run(
            {"INPUT": a, "OVERLAY": b, "step:result": "memory:"}, context, QgsProcessingFeedback()
        )
        assert ok
        layer = context.takeResultLayer(result["step:result"])
        runs.append(json.loads(redis_client.lindex("georedis:cache-runs", 0)))
    assert runs[0]["algorithm"] == "georedis:intersection"
    assert (runs[0]["hits"], runs[1]["misses"]) == (0, 0)
    assert runs[1]["hits"] == runs[0]["misses"] > 0
    native, _ = run("native:intersection", {"INPUT": a, "OVERLAY": b, "OUTPUT": "memory:"})
    assert_same_output(layer, native)


def require_grid_size():
    """GRID_SIZE exists from QGIS 3.28 on: elsewhere neither algorithm has it."""
    if not native_has("native:intersection", "GRID_SIZE"):
        ours = QgsApplication.processingRegistry().algorithmById("georedis:intersection")
        assert ours.parameterDefinition("GRID_SIZE") is None
        pytest.skip("this QGIS's native:intersection has no GRID_SIZE")


@pytest.mark.parametrize("grid_size", [None, 0, 0.5, 1.5, 3])
@pytest.mark.parametrize(
    "input_type, input_wkts",
    [("Polygon", SQUARES), ("Point", POINTS), ("LineString", LINES)],
    ids=["polygons", "points", "lines"],
)
def test_grid_size_parity(provider, redis_url, grid_size, input_type, input_wkts):
    require_grid_size()
    ours, native, _ = both(
        memory_layer(input_type, input_wkts),
        memory_layer("Polygon", OVERLAY, name="overlay"),
        GRID_SIZE=grid_size,
    )
    assert_same_output(ours, native)


def test_grid_size_that_collapses_results_matches_native(provider, redis_url):
    # a grid coarser than the overlaps: pieces collapse to empty or lower-dimension results
    require_grid_size()
    ours, native, _ = both(
        memory_layer("Polygon", SQUARES),
        memory_layer("Polygon", OVERLAY, name="overlay"),
        GRID_SIZE=10,
    )
    assert_same_output(ours, native)


@pytest.mark.parametrize("grid_size", [0.01, 0.25])
def test_grid_size_on_world_map_states_and_countries(provider, redis_url, grid_size):
    require_grid_size()
    extent = (-10, 35, 30, 60)
    states = world_layer("states_provinces", extent=extent)
    countries = world_layer("countries", extent=extent)
    ours, native, _ = both(
        states, countries, INPUT_FIELDS=["name"], OVERLAY_FIELDS=["name"], GRID_SIZE=grid_size
    )
    assert native.featureCount() > 500
    assert_same_output(ours, native)


def test_grid_size_is_part_of_the_cache_key(provider, redis_url):
    require_grid_size()
    a = memory_layer("Polygon", SQUARES)
    b = memory_layer("Polygon", OVERLAY, name="overlay")
    _, _, plain = both(a, b)
    for grid_size in (0.5, 1.5):
        ours, native, cold = both(a, b, GRID_SIZE=grid_size)
        assert cold["CACHE_MISSES"] == plain["CACHE_MISSES"] > 0, grid_size
        assert_same_output(ours, native)
    again, native, warm = both(a, b, GRID_SIZE=0.5)
    assert (warm["CACHE_HITS"], warm["CACHE_MISSES"]) == (plain["CACHE_MISSES"], 0)
    assert_same_output(again, native)
    _, _, no_grid = both(a, b, GRID_SIZE=0)  # 0 is no grid, as in native
    assert (no_grid["CACHE_HITS"], no_grid["CACHE_MISSES"]) == (plain["CACHE_MISSES"], 0)


def test_a_native_parameter_it_cannot_honour_runs_native_uncached(
    provider, redis_url, redis_client, monkeypatch
):
    # a QGIS release may add a parameter GeoRedis does not implement: pretend the prefix is one
    from georedis_plugin.processing.algorithms.intersection import IntersectionAlgorithm

    monkeypatch.setattr(
        IntersectionAlgorithm,
        "HONOURED",
        IntersectionAlgorithm.HONOURED - {"OVERLAY_FIELDS_PREFIX"},
    )
    a = memory_layer("Polygon", SQUARES)
    b = memory_layer("Polygon", OVERLAY, name="overlay")
    feedback = RecordingFeedback()
    params = {"INPUT": a, "OVERLAY": b, "OVERLAY_FIELDS_PREFIX": "b_", "OUTPUT": "memory:"}
    ours, result = run("georedis:intersection", params, feedback=feedback)
    native, _ = run("native:intersection", params)
    assert [f.name() for f in ours.fields()] == ["id", "label", "b_id", "b_label"]
    assert_same_output(ours, native)
    assert (result["CACHE_HITS"], result["CACHE_MISSES"]) == (0, 0)
    assert any("OVERLAY_FIELDS_PREFIX" in info for info in feedback.infos)
    assert redis_client.keys("georedis:cache:*") == []


def test_a_native_failure_in_a_delegated_run_is_natives_error(provider, redis_url, monkeypatch):
    from georedis_plugin.processing.algorithms.intersection import IntersectionAlgorithm

    monkeypatch.setattr(
        IntersectionAlgorithm,
        "HONOURED",
        IntersectionAlgorithm.HONOURED - {"OVERLAY_FIELDS_PREFIX"},
    )
    bowtie = memory_layer("Polygon", [BOWTIE], name="bowtie")
    params = {"INPUT": bowtie, "OVERLAY": bowtie, "OVERLAY_FIELDS_PREFIX": "b_"}
    assert_same_outcome(params, ABORT)


@pytest.fixture
def qgis_in_french(qgis_app):
    """QGIS's own French catalogue installed, as in a QGIS set to French."""
    from qgis.core import QgsApplication as App
    from qgis.PyQt.QtCore import QCoreApplication, QTranslator

    translator = QTranslator()
    assert translator.load("qgis_fr", App.i18nPath()), "QGIS's translations are not installed"
    QCoreApplication.installTranslator(translator)
    yield
    QCoreApplication.removeTranslator(translator)


@pytest.mark.parametrize("check", [SKIP, ABORT, NO_CHECK], ids=["skip", "abort", "no-check"])
def test_messages_are_qgis_own_in_its_language(provider, redis_url, qgis_in_french, check):
    # skipped / aborting invalid features and the GEOS failure without checks: QGIS's text
    input_layer = memory_layer("Polygon", [SQUARES[0], BOWTIE, BOWTIE], name="entrée")
    overlay = memory_layer("Polygon", OVERLAY[:2], name="superposition")
    outcomes = []
    for algorithm in ("native:intersection", "georedis:intersection"):
        context = QgsProcessingContext()
        context.setInvalidGeometryCheck(check)
        feedback = RecordingFeedback()
        params = {"INPUT": input_layer, "OVERLAY": overlay, "OUTPUT": "memory:"}
        try:
            run(algorithm, params, context, feedback)
            outcomes.append(("", feedback.errors))
        except QgsProcessingException as exc:
            outcomes.append((str(exc), feedback.errors))
    assert outcomes[1] == outcomes[0]
    error, messages = outcomes[1]
    text = error + " ".join(messages)
    assert ("géométrie" if check != NO_CHECK else "géotraitement") in text, text


@pytest.mark.parametrize(
    "input_wkts, overlay_wkts",
    [
        (["Polygon EMPTY", *SQUARES], OVERLAY),
        (SQUARES, [*OVERLAY, "Polygon EMPTY"]),
        (["Polygon EMPTY", *SQUARES], ["Polygon EMPTY", *OVERLAY]),
    ],
    ids=["input", "overlay", "both"],
)
@pytest.mark.parametrize("check", [SKIP, NO_CHECK, ABORT], ids=["skip", "no-check", "abort"])
def test_empty_geometries_are_reported_as_native_reports_them(
    provider, redis_url, input_wkts, overlay_wkts, check
):
    # QGIS's check refuses an empty geometry the first time it tests it: skipped with its
    # message, or the run stopped with its error; never asked, it is kept
    def params():  # new layers each run, so that QGIS tests them afresh
        return {
            "INPUT": memory_layer("Polygon", input_wkts),
            "OVERLAY": memory_layer("Polygon", overlay_wkts, name="overlay"),
        }

    for _ in range(2):  # the second run reads validity and results from the cache
        parity.assert_same_outcome("native:intersection", "georedis:intersection", params, check)
