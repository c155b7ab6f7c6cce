"""Real QGIS desktop under Xvfb: the plugin loads, reloads without duplicates, shows its menu."""

import json
import shutil
import subprocess

import pytest

from georedis_plugin.dependencies import REQUIREMENTS
from tests.conftest import REPO_ROOT
from tests.desktop_session import run_qgis_with_script
from tests.hidden_packages import hiding
from tests.redis_server import SERVER_PRODUCT

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
    assert marker["dock_status"].startswith(f"{SERVER_PRODUCT} ")
    assert f"127.0.0.1:{redis_server.port}/0" in marker["dock_status"]
    screenshot = out / "qgis-georedis-menu.png"
    assert screenshot.stat().st_size > 20_000


def test_desktop_without_the_packages_names_the_install_command_once(tmp_path):
    system_python = "/usr/bin/python3"
    env = {"GEOREDIS_SMOKE_OUT": str(tmp_path / "out")}
    has_redis = subprocess.run([system_python, "-c", "import redis"], capture_output=True)
    if has_redis.returncode == 0:  # Debian 13 and newer: python3-redis, hidden for this QGIS
        env["PYTHONPATH"] = str(hiding(tmp_path / "hidden", {"redis"}))
    out = tmp_path / "out"
    out.mkdir()
    script = REPO_ROOT / "tests" / "desktop" / "missing_deps_startup.py"
    result = run_qgis_with_script(script, tmp_path, env, with_venv=False)
    marker_file = out / "missing-deps.json"
    assert marker_file.exists(), result.stderr[-3000:]
    marker = json.loads(marker_file.read_text())
    assert marker["loaded"] is True
    assert marker["provider"] is False
    ((level, text),) = [m for m in marker["messages"] if "GeoRedis" in m[1]]
    assert level == 2  # Qgis.MessageLevel.Critical
    assert "'redis' is not installed" in text
    # QGIS's own interpreter, whatever python3 comes first on PATH
    version = subprocess.run(
        [system_python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    if "sudo apt install" in text:  # apt has a python3-redis that fits (Debian 13 and newer)
        assert text.endswith("sudo apt install python3-redis")
    else:
        assert f"/usr/bin/python{version} -m pip install --user" in text
        assert all(f'"{requirement}"' in text for requirement in REQUIREMENTS)
