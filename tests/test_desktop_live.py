"""Real QGIS desktop under Xvfb following a simulated fleet over world_map, with a fence.

The test process runs scripts/fleet.py's fleet (VEHICLES at 1 Hz) and, once the fleet is on
the map, a scripted bus driving through the fence (France); QGIS runs
tests/desktop/live_startup.py, which drives the Live panel like a user. Screenshots go to
artifacts/desktop/live/ (and, with GEOREDIS_SCREENSHOTS=<dir>, georedis-live.png there).
"""

import json
import os
import shutil
import threading
import time
from pathlib import Path

import pytest
import redis
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeatureRequest,
    QgsFillSymbol,
    QgsProject,
    QgsVectorLayer,
)
from qgis.PyQt.QtGui import QColor

from georedis_plugin.core.live.keys import LiveKeys
from scripts import fleet
from tests.conftest import REPO_ROOT, WORLD_MAP
from tests.desktop_session import run_qgis_with_script

pytestmark = [
    pytest.mark.desktop,
    pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb missing: run make setup"),
]

VEHICLES = 400
EXTENT = (-5.0, 42.0, 12.0, 52.0)
LIVE = {"vehicles": VEHICLES, "ttl": 60, "extent": EXTENT, "follow_ms": 6000, "bus": "bus 42"}
BUS_ROUTE = [(-3.5, 47.0), (-1.0, 47.0), (2.0, 47.0), (6.0, 47.0), (8.5, 47.0)]  # into France


def build_project(folder: Path) -> Path:
    countries = QgsVectorLayer(f"{WORLD_MAP}|layername=countries", "Countries", "ogr")
    countries.renderer().setSymbol(
        QgsFillSymbol.createSimple(
            {"color": "236,233,222", "outline_color": "170,165,150", "outline_width": "0.2"}
        )
    )
    source = QgsVectorLayer(f"{WORLD_MAP}|layername=countries", "countries", "ogr")
    fence = source.materialize(QgsFeatureRequest().setFilterExpression("\"name\" = 'France'"))
    fence.setName("Fence")
    fence.setDisplayExpression('"name"')
    fence.renderer().setSymbol(
        QgsFillSymbol.createSimple(
            {"color": "40,120,200,60", "outline_color": "40,120,200", "outline_width": "0.6"}
        )
    )
    fence_file = folder / "fence.gpkg"
    from qgis.core import QgsCoordinateTransformContext, QgsVectorFileWriter

    options = QgsVectorFileWriter.SaveVectorOptions()
    options.driverName = "GPKG"
    error = QgsVectorFileWriter.writeAsVectorFormatV3(
        fence, str(fence_file), QgsCoordinateTransformContext(), options
    )
    assert error[0] == QgsVectorFileWriter.WriterError.NoError, error
    fence_layer = QgsVectorLayer(str(fence_file), "Fence", "ogr")
    fence_layer.setDisplayExpression('"name"')
    fence_layer.setRenderer(fence.renderer().clone())
    project = QgsProject()
    project.setCrs(QgsCoordinateReferenceSystem("EPSG:3035"))
    project.setBackgroundColor(QColor(200, 222, 236))
    assert len(project.addMapLayers([fence_layer, countries])) == 2
    path = folder / "georedis-live.qgz"
    assert project.write(str(path))
    return path


def test_desktop_live_layer_follows_a_fleet_and_reports_the_fence(
    tmp_path, qgis_processing, redis_server, redis_url, redis_client
):
    out = REPO_ROOT / "artifacts" / "desktop" / "live"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    project = build_project(tmp_path)
    keys = LiveKeys.for_name("georedis", "fleet")
    stop = threading.Event()
    driving = threading.Thread(target=fleet.run, kwargs={
        "client": redis.Redis.from_url(redis_url), "keys": keys, "vehicles": VEHICLES,
        "rate": 1.0, "duration": 0, "extent": EXTENT, "stop": stop})  # fmt: skip

    def bus():
        client = redis.Redis.from_url(redis_url)
        while not signal.exists() and not stop.is_set():
            time.sleep(0.1)
        for lon, lat in BUS_ROUTE:
            client.xadd(
                keys.stream, {"id": "bus 42", "lon": str(lon), "lat": str(lat), "line": "42"}
            )
            time.sleep(0.6)

    signal = tmp_path / "fleet-shown"  # not in artifacts/: concurrent sessions share that
    bus_thread = threading.Thread(target=bus)
    env = {
        "GEOREDIS_E2E_OUT": str(out),
        "GEOREDIS_E2E_PROJECT": str(project),
        "GEOREDIS_E2E_LIVE": json.dumps(LIVE),
        "GEOREDIS_E2E_SIGNAL": str(signal),
        "GEOREDIS_URL": redis_url,
    }
    if os.environ.get("GEOREDIS_SCREENSHOTS"):
        shots = Path(os.environ["GEOREDIS_SCREENSHOTS"]).resolve()
        shots.mkdir(parents=True, exist_ok=True)
        env["GEOREDIS_E2E_SHOTS"] = str(shots)
    driving.start()
    bus_thread.start()
    try:
        script = REPO_ROOT / "tests" / "desktop" / "live_startup.py"
        process = run_qgis_with_script(script, tmp_path, env, timeout=300)
    finally:
        stop.set()
        driving.join()
        bus_thread.join()
    result_file = out / "result.json"
    assert result_file.exists(), process.stderr[-3000:]
    result = json.loads(result_file.read_text())
    assert "error" not in result, result["error"]
    assert result["streams_listed"][0].startswith("fleet  (")
    assert result["layer"]["count"] >= VEHICLES + 0 and result["layer"]["in_tree"]
    assert {"id", "ts_ms", "ts", "age_s", "speed", "heading"} <= set(result["layer"]["fields"])
    messages = result["messages"]
    assert any("bus 42 entered France" in m for m in messages), messages
    assert any("bus 42 left France" in m for m in messages), messages
    events = [(f[b"id"], f[b"kind"]) for _, f in redis_client.xrange(keys.events)]
    assert (b"bus 42", b"enter") in events and (b"bus 42", b"exit") in events
    assert "ids shown" in result["status"] and "updates/s" in result["status"]
    # the event loop kept turning while it followed (how long its stalls are is measured by
    # make bench live, not here: a timed assertion would fail on a busy machine)
    assert len(result["stalls_ms"]) > 100
    for name in ("qgis-window.png", "map.png", "dock.png"):
        assert (out / name).stat().st_size > 10_000, name
