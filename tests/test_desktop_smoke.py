"""Real QGIS desktop under Xvfb: the plugin loads, reloads without duplicates, shows its menu."""

import json
import shutil

import pytest

from tests.conftest import REPO_ROOT
from tests.desktop_session import run_qgis_with_script

pytestmark = [
    pytest.mark.desktop,
    pytest.mark.skipif(shutil.which("Xvfb") is None, reason="Xvfb missing: run make setup"),
]


def test_desktop_loads_plugin_and_screenshots_its_menu(tmp_path, redis_server, redis_url):
    out = REPO_ROOT / "artifacts" / "desktop"
    out.mkdir(parents=True, exist_ok=True)
    for old in ("marker.json", "qgis-georedis-menu.png"):
        (out / old).unlink(missing_ok=True)
    script = REPO_ROOT / "tests" / "desktop" / "smoke_startup.py"
    result = run_qgis_with_script(
        script, tmp_path, {"GEOREDIS_SMOKE_OUT": str(out), "GEOREDIS_URL": redis_url}
    )
    marker_file = out / "marker.json"
    assert marker_file.exists(), result.stderr[-3000:]
    marker = json.loads(marker_file.read_text())
    assert "error" not in marker, marker
    assert marker["loaded"] is True
    assert marker["georedis_providers"] == 1
    assert marker["menu_actions"] == ["GeoRedis panel", "GeoRedis settings…"]
    assert marker["docks"] == 1 and marker["dock_visible"] is True
    assert marker["toolbar_buttons"] == ["GeoRedis panel"]
    assert "georedis:clearcache" in marker["algorithms"]
    assert marker["dock_status"].startswith("Redis ")
    assert f"127.0.0.1:{redis_server.port}/0" in marker["dock_status"]
    screenshot = out / "qgis-georedis-menu.png"
    assert screenshot.stat().st_size > 20_000
