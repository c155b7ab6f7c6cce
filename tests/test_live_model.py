"""The live example model: where the fleet is now, with the fences containing each id."""

import time

from qgis.core import QgsApplication, QgsGeometry

from georedis_plugin.core.live.keys import LiveKeys
from tests.layers import world_layer
from tests.test_live_algorithms import publish, track_layer

MODEL_ID = "georedis:Fleet in fences now (live)"
OUTPUT = "join:fleet in fences"


def test_the_live_model_is_in_the_toolbox_with_its_inputs(provider):
    model = QgsApplication.processingRegistry().algorithmById(MODEL_ID)
    assert model is not None and model.group() == "GeoRedis models"
    names = {p.name() for p in model.parameterDefinitions()}
    assert names == {"stream", "lifetime", "fences", OUTPUT}
    assert "livepositions" in model.shortHelpString()
    assert model.validate() == (True, [])


def test_the_live_model_gives_each_latest_position_its_country(provider, redis_url, redis_client):
    from qgis import processing

    publish(track_layer())
    now = int(time.time() * 1000)
    k = LiveKeys.for_name("georedis", "trucks")
    redis_client.xadd(k.stream, {"id": "at sea", "lon": "-5", "lat": "46", "ts": str(now)})
    countries = world_layer("countries", extent=(-6, 45, 11, 50))
    result = processing.run(
        MODEL_ID,
        {"stream": "trucks", "lifetime": 0, "fences": countries, OUTPUT: "memory:"},
    )
    layer = result[OUTPUT]
    got = {(f["id"], f["fence_name"]) for f in layer.getFeatures()}
    expected = set()
    for ident, lon, lat in (("truck 0", 9.9, 48.3), ("truck 1", 9.9, 48.6),
                            ("truck 2", 9.9, 49.0), ("at sea", -5.0, 46.0)):  # fmt: skip
        point = QgsGeometry.fromWkt(f"POINT({lon} {lat})")
        inside = [c["name"] for c in countries.getFeatures() if c.geometry().contains(point)]
        expected.add((ident, inside[0] if inside else None))
    assert ("truck 0", "Germany") in expected and ("at sea", None) in expected
    got = {(i, None if n is None or str(n) == "NULL" else n) for i, n in got}
    assert got == expected
