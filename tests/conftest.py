"""Shared fixtures: a real redis-server per test session, isolated QGIS settings and auth."""

import os
from pathlib import Path

import pytest
import redis

from georedis_plugin.core import settings
from georedis_plugin.core.clients import reset_clients
from georedis_plugin.core.config import ENV_URL
from tests.redis_server import REDIS_SERVER as REDIS_SERVER_BINARY
from tests.redis_server import SERVER_KIND, RedisServer
from tests.redis_topologies import (  # noqa: F401 (fixtures)
    LocalCluster,
    LocalSentinel,
    cluster_url,
    redis_cluster,
    redis_sentinel,
    sentinel_url,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
WORLD_MAP = Path("/usr/share/qgis/resources/data/world_map.gpkg")
AUTH_MASTER_PASSWORD = "georedis-test-master"


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = RedisServer(tmp_path_factory.mktemp("redis")).start()
    yield server
    server.stop()


@pytest.fixture
def redis_url(redis_server, monkeypatch):
    """URL of the session's redis-server, emptied, and exported as GEOREDIS_URL."""
    client = redis.Redis.from_url(redis_server.url)
    client.flushall()
    client.close()
    monkeypatch.setenv(ENV_URL, redis_server.url)
    reset_clients()
    yield redis_server.url
    reset_clients()


@pytest.fixture
def redis_client(redis_url):
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


@pytest.fixture
def clean_settings(monkeypatch):
    """No GEOREDIS_URL and every GeoRedis setting at its default, restored afterwards."""
    monkeypatch.delenv(ENV_URL, raising=False)
    for setting in settings.ALL:
        setting.remove()
    reset_clients()
    yield settings
    for setting in settings.ALL:
        setting.remove()
    reset_clients()


@pytest.fixture(scope="session")
def auth_manager(qgis_app):
    """The QGIS authentication manager, unlocked with a test master password."""
    from qgis.core import QgsApplication

    manager = QgsApplication.authManager()
    if not manager.masterPasswordIsSet():
        assert manager.setMasterPassword(AUTH_MASTER_PASSWORD, True)
    return manager


@pytest.fixture
def make_basic_authcfg(auth_manager):
    """Creates Basic auth configs in the QGIS auth database; removes them afterwards."""
    from qgis.core import QgsAuthMethodConfig

    created = []

    def make(username: str, password: str) -> str:
        config = QgsAuthMethodConfig("Basic")
        config.setName(f"georedis-test-{len(created)}")
        config.setConfig("username", username)
        config.setConfig("password", password)
        assert auth_manager.storeAuthenticationConfig(config)
        created.append(config.id())
        return config.id()

    yield make
    for authcfg in created:
        auth_manager.removeAuthenticationConfig(authcfg)


@pytest.fixture
def provider(qgis_processing):
    """The GeoRedis Processing provider, registered for one test."""
    from qgis.core import QgsApplication

    from georedis_plugin.processing.provider import GeoRedisProvider

    provider = GeoRedisProvider()
    assert QgsApplication.processingRegistry().addProvider(provider)
    yield provider
    QgsApplication.processingRegistry().removeProvider(provider)  # noqa: QGS202 False only if a test removed it already


@pytest.fixture
def world_map():
    assert WORLD_MAP.exists(), "QGIS's sample data is missing: run make setup"
    return WORLD_MAP


# Fixtures giving a test a real server; modules starting their own servers hold RedisServer,
# LocalCluster or LocalSentinel. Both kinds of test are marked "redis" (Redis-facing): the test
# matrix runs them again against valkey-server (GEOREDIS_TEST_SERVER=valkey, `-m redis`).
SERVER_FIXTURES = {
    "redis_server", "redis_url", "redis_client", "redis_cluster", "redis_sentinel",
    "cluster_url", "sentinel_url",
}  # fmt: skip
SERVER_CLASSES = (RedisServer, LocalCluster, LocalSentinel)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "redis: talks to a real server (run against redis-server and valkey-server)"
    )


def pytest_report_header(config):
    return f"GeoRedis test server: {SERVER_KIND} ({REDIS_SERVER_BINARY})"


def is_redis_facing(item) -> bool:
    if SERVER_FIXTURES.intersection(getattr(item, "fixturenames", ())):
        return True
    module = getattr(item, "module", None)
    return any(value in SERVER_CLASSES for value in vars(module).values()) if module else False


def pytest_collection_modifyitems(items):
    for item in items:
        if is_redis_facing(item):
            item.add_marker(pytest.mark.redis)
    # Slow end-to-end tests last, so quick failures show first.
    items.sort(key=lambda item: item.get_closest_marker("desktop") is not None)


os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
