"""Deploying into a QGIS profile, and qgis_process finding the provider there."""

import configparser
import filecmp
import importlib.util
import json
from pathlib import Path

import pytest

from scripts.deploy import deploy
from tests.conftest import REPO_ROOT
from tests.qgis_process import qgis_process


def test_deployed_metadata_equals_the_top_level_one(tmp_path):
    target = deploy(tmp_path / "profiles" / "default")
    assert filecmp.cmp(target / "metadata.txt", REPO_ROOT / "metadata.txt", shallow=False)
    assert (target / "__init__.py").exists()
    assert (target / "resources" / "icon.svg").exists()
    assert not list(target.rglob("__pycache__"))


def python_plugins_section(profile) -> dict:
    parser = configparser.RawConfigParser(strict=False)
    parser.optionxform = str
    parser.read(profile / "QGIS" / "QGIS3.ini", encoding="utf-8")
    return dict(parser["PythonPlugins"]) if parser.has_section("PythonPlugins") else {}


def test_enable_marks_the_plugin_enabled_and_keeps_other_settings(tmp_path):
    profile = tmp_path / "profiles" / "default"
    ini = profile / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True)
    ini.write_text("[PythonPlugins]\nother_plugin=false\n\n[qgis]\nlocale=fr\n")
    deploy(profile, enable=True)
    assert python_plugins_section(profile) == {"other_plugin": "false", "georedis_plugin": "true"}
    assert "locale=fr" in ini.read_text()


def test_deploy_without_enable_leaves_the_profile_settings_alone(tmp_path):
    profile = tmp_path / "profiles" / "default"
    deploy(profile)
    assert not (profile / "QGIS" / "QGIS3.ini").exists()


def test_qgis_process_enables_and_lists_the_provider(tmp_path, redis_url):
    deploy(tmp_path / "profiles" / "default")
    enabled = qgis_process(["plugins", "enable", "georedis_plugin"], tmp_path, redis_url)
    assert enabled.returncode == 0, enabled.stderr
    # the same entry our deploy --enable writes, so the two ways stay interchangeable
    assert python_plugins_section(tmp_path / "profiles" / "default")["georedis_plugin"] == "true"
    listed = qgis_process(["--json", "list"], tmp_path, redis_url)
    assert listed.returncode == 0, listed.stderr
    providers = json.loads(listed.stdout)["providers"]
    assert providers["georedis"]["name"] == "GeoRedis"
    assert "georedis:clearcache" in providers["georedis"]["algorithms"]


def qgis_installer_module(name):
    """A module of QGIS's own plugin installer, loaded alone (its package needs a GUI)."""
    path = Path("/usr/share/qgis/python/pyplugin_installer") / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"qgis_installer_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def general_metadata() -> dict:
    parser = configparser.RawConfigParser()
    parser.optionxform = str
    parser.read(REPO_ROOT / "metadata.txt", encoding="utf-8")
    return dict(parser["general"])


@pytest.mark.parametrize(
    ("qgis_version", "offered"),
    [
        ("3.20.3", False),
        ("3.22.0", True),
        ("3.40.6", True),
        ("3.44.15", True),
        ("4.0.0", True),
        ("4.2.1", True),
        ("5.0.0", False),
    ],
)
def test_qgis_installer_offers_the_plugin_from_qgis_3_22_to_4_x(qgis_version, offered):
    metadata = general_metadata()
    is_compatible = qgis_installer_module("version_compare").isCompatible
    minimum, maximum = metadata["qgisMinimumVersion"], metadata["qgisMaximumVersion"]
    assert is_compatible(qgis_version, minimum, maximum) is offered


def test_metadata_declares_qt6_support_for_qgis_4():
    assert general_metadata()["supportsQt6"] == "True"
