"""Benchmark: georedis:buffer against native:buffer on many points (issue 11, item 5).

Rows: 28,298 points in a memory layer (the size of the issue's airports layer; generated,
deterministic), buffered 0.05°, medians of REPEATS runs in this process; and 1,000,000 points
from a GeoPackage (EPSG:3857, buffered 10 m) to a GeoPackage and to a memory layer, each
variant in its own process so that its peak RSS is its own. ``scale`` (``make bench scale``):
10,000,000 points, GeoPackage to GeoPackage, native and cold, time and peak RSS.

Cold = the bench's private Redis flushed before the run; warm = everything cached. The
generated GeoPackages are kept in DATA_DIR between runs (same seed, same points).
"""

import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

DATA_DIR = Path(tempfile.gettempdir()) / "georedis-bench-data"
AIRPORTS = 28_298
MILLION = 1_000_000
SCALE = 10_000_000
REPEATS = 5
SEED = 11


def points_layer(count: int, seed: int = SEED):
    """A memory layer of ``count`` points with an id, a name and an elevation, like airports."""
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer

    from georedis_plugin.core.compat import FieldType, make_field

    rng = np.random.default_rng(seed)
    xy = np.column_stack([rng.uniform(-180, 180, count), rng.uniform(-60, 75, count)])
    layer = QgsVectorLayer("Point?crs=EPSG:4326", "airports", "memory")
    provider = layer.dataProvider()
    assert provider.addAttributes(
        [
            make_field("id", FieldType.INT),
            make_field("name", FieldType.STRING),
            make_field("elevation", FieldType.DOUBLE),
        ]
    )
    layer.updateFields()
    features = []
    for index, (x, y) in enumerate(xy):
        feature = QgsFeature(layer.fields())
        feature.setAttributes([index, f"AP{index:05d}", float(index % 3000)])
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        features.append(feature)
    assert provider.addFeatures(features)[0]
    layer.updateExtents()
    return layer


def points_gpkg(count: int, seed: int = SEED) -> Path:
    """A GeoPackage of ``count`` points (EPSG:3857, fields id and name), made once by GDAL."""
    from osgeo import gdal

    DATA_DIR.mkdir(exist_ok=True)
    path = DATA_DIR / f"points-{count}-{seed}.gpkg"
    if path.exists():
        return path
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2e7, 2e7, count)
    y = rng.uniform(-1e7, 1e7, count)
    csv = DATA_DIR / f"points-{count}-{seed}.csv"
    with open(csv, "w") as out:
        out.write("id,name,x,y\n")
        for start in range(0, count, 1_000_000):
            stop = min(count, start + 1_000_000)
            ids = np.arange(start, stop)
            lines = [
                f"{i},P{i},{a:.3f},{b:.3f}\n" for i, a, b in zip(ids, x[start:stop], y[start:stop])
            ]
            out.writelines(lines)
    gdal.UseExceptions()
    partial = path.with_suffix(".part.gpkg")
    table = gdal.OpenEx(
        str(csv),
        gdal.OF_VECTOR,
        open_options=[
            "X_POSSIBLE_NAMES=x",
            "Y_POSSIBLE_NAMES=y",
            "KEEP_GEOM_COLUMNS=NO",
            "AUTODETECT_TYPE=YES",
        ],
    )
    gdal.VectorTranslate(
        str(partial),
        table,
        options=gdal.VectorTranslateOptions(
            format="GPKG",
            layerName="points",
            srcSRS="EPSG:3857",
            dstSRS="EPSG:3857",
            geometryType="POINT",
            options=["-gt", "100000"],
        ),
    )
    table = None
    csv.unlink()
    partial.rename(path)
    return path


# -- one variant in its own process ------------------------------------------------------------


def child(variant: str, source: str, output: str, redis_url: str) -> None:
    """Run one variant and print its figures as JSON (``python -m scripts.bench_points``)."""
    from qgis.core import QgsVectorLayer

    from scripts.bench_common import georedis_on, run_algorithm
    from scripts.qgis_headless import start_qgis

    start_qgis()
    layer = QgsVectorLayer(f"{source}|layername=points", "points", "ogr")
    assert layer.isValid(), source
    with georedis_on(redis_url), tempfile.TemporaryDirectory() as workdir:
        sink = str(Path(workdir) / "out.gpkg") if output == "gpkg" else "memory:"
        algorithm = "native:buffer" if variant == "native" else "georedis:buffer"
        seconds, result = run_algorithm(
            algorithm, {"INPUT": layer, "DISTANCE": 10.0, "OUTPUT": sink}
        )
        features = result.get("OUTPUT_FEATURES")
        if features is None:
            features = QgsVectorLayer(sink, "out", "ogr").featureCount()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    figures = {
        "seconds": seconds,
        "peak_mb": peak,
        "features": features,
        "hits": result.get("CACHE_HITS"),
        "misses": result.get("CACHE_MISSES"),
    }
    print("FIGURES " + json.dumps(figures), flush=True)


def in_own_process(variant, source, output, redis_url) -> dict:
    command = [sys.executable, "-m", "scripts.bench_points", variant, str(source), output]
    done = subprocess.run(
        [*command, redis_url], capture_output=True, text=True, check=False, cwd=os.getcwd()
    )
    for line in done.stdout.splitlines():
        if line.startswith("FIGURES "):
            return json.loads(line[len("FIGURES ") :])
    raise RuntimeError(f"{variant} {output} failed:\n{done.stdout[-2000:]}\n{done.stderr[-4000:]}")


def process_rows(client, redis_url, source, output, count, variants=("native", "cold", "warm")):
    rows = {}
    for variant in variants:
        if variant == "cold":
            client.flushdb()  # the bench's own server: nothing else lives there
        rows[variant] = figures = in_own_process(variant, source, output, redis_url)
        assert figures["features"] == count, (variant, figures)
        if variant == "warm":
            assert (figures["hits"], figures["misses"]) == (count, 0), figures
    return rows


def print_process_table(out, title, rows) -> None:
    native = rows["native"]
    print(title + "\n", file=out)
    print("| variant | s | speed-up vs native | peak RSS MB | vs native MB |", file=out)
    print("|---|---:|---:|---:|---:|", file=out)
    for name, figures in rows.items():
        label = "native:buffer" if name == "native" else f"georedis:buffer {name}"
        print(
            f"| {label} | {figures['seconds']:.2f} | {native['seconds'] / figures['seconds']:.2f}x "
            f"| {figures['peak_mb']:.0f} | {figures['peak_mb'] - native['peak_mb']:+.0f} |",
            file=out,
        )
    out.flush()


def memory_rows(client, out) -> None:
    from georedis_plugin.core.config import ConnectionConfig
    from georedis_plugin.core.wkb_cache import clear_cache
    from scripts.bench_common import median, print_table, run_algorithm

    layer = points_layer(AIRPORTS)
    parameters = {"INPUT": layer, "DISTANCE": 0.05, "OUTPUT": "memory:"}
    prefix = ConnectionConfig.from_settings().key_prefix
    run_algorithm("native:buffer", parameters)  # warm-up
    native, cold, warm = [], [], []
    # interleaved, so that a burst of load on the shared machine touches every variant
    for _ in range(REPEATS):
        native.append(run_algorithm("native:buffer", parameters)[0])
        clear_cache(client, prefix)
        seconds, result = run_algorithm("georedis:buffer", parameters)
        assert result["CACHE_MISSES"] == AIRPORTS, result
        cold.append(seconds)
        seconds, result = run_algorithm("georedis:buffer", parameters)
        assert result["CACHE_HITS"] == AIRPORTS, result
        warm.append(seconds)
    clear_cache(client, prefix)
    rows = [
        ("native:buffer", median(native)),
        ("georedis:buffer cold (cache cleared)", median(cold)),
        ("georedis:buffer warm (all cached)", median(warm)),
    ]
    title = (
        f"Buffer 0.05° of {AIRPORTS:,} generated points (an airports-sized layer), memory "
        f"layer in and out, medians of {REPEATS} interleaved runs in one process."
    )
    print_table(out, title, rows, median(native))


def run(redis_url: str, out) -> None:
    from scripts.bench_common import georedis_on

    with georedis_on(redis_url) as client:
        memory_rows(client, out)
        started = time.perf_counter()
        source = points_gpkg(MILLION)
        print(f"\n(1M-point GeoPackage ready in {time.perf_counter() - started:.0f} s)\n", file=out)
        for output, label in (("gpkg", "GeoPackage"), ("memory", "memory layer")):
            rows = process_rows(client, redis_url, source, output, MILLION)
            print_process_table(
                out,
                f"Buffer 10 m of {MILLION:,} points, GeoPackage in, {label} out; one run per "
                "variant, each in its own process (peak RSS of that process).",
                rows,
            )
            print(file=out)
        client.flushdb()


def run_scale(redis_url: str, out) -> None:
    from scripts.bench_common import georedis_on

    with georedis_on(redis_url) as client:
        source = points_gpkg(SCALE)
        rows = process_rows(client, redis_url, source, "gpkg", SCALE, ("native", "cold"))
        print_process_table(
            out,
            f"Buffer 10 m of {SCALE:,} points, GeoPackage in and out; each variant in its own "
            "process (peak RSS of that process).",
            rows,
        )
        client.flushdb()


if __name__ == "__main__":
    child(*sys.argv[1:5])
