"""`make demo`: headless QGIS with GeoRedis against a local (or configured) Redis.

Prints the server and the provider's algorithms; loads the centroids of world_map's states and
provinces into a geo set and saves the points within 600 km of 10°E 52°N as a GeoPackage; then
runs the cached buffer and intersection on world_map.gpkg twice each (cold, then warm) next to
the native algorithms and prints their times. Every result is a GeoPackage under demo-output/
(``--output DIR`` elsewhere; ``--extent xmin,ymin,xmax,ymax`` for a smaller, quicker run).
"""

import argparse
import os
import sys
import time
from pathlib import Path

from scripts.local_redis import local_redis
from scripts.qgis_headless import start_qgis

REPO_ROOT = Path(__file__).resolve().parents[1]
OUTPUT_DIR = REPO_ROOT / "demo-output"
WORLD_MAP = "/usr/share/qgis/resources/data/world_map.gpkg"
GEOSET_KEY = "demo_state_centroids"
SEARCH_CENTER = "10.0,52.0 [EPSG:4326]"
SEARCH_RADIUS_KM = 600.0


def world_layer(name: str, extent=None):
    """A world_map.gpkg layer; with ``extent`` (xmin, ymin, xmax, ymax), the features it touches."""
    from qgis.core import QgsFeatureRequest, QgsRectangle, QgsVectorLayer

    layer = QgsVectorLayer(f"{WORLD_MAP}|layername={name}", name, "ogr")
    if not layer.isValid():
        raise SystemExit(f"{WORLD_MAP} is missing: run `make setup` first.")
    if extent is None:
        return layer
    return layer.materialize(QgsFeatureRequest().setFilterRect(QgsRectangle(*extent)))


def geoset_runs(output_dir: Path, states):
    """Centroids into a geo set, then a radius search saved as a GeoPackage; returns table rows."""
    from qgis import processing

    centroids = processing.run("native:centroids", {"INPUT": states, "OUTPUT": "memory:"})
    seconds, loaded = timed(
        "georedis:loadgeoset",
        {"INPUT": centroids["OUTPUT"], "KEY": GEOSET_KEY, "STORE_ATTRIBUTES": True},
    )
    rows = [
        (
            "georedis:loadgeoset",
            seconds,
            f"{loaded['LOADED']} points into '{GEOSET_KEY}', {loaded['SKIPPED']} skipped",
        )
    ]
    target = output_dir / "geoset-hits.gpkg"
    target.unlink(missing_ok=True)
    seconds, found = timed(
        "georedis:radiussearch",
        {
            "KEY": GEOSET_KEY,
            "CENTER": SEARCH_CENTER,
            "RADIUS": SEARCH_RADIUS_KM,
            "UNIT": 1,  # km
            "OUTPUT": str(target),
        },
    )
    rows.append(
        (
            "georedis:radiussearch",
            seconds,
            f"{found['HITS']} within {SEARCH_RADIUS_KM:.0f} km of {SEARCH_CENTER} -> {target.name}",
        )
    )
    return rows


def timed(algorithm_id, parameters):
    """Seconds and result of a run with the toolbox's default context and settings."""
    from qgis import processing

    started = time.perf_counter()
    result = processing.run(algorithm_id, parameters)
    return time.perf_counter() - started, result


def cached_runs(output_dir: Path, name, algorithm, native_id, parameters):
    """One native run and two GeoRedis runs (cold, warm); returns the table rows."""
    from qgis.core import QgsVectorLayer

    native_target = output_dir / f"{name}-native.gpkg"
    native_target.unlink(missing_ok=True)
    native_seconds, _ = timed(native_id, {**parameters, "OUTPUT": str(native_target)})
    native_count = QgsVectorLayer(str(native_target), name, "ogr").featureCount()
    rows = [(f"{native_id}", native_seconds, f"{native_count} features")]
    for label in ("cold", "warm"):
        target = output_dir / f"{name}-{label}.gpkg"
        target.unlink(missing_ok=True)
        seconds, result = timed(algorithm, {**parameters, "OUTPUT": str(target)})
        count = QgsVectorLayer(str(target), name, "ogr").featureCount()
        cache = f"{result['CACHE_HITS']} hits, {result['CACHE_MISSES']} computed, {count} features"
        rows.append((f"{algorithm} {label}", seconds, cache))
    return rows


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m scripts.demo", description=__doc__)
    parser.add_argument("--output", type=Path, default=OUTPUT_DIR, help="folder for the results")
    parser.add_argument(
        "--extent",
        type=lambda text: tuple(float(v) for v in text.split(",")),
        help="xmin,ymin,xmax,ymax in degrees: only the world_map features touching it",
    )
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    output_dir = args.output
    output_dir.mkdir(parents=True, exist_ok=True)
    with local_redis() as url:
        os.environ["GEOREDIS_URL"] = url
        start_qgis()
        from qgis.core import QgsApplication

        from georedis_plugin.core.connection import ConnectionConfig, check_connection, get_client
        from georedis_plugin.core.wkb_cache import clear_cache
        from georedis_plugin.processing.provider import GeoRedisProvider

        config = ConnectionConfig.from_settings()
        info = check_connection(config)
        print(
            f"Redis {info.version} ({info.mode}) at {config.describe()}, "
            f"round trip {info.round_trip_ms:.2f} ms"
        )
        provider = GeoRedisProvider()
        assert QgsApplication.processingRegistry().addProvider(provider)
        print(f"Processing provider '{provider.id()}' ({provider.name()}) algorithms:")
        for algorithm in sorted(provider.algorithms(), key=lambda a: a.id()):
            print(f"  {algorithm.id():32s} {algorithm.displayName()}")

        deleted = clear_cache(get_client(config), config.key_prefix)
        print(f"\nCleared {deleted} cache entries so the first runs are cold.")
        states = world_layer("states_provinces", args.extent)
        countries = world_layer("countries", args.extent)
        rows = geoset_runs(output_dir, states)
        rows += cached_runs(
            output_dir,
            "buffer",
            "georedis:buffer",
            "native:buffer",
            {"INPUT": states, "DISTANCE": 0.1},
        )
        print("Running native:intersection once (about a minute on the whole world)…")
        rows += cached_runs(
            output_dir,
            "intersection",
            "georedis:intersection",
            "native:intersection",
            {"INPUT": states, "OVERLAY": countries},
        )
        print("\n| run | seconds | result |\n|---|---:|---|")
        for label, seconds, cache in rows:
            print(f"| {label} | {seconds:.2f} | {cache} |")
        print(f"\nOutputs written to {output_dir}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
