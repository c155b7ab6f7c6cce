"""Running the real ``qgis_process.bin`` in a throwaway profile (Debian's wrapper is broken)."""

import json
import os
import site
import subprocess


def venv_pythonpath() -> str:
    """qgis_process runs on the system Python; redis-py and shapely live in the project venv."""
    return os.pathsep.join(site.getsitepackages())


def qgis_process(args, config_path, redis_url=None, pythonpath=None, timeout=180):
    """``qgis_process.bin *args`` with QGIS_CUSTOM_CONFIG_PATH=config_path; the finished process."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "GEOREDIS_URL")}
    env.update(
        QGIS_CUSTOM_CONFIG_PATH=str(config_path),
        QT_QPA_PLATFORM="offscreen",
        PYTHONPATH=venv_pythonpath() if pythonpath is None else str(pythonpath),
        PYTHONNOUSERSITE="1",  # only what PYTHONPATH gives, not packages of the user running us
    )
    if redis_url is not None:
        env["GEOREDIS_URL"] = redis_url
    return subprocess.run(
        ["qgis_process.bin", *args],
        env=env,
        cwd=config_path,  # not the checkout: its georedis_plugin/ must not shadow the installed one
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def run_json(algorithm, parameters, config_path, redis_url=None, pythonpath=None) -> dict:
    """``qgis_process.bin --json run algorithm -- name=value ...``; its JSON ``results``."""
    args = ["--json", "run", str(algorithm), "--"]
    args += [f"{name}={value}" for name, value in parameters.items()]
    done = qgis_process(args, config_path, redis_url, pythonpath)
    assert done.returncode == 0, f"{algorithm}:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return json.loads(done.stdout)["results"]
