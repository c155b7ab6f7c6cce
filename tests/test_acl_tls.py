"""Transport and rights (issue 6, item 4): TLS verified against a CA, and Redis ACL users.

A TLS redis-server with a throwaway CA (openssl CLI) serves every feature when the CA file is
set, and is refused with a TLS explanation with another CA. An ACL user restricted to the
``georedis:*`` keys with the command set the README recommends runs every feature; a user
without those keys gets a message that says what to ask the administrator for.
"""

import subprocess

import pytest
import redis
from qgis.core import QgsGeometry

from georedis_plugin.core import geoset, settings
from georedis_plugin.core.clients import check_connection, get_client, reset_clients
from georedis_plugin.core.config import ConnectionConfig
from georedis_plugin.core.errors import GeoRedisError, explain_error
from georedis_plugin.core.wkb_cache import cache_statistics, clear_cache
from tests.algorithm_runs import RecordingFeedback, run
from tests.layers import memory_layer
from tests.parity import assert_same_output
from tests.redis_server import REDIS_SERVER, RedisServer, free_port
from tests.redis_topologies import TestCertificates, wait_until
from tests.test_geoset_core import point_layer, random_points

POLYGONS = [
    "Polygon ((0 0, 4 0, 4 4, 0 4, 0 0))",
    "Polygon ((10 10, 14 10, 12 15, 10 10))",
    "MultiPolygon (((20 0, 22 0, 22 2, 20 0)), ((25 0, 27 0, 27 2, 25 0)))",
]
# What the README recommends for a GeoRedis user on a shared server (checked by the tests).
ACL_RULES = ["on", "~georedis:*", "+@all", "-@dangerous", "+info", "+memory|usage"]
ACL_PASSWORD = "acl-Pa55-for-georedis"


def use_settings(**values) -> None:
    for name, value in values.items():
        getattr(settings, name.upper()).set_value(value)
    reset_clients()


def every_feature(feedback_errors: list) -> dict:
    """Run each GeoRedis feature once against the configured server; what each returned."""
    config = ConnectionConfig.from_settings()
    outcome = {"connection": check_connection(config).version}
    layer = memory_layer("Polygon", POLYGONS)
    for label in ("cold", "warm"):
        feedback = RecordingFeedback()
        ours, result = run(
            "georedis:buffer",
            {"INPUT": layer, "DISTANCE": 0.5, "OUTPUT": "memory:"},
            feedback=feedback,
        )
        feedback_errors.extend(feedback.errors)
        outcome[f"buffer {label}"] = (ours, result)
    native, _ = run("native:buffer", {"INPUT": layer, "DISTANCE": 0.5, "OUTPUT": "memory:"})
    outcome["native buffer"] = native
    feedback = RecordingFeedback()
    overlay = memory_layer("Polygon", ["Polygon ((2 2, 21 2, 21 12, 2 12, 2 2))"])
    ours, result = run(
        "georedis:intersection",
        {"INPUT": layer, "OVERLAY": overlay, "OUTPUT": "memory:"},
        feedback=feedback,
    )
    feedback_errors.extend(feedback.errors)
    native, _ = run(
        "native:intersection", {"INPUT": layer, "OVERLAY": overlay, "OUTPUT": "memory:"}
    )
    outcome["intersection"] = (ours, result, native)
    client = get_client(config)
    outcome["statistics"] = cache_statistics(client, config.key_prefix)
    lons, lats = random_points(500, seed=4)
    from qgis import processing

    loaded = processing.run(
        "georedis:loadgeoset",
        {"INPUT": point_layer(lons, lats), "KEY": "acl points", "STORE_ATTRIBUTES": True},
    )
    outcome["loaded"] = loaded["LOADED"]
    gs = geoset.GeoSet(client, config.key_prefix, "acl points")
    outcome["radius"] = len(gs.radius(0.0, 45.0, 20_000, "km"))
    outcome["box"] = len(gs.box(0.0, 45.0, 40_000, 40_000, "km"))
    polygon = QgsGeometry.fromWkt("Polygon ((-10 40, 0 40, 0 50, -10 50, -10 40))")
    outcome["polygon"] = len(gs.polygon(polygon, "km"))
    outcome["listed"] = [info.name for info in geoset.list_geosets(client, config.key_prefix)]
    outcome["deleted"] = geoset.delete_geoset(client, config.key_prefix, "acl points")
    outcome["cleared"] = clear_cache(client, config.key_prefix)
    return outcome


def assert_every_feature_worked(outcome: dict, errors: list) -> None:
    assert errors == []  # not a single warning: nothing fell back to "no cache"
    cold, cold_result = outcome["buffer cold"]
    warm, warm_result = outcome["buffer warm"]
    assert cold_result["CACHE_MISSES"] == len(POLYGONS)
    assert warm_result["CACHE_HITS"] == len(POLYGONS) and warm_result["CACHE_MISSES"] == 0
    assert_same_output(cold, outcome["native buffer"])
    assert_same_output(warm, outcome["native buffer"])
    ours, _, native = outcome["intersection"]
    assert_same_output(ours, native)
    assert outcome["statistics"]["entries"] >= len(POLYGONS)
    assert outcome["loaded"] == 500
    assert outcome["radius"] == outcome["box"] == 500
    assert 0 < outcome["polygon"] < 500
    assert outcome["listed"] == ["acl points"]
    assert outcome["deleted"] >= 1
    assert outcome["cleared"] >= len(POLYGONS)


# -- TLS ------------------------------------------------------------------------------------


class TlsServer:
    """redis-server on a TLS port only (no plain port), certificates from ``certificates``."""

    def __init__(self, workdir, certificates: TestCertificates):
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                REDIS_SERVER, "--bind", "127.0.0.1", "--port", "0", "--tls-port", str(self.port),
                "--dir", str(workdir), "--save", "", "--appendonly", "no",
                *certificates.server_args(),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        probe = redis.Redis(
            host="127.0.0.1", port=self.port, ssl=True, ssl_ca_certs=str(certificates.ca),
            socket_connect_timeout=0.5,
        )  # fmt: skip

        # a refused handshake shows in the timeout's message as the last error
        wait_until(probe.ping, 10, "the TLS redis-server")
        probe.close()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    return TestCertificates(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def tls_server(tmp_path, certificates):
    server = TlsServer(tmp_path, certificates)
    yield server
    server.stop()


def test_tls_with_certificate_verification_serves_every_feature(
    provider, clean_settings, tls_server, certificates
):
    use_settings(host="127.0.0.1", port=tls_server.port, tls=True, ca_file=str(certificates.ca))
    errors = []
    outcome = every_feature(errors)
    assert_every_feature_worked(outcome, errors)


def test_tls_with_a_certificate_from_another_ca_is_refused_with_advice(
    clean_settings, tls_server, tmp_path
):
    other = TestCertificates(tmp_path / "other-ca")
    config = ConnectionConfig(
        host="127.0.0.1", port=tls_server.port, tls=True, ca_file=str(other.ca)
    )
    with pytest.raises(GeoRedisError, match="TLS connection") as caught:
        check_connection(config)
    assert "CA file" in str(caught.value)


def test_tls_expected_but_the_server_is_plain(clean_settings, redis_server, certificates):
    config = ConnectionConfig(
        host="127.0.0.1", port=redis_server.port, tls=True, ca_file=str(certificates.ca)
    )
    with pytest.raises(GeoRedisError, match="TLS") as caught:
        check_connection(config)
    assert "TLS setting" in str(caught.value)


def test_plain_connection_to_a_tls_server_says_to_turn_tls_on(clean_settings, tls_server):
    config = ConnectionConfig(host="127.0.0.1", port=tls_server.port, read_timeout=1.0)
    with pytest.raises(GeoRedisError) as caught:
        check_connection(config)
    assert "TLS" in str(caught.value)


# -- ACL ------------------------------------------------------------------------------------


@pytest.fixture
def acl_server(tmp_path):
    server = RedisServer(tmp_path).start()
    admin = redis.Redis(host="127.0.0.1", port=server.port)
    admin.acl_setuser("georedis", reset=True)
    admin.execute_command("ACL", "SETUSER", "georedis", f">{ACL_PASSWORD}", *ACL_RULES)
    admin.execute_command(
        "ACL", "SETUSER", "outsider", f">{ACL_PASSWORD}", "on", "~other:*", "+@all", "-@dangerous"
    )
    admin.execute_command("ACL", "SETUSER", "default", "off")  # nobody else gets in
    yield server
    server.stop()


def test_an_acl_user_limited_to_the_georedis_keys_can_do_everything(
    provider, clean_settings, acl_server, make_basic_authcfg
):
    authcfg = make_basic_authcfg("georedis", ACL_PASSWORD)
    use_settings(host="127.0.0.1", port=acl_server.port, authcfg=authcfg)
    errors = []
    outcome = every_feature(errors)
    assert_every_feature_worked(outcome, errors)


def test_a_user_without_the_georedis_keys_is_told_what_to_ask_for(
    provider, clean_settings, acl_server, make_basic_authcfg
):
    authcfg = make_basic_authcfg("outsider", ACL_PASSWORD)
    use_settings(host="127.0.0.1", port=acl_server.port, authcfg=authcfg)
    config = ConnectionConfig.from_settings()
    # the cached buffer still gives native's output, with one warning saying why
    layer = memory_layer("Polygon", POLYGONS)
    feedback = RecordingFeedback()
    ours, _ = run(
        "georedis:buffer", {"INPUT": layer, "DISTANCE": 0.5, "OUTPUT": "memory:"}, feedback=feedback
    )
    native, _ = run("native:buffer", {"INPUT": layer, "DISTANCE": 0.5, "OUTPUT": "memory:"})
    assert_same_output(ours, native)
    assert len(feedback.errors) == 1
    assert "georedis:*" in feedback.errors[0] and "administrator" in feedback.errors[0]
    # a geo-set load is refused with the same advice, and nothing is reported as loaded
    client = get_client(config)
    with pytest.raises(redis.RedisError) as caught:
        geoset.load_layer(client, config.key_prefix, "points", point_layer(*random_points(10)))
    message = explain_error(caught.value, config)
    assert "no permission" in message and "'georedis:*'" in message
