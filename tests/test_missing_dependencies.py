"""The dependency check: capabilities, not version strings, and install advice that fits the
platform. Without redis or a shapely 2 the plugin loads, registers nothing and says what to run.

The load tests run the plugin in a real subprocess of the QGIS Python, with a package hidden
or replaced by a stand-in on PYTHONPATH (which comes before site-packages): a shapely that is
the real one with another ``__version__`` or ``geos_version``, a shapely 1.8 look-alike, or a
redis whose import fails.
"""

import importlib.util
import json
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest
from qgis.core import Qgis, QgsApplication

import georedis_plugin
from georedis_plugin import dependencies
from georedis_plugin.dependencies import Platform
from tests.conftest import REPO_ROOT

QGIS_PYTHON = f"{sys.base_prefix}/bin/python{sys.version_info.major}.{sys.version_info.minor}"


def test_all_dependencies_present_here():
    assert dependencies.missing_dependencies() == []


def test_the_running_shapely_has_the_vectorized_api():
    import shapely

    assert dependencies.shapely_lacks(shapely) == ""


def test_missing_redis_is_reported(monkeypatch):
    monkeypatch.setitem(sys.modules, "redis", None)  # makes `import redis` raise ImportError
    assert dependencies.missing_dependencies() == ["the Python package 'redis' is not installed"]
    assert dependencies.missing_packages() == ["redis"]


def test_a_shapely_1_is_refused_for_what_it_lacks_not_for_its_version(monkeypatch):
    old = types.SimpleNamespace(__version__="1.8.5", __file__="/usr/lib/python3/shapely/x.py")
    monkeypatch.setitem(sys.modules, "shapely", old)
    (problem,) = dependencies.missing_dependencies()
    assert problem.startswith(
        "the shapely in /usr/lib/python3/shapely (version 1.8.5) lacks shapely 2's vectorized "
        "API (no shapely.from_wkb, shapely.to_wkb, shapely.buffer, shapely.intersection"
    )
    assert problem.endswith("shapely.geos_version); GeoRedis needs shapely 2.x")


def test_a_shapely_whose_calls_fail_is_refused_with_the_error(monkeypatch):
    import shapely

    def no_grid_size(a, b, **kwargs):
        if "grid_size" in kwargs:
            raise TypeError("intersection() got an unexpected keyword argument 'grid_size'")
        return shapely.intersection(a, b)

    broken = types.ModuleType("shapely")
    broken.__dict__.update({k: v for k, v in vars(shapely).items() if not k.startswith("__")})
    broken.intersection = no_grid_size
    assert dependencies.shapely_lacks(broken) == (
        "TypeError: intersection() got an unexpected keyword argument 'grid_size'"
    )


# -- install advice ------------------------------------------------------------------------

DEBIAN_12 = Platform(
    system="linux",
    python="/usr/bin/python3.11",
    in_venv=False,
    externally_managed=True,
    debian_candidates={"python3-shapely": "1.8.5-2+b1", "python3-redis": "4.3.4-3"},
    numpy_version="1.24.2",
)
DEBIAN_13 = Platform(
    system="linux",
    python="/usr/bin/python3.13",
    in_venv=False,
    externally_managed=True,
    debian_candidates={"python3-shapely": "2.1.0-1", "python3-redis": "6.1.0-1"},
    numpy_version="2.2.4",
)


def test_debian_12_advice_is_pip_with_its_numpy_1_kept():
    # Debian 12's python3-shapely is 1.8 and python3-redis 4.3: pip, past PEP 668
    assert dependencies.install_command(DEBIAN_12, ["redis", "shapely"]) == (
        "/usr/bin/python3.11 -m pip install --user --break-system-packages "
        '"redis>=4.5.5" "shapely>=2,<3" "numpy<2"'
    )
    assert dependencies.install_command(DEBIAN_12, ["redis"]) == (
        '/usr/bin/python3.11 -m pip install --user --break-system-packages "redis>=4.5.5"'
    )


def test_debian_13_advice_is_the_distribution_packages_and_never_numpy():
    assert dependencies.install_command(DEBIAN_13, ["redis", "shapely"]) == (
        "sudo apt install python3-redis python3-shapely"
    )
    assert dependencies.install_command(DEBIAN_13, ["shapely"]) == (
        "sudo apt install python3-shapely"
    )


def test_where_apt_has_only_one_package_that_fits_the_other_comes_from_pip():
    ubuntu = Platform(**{**vars(DEBIAN_13), "debian_candidates": {"python3-shapely": "2.0.3-1"}})
    assert dependencies.install_command(ubuntu, ["redis", "shapely"]) == (
        "sudo apt install python3-shapely && /usr/bin/python3.13 -m pip install --user "
        '--break-system-packages "redis>=4.5.5"'
    )


def test_pip_is_never_asked_for_numpy_1_where_numpy_2_runs():
    no_apt = Platform(**{**vars(DEBIAN_13), "debian_candidates": {}})
    command = dependencies.install_command(no_apt, ["redis", "shapely"])
    assert command == (
        "/usr/bin/python3.13 -m pip install --user --break-system-packages "
        '"redis>=4.5.5" "shapely>=2,<3"'
    )
    for numpy_version in ("2.0.0", "2.3.1", "", "0+unknown"):
        platform = Platform(**{**vars(no_apt), "numpy_version": numpy_version})
        assert "numpy" not in dependencies.install_command(platform, ["shapely"])


@pytest.mark.parametrize(
    ("numpy_version", "pins"),
    [("1.22.4", ' "numpy<2"'), ("2.1.3", "")],  # OSGeo4W's QGIS 3.22, and today's
)
def test_osgeo4w_advice_is_python_m_pip_in_the_osgeo4w_shell(numpy_version, pins):
    osgeo4w = Platform("win32", "python", False, False, {}, numpy_version)
    assert dependencies.install_command(osgeo4w, ["redis", "shapely"]) == (
        f'python -m pip install "redis>=4.5.5" "shapely>=2,<3"{pins}   (in the OSGeo4W Shell)'
    )


def test_in_a_venv_pip_installs_into_the_venv():
    venv = Platform(**{**vars(DEBIAN_13), "python": "/srv/venv/bin/python", "in_venv": True})
    assert dependencies.install_command(venv, ["shapely"]) == (
        '/srv/venv/bin/python -m pip install "shapely>=2,<3"'
    )


def test_install_command_here_names_the_venv_python():
    assert sys.prefix != sys.base_prefix  # the tests run in the project venv
    assert dependencies.install_command().startswith(f"{sys.executable} -m pip install ")


@pytest.mark.parametrize(
    "executable",
    [
        "/usr/bin/qgis",
        # QGIS's embedded Python takes the first python3 on PATH as sys.executable
        "/home/me/.pyenv/shims/python3",
    ],
)
def test_the_qgis_python_is_the_interpreter_under_the_base_prefix(monkeypatch, executable):
    monkeypatch.setattr(sys, "executable", executable)
    monkeypatch.setattr(sys, "prefix", sys.base_prefix)  # QGIS's Python is no venv
    assert dependencies.python_executable() == QGIS_PYTHON
    assert dependencies.current_platform().python == QGIS_PYTHON


def mac_bundle(tmp_path, *pythons) -> Path:
    macos = tmp_path / "Applications" / "QGIS-LTR.app" / "Contents" / "MacOS"
    for python in pythons:
        (macos / python).parent.mkdir(parents=True, exist_ok=True)
        (macos / python).touch()
    return macos


@pytest.mark.parametrize(
    ("pythons", "expected"),
    [
        # the QGIS-Mac-Packager bundles up to 3.40: python3.9 and pip under Contents/MacOS/bin
        (["bin/python3.9", "bin/python3"], "bin/python3.9"),
        # the 3.44 bundles: a `python` wrapper (sets PYTHONHOME) beside python3.12, no bin/pip
        (["python", "python3.12"], "python"),
    ],
)
def test_on_macos_the_advice_names_the_python_of_the_qgis_app_bundle(
    monkeypatch, tmp_path, pythons, expected
):
    macos = mac_bundle(tmp_path, *pythons)
    version = next(p for p in pythons if p[-1].isdigit() and "." in p).rsplit("python", 1)[1]
    major, minor = map(int, version.split("."))
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(sys, "executable", str(macos / "QGIS"))
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "build-prefix"))
    monkeypatch.setattr(sys, "base_prefix", str(tmp_path / "build-prefix"))
    monkeypatch.setattr(sys, "version_info", types.SimpleNamespace(major=major, minor=minor))
    assert dependencies.python_executable() == str(macos / expected)


@pytest.mark.skipif(shutil.which("apt-cache") is None, reason="no apt here")
def test_debian_candidates_are_the_versions_apt_would_install():
    candidates = dependencies.debian_candidates()
    for package, _ in dependencies.DEBIAN_PACKAGES.values():
        shown = subprocess.run(
            ["apt-cache", "show", "--no-all-versions", package],
            capture_output=True,
            text=True,
            env={**os.environ, "LC_ALL": "C"},
        ).stdout
        versions = [
            line.split(": ", 1)[1] for line in shown.splitlines() if line[:9] == "Version: "
        ]
        assert candidates.get(package) == (versions[0] if versions else None), package


# -- the plugin in a real QGIS Python, with packages hidden or replaced ----------------------

LOAD_PLUGIN = """
import json, sys
from qgis.core import Qgis, QgsApplication
app = QgsApplication([], False)
app.initQgis()
messages = []
QgsApplication.messageLog().messageReceived.connect(
    lambda text, tag, level: messages.append([int(level), text]) if tag == "GeoRedis" else None
)
import georedis_plugin
from georedis_plugin import dependencies
plugin = georedis_plugin.classFactory(None)
plugin.initProcessing()
if plugin.missing:
    plugin.initGui()  # reports them, and returns before it needs an iface
provider = QgsApplication.processingRegistry().providerById("georedis")
import shapely
result = {
    "shapely_version": getattr(shapely, "__version__", None),
    "shapely_file": getattr(shapely, "__file__", None),
    "missing": plugin.missing,
    "install_command": dependencies.install_command(),
    "algorithms": sorted(a.id() for a in provider.algorithms()) if provider else [],
    "messages": messages,
    "plugin_file": georedis_plugin.__file__,
}
plugin.unload()
print(json.dumps(result))
"""


def load_plugin(stand_ins: Path) -> dict:
    """Load the plugin from this checkout in a fresh QGIS Python, stand_ins first on the path."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(
        PYTHONPATH=f"{stand_ins}{os.pathsep}{REPO_ROOT}",
        PYTHONNOUSERSITE="1",
        QT_QPA_PLATFORM="offscreen",
    )
    done = subprocess.run(
        [sys.executable, "-c", LOAD_PLUGIN],
        env=env,
        cwd=stand_ins,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(loaded["plugin_file"]).is_relative_to(REPO_ROOT / "georedis_plugin")
    return loaded


def real_shapely_with(folder: Path, appended: str) -> Path:
    """The installed shapely, file for file (symlinks), its __init__.py with lines appended."""
    real = Path(importlib.util.find_spec("shapely").origin).parent
    copy = folder / "shapely"
    shutil.copytree(real, copy, copy_function=os.symlink, ignore=lambda *_: ["__pycache__"])
    (copy / "__init__.py").unlink()
    (copy / "__init__.py").write_text((real / "__init__.py").read_text() + "\n" + appended)
    libs = real.parent / "shapely.libs"  # a wheel's bundled GEOS, found through $ORIGIN/../
    if libs.exists():
        (folder / "shapely.libs").symlink_to(libs)
    return folder


def georedis_algorithms() -> list:
    from georedis_plugin.processing.provider import algorithm_classes

    return sorted(f"georedis:{c().name()}" for c in algorithm_classes())


def test_a_shapely_2_that_calls_itself_0_unknown_loads_the_plugin(tmp_path):
    # Debian sid's python3-shapely 2.2.0 reports "0+unknown"
    loaded = load_plugin(real_shapely_with(tmp_path, '__version__ = "0+unknown"\n'))
    assert loaded["shapely_version"] == "0+unknown"
    assert Path(loaded["shapely_file"]).is_relative_to(tmp_path)
    assert loaded["missing"] == []
    assert set(georedis_algorithms()) <= set(loaded["algorithms"])
    assert without_parser_note(loaded["messages"]) == []


def test_a_shapely_with_another_geos_than_qgis_loads_and_says_so_in_the_log(tmp_path):
    loaded = load_plugin(real_shapely_with(tmp_path, "geos_version = (3, 99, 1)\n"))
    assert loaded["missing"] == []
    assert set(georedis_algorithms()) <= set(loaded["algorithms"])
    qgis_geos = f"{Qgis.geosVersionMajor()}.{Qgis.geosVersionMinor()}.{Qgis.geosVersionPatch()}"
    assert without_parser_note(loaded["messages"]) == [
        [
            int(Qgis.MessageLevel.Info),
            f"shapely runs GEOS 3.99.1, QGIS runs GEOS {qgis_geos}: the cached buffer and "
            "intersection results come from GEOS 3.99.1 and may differ from QGIS's native "
            "algorithms in the last digits of coordinates. A shapely built with GEOS "
            f"{qgis_geos} gives identical results.",
        ]
    ]


SHAPELY_1 = {
    "__init__.py": '__version__ = "{version}"\nfrom . import geometry, wkb\n',
    # what shapely 1.x has: geometry classes (QGIS 3.40's qgis.core annotates with the base
    # class), WKB per geometry, no vectorized functions
    "geometry/__init__.py": "from . import base\nfrom .base import BaseGeometry\n",
    "geometry/base.py": "class BaseGeometry:\n    pass\n",
    "wkb.py": "def loads(data):\n    raise NotImplementedError\n",
}


@pytest.mark.parametrize("version", ["1.8.5", "2.1.0"])  # what it says does not matter
def test_a_shapely_without_the_vectorized_api_is_refused_with_what_to_install(tmp_path, version):
    package = tmp_path / "shapely"
    for name, text in SHAPELY_1.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text.replace("{version}", version))
    loaded = load_plugin(tmp_path)
    assert loaded["algorithms"] == []
    (problem,) = loaded["missing"]
    assert problem.startswith(
        f"the shapely in {package} (version {version}) lacks shapely 2's vectorized API "
        "(no shapely.from_wkb, "
    )
    assert problem.endswith("); GeoRedis needs shapely 2.x")
    ((level, message),) = loaded["messages"]
    assert level == int(Qgis.MessageLevel.Critical)
    assert message == (
        f"GeoRedis cannot start: {problem}. Install them into the QGIS Python, then restart "
        f"QGIS: {loaded['install_command']}"
    )
    assert '"shapely>=2,<3"' in loaded["install_command"]
    assert '"redis' not in loaded["install_command"]  # redis is there


def test_without_redis_the_plugin_says_so_and_asks_for_redis_only(tmp_path):
    (tmp_path / "redis").mkdir()
    (tmp_path / "redis" / "__init__.py").write_text("raise ImportError('hidden by the test')\n")
    loaded = load_plugin(tmp_path)
    assert loaded["algorithms"] == []
    assert loaded["missing"] == ["the Python package 'redis' is not installed"]
    ((level, message),) = loaded["messages"]
    assert level == int(Qgis.MessageLevel.Critical)
    assert message.endswith(loaded["install_command"])
    assert loaded["install_command"] == dependencies.install_command(missing=["redis"])
    assert '"redis>=4.5.5"' in loaded["install_command"] or "python3-redis" in message
    assert "shapely" not in loaded["install_command"]


@pytest.mark.parametrize(
    ("module", "stand_in", "problem"),
    [
        ("redis", None, "'redis' is not installed"),
        ("shapely", types.SimpleNamespace(__version__="1.8.5"), "lacks shapely 2's vectorized"),
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


# Debian 12's python3-redis 4.3.4: a Redis class without credential_provider
OLD_REDIS = {
    "__init__.py": '__version__ = "4.3.4"\nfrom .client import Redis\n',
    "client.py": "class Redis:\n    def __init__(self, host='localhost', password=None):\n"
    "        pass\n",
    "credentials.py": "",
}


def write_package(folder: Path, name: str, files: dict, version: str = "") -> Path:
    for relative, text in files.items():
        (folder / name / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / name / relative).write_text(text)
    if version:  # what importlib.metadata reads, as pip or dpkg leave it
        info = folder / f"{name}-{version}.dist-info"
        info.mkdir()
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    return folder


def test_a_redis_py_without_credential_providers_is_refused_with_what_to_install(tmp_path):
    loaded = load_plugin(write_package(tmp_path, "redis", OLD_REDIS))
    assert loaded["algorithms"] == []
    assert loaded["missing"] == [
        f"the redis-py in {tmp_path / 'redis'} (version 4.3.4) is too old: it has no "
        "CredentialProvider; GeoRedis needs redis-py 4.5.5 or newer"
    ]
    assert (
        '"redis>=4.5.5"' in loaded["install_command"]
        or "python3-redis" in (loaded["install_command"])
    )


def test_the_redis_py_here_takes_credential_providers():
    import redis

    assert dependencies.redis_has_credential_providers(redis)


PICK_REDIS = """
import json, sys
from georedis_plugin import dependencies
chosen = dependencies.use_vendored_redis(sys.argv[1])
import redis
print(json.dumps([chosen, redis.ORIGIN, sys.meta_path.index(dependencies.vendored_redis_finder())
                  if chosen else None]))
"""


@pytest.mark.parametrize(
    ("installed", "vendored_wins"), [("4.3.4", True), ("4.5.5", False), ("6.1.0", False)]
)
def test_the_zips_redis_py_goes_first_only_where_the_installed_one_is_too_old(
    tmp_path, installed, vendored_wins
):
    site = write_package(
        tmp_path / "site", "redis", {"__init__.py": "ORIGIN = 'site'\n"}, installed
    )
    vendor = write_package(tmp_path / "vendor", "redis", {"__init__.py": "ORIGIN = 'zip'\n"})
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(PYTHONPATH=f"{site}{os.pathsep}{REPO_ROOT}", PYTHONNOUSERSITE="1")
    done = subprocess.run(
        [sys.executable, "-c", PICK_REDIS, str(vendor)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    chosen, origin, position = json.loads(done.stdout.strip().splitlines()[-1])
    if vendored_wins:
        assert (chosen, origin, position) == (True, "zip", 0)
    else:
        assert (chosen, origin, position) == (False, "site", None)


PARSER_NOTE = "redis-py parses Redis replies in Python here"


def without_parser_note(messages) -> list:
    return [m for m in messages if not m[1].startswith(PARSER_NOTE)]


def parser_notes(messages) -> list:
    return [m for m in messages if m[1].startswith(PARSER_NOTE)]


def test_without_hiredis_3_the_log_says_replies_are_parsed_in_python_and_what_to_install(
    tmp_path,
):
    (tmp_path / "hiredis").mkdir()
    (tmp_path / "hiredis" / "__init__.py").write_text("raise ImportError('hidden by the test')\n")
    loaded = load_plugin(tmp_path)
    assert loaded["missing"] == []
    command = dependencies.pip_command(
        dependencies.current_platform(with_apt=False), ["hiredis>=3"]
    )
    assert parser_notes(loaded["messages"]) == [
        [
            int(Qgis.MessageLevel.Info),
            f"{PARSER_NOTE} (hiredis 3 is not installed; redis-py 6 and newer ignore older "
            "hiredis): geo-set searches take 2 to 3 times as long. For the faster parser: "
            f"{command}",
        ]
    ]


def test_the_parser_note_shows_exactly_where_redis_py_parses_in_python(tmp_path):
    from redis.utils import HIREDIS_AVAILABLE

    loaded = load_plugin(tmp_path)  # this Python as it is
    assert len(parser_notes(loaded["messages"])) == (0 if HIREDIS_AVAILABLE else 1)
