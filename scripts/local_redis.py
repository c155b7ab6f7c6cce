"""The local Redis that `make demo` and `make run` use when GEOREDIS_URL is not set.

If something already answers on the configured port it is used as is; otherwise a redis-server
is started on 127.0.0.1 with its data (AOF on) under .redis-data/ and stopped again afterwards.
"""

import contextlib
import os
import shutil
import subprocess
import time
from pathlib import Path

import redis

REPO_ROOT = Path(__file__).resolve().parents[1]
DATA_DIR = REPO_ROOT / ".redis-data"
DEFAULT_PORT = 6379


def _answers(port: int) -> bool:
    try:
        with redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.5) as probe:
            probe.ping()
        return True
    except redis.AuthenticationError:
        return True  # a server is there; it wants credentials from the user's settings
    except redis.RedisError:
        return False


@contextlib.contextmanager
def local_redis(port: int = 0):
    """Yield the Redis URL to use; start (and later stop) a server only when needed."""
    if os.environ.get("GEOREDIS_URL"):
        yield os.environ["GEOREDIS_URL"]
        return
    port = port or int(os.environ.get("GEOREDIS_LOCAL_PORT", DEFAULT_PORT))
    url = f"redis://127.0.0.1:{port}/0"
    if _answers(port):
        print(f"Using the Redis already answering on 127.0.0.1:{port}")
        yield url
        return
    server = shutil.which("redis-server")
    if server is None:
        raise SystemExit("redis-server is not installed: run `make setup` first.")
    DATA_DIR.mkdir(exist_ok=True)
    process = subprocess.Popen(
        [
            server,
            "--bind",
            "127.0.0.1",
            "--port",
            str(port),
            "--dir",
            str(DATA_DIR),
            "--appendonly",
            "yes",
            "--save",
            "",
            "--logfile",
            str(DATA_DIR / "redis.log"),
        ],
    )
    try:
        deadline = time.monotonic() + 10
        while not _answers(port):
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"Could not start redis-server; see {DATA_DIR / 'redis.log'}")
            time.sleep(0.05)
        print(f"Started a local redis-server on 127.0.0.1:{port} (data in {DATA_DIR})")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        print("Stopped the local redis-server")
