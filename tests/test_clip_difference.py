"""georedis:clip and georedis:difference give native:clip's and native:difference's output and
read each input feature's result back from Redis."""

import os
import re

import pytest
from qgis.core import QgsFeatureRequest, QgsProcessingContext, QgsProcessingException

from tests.algorithm_runs import RecordingFeedback, native_has, run
from tests.layers import memory_layer, world_layer
from tests.parity import assert_parameters_mirror_native, assert_same_outcome, assert_same_output

SQUARES = [
    "Polygon ((0 0, 4 0, 4 4, 0 4, 0 0))",
    "Polygon ((10 10, 12 10, 12 12, 10 12, 10 10))",
    None,
    "Polygon EMPTY",
    "MultiPolygon (((20 20, 22 20, 22 22, 20 22, 20 20)), ((30 30, 31 30, 31 31, 30 31, 30 30)))",
    "Polygon ((40 40, 41 40, 41 41, 40 41, 40 40))",  # touches nothing
    "Polygon ((0.5 0.5, 1 0.5, 1 1, 0.5 1, 0.5 0.5))",  # inside two overlay features
]
OVERLAY = [
    "Polygon ((2 2, 6 2, 6 6, 2 6, 2 2))",  # partial overlap with square 0
    "Polygon ((-1 -1, 5 -1, 5 5, -1 5, -1 -1))",  # contains square 0 properly
    "Polygon ((12 12, 14 12, 14 14, 12 14, 12 12))",  # touches square 1 at a corner only
    "Polygon ((12 10, 14 10, 14 12, 12 12, 12 10))",  # shares an edge with square 1
    "Polygon ((20.5 20.5, 21 20.5, 21 21, 20.5 21, 20.5 20.5))",  # inside part of multi
    None,
    "Polygon ((29 29, 30.5 29, 30.5 32, 29 32, 29 29))",  # covers half of a part
]
POINTS = [
    "Point (1 1)",
    "Point (3 3)",
    "Point (100 100)",
    "Point (14 14)",  # on an overlay corner
    None,
]
MULTIPOINTS = [
    "MultiPoint ((1 1), (12 12))",
    "MultiPoint ((1 1), (3 3))",
    "MultiPoint ((50 50))",
    "MultiPoint ((1 1), (60 60))",  # one point outside
]
LINES = [
    "LineString (-2 1, 8 1)",
    "LineString (11 9, 11 13)",
    "LineString (50 50, 51 51)",
    "LineString (1 1, 2 2)",  # inside
    "MultiLineString ((12 11, 13 11), (30 30.2, 31 30.2))",
    None,
]
BOWTIE = "Polygon ((0 0, 4 4, 4 0, 0 4, 0 0))"
SKIP = QgsFeatureRequest.InvalidGeometryCheck.GeometrySkipInvalid
NO_CHECK = QgsFeatureRequest.InvalidGeometryCheck.GeometryNoCheck
ABORT = QgsFeatureRequest.InvalidGeometryCheck.GeometryAbortOnInvalid
ALGORITHMS = ["clip", "difference"]
EXTENT = (0, 40, 20, 55)


def both(name, input_layer, overlay_layer, context_check=None, **parameters):
    """(ours, native, our results) of georedis:NAME and native:NAME on the same parameters."""
    parameters = {"INPUT": input_layer, "OVERLAY": overlay_layer, "OUTPUT": "memory:", **parameters}
    outputs = []
    for algorithm in (f"native:{name}", f"georedis:{name}"):
        context = QgsProcessingContext()
        if context_check is not None:
            context.setInvalidGeometryCheck(context_check)
        outputs.append(run(algorithm, parameters, context))
    (native, _), (ours, result) = outputs
    return ours, native, result


def overlay(wkts=OVERLAY, geometry_type="Polygon", crs="EPSG:4326"):
    return memory_layer(geometry_type, wkts, crs=crs, name="overlay")


@pytest.mark.parametrize("name", ALGORITHMS)
def test_parameters_match_native(provider, name):
    assert_parameters_mirror_native(f"native:{name}", f"georedis:{name}")


@pytest.mark.parametrize("name", ALGORITHMS)
@pytest.mark.parametrize(
    "input_type, input_wkts",
    [
        ("Polygon", SQUARES[:4] + SQUARES[5:]),
        ("MultiPolygon", SQUARES),
        ("Point", POINTS),
        ("MultiPoint", MULTIPOINTS),
        ("LineString", LINES[:4]),
        ("MultiLineString", LINES),
    ],
)
def test_parity_against_polygons(provider, redis_url, name, input_type, input_wkts):
    ours, native, _ = both(name, memory_layer(input_type, input_wkts), overlay())
    assert native.featureCount() > 0
    assert_same_output(ours, native)


@pytest.mark.parametrize("name", ALGORITHMS)
@pytest.mark.parametrize("input_type, input_wkts", [("Polygon", SQUARES), ("Point", POINTS)])
def test_parity_against_a_single_overlay_feature(provider, redis_url, name, input_type, input_wkts):
    # native clips by that geometry itself, without a union
    ours, native, _ = both(name, memory_layer(input_type, input_wkts), overlay(OVERLAY[:1]))
    assert native.featureCount() > 0
    assert_same_output(ours, native)


def test_points_a_difference_removes_are_written_without_geometry(provider, redis_url):
    # QGIS reads GEOS's empty point back as a null geometry, and native writes the feature
    ours, native, _ = both("difference", memory_layer("Point", POINTS), overlay())
    assert_same_output(ours, native)
    nulls = [f["id"] for f in native.getFeatures() if f.geometry().isNull()]
    assert 0 in nulls
    assert nulls == sorted(f["id"] for f in ours.getFeatures() if f.geometry().isNull())


def test_clip_keeps_single_points_single_in_a_multipoint_layer(provider, redis_url):
    ours, native, _ = both("clip", memory_layer("MultiPoint", MULTIPOINTS), overlay())
    assert_same_output(ours, native)
    assert {f.geometry().asWkt() for f in ours.getFeatures()} >= {"Point (1 1)"}


@pytest.mark.parametrize("name", ALGORITHMS)
@pytest.mark.parametrize(
    "input_type, input_wkt, overlay_type, overlay_wkts",
    [
        ("PolygonZ", "PolygonZ ((0 0 1, 4 0 2, 4 4 3, 0 4 4, 0 0 1))", "Polygon", OVERLAY[:2]),
        ("Polygon", "Polygon ((2 2, 4 2, 4 4, 2 4, 2 2))", "PolygonZ",
         ["PolygonZ ((0 0 1, 10 0 2, 10 10 3, 0 10 4, 0 0 1))", OVERLAY[0]]),
        ("LineStringZ", "LineStringZ (1 1 5, 2 2 6, 8 3 7)", "Polygon", OVERLAY[:2]),
        ("PointZ", "PointZ (1 1 5)", "Polygon", OVERLAY[:2]),
    ],
)  # fmt: skip
def test_parity_with_z(
    provider, redis_url, name, input_type, input_wkt, overlay_type, overlay_wkts
):
    input_layer = memory_layer(input_type, [input_wkt, "PointZ (50 50 1)" if "Point" in input_type
                                            else None])  # fmt: skip
    ours, native, _ = both(name, input_layer, overlay(overlay_wkts, overlay_type))
    assert native.featureCount() > 0
    assert_same_output(ours, native)


CURVED = "CurvePolygon (CircularString (1 1, 3 3, 5 1, 3 -1, 1 1))"


@pytest.mark.parametrize("name", ALGORITHMS)
def test_parity_with_curved_input(provider, redis_url, name):
    curved = memory_layer(
        "CurvePolygon",
        [CURVED, "CurvePolygon (CircularString (41 41, 43 43, 45 41, 43 39, 41 41))"],
    )
    ours, native, _ = both(name, curved, overlay())
    assert native.featureCount() > 0
    assert_same_output(ours, native)


@pytest.mark.parametrize("name", ALGORITHMS)
def test_parity_with_a_curved_overlay(provider, redis_url, name):
    ours, native, _ = both(
        name, memory_layer("Polygon", SQUARES), overlay([CURVED, OVERLAY[2]], "CurvePolygon")
    )
    assert native.featureCount() > 0
    assert_same_output(ours, native)


@pytest.mark.parametrize("name", ALGORITHMS)
def test_overlay_is_reprojected_to_the_input_crs(provider, redis_url, name):
    from qgis import processing

    states = world_layer("states_provinces", extent=(5, 45, 16, 55))
    countries = world_layer("countries", extent=(5, 45, 16, 55))
    countries_3857 = processing.run(
        "native:reprojectlayer",
        {"INPUT": countries, "TARGET_CRS": "EPSG:3857", "OUTPUT": "memory:"},
    )["OUTPUT"]
    ours, native, _ = both(name, states, shifted(countries_3857, 30000))
    assert ours.crs().authid() == "EPSG:4326"
    assert native.featureCount() > 20
    assert_same_output(ours, native)


def shifted(layer, delta):
    """``layer`` moved east by ``delta`` (in its units): every border then cuts states."""
    from qgis import processing

    return processing.run(
        "native:translategeometry", {"INPUT": layer, "DELTA_X": delta, "OUTPUT": "memory:"}
    )["OUTPUT"]


@pytest.mark.parametrize("name", ALGORITHMS)
def test_parity_on_world_map_states_and_countries(provider, redis_url, name):
    # the states lie within their countries: clip keeps them whole, difference drops them
    states = world_layer("states_provinces", extent=EXTENT)
    countries = world_layer("countries", extent=EXTENT)
    ours, native, result = both(name, states, countries)
    assert native.featureCount() > (200 if name == "clip" else -1)
    assert result["CACHE_MISSES"] > 200
    assert_same_output(ours, native)


@pytest.mark.parametrize("name", ALGORITHMS)
def test_parity_on_world_map_states_and_shifted_countries(provider, redis_url, name):
    states = world_layer("states_provinces", extent=EXTENT)
    countries = shifted(world_layer("countries", extent=EXTENT), 0.3)
    ours, native, _ = both(name, states, countries)
    assert native.featureCount() > 80
    assert_same_output(ours, native)


@pytest.mark.parametrize("name", ALGORITHMS)
def test_parity_when_the_input_has_the_larger_geometries(provider, redis_url, name):
    countries = world_layer("countries", extent=EXTENT)
    states = world_layer("states_provinces", extent=(5, 45, 12, 50))
    ours, native, _ = both(name, countries, states)
    assert native.featureCount() > 5
    assert_same_output(ours, native)


@pytest.mark.parametrize("name", ALGORITHMS)
@pytest.mark.parametrize(
    "overlay_wkts", [[], [None], ["Polygon EMPTY"], ["Polygon EMPTY", "Polygon EMPTY"]],
    ids=["no features", "no geometry", "one empty", "two empty"],
)  # fmt: skip
def test_an_overlay_without_area_behaves_as_native(provider, redis_url, name, overlay_wkts):
    # clip stops (no geometries) or fails (no combined clip geometry); difference keeps all
    def params():
        return {"INPUT": memory_layer("Polygon", SQUARES), "OVERLAY": overlay(overlay_wkts)}

    assert_same_outcome(f"native:{name}", f"georedis:{name}", params, SKIP)


@pytest.mark.parametrize("name", ALGORITHMS)
@pytest.mark.parametrize(
    "input_wkts, overlay_wkts",
    [
        ([BOWTIE, SQUARES[0], SQUARES[1]], OVERLAY),
        ([SQUARES[0], SQUARES[1]], [*OVERLAY[:3], BOWTIE]),
        ([BOWTIE, SQUARES[0]], [BOWTIE, *OVERLAY[:2]]),
        # clip reads the input within each overlay geometry's box: twice here, never there
        (["Polygon ((1 1, 3 3, 3 1, 1 3, 1 1))", "Polygon ((50 50, 52 52, 52 50, 50 52, 50 50))",
          SQUARES[0]], OVERLAY[:2]),
    ],
    ids=["input", "overlay", "both", "seen-twice-or-never"],
)  # fmt: skip
@pytest.mark.parametrize("check", [SKIP, NO_CHECK, ABORT], ids=["skip", "no-check", "abort"])
def test_invalid_geometries_as_native(provider, redis_url, name, input_wkts, overlay_wkts, check):
    params = {"INPUT": memory_layer("Polygon", input_wkts), "OVERLAY": overlay(overlay_wkts)}
    assert_same_outcome(f"native:{name}", f"georedis:{name}", params, check)


@pytest.mark.parametrize("name", ALGORITHMS)
def test_skipped_invalid_geometries_are_reported_again_from_the_cache(provider, redis_url, name):
    def params():  # new layers: QGIS refuses an empty geometry the first time only
        return {
            "INPUT": memory_layer("Polygon", [BOWTIE, *SQUARES]),
            "OVERLAY": overlay([*OVERLAY, BOWTIE]),
        }

    for _ in range(2):  # the second run reads validity and results from the cache
        native = assert_same_outcome(f"native:{name}", f"georedis:{name}", params, SKIP)
        assert native.featureCount() > 0


@pytest.mark.parametrize("layer_check, context_check", [(SKIP, NO_CHECK), (ABORT, SKIP)])
@pytest.mark.parametrize("parameter", ["INPUT", "OVERLAY"])
@pytest.mark.parametrize("name", ALGORITHMS)
def test_invalid_geometry_setting_of_one_layer_overrides_the_context(
    provider, redis_url, qgis_new_project, name, parameter, layer_check, context_check
):
    from qgis.core import QgsProcessingFeatureSourceDefinition, QgsProject

    layers = {
        "INPUT": memory_layer("Polygon", [BOWTIE, SQUARES[0]], name="input"),
        "OVERLAY": overlay([*OVERLAY[:2], BOWTIE]),
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
    assert_same_outcome(
        f"native:{name}", f"georedis:{name}", params, context_check, QgsProject.instance()
    )


def test_difference_keeps_features_without_geometry(provider, redis_url):
    ours, native, _ = both("difference", memory_layer("Polygon", [None, SQUARES[0]]), overlay())
    assert [f["id"] for f in native.getFeatures() if f.geometry().isNull()] == [0]
    assert_same_output(ours, native)


@pytest.mark.parametrize("name", ALGORITHMS)
def test_second_run_reads_every_result_back(provider, redis_url, name):
    states = world_layer("states_provinces", extent=(0, 40, 20, 55))
    countries = world_layer("countries", extent=(0, 40, 20, 55))
    params = {"INPUT": states, "OVERLAY": countries, "OUTPUT": "memory:"}
    first, cold = run(f"georedis:{name}", params)
    second, warm = run(f"georedis:{name}", params)
    assert cold["CACHE_HITS"] == 0 and cold["CACHE_MISSES"] > 50
    assert (warm["CACHE_HITS"], warm["CACHE_MISSES"]) == (cold["CACHE_MISSES"], 0)
    assert_same_output(second, first)


@pytest.mark.parametrize("name", ALGORITHMS)
def test_editing_an_overlay_feature_recomputes_only_what_it_touches(provider, redis_url, name):
    states = world_layer("states_provinces", extent=(0, 40, 20, 55))
    countries = world_layer("countries", extent=(0, 40, 20, 55))
    params = {"INPUT": states, "OVERLAY": countries, "OUTPUT": "memory:"}
    _, cold = run(f"georedis:{name}", params)
    (switzerland,) = countries.getFeatures("\"iso_a2\" = 'CH'")
    assert countries.dataProvider().changeGeometryValues(
        {switzerland.id(): switzerland.geometry().buffer(0.01, 3)}
    )
    edited, result = run(f"georedis:{name}", params)
    # the Swiss cantons and the states of the neighbours along the border, no more
    assert 26 <= result["CACHE_MISSES"] <= 80, result
    assert result["CACHE_HITS"] + result["CACHE_MISSES"] >= cold["CACHE_MISSES"]
    native, _ = run(f"native:{name}", params)
    assert_same_output(edited, native)


@pytest.mark.parametrize("name", ALGORITHMS)
def test_corrupt_values_are_recomputed(provider, redis_url, redis_client, name):
    params = {"INPUT": memory_layer("Polygon", SQUARES), "OVERLAY": overlay(), "OUTPUT": "memory:"}
    _, cold = run(f"georedis:{name}", params)
    keys = list(redis_client.scan_iter(f"georedis:cache:{name}:*"))
    assert len(keys) == cold["CACHE_MISSES"] > 0
    for key in keys:
        redis_client.set(key, os.urandom(40))
    ours, result = run(f"georedis:{name}", params)
    assert (result["CACHE_HITS"], result["CACHE_MISSES"]) == (0, len(keys))
    native, _ = run(f"native:{name}", params)
    assert_same_output(ours, native)


@pytest.mark.parametrize("name", ALGORITHMS)
def test_unreachable_redis_gives_native_output_and_one_warning(provider, monkeypatch, name):
    from georedis_plugin.core.clients import reset_clients
    from tests.redis_server import free_port

    monkeypatch.setenv("GEOREDIS_URL", f"redis://127.0.0.1:{free_port()}/0")
    reset_clients()
    params = {"INPUT": memory_layer("Polygon", SQUARES), "OVERLAY": overlay(), "OUTPUT": "memory:"}
    try:
        feedback = RecordingFeedback()
        ours, result = run(f"georedis:{name}", params, feedback=feedback)
    finally:
        reset_clients()
    assert len(feedback.errors) == 1, feedback.errors
    assert result["CACHE_HITS"] == 0 and result["CACHE_MISSES"] > 0
    native, _ = run(f"native:{name}", params)
    assert_same_output(ours, native)


def require_grid_size():
    """GRID_SIZE exists from QGIS 3.28 on (difference only; clip has none)."""
    from qgis.core import QgsApplication

    registry = QgsApplication.processingRegistry()
    assert registry.algorithmById("georedis:clip").parameterDefinition("GRID_SIZE") is None
    if not native_has("native:difference", "GRID_SIZE"):
        assert (
            registry.algorithmById("georedis:difference").parameterDefinition("GRID_SIZE") is None
        )
        pytest.skip("this QGIS's native:difference has no GRID_SIZE")


@pytest.mark.parametrize("grid_size", [None, 0, 0.5, 1.5, 10])
@pytest.mark.parametrize(
    "input_type, input_wkts",
    [("Polygon", SQUARES), ("Point", POINTS), ("LineString", LINES[:4])],
    ids=["polygons", "points", "lines"],
)
def test_grid_size_parity(provider, redis_url, grid_size, input_type, input_wkts):
    require_grid_size()
    ours, native, _ = both(
        "difference", memory_layer(input_type, input_wkts), overlay(), GRID_SIZE=grid_size
    )
    assert_same_output(ours, native)


def test_grid_size_on_world_map_and_in_the_cache_key(provider, redis_url):
    require_grid_size()
    states = world_layer("states_provinces", extent=(0, 40, 20, 55))
    countries = shifted(world_layer("countries", extent=(0, 40, 20, 55)), 0.3)
    _, _, plain = both("difference", states, countries)
    ours, native, gridded = both("difference", states, countries, GRID_SIZE=0.001)
    assert gridded["CACHE_MISSES"] == plain["CACHE_MISSES"] > 0
    assert native.featureCount() > 80
    assert_same_output(ours, native)
    _, _, again = both("difference", states, countries, GRID_SIZE=0)  # 0 is no grid
    assert again["CACHE_MISSES"] == 0


def test_a_grid_that_collapses_pieces_to_lines_fails_as_native(provider, redis_url):
    # native writes the collapsed lines into its polygon sink, which refuses them
    require_grid_size()
    states = world_layer("states_provinces", extent=(0, 40, 20, 55))
    countries = world_layer("countries", extent=(0, 40, 20, 55))
    params = {"INPUT": states, "OVERLAY": countries, "GRID_SIZE": 0.05, "OUTPUT": "memory:"}
    outcomes = []
    for algorithm in ("native:difference", "georedis:difference"):
        feedback = RecordingFeedback()
        with pytest.raises(QgsProcessingException) as failure:
            run(algorithm, params, feedback=feedback)
        # the sink's message names its memory layer, a new one each run
        messages = [re.sub(r"output_[0-9a-f_]+", "output", e) for e in feedback.errors]
        outcomes.append((str(failure.value), messages))
    assert outcomes[1] == outcomes[0]
    assert "MultiLineString" in outcomes[0][1][0]


@pytest.mark.parametrize("name", ALGORITHMS)
def test_geopackage_in_and_out_as_native(provider, redis_url, tmp_path, name):
    from tests.layers import WORLD_MAP

    countries = f"{WORLD_MAP}|layername=countries|subset=\"iso_a2\" IN ('FR','DE','BE','CH')"
    params = {"INPUT": f"{WORLD_MAP}|layername=states_provinces", "OVERLAY": countries}
    ours, _ = run(f"georedis:{name}", {**params, "OUTPUT": str(tmp_path / "ours.gpkg")})
    native, _ = run(f"native:{name}", {**params, "OUTPUT": str(tmp_path / "native.gpkg")})
    assert ours.featureCount() == native.featureCount() > 0
    assert_same_output(ours, native)


@pytest.mark.parametrize("name", ALGORITHMS)
@pytest.mark.parametrize("chunk", [7, 1000])
def test_streamed_in_chunks_the_output_is_natives(provider, redis_url, monkeypatch, name, chunk):
    from georedis_plugin.processing.algorithms.cover import CoverAlgorithm

    monkeypatch.setattr(CoverAlgorithm, "CHUNK_FEATURES", chunk)
    states = world_layer("states_provinces", extent=EXTENT)
    countries = shifted(world_layer("countries", extent=EXTENT), 0.3)
    ours, native, _ = both(name, states, countries)
    assert native.featureCount() > 80
    assert_same_output(ours, native)


@pytest.mark.parametrize("name", ALGORITHMS)
def test_a_cancelled_run_returns_natives_output_for_the_chunks_it_wrote(
    provider, redis_url, monkeypatch, name
):
    from qgis.core import QgsApplication, QgsProcessingFeedback

    from georedis_plugin.processing.algorithms.cover import CoverAlgorithm

    class CancellingFeedback(QgsProcessingFeedback):
        def setProgress(self, progress):
            if progress > 50:
                self.cancel()
            super().setProgress(progress)

    monkeypatch.setattr(CoverAlgorithm, "CHUNK_FEATURES", 20)
    states = world_layer("states_provinces", extent=EXTENT)
    countries = shifted(world_layer("countries", extent=EXTENT), 0.3)
    params = {"INPUT": states, "OVERLAY": countries, "OUTPUT": "memory:"}
    algorithm = QgsApplication.processingRegistry().createAlgorithmById(f"georedis:{name}")
    context, feedback = QgsProcessingContext(), CancellingFeedback()
    result, _ok = algorithm.run(params, context, feedback)
    assert feedback.isCanceled()
    ours = context.getMapLayer(result["OUTPUT"])
    position = {f["fid"]: n for n, f in enumerate(states.getFeatures())}
    written = {position[f["fid"]] for f in ours.getFeatures()}
    assert written
    # the first chunks of the input, whole: native's output for them is ours
    first = world_layer("states_provinces", extent=EXTENT, limit=(max(written) // 20 + 1) * 20)
    native, _ = run(f"native:{name}", {**params, "INPUT": first})
    assert_same_output(ours, native)
    assert ours.featureCount() < run(f"native:{name}", params)[0].featureCount()
