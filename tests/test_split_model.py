"""The second example model: split a layer by an overlay, clip and difference through the cache."""

import json

from qgis.core import QgsApplication

from tests.algorithm_runs import run
from tests.layers import world_layer
from tests.parity import assert_same_output

MODEL_ID = "georedis:Split by overlay (cached)"
OUTPUTS = {"clip:inside": "native:clip", "difference:outside": "native:difference"}


def test_the_model_is_in_the_toolbox_with_its_inputs(provider):
    model = QgsApplication.processingRegistry().algorithmById(MODEL_ID)
    assert model is not None
    assert model.group() == "GeoRedis models"
    assert {p.name() for p in model.parameterDefinitions()} == {"input", "overlay", *OUTPUTS}
    assert "Redis" in model.shortHelpString()
    assert model.validate() == (True, [])


def test_second_run_is_served_from_the_cache_and_matches_native(provider, redis_url, redis_client):
    from qgis import processing

    states = world_layer("states_provinces", extent=(5, 45, 12, 50))
    countries = processing.run(
        "native:translategeometry",
        {"INPUT": world_layer("countries", extent=(5, 45, 12, 50)), "DELTA_X": 0.3,
         "OUTPUT": "memory:"},
    )["OUTPUT"]  # fmt: skip
    params = {"input": states, "overlay": countries, **{name: "memory:" for name in OUTPUTS}}
    runs = []
    for _ in range(2):
        result = processing.run(MODEL_ID, params)
        runs.append([json.loads(r) for r in redis_client.lrange("georedis:cache-runs", 0, 1)])
    cold, warm = runs
    assert {r["algorithm"] for r in cold} == {"georedis:clip", "georedis:difference"}
    assert all(r["hits"] == 0 and r["misses"] > 0 for r in cold)
    assert all(r["misses"] == 0 and r["hits"] > 0 for r in warm)
    for name, native_id in OUTPUTS.items():
        native, _ = run(native_id, {"INPUT": states, "OVERLAY": countries, "OUTPUT": "memory:"})
        assert native.featureCount() > 0
        assert_same_output(result[name], native)
