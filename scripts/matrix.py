"""The test matrix (issue 10): the whole suite in Debian chroots made with debootstrap.

python3 -m scripts.matrix build [PLATFORM...]      make (or finish) the chroots; reused when ready
python3 -m scripts.matrix run PLATFORM -- CMD...   CMD as root in /repo (this checkout) in a chroot
python3 -m scripts.matrix test [PLATFORM...]       the suite in every chroot, against redis-server
                                                   and valkey-server; a table; exit 1 on failures

Chroots live in ``$GEOREDIS_MATRIX_DIR`` (default: ``.matrix/`` of the checkout holding this
script, so worktrees running this script share them), one directory per platform. Each command
runs in private mount and PID namespaces (``unshare``): /proc, /dev, /dev/pts, a fresh /dev/shm
and /tmp, and the checkout at /repo are mounted there only, and vanish with every process left
behind when the command ends, failed or not. Python packages Debian lacks (pytest, pytest-qgis,
hypothesis, pinned in requirements-dev.txt) are downloaded on the host and installed offline
into the chroot's own venv, /opt/georedis-venv (system site packages: Debian's QGIS, redis-py,
shapely, numpy). Stdlib only: it runs with the host's /usr/bin/python3 before any venv exists.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

SCRIPT_REPO = Path(__file__).resolve().parents[1]
MIRROR = "http://deb.debian.org/debian"
VENV = "/opt/georedis-venv"
WHEELS = "/opt/georedis-wheels"
# Inside a chroot: names the platform; the Makefile uses the chroot's venv when it exists.
MARKER = "etc/georedis-matrix"
PLATFORMS = {
    # name: (Debian suite, Python version of its python3)
    "trixie": ("trixie", "3.13"),
    "sid": ("sid", "3.14"),
}
APT_PACKAGES = [
    # QGIS and the Python packages the plugin uses, all from Debian (one GEOS for QGIS/shapely)
    "python3-qgis", "qgis", "qgis-providers", "python3-shapely", "python3-redis",
    "python3-numpy", "python3-hiredis", "python3-venv", "python3-pip",
    # both servers the Redis-facing tests run against, and their CLIs (cluster creation)
    "redis-server", "redis-tools", "valkey-server", "valkey-tools",
    # desktop tests, translations, TLS certificates, screenshots, the Makefile
    "xvfb", "xauth", "qttools5-dev-tools", "openssl", "imagemagick", "make", "git",
    "ca-certificates", "procps", "locales",
]  # fmt: skip
# Files a test run writes: junit reports of `test`, per platform and server.
REPORTS = "artifacts/matrix"
REDIS_FACING = "redis"  # pytest marker of the tests that talk to a server (tests/conftest.py)


def matrix_dir() -> Path:
    return Path(os.environ.get("GEOREDIS_MATRIX_DIR") or SCRIPT_REPO / ".matrix").resolve()


def chroot_dir(platform: str) -> Path:
    return matrix_dir() / platform


def checkout() -> Path:
    """The git checkout of the current directory (the one mounted at /repo)."""
    found = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True, check=False
    )
    return Path(found.stdout.strip() or os.getcwd()).resolve()


def log(message: str) -> None:
    print(f"[matrix] {message}", file=sys.stderr, flush=True)


def dev_pins() -> list:
    """pytest, pytest-qgis and hypothesis as requirements-dev.txt pins them (Debian has none
    of these pins)."""
    pins = []
    for line in (SCRIPT_REPO / "requirements-dev.txt").read_text().splitlines():
        requirement = line.split("#")[0].strip()
        if requirement.split("==")[0].strip().lower() in ("pytest", "pytest-qgis", "hypothesis"):
            pins.append(requirement)
    return pins


def build_stamp(platform: str) -> str:
    """Changes when what `build` installs changes, so an old chroot gets completed."""
    recipe = {"suite": PLATFORMS[platform], "apt": APT_PACKAGES, "pip": dev_pins(), "v": 1}
    return hashlib.sha256(json.dumps(recipe, sort_keys=True).encode()).hexdigest()[:16]


def is_ready(platform: str) -> bool:
    marker = chroot_dir(platform) / MARKER
    return marker.exists() and build_stamp(platform) in marker.read_text()


# -- running commands in a chroot ----------------------------------------------------------


def chroot_env(extra: dict) -> dict:
    env = {
        "PATH": f"{VENV}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "HOME": "/root",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "QT_QPA_PLATFORM": "offscreen",
        "DEBIAN_FRONTEND": "noninteractive",
        "TERM": os.environ.get("TERM", "dumb"),
        # a crash (QGIS at exit, a C++ abort) prints the Python stack of every thread
        "PYTHONFAULTHANDLER": "1",
    }
    for name, value in os.environ.items():
        if name.startswith(("GEOREDIS_", "PYTEST_")) and name != "GEOREDIS_MATRIX_DIR":
            env[name] = value
    env.update(extra)
    return env


def run_in_chroot(platform: str, command: list, repo=None, env=None, check=False) -> int:
    """``command`` as root in the chroot (in /repo when ``repo`` is mounted there)."""
    root = chroot_dir(platform)
    spec = {
        "root": str(root),
        "repo": str(repo) if repo else "",
        "command": command,
        "env": chroot_env(env or {}),
    }
    # A new mount namespace (nothing leaks to the host's mount table) and PID namespace (every
    # process the command leaves behind, e.g. a redis-server, is killed when it ends).
    code = subprocess.run(
        [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "--pid",
            "--fork",
            "--kill-child",
            sys.executable,
            str(Path(__file__).resolve()),
            "_inside",
            json.dumps(spec),
        ],
        check=False,
    ).returncode
    if check and code != 0:
        raise RuntimeError(f"{platform}: {' '.join(command)} exited with {code}")
    return code


def inside(spec: dict) -> int:
    """In the new namespaces: mount what the command needs, chroot, run it."""
    root = Path(spec["root"])

    def mount(*args: str) -> None:
        subprocess.run(["mount", *args], check=True)

    mount("-t", "proc", "proc", str(root / "proc"))
    mount("--bind", "/dev", str(root / "dev"))
    mount("--bind", "/dev/pts", str(root / "dev/pts"))
    mount("-t", "tmpfs", "-o", "mode=1777", "tmpfs", str(root / "dev/shm"))
    mount("-t", "tmpfs", "-o", "mode=1777", "tmpfs", str(root / "tmp"))
    workdir = "/"
    if spec["repo"]:
        (root / "repo").mkdir(exist_ok=True)
        mount("--bind", spec["repo"], str(root / "repo"))
        workdir = "/repo"
    os.chroot(root)
    os.chdir(workdir)
    # not exec: this process is PID 1 of the namespace; its end kills what is left behind
    return subprocess.run(spec["command"], env=spec["env"], check=False).returncode


# -- building a chroot ----------------------------------------------------------------------


def build(platform: str) -> None:
    """Make the chroot of ``platform`` or finish an interrupted build; no-op when ready."""
    if is_ready(platform):
        log(f"{platform}: ready in {chroot_dir(platform)}")
        return
    started = time.monotonic()
    suite, python = PLATFORMS[platform]
    root = chroot_dir(platform)
    if not (root / "usr/bin/apt-get").exists():
        if shutil.which("debootstrap") is None:
            raise RuntimeError("debootstrap is missing: apt-get install debootstrap")
        partial = root.with_name(root.name + ".tmp")
        shutil.rmtree(partial, ignore_errors=True)
        partial.parent.mkdir(parents=True, exist_ok=True)
        log(f"{platform}: debootstrap {suite} into {partial}")
        debootstrap = ["debootstrap", "--variant=minbase", suite, str(partial), MIRROR]
        subprocess.run(debootstrap, check=True)
        partial.rename(root)
    # no daemons started by package scripts; DNS as the host resolves
    policy = root / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n")
    policy.chmod(0o755)
    shutil.copyfile("/etc/resolv.conf", root / "etc/resolv.conf")
    # sid's Release file can be past its Valid-Until between archive updates
    (root / "etc/apt/apt.conf.d/99georedis").write_text(
        'Acquire::Check-Valid-Until "false";\nAPT::Install-Recommends "false";\n'
    )
    run_in_chroot(platform, ["apt-get", "update", "-q"], check=True)
    run_in_chroot(
        platform, ["apt-get", "install", "-y", "-q", "--no-install-recommends", *APT_PACKAGES],
        check=True,
    )  # fmt: skip
    run_in_chroot(platform, ["apt-get", "clean"], check=True)
    # lrelease is only under /usr/lib/qt5/bin when qtchooser is gone (trixie, sid)
    lrelease = root / "usr/local/bin/lrelease"
    if not (root / "usr/bin/lrelease").exists() and not lrelease.exists():
        lrelease.symlink_to("/usr/lib/qt5/bin/lrelease")
    wheels = matrix_dir() / "wheels" / f"py{python}"
    log(f"{platform}: downloading {' '.join(dev_pins())} for Python {python} into {wheels}")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "download",
            "-q",
            "--disable-pip-version-check",
            "--python-version",
            python,
            "--only-binary=:all:",
            "-d",
            str(wheels),
            *dev_pins(),
        ],
        check=True,
    )
    shutil.rmtree(root / WHEELS.lstrip("/"), ignore_errors=True)
    shutil.copytree(wheels, root / WHEELS.lstrip("/"))
    shutil.rmtree(root / VENV.lstrip("/"), ignore_errors=True)
    run_in_chroot(
        platform, ["/usr/bin/python3", "-m", "venv", "--system-site-packages", VENV], check=True
    )
    run_in_chroot(
        platform,
        [
            f"{VENV}/bin/python",
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
            "--no-index",
            "--find-links",
            WHEELS,
            *dev_pins(),
        ],
        check=True,
    )
    check = "import qgis.core, redis, shapely, numpy, pytest, pytest_qgis, hypothesis"
    run_in_chroot(platform, [f"{VENV}/bin/python", "-c", check], check=True)
    (root / MARKER).write_text(f"{platform}\n{build_stamp(platform)}\n")
    log(f"{platform}: built in {time.monotonic() - started:.0f} s")


def versions(platform: str) -> None:
    script = (
        "import sys, qgis.core, redis, shapely, numpy; "
        "print('QGIS', qgis.core.Qgis.version(), '| Python', sys.version.split()[0], "
        "'| redis-py', redis.__version__, '| shapely', shapely.__version__, "
        "'| GEOS', shapely.geos_version_string, '| numpy', numpy.__version__)"
    )
    run_in_chroot(platform, [f"{VENV}/bin/python", "-c", script])
    run_in_chroot(platform, ["sh", "-c", "redis-server --version; valkey-server --version"])


# -- the suite in every platform ------------------------------------------------------------


def suite_runs(platform: str, full_valkey: bool) -> list:
    """(server, pytest arguments) of one platform: the whole suite against redis-server, the
    Redis-facing tests again against valkey-server (the whole suite with ``full_valkey``)."""
    report = f"{REPORTS}/{platform}"
    return [
        ("redis", ["-p", "no:cacheprovider", f"--junitxml={report}-redis.xml"]),
        (
            "valkey",
            ["-p", "no:cacheprovider", f"--junitxml={report}-valkey.xml"]
            + ([] if full_valkey else ["-m", REDIS_FACING]),
        ),
    ]


def junit_counts(path: Path) -> dict:
    counts = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    for case in ET.parse(path).getroot().iter("testcase"):
        outcomes = {child.tag for child in case}
        if "error" in outcomes:
            counts["errors"] += 1
        elif "failure" in outcomes:
            counts["failed"] += 1
        elif "skipped" in outcomes:
            counts["skipped"] += 1
        else:
            counts["passed"] += 1
    return counts


def test(platforms: list, full_valkey: bool, pytest_args: list) -> int:
    repo = checkout()
    rows = []
    for platform in platforms:
        started = time.monotonic()
        try:
            build(platform)
        except Exception as exc:  # reported as a failed platform, never skipped
            log(f"{platform}: BUILD FAILED: {exc}")
            rows.append((platform, "-", "BUILD FAILED", None, time.monotonic() - started))
            continue
        rows.append((platform, "build", "ok", None, time.monotonic() - started))
        for server, args in suite_runs(platform, full_valkey):
            started = time.monotonic()
            report = repo / args[2].split("=", 1)[1]
            report.parent.mkdir(parents=True, exist_ok=True)
            report.unlink(missing_ok=True)
            log(f"{platform} / {server}: pytest {' '.join(args + pytest_args)}")
            code = run_in_chroot(
                platform,
                ["make", "test", "PYTEST_ARGS=" + " ".join(["-ra", *args, *pytest_args])],
                repo=repo,
                env={"GEOREDIS_TEST_SERVER": server},
            )
            elapsed = time.monotonic() - started
            if report.exists():
                counts = junit_counts(report)
                status = "ok" if code == 0 else f"FAILED (exit {code})"
            else:
                counts, status = None, f"FAILED (exit {code}, no report)"
            rows.append((platform, server, status, counts, elapsed))
    print_table(rows)
    return 0 if all(row[2] == "ok" for row in rows) else 1


def print_table(rows: list) -> None:
    header = ("platform", "server", "result", "passed", "failed", "errors", "skipped", "time")
    lines = [header]
    for platform, server, status, counts, elapsed in rows:
        numbers = [str(counts[k]) for k in header[3:7]] if counts else ["-"] * 4
        lines.append((platform, server, status, *numbers, f"{elapsed / 60:.1f} min"))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    print("\nTest matrix")
    for index, line in enumerate(lines):
        print("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip())
        if index == 0:
            print("  ".join("-" * width for width in widths))
    sys.stdout.flush()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build", help="make the chroots (reused when ready)")
    build_parser.add_argument("platforms", nargs="*", default=[])
    run_parser = commands.add_parser("run", help="run a command in /repo inside a chroot")
    run_parser.add_argument("platform", choices=list(PLATFORMS))
    run_parser.add_argument("cmd", nargs=argparse.REMAINDER)
    test_parser = commands.add_parser("test", help="the suite in every chroot, as a table")
    test_parser.add_argument("platforms", nargs="*", default=[])
    test_parser.add_argument(
        "--full-valkey", action="store_true", help="the whole suite against valkey too"
    )
    test_parser.add_argument("--pytest-args", default="", help="appended to every pytest run")
    commands.add_parser("versions", help="what each chroot runs")
    inside_parser = commands.add_parser("_inside")
    inside_parser.add_argument("spec")
    args = parser.parse_args(argv)
    if args.command == "_inside":
        return inside(json.loads(args.spec))
    if os.geteuid() != 0:
        raise SystemExit("the matrix needs root (debootstrap, mount, chroot): run with sudo")
    unknown = [p for p in getattr(args, "platforms", []) if p not in PLATFORMS]
    if unknown:
        raise SystemExit(f"unknown platform(s) {unknown}: choose from {list(PLATFORMS)}")
    if args.command == "build":
        for platform in args.platforms or PLATFORMS:
            build(platform)
        return 0
    if args.command == "run":
        command = args.cmd[1:] if args.cmd[:1] == ["--"] else args.cmd
        if not command:
            raise SystemExit("run PLATFORM -- COMMAND...: no command given")
        if not is_ready(args.platform):
            build(args.platform)
        return run_in_chroot(args.platform, command, repo=checkout())
    if args.command == "versions":
        for platform in PLATFORMS:
            if is_ready(platform):
                versions(platform)
        return 0
    return test(args.platforms or list(PLATFORMS), args.full_valkey, args.pytest_args.split())


if __name__ == "__main__":
    sys.exit(main())
