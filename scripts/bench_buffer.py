"""Benchmark: georedis:buffer against native:buffer on world_map ``states_provinces``.

Cold = cache cleared before each run, warm = everything cached, edited = 1% of the features
changed since the last run (a different 1% each time). All variants read the same in-memory
copy of the layer and write to a memory layer, so only the buffering and the cache differ.
"""

import os
import statistics
import time

import redis
from qgis.core import (
    QgsApplication,
    QgsFeatureRequest,
    QgsGeometry,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsVectorLayer,
)

from georedis_plugin.core import connection
from georedis_plugin.core.wkb_cache import cache_statistics, clear_cache

WORLD_MAP = "/usr/share/qgis/resources/data/world_map.gpkg"
LAYER = "states_provinces"
DISTANCE = 0.1
REPEATS = 5
EDITED_SHARE = 0.01


def _run(algorithm_id: str, parameters: dict) -> tuple:
    """(seconds, result) of one in-process run, as the Processing toolbox would do it."""
    algorithm = QgsApplication.processingRegistry().createAlgorithmById(algorithm_id)
    context = QgsProcessingContext()
    feedback = QgsProcessingFeedback()
    started = time.perf_counter()
    result, ok = algorithm.run(parameters, context, feedback)
    seconds = time.perf_counter() - started
    assert ok, f"{algorithm_id} failed"
    return seconds, result


def _median(samples) -> float:
    return statistics.median(samples)


def _edit_share(layer, round_number: int) -> int:
    """Move a different 1% of the features by a tiny offset; returns how many were edited."""
    features = list(layer.getFeatures())
    step = max(1, round(1 / EDITED_SHARE))
    changes = {}
    for feature in features[round_number % step :: step]:
        geometry = QgsGeometry(feature.geometry())
        geometry.translate(1e-7 * (round_number + 1), 0)
        changes[feature.id()] = geometry
    assert layer.dataProvider().changeGeometryValues(changes)
    return len(changes)


def run(redis_url: str, out) -> None:
    from georedis_plugin.processing.provider import GeoRedisProvider

    registry = QgsApplication.processingRegistry()
    provider = None
    if registry.providerById("georedis") is None:
        provider = GeoRedisProvider()
        registry.addProvider(provider)
    previous_url = os.environ.get(connection.ENV_URL)
    os.environ[connection.ENV_URL] = redis_url
    connection.reset_clients()
    client = redis.Redis.from_url(redis_url)
    try:
        source = QgsVectorLayer(f"{WORLD_MAP}|layername={LAYER}", LAYER, "ogr")
        assert source.isValid(), f"{WORLD_MAP} is missing: run make setup"
        layer = source.materialize(QgsFeatureRequest())
        count = layer.featureCount()
        parameters = {"INPUT": layer, "DISTANCE": DISTANCE, "OUTPUT": "memory:"}
        prefix = connection.ConnectionConfig.from_settings().key_prefix

        # warm-up: imports, first GEOS calls, and a first native run
        _run("native:buffer", parameters)
        native = [_run("native:buffer", parameters)[0] for _ in range(REPEATS)]

        cold = []
        for _ in range(REPEATS):
            clear_cache(client, prefix)
            seconds, result = _run("georedis:buffer", parameters)
            assert result["CACHE_MISSES"] == count, result
            cold.append(seconds)
        memory = cache_statistics(client, prefix)

        warm = []
        for _ in range(REPEATS):
            seconds, result = _run("georedis:buffer", parameters)
            assert result["CACHE_HITS"] == count, result
            warm.append(seconds)

        edited = []
        edited_count = 0
        for round_number in range(REPEATS):
            edited_count = _edit_share(layer, round_number)
            seconds, result = _run("georedis:buffer", parameters)
            assert result["CACHE_MISSES"] == edited_count, result
            edited.append(seconds)
        clear_cache(client, prefix)
    finally:
        client.close()
        if previous_url is None:
            os.environ.pop(connection.ENV_URL, None)
        else:
            os.environ[connection.ENV_URL] = previous_url
        connection.reset_clients()
        if provider is not None:
            registry.removeProvider(provider)

    native_median = _median(native)
    rows = [
        ("native:buffer", native_median),
        ("georedis:buffer cold (cache cleared)", _median(cold)),
        ("georedis:buffer warm (all cached)", _median(warm)),
        (f"georedis:buffer after editing {edited_count} features (1%)", _median(edited)),
    ]
    print(
        f"Buffer {DISTANCE} of world_map `{LAYER}` ({count} features), median of {REPEATS} "
        "runs, memory layer in and out.\n",
        file=out,
    )
    print("| variant | median s | speed-up vs native |", file=out)
    print("|---|---:|---:|", file=out)
    for name, seconds in rows:
        print(f"| {name} | {seconds:.3f} | {native_median / seconds:.2f}x |", file=out)
    print(
        f"\nRedis memory used by the cache: {memory['memory_bytes'] / 1e6:.1f} MB "
        f"for {memory['entries']} entries (MEMORY USAGE summed over the keys).",
        file=out,
        flush=True,
    )
