"""Red team, round two (issue 13): servers with hostile or unusual settings.

Each case: the cached algorithms give native's output with at most one warning that says what
to do, within the timeouts; other features fail with a message naming the cause. The README's
"Red team" table lists the outcomes.
"""

import contextlib
import threading
import time

import pytest
import redis
from qgis import processing
from qgis.core import QgsField, QgsProcessingException

from georedis_plugin.core import geoset, settings
from georedis_plugin.core.clients import check_connection, get_client, reset_clients
from georedis_plugin.core.compat import FieldType
from georedis_plugin.core.config import ConnectionConfig
from georedis_plugin.core.errors import GeoRedisError, explain_error
from georedis_plugin.core.wkb_cache import WkbCache
from tests.red_team import (
    MARGIN,
    TIMEOUT,
    admin,
    buffer_parameters,
    cached_run,
    computing_seconds,
    servers,
)
from tests.test_geoset_core import point_layer, random_points


@pytest.fixture
def red_server(tmp_path, clean_settings, monkeypatch):
    yield from servers(tmp_path, monkeypatch)


def evicting(server, policy):
    """Room for about 400 KB of data beyond what the empty server uses, then ``policy``."""
    with admin(server) as root:
        used = root.info("memory")["used_memory"]
        root.config_set("maxmemory", used + 400_000)
        root.config_set("maxmemory-policy", policy)


def load_points(n=200, key="fleet"):
    return processing.run("georedis:loadgeoset", {"INPUT": point_layer(*random_points(n)),
                                                  "KEY": key})  # fmt: skip


# -- eviction and memory policies ------------------------------------------------------------


@pytest.mark.parametrize("policy", ["allkeys-lru", "volatile-lru", "allkeys-random"])
def test_eviction_during_cached_runs_costs_only_misses(provider, red_server, policy):
    server = red_server()
    evicting(server, policy)
    params = buffer_parameters()
    first = cached_run(params)
    assert first.errors == []
    second = cached_run(params)  # part of the cache was evicted: recomputed, no warning
    assert second.errors == [] and second.hits + second.misses == first.misses
    assert admin(server).info("stats")["evicted_keys"] > 0


def test_an_idle_timeout_on_the_server_costs_nothing(provider, red_server):
    red_server("--timeout", "1")  # the server closes connections idle for 1 s
    params = buffer_parameters((5, 45, 10, 50))
    assert cached_run(params).errors == []
    time.sleep(2.2)
    again = cached_run(params)
    assert again.errors == [] and again.misses == 0


def test_a_client_output_buffer_limit_ends_a_warm_run_with_one_warning(provider, red_server):
    server = red_server("--client-output-buffer-limit", "normal 64kb 64kb 0")
    params = buffer_parameters()
    assert cached_run(params).errors == []  # the cold run writes; its replies are small
    warm = cached_run(params)  # one MGET reply is far over 64 KB: the server drops us
    assert len(warm.errors) == 1 and "closed the connection" in warm.errors[0]
    assert admin(server).ping()


def test_a_value_over_proto_max_bulk_len_is_named(red_server):
    server = red_server("--proto-max-bulk-len", "1mb")
    cache = WkbCache(ConnectionConfig(url=server.url, read_timeout=TIMEOUT), ttl_seconds=60)
    big = b"\x01\x02\x00\x00\x00" + (200_000).to_bytes(4, "little") + b"\x00" * 3_200_000
    cache.set_many([(cache.key("buffer", 1, {}, b"x"), big)])
    # the server drops the connection mid-request: the warning says what does that
    assert "proto-max-bulk-len" in cache.warning and len(cache.warning) < 700, cache.warning
    assert admin(server).dbsize() == 0


# -- commands the administrator disabled -----------------------------------------------------


def test_a_server_without_client_setname_serves_every_feature(provider, red_server):
    red_server("--rename-command", "CLIENT", "hidden-client")
    params = buffer_parameters((5, 45, 10, 50))
    assert cached_run(params).errors == []
    assert cached_run(params).misses == 0
    assert load_points()["LOADED"] == 200


@pytest.mark.parametrize(
    ("command", "feature"), [("MGET", "buffer"), ("MULTI", "load"), ("INFO", "check")]
)
def test_a_disabled_command_is_named_with_what_to_ask(provider, red_server, command, feature):
    server = red_server("--rename-command", command, f"hidden-{command.lower()}")
    if feature == "buffer":
        outcome = cached_run(buffer_parameters((5, 45, 10, 50)))
        assert len(outcome.errors) == 1
        message = outcome.errors[0]
    elif feature == "load":
        with pytest.raises(QgsProcessingException) as caught:
            load_points()
        message = str(caught.value)
        # refused before anything was written: a MULTI refused would have run the swap's
        # commands one by one
        assert list(admin(server).scan_iter("georedis:*")) == []
    else:
        with pytest.raises(GeoRedisError) as caught:
            check_connection(ConnectionConfig(url=server.url))
        message = str(caught.value)
    assert f"does not offer {command}" in message and "rename-command" in message, message


# -- limits and states of the server ---------------------------------------------------------


def take_the_only_slot(server) -> redis.Redis:
    """A client holding the server's one client slot (once the start-up probe has gone)."""
    deadline = time.monotonic() + 5
    while True:
        holder = admin(server)
        try:
            holder.ping()
            return holder
        except redis.ConnectionError:
            holder.close()
            assert time.monotonic() < deadline, "the slot never came free"
            time.sleep(0.05)


def test_maxclients_reached_gives_native_output_and_says_so(provider, red_server):
    server = red_server("--maxclients", "1")
    holder = take_the_only_slot(server)
    outcome = cached_run(buffer_parameters((5, 45, 10, 50)))
    assert len(outcome.errors) == 1 and "maxclients" in outcome.errors[0]
    holder.close()


def test_a_busy_script_on_the_server_costs_at_most_the_timeout(provider, red_server):
    server = red_server("--busy-reply-threshold", "100")
    params = buffer_parameters((5, 45, 10, 50))
    computing = computing_seconds(params)

    def loop():
        with contextlib.suppress(redis.RedisError):  # ended by SCRIPT KILL below
            admin(server).eval("while true do end", 0)

    looping = threading.Thread(target=loop, daemon=True)
    looping.start()
    time.sleep(0.3)
    try:
        outcome = cached_run(params)
    finally:
        with admin(server) as killer:
            killer.script_kill()
        looping.join(5)
    assert len(outcome.errors) == 1 and "BUSY" in outcome.errors[0]
    assert outcome.seconds - computing < 2 * TIMEOUT + MARGIN


def test_writes_paused_past_the_timeout_cost_one_warning(provider, red_server):
    server = red_server()
    params = buffer_parameters((5, 45, 10, 50))
    computing = computing_seconds(params)
    admin(server).execute_command("CLIENT", "PAUSE", 10_000, "WRITE")
    try:
        outcome = cached_run(params)
    finally:
        admin(server).execute_command("CLIENT", "UNPAUSE")
    assert len(outcome.errors) == 1 and "did not answer" in outcome.errors[0]
    assert outcome.seconds - computing < 2 * TIMEOUT + MARGIN


def test_a_database_out_of_range_is_named(provider, red_server):
    server = red_server()
    red_server.point_at(server.url.replace("/0", "/99"))
    outcome = cached_run(buffer_parameters((5, 45, 10, 50)))
    assert len(outcome.errors) == 1 and "has no database 99" in outcome.errors[0]


@pytest.mark.parametrize("value", [0.0, -1.0])
def test_a_read_timeout_of_zero_or_less_falls_back_to_the_default(provider, red_server, value):
    red_server()
    settings.READ_TIMEOUT.set_value(value)
    reset_clients()
    assert ConnectionConfig.from_settings().read_timeout == settings.READ_TIMEOUT.default
    params = buffer_parameters((5, 45, 10, 50))
    assert cached_run(params).errors == []
    assert cached_run(params).misses == 0


# -- authentication and ACL ------------------------------------------------------------------


def test_a_password_protected_server_without_credentials_says_so(provider, red_server):
    red_server(password="red-team-pw")
    outcome = cached_run(buffer_parameters((5, 45, 10, 50)))
    assert len(outcome.errors) == 1 and "refused the credentials" in outcome.errors[0]


def acl_user(server, *rules, name="georedis", password="red-team-pw"):
    with admin(server) as root:
        root.execute_command("ACL", "SETUSER", name, "reset", f">{password}", *rules)
    return f"redis://{name}:{password}@127.0.0.1:{server.port}/0"


def test_a_disabled_acl_user_is_refused_with_the_credentials_advice(provider, red_server):
    server = red_server()
    red_server.point_at(acl_user(server, "off", "~georedis:*", "+@all"))
    outcome = cached_run(buffer_parameters((5, 45, 10, 50)))
    assert len(outcome.errors) == 1 and "refused the credentials" in outcome.errors[0]


def test_a_read_only_acl_user_reads_the_cache_and_warns_once_on_writes(provider, red_server):
    server = red_server()
    params = buffer_parameters((5, 45, 10, 50))
    assert cached_run(params).errors == []  # filled by the default user
    red_server.point_at(acl_user(server, "on", "~georedis:*", "+@read", "+@connection"))
    warm = cached_run(params)
    assert warm.errors == [] and warm.misses == 0  # reading is all a warm run does
    cold = cached_run(buffer_parameters((10, 45, 15, 50)))
    assert len(cold.errors) == 1 and "no permission" in cold.errors[0]


def test_a_user_without_evalsha_still_searches_with_the_attributes(provider, red_server):
    server = red_server()
    with admin(server) as root:
        layer = point_layer(*random_points(50), fields=[QgsField("n", FieldType.INT)])
        geoset.load_layer(root, "georedis", "fleet", layer, store_attributes=True)
    red_server.point_at(acl_user(server, "on", "~georedis:*", "+@all", "-evalsha", "-eval"))
    hits = processing.run(
        "georedis:radiussearch",
        {"KEY": "fleet", "CENTER": "0,45 [EPSG:4326]", "RADIUS": 20000, "UNIT": 1,
         "OUTPUT": "memory:"},
    )["OUTPUT"]  # fmt: skip
    assert hits.featureCount() == 50 and "n" in hits.fields().names()


def test_a_user_without_watch_is_told_searches_with_attributes_need_it(provider, red_server):
    server = red_server()
    with admin(server) as root:
        layer = point_layer(*random_points(50), fields=[QgsField("n", FieldType.INT)])
        geoset.load_layer(root, "georedis", "fleet", layer, store_attributes=True)
    red_server.point_at(acl_user(server, "on", "~georedis:*", "+@all", "-watch"))
    with pytest.raises(QgsProcessingException) as caught:
        processing.run(
            "georedis:radiussearch",
            {"KEY": "fleet", "CENTER": "0,45 [EPSG:4326]", "RADIUS": 500, "UNIT": 1,
             "OUTPUT": "memory:"},
        )  # fmt: skip
    message = str(caught.value)
    assert "no permission" in message and "watch" in message.lower(), message


def test_a_user_without_scan_cannot_clear_and_nothing_is_deleted(provider, red_server):
    server = red_server()
    params = buffer_parameters((5, 45, 10, 50))
    entries = cached_run(params).misses
    red_server.point_at(acl_user(server, "on", "~georedis:*", "+@all", "-scan"))
    with pytest.raises(QgsProcessingException) as caught:
        processing.run("georedis:clearcache", {})
    assert "no permission" in str(caught.value)
    assert len(list(admin(server).scan_iter("georedis:cache:*"))) == entries


# -- replicas --------------------------------------------------------------------------------


@pytest.fixture
def replica(red_server):
    primary = red_server()
    replica = red_server("--replicaof", "127.0.0.1", str(primary.port))
    deadline = time.monotonic() + 10
    while replication(replica, "master_link_status", "primary_link_status") != "up":
        assert time.monotonic() < deadline, "the replica did not sync"
        time.sleep(0.05)
    red_server.point_at(primary.url)
    return primary, replica


def replication(server, *names):
    """The first of ``names`` in the server's INFO replication (Redis says master_/slave_;
    Valkey may say primary_/replica_)."""
    info = admin(server).info("replication")
    found = [info[name] for name in names if name in info]
    assert found, info
    return found[0]


def wait_replicated(primary, replica):
    offset = replication(primary, "master_repl_offset", "primary_repl_offset")
    deadline = time.monotonic() + 10
    while replication(replica, "slave_repl_offset", "replica_repl_offset") < offset:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_a_replica_serves_a_warm_run_without_a_warning(provider, red_server, replica):
    primary, secondary = replica
    params = buffer_parameters((5, 45, 10, 50))
    cached_run(params)
    wait_replicated(primary, secondary)
    red_server.point_at(secondary.url)
    warm = cached_run(params)
    assert warm.errors == [] and warm.misses == 0


def test_searches_run_on_a_replica_and_loads_are_sent_to_the_primary(provider, red_server, replica):
    primary, secondary = replica
    layer = point_layer(*random_points(300))
    with admin(primary) as root:
        geoset.load_layer(root, "georedis", "fleet", layer, store_attributes=True)
    wait_replicated(primary, secondary)
    red_server.point_at(secondary.url)
    config = ConnectionConfig.from_settings()
    hits = geoset.GeoSet(get_client(config), "georedis", "fleet").radius(0, 45, 500, "km")
    expected = geoset.GeoSet(admin(primary), "georedis", "fleet").radius(0, 45, 500, "km")
    assert len(hits) == len(expected) > 0
    with pytest.raises(QgsProcessingException) as caught:
        load_points(key="other")
    assert "read-only replica" in str(caught.value) and "primary" in str(caught.value)
    with pytest.raises(redis.ResponseError) as raw:
        admin(secondary).set("x", 1)
    assert "read-only replica" in explain_error(raw.value, config)
