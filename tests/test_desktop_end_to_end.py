"""Real QGIS desktop under Xvfb, used like a user would: one session for the whole journey.

A project with the world's countries and the centroids of states and provinces; the GeoRedis
dock loads the centroids into a geo set and searches around a typed centre (checked against a
brute-force geodesic on WGS 84); the cached buffer runs from processing.run (checked
against native:buffer) and the shipped model runs from the graphical modeler. Screenshots go
to artifacts/desktop/. With GEOREDIS_SCREENSHOTS=<dir> (``make screenshots``) the README's
screenshots are written there too.
"""

import json
import os
import shutil
import warnings
from pathlib import Path

import pytest
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFillSymbol,
    QgsMarkerSymbol,
    QgsProject,
    QgsVectorLayer,
)
from qgis.PyQt.QtGui import QColor

from georedis_plugin.core import geoset
from tests.conftest import REPO_ROOT, WORLD_MAP
from tests.desktop_session import run_qgis_with_script

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # pyproj warns when it finds no proj.db; Geod needs none
    from pyproj import Geod

GEOD = Geod(ellps="WGS84")

pytestmark = [
    pytest.mark.desktop,
    pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb missing: run make setup"),
]

# The map is in ETRS89-LAEA Europe, whose origin (4321000, 3210000) is 10°E 52°N: the centre a
# user types is that round pair, near Hanover.
CENTER_LON, CENTER_LAT = 10.0, 52.0
SEARCH = {
    "key": "state_centroids",
    "x_typed": "4321000",
    "y_typed": "3210000",
    "radius_typed": "600",
    "unit": "km",
    "buffer_distance": 0.3,
}
RADIUS_M = 600_000.0
# Redis stores coordinates as 52-bit geohashes (~0.6 m at worst): points closer to the circle
# than this may fall either side of it.
EDGE_M = 2.0


def geodesic_m(lon1, lat1, lon2, lat2):
    """Distance on the WGS 84 ellipsoid, as the search measures it (pyproj's Geod)."""
    _, _, distance = GEOD.inv(lon1, lat1, lon2, lat2)
    return distance


def build_project(folder: Path, qgis_processing) -> tuple[Path, dict]:
    """Centroids of world_map's states written to a GeoPackage, and a project showing them.

    Returns the project file and each centroid's distance from the centre, by feature id.
    """
    from qgis import processing

    centroids = folder / "state_centroids.gpkg"
    processing.run(
        "native:centroids",
        {"INPUT": f"{WORLD_MAP}|layername=states_provinces", "OUTPUT": str(centroids)},
    )
    points = QgsVectorLayer(str(centroids), "State centroids", "ogr")
    assert points.isValid() and points.featureCount() > 4000
    distances = {}
    for feature in points.getFeatures():
        point = feature.geometry().asPoint()
        distances[str(feature.id())] = geodesic_m(CENTER_LON, CENTER_LAT, point.x(), point.y())
    points.renderer().setSymbol(
        QgsMarkerSymbol.createSimple(
            {"name": "circle", "color": "60,60,70", "size": "1.2", "outline_style": "no"}
        )
    )
    countries = QgsVectorLayer(f"{WORLD_MAP}|layername=countries", "Countries", "ogr")
    countries.renderer().setSymbol(
        QgsFillSymbol.createSimple(
            {"color": "236,233,222", "outline_color": "170,165,150", "outline_width": "0.2"}
        )
    )
    project = QgsProject()
    project.setCrs(QgsCoordinateReferenceSystem("EPSG:3035"))
    project.setBackgroundColor(QColor(200, 222, 236))
    # the first one is drawn on top
    assert len(project.addMapLayers([points, countries])) == 2
    path = folder / "georedis-e2e.qgz"
    assert project.write(str(path))
    return path, distances


def test_desktop_geoset_search_buffer_and_model(
    tmp_path, qgis_processing, redis_server, redis_url, redis_client
):
    out = REPO_ROOT / "artifacts" / "desktop" / "end-to-end"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    project, distances = build_project(tmp_path, qgis_processing)
    env = {
        "GEOREDIS_E2E_OUT": str(out),
        "GEOREDIS_E2E_PROJECT": str(project),
        "GEOREDIS_E2E_SEARCH": json.dumps(SEARCH),
        "GEOREDIS_URL": redis_url,
    }
    if os.environ.get("GEOREDIS_SCREENSHOTS"):
        shots = Path(os.environ["GEOREDIS_SCREENSHOTS"]).resolve()
        shots.mkdir(parents=True, exist_ok=True)
        env["GEOREDIS_E2E_SHOTS"] = str(shots)
    script = REPO_ROOT / "tests" / "desktop" / "end_to_end_startup.py"
    process = run_qgis_with_script(script, tmp_path, env, timeout=300)
    result_file = out / "result.json"
    assert result_file.exists(), process.stderr[-3000:]
    result = json.loads(result_file.read_text())
    assert "error" not in result, result["error"]

    # the dock: the load ran in the background, the set is listed with every centroid
    assert result["load_started"] and result["load_button_disabled_while_loading"]
    assert result["sets_listed"] == [f"state_centroids — {len(distances)} points"]
    assert redis_client.zcard("georedis:geo:{state_centroids}") == len(distances)
    assert result["map_crs"] == "EPSG:3035"
    assert result["typed"] == [4321000.0, 3210000.0, 600.0]

    # the hits: what a brute-force geodesic finds, in a layer of the layer tree
    hits = result["hit_layer"]
    inside = {fid for fid, d in distances.items() if d <= RADIUS_M - EDGE_M}
    near_edge = {fid for fid, d in distances.items() if abs(d - RADIUS_M) < EDGE_M}
    assert inside <= set(hits["members"]) <= inside | near_edge
    assert hits["count"] == len(hits["members"]) > 50
    assert hits["in_layer_tree"] and hits["visible"]
    assert {"member", "distance", "name", "admin"} <= set(hits["fields"])
    assert result["status"].startswith(f"{hits['count']} hits in 'state_centroids'")
    assert result["circle"]["visible"] and result["circle"]["vertices"] >= 90

    # then the 8 nearest around one of those hits (a member of the set), circled
    around = result["nearest_around"]
    nearest = geoset.GeoSet(redis_client, "georedis", "state_centroids").search(
        geoset.Nearest(geoset.Member(around)), "km", 8
    )
    assert result["nearest"]["members"] == nearest.members and nearest.members[0] == around
    assert result["nearest"]["in_layer_tree"] and result["nearest"]["circle_vertices"] >= 90

    # the cached buffer from processing.run: cold computes, warm reads, both equal native's
    cold, warm = result["buffer"]
    assert cold == {
        "count": hits["count"],
        "hits": 0,
        "misses": hits["count"],
        "same_as_native": True,
    }
    assert warm == {
        "count": hits["count"],
        "hits": hits["count"],
        "misses": 0,
        "same_as_native": True,
    }

    # the model, run from the graphical modeler: native's buffer-then-intersect count, with
    # its buffer step read from the cache the toolbox run filled
    modeler = result["modeler"]
    assert modeler["children"] == ["georedis:buffer", "georedis:intersection"]
    assert {"input", "overlay", "distance"} <= set(modeler["inputs"])
    assert result["model_run"]["count"] == result["native_chain_count"] > 0
    last_runs = [json.loads(r) for r in redis_client.lrange("georedis:cache-runs", 0, 1)]
    by_algorithm = {r["algorithm"]: r for r in last_runs}
    assert by_algorithm["georedis:buffer"]["misses"] == 0
    assert by_algorithm["georedis:buffer"]["hits"] == hits["count"]
    assert by_algorithm["georedis:intersection"]["misses"] > 0

    for name in ("dock.png", "map.png", "qgis-window.png", "modeler.png", "screen.png"):
        assert (out / name).stat().st_size > 10_000, name
