"""What the overlay benchmarks (intersection, clip, difference) share: world_map states by
countries from a copy of the GeoPackage, native once, GeoRedis cold and warm, the cache's
memory."""

import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from qgis.core import QgsVectorLayer

from georedis_plugin.core.wkb_cache import cache_statistics, clear_cache
from scripts.bench_common import WORLD_MAP, median, run_algorithm


@contextmanager
def world_map_copy():
    """(states_provinces, countries) of a private copy of world_map.gpkg (editable)."""
    with tempfile.TemporaryDirectory() as workdir:
        copy = Path(workdir) / "world_map.gpkg"
        shutil.copyfile(WORLD_MAP, copy)
        layers = [
            QgsVectorLayer(f"{copy}|layername=states_provinces", "states", "ogr"),
            QgsVectorLayer(f"{copy}|layername=countries", "countries", "ogr"),
        ]
        yield tuple(layers)
        # no layer of this frame is left open on the copy when it is deleted (a run once
        # printed sqlite's "unable to open database file" for the countries layer)
        layers.clear()


@dataclass
class OverlayRuns:
    native: float
    native_count: int
    computed: int  # cache misses of a cold run: the values a warm run reads
    memory: dict
    cold: list = field(default_factory=list)
    warm: list = field(default_factory=list)


def cold_and_warm(client, prefix, name, parameters, repeats) -> OverlayRuns:
    """native:``name`` once, then georedis:``name`` ``repeats`` times cold (cache cleared
    first) and ``repeats`` times warm, each checked against native's feature count."""
    native, result = run_algorithm(f"native:{name}", parameters)
    native_count = result["OUTPUT_FEATURES"]
    cold = []
    for _ in range(repeats):
        clear_cache(client, prefix)
        seconds, result = run_algorithm(f"georedis:{name}", parameters)
        assert result["CACHE_HITS"] == 0, result
        assert result["OUTPUT_FEATURES"] == native_count, (result, native_count)
        cold.append(seconds)
    runs = OverlayRuns(
        native, native_count, result["CACHE_MISSES"], cache_statistics(client, prefix), cold
    )
    for _ in range(repeats):
        seconds, result = run_algorithm(f"georedis:{name}", parameters)
        assert (result["CACHE_HITS"], result["CACHE_MISSES"]) == (runs.computed, 0), result
        assert result["OUTPUT_FEATURES"] == native_count, (result, native_count)
        runs.warm.append(seconds)
    return runs


def rows(name, runs: OverlayRuns) -> list:
    return [
        (f"native:{name} (1 run)", runs.native),
        (f"georedis:{name} cold (cache cleared)", median(runs.cold)),
        (f"georedis:{name} warm (all cached)", median(runs.warm)),
    ]


def print_memory(out, runs: OverlayRuns, what: str) -> None:
    memory = runs.memory
    print(
        f"\nRedis memory used by the cache: {memory['memory_bytes'] / 1e6:.1f} MB for "
        f"{memory['entries']} entries ({what}, candidate lists, validity flags).\n",
        file=out,
        flush=True,
    )
