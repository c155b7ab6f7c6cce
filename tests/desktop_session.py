"""Real QGIS desktop under Xvfb with GeoRedis deployed in a throwaway profile."""

import os
import shutil
import site
import socket
import subprocess
import sys
import time
from pathlib import Path

from scripts.deploy import deploy


def _abstract_socket_free(number: int) -> bool:
    """X servers also listen on an abstract socket, shared by every chroot (and /tmp) of the
    network namespace: an Xvfb in a test-matrix chroot must not take a host display's number."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(f"\0/tmp/.X11-unix/X{number}")
        except OSError:
            return False
    return True


def free_display() -> int:
    for number in range(91, 200):
        if (
            not Path(f"/tmp/.X11-unix/X{number}").exists()
            and not Path(f"/tmp/.X{number}-lock").exists()
            and _abstract_socket_free(number)
        ):
            return number
    raise RuntimeError("no free X display")


def start_xvfb(attempts: int = 5):
    """(display number, Xvfb process) once its socket is there; another number when a
    concurrent test session took the chosen one first."""
    for _ in range(attempts):
        display = free_display()
        xvfb = subprocess.Popen(
            [shutil.which("Xvfb") or "Xvfb", f":{display}", "-screen", "0", "1600x1000x24",
             "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and xvfb.poll() is None:
            if Path(f"/tmp/.X11-unix/X{display}").exists():
                return display, xvfb
            time.sleep(0.05)
        if xvfb.poll() is None:
            xvfb.kill()
        xvfb.wait()
    raise RuntimeError(f"Xvfb did not start ({attempts} attempts)")


def run_qgis_with_script(
    script: Path, workdir: Path, env_extra: dict, timeout: float = 240, with_venv: bool = True
):
    """Start Xvfb and QGIS running ``script``; wait until QGIS exits. Returns the process.

    ``with_venv`` puts the project venv's packages (redis-py, shapely 2) on QGIS's Python path.
    """
    profiles = workdir / "profiles-root"
    deploy(profiles / "profiles" / "default", enable=True)
    display, xvfb = start_xvfb()
    try:
        env = dict(os.environ)
        env.pop("QT_QPA_PLATFORM", None)
        env.pop("PYTHONPATH", None)
        env.update(DISPLAY=f":{display}", **env_extra)
        if with_venv:
            # the script's folder too: the sessions import what they share (desktop_steps)
            env["PYTHONPATH"] = os.pathsep.join([str(script.parent), *site.getsitepackages()])
        elif sys.prefix != sys.base_prefix:
            # QGIS as a user starts it: the venv's bin/ first on PATH would make QGIS's Python
            # take itself for the venv's (and name it in the install advice)
            venv_bin = str(Path(sys.prefix) / "bin")
            env.pop("VIRTUAL_ENV", None)
            env["PATH"] = os.pathsep.join(
                entry for entry in env.get("PATH", "").split(os.pathsep) if entry != venv_bin
            )
        return subprocess.run(
            [
                "qgis",
                "--noversioncheck",
                "--nologo",
                "--profiles-path",
                str(profiles),
                "--profile",
                "default",
                "--code",
                str(script),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    finally:
        xvfb.terminate()
        xvfb.wait(timeout=10)
