"""A Redis call ends within the read timeout however its reply arrives (issue 13, item 5).

redis-py's socket timeout bounds each read; these servers send every byte within it but the
whole reply far later: one byte at a time (``TrickleServer``) or through a slow link to a real
server (``ThrottledProxy``). Each call must still end within the timeout, and a cached
algorithm must still give native's output within the timeout added to its run.
"""

import time

import pytest
import redis
from qgis.core import QgsFeatureRequest

from georedis_plugin.core import settings
from georedis_plugin.core.clients import get_client, reply_deadline, reset_clients
from georedis_plugin.core.config import ENV_URL, ConnectionConfig
from georedis_plugin.core.errors import explain_error
from tests.algorithm_runs import RecordingFeedback, run
from tests.layers import world_layer
from tests.parity import assert_same_output
from tests.slow_redis import ThrottledProxy, TrickleServer, plain_reply

TIMEOUT = 0.5
MARGIN = 2.0  # scheduling noise on a busy 2-core machine


def config_for(url: str, read_timeout: float = TIMEOUT) -> ConnectionConfig:
    return ConnectionConfig(url=url, connect_timeout=TIMEOUT, read_timeout=read_timeout)


@pytest.fixture
def trickle():
    servers = []

    def make(**kwargs):
        server = TrickleServer(**kwargs)
        servers.append(server)
        return server

    yield make
    reset_clients()
    for server in servers:
        server.close()


def long_value(args):
    """GET answers 400 bytes: 40 s at 0.1 s a byte."""
    if args[0].upper() == b"GET":
        return b"$400\r\n" + b"x" * 400 + b"\r\n"
    return plain_reply(args)


def test_a_reply_trickled_byte_by_byte_ends_at_the_read_timeout(trickle):
    server = trickle(interval=0.1, reply=long_value)
    config = config_for(server.url)
    started = time.monotonic()
    with pytest.raises(redis.TimeoutError) as caught:
        get_client(config).get("k")
    assert time.monotonic() - started < TIMEOUT + MARGIN
    assert "did not answer within the timeout" in explain_error(caught.value, config)


def test_a_pipeline_of_trickled_replies_ends_at_the_read_timeout(trickle):
    server = trickle(interval=0.1)
    pipe = get_client(config_for(server.url)).pipeline(transaction=False)
    for n in range(40):  # 40 x '+OK\r\n': 20 s at 0.1 s a byte
        pipe.set(f"k{n}", "v")
    started = time.monotonic()
    with pytest.raises(redis.TimeoutError):
        pipe.execute()
    assert time.monotonic() - started < TIMEOUT + MARGIN


def test_a_reply_arriving_in_pieces_within_the_timeout_is_read(trickle):
    server = trickle(interval=0.005, reply=long_value)  # 400 bytes in about 2 s
    assert get_client(config_for(server.url, read_timeout=10)).get("k") == b"x" * 400


def test_reply_deadline_shortens_the_budget_of_its_block_only(trickle):
    server = trickle(interval=0.005, reply=long_value)
    client = get_client(config_for(server.url, read_timeout=10))
    started = time.monotonic()
    with reply_deadline(0.3), pytest.raises(redis.TimeoutError):
        client.get("k")
    assert time.monotonic() - started < 0.3 + MARGIN
    # after the block the read timeout (10 s) is the budget again: the 2 s reply is read
    assert client.get("k") == b"x" * 400


def test_a_connection_idle_past_the_timeout_serves_the_next_call(redis_url):
    """The deadline runs from each request, not from the connection's last one."""
    client = get_client(config_for(redis_url))
    client.set("k", "v")
    time.sleep(TIMEOUT * 2)
    assert client.get("k") == b"v"


def test_pub_sub_waits_longer_than_the_read_timeout_between_messages(redis_url, redis_client):
    """Polling for pushed data (pub/sub) is not a reply with a deadline."""
    pubsub = get_client(config_for(redis_url)).pubsub()
    pubsub.subscribe("news")
    assert pubsub.get_message(timeout=TIMEOUT)["type"] == "subscribe"
    time.sleep(TIMEOUT * 2)
    redis_client.publish("news", "late")
    message = pubsub.get_message(timeout=TIMEOUT)
    assert message is not None and message["data"] == b"late"
    pubsub.close()


@pytest.fixture
def slow_settings(clean_settings, monkeypatch):
    settings.CONNECT_TIMEOUT.set_value(TIMEOUT)
    settings.READ_TIMEOUT.set_value(TIMEOUT)

    def point_at(url):
        monkeypatch.setenv(ENV_URL, url)
        reset_clients()

    return point_at


def buffer_parameters():
    states = world_layer("states_provinces", extent=(0, 40, 20, 55))
    return {"INPUT": states, "DISTANCE": 0.1, "OUTPUT": "memory:"}


def test_a_cached_buffer_against_a_trickling_server_costs_at_most_the_timeout(
    provider, trickle, slow_settings
):
    server = trickle(interval=0.05)
    slow_settings(server.url)
    params = buffer_parameters()
    started = time.monotonic()
    native, _ = run("native:buffer", params)
    computing = time.monotonic() - started
    feedback = RecordingFeedback()
    started = time.monotonic()
    ours, result = run("georedis:buffer", params, feedback=feedback)
    elapsed = time.monotonic() - started
    assert_same_output(ours, native)
    assert len(feedback.errors) == 1 and "did not answer" in feedback.errors[0], feedback.errors
    assert result["CACHE_HITS"] == 0
    assert elapsed - computing < 2 * TIMEOUT + MARGIN, (elapsed, computing)


def test_a_warm_buffer_through_a_slow_link_costs_at_most_the_timeout(
    provider, redis_server, redis_client, slow_settings
):
    """Every entry cached, but reading them back at 20 KB/s would take far longer than
    computing: the run gives native's output within the timeout of the plain run."""
    slow_settings(redis_server.url)
    params = buffer_parameters()
    run("georedis:buffer", params)  # fills the cache at full speed
    cached_bytes = sum(
        redis_client.strlen(k) for k in redis_client.scan_iter("georedis:cache:*", count=1000)
    )
    rate = 20_000
    assert cached_bytes / rate > 10 * TIMEOUT + MARGIN  # the test can fail without a deadline
    proxy = ThrottledProxy(redis_server.port, rate)
    try:
        slow_settings(proxy.url)
        started = time.monotonic()
        native, _ = run("native:buffer", params)
        computing = time.monotonic() - started
        feedback = RecordingFeedback()
        started = time.monotonic()
        ours, _ = run("georedis:buffer", params, feedback=feedback)
        elapsed = time.monotonic() - started
    finally:
        reset_clients()
        proxy.close()
    assert_same_output(ours, native)
    assert len(feedback.errors) == 1, feedback.errors
    assert elapsed - computing < 2 * TIMEOUT + MARGIN, (elapsed, computing)


def test_a_run_leaves_a_cache_that_is_slower_to_read_than_computing(
    provider, redis_server, redis_client, slow_settings, monkeypatch
):
    """Each read within the read timeout, but slower than computing the values: after the
    first chunks the run computes the rest itself, and says why."""
    from georedis_plugin.processing.algorithms.cached_features import CachedFeatureAlgorithm

    monkeypatch.setattr(CachedFeatureAlgorithm, "CHUNK_FEATURES", 20)
    slow_settings(redis_server.url)
    params = buffer_parameters()
    layer = params["INPUT"]
    every_other = layer.materialize(QgsFeatureRequest().setFilterExpression("$id % 2 = 0"))
    run("georedis:buffer", {**params, "INPUT": every_other})  # half the entries cached
    cached_bytes = sum(
        redis_client.strlen(k) for k in redis_client.scan_iter("georedis:cache:*", count=1000)
    )
    chunks = layer.featureCount() / 20
    rate = cached_bytes / chunks / 0.8  # about 0.8 s to read each chunk's entries
    settings.READ_TIMEOUT.set_value(4.0)  # every read is well within the timeout
    proxy = ThrottledProxy(redis_server.port, rate)
    try:
        slow_settings(proxy.url)
        settings.READ_TIMEOUT.set_value(4.0)
        computing = computing_time(params)
        feedback = RecordingFeedback()
        started = time.monotonic()
        ours, result = run("georedis:buffer", params, feedback=feedback)
        elapsed = time.monotonic() - started
    finally:
        reset_clients()
        proxy.close()
    assert chunks * 0.8 > 4 * (4.0 + MARGIN)  # reading it all would take far longer
    assert_same_output(ours, run("native:buffer", params)[0])
    assert len(feedback.errors) == 1 and "slower than computing" in feedback.errors[0]
    assert 0 < result["CACHE_HITS"] < cached_bytes
    assert elapsed - computing < 4 * 0.8 + 4.0 + MARGIN, (elapsed, computing)


def computing_time(params) -> float:
    started = time.monotonic()
    run("native:buffer", params)
    return time.monotonic() - started
