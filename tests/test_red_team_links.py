"""Red team, round two (issue 13): bad links and look-alike servers, concurrent users, odd
prefixes. The README's "Red team" table lists the outcomes."""

import threading

import pytest
import redis
from qgis import processing
from qgis.core import QgsProcessingException

from georedis_plugin.core import geoset, settings
from georedis_plugin.core.clients import get_client
from georedis_plugin.core.config import ConnectionConfig
from georedis_plugin.core.wkb_cache import WkbCache
from tests.algorithm_runs import RecordingFeedback, run
from tests.red_team import (
    MARGIN,
    TIMEOUT,
    admin,
    buffer_parameters,
    cached_run,
    computing_seconds,
    servers,
)
from tests.slow_redis import ThrottledProxy, TrickleServer
from tests.test_geoset_core import point_layer, random_points

SMALL = (5, 45, 10, 50)


@pytest.fixture
def red_server(tmp_path, clean_settings, monkeypatch):
    yield from servers(tmp_path, monkeypatch)


@pytest.fixture
def proxy():
    made = []

    def make(port, **kwargs):
        made.append(ThrottledProxy(port, **kwargs))
        return made[-1]

    yield make
    for each in made:
        each.close()


# -- bad links and look-alikes ---------------------------------------------------------------


def test_a_link_that_cuts_replies_short_costs_one_warning(provider, red_server, proxy):
    server = red_server()
    params = buffer_parameters()
    assert cached_run(params).errors == []
    red_server.point_at(proxy(server.port, cut_after=20_000).url)
    cut = cached_run(params)
    assert len(cut.errors) == 1 and "closed the connection" in cut.errors[0], cut.errors


def test_a_link_that_corrupts_replies_never_breaks_the_run(provider, red_server, proxy):
    """A flipped byte in a reply: a protocol error (one warning), a value the check refuses
    (recomputed), or a coordinate changed inside well-formed WKB, which no structural check
    can see (the README says so: TLS authenticates every byte). The run always finishes with
    every feature."""
    server = red_server()
    params = buffer_parameters()
    first = cached_run(params)
    red_server.point_at(proxy(server.port, corrupt_every=5000).url)
    feedback = RecordingFeedback()
    ours, result = run("georedis:buffer", params, feedback=feedback)
    assert len(feedback.errors) <= 1
    assert ours.featureCount() == params["INPUT"].featureCount()
    assert result["CACHE_HITS"] + result["CACHE_MISSES"] == first.misses


def test_a_server_answering_ok_to_everything_is_not_taken_for_a_cache(provider, red_server):
    server = TrickleServer(interval=0, reply=lambda args: b"+OK\r\n")
    try:
        red_server.point_at(server.url)
        outcome = cached_run(buffer_parameters(SMALL))
    finally:
        server.close()
    assert outcome.hits == 0 and len(outcome.errors) <= 1


def test_a_trickled_handshake_costs_at_most_the_timeouts(provider, red_server):
    server = TrickleServer(interval=0.1)
    server.handshake = set()  # even the connection's CLIENT SETNAME reply trickles
    params = buffer_parameters(SMALL)
    computing = computing_seconds(params)
    try:
        red_server.point_at(server.url)
        outcome = cached_run(params)
    finally:
        server.close()
    assert len(outcome.errors) == 1 and "did not answer" in outcome.errors[0]
    assert outcome.seconds - computing < 2 * TIMEOUT + MARGIN


def test_a_slow_link_within_the_timeout_still_serves_the_cache(provider, red_server, proxy):
    server = red_server()
    params = buffer_parameters(SMALL)
    first = cached_run(params)
    red_server.point_at(proxy(server.port, bytes_per_second=2_000_000).url)
    settings.READ_TIMEOUT.set_value(3.0)
    warm = cached_run(params)
    assert warm.errors == [] and warm.hits == first.misses


# -- concurrent users ------------------------------------------------------------------------


class MidRun(RecordingFeedback):
    """Calls ``action`` once, when the run's progress passes 40 %."""

    def __init__(self, action):
        super().__init__()
        self.action = action
        self.done = False

    def setProgress(self, progress):
        if not self.done and progress >= 40:
            self.done = True
            self.action()
        super().setProgress(progress)


@pytest.mark.parametrize("action", ["clearcache", "flushall"])
def test_the_cache_emptied_mid_run_costs_nothing(provider, red_server, action):
    server = red_server()
    params = buffer_parameters()
    cached_run(params)
    with admin(server) as other:
        if action == "clearcache":
            feedback = MidRun(lambda: processing.run("georedis:clearcache", {}))
        else:
            feedback = MidRun(other.flushall)
        outcome = cached_run(params, feedback=feedback)
    assert feedback.done and outcome.errors == []


def test_two_loads_into_one_set_at_once_leave_one_whole_set(provider, red_server):
    server = red_server()
    sizes = (30_000, 45_000)
    layers = [point_layer(*random_points(n, seed=n)) for n in sizes]
    failures = []

    def load(layer):
        try:
            with admin(server) as own:
                geoset.load_layer(own, "georedis", "fleet", layer)
        except redis.RedisError as exc:  # a clear loss of the race is allowed, half sets not
            failures.append(exc)

    threads = [threading.Thread(target=load, args=(layer,)) for layer in layers]
    for each in threads:
        each.start()
    for each in threads:
        each.join()
    assert len(failures) < 2
    listed = [(i.name, i.count) for i in geoset.list_geosets(admin(server), "georedis")]
    assert listed in ([("fleet", sizes[0])], [("fleet", sizes[1])])
    keys = {k.decode() for k in admin(server).scan_iter("georedis:*")}
    assert all("tmp" not in k for k in keys), keys


def test_a_set_deleted_by_someone_else_is_named_at_search_time(provider, red_server):
    server = red_server()
    processing.run(
        "georedis:loadgeoset", {"INPUT": point_layer(*random_points(50)), "KEY": "fleet"}
    )
    geoset.delete_geoset(admin(server), "georedis", "fleet")
    with pytest.raises(QgsProcessingException) as caught:
        processing.run(
            "georedis:radiussearch",
            {"KEY": "fleet", "CENTER": "0,45 [EPSG:4326]", "RADIUS": 500, "UNIT": 1,
             "OUTPUT": "memory:"},
        )  # fmt: skip
    assert "no geo set 'fleet'" in str(caught.value)


def test_eight_threads_reading_one_pool_all_get_every_entry(provider, red_server):
    server = red_server()
    params = buffer_parameters()
    entries = cached_run(params).misses
    keys = [k.decode() for k in admin(server).scan_iter("georedis:cache:buffer:*")]
    assert len(keys) == entries
    config = ConnectionConfig.from_settings()
    get_client(config)  # one pool for all
    found = []

    def read():
        cache = WkbCache(config, ttl_seconds=60)
        values = cache.get_many(keys)
        found.append((sum(v is not None for v in values), cache.warning))

    threads = [threading.Thread(target=read) for _ in range(8)]
    for each in threads:
        each.start()
    for each in threads:
        each.join()
    assert found == [(entries, "")] * 8


# -- odd prefixes ----------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["équipe sig", "geo*team?[x]", "p" * 2000])
def test_odd_prefixes_serve_every_feature(provider, red_server, prefix):
    server = red_server()
    settings.KEY_PREFIX.set_value(prefix)
    params = buffer_parameters(SMALL)
    assert cached_run(params).errors == []
    assert cached_run(params).misses == 0
    loaded = processing.run(
        "georedis:loadgeoset", {"INPUT": point_layer(*random_points(50)), "KEY": "fleet"}
    )
    assert loaded["LOADED"] == 50
    with admin(server) as root:
        root.set("geoXteamX[x]:cache:buffer:" + "a" * 64, b"someone else's")
        listed = [(i.name, i.count) for i in geoset.list_geosets(root, prefix)]
        assert listed == [("fleet", 50)]
        deleted = processing.run("georedis:clearcache", {})["DELETED"]
        assert deleted > 0 and root.get("geoXteamX[x]:cache:buffer:" + "a" * 64)
