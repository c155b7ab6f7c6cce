"""`make run`: QGIS desktop with GeoRedis enabled in a profile under .qgis-profile/.

Uses GEOREDIS_URL when set, otherwise the local Redis (started and stopped here if needed).
The user's own QGIS profile is never touched.
"""

import os
import site
import subprocess
import sys
from pathlib import Path

from scripts.deploy import deploy
from scripts.local_redis import local_redis

REPO_ROOT = Path(__file__).resolve().parents[1]
PROFILES_ROOT = REPO_ROOT / ".qgis-profile"


def main() -> int:
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        # The Makefile exports QT_QPA_PLATFORM=offscreen for the tests; a desktop QGIS started
        # that way would run invisibly until killed.
        print(
            "No display (DISPLAY/WAYLAND_DISPLAY unset): run `make run` in a desktop session,",
            file=sys.stderr,
        )
        print("or under a virtual one: xvfb-run -a make run", file=sys.stderr)
        return 2
    target = deploy(PROFILES_ROOT / "profiles" / "default", enable=True)
    print(f"GeoRedis deployed to {target}")
    with local_redis() as url:
        env = dict(os.environ)
        env["GEOREDIS_URL"] = url
        if env.get("QT_QPA_PLATFORM") == "offscreen":
            del env["QT_QPA_PLATFORM"]  # the Makefile's headless default is not for the desktop
        # QGIS runs on the system Python; redis-py and shapely come from the project venv.
        env["PYTHONPATH"] = os.pathsep.join(
            [*site.getsitepackages(), env.get("PYTHONPATH", "")]
        ).rstrip(os.pathsep)
        command = [
            "qgis",
            "--noversioncheck",
            "--profiles-path",
            str(PROFILES_ROOT),
            "--profile",
            "default",
            *sys.argv[1:],
        ]
        return subprocess.call(command, env=env)


if __name__ == "__main__":
    sys.exit(main())
