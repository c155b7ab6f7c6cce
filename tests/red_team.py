"""What the red-team tests share: servers started with odd settings, and a cached run checked
against native (same output, the warnings it gave, how long it took)."""

import time
from dataclasses import dataclass

import redis

from georedis_plugin.core import settings
from georedis_plugin.core.clients import reset_clients
from georedis_plugin.core.config import ENV_URL
from tests.algorithm_runs import RecordingFeedback, run
from tests.layers import world_layer
from tests.parity import assert_same_output
from tests.redis_server import RedisServer

TIMEOUT = 0.5  # connect and read timeouts of the runs here
MARGIN = 3.0  # scheduling noise on a busy 2-core machine


def servers(tmp_path, monkeypatch):
    """The body of a module's ``red_server`` fixture (``yield from servers(...)``, with
    ``clean_settings``): yields ``start(*args)``, a redis-server with extra arguments and
    GeoRedis pointed at it with short timeouts; ``start.point_at(url)`` points it elsewhere."""
    started = []

    def point_at(url):
        monkeypatch.setenv(ENV_URL, url)
        settings.CONNECT_TIMEOUT.set_value(TIMEOUT)
        settings.READ_TIMEOUT.set_value(TIMEOUT)
        reset_clients()

    def start(*args, password=""):
        server = RedisServer(tmp_path / f"redis{len(started)}", *args).start(password=password)
        started.append(server)
        point_at(server.url)
        return server

    start.point_at = point_at
    yield start
    reset_clients()
    for server in started:
        server.stop()


def admin(server, password=None) -> redis.Redis:
    return redis.Redis(host="127.0.0.1", port=server.port, password=password)


def buffer_parameters(extent=(0, 40, 20, 55)):
    states = world_layer("states_provinces", extent=extent)
    return {"INPUT": states, "DISTANCE": 0.1, "OUTPUT": "memory:"}


@dataclass
class CachedRun:
    errors: list
    hits: int
    misses: int
    seconds: float


def cached_run(params, algorithm="georedis:buffer", feedback=None) -> CachedRun:
    """Run ``algorithm`` and assert its output is native's."""
    feedback = feedback or RecordingFeedback()
    started = time.monotonic()
    ours, result = run(algorithm, params, feedback=feedback)
    seconds = time.monotonic() - started
    native, _ = run(algorithm.replace("georedis:", "native:"), params)
    assert_same_output(ours, native)
    return CachedRun(feedback.errors, result["CACHE_HITS"], result["CACHE_MISSES"], seconds)


def computing_seconds(params, algorithm="native:buffer") -> float:
    started = time.monotonic()
    run(algorithm, params)
    return time.monotonic() - started
