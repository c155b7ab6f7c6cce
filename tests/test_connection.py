"""Connection to Redis: from settings, from GEOREDIS_URL, with auth configs, and its errors."""

import time
import warnings

import pytest
import redis

from georedis_plugin.core import settings
from georedis_plugin.core.clients import check_connection, get_client, pooled_connection
from georedis_plugin.core.config import ConnectionConfig
from georedis_plugin.core.errors import GeoRedisError
from tests.redis_server import RedisServer, free_port, product_and_version


def test_settings_defaults_match_the_documented_ones(clean_settings):
    config = ConnectionConfig.from_settings()
    assert (config.host, config.port, config.database) == ("localhost", 6379, 0)
    assert config.key_prefix == "georedis"
    assert (config.connect_timeout, config.read_timeout) == (2.0, 2.0)
    assert settings.CACHE_TTL_DAYS.value() == 7.0


def test_client_built_from_settings_reaches_the_server(clean_settings, redis_server):
    settings.HOST.set_value("127.0.0.1")
    settings.PORT.set_value(redis_server.port)
    settings.DATABASE.set_value(3)
    client = get_client(ConnectionConfig.from_settings())
    client.set("georedis:probe", "from-settings")
    direct = redis.Redis(host="127.0.0.1", port=redis_server.port, db=3)
    assert direct.get("georedis:probe") == b"from-settings"
    direct.delete("georedis:probe")


def test_environment_url_overrides_settings(clean_settings, redis_server, monkeypatch):
    settings.HOST.set_value("192.0.2.1")  # TEST-NET, unreachable on purpose
    settings.PORT.set_value(1)
    monkeypatch.setenv("GEOREDIS_URL", f"redis://127.0.0.1:{redis_server.port}/2")
    config = ConnectionConfig.from_settings()
    assert config.url.endswith("/2")
    info = check_connection(config)
    with redis.Redis(port=redis_server.port) as direct:
        assert f"{info.product} {info.version}" == product_and_version(direct.info("server"))
    assert info.round_trip_ms >= 0


def test_same_configuration_reuses_one_client(clean_settings, redis_url):
    config = ConnectionConfig.from_settings()
    assert get_client(config) is get_client(config)
    other = ConnectionConfig(url=redis_url.replace("/0", "/1"))
    assert get_client(other) is not get_client(config)


def test_client_is_safe_from_many_threads(redis_url):
    from concurrent.futures import ThreadPoolExecutor

    client = get_client(ConnectionConfig.from_settings())

    def work(i):
        client.set(f"georedis:t:{i}", i)
        return int(client.get(f"georedis:t:{i}"))

    with ThreadPoolExecutor(8) as pool:
        assert list(pool.map(work, range(200))) == list(range(200))


def test_password_comes_from_the_auth_config(clean_settings, tmp_path, make_basic_authcfg):
    server = RedisServer(tmp_path).start(password="s3cret-pass")
    try:
        authcfg = make_basic_authcfg("default", "s3cret-pass")
        settings.HOST.set_value("127.0.0.1")
        settings.PORT.set_value(server.port)
        settings.AUTHCFG.set_value(authcfg)
        info = check_connection(ConnectionConfig.from_settings())
        assert info.version
        stored = {s.full_key: str(s.value()) for s in settings.ALL}
        assert not any("s3cret-pass" in value for value in stored.values())
    finally:
        server.stop()


def test_no_client_holds_the_password(clean_settings, tmp_path, make_basic_authcfg):
    server = RedisServer(tmp_path).start(password="held-nowhere")
    try:
        config = ConnectionConfig(
            host="127.0.0.1", port=server.port, authcfg=make_basic_authcfg("", "held-nowhere")
        )
        client = get_client(config)
        assert client.ping()
        with pooled_connection(client) as connection:
            kept = [client.connection_pool.connection_kwargs, vars(connection)]
            kept.append(vars(connection.credential_provider))
        assert "held-nowhere" not in repr(kept)
    finally:
        server.stop()


def test_a_password_changed_in_the_auth_database_is_used_by_the_next_connection(
    clean_settings, tmp_path, make_basic_authcfg, auth_manager
):
    from qgis.core import QgsAuthMethodConfig

    server = RedisServer(tmp_path).start(password="first-password")
    try:
        authcfg = make_basic_authcfg("default", "first-password")
        config = ConnectionConfig(host="127.0.0.1", port=server.port, authcfg=authcfg)
        client = get_client(config)
        client.config_set("requirepass", "second-password")
        stored = QgsAuthMethodConfig()
        assert auth_manager.loadAuthenticationConfig(authcfg, stored, True)
        stored.setConfig("password", "second-password")
        assert auth_manager.updateAuthenticationConfig(stored)
        client.connection_pool.disconnect()  # the next command opens a new connection
        assert get_client(config) is client
        assert client.set("georedis:probe", "after the change")
        assert check_connection(config).version
    finally:
        server.stop()


def test_wrong_password_gives_a_clear_error(clean_settings, tmp_path, make_basic_authcfg):
    server = RedisServer(tmp_path).start(password="right-one")
    try:
        authcfg = make_basic_authcfg("default", "wrong-one")
        config = ConnectionConfig(host="127.0.0.1", port=server.port, authcfg=authcfg)
        with pytest.raises(GeoRedisError, match="refused the credentials") as caught:
            check_connection(config)
        assert "authentication configuration" in str(caught.value)
        assert "wrong-one" not in str(caught.value)
    finally:
        server.stop()


def test_missing_auth_config_says_what_to_check(clean_settings):
    config = ConnectionConfig(host="127.0.0.1", authcfg="nope123")
    with pytest.raises(GeoRedisError, match="'nope123' could not be loaded"):
        check_connection(config)


def test_closed_port_fails_fast_with_advice(clean_settings):
    config = ConnectionConfig(host="127.0.0.1", port=free_port(), connect_timeout=1.0)
    started = time.monotonic()
    with pytest.raises(GeoRedisError, match="Nothing accepts connections") as caught:
        check_connection(config)
    assert time.monotonic() - started < 1.5
    assert "Start redis-server" in str(caught.value)


def test_unresponsive_server_is_bounded_by_the_timeout(clean_settings, tmp_path):
    server = RedisServer(tmp_path).start()
    try:
        redis.Redis(port=server.port).execute_command("CLIENT", "PAUSE", "3000", "ALL")
        config = ConnectionConfig(host="127.0.0.1", port=server.port, read_timeout=0.5)
        started = time.monotonic()
        with pytest.raises(GeoRedisError, match="did not answer within the timeout"):
            check_connection(config)
        assert time.monotonic() - started < 1.5
    finally:
        server.stop()


def test_url_with_password_is_not_saved_to_settings(clean_settings):
    with pytest.raises(GeoRedisError, match="authentication configuration"):
        ConnectionConfig(url="redis://user:pw@127.0.0.1:6379/0").save()
    assert settings.URL.value() == ""


def test_describe_never_shows_the_password():
    config = ConnectionConfig(url="redis://user:hunter2@example.org:6380/4")
    assert config.describe() == "redis://example.org:6380/4"


def test_a_pooled_connection_is_borrowed_without_deprecated_calls(redis_url):
    client = get_client(ConnectionConfig.from_settings())
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        with pooled_connection(client) as connection:
            connection.send_command("PING")
            assert connection.read_response() == b"PONG"


def test_a_failed_hand_sent_command_leaves_no_reply_for_the_next_one(redis_url):
    client = get_client(ConnectionConfig.from_settings())
    client.set("georedis:probe", "value")
    with pytest.raises(RuntimeError), pooled_connection(client) as connection:
        connection.send_command("PING")  # its reply is never read
        raise RuntimeError("the caller gave up")
    assert client.get("georedis:probe") == b"value"
