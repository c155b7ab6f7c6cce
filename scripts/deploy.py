"""Copy the plugin (with the top-level metadata.txt) into a QGIS profile, optionally enabling it.

python scripts/deploy.py --profile-dir ~/.local/share/QGIS/QGIS3/profiles/default [--enable]
"""

import argparse
import configparser
import shutil
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
PLUGIN_NAME = "georedis_plugin"
# Sources of the build (.ts: compiled to .qm), the README's screenshots (resources/screenshots)
# and leftovers of Python, editors and tools.
IGNORED = shutil.ignore_patterns(
    "__pycache__", "*.pyc", "*.pyo", "*.ts", ".pytest_cache", ".ruff_cache", ".mypy_cache",
    "*~", "*.orig", "*.rej", "*.swp", ".DS_Store", "screenshots",
)  # fmt: skip


def copy_plugin(target: Path) -> Path:
    """Copy the plugin sources into ``target`` (replaced), with the top-level metadata.txt."""
    target = Path(target)
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(REPO_ROOT / PLUGIN_NAME, target, ignore=IGNORED)
    shutil.copy2(REPO_ROOT / "metadata.txt", target / "metadata.txt")
    return target


def deploy(profile_dir: Path, enable: bool = False) -> Path:
    """Install the plugin into ``profile_dir``/python/plugins and return the installed folder."""
    target = copy_plugin(Path(profile_dir) / "python" / "plugins" / PLUGIN_NAME)
    if enable:
        enable_plugin(Path(profile_dir))
    return target


def enable_plugin(profile_dir: Path) -> None:
    """Mark the plugin enabled in the profile's QGIS3.ini, as the plugin manager does."""
    ini = profile_dir / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True, exist_ok=True)
    parser = configparser.RawConfigParser(strict=False)
    parser.optionxform = str
    if ini.exists():
        parser.read(ini, encoding="utf-8")
    if not parser.has_section("PythonPlugins"):
        parser.add_section("PythonPlugins")
    parser.set("PythonPlugins", PLUGIN_NAME, "true")
    with ini.open("w", encoding="utf-8") as handle:
        parser.write(handle, space_around_delimiters=False)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--profile-dir", required=True, type=Path)
    parser.add_argument("--enable", action="store_true", help="also enable it in the profile")
    args = parser.parse_args(argv)
    target = deploy(args.profile_dir.expanduser(), args.enable)
    print(f"GeoRedis deployed to {target}")
    if not args.enable:
        print("Enable it in Plugins ▸ Manage and Install Plugins, or with:")
        print(f"  QGIS_CUSTOM_CONFIG_PATH=... qgis_process.bin plugins enable {PLUGIN_NAME}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
