"""Checks that the QGIS Python has what GeoRedis needs, importing none of the plugin's modules
(but the tiny translation helper).

Also the one place that loads the copy of redis-py that `make package` vendors into the plugin
zip (``georedis_plugin/_vendor/``), see ``use_vendored_redis``.
"""

import importlib
import importlib.abc
import importlib.metadata
import importlib.util
import sys
import sysconfig
from pathlib import Path

from .i18n import tr

REQUIREMENTS = ("redis>=4.5", "shapely>=2,<3", "numpy<2")
VENDOR_DIR = Path(__file__).resolve().parent / "_vendor"
# Top-level packages `make package` puts in _vendor/: redis-py, and async-timeout, which redis-py
# imports on Python < 3.11.3 (Debian 12 has 3.11.2).
VENDORED_PACKAGES = ("redis", "async_timeout")


def _distribution_key(name: str) -> str:
    return name.lower().replace("-", "_").replace(".", "_")


class VendoredRedisFinder(importlib.abc.MetaPathFinder):
    """Finds the top-level packages in VENDORED_PACKAGES, and only them, in ``_vendor/``.

    Why a meta-path finder rather than ``sys.path.append(_vendor)``: a sys.path entry is
    global and exposes everything in the folder to every plugin and script in the QGIS Python,
    for the whole session. This finder answers for two names only; it sits at the end of
    ``sys.meta_path``, so packages installed in the QGIS Python always win, and it is only
    installed when the QGIS Python has no redis. Submodules (``redis.cluster``, ...) need no
    help: Python finds them through the package's ``__path__``, which points into ``_vendor/``.
    It also answers ``importlib.metadata`` for these distributions (redis-py reads its own
    version there, and sends it to the server with CLIENT SETINFO).
    """

    def __init__(self, vendor_dir: Path):
        self.vendor_dir = Path(vendor_dir)

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in VENDORED_PACKAGES or path is not None:
            return None
        package = self.vendor_dir / fullname
        if not (package / "__init__.py").is_file():
            return None
        return importlib.util.spec_from_file_location(
            fullname, package / "__init__.py", submodule_search_locations=[str(package)]
        )

    def find_distributions(self, context=None):
        context = context or importlib.metadata.DistributionFinder.Context()
        infos = sorted(self.vendor_dir.glob("*.dist-info"))
        if context.name is not None:
            wanted = _distribution_key(context.name)
            infos = [i for i in infos if _distribution_key(i.name.split("-")[0]) == wanted]
        return iter(importlib.metadata.PathDistribution(info) for info in infos)


def use_vendored_redis(vendor_dir: Path = VENDOR_DIR) -> bool:
    """Make ``import redis`` find the vendored copy, if there is one and no other redis.

    Called by classFactory. Idempotent; returns whether the vendored copy is (now) the one
    ``import redis`` loads.
    """
    if vendored_redis_finder() is not None:
        return True
    if not (Path(vendor_dir) / "redis" / "__init__.py").is_file():
        return False  # not installed from the zip (make deploy, a git checkout)
    loaded = sys.modules.get("redis")
    if loaded is not None:  # imported before: by an earlier load of this plugin, or not ours
        origin = Path(getattr(loaded, "__file__", None) or "/").resolve()
        if not origin.is_relative_to(Path(vendor_dir).resolve()):
            return False
    elif importlib.util.find_spec("redis") is not None:
        return False  # the QGIS Python has its own redis: use that one
    sys.meta_path.append(VendoredRedisFinder(vendor_dir))
    return True


def stop_using_vendored_redis() -> None:
    """Remove the finder (plugin unload). Modules already imported stay in sys.modules."""
    finder = vendored_redis_finder()
    if finder is not None:
        sys.meta_path.remove(finder)


def vendored_redis_finder():
    # By class name: a reloaded plugin has a new class object, and must not add a second finder.
    for finder in sys.meta_path:
        if type(finder).__name__ == VendoredRedisFinder.__name__:
            return finder
    return None


def missing_dependencies() -> list:
    """Human-readable problems with the required packages; empty when all is well."""
    problems = []
    try:
        importlib.import_module("redis")
    except ImportError:
        problems.append(tr("the Python package 'redis' is not installed"))
    try:
        shapely = importlib.import_module("shapely")
    except ImportError:
        problems.append(tr("the Python package 'shapely' is not installed"))
    else:
        major = str(getattr(shapely, "__version__", "0")).split(".")[0]
        if not major.isdigit() or int(major) < 2:
            problems.append(
                tr("shapely {version} is too old (GeoRedis needs 2.x)").format(
                    version=getattr(shapely, "__version__", "?")
                )
            )
    return problems


def python_executable() -> str:
    """The Python interpreter behind QGIS.

    In QGIS desktop sys.executable is the qgis binary or whichever python3 comes first on PATH
    (a pyenv shim, a conda env), so outside a venv the interpreter under sys.base_prefix is
    named, with its exact version.
    """
    in_venv = sys.prefix != sys.base_prefix
    if in_venv and Path(sys.executable).name.startswith("python"):
        return sys.executable
    if sys.platform == "win32":
        return "python"  # the OSGeo4W Shell puts QGIS's Python first on PATH
    bin_dir = Path(sys.base_prefix) / "bin"
    versioned = bin_dir / f"python{sys.version_info.major}.{sys.version_info.minor}"
    return str(versioned if versioned.exists() else bin_dir / "python3")


def install_command() -> str:
    needed = [r for r in REQUIREMENTS if not (r.startswith("redis") and vendored_redis_finder())]
    requirements = " ".join(f'"{r}"' for r in needed)
    if sys.platform == "win32":
        return f"python -m pip install {requirements}   (in the OSGeo4W Shell)"
    # Debian 12 and newer mark the system Python as externally managed (PEP 668).
    marker = Path(sysconfig.get_paths()["stdlib"]) / "EXTERNALLY-MANAGED"
    override = " --break-system-packages" if marker.exists() else ""
    return f"{python_executable()} -m pip install --user{override} {requirements}"
