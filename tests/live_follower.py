"""One QGIS process following a live stream as the Live panel does (LiveReader thread,
LayerFeed into a memory layer, a Qt event loop), for tests/test_live_two_processes.py.

    python -m tests.live_follower REDIS_URL NAME LAST_ID OUT.json

It follows until the layer shows the stream's entry LAST_ID applied, then writes the layer's
features as JSON (id -> [lon, lat, ts, attributes]) and the reader's counts.
"""

import json
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import redis
from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QEventLoop, QTimer, QVariant

from georedis_plugin.core.live.keys import LiveKeys
from georedis_plugin.core.live.reader import LiveReader
from georedis_plugin.gui.live_layer import LayerFeed, LiveLayer, point_geometry

TIMEOUT_S = 60


def follow(url: str, name: str, last_id: str) -> dict:
    keys = LiveKeys.for_name("georedis", name)
    client = redis.Redis.from_url(url)
    reader = LiveReader(lambda: client, keys, ttl_s=0, prepare=point_geometry, fold_every_s=0.2)
    layer = LiveLayer(name)
    feed = LayerFeed(layer, reader.take)
    loop = QEventLoop()
    started = time.monotonic()
    counts = {}

    def tick():
        # the cursor seen before the feed takes: the changes it covers are then in this take
        cursor = reader.cursor
        status, _ = feed.tick()
        counts.update(applied=status.applied, skipped=status.skipped)
        done = cursor == last_id and not feed.pending and not feed.working
        if done or time.monotonic() - started > TIMEOUT_S:
            loop.quit()

    timer = QTimer()
    timer.setInterval(250)
    timer.timeout.connect(tick)
    timer.start()
    reader.start()
    loop.exec()
    timer.stop()
    feed.close()
    reader.stop()
    names = layer.layer.fields().names()
    state = {}
    for feature in layer.layer.getFeatures():
        point = feature.geometry().constGet()
        attributes = {
            n: feature[n]
            for n in names
            if n not in ("id", "ts_ms", "ts", "age_s") and not _null(feature[n])
        }
        state[feature["id"]] = [point.x(), point.y(), point.m(), attributes]
    return {"state": state, "cursor": reader.cursor, **counts}


def _null(value) -> bool:
    return value is None or (isinstance(value, QVariant) and value.isNull())


def main(argv) -> int:
    url, name, last_id, out = argv
    app = QgsApplication([], False)
    app.initQgis()
    result = follow(url, name, last_id)
    with open(out, "w", encoding="utf-8") as handle:
        json.dump(result, handle, sort_keys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
