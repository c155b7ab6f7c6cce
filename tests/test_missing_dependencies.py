"""Without redis or with shapely < 2 the plugin loads, registers nothing and says what to run."""

import sys
import types

import pytest
from qgis.core import Qgis, QgsApplication

import georedis_plugin
from georedis_plugin import dependencies


def test_all_dependencies_present_here():
    assert dependencies.missing_dependencies() == []


def test_missing_redis_is_reported(monkeypatch):
    monkeypatch.setitem(sys.modules, "redis", None)  # makes `import redis` raise ImportError
    assert dependencies.missing_dependencies() == ["the Python package 'redis' is not installed"]


def test_old_shapely_is_reported(monkeypatch):
    monkeypatch.setitem(sys.modules, "shapely", types.SimpleNamespace(__version__="1.8.5"))
    (problem,) = dependencies.missing_dependencies()
    assert "shapely 1.8.5 is too old" in problem


QGIS_PYTHON = f"{sys.base_prefix}/bin/python{sys.version_info.major}.{sys.version_info.minor}"


@pytest.mark.parametrize(
    "executable",
    [
        "/usr/bin/qgis",
        # QGIS's embedded Python takes the first python3 on PATH as sys.executable
        "/home/me/.pyenv/shims/python3",
    ],
)
def test_install_command_names_the_qgis_python_and_the_packages(monkeypatch, executable):
    monkeypatch.setattr(sys, "executable", executable)
    monkeypatch.setattr(sys, "prefix", sys.base_prefix)  # QGIS's Python is no venv
    command = dependencies.install_command()
    assert command.startswith(f"{QGIS_PYTHON} -m pip install --user")
    assert '"redis>=4.5"' in command and '"shapely>=2,<3"' in command


def test_install_command_in_a_venv_names_the_venv_python():
    assert sys.prefix != sys.base_prefix  # the tests run in the project venv
    assert dependencies.install_command().startswith(f"{sys.executable} -m pip install")


@pytest.mark.parametrize(
    ("module", "stand_in", "problem"),
    [
        ("redis", None, "'redis' is not installed"),
        ("shapely", types.SimpleNamespace(__version__="1.8.5"), "shapely 1.8.5 is too old"),
    ],
)
def test_plugin_loads_registers_nothing_and_shows_one_clear_error(
    qgis_iface, monkeypatch, module, stand_in, problem
):
    monkeypatch.setitem(sys.modules, module, stand_in)  # None makes the import raise
    qgis_iface.messageBar().clear_messages()
    plugin = georedis_plugin.classFactory(qgis_iface)
    plugin.initProcessing()
    plugin.initGui()
    assert QgsApplication.processingRegistry().providerById("georedis") is None
    assert plugin.actions == []
    (message,) = qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Critical)
    assert problem in message
    assert message.endswith(dependencies.install_command())
    assert qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Warning) == []
    plugin.unload()
