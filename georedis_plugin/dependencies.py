"""Checks that the QGIS Python has what GeoRedis needs, importing none of the plugin's modules
(but the tiny translation helper).

Also the one place that loads the copy of redis-py that `make package` vendors into the plugin
zip (``georedis_plugin/_vendor/``), see ``use_vendored_redis``.
"""

import importlib
import importlib.abc
import importlib.metadata
import importlib.util
import os
import re
import struct
import subprocess
import sys
import sysconfig
from dataclasses import dataclass, field
from pathlib import Path

from .i18n import tr

# What the install advice asks pip for (Debian's packages are named in DEBIAN_PACKAGES).
REQUIREMENTS = ("redis>=4.5.5", "shapely>=2,<3")
# QGIS's GDAL bindings (osgeo.gdal_array) are built against the numpy the platform ships, so pip
# must keep a numpy 1 where QGIS runs one (Debian 12: a shapely wheel would otherwise be free
# to pull numpy 2), and is never asked for numpy < 2 where numpy 2 is installed.
NUMPY_1_PIN = "numpy<2"
# Debian's and Ubuntu's packages of the requirements, with the oldest version that fits: built
# against the GEOS the distribution's QGIS links, they are the best choice where they fit
# (Debian 13 and newer, Ubuntu 24.04 and newer; Debian 12 has shapely 1.8 and redis-py 4.3).
DEBIAN_PACKAGES = {"redis": ("python3-redis", (4, 5, 5)), "shapely": ("python3-shapely", (2, 0))}
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
        if not _older_than_supported(_installed_version("redis"), REDIS_FLOOR):
            return False  # the QGIS Python has its own redis: use that one
        # Debian 12's python3-redis 4.3.4 lacks what GeoRedis needs (CredentialProvider):
        # the zip's copy goes first, for ``redis`` and ``async_timeout`` only
        sys.meta_path.insert(0, VendoredRedisFinder(vendor_dir))
        return True
    sys.meta_path.append(VendoredRedisFinder(vendor_dir))
    return True


# The oldest redis-py GeoRedis runs on: CredentialProvider (4.4) and the Sentinel errors it
# explains (4.5.5); `make test-redis-py` runs the Redis-facing tests on it.
REDIS_FLOOR = (4, 5, 5)


def _installed_version(distribution: str) -> str:
    """The version the installed distribution declares, read without importing it."""
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return ""


def _older_than_supported(version: str, floor: tuple) -> bool:
    """True only for a version that is readable and below ``floor`` ("0+unknown" is not)."""
    match = re.match(r"(\d+)\.(\d+)(?:\.(\d+))?", version)
    if match is None or match.group(1) == "0":
        return False
    return tuple(int(n or 0) for n in match.groups()) < floor


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
    return [problem for problem, _ in _problems()]


def missing_packages() -> list:
    """The names in REQUIREMENTS ("redis", "shapely") that the QGIS Python lacks or cannot use."""
    return [name for _, name in _problems()]


def _problems() -> list:
    problems = []
    try:
        redis = importlib.import_module("redis")
    except ImportError:
        problems.append((tr("the Python package 'redis' is not installed"), "redis"))
    else:
        if not redis_has_credential_providers(redis):
            problem = tr(
                "the redis-py in {path} (version {version}) is too old: it has no "
                "CredentialProvider; GeoRedis needs redis-py 4.5.5 or newer"
            ).format(
                path=Path(getattr(redis, "__file__", None) or "?").parent,
                version=getattr(redis, "__version__", "?"),
            )
            problems.append((problem, "redis"))
    try:
        shapely = importlib.import_module("shapely")
    except ImportError:
        problems.append((tr("the Python package 'shapely' is not installed"), "shapely"))
    else:
        lacking = shapely_lacks(shapely)
        if lacking:
            problem = tr(
                "the shapely in {path} (version {version}) lacks shapely 2's vectorized API "
                "({lacking}); GeoRedis needs shapely 2.x"
            ).format(
                path=Path(getattr(shapely, "__file__", None) or "?").parent,
                version=getattr(shapely, "__version__", "?"),
                lacking=lacking,
            )
            problems.append((problem, "shapely"))
    return problems


def redis_has_credential_providers(redis) -> bool:
    """Whether ``redis`` takes a ``credential_provider`` (redis-py 4.4 and newer), which is how
    GeoRedis hands it the password from the QGIS authentication database."""
    import inspect

    try:
        credentials = importlib.import_module(f"{redis.__name__}.credentials")
        parameters = inspect.signature(redis.Redis.__init__).parameters
    except (ImportError, AttributeError, TypeError, ValueError):
        return False
    return hasattr(credentials, "CredentialProvider") and "credential_provider" in parameters


# The vectorized functions GeoRedis calls, all of them shapely 2.0's (the version string is no
# guide: Debian's shapely 2.2 says "0+unknown").
SHAPELY_FUNCTIONS = (
    "from_wkb",
    "to_wkb",
    "buffer",
    "intersection",
    "STRtree",
    "is_missing",
    "is_empty",
    "is_valid",
    "has_z",
    "prepare",
    "contains_properly",
    "intersects_xy",
    "get_coordinates",
    "get_num_coordinates",
    "get_type_id",
)


def shapely_lacks(shapely) -> str:
    """What of shapely 2's vectorized API the module ``shapely`` lacks; "" when it has it all.

    Capabilities, not version strings: the functions GeoRedis calls must exist and a small
    vectorized round trip (WKB in and out, buffer and intersection on arrays, an STRtree
    query with a predicate, intersection on a precision grid) must give the right answer.
    """
    absent = [f"shapely.{name}" for name in SHAPELY_FUNCTIONS if not hasattr(shapely, name)]
    if not hasattr(shapely, "geos_version"):
        absent.append("shapely.geos_version")
    if absent:
        return tr("no {names}").format(names=", ".join(absent))
    try:
        import numpy as np

        # two points 3 apart, as WKB: shapely 2 takes and gives arrays of geometries
        wkbs = [struct.pack("<BIdd", 1, 1, x, 0.0) for x in (0.0, 3.0)]
        points = shapely.from_wkb(np.array(wkbs, dtype=object))
        discs = shapely.buffer(points, np.array([2.0, 2.0]), quad_segs=8)
        pairs = shapely.STRtree(discs).query(points, predicate="intersects")
        lens = shapely.intersection(discs[:1], discs[1:], grid_size=0.5)
        round_trip = shapely.from_wkb(shapely.to_wkb(lens, flavor="iso", output_dimension=3))
        if sorted(zip(*pairs.tolist())) != [(0, 0), (1, 1)]:
            return tr("an STRtree query with a predicate gave {pairs}").format(pairs=pairs.tolist())
        if not (len(round_trip) == 1 and 0.0 < shapely.area(round_trip[0]) < 4.0):
            return tr("buffer and intersection on arrays gave {result}").format(result=round_trip)
    except Exception as exc:  # an old or broken shapely can fail in any way
        return f"{type(exc).__name__}: {exc}"
    return ""


def geos_difference():
    """(shapely's GEOS, QGIS's GEOS) as version strings when they differ, else None.

    Not a reason to refuse loading: the cached algorithms work with any GEOS, but their results
    are those of shapely's GEOS, which may differ from QGIS's native algorithms in the last
    digits of coordinates where the two GEOS versions differ in their algorithms.
    """
    import shapely
    from qgis.core import Qgis

    try:
        ours = tuple(int(part) for part in shapely.geos_version[:3])
        # Qgis.geosVersionMajor/Minor/Patch: since QGIS 3.20
        qgis = (Qgis.geosVersionMajor(), Qgis.geosVersionMinor(), Qgis.geosVersionPatch())
    except (AttributeError, TypeError, ValueError):  # nothing to compare: no reason to say more
        return None
    if ours == qgis:
        return None
    return ".".join(map(str, ours)), ".".join(map(str, qgis))


@dataclass(frozen=True)
class Platform:
    """What the install advice depends on; ``current_platform()`` describes the running one."""

    system: str  # sys.platform: "linux", "win32", "darwin", ...
    python: str  # the interpreter to run pip with
    in_venv: bool
    externally_managed: bool  # PEP 668 marker: pip needs --break-system-packages
    # Debian package name -> the version apt would install, for a Python that is Debian's
    debian_candidates: dict = field(default_factory=dict)
    numpy_version: str = ""  # the numpy QGIS runs, "" when there is none


def current_platform(with_apt: bool = True) -> Platform:
    """The running platform; ``with_apt=False`` skips asking apt (a subprocess) for its
    candidates, for advice that is pip's anyway."""
    in_venv = sys.prefix != sys.base_prefix
    marker = Path(sysconfig.get_paths()["stdlib"]) / "EXTERNALLY-MANAGED"
    debian_python = sys.platform.startswith("linux") and sys.base_prefix == "/usr"
    try:
        import numpy

        numpy_version = str(numpy.__version__)
    except ImportError:
        numpy_version = ""
    return Platform(
        system=sys.platform,
        python=python_executable(),
        in_venv=in_venv,
        externally_managed=marker.exists(),
        debian_candidates=(
            debian_candidates() if with_apt and debian_python and not in_venv else {}
        ),
        numpy_version=numpy_version,
    )


def debian_candidates() -> dict:
    """Package -> the version ``apt`` would install, for DEBIAN_PACKAGES; {} without apt."""
    packages = [package for package, _ in DEBIAN_PACKAGES.values()]
    try:
        done = subprocess.run(
            ["apt-cache", "policy", *packages],
            capture_output=True,
            text=True,
            timeout=20,
            env={**os.environ, "LC_ALL": "C"},
        )
    except (OSError, subprocess.SubprocessError):
        return {}
    candidates, package = {}, None
    for line in done.stdout.splitlines():
        if not line.startswith(" ") and line.endswith(":"):
            package = line[:-1]
        elif line.strip().startswith("Candidate:") and package:
            version = line.split(":", 1)[1].strip()
            if version != "(none)":
                candidates[package] = version
    return candidates


def _debian_version(version: str) -> tuple:
    """(major, minor) of a Debian version such as "1:2.1.1-1+b1"; (0, 0) if unreadable."""
    match = re.match(r"(?:\d+:)?(\d+)\.(\d+)", version)
    return (int(match.group(1)), int(match.group(2))) if match else (0, 0)


def python_executable() -> str:
    """The Python interpreter behind QGIS.

    In QGIS desktop sys.executable is the qgis binary or whichever python3 comes first on PATH
    (a pyenv shim, a conda env), so outside a venv the interpreter under sys.base_prefix is
    named, with its exact version. On macOS, the QGIS.app bundle's own Python: up to QGIS 3.40
    Contents/MacOS/bin/python3.9, from QGIS 3.44 Contents/MacOS/python (which sets PYTHONHOME
    for the python3.12 beside it).
    """
    in_venv = sys.prefix != sys.base_prefix
    if in_venv and Path(sys.executable).name.startswith("python"):
        return sys.executable
    if sys.platform == "win32":
        return "python"  # the OSGeo4W Shell puts QGIS's Python first on PATH
    version = f"python{sys.version_info.major}.{sys.version_info.minor}"
    bin_dir = Path(sys.base_prefix) / "bin"
    candidates = [bin_dir / version]
    if sys.platform == "darwin":
        for path in (Path(sys.executable), Path(sys.base_prefix)):
            parts = path.parts
            apps = [i for i, part in enumerate(parts) if part.endswith(".app")]
            if apps:
                macos = Path(*parts[: apps[0] + 1]) / "Contents" / "MacOS"
                candidates += [macos / "bin" / version, macos / "python", macos / version]
    candidates.append(bin_dir / "python3")
    return str(next((c for c in candidates if c.exists()), candidates[-1]))


def install_command(platform=None, missing=None) -> str:
    """The command that installs what is missing into the QGIS Python.

    ``missing``: names from REQUIREMENTS (default: what this Python lacks, but the redis the
    zip vendors). Never downgrades numpy: ``numpy<2`` is only added where QGIS runs numpy 1.
    """
    platform = platform or current_platform()
    if missing is None:
        missing = missing_packages() or ["redis", "shapely"]
        if vendored_redis_finder() is not None:
            missing = [name for name in missing if name != "redis"] or ["shapely"]
    apt, pip = [], []
    for name in missing:
        package, oldest = DEBIAN_PACKAGES[name]
        candidate = platform.debian_candidates.get(package)
        if candidate and _debian_version(candidate) >= oldest and not platform.in_venv:
            apt.append(package)
        else:
            pip.append(next(r for r in REQUIREMENTS if r.split(">")[0] == name))
    numpy_major = platform.numpy_version.split(".")[0]
    if "shapely" in missing and pip and numpy_major.isdigit() and int(numpy_major) < 2:
        pip.append(NUMPY_1_PIN)
    commands = []
    if apt:
        commands.append("sudo apt install " + " ".join(apt))
    if pip:
        commands.append(pip_command(platform, pip))
    return " && ".join(commands)


def pip_command(platform, requirements) -> str:
    """pip installing ``requirements`` into the QGIS Python of ``platform``."""
    quoted = " ".join(f'"{r}"' for r in requirements)
    if platform.system == "win32":
        return tr("{command}   (in the OSGeo4W Shell)").format(
            command=f"python -m pip install {quoted}"
        )
    if platform.in_venv:
        return f"{platform.python} -m pip install {quoted}"
    override = " --break-system-packages" if platform.externally_managed else ""
    return f"{platform.python} -m pip install --user{override} {quoted}"


# redis-py 6 and newer ignore a hiredis older than 3 (Debian 13 and sid ship 2.3.2) and parse
# replies in Python: geo-set searches then take 2 to 3 times as long (make bench, trixie).
HIREDIS_REQUIREMENT = "hiredis>=3"


def redis_parses_with_hiredis() -> bool:
    """Whether redis-py uses hiredis's C parser (redis.utils.HIREDIS_AVAILABLE, redis-py 4+)."""
    try:
        utils = importlib.import_module("redis.utils")
    except ImportError:
        return False
    return bool(getattr(utils, "HIREDIS_AVAILABLE", False))
