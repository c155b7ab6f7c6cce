"""The wire format as the README writes it, from redis-cli (valkey-cli against Valkey): what any
producer can send, read back by the live algorithms with the bad entries skipped and counted."""

import subprocess
import time

from qgis.core import NULL, QgsPointXY

from georedis_plugin.core.live.keys import LiveKeys
from tests.algorithm_runs import run
from tests.redis_server import server_binary

PREFIX = "georedis"


def cli(port: int, *args: str) -> str:
    """One redis-cli command, its reply as text (an error reply fails the test)."""
    done = subprocess.run(
        [server_binary("cli"), "-h", "127.0.0.1", "-p", str(port), *args],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    assert not done.stdout.startswith("ERR"), done.stdout
    return done.stdout.strip()


def test_entries_written_by_redis_cli_as_the_readme_shows(provider, redis_server, redis_url):
    stream = LiveKeys.for_name(PREFIX, "fleet").stream
    assert stream == "georedis:live:{fleet}"  # the key the README names
    now_ms = int(time.time() * 1000)
    minid = str((int(time.time()) - 3600) * 1000)  # an hour of retention, as in the README
    port = redis_server.port
    # the README's command, and one with its own ts and an attribute of its own
    cli(port, "XADD", stream, "MINID", "~", minid, "*", "id", "van 1", "lon", "4.35", "lat",
        "50.85", "driver", "Ana")  # fmt: skip
    cli(port, "XADD", stream, "*", "id", "van 2", "lon", "-3.7038", "lat", "40.4168", "ts",
        str(now_ms - 5_000), "load", "12 t")  # fmt: skip
    # a later report of van 1, and one with an older ts that must not move it back
    cli(port, "XADD", stream, "*", "id", "van 1", "lon", "4.40", "lat", "50.90")
    cli(port, "XADD", stream, "*", "id", "van 1", "lon", "0", "lat", "0", "ts",
        str(now_ms - 600_000))  # fmt: skip
    # entries breaking the format: no id, a coordinate that is no number, beyond Redis's
    # latitudes, a ts that is no number
    cli(port, "XADD", stream, "*", "lon", "1", "lat", "1")
    cli(port, "XADD", stream, "*", "id", "bad lon", "lon", "1e3", "lat", "1")
    cli(port, "XADD", stream, "*", "id", "polar", "lon", "1", "lat", "89")
    cli(port, "XADD", stream, "*", "id", "bad ts", "lon", "1", "lat", "1", "ts", "yesterday")
    assert cli(port, "XLEN", stream) == "8"

    latest, result = run("georedis:livepositions", {"NAME": "fleet", "TTL": 0, "OUTPUT": "memory:"})
    assert result["COUNT"] == 2
    rows = {f["id"]: f for f in latest.getFeatures()}
    assert set(rows) == {"van 1", "van 2"}
    assert rows["van 1"].geometry().asPoint() == QgsPointXY(4.40, 50.90)
    # a position carries its own report's attributes: van 1's latest came without any
    assert "driver" not in latest.fields().names()
    assert rows["van 1"]["load"] is None or rows["van 1"]["load"] == NULL
    assert rows["van 2"].geometry().asPoint() == QgsPointXY(-3.7038, 40.4168)
    assert rows["van 2"]["load"] == "12 t"
    assert rows["van 2"]["ts"].toMSecsSinceEpoch() == now_ms - 5_000
    assert 0 <= rows["van 1"]["age_s"] < 60  # its ts is the entry id's time

    history, result = run(
        "georedis:positionhistory",
        {
            "NAME": "fleet",
            "START": None,
            "END": None,
            "AS_TRACKS": False,
            "OUTPUT": "memory:",
        },
    )
    assert result["COUNT"] == 4  # every well-formed entry, the late one included
    assert result["SKIPPED"] == 4
    assert sorted(f["id"] for f in history.getFeatures()) == ["van 1"] * 3 + ["van 2"]
