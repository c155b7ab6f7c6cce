"""Messages name the command and the reason, never the payload, and say what to do
(issue 13, items 8 and 10): full server, read-only replica, scripts disabled, a web server on
the port."""

import contextlib
import socket
import threading

import pytest
import redis
from qgis import processing
from qgis.core import QgsFeatureRequest, QgsField

from georedis_plugin.core import geoset, settings
from georedis_plugin.core.clients import check_connection, reset_clients
from georedis_plugin.core.compat import FieldType
from georedis_plugin.core.config import ENV_URL, ConnectionConfig
from georedis_plugin.core.errors import MAX_REASON_CHARS, GeoRedisError, reason
from tests.algorithm_runs import RecordingFeedback, run
from tests.layers import world_layer
from tests.parity import assert_same_output
from tests.redis_server import RedisServer
from tests.test_geoset_core import point_layer, random_points

# the sentence every message of a cached run ends with
WITHOUT_CACHE = "without the cache"
MESSAGE_LIMIT = 700


@pytest.fixture
def server_with(tmp_path, clean_settings, monkeypatch):
    """A redis-server started with extra arguments, exported as GEOREDIS_URL."""
    started = []

    def start(*args, name="redis"):
        server = RedisServer(tmp_path / name / str(len(started)), *args).start()
        started.append(server)
        monkeypatch.setenv(ENV_URL, server.url)
        reset_clients()
        return server

    yield start
    reset_clients()
    for server in started:
        server.stop()


def biggest_state():
    """The state polygon with the largest WKB (the issue's 6.9 KB warning)."""
    states = world_layer("states_provinces", extent=(0, 40, 20, 55))
    biggest = max(states.getFeatures(), key=lambda f: len(f.geometry().asWkb()))
    layer = states.materialize(QgsFeatureRequest().setFilterFids([biggest.id()]))
    assert len(biggest.geometry().asWkb()) > 5000
    return layer


def assert_short_and_payload_free(message, *expected):
    assert len(message) < MESSAGE_LIMIT, message
    assert "\\x" not in message and "b'" not in message, message
    for text in expected:
        assert text in message, message


def fill(client):
    """2 MB of data on a server limited to 1 MB: every write is refused, reads work."""
    for n in range(20):
        client.set(f"filler:{n}", b"x" * 100_000)
    client.config_set("maxmemory", "1mb")


def test_a_full_server_is_named_with_the_command_and_what_to_change(provider, server_with):
    server = server_with("--maxmemory-policy", "noeviction")
    with redis.Redis.from_url(server.url) as admin:
        fill(admin)
    params = {"INPUT": biggest_state(), "DISTANCE": 0.5, "OUTPUT": "memory:"}
    feedback = RecordingFeedback()
    ours, _ = run("georedis:buffer", params, feedback=feedback)
    assert_same_output(ours, run("native:buffer", params)[0])
    assert len(feedback.errors) == 1
    assert_short_and_payload_free(
        feedback.errors[0], "SET", "is full", "allkeys-lru", WITHOUT_CACHE
    )


def test_a_read_only_replica_is_named_with_the_command(provider, server_with):
    primary = server_with(name="primary")
    server_with("--replicaof", "127.0.0.1", str(primary.port), name="replica")
    params = {"INPUT": biggest_state(), "DISTANCE": 0.5, "OUTPUT": "memory:"}
    feedback = RecordingFeedback()
    ours, _ = run("georedis:buffer", params, feedback=feedback)
    assert_same_output(ours, run("native:buffer", params)[0])
    assert len(feedback.errors) == 1
    assert_short_and_payload_free(feedback.errors[0], "read-only replica", "primary")


def test_a_pipeline_error_keeps_the_command_name_and_drops_a_megabyte_value():
    value = b"\x01\x03" + b") of pipeline caused error: " + b"\x00" * 1_000_000
    error = redis.ResponseError("OOM command not allowed when used memory > 'maxmemory'.")
    pipe = redis.Redis().pipeline(transaction=False)  # annotates as redis-py does
    pipe.annotate_exception(error, 1, ("SET", "georedis:cache:buffer:ab", value))
    # redis-py 4 and 5 keep the whole value in the message; 6 cuts the command to 100 chars
    text = reason(error)
    assert text.startswith("SET (command 1 of a pipeline): OOM command not allowed"), text
    assert len(text) <= MAX_REASON_CHARS


@pytest.mark.parametrize("command", ["EVALSHA", "SCRIPT"])
def test_searches_with_attributes_need_no_scripts(provider, server_with, command):
    server = server_with("--rename-command", command, f"hidden-{command.lower()}")
    with redis.Redis.from_url(server.url) as admin:
        layer = point_layer(
            *random_points(50),
            fields=[QgsField("n", FieldType.INT)],
            values=[[i] for i in range(50)],
        )
        geoset.load_layer(admin, "georedis", "fleet", layer, store_attributes=True)
    hits = processing.run(
        "georedis:radiussearch",
        {"KEY": "fleet", "CENTER": "0,45 [EPSG:4326]", "RADIUS": 20000, "UNIT": 1,
         "OUTPUT": "memory:"},
    )["OUTPUT"]  # fmt: skip
    assert hits.featureCount() == 50
    assert sorted(f["n"] for f in hits.getFeatures()) == list(range(50))


# What nginx answers to bytes that are not HTTP (Python's http.server answers such a request
# HTTP/0.9-style, a bare page without CRLF, which redis-py's own parser reads as a closed
# connection): a status line, headers, a page, and the connection closed.
NGINX_400 = (
    b"HTTP/1.1 400 Bad Request\r\nServer: nginx\r\nContent-Type: text/html\r\n"
    b"Content-Length: 11\r\nConnection: close\r\n\r\nBad Request"
)


@pytest.fixture
def web_server():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.1)
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                client, _ = listener.accept()
            except socket.timeout:
                continue
            with contextlib.suppress(OSError), client:
                client.settimeout(1)
                client.recv(65536)
                client.sendall(NGINX_400)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1]
    stop.set()
    thread.join()
    listener.close()


def test_a_web_server_on_the_port_is_not_a_redis_server(web_server, clean_settings):
    config = ConnectionConfig(port=web_server, host="127.0.0.1")
    with pytest.raises(GeoRedisError) as caught:
        check_connection(config)
    assert_short_and_payload_free(str(caught.value), "is not a Redis server", "port")


def test_a_cached_run_against_a_web_server_warns_once(provider, web_server, clean_settings,
                                                      monkeypatch):  # fmt: skip
    monkeypatch.setenv(ENV_URL, f"redis://127.0.0.1:{web_server}/0")
    settings.READ_TIMEOUT.set_value(1.0)
    reset_clients()
    params = {"INPUT": biggest_state(), "DISTANCE": 0.5, "OUTPUT": "memory:"}
    feedback = RecordingFeedback()
    ours, _ = run("georedis:buffer", params, feedback=feedback)
    assert_same_output(ours, run("native:buffer", params)[0])
    assert len(feedback.errors) == 1
    assert_short_and_payload_free(feedback.errors[0], "is not a Redis server", WITHOUT_CACHE)
