"""Two QGIS processes following one stream end up showing the same fleet.

Each process (tests/live_follower.py) runs the Live panel's pipeline: a LiveReader thread that
folds the server's state now and then, a LayerFeed into a memory layer, a Qt event loop. The
second joins late, from the state the first has been folding. Both must show, for every id,
its entry with the latest ts, with that entry's attributes, as the test computes it from what
it wrote.
"""

import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from georedis_plugin.core.live.keys import LiveKeys

REPO_ROOT = Path(__file__).resolve().parent.parent
IDS = 300
T0 = int(time.time() * 1000) - 600_000


def start_follower(redis_url, name, last_id, out):
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT), QT_QPA_PLATFORM="offscreen")
    return subprocess.Popen(
        [sys.executable, "-m", "tests.live_follower", redis_url, name, last_id, str(out)],
        cwd=REPO_ROOT,
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )


def entries(rng, count, first_ts):
    """``count`` valid entries with unique ts (some older than the id's latest) and a few to
    skip; (fields, latest-wins key) pairs."""
    written = []
    for n in range(count):
        ts = first_ts + n * 7 - (rng.randrange(4000) if rng.random() < 0.1 else 0)
        fields = {
            "id": f"vehicle {rng.randrange(IDS):03d}",
            "lon": f"{rng.uniform(-10, 20):.6f}",
            "lat": f"{rng.uniform(40, 60):.6f}",
            "ts": str(ts),
        }
        if rng.random() < 0.5:
            fields["speed"] = str(rng.randrange(130))
        if rng.random() < 0.2:
            fields["driver"] = rng.choice(["Ana", "Bo", "Chloé"])
        written.append(fields)
        if rng.random() < 0.02:
            written.append({"lon": "1", "lat": "2"})  # no id: skipped
            written.append({"id": "bad", "lon": "east", "lat": "2"})  # skipped
    return written


def expected_state(written) -> dict:
    latest = {}
    for fields in written:
        if "id" not in fields or fields["id"] == "bad":
            continue
        ts = int(fields["ts"])
        if fields["id"] in latest and latest[fields["id"]][2] > ts:
            continue
        attributes = {k: v for k, v in fields.items() if k not in ("id", "lon", "lat", "ts")}
        latest[fields["id"]] = [float(fields["lon"]), float(fields["lat"]), float(ts), attributes]
    return latest


def write(client, stream, batch):
    pipe = client.pipeline(transaction=False)
    for fields in batch:
        pipe.xadd(stream, fields)
    return pipe.execute()[-1].decode()


def test_two_qgis_processes_following_one_stream_show_the_same_fleet(
    redis_url, redis_client, tmp_path
):
    rng = random.Random(14)
    keys = LiveKeys.for_name("georedis", "two processes")
    written = entries(rng, 3000, T0)
    write(redis_client, keys.stream, written)
    more = entries(rng, 12000, T0 + 3000 * 7)
    last = {"id": "last", "lon": "0", "lat": "0", "ts": str(T0 + 20000 * 7)}
    # the last id is known before the followers start: both stop when they have applied it
    last_id = f"{int(time.time() * 1000) + 120_000}-0"
    first = start_follower(redis_url, keys.name, last_id, tmp_path / "first.json")
    second = None
    try:
        for start in range(0, len(more), 1000):
            write(redis_client, keys.stream, more[start : start + 1000])
            if start == 6000:  # joins late, from the state the first one folded
                second = start_follower(redis_url, keys.name, last_id, tmp_path / "second.json")
            time.sleep(0.1)
        redis_client.xadd(keys.stream, last, id=last_id)
        results = []
        for process in (first, second):
            _, errors = process.communicate(timeout=120)
            assert process.returncode == 0, errors
        for name in ("first", "second"):
            results.append(json.loads((tmp_path / f"{name}.json").read_text(encoding="utf-8")))
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
    expected = expected_state(written + more + [last])
    assert len(expected) == IDS + 1
    for result in results:
        assert result["cursor"] == last_id
    assert results[0]["state"] == results[1]["state"] == expected
    # the first applied every valid entry it read, the late one fewer (it started from the state)
    assert results[0]["skipped"] > 0
    assert results[1]["applied"] < results[0]["applied"]
