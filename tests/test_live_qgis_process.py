"""The live-position algorithms from ``qgis_process.bin --json run``, in a deployed profile."""

import pytest
from qgis.core import QgsVectorLayer

from scripts.deploy import deploy
from tests.layers import world_layer
from tests.qgis_process import run_json
from tests.test_live_algorithms import T0, track_layer
from tests.test_qgis_process import write_gpkg

pytestmark = pytest.mark.usefixtures("qgis_processing")


@pytest.fixture(scope="module")
def config(tmp_path_factory):
    config = tmp_path_factory.mktemp("qgis-process-live")
    deploy(config / "profiles" / "default", enable=True)
    return config


def read(path) -> QgsVectorLayer:
    layer = QgsVectorLayer(str(path), "out", "ogr")
    assert layer.isValid(), path
    return layer


def test_publish_then_latest_history_and_fences_from_qgis_process(config, redis_url, tmp_path):
    tracks = write_gpkg(track_layer(), tmp_path / "tracks.gpkg")
    fences = write_gpkg(
        world_layer("countries", extent=(5, 47, 11, 50)), tmp_path / "countries.gpkg"
    )
    published = run_json(
        "georedis:publishpositions",
        {
            "INPUT": tracks,
            "NAME": "trucks",
            "ID_FIELD": "vehicle",
            "TIME_FIELD": "when",
            "FIELDS": "speed",
            "RETENTION": 0,
        },
        config,
        redis_url,
    )
    assert (published["COUNT"], published["SKIPPED"]) == (120, 4)

    latest = run_json(
        "georedis:livepositions",
        {"NAME": "trucks", "TTL": 0, "OUTPUT": tmp_path / "latest.gpkg"},
        config,
        redis_url,
    )
    assert latest["COUNT"] == 3
    rows = {f["id"]: f for f in read(latest["OUTPUT"]).getFeatures()}
    assert rows["truck 0"]["speed"] == "50.0"
    assert rows["truck 0"]["ts"].toMSecsSinceEpoch() == T0 + 39 * 60_000

    history = run_json(
        "georedis:positionhistory",
        {"NAME": "trucks", "AS_TRACKS": "true", "OUTPUT": tmp_path / "tracks_out.gpkg"},
        config,
        redis_url,
    )
    lines = list(read(history["OUTPUT"]).getFeatures())
    assert sorted(f["points"] for f in lines) == [40, 40, 40]

    events = run_json(
        "georedis:geofenceevents",
        {
            "NAME": "trucks",
            "FENCES": fences,
            "FENCE_FIELD": "name",
            "OUTPUT": tmp_path / "events.gpkg",
        },
        config,
        redis_url,
    )
    kinds = {(f["fence"], f["kind"]) for f in read(events["OUTPUT"]).getFeatures()}
    assert events["COUNT"] > 0 and ("Germany", "enter") in kinds
