"""Key prefixes never mix (issue 13, item 6): clearcache deletes only cache entries of its own
prefix, and a prefix that would nest its keys among another prefix's families is refused."""

import pytest
from qgis import processing
from qgis.core import QgsProcessingException

from georedis_plugin.core import geoset, settings
from georedis_plugin.core.clients import reset_clients
from georedis_plugin.core.config import ConnectionConfig
from georedis_plugin.core.errors import GeoRedisError
from georedis_plugin.core.wkb_cache import cache_key, cache_statistics
from tests.algorithm_runs import RecordingFeedback, run
from tests.layers import world_layer
from tests.parity import assert_same_output
from tests.test_geoset_core import point_layer, random_points

WKB_POINT = bytes.fromhex("0101000000000000000000f03f0000000000000040")


def buffer_parameters():
    states = world_layer("states_provinces", extent=(5, 45, 10, 50))
    return {"INPUT": states, "DISTANCE": 0.1, "OUTPUT": "memory:"}


def test_clearcache_leaves_the_keys_of_a_nested_prefix(provider, redis_client, clean_settings,
                                                       redis_url, monkeypatch):  # fmt: skip
    monkeypatch.setenv("GEOREDIS_URL", redis_url)
    reset_clients()
    # a second user's data, written before prefixes were checked: a geo set with attributes
    # and a cache entry under 'georedis:cache', and a key of another application
    nested = geoset.load_layer(
        redis_client, "georedis:cache", "fleet", point_layer(*random_points(200)),
        store_attributes=True,
    )  # fmt: skip
    assert nested.loaded == 200
    nested_entry = cache_key("georedis:cache", "buffer", 1, {"d": 1}, WKB_POINT)
    redis_client.set(nested_entry, WKB_POINT)
    redis_client.set("georedis:cache:notes", "someone else's")
    others = sorted(redis_client.scan_iter("georedis:cache:*"))
    _, first = run("georedis:buffer", buffer_parameters())
    assert first["CACHE_MISSES"] > 0
    ours = [k for k in redis_client.scan_iter("georedis:cache:buffer:*")]
    assert len(ours) == first["CACHE_MISSES"]
    assert cache_statistics(redis_client, "georedis")["entries"] == len(ours)

    result = processing.run("georedis:clearcache", {})

    assert result["DELETED"] == len(ours)
    assert sorted(redis_client.scan_iter("georedis:cache:*")) == others
    listed = [(i.name, i.count) for i in geoset.list_geosets(redis_client, "georedis:cache")]
    assert listed == [("fleet", 200)]


@pytest.mark.parametrize("prefix", ["georedis:cache", "team:geo", "a:live:b", "x:cache-runs"])
def test_a_prefix_with_a_key_family_as_a_part_is_refused_on_save(clean_settings, prefix):
    with pytest.raises(GeoRedisError) as caught:
        ConnectionConfig(key_prefix=prefix).save()
    assert prefix in str(caught.value) and "Choose a prefix without" in str(caught.value)
    assert settings.KEY_PREFIX.value() == "georedis"


@pytest.mark.parametrize("prefix", ["cache", "georedis", "team:gis", "geo-team:caches"])
def test_prefixes_that_cannot_nest_are_accepted(clean_settings, prefix):
    ConnectionConfig(key_prefix=prefix).save()
    assert settings.KEY_PREFIX.value() == prefix


def test_a_cached_run_with_a_nesting_prefix_computes_and_says_why(provider, redis_url,
                                                                  redis_client):  # fmt: skip
    settings.KEY_PREFIX.set_value("georedis:cache")
    try:
        feedback = RecordingFeedback()
        params = buffer_parameters()
        ours, _ = run("georedis:buffer", params, feedback=feedback)
        assert_same_output(ours, run("native:buffer", params)[0])
        assert len(feedback.errors) == 1 and "'georedis:cache'" in feedback.errors[0]
        assert list(redis_client.scan_iter("*")) == []
        with pytest.raises(QgsProcessingException) as caught:
            processing.run(
                "georedis:loadgeoset", {"INPUT": point_layer(*random_points(10)), "KEY": "s"}
            )
        assert "'georedis:cache'" in str(caught.value)
    finally:
        settings.KEY_PREFIX.remove()
