"""Several QGIS processes on one Redis at the same moment (issue 6, concurrency).

The processes are real ones (tests/concurrency_worker.py, each its own QgsApplication), started
together on a signal from the test: two runs of the same cached algorithm on a cold cache both
give native's output and leave entries that a third run reads back in full; a geo set reloaded
over and over while another process searches it is never seen half loaded.
"""

import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from qgis.core import (
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsPointXY,
    QgsVectorFileWriter,
    QgsVectorLayer,
)

from georedis_plugin.core.compat import FieldType
from tests import concurrency_worker as worker
from tests.algorithm_runs import run
from tests.conftest import REPO_ROOT
from tests.parity import assert_same_output

GO_KEY = "test:concurrency:go"


def start_worker(tmp_path, *args) -> subprocess.Popen:
    env = dict(os.environ)  # GEOREDIS_URL comes from the redis_url fixture
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    profile.mkdir()
    env.update(
        QGIS_CUSTOM_CONFIG_PATH=str(profile),
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=str(REPO_ROOT),
    )
    return subprocess.Popen(
        [sys.executable, "-m", "tests.concurrency_worker", *map(str, args)],
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def release_together(redis_client, processes, timeout=90.0) -> None:
    """Wait until every process blocks on the go key, then let them all go at once."""
    deadline = time.monotonic() + timeout
    while redis_client.info("clients")["blocked_clients"] < len(processes):
        for process in processes:
            if process.poll() is not None:
                pytest.fail(f"worker ended early: {process.communicate()[1][-3000:]}")
        assert time.monotonic() < deadline, "the workers did not get ready"
        time.sleep(0.05)
    redis_client.lpush(GO_KEY, *["go"] * len(processes))


def outcome(process, timeout=240) -> dict:
    stdout, stderr = process.communicate(timeout=timeout)
    assert process.returncode == 0, stderr[-3000:]
    return json.loads(stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("algorithm", ["georedis:buffer", "georedis:intersection"])
def test_two_processes_running_the_same_cached_algorithm_at_once(
    provider, redis_url, redis_client, tmp_path, algorithm
):
    # GeoJSON: a GeoPackage would renumber fid in output order, which may differ from native
    outputs = [tmp_path / "first.geojson", tmp_path / "second.geojson"]
    processes = [start_worker(tmp_path, "cached", GO_KEY, algorithm, o) for o in outputs]
    release_together(redis_client, processes)
    runs = [outcome(p) for p in processes]
    # both started on a cold cache, so both computed (most of) the work themselves
    assert all(r["misses"] > 0 for r in runs), runs

    native_path = tmp_path / "native.geojson"
    native_id = algorithm.replace("georedis:", "native:")
    native, _ = run(native_id, worker.parameters(native_id, str(native_path)))
    assert native.featureCount() > 100
    for path in outputs:
        assert_same_output(QgsVectorLayer(str(path), path.stem, "ogr"), native)

    # what the two left in Redis is whole: a third run reads every entry back and is correct
    warm, result = run(algorithm, worker.parameters(algorithm, str(tmp_path / "warm.geojson")))
    assert result["CACHE_MISSES"] == 0 and result["CACHE_HITS"] > 0
    assert_same_output(warm, native)


def write_points(path, lons, lats, version: str) -> str:
    layer = QgsVectorLayer("Point?crs=EPSG:4326", "points", "memory")
    assert layer.dataProvider().addAttributes([QgsField("version", FieldType.STRING)])
    layer.updateFields()
    features = []
    for x, y in zip(lons.tolist(), lats.tolist()):
        feature = QgsFeature(layer.fields())
        feature.setAttributes([version])
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        features.append(feature)
    assert layer.dataProvider().addFeatures(features)[0]
    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GeoJSON"
    error, message, *_ = QgsVectorFileWriter.writeAsVectorFormatV3(
        layer, str(path), layer.transformContext(), options
    )
    assert error == QgsVectorFileWriter.WriterError.NoError, message
    return str(path)


def test_a_reload_in_one_process_is_never_half_seen_by_another(redis_url, redis_client, tmp_path):
    from georedis_plugin.core import geoset

    rng = np.random.default_rng(3)
    sizes = {"A": 20_000, "B": 30_000}
    paths = []
    for version, size in sizes.items():
        lons, lats = rng.uniform(-170, 170, size), rng.uniform(-80, 80, size)
        paths.append(write_points(tmp_path / f"{version}.geojson", lons, lats, version))
    # the set exists before the searcher starts (version A)
    first = geoset.load_layer(
        redis_client, "georedis", "shared", QgsVectorLayer(paths[0], "a", "ogr"), "", True
    )
    assert first.loaded == sizes["A"]

    stop_key = "test:concurrency:stop"
    reloader = start_worker(tmp_path, "reload", GO_KEY, "shared", 16, paths[1], paths[0])
    searcher = start_worker(tmp_path, "search", GO_KEY, "shared", stop_key)
    release_together(redis_client, [reloader, searcher])
    reloaded = outcome(reloader)
    redis_client.set(stop_key, 1)
    searches = outcome(searcher)["searches"]

    assert reloaded["loaded"] == [sizes["B"], sizes["A"]] * 8
    allowed = {(size, (version,)) for version, size in sizes.items()}
    seen = [(count, tuple(versions)) for count, versions in searches]
    assert set(seen) <= allowed, sorted(set(seen) - allowed)[:5]
    # the searches really overlapped the reloads: both sets were seen, many times
    assert len(seen) >= 10 and {versions for _, versions in seen} == {("A",), ("B",)}
