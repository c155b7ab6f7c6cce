"""`make demo`: headless QGIS with GeoRedis against a local (or configured) Redis.

Prints the server and the provider's algorithms, then runs the cached buffer and intersection
on world_map.gpkg twice each (cold, then warm) next to the native algorithms, and writes the
results as GeoPackages under demo-output/.
"""

import os
import sys
import time
from pathlib import Path

from scripts.local_redis import local_redis
from scripts.qgis_headless import start_qgis

REPO_ROOT = Path(__file__).resolve().parents[1]
OUTPUT_DIR = REPO_ROOT / "demo-output"
WORLD_MAP = "/usr/share/qgis/resources/data/world_map.gpkg"


def timed(algorithm_id, parameters):
    """Seconds and result of a run with the toolbox's default context and settings."""
    import processing

    started = time.perf_counter()
    result = processing.run(algorithm_id, parameters)
    return time.perf_counter() - started, result


def cached_runs(name, algorithm, native_id, parameters):
    """One native run and two GeoRedis runs (cold, warm); returns the table rows."""
    from qgis.core import QgsVectorLayer

    native_target = OUTPUT_DIR / f"{name}-native.gpkg"
    native_target.unlink(missing_ok=True)
    native_seconds, _ = timed(native_id, {**parameters, "OUTPUT": str(native_target)})
    native_count = QgsVectorLayer(str(native_target), name, "ogr").featureCount()
    rows = [(f"{native_id}", native_seconds, f"{native_count} features")]
    for label in ("cold", "warm"):
        target = OUTPUT_DIR / f"{name}-{label}.gpkg"
        target.unlink(missing_ok=True)
        seconds, result = timed(algorithm, {**parameters, "OUTPUT": str(target)})
        count = QgsVectorLayer(str(target), name, "ogr").featureCount()
        cache = f"{result['CACHE_HITS']} hits, {result['CACHE_MISSES']} computed, {count} features"
        rows.append((f"{algorithm} {label}", seconds, cache))
    return rows


def main() -> int:
    OUTPUT_DIR.mkdir(exist_ok=True)
    with local_redis() as url:
        os.environ["GEOREDIS_URL"] = url
        start_qgis()
        from qgis.core import QgsApplication, QgsVectorLayer

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
        QgsApplication.processingRegistry().addProvider(provider)
        print(f"Processing provider '{provider.id()}' ({provider.name()}) algorithms:")
        for algorithm in sorted(provider.algorithms(), key=lambda a: a.id()):
            print(f"  {algorithm.id():32s} {algorithm.displayName()}")

        deleted = clear_cache(get_client(config), config.key_prefix)
        print(f"\nCleared {deleted} cache entries so the first runs are cold.")
        states = QgsVectorLayer(f"{WORLD_MAP}|layername=states_provinces", "states", "ogr")
        countries = QgsVectorLayer(f"{WORLD_MAP}|layername=countries", "countries", "ogr")
        rows = cached_runs(
            "buffer", "georedis:buffer", "native:buffer", {"INPUT": states, "DISTANCE": 0.1}
        )
        print("Running native:intersection once (about a minute on this GeoPackage)…")
        rows += cached_runs(
            "intersection",
            "georedis:intersection",
            "native:intersection",
            {"INPUT": states, "OVERLAY": countries},
        )
        print("\n| run | seconds | cache |\n|---|---:|---|")
        for label, seconds, cache in rows:
            print(f"| {label} | {seconds:.2f} | {cache} |")
        print(f"\nOutputs written to {OUTPUT_DIR}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
