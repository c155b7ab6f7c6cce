"""`make demo`'s code path (scripts.demo), run on a small extent against the test's redis-server."""

import os
import subprocess
import sys

from qgis.core import QgsVectorLayer

from tests.conftest import REPO_ROOT
from tests.layers import world_layer
from tests.test_desktop_end_to_end import geodesic_m

EXTENT = (5, 45, 12, 50)
EDGE_M = 2.0  # Redis's 52-bit geohashes move a point by well under this


def test_demo_writes_its_geopackages_and_prints_the_timings(
    tmp_path, qgis_processing, redis_url, redis_client
):
    from qgis import processing

    env = dict(os.environ, GEOREDIS_URL=redis_url)
    process = subprocess.run(
        [sys.executable, "-m", "scripts.demo", "--output", str(tmp_path), "--extent", "5,45,12,50"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert process.returncode == 0, process.stderr[-3000:]
    assert "| run | seconds | result |" in process.stdout

    states = world_layer("states_provinces", extent=EXTENT)
    countries = world_layer("countries", extent=EXTENT)

    def count(name):
        layer = QgsVectorLayer(str(tmp_path / f"{name}.gpkg"), name, "ogr")
        assert layer.isValid(), name
        return layer.featureCount()

    # the geo set holds every centroid; the hits are those a brute-force geodesic finds
    assert redis_client.zcard("georedis:geo:{demo_state_centroids}") == states.featureCount()
    centroids = processing.run("native:centroids", {"INPUT": states, "OUTPUT": "memory:"})
    distances = [
        geodesic_m(10.0, 52.0, f.geometry().asPoint().x(), f.geometry().asPoint().y())
        for f in centroids["OUTPUT"].getFeatures()
    ]
    inside = sum(d <= 600_000 - EDGE_M for d in distances)
    near_edge = sum(abs(d - 600_000) < EDGE_M for d in distances)
    assert inside <= count("geoset-hits") <= inside + near_edge
    assert inside > 10

    # the cached runs give native's feature counts, cold and warm
    buffered = processing.run(
        "native:buffer", {"INPUT": states, "DISTANCE": 0.1, "OUTPUT": "memory:"}
    )
    intersected = processing.run(
        "native:intersection", {"INPUT": states, "OVERLAY": countries, "OUTPUT": "memory:"}
    )
    for label in ("native", "cold", "warm"):
        assert count(f"buffer-{label}") == buffered["OUTPUT"].featureCount()
        assert count(f"intersection-{label}") == intersected["OUTPUT"].featureCount()
    warm_rows = [line for line in process.stdout.splitlines() if " warm |" in line]
    assert len(warm_rows) == 2 and all(", 0 computed," in row for row in warm_rows)
