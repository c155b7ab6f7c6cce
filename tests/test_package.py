"""`make package`: the Install-from-ZIP archive, and the plugin installed from it in real QGIS.

Offline: the zip is built from the wheels `make setup` keeps in build/wheels (the test matrix's
chroots see them at /repo/build/wheels); without them the tests fail saying so.
"""

import configparser
import fnmatch
import importlib.util
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from georedis_plugin import dependencies
from georedis_plugin.core import geoset
from scripts import package
from tests.conftest import REPO_ROOT
from tests.hidden_packages import hiding
from tests.qgis_process import qgis_process, run_json
from tests.test_geoset_core import PREFIX
from tests.test_missing_dependencies import PARSER_NOTE

PLUGIN = "georedis_plugin"
SYSTEM_PYTHON = "/usr/bin/python3"  # the Python qgis_process.bin embeds, without our venv
QGIS_UNZIP = Path("/usr/share/qgis/python/pyplugin_installer/unzip.py")
LEFTOVERS = ("__pycache__", ".pyc", ".pyo", "tests/", ".pytest_cache", ".ruff_cache", ".ts", "~")


@pytest.fixture(scope="module")
def package_zip(tmp_path_factory):
    try:
        return package.build_package(tmp_path_factory.mktemp("dist"), download=False)
    except package.PackageError as exc:
        pytest.fail(str(exc))


def names(zip_path) -> list:
    with zipfile.ZipFile(zip_path) as archive:
        return archive.namelist()


def read(zip_path, name) -> bytes:
    with zipfile.ZipFile(zip_path) as archive:
        return archive.read(name)


def translation_sources() -> list:
    return sorted((REPO_ROOT / PLUGIN / package.I18N_DIR).glob("*.ts"))


def test_zip_is_named_for_the_version_in_the_top_level_metadata(package_zip):
    parser = configparser.RawConfigParser()
    parser.read_string(read(package_zip, f"{PLUGIN}/metadata.txt").decode("utf-8"))
    assert package_zip.name == f"georedis-{parser.get('general', 'version')}.zip"
    assert read(package_zip, f"{PLUGIN}/metadata.txt") == (REPO_ROOT / "metadata.txt").read_bytes()


def test_zip_holds_one_plugin_folder_found_as_qgis_finds_it(package_zip):
    entries = names(package_zip)
    assert all(name.startswith(f"{PLUGIN}/") for name in entries)
    # QGIS's installer takes the folder of the first metadata.txt, sorted
    assert sorted(n for n in entries if n.endswith("metadata.txt")) == [f"{PLUGIN}/metadata.txt"]


def tracked_files(folder) -> list:
    """``git ls-files folder``; where git cannot see the repository (a worktree's checkout in
    the test matrix's chroots, whose git directory is outside /repo), the files on disk there
    but those .gitignore names."""
    done = subprocess.run(
        ["git", "ls-files", folder], cwd=REPO_ROOT, capture_output=True, text=True
    )
    if done.returncode == 0:
        return done.stdout.split()
    patterns = [
        line.strip().rstrip("/")
        for line in (REPO_ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]
    files = [p.relative_to(REPO_ROOT) for p in (REPO_ROOT / folder).rglob("*") if p.is_file()]
    return [
        path.as_posix()
        for path in files
        if not any(fnmatch.fnmatch(part, pattern) for part in path.parts for pattern in patterns)
    ]


def test_zip_holds_the_plugin_sources_translations_and_vendored_code_and_nothing_else(
    package_zip,
):
    tracked = tracked_files(PLUGIN)
    # everything tracked but the translation sources and the README's screenshots
    expected = {n for n in tracked if not n.endswith(".ts") and "/screenshots/" not in n}
    expected |= {f"{PLUGIN}/metadata.txt", f"{PLUGIN}/resources/icon.svg"}
    expected |= {f"{PLUGIN}/resources/models/buffer_then_intersect.model3"}
    expected |= {f"{PLUGIN}/{package.I18N_DIR}/{ts.stem}.qm" for ts in translation_sources()}
    vendored = {n for n in names(package_zip) if n.startswith(f"{PLUGIN}/_vendor/")}
    assert set(names(package_zip)) - vendored == expected
    assert not [n for n in names(package_zip) if any(bad in n for bad in LEFTOVERS)]


@pytest.mark.parametrize("requirement", package.VENDORED)
def test_vendored_code_is_the_pinned_wheel_unmodified(package_zip, requirement):
    with zipfile.ZipFile(package.cached_wheel(requirement)) as wheel:
        wanted = {n: wheel.read(n) for n in wheel.namelist() if "__pycache__" not in n}
    for name, content in wanted.items():
        assert read(package_zip, f"{PLUGIN}/_vendor/{name}") == content, name
    distribution = requirement.split("==")[0]
    assert f"{distribution.replace('-', '_')}/__init__.py" in wanted


def wheel_metadata(requirement) -> list:
    """The (name, value) header lines of a vendored wheel's METADATA."""
    with zipfile.ZipFile(package.cached_wheel(requirement)) as wheel:
        (name,) = [n for n in wheel.namelist() if n.endswith(".dist-info/METADATA")]
        text = wheel.read(name).decode("utf-8").split("\n\n", 1)[0]
    return [tuple(line.split(": ", 1)) for line in text.splitlines() if ": " in line]


def oldest_supported_python() -> str:
    """From pyproject.toml's requires-python (">=3.9": QGIS 3.22 on OSGeo4W and macOS)."""
    text = (REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8")
    (line,) = [line for line in text.splitlines() if line.startswith("requires-python")]
    return line.split(">=", 1)[1].strip().strip('"')


def test_vendored_redis_runs_on_the_oldest_python_georedis_supports():
    redis_requirement = f"redis=={package.vendored_version('redis')}"
    requires_python = dict(wheel_metadata(redis_requirement))["Requires-Python"]
    assert SpecifierSet(requires_python).contains(oldest_supported_python())


def test_what_vendored_redis_needs_on_the_supported_pythons_is_vendored_too():
    redis_requirement = f"redis=={package.vendored_version('redis')}"
    needed = set()
    for key, value in wheel_metadata(redis_requirement):
        requirement = Requirement(value) if key == "Requires-Dist" else None
        if requirement is None or (requirement.marker and "extra" in str(requirement.marker)):
            continue
        for python in (oldest_supported_python(), "3.11.2", "3.14.0"):  # OSGeo4W, Debian 12, sid
            environment = {"python_version": python[:4], "python_full_version": python}
            if requirement.marker is None or requirement.marker.evaluate(environment):
                needed.add(requirement.name)
                assert requirement.specifier.contains(package.vendored_version(requirement.name))
    assert needed == {name.split("==")[0] for name in package.VENDORED} - {"redis"}
    vendored_packages = {name.split("==")[0].replace("-", "_") for name in package.VENDORED}
    assert set(dependencies.VENDORED_PACKAGES) == vendored_packages


def test_every_translation_source_is_compiled(package_zip, tmp_path):
    from qgis.PyQt.QtCore import QTranslator

    sources = translation_sources()
    assert sources, "no .ts under georedis_plugin/resources/i18n"
    for ts in sources:
        qm = tmp_path / f"{ts.stem}.qm"
        qm.write_bytes(read(package_zip, f"{PLUGIN}/{package.I18N_DIR}/{ts.stem}.qm"))
        translator = QTranslator()
        assert translator.load(str(qm)), ts.name
        assert not translator.isEmpty(), ts.name


def test_building_again_gives_the_same_bytes(package_zip, tmp_path):
    assert package.build_package(tmp_path).read_bytes() == package_zip.read_bytes()


def install_like_qgis(zip_path, profile: Path) -> Path:
    """Unzip with QGIS's own installer function into <profile>/python/plugins."""
    spec = importlib.util.spec_from_file_location("qgis_plugin_unzip", QGIS_UNZIP)
    unzip = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(unzip)
    plugins = profile / "python" / "plugins"
    unzip.unzip(str(zip_path), str(plugins))
    return plugins


@pytest.fixture(scope="module")
def installed(package_zip, tmp_path_factory):
    """A QGIS config folder whose default profile has the plugin installed from the zip."""
    config = tmp_path_factory.mktemp("zip-install")
    plugins = install_like_qgis(package_zip, config / "profiles" / "default")
    return config, plugins


@pytest.fixture(scope="module")
def shapely_only(tmp_path_factory):
    """A PYTHONPATH that hides every redis (Debian's python3-redis too) but gives shapely."""
    folder = hiding(tmp_path_factory.mktemp("shapely-only"), {"redis"})
    shapely_dir = Path(importlib.util.find_spec("shapely").origin).parent
    for name in ("shapely", "shapely.libs"):  # a wheel's bundled GEOS is in shapely.libs
        if (shapely_dir.parent / name).exists():
            (folder / name).symlink_to(shapely_dir.parent / name)
    no_redis = subprocess.run([SYSTEM_PYTHON, "-P", "-c", "import redis"], env=python_env(folder))
    assert no_redis.returncode != 0
    has_shapely = subprocess.run(
        [SYSTEM_PYTHON, "-P", "-c", "import shapely"], env=python_env(folder)
    )
    assert has_shapely.returncode == 0
    return folder


@pytest.fixture(scope="module")
def neither_redis_nor_shapely(tmp_path_factory):
    folder = hiding(tmp_path_factory.mktemp("no-packages"), {"redis", "shapely"})
    for module in ("redis", "shapely"):
        hidden = subprocess.run(
            [SYSTEM_PYTHON, "-P", "-c", f"import {module}"], env=python_env(folder)
        )
        assert hidden.returncode != 0, module
    return folder


def python_env(pythonpath) -> dict:
    return {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(pythonpath), "PYTHONNOUSERSITE": "1"}


def test_plugin_from_the_zip_uses_the_installed_redis_when_there_is_one(installed):
    _, plugins = installed
    assert dependencies.use_vendored_redis(plugins / PLUGIN / "_vendor") is False
    assert dependencies.vendored_redis_finder() is None
    assert "_vendor" not in sys.modules["redis"].__file__


LOAD_IN_SYSTEM_PYTHON = """
import json, sys
path_before = list(sys.path)
from qgis.core import QgsApplication
app = QgsApplication([], False)
app.initQgis()
messages = []
QgsApplication.messageLog().messageReceived.connect(lambda text, *_: messages.append(text))
import georedis_plugin
plugin = georedis_plugin.classFactory(None)
plugin.initProcessing()
if plugin.missing:
    plugin.initGui()  # reports them, and returns before it needs an iface
    from georedis_plugin.dependencies import install_command
    result = {"provider": False, "messages": messages, "plugin_file": georedis_plugin.__file__}
    result["install_command"] = install_command()
    sys.exit(print(json.dumps(result)))
import redis
from importlib import metadata
from georedis_plugin.dependencies import vendored_redis_finder
result = {
    "redis_file": redis.__file__,
    "redis_version": metadata.version("redis"),
    "sys_path_unchanged": sys.path == path_before,
    "provider": QgsApplication.processingRegistry().providerById("georedis") is not None,
    "messages": messages,
    "plugin_file": georedis_plugin.__file__,
}
plugin.unload()
result["finder_after_unload"] = vendored_redis_finder() is not None
print(json.dumps(result))
"""


def load_in_system_python(plugins: Path, extra_path=None) -> dict:
    pythonpath = f"{plugins}:{extra_path}" if extra_path else str(plugins)
    env = {**python_env(pythonpath), "QT_QPA_PLATFORM": "offscreen"}
    done = subprocess.run(
        [SYSTEM_PYTHON, "-P", "-c", LOAD_IN_SYSTEM_PYTHON],  # -P: not the plugin in our cwd
        env=env,
        cwd=plugins,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert Path(loaded["plugin_file"]).is_relative_to(plugins)
    return loaded


def test_without_redis_installed_the_vendored_copy_is_imported_and_sys_path_untouched(
    installed, shapely_only
):
    _, plugins = installed
    loaded = load_in_system_python(plugins, shapely_only)
    assert Path(loaded["redis_file"]).is_relative_to(plugins / PLUGIN / "_vendor")
    assert loaded["redis_version"] == package.vendored_version("redis")
    assert loaded["sys_path_unchanged"] and loaded["provider"]
    # the only message: the note on redis-py's reply parser where no hiredis 3 is installed
    assert [m for m in loaded["messages"] if not m.startswith(PARSER_NOTE)] == []
    assert loaded["finder_after_unload"] is False  # unload takes the finder away again


def test_without_shapely_the_plugin_from_the_zip_says_what_to_install(
    installed, neither_redis_nor_shapely
):
    _, plugins = installed
    loaded = load_in_system_python(plugins, neither_redis_nor_shapely)
    assert not loaded["provider"]
    (message,) = loaded["messages"]
    assert "'shapely' is not installed" in message and "'redis'" not in message
    command = loaded["install_command"]
    assert message.endswith(f"then restart QGIS: {command}")
    # shapely from Debian (where its package fits) or pip; no redis: it came with the zip
    assert "python3-shapely" in command or '"shapely>=2,<3"' in command
    assert "redis" not in command


def point(xy) -> dict:
    return {"type": "Point", "coordinates": list(xy)}


def test_qgis_process_loads_the_plugin_from_the_zip_and_runs_it_on_the_vendored_redis(
    installed, shapely_only, redis_url, redis_client, tmp_path
):
    config, _ = installed
    enabled = qgis_process(["plugins", "enable", PLUGIN], config, redis_url, shapely_only)
    assert enabled.returncode == 0, enabled.stderr
    listed = qgis_process(["--json", "list"], config, redis_url, shapely_only)
    algorithms = json.loads(listed.stdout)["providers"]["georedis"]["algorithms"]
    from georedis_plugin.processing.provider import algorithm_classes

    assert {f"georedis:{c().name()}" for c in algorithm_classes()} <= set(algorithms)
    places = {"amsterdam": (4.9041, 52.3676), "paris": (2.3522, 48.8566), "rome": (12.4964, 41.9)}
    features = [
        {"type": "Feature", "properties": {"name": n}, "geometry": point(xy)}
        for n, xy in places.items()
    ]
    points = tmp_path / "places.geojson"
    points.write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    results = run_json(
        "georedis:loadgeoset",
        {"INPUT": points, "KEY": "capitals", "ID_FIELD": "name"},
        config,
        redis_url,
        shapely_only,
    )
    assert results["LOADED"] == 3
    key = geoset.GeoSetKeys.for_name(PREFIX, "capitals").geo
    stored = dict(zip(places, redis_client.geopos(key, *places)))
    for name, (lon, lat) in places.items():
        assert stored[name] == pytest.approx((lon, lat), abs=1e-5)
