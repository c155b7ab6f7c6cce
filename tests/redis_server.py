"""Start and stop real redis-server processes on free loopback ports for the tests.

``GEOREDIS_TEST_SERVER`` picks the server: ``redis`` (default: redis-server, redis-cli) or
``valkey`` (valkey-server, valkey-cli); `make test-matrix` runs the Redis-facing tests with both.
"""

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis

SERVERS = ("redis", "valkey")
SERVER_KIND = os.environ.get("GEOREDIS_TEST_SERVER", "redis").strip().lower() or "redis"
if SERVER_KIND not in SERVERS:
    raise RuntimeError(f"GEOREDIS_TEST_SERVER={SERVER_KIND!r}: set it to one of {SERVERS}")


def server_binary(tool: str) -> str:
    """``{kind}-{tool}`` of the selected server (``server``, ``cli``), e.g. valkey-cli."""
    name = f"{SERVER_KIND}-{tool}"
    found = shutil.which(name)
    if found is None:
        package = {"server": f"{SERVER_KIND}-server", "cli": f"{SERVER_KIND}-tools"}[tool]
        raise RuntimeError(f"{name} is not installed (GEOREDIS_TEST_SERVER={SERVER_KIND}): "
                           f"apt-get install {package}")  # fmt: skip
    return found


REDIS_SERVER = server_binary("server")
# how GeoRedis names the server the tests run against
SERVER_PRODUCT = {"redis": "Redis", "valkey": "Valkey"}[SERVER_KIND]


def reported_version(port: int, host: str = "127.0.0.1") -> str:
    """What GeoRedis should show for the server at ``port`` ("Redis 8.0.2", "Valkey 8.1.1"),
    read here from its INFO independently of the plugin."""
    with redis.Redis(host=host, port=port, socket_connect_timeout=2) as client:
        return product_and_version(client.info("server"))


def product_and_version(info: dict) -> str:
    """What GeoRedis shows for a server whose INFO server section is ``info``, read here
    independently: "Valkey 8.1.1" (its own valkey_version), else "Redis 7.0.15"."""
    if "valkey_version" in info:
        return f"Valkey {info['valkey_version']}"
    return f"Redis {info['redis_version']}"


def server_mode(info: dict) -> str:
    """The mode in an INFO server section: Valkey calls it server_mode, Redis redis_mode."""
    return info.get("server_mode") or info["redis_mode"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class RedisServer:
    """One redis-server child process listening on 127.0.0.1 only."""

    def __init__(self, workdir: Path, *extra_args: str, port: int = 0):
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = port or free_port()
        self.extra_args = list(extra_args)
        self.process = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, password: str = "") -> "RedisServer":
        args = [
            REDIS_SERVER,
            "--bind",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--dir",
            str(self.workdir),
            "--save",
            "",
            "--appendonly",
            "no",
            "--protected-mode",
            "yes",
            *self.extra_args,
        ]
        if password:
            args += ["--requirepass", password]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with redis.Redis(
                    host="127.0.0.1",
                    port=self.port,
                    password=password or None,
                    socket_connect_timeout=0.2,
                ) as probe:
                    probe.ping()
                return self
            except redis.ConnectionError:
                if self.process.poll() is not None:
                    code = self.process.returncode
                    raise RuntimeError(f"{REDIS_SERVER} exited with {code}") from None
                time.sleep(0.05)
        raise RuntimeError(f"{REDIS_SERVER} did not start within 10 s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None
