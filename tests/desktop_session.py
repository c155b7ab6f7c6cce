"""Real QGIS desktop under Xvfb with GeoRedis deployed in a throwaway profile."""

import os
import shutil
import site
import subprocess
import time
from pathlib import Path

from scripts.deploy import deploy


def free_display() -> int:
    for number in range(91, 200):
        if (
            not Path(f"/tmp/.X11-unix/X{number}").exists()
            and not Path(f"/tmp/.X{number}-lock").exists()
        ):
            return number
    raise RuntimeError("no free X display")


def run_qgis_with_script(
    script: Path, workdir: Path, env_extra: dict, timeout: float = 240, with_venv: bool = True
):
    """Start Xvfb and QGIS running ``script``; wait until QGIS exits. Returns the process.

    ``with_venv`` puts the project venv's packages (redis-py, shapely 2) on QGIS's Python path.
    """
    profiles = workdir / "profiles-root"
    deploy(profiles / "profiles" / "default", enable=True)
    display = free_display()
    xvfb = subprocess.Popen(
        [
            shutil.which("Xvfb") or "Xvfb",
            f":{display}",
            "-screen",
            "0",
            "1600x1000x24",
            "-nolisten",
            "tcp",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{display}").exists():
            if time.monotonic() > deadline:
                raise RuntimeError("Xvfb did not start")
            time.sleep(0.05)
        env = dict(os.environ)
        env.pop("QT_QPA_PLATFORM", None)
        env.pop("PYTHONPATH", None)
        env.update(DISPLAY=f":{display}", **env_extra)
        if with_venv:
            env["PYTHONPATH"] = os.pathsep.join(site.getsitepackages())
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
