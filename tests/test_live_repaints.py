"""The live layer repaints at most once a tick (4 times a second), however many updates."""

import time

from qgis.PyQt.QtCore import QEventLoop, QTimer

from georedis_plugin.core.live import wire
from georedis_plugin.core.live.reader import Changes
from georedis_plugin.gui.live_layer import LayerFeed, LiveLayer, point_geometry

IDS = 5000
PER_TICK = 2500  # 10,000 updates/s at 4 ticks a second


def test_ten_thousand_updates_a_second_give_at_most_four_repaints_a_second(qgis_new_project):
    layer = LiveLayer("repaints")
    now = int(time.time() * 1000)
    state = {"n": 0}

    def take():
        changes = Changes()
        for _ in range(PER_TICK):
            n = state["n"]
            state["n"] += 1
            position = wire.Position(f"v{n % IDS}", (n % 360) - 180.0, 10.0, now + n, f"{n}-0")
            changes.updated[position.id] = position
            changes.prepared[position.id] = point_geometry(position)
        return changes

    feed = LayerFeed(layer, take)
    repaints = []
    layer.layer.repaintRequested.connect(lambda *_: repaints.append(time.monotonic()))
    loop = QEventLoop()
    ticks = QTimer()
    ticks.setInterval(250)
    ticked = []
    ticks.timeout.connect(lambda: ticked.append(feed.tick()))
    ticks.start()
    QTimer.singleShot(3000, loop.quit)
    started = time.monotonic()
    loop.exec()
    ticks.stop()
    feed.close()
    seconds = time.monotonic() - started
    assert state["n"] >= 8 * PER_TICK  # the updates kept coming
    # one repaint a tick at most (a late tick may come closer than 250 ms to the next)
    assert 1 <= len(repaints) <= len(ticked) <= 4 * seconds + 1
    assert layer.layer.featureCount() == IDS
