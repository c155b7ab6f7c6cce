"""Shared pieces of the benchmarks: running an algorithm in process, medians, the test Redis."""

import contextlib
import os
import statistics
import time

import redis
from qgis.core import (
    Qgis,
    QgsApplication,
    QgsFeatureRequest,
    QgsGeometry,
    QgsProcessingFeedback,
    QgsVectorLayer,
)

from georedis_plugin.core.clients import reset_clients
from georedis_plugin.core.config import ENV_URL

WORLD_MAP = "/usr/share/qgis/resources/data/world_map.gpkg"


def run_algorithm(algorithm_id: str, parameters: dict) -> tuple:
    """(seconds, result) of one in-process run, as the Processing toolbox would do it.

    The context is the toolbox's own (processing.tools.dataobjects.createContext), so the
    invalid-features setting is QGIS's default: stop at an invalid geometry, which means
    every geometry is checked.
    """
    from processing.tools.dataobjects import createContext

    algorithm = QgsApplication.processingRegistry().createAlgorithmById(algorithm_id)
    feedback = QgsProcessingFeedback()
    context = createContext(feedback)
    started = time.perf_counter()
    result, ok = algorithm.run(parameters, context, feedback)
    seconds = time.perf_counter() - started
    assert ok, f"{algorithm_id} failed"
    output = context.getMapLayer(result.get("OUTPUT", ""))
    if output is not None:
        result["OUTPUT_FEATURES"] = output.featureCount()
    return seconds, result


def median(samples) -> float:
    return statistics.median(samples)


def world_layer(name: str):
    """An in-memory copy of a world_map.gpkg layer."""
    source = QgsVectorLayer(f"{WORLD_MAP}|layername={name}", name, "ogr")
    assert source.isValid(), f"{WORLD_MAP} is missing: run make setup"
    return source.materialize(QgsFeatureRequest())


def edit_share(layer, round_number: int, share: float) -> int:
    """Move a different ``share`` of the features by a tiny offset; returns how many."""
    step = max(1, round(1 / share))
    changes = {}
    for feature in list(layer.getFeatures())[round_number % step :: step]:
        geometry = QgsGeometry(feature.geometry())
        moved = geometry.translate(1e-7 * (round_number + 1), 0)
        assert moved == Qgis.GeometryOperationResult.Success
        changes[feature.id()] = geometry
    assert layer.dataProvider().changeGeometryValues(changes)
    return len(changes)


@contextlib.contextmanager
def georedis_on(redis_url: str):
    """The GeoRedis provider registered and pointed at ``redis_url``; yields a raw client."""
    from georedis_plugin.processing.provider import GeoRedisProvider

    registry = QgsApplication.processingRegistry()
    provider = None
    if registry.providerById("georedis") is None:
        provider = GeoRedisProvider()
        assert registry.addProvider(provider)
    previous_url = os.environ.get(ENV_URL)
    os.environ[ENV_URL] = redis_url
    reset_clients()
    client = redis.Redis.from_url(redis_url)
    try:
        yield client
    finally:
        client.close()
        if previous_url is None:
            os.environ.pop(ENV_URL, None)
        else:
            os.environ[ENV_URL] = previous_url
        reset_clients()
        if provider is not None:
            registry.removeProvider(provider)  # noqa: QGS202 False only if already removed


def print_table(out, title: str, rows, baseline: float) -> None:
    print(title + "\n", file=out)
    print("| variant | median s | speed-up vs native |", file=out)
    print("|---|---:|---:|", file=out)
    for name, seconds in rows:
        print(f"| {name} | {seconds:.3f} | {baseline / seconds:.1f}x |", file=out)
    out.flush()


def server_version(url: str) -> str:
    """``Redis 8.0.2`` or ``Valkey 8.1.1``: Valkey's INFO keeps redis_version at 7.2.4."""
    with redis.Redis.from_url(url) as client:
        info = client.info("server")
    if "valkey_version" in info:
        return f"Valkey {info['valkey_version']}"
    return f"Redis {info['redis_version']}"
