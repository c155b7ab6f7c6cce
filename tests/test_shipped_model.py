"""The example model shipped with the provider: buffer then intersect, both through the cache."""

import json

from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingFeedback

from tests.algorithm_runs import run
from tests.layers import world_layer
from tests.parity import assert_same_output

MODEL_ID = "georedis:Buffer then intersect (cached)"


def test_the_model_is_in_the_toolbox_with_its_inputs(provider):
    model = QgsApplication.processingRegistry().algorithmById(MODEL_ID)
    assert model is not None
    assert model.group() == "GeoRedis models"
    names = {p.name() for p in model.parameterDefinitions()}
    assert {"input", "overlay", "distance", "intersection:result"} <= names
    assert "Redis" in model.shortHelpString()


def test_second_run_is_served_from_the_cache_and_matches_native(provider, redis_url, redis_client):
    states = world_layer("states_provinces", extent=(5, 45, 12, 50))
    countries = world_layer("countries", extent=(5, 45, 12, 50))
    params = {
        "input": states,
        "overlay": countries,
        "distance": 0.05,
        "intersection:result": "memory:",
    }
    runs = []
    for _ in range(2):
        output, _ = run(MODEL_ID, params, result_key="intersection:result")
        runs.append([json.loads(r) for r in redis_client.lrange("georedis:cache-runs", 0, 1)])
    cold, warm = runs
    assert {r["algorithm"] for r in cold} == {"georedis:buffer", "georedis:intersection"}
    assert all(r["hits"] == 0 for r in cold)
    assert all(r["misses"] == 0 and r["hits"] > 0 for r in warm)
    buffered, _ = run("native:buffer", {"INPUT": states, "DISTANCE": 0.05, "OUTPUT": "memory:"})
    native, _ = run(
        "native:intersection", {"INPUT": buffered, "OVERLAY": countries, "OUTPUT": "memory:"}
    )
    assert_same_output(output, native)


def test_model_file_is_what_the_provider_loads(provider):
    from georedis_plugin.processing.provider import MODELS_DIR

    assert (MODELS_DIR / "buffer_then_intersect.model3").exists()
    context, feedback = QgsProcessingContext(), QgsProcessingFeedback()
    model = QgsApplication.processingRegistry().createAlgorithmById(MODEL_ID)
    assert model.checkParameterValues({}, context)[0] is False  # inputs are required
    assert feedback.isCanceled() is False


def test_refreshing_the_provider_keeps_the_model_complete(provider):
    provider.refreshAlgorithms()
    model = QgsApplication.processingRegistry().algorithmById(MODEL_ID)
    assert "intersection:result" in {p.name() for p in model.parameterDefinitions()}


def test_the_graphical_modeler_finds_no_issue_in_the_model(provider):
    # the modeler asks "This model is not valid ... run it anyway?" for any child parameter
    # without a source, even one with a default: every parameter has one
    model = QgsApplication.processingRegistry().algorithmById(MODEL_ID)
    assert model.validate() == (True, [])
