"""Deploying into a QGIS profile, and qgis_process finding the provider there."""

import filecmp
import json
import os
import site
import subprocess

from scripts.deploy import deploy
from tests.conftest import REPO_ROOT


def test_deployed_metadata_equals_the_top_level_one(tmp_path):
    target = deploy(tmp_path / "profiles" / "default")
    assert filecmp.cmp(target / "metadata.txt", REPO_ROOT / "metadata.txt", shallow=False)
    assert (target / "__init__.py").exists()
    assert (target / "resources" / "icon.svg").exists()
    assert not list(target.rglob("__pycache__"))


def test_enable_marks_the_plugin_enabled(tmp_path):
    profile = tmp_path / "profiles" / "default"
    deploy(profile, enable=True)
    ini = (profile / "QGIS" / "QGIS3.ini").read_text()
    assert "[PythonPlugins]" in ini and "georedis_plugin=true" in ini


def qgis_process(args, config_path, redis_url):
    env = dict(os.environ)
    env.update(
        QGIS_CUSTOM_CONFIG_PATH=str(config_path),
        QT_QPA_PLATFORM="offscreen",
        GEOREDIS_URL=redis_url,
        # qgis_process runs on the system Python; redis-py lives in the project venv
        PYTHONPATH=os.pathsep.join(site.getsitepackages()),
    )
    return subprocess.run(
        ["qgis_process.bin", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_qgis_process_enables_and_lists_the_provider(tmp_path, redis_url):
    deploy(tmp_path / "profiles" / "default")
    enabled = qgis_process(["plugins", "enable", "georedis_plugin"], tmp_path, redis_url)
    assert enabled.returncode == 0, enabled.stderr
    listed = qgis_process(["--json", "list"], tmp_path, redis_url)
    assert listed.returncode == 0, listed.stderr
    providers = json.loads(listed.stdout)["providers"]
    assert providers["georedis"]["name"] == "GeoRedis"
    assert "georedis:clearcache" in providers["georedis"]["algorithms"]


def test_qgis_process_runs_clearcache(tmp_path, redis_url, redis_client):
    redis_client.set("georedis:cache:buffer:0123", b"\x01")
    redis_client.set("other:key", b"kept")
    deploy(tmp_path / "profiles" / "default", enable=True)
    ran = qgis_process(["--json", "run", "georedis:clearcache"], tmp_path, redis_url)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["results"]["DELETED"] == 1
    assert redis_client.get("other:key") == b"kept"
