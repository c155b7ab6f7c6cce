"""Build dist/georedis-<version>.zip for QGIS's Plugins ▸ Manage and Install ▸ Install from ZIP.

python -m scripts.package [--dist-dir dist]

The zip holds one folder, georedis_plugin/: the plugin sources as `make deploy` copies them (with
the top-level metadata.txt), the translations compiled to .qm, and redis-py (the version pinned
in requirements.txt, from its PyPI wheel, checked against a pinned sha256) with async-timeout (which
redis-py imports on Python < 3.11.3) under _vendor/, which georedis_plugin/dependencies.py loads
only when the QGIS Python has no redis of its own.
shapely is not vendored: it is compiled code, installed by the user (the plugin says how).
Entries are sorted and dated ZIP_DATE, so the same sources give the same zip, byte for byte.
"""

import argparse
import configparser
import re
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
# sha256 of the PyPI wheels we vendor: a new pin in requirements.txt needs its hash here.
WHEEL_SHA256 = {
    "redis==5.2.1": "ee7e1056b9aea0f04c6c2ed59452947f34c4940ee025f5dd83e6a6418b6989e4",
    "async-timeout==5.0.1": "39e3809566ff85354557ec2398b55e096c8364bacac9405a7a1fa429e77fe76c",
}
VENDORED = ("redis", "async-timeout")  # distribution names, as in requirements.txt
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


def pinned_requirement(name: str) -> str:
    """The ``name==version`` line of requirements.txt."""
    text = (REPO_ROOT / "requirements.txt").read_text(encoding="utf-8")
    match = re.search(rf"^{re.escape(name)}==([^\s;#]+)", text, re.MULTILINE)
    if match is None:
        raise PackageError(f"requirements.txt pins no exact version of {name} (name==version)")
    return f"{name}=={match.group(1)}"


def download_wheel(requirement: str, wheel_dir: Path = WHEEL_DIR) -> Path:
    """The wheel of ``requirement`` from the package index (pip's own cache and hash check)."""
    sha256 = WHEEL_SHA256.get(requirement)
    if sha256 is None:
        raise PackageError(f"No sha256 pinned for {requirement}: add it to WHEEL_SHA256")
    wheel_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pinned = Path(tmp) / "requirements.txt"
        pinned.write_text(f"{requirement} --hash=sha256:{sha256}\n", encoding="utf-8")
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps"]
        command += ["--only-binary=:all:", "--require-hashes", "-r", str(pinned)]
        done = subprocess.run([*command, "-d", str(wheel_dir)], capture_output=True, text=True)
    if done.returncode != 0:
        raise PackageError(f"pip could not download {requirement}:\n{done.stderr.strip()}")
    name, version = requirement.split("==")
    (wheel,) = wheel_dir.glob(f"{name.replace('-', '_')}-{version}-py3-none-any.whl")
    return wheel


def vendor_wheels(requirements: list, vendor_dir: Path) -> None:
    """Unpack the wheels' packages and dist-info (licence, version metadata) into vendor_dir."""
    for requirement in requirements:
        with zipfile.ZipFile(download_wheel(requirement)) as archive:
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


def build_package(dist_dir: Path = DIST_DIR) -> Path:
    """Build the zip and return its path."""
    zip_path = Path(dist_dir) / f"georedis-{plugin_version()}.zip"
    requirements = [pinned_requirement(name) for name in VENDORED]
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
    args = parser.parse_args(argv)
    try:
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
