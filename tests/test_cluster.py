"""Redis Cluster mode: a local 3-primary cluster, every feature through redis-py's RedisCluster."""

import random
from collections import Counter

import numpy as np
import pytest
import redis
from qgis.core import QgsProcessingException

from georedis_plugin.core import geoset
from georedis_plugin.core.clients import check_connection, get_client, is_cluster
from georedis_plugin.core.config import CLUSTER, ConnectionConfig
from georedis_plugin.core.errors import GeoRedisError, explain_error
from georedis_plugin.core.geoset import cells
from georedis_plugin.core.wkb_cache import key_function
from tests import scale_out
from tests.algorithm_runs import run
from tests.redis_server import reported_version
from tests.redis_topologies import free_cluster_port
from tests.test_geoset_panel import load_and_select, project_points, to_map  # noqa: F401 (fixture)


def server_keyslot(redis_cluster, key: str) -> int:
    with redis.Redis(*redis_cluster.nodes[0]) as node:
        return node.execute_command("CLUSTER", "KEYSLOT", key)


@pytest.fixture
def slots(redis_cluster):
    with redis.Redis(*redis_cluster.nodes[0]) as node:
        reply = node.execute_command("CLUSTER SLOTS")
    owners = {}
    for entry in reply:
        start, end, primary = entry[0], entry[1], entry[2]
        for slot in range(start, end + 1):
            owners[slot] = primary[1]
    return owners


def test_cluster_url_connects_through_rediscluster(cluster_url, redis_cluster):
    config = ConnectionConfig.from_settings()
    assert config.target().mode == CLUSTER
    assert config.target().nodes == tuple(redis_cluster.nodes)
    assert is_cluster(get_client(config))
    info = check_connection(config)
    assert "3" in info.mode
    assert f"{info.product} {info.version}" == reported_version(redis_cluster.nodes[0][1])


def test_cluster_mode_from_the_settings(clean_settings, redis_cluster):
    first, second, _ = redis_cluster.nodes
    clean_settings.MODE.set_value("cluster")
    clean_settings.NODES.set_value(f"{first[0]}:{first[1]}, {second[0]}:{second[1]}")
    config = ConnectionConfig.from_settings()
    assert config.describe() == f"redis+cluster://127.0.0.1:{first[1]},127.0.0.1:{second[1]}"
    assert is_cluster(get_client(config))
    # seeds are only where discovery starts: all three primaries are found
    assert len(get_client(config).get_primaries()) == 3


def test_cache_keys_spread_over_slots_and_primaries(redis_cluster, slots):
    rng = random.Random(3)
    key = key_function("georedis", "buffer", 1, {"distance": 1.0})
    keys = [key(rng.randbytes(21)) for _ in range(600)]
    server_slots = [server_keyslot(redis_cluster, k) for k in keys]
    assert len(set(server_slots)) > 550  # 600 keys over 16384 slots rarely share one
    per_primary = Counter(slots[s] for s in server_slots)
    assert set(per_primary) == {port for _, port in redis_cluster.nodes}
    # each primary serves a third of the slots: 200 keys expected, ~11 standard deviations
    assert all(130 <= n <= 270 for n in per_primary.values()), per_primary


@pytest.mark.parametrize(
    "name", ["plain", "with spaces", "a:b:c", "{braces}", "}{", "100%", "東京", "x{y}z:tmp:1"]
)
def test_keys_of_a_geo_set_share_one_slot(redis_cluster, name):
    keys = geoset.GeoSetKeys.for_name("georedis", name)
    temp = geoset.GeoSetKeys.for_name("georedis", name, ":tmp:0123abcd")
    found = {server_keyslot(redis_cluster, k) for k in (*vars(keys).values(), *vars(temp).values())}
    assert len(found) == 1


def test_cached_buffer_matches_native_and_reads_back(provider, cluster_url):
    scale_out.check_buffer_cold_then_warm(scale_out.buffer_parameters())


def test_cache_entries_land_on_every_primary(provider, cluster_url, redis_cluster):
    scale_out.check_buffer_cold_then_warm(scale_out.buffer_parameters(limit=60))
    sizes = []
    for client in redis_cluster.primaries():
        with client:
            sizes.append(len(list(client.scan_iter(match="georedis:cache:*"))))
    assert all(size > 0 for size in sizes), sizes


def test_cached_intersection_matches_native_and_reads_back(provider, cluster_url):
    scale_out.check_intersection_cold_then_warm()


def test_statistics_and_clearing_cover_every_primary(provider, cluster_url):
    scale_out.check_statistics_and_clear(scale_out.plugin_client(), "unrelated:key")


def test_geoset_load_and_searches(provider, cluster_url):
    scale_out.check_geoset_load_and_searches(scale_out.plugin_client())


def test_sets_on_different_primaries_are_all_listed(provider, cluster_url, slots):
    client = scale_out.plugin_client()
    names = [f"set {i}" for i in range(12)]
    homes = set()
    for name in names:
        layer = scale_out.point_layer(*scale_out.random_points(5, seed=len(name)))
        geoset.load_layer(client, "georedis", name, layer)
        homes.add(slots[client.keyslot(geoset.GeoSetKeys.for_name("georedis", name).geo)])
    assert len(homes) == 3  # the sets live on all three primaries
    assert [info.name for info in geoset.list_geosets(client, "georedis")] == sorted(names)
    assert all(info.count == 5 for info in geoset.list_geosets(client, "georedis"))
    assert geoset.delete_geoset(client, "georedis", names[0]) == 2  # set and metadata
    assert len(geoset.list_geosets(client, "georedis")) == 11


def test_reload_replaces_a_set_on_its_primary(provider, cluster_url):
    client = scale_out.plugin_client()
    for count in (50, 7):
        layer = scale_out.point_layer(*scale_out.random_points(count, seed=count))
        geoset.load_layer(client, "georedis", "again", layer)
        assert geoset.geoset_info(client, "georedis", "again").count == count
        keys = geoset.GeoSetKeys.for_name("georedis", "again")
        assert client.ttl(keys.geo) == -1  # the temporary key's expiry is gone
    assert not list(client.scan_iter(match="georedis:geo:*:tmp:*"))


def test_a_standalone_server_named_as_cluster_is_explained(redis_server):
    config = ConnectionConfig(url=f"redis+cluster://127.0.0.1:{redis_server.port}")
    with pytest.raises(GeoRedisError, match="not part of a Redis Cluster"):
        check_connection(config)


def test_unreachable_seed_nodes_are_explained():
    config = ConnectionConfig(
        url=f"redis+cluster://127.0.0.1:{free_cluster_port()},127.0.0.1:{free_cluster_port()}",
        connect_timeout=0.5,
    )
    with pytest.raises(GeoRedisError, match=r"No node of the Redis Cluster .* answered"):
        check_connection(config)


def test_a_database_other_than_0_is_refused_with_advice():
    with pytest.raises(GeoRedisError, match="only database 0"):
        ConnectionConfig(url="redis+cluster://127.0.0.1:7000/2").target()


def test_a_prefix_with_braces_is_refused_in_cluster_mode(redis_cluster):
    config = ConnectionConfig(url=redis_cluster.url, key_prefix="geo{redis}")
    with pytest.raises(GeoRedisError, match="cannot contain"):
        get_client(config)


def test_redirections_and_a_down_cluster_are_explained(redis_cluster, slots):
    config = ConnectionConfig(url=redis_cluster.url)
    first_port = redis_cluster.nodes[0][1]
    foreign = next(
        f"probe{i}"
        for i in range(1000)
        if slots[server_keyslot(redis_cluster, f"probe{i}")] != first_port
    )
    # what a client unaware of the cluster gets from the wrong node
    with redis.Redis(*redis_cluster.nodes[0]) as node, pytest.raises(redis.ResponseError) as moved:
        node.get(foreign)
    assert "Run the operation again" in explain_error(moved.value, config)
    down = redis.exceptions.ClusterDownError("The cluster is down")
    assert "is down" in explain_error(down, config)


def test_algorithms_report_a_dead_cluster_clearly(provider, monkeypatch):
    dead = f"redis+cluster://127.0.0.1:{free_cluster_port()}"
    monkeypatch.setenv("GEOREDIS_URL", dead)
    with pytest.raises(QgsProcessingException, match="No node of the Redis Cluster"):
        run("georedis:clearcache", {}, result_key="DELETED")


def test_settings_dialog_saves_and_tests_the_cluster_mode(clean_settings, redis_cluster):
    from georedis_plugin.gui.settings_dialog import SettingsDialog
    from tests.gui_wait import wait_until

    dialog = SettingsDialog()
    assert dialog.nodes_edit.isHidden() and not dialog.host_edit.isHidden()
    dialog.mode_combo.setCurrentIndex(dialog.mode_combo.findData(CLUSTER))
    assert dialog.host_edit.isHidden() and dialog.database_spin.isHidden()
    assert not dialog.nodes_edit.isHidden() and dialog.service_edit.isHidden()
    dialog.nodes_edit.setText(", ".join(f"{h}:{p}" for h, p in redis_cluster.nodes[:2]))
    dialog.database_spin.setValue(4)  # noqa: QGS202 a widget setter; left over from standalone: a cluster only has 0
    dialog.test_connection()
    wait_until(lambda: dialog.test_button.isEnabled())
    assert "(cluster of 3 primaries)" in dialog.test_result.text()
    dialog.accept()
    saved = ConnectionConfig.from_settings()
    assert (saved.mode, saved.database) == (CLUSTER, 0)
    assert saved.target().nodes == tuple(redis_cluster.nodes[:2])
    assert SettingsDialog().mode() == CLUSTER


@pytest.fixture
def cluster_panel(qgis_iface, cluster_url, project_points):  # noqa: F811 (fixture)
    from qgis.core import QgsCoordinateReferenceSystem

    from georedis_plugin.gui.geoset_panel import GeoSetPanel
    from tests.gui_wait import wait_for_tasks

    qgis_iface.mapCanvas().setDestinationCrs(QgsCoordinateReferenceSystem("EPSG:3857"))
    widget = GeoSetPanel(qgis_iface)
    wait_for_tasks()
    yield widget
    widget.close_down()
    wait_for_tasks()


def test_dock_panel_loads_lists_and_searches_on_the_cluster(
    cluster_panel,
    project_points,  # noqa: F811 (fixture)
    qgis_iface,
):
    from qgis.core import QgsPointXY
    from qgis.PyQt.QtCore import Qt

    from tests.gui_wait import wait_for_tasks

    load_and_select(cluster_panel, project_points, id_field="name")
    assert cluster_panel.selected_set() == "berlin_stops"
    assert "5000 points" in cluster_panel.sets_list.currentItem().text()
    center = QgsPointXY(13.4, 52.5)
    cluster_panel.pick_button.setChecked(True)
    cluster_panel.pick_tool.canvasClicked.emit(
        to_map(center, qgis_iface.mapCanvas()), Qt.MouseButton.LeftButton
    )
    cluster_panel.radius_spin.setValue(2.5)  # noqa: QGS202 a widget setter, no result
    cluster_panel.unit_combo.setCurrentIndex(cluster_panel.unit_combo.findData("km"))
    cluster_panel.search_button.click()
    wait_for_tasks()
    layer = cluster_panel.last_hit_layer
    client = scale_out.plugin_client()
    expected = geoset.GeoSet(client, "georedis", "berlin_stops").radius(13.4, 52.5, 2.5, "km")
    assert len(expected) > 50
    assert [f["member"] for f in layer.getFeatures()] == expected.members
    assert layer.fields().names() == ["member", "distance", "name", "rank"]


def test_a_dead_primary_costs_one_warning_and_the_results_stay_right(
    provider, tmp_path, monkeypatch
):
    from georedis_plugin.core.clients import reset_clients
    from georedis_plugin.core.config import ENV_URL
    from tests.algorithm_runs import RecordingFeedback
    from tests.parity import assert_same_output
    from tests.redis_topologies import LocalCluster, wait_until

    cluster = LocalCluster(tmp_path).start()  # its own: this one is broken on purpose
    try:
        monkeypatch.setenv(ENV_URL, cluster.url)
        reset_clients()
        parameters = scale_out.buffer_parameters(limit=60)
        native, _ = run("native:buffer", parameters)
        _, cold = run("georedis:buffer", parameters)
        assert cold["CACHE_MISSES"] == native.featureCount()
        cluster.servers[2].kill()

        feedback = RecordingFeedback()
        output, _ = run("georedis:buffer", parameters, feedback=feedback)
        assert_same_output(output, native)
        assert len(feedback.errors) == 1
        assert "A node of the Redis Cluster" in feedback.errors[0]

        # Without a replica to promote, the others declare the cluster down (node timeout)
        with redis.Redis(*cluster.nodes[0]) as alive:
            wait_until(
                lambda: alive.execute_command("CLUSTER INFO")["cluster_state"] == "fail",
                30,
                "cluster_state:fail",
            )
        feedback = RecordingFeedback()
        output, result = run("georedis:buffer", parameters, feedback=feedback)
        assert_same_output(output, native)
        assert result["CACHE_HITS"] == 0
        assert len(feedback.errors) == 1
        assert "A node of the Redis Cluster" in feedback.errors[0]
        # a key served by a live primary: refused with CLUSTERDOWN, explained as such
        client = scale_out.plugin_client()
        dead_port = cluster.nodes[2][1]
        alive_key = next(
            f"k{i}" for i in range(1000) if client.get_node_from_key(f"k{i}").port != dead_port
        )
        with pytest.raises(redis.exceptions.ClusterDownError) as down:
            client.get(alive_key)
        message = explain_error(down.value, ConnectionConfig.from_settings())
        assert message.startswith("The Redis Cluster at redis+cluster://") and "is down" in message
    finally:
        reset_clients()
        cluster.stop()


def migrate_slot(redis_cluster, slot: int, to_port: int) -> None:
    """Move ``slot`` and its keys to the primary on ``to_port`` (as a resharding does)."""
    nodes = {port: redis.Redis(host, port) for host, port in redis_cluster.nodes}
    try:
        ids = {port: node.execute_command("CLUSTER MYID").decode() for port, node in nodes.items()}
        owners = {}
        for entry in nodes[to_port].execute_command("CLUSTER SLOTS"):
            for each in range(entry[0], entry[1] + 1):
                owners[each] = entry[2][1]
        source, target = nodes[owners[slot]], nodes[to_port]
        target.execute_command("CLUSTER SETSLOT", slot, "IMPORTING", ids[owners[slot]])
        source.execute_command("CLUSTER SETSLOT", slot, "MIGRATING", ids[to_port])
        while keys := source.execute_command("CLUSTER GETKEYSINSLOT", slot, 100):
            source.execute_command("MIGRATE", "127.0.0.1", to_port, "", 0, 5000, "KEYS", *keys)
        for node in (target, source, *nodes.values()):
            node.execute_command("CLUSTER SETSLOT", slot, "NODE", ids[to_port])
    finally:
        for node in nodes.values():
            node.close()


def test_a_geo_set_whose_slot_moved_is_still_found(provider, cluster_url, redis_cluster, slots):
    client = scale_out.plugin_client()
    lons, _, layer = scale_out.sample_points()
    geoset.load_layer(client, "georedis", "moving", layer, store_attributes=True)
    before = geoset.GeoSet(client, "georedis", "moving").radius(4.9, 52.37, 3, "km")
    key = geoset.GeoSetKeys.for_name("georedis", "moving").geo
    slot = client.keyslot(key)
    elsewhere = next(port for _, port in redis_cluster.nodes if port != slots[slot])
    migrate_slot(redis_cluster, slot, elsewhere)
    # the plugin's client still has the old slot table: the MOVED reply is followed quietly
    after = geoset.GeoSet(client, "georedis", "moving").radius(4.9, 52.37, 3, "km")
    assert after.members == before.members and len(after) > 100
    assert after.rows == before.rows
    assert client.get_node_from_key(key).port == elsewhere
    migrate_slot(redis_cluster, slot, slots[slot])
    geoset.load_layer(client, "georedis", "moving", layer)  # a load follows the move too
    assert geoset.geoset_info(client, "georedis", "moving").count == len(lons)
    assert client.get_node_from_key(key).port == slots[slot]


def test_a_tls_cluster_is_verified_against_the_ca(provider, clean_settings, tmp_path, monkeypatch):
    from georedis_plugin.core.clients import reset_clients
    from georedis_plugin.core.config import ENV_URL
    from tests.redis_topologies import LocalCluster, TestCertificates

    certificates = TestCertificates(tmp_path / "tls")
    cluster = LocalCluster(tmp_path / "cluster", tls=certificates).start()
    try:
        config = ConnectionConfig(url=cluster.tls_url, ca_file=str(certificates.ca))
        info = check_connection(config)
        assert "3" in info.mode
        # every primary is reached through its TLS port
        assert sorted(n.port for n in get_client(config).get_primaries()) == sorted(
            cluster.tls_ports
        )
        monkeypatch.setenv(ENV_URL, cluster.tls_url)
        clean_settings.CA_FILE.set_value(str(certificates.ca))
        reset_clients()
        scale_out.check_buffer_cold_then_warm(scale_out.buffer_parameters(limit=40))
        unverified = ConnectionConfig(url=cluster.tls_url)  # system CAs do not sign it
        with pytest.raises(GeoRedisError, match="The TLS connection to the Redis Cluster at"):
            check_connection(unverified)
    finally:
        reset_clients()
        cluster.stop()


def test_nearest_from_afar_through_the_recorded_cells_on_the_cluster(provider, cluster_url):
    """The hand-sent MULTI/EXEC of ZCOUNTs and ZRANGEs goes to the set's primary."""
    client = scale_out.plugin_client()
    rng = np.random.default_rng(12)
    lon, lat = rng.uniform(-5.0, 20.0, 20_000), rng.uniform(40.0, 56.0, 20_000)
    data = geoset.PointData(lon, lat, np.arange(len(lon), dtype=np.int64))
    geoset.load_points(client, "georedis", "afar", data)
    stored_lon, stored_lat = geoset.decode_scores(geoset.geohash_scores(lon, lat))
    ratio = geoset.distances.ELLIPSOID_PER_SPHERE_MIN
    for centre in ((151.2, -33.9), (-58.4, -34.6), (-100.0, 85.0)):
        gs = geoset.GeoSet(client, "georedis", "afar")
        _members, _lon, _lat, metres = cells.nearest_from_afar(gs, *centre, 10, 0.0, ratio)
        brute = np.sort(geoset.geodesic_m(*centre, stored_lon, stored_lat))[:10]
        np.testing.assert_allclose(metres, brute, rtol=0, atol=1e-6)
        found = geoset.GeoSet(client, "georedis", "afar").nearest(*centre, 10)
        np.testing.assert_allclose(found.distances, brute, rtol=0, atol=1e-6)
