"""Sentinel mode: a primary and a replica watched by three Sentinels; work survives a failover."""

import numpy as np
import pytest
import redis

from georedis_plugin.core import geoset
from georedis_plugin.core.clients import check_connection, get_client, is_cluster
from georedis_plugin.core.config import SENTINEL, ConnectionConfig
from georedis_plugin.core.errors import GeoRedisError
from tests import scale_out
from tests.algorithm_runs import RecordingFeedback, run
from tests.parity import assert_same_output
from tests.redis_server import free_port, reported_version
from tests.redis_topologies import SERVICE, LocalSentinel


def test_sentinel_url_names_sentinels_service_and_database():
    config = ConnectionConfig(url="redis+sentinel://alice:pw@s1:26380,[::1],s3/cache/4")
    target = config.target()
    assert (target.mode, target.service_name, target.database) == (SENTINEL, "cache", 4)
    assert target.nodes == (("s1", 26380), ("::1", 26379), ("s3", 26379))
    assert config.describe() == "redis+sentinel://s1:26380,[::1]:26379,s3:26379/cache/4"
    assert "pw" not in config.describe()
    spaced = ConnectionConfig(url="redis+sentinel://s1/cache%20eu").target()
    assert (spaced.service_name, spaced.database) == ("cache eu", 0)


def test_a_url_with_a_password_is_not_saved(clean_settings):
    config = ConnectionConfig(url="rediss+sentinel://:secret@s1:26379/mymaster")
    assert config.uses_tls
    with pytest.raises(GeoRedisError, match="contains a password"):
        config.save()


def test_sentinel_url_without_a_service_is_explained():
    with pytest.raises(GeoRedisError, match="service"):
        ConnectionConfig(url="redis+sentinel://127.0.0.1:26379").target()


def test_sentinel_url_reaches_the_primary(sentinel_url, redis_sentinel):
    config = ConnectionConfig.from_settings()
    client = get_client(config)
    assert not is_cluster(client)
    client.set("georedis:probe", "written")
    _, port = redis_sentinel.primary_address()
    with redis.Redis(host="127.0.0.1", port=port) as primary:
        assert primary.get("georedis:probe") == b"written"
    info = check_connection(config)
    assert f"127.0.0.1:{port}" in info.mode


def test_sentinel_mode_from_the_settings(clean_settings, redis_sentinel):
    clean_settings.MODE.set_value("sentinel")
    clean_settings.NODES.set_value(
        ",".join(f"127.0.0.1:{p}" for p in redis_sentinel.sentinel_ports)
    )
    clean_settings.SERVICE_NAME.set_value(SERVICE)
    config = ConnectionConfig.from_settings()
    assert config.target().service_name == SERVICE
    info = check_connection(config)
    assert f"{info.product} {info.version}" == reported_version(redis_sentinel.primary_address()[1])


def test_an_unknown_service_is_explained(redis_sentinel):
    hosts = ",".join(f"127.0.0.1:{p}" for p in redis_sentinel.sentinel_ports)
    config = ConnectionConfig(url=f"redis+sentinel://{hosts}/no-such-service")
    with pytest.raises(GeoRedisError, match="knows a reachable primary for the service"):
        check_connection(config)


def test_a_redis_server_named_as_sentinel_is_explained(redis_server):
    config = ConnectionConfig(url=f"redis+sentinel://127.0.0.1:{redis_server.port}/mymaster")
    with pytest.raises(GeoRedisError) as error:
        check_connection(config)
    assert "not a Sentinel" in str(error.value)


def test_no_sentinel_listening_is_explained():
    config = ConnectionConfig(url=f"redis+sentinel://127.0.0.1:{free_port()}/mymaster")
    with pytest.raises(GeoRedisError, match="Sentinel"):
        check_connection(config)


def test_cached_buffer_matches_native_and_reads_back(provider, sentinel_url):
    scale_out.check_buffer_cold_then_warm(scale_out.buffer_parameters())


def test_cached_intersection_matches_native_and_reads_back(provider, sentinel_url):
    scale_out.check_intersection_cold_then_warm()


def test_statistics_and_clearing(provider, sentinel_url):
    scale_out.check_statistics_and_clear(scale_out.plugin_client(), "unrelated:key")


def test_geoset_load_and_searches(provider, sentinel_url):
    scale_out.check_geoset_load_and_searches(scale_out.plugin_client())


def test_settings_dialog_saves_and_tests_the_sentinel_mode(
    clean_settings, redis_sentinel, make_basic_authcfg
):
    from georedis_plugin.gui.settings_dialog import SettingsDialog
    from tests.gui_wait import wait_until

    dialog = SettingsDialog()
    dialog.mode_combo.setCurrentIndex(dialog.mode_combo.findData(SENTINEL))
    assert dialog.host_edit.isHidden() and not dialog.service_edit.isHidden()
    assert not dialog.database_spin.isHidden()
    assert dialog.nodes_label.text() == "Sentinels"
    dialog.nodes_edit.setText(",".join(f"127.0.0.1:{p}" for p in redis_sentinel.sentinel_ports))
    dialog.service_edit.setText(SERVICE)
    dialog.test_connection()
    wait_until(lambda: dialog.test_button.isEnabled())
    _, port = redis_sentinel.primary_address()
    assert f"primary at 127.0.0.1:{port}" in dialog.test_result.text()
    sentinel_auth = make_basic_authcfg("sentinel-user", "sentinel-secret")
    dialog.sentinel_auth_select.setConfigId(sentinel_auth)
    dialog.accept()
    saved = ConnectionConfig.from_settings()
    assert (saved.mode, saved.service_name, saved.sentinel_authcfg) == (
        SENTINEL,
        SERVICE,
        sentinel_auth,
    )


# Last in this module: it changes which server is the primary.
def test_work_continues_on_the_promoted_replica_after_the_primary_dies(
    provider, sentinel_url, redis_sentinel
):
    client = scale_out.plugin_client()
    parameters = scale_out.buffer_parameters(limit=100)
    native, _ = run("native:buffer", parameters)
    _, cold = run("georedis:buffer", parameters)
    assert cold["CACHE_MISSES"] == native.featureCount()
    scale_out.check_geoset_load_and_searches(client, "before failover")
    _, port = redis_sentinel.primary_address()
    with redis.Redis(host="127.0.0.1", port=port) as primary:
        assert primary.wait(1, 5000) == 1  # the replica has everything written so far

    old = redis_sentinel.server_at(port)
    old.kill()
    # The Sentinels have not noticed yet: this run cannot reach a primary, warns once and
    # computes everything itself, with native's result.
    feedback = RecordingFeedback()
    during, result = run("georedis:buffer", parameters, feedback=feedback)
    assert_same_output(during, native)
    assert result["CACHE_HITS"] == 0
    assert len(feedback.errors) == 1
    assert "Sentinel service" in feedback.errors[0]

    promoted = redis_sentinel.wait_for_failover(old)
    # The same pooled client now talks to the promoted replica: the cache written before
    # the failover is read back, the geo set is still there, and new writes work.
    after, warm = run("georedis:buffer", parameters)
    assert (warm["CACHE_HITS"], warm["CACHE_MISSES"]) == (native.featureCount(), 0)
    assert_same_output(after, native)
    hits, _ = run("georedis:radiussearch", scale_out.search_parameters("before failover"))
    members, lon, lat = scale_out.stored_positions(client, "before failover")
    distance = geoset.geodesic_m(4.9, 52.37, lon, lat)
    assert {f["member"] for f in hits.getFeatures()} == set(members[distance <= 3000])
    assert np.count_nonzero(distance <= 3000) > 100
    scale_out.check_geoset_load_and_searches(client, "after failover")
    with redis.Redis(host="127.0.0.1", port=promoted.port) as primary:
        assert primary.info("replication")["role"] == "master"
        assert primary.exists(geoset.GeoSetKeys.for_name("georedis", "after failover").geo)
    redis_sentinel.restart_as_replica(old, promoted)


def test_sentinels_with_a_password_of_their_own(tmp_path, make_basic_authcfg):
    topology = LocalSentinel(
        tmp_path,
        sentinels=1,
        with_replica=False,
        password="primary-secret",
        sentinel_password="sentinel-secret",
    ).start()
    try:
        primary_auth = make_basic_authcfg("default", "primary-secret")
        sentinel_auth = make_basic_authcfg("default", "sentinel-secret")
        config = ConnectionConfig(url=topology.url, authcfg=primary_auth)
        with pytest.raises(GeoRedisError, match=r"The Sentinels at .* refused the credentials"):
            check_connection(config)
        both = ConnectionConfig(
            url=topology.url, authcfg=primary_auth, sentinel_authcfg=sentinel_auth
        )
        assert f"primary at 127.0.0.1:{topology.primary.port}" in check_connection(both).mode
        get_client(both).set("georedis:probe", "ok")
        wrong_primary = ConnectionConfig(url=topology.url, sentinel_authcfg=sentinel_auth)
        # the Sentinels answer, the primary itself refuses: the server's own credentials
        with pytest.raises(GeoRedisError, match=r"^Redis at .* refused the credentials"):
            check_connection(wrong_primary)
    finally:
        topology.stop()


def test_a_reload_cut_by_a_failover_leaves_the_previous_set_whole(sentinel_url, redis_sentinel):
    import threading

    from georedis_plugin.core.errors import REDIS_ERRORS, explain_error

    client = scale_out.plugin_client()
    first = geoset.PointData(*scale_out.random_points(1000, seed=1), members=np.arange(1000))
    geoset.load_points(client, "georedis", "reloaded", first)
    _, port = redis_sentinel.primary_address()
    with redis.Redis(host="127.0.0.1", port=port) as primary:
        assert primary.wait(1, 5000) == 1
    old = redis_sentinel.server_at(port)
    big = 2_000_000
    second = geoset.PointData(*scale_out.random_points(big, seed=2), members=np.arange(big))
    outcome = {}

    def reload():
        try:
            geoset.load_points(client, "georedis", "reloaded", second)
        except REDIS_ERRORS as exc:
            outcome["error"] = exc

    loader = threading.Thread(target=reload)
    with redis.Redis(host="127.0.0.1", port=port) as primary:
        loader.start()
        # kill the primary once the new points are arriving under the temporary key
        assert scale_out.wait_for_key(primary, "georedis:geo:{reloaded}:tmp:*")
    old.kill()
    loader.join(60)
    assert not loader.is_alive()
    assert "error" in outcome, "the load cannot have finished on a killed primary"
    message = explain_error(outcome["error"], ConnectionConfig.from_settings())
    assert "Sentinel service" in message

    promoted = redis_sentinel.wait_for_failover(old)
    with redis.Redis(host="127.0.0.1", port=promoted.port) as primary:
        # what replicated of the cut load is invisible and expires by itself
        leftovers = list(primary.scan_iter(match="georedis:geo:{reloaded}:tmp:*"))
        assert all(0 < primary.ttl(key) <= geoset.TEMP_TTL_SECONDS for key in leftovers)
    info = geoset.geoset_info(client, "georedis", "reloaded")
    assert info.count == 1000 == int(info.meta["count"])  # the previous load, whole
    third = geoset.PointData(*scale_out.random_points(5000, seed=3), members=np.arange(5000))
    geoset.load_points(client, "georedis", "reloaded", third)  # a reload works again
    assert geoset.geoset_info(client, "georedis", "reloaded").count == 5000
    assert client.ttl(geoset.GeoSetKeys.for_name("georedis", "reloaded").geo) == -1
    redis_sentinel.restart_as_replica(old, promoted)


def test_tls_reaches_sentinels_and_primary_verified_against_the_ca(tmp_path):
    from tests.redis_topologies import TestCertificates

    certificates = TestCertificates(tmp_path / "tls")
    topology = LocalSentinel(
        tmp_path / "sentinel", sentinels=1, with_replica=False, tls=certificates
    ).start()
    try:
        config = ConnectionConfig(url=topology.tls_url, ca_file=str(certificates.ca))
        assert config.uses_tls
        info = check_connection(config)
        assert f"primary at 127.0.0.1:{topology.primary_tls_port}" in info.mode
        get_client(config).set("georedis:probe", "over TLS")
        with redis.Redis(host="127.0.0.1", port=topology.primary.port) as plain:
            assert plain.get("georedis:probe") == b"over TLS"
        with pytest.raises(GeoRedisError, match="The TLS connection to the Sentinels at"):
            check_connection(ConnectionConfig(url=topology.tls_url))  # no CA: not trusted
    finally:
        topology.stop()
