"""Build dist/georedis-<version>.zip for QGIS's Plugins ▸ Manage and Install ▸ Install from ZIP.

python -m scripts.package [--dist-dir dist]      build the zip (fetching the wheels if needed)
python -m scripts.package --fetch-wheels         only fill build/wheels (`make setup` does)

The zip holds one folder, georedis_plugin/: the plugin sources as `make deploy` copies them (with
the top-level metadata.txt), the translations compiled to .qm, and under _vendor/ the unmodified
PyPI wheels of VENDORED (checked against pinned sha256), which georedis_plugin/dependencies.py
loads only when the QGIS Python has no redis of its own.

Which redis-py: the newest that runs on the oldest Python a supported QGIS ships. QGIS 3.22 (the
oldest GeoRedis supports) comes with Python 3.9 on Windows (OSGeo4W) and macOS (the macOS
packages stayed on 3.9 up to 3.40; Debian 12 has 3.11, Ubuntu 22.04 3.10). redis-py 7.0.1
requires Python >= 3.9, 7.1.0 and newer >= 3.10 (their Requires-Python), so the zip carries
redis 7.0.1. It imports async-timeout (from redis.asyncio, which redis/__init__.py imports) on
Python < 3.11.3, which covers 3.9, 3.10 and Debian 12's 3.11.2: async-timeout 5.0.1 is vendored too.
shapely is not vendored: it is compiled code, installed by the user (the plugin says how).

The wheels are downloaded once into build/wheels (git-ignored, kept by `make setup`), so that
building the zip, and tests/test_package.py, work offline afterwards, e.g. in the test matrix's
chroots, which see this checkout (and its build/wheels) at /repo.
Entries are sorted and dated ZIP_DATE, so the same sources give the same zip, byte for byte.
"""

import argparse
import configparser
import hashlib
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

from scripts.deploy import PLUGIN_NAME, REPO_ROOT, copy_plugin

DIST_DIR = REPO_ROOT / "dist"
WHEEL_DIR = REPO_ROOT / "build" / "wheels"
I18N_DIR = Path("resources") / "i18n"
VENDOR_DIR = "_vendor"
ZIP_DATE = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold
# The PyPI wheels the zip vendors, with their sha256 (see the module docstring for the choice).
VENDORED = {
    "redis==7.0.1": "4977af3c7d67f8f0eb8b6fec0dafc9605db9343142f634041fb0235f67c0588a",
    "async-timeout==5.0.1": "39e3809566ff85354557ec2398b55e096c8364bacac9405a7a1fa429e77fe76c",
}
VENDOR_README = """\
Vendored for the "Install from ZIP" package of GeoRedis by scripts/package.py; do not edit.
The unmodified contents of these PyPI wheels (licences in their *.dist-info/LICENSE):
{requirements}
georedis_plugin/dependencies.py (use_vendored_redis) makes `import redis` load them only when
the QGIS Python has no redis of its own.
"""


class PackageError(Exception):
    """A build step that cannot be done; the message says what to do."""


def plugin_version() -> str:
    parser = configparser.RawConfigParser()
    parser.read(REPO_ROOT / "metadata.txt", encoding="utf-8")
    return parser.get("general", "version")


def vendored_version(name: str) -> str:
    """The version of distribution ``name`` in VENDORED."""
    (version,) = [r.split("==")[1] for r in VENDORED if r.split("==")[0] == name]
    return version


def wheel_path(requirement: str, wheel_dir: Path = WHEEL_DIR) -> Path:
    name, version = requirement.split("==")
    return wheel_dir / f"{name.replace('-', '_')}-{version}-py3-none-any.whl"


def cached_wheel(requirement: str, wheel_dir: Path = WHEEL_DIR) -> Path:
    """The wheel of ``requirement`` from build/wheels, its sha256 checked; no network."""
    wheel = wheel_path(requirement, wheel_dir)
    if not wheel.is_file():
        raise PackageError(
            f"{wheel} is missing: run `make setup` (or python -m scripts.package --fetch-wheels) "
            "once on a machine that reaches the package index; it keeps the wheels there"
        )
    digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
    if digest != VENDORED[requirement]:
        raise PackageError(
            f"{wheel} has sha256 {digest}, not the pinned {VENDORED[requirement]}: delete it "
            "and run `make setup` again"
        )
    return wheel


def fetch_wheels(wheel_dir: Path = WHEEL_DIR) -> list:
    """Download the VENDORED wheels that build/wheels lacks (pip checks the hashes)."""
    missing = [r for r in VENDORED if not wheel_path(r, wheel_dir).is_file()]
    if missing:
        wheel_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            pinned = Path(tmp) / "requirements.txt"
            pinned.write_text(
                "".join(f"{r} --hash=sha256:{VENDORED[r]}\n" for r in missing), encoding="utf-8"
            )
            command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
            command += ["--only-binary=:all:", "--require-hashes", "-r", str(pinned)]
            done = subprocess.run([*command, "-d", str(wheel_dir)], capture_output=True, text=True)
        if done.returncode != 0:
            raise PackageError(f"pip could not download {missing}:\n{done.stderr.strip()}")
    return [cached_wheel(r, wheel_dir) for r in VENDORED]


def vendor_wheels(requirements: list, vendor_dir: Path) -> None:
    """Unpack the wheels' packages and dist-info (licence, version metadata) into vendor_dir."""
    for requirement in requirements:
        with zipfile.ZipFile(cached_wheel(requirement)) as archive:
            members = [m for m in archive.namelist() if "__pycache__/" not in m]
            archive.extractall(vendor_dir, members)
    listing = "".join(f"  {r}\n" for r in requirements)
    (vendor_dir / "README.txt").write_text(
        VENDOR_README.format(requirements=listing), encoding="utf-8"
    )


def lrelease() -> str:
    for candidate in ("lrelease", "/usr/lib/qt5/bin/lrelease", "lrelease-qt5"):
        found = shutil.which(candidate)
        if found:
            return found
    raise PackageError("lrelease is missing: install qttools5-dev-tools (make setup does)")


def compile_translations(source_dir: Path, target_dir: Path) -> list:
    """Compile every .ts under source_dir to a .qm in target_dir; the .qm paths."""
    sources = sorted(source_dir.glob("*.ts"))
    compiled = []
    for ts in sources:
        qm = target_dir / ts.with_suffix(".qm").name
        done = subprocess.run(
            [lrelease(), "-silent", str(ts), "-qm", str(qm)], capture_output=True, text=True
        )
        if done.returncode != 0 or not qm.exists():
            raise PackageError(f"lrelease failed on {ts}:\n{done.stderr.strip()}")
        compiled.append(qm)
    return compiled


def write_zip(folder: Path, zip_path: Path) -> None:
    """Zip ``folder`` as its own top-level folder: sorted entries, fixed dates and modes."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    partial = zip_path.with_suffix(".zip.partial")
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for path in files:
            info = zipfile.ZipInfo(f"{folder.name}/{path.relative_to(folder).as_posix()}", ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    partial.replace(zip_path)


def build_package(dist_dir: Path = DIST_DIR, download: bool = True) -> Path:
    """Build the zip and return its path; ``download=False``: from build/wheels only."""
    zip_path = Path(dist_dir) / f"georedis-{plugin_version()}.zip"
    requirements = list(VENDORED)
    if download:
        fetch_wheels()
    with tempfile.TemporaryDirectory(prefix="georedis-package-") as tmp:
        staging = copy_plugin(Path(tmp) / PLUGIN_NAME)
        (staging / I18N_DIR).mkdir(parents=True, exist_ok=True)
        compile_translations(REPO_ROOT / PLUGIN_NAME / I18N_DIR, staging / I18N_DIR)
        if not any((staging / I18N_DIR).iterdir()):
            (staging / I18N_DIR).rmdir()
        vendor_wheels(requirements, staging / VENDOR_DIR)
        write_zip(staging, zip_path)
    return zip_path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist-dir", type=Path, default=DIST_DIR)
    parser.add_argument(
        "--fetch-wheels", action="store_true", help="only download the vendored wheels"
    )
    args = parser.parse_args(argv)
    try:
        if args.fetch_wheels:
            for wheel in fetch_wheels():
                print(f"{wheel}: sha256 checked")
            return 0
        zip_path = build_package(args.dist_dir)
    except PackageError as exc:
        print(f"make package: {exc}", file=sys.stderr)
        return 1
    size = zip_path.stat().st_size
    print(f"{zip_path} ({size / 1024:.0f} KiB): install it with Plugins ▸ Manage and Install")
    print("Plugins ▸ Install from ZIP, then enable GeoRedis in the Installed tab.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
