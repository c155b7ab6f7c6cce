"""Checks that the QGIS Python has what GeoRedis needs, without importing the plugin's modules."""

import importlib
import sys
import sysconfig
from pathlib import Path

REQUIREMENTS = ("redis>=4.5", "shapely>=2,<3", "numpy<2")


def missing_dependencies() -> list:
    """Human-readable problems with the required packages; empty when all is well."""
    problems = []
    try:
        importlib.import_module("redis")
    except ImportError:
        problems.append("the Python package 'redis' is not installed")
    try:
        shapely = importlib.import_module("shapely")
    except ImportError:
        problems.append("the Python package 'shapely' is not installed")
    else:
        major = str(getattr(shapely, "__version__", "0")).split(".")[0]
        if not major.isdigit() or int(major) < 2:
            problems.append(
                f"shapely {getattr(shapely, '__version__', '?')} is too old (GeoRedis needs 2.x)"
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
    requirements = " ".join(f'"{r}"' for r in REQUIREMENTS)
    if sys.platform == "win32":
        return f"python -m pip install {requirements}   (in the OSGeo4W Shell)"
    # Debian 12 and newer mark the system Python as externally managed (PEP 668).
    marker = Path(sysconfig.get_paths()["stdlib"]) / "EXTERNALLY-MANAGED"
    override = " --break-system-packages" if marker.exists() else ""
    return f"{python_executable()} -m pip install --user{override} {requirements}"
