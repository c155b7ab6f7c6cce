"""A second QGIS process for tests/test_concurrency.py: ``python -m tests.concurrency_worker``.

Every mode waits for the test's go signal (``BLPOP <go key>``) so that the processes start
their work at the same moment, then prints one JSON line with what it did. The Redis server is
the one in ``GEOREDIS_URL``, read by the plugin itself.

Modes:
- ``cached ALGORITHM OUTPUT``: run georedis:buffer or georedis:intersection on the world_map
  subset of ``INPUTS`` and write the result to the file ``OUTPUT``.
- ``reload NAME ROUNDS POINTS_A POINTS_B``: reload the geo set NAME ROUNDS times, alternating
  between two point files (GeoJSON written by the test), with their attributes.
- ``search NAME STOP_KEY``: radius searches covering the whole world until STOP_KEY exists,
  recording each search's hit count and the ``version`` attributes its hits carry.
"""

import json
import os
import sys

from scripts.qgis_headless import start_qgis

# The world_map subsets the cached algorithms run on (and the test compares with native).
EXTENT = (0.0, 40.0, 20.0, 55.0)
BUFFER_DISTANCE = 0.1


def inputs():
    from tests.layers import world_layer

    return (
        world_layer("states_provinces", extent=EXTENT),
        world_layer("countries", extent=EXTENT),
    )


def parameters(algorithm: str, output: str) -> dict:
    states, countries = inputs()
    if algorithm.endswith("buffer"):
        return {"INPUT": states, "DISTANCE": BUFFER_DISTANCE, "OUTPUT": output}
    return {"INPUT": states, "OVERLAY": countries, "OUTPUT": output}


def wait_for_go(client, go_key: str) -> None:
    if client.blpop([go_key], timeout=120) is None:
        raise SystemExit("no go signal within 120 s")


def run_cached(client, go_key: str, algorithm: str, output: str) -> dict:
    from qgis import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback

    params = parameters(algorithm, output)
    wait_for_go(client, go_key)
    result = processing.run(
        algorithm, params, context=QgsProcessingContext(), feedback=QgsProcessingFeedback()
    )
    return {"hits": result["CACHE_HITS"], "misses": result["CACHE_MISSES"]}


def run_reload(client, go_key: str, name: str, rounds: int, *paths: str) -> dict:
    from qgis.core import QgsVectorLayer

    from georedis_plugin.core import geoset
    from georedis_plugin.core.connection import ConnectionConfig, get_client

    config = ConnectionConfig.from_settings()
    layers = [QgsVectorLayer(path, "points", "ogr") for path in paths]
    assert all(layer.isValid() for layer in layers)
    wait_for_go(client, go_key)
    loaded = []
    for index in range(rounds):
        result = geoset.load_layer(
            get_client(config),
            config.key_prefix,
            name,
            layers[index % len(layers)],
            store_attributes=True,
        )
        loaded.append(result.loaded)
    return {"loaded": loaded}


def run_search(client, go_key: str, name: str, stop_key: str) -> dict:
    from georedis_plugin.core import geoset
    from georedis_plugin.core.connection import ConnectionConfig, get_client

    config = ConnectionConfig.from_settings()
    gs = geoset.GeoSet(get_client(config), config.key_prefix, name)
    wait_for_go(client, go_key)
    searches = []
    while not client.exists(stop_key):
        result = gs.radius(0.0, 0.0, 25_000, "km")  # half the circumference: everything
        versions = sorted({row[0] for row in geoset.decode_rows(result.fields, result.rows)})
        searches.append([len(result), versions])
    return {"searches": searches}


def main(argv) -> int:
    import redis

    start_qgis()
    from qgis.core import QgsApplication

    from georedis_plugin.processing.provider import GeoRedisProvider

    provider = GeoRedisProvider()
    assert QgsApplication.processingRegistry().addProvider(provider)
    client = redis.Redis.from_url(os.environ["GEOREDIS_URL"])
    mode, go_key, *args = argv
    if mode == "cached":
        outcome = run_cached(client, go_key, *args)
    elif mode == "reload":
        outcome = run_reload(client, go_key, args[0], int(args[1]), *args[2:])
    elif mode == "search":
        outcome = run_search(client, go_key, *args)
    else:
        raise SystemExit(f"unknown mode {mode}")
    print(json.dumps(outcome), flush=True)
    QgsApplication.processingRegistry().removeProvider(provider)  # noqa: QGS202 False only if already removed
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
