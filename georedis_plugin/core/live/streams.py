"""The live streams on the server, with their recent rates (for the panel's list)."""

from dataclasses import dataclass

from ..clients import is_cluster, on_slot
from . import wire
from .keys import LiveKeys, stream_name

RATE_SAMPLE = 1000  # newest entries looked at to estimate a stream's rate


@dataclass(frozen=True)
class LiveStream:
    name: str
    length: int
    rate: float  # entries a second lately (0 if fewer than 2 entries or none in a minute)


def list_streams(client, prefix: str) -> list:
    """Every ``<prefix>:live:{<name>}`` stream, by name (SCAN with TYPE: Redis 6.0+)."""
    # SCAN MATCH is a glob: the prefix's own *?[]\ are escaped
    start = "".join("\\" + c if c in "*?[]\\" else c for c in f"{prefix}:live:{{")
    pattern = start + "*}"
    nodes = client.get_primaries() if is_cluster(client) else [None]
    names = set()
    for node in nodes:
        scanner = client.get_redis_connection(node) if node is not None else client
        for key in scanner.scan_iter(match=pattern, count=1000, _type="stream"):
            name = stream_name(prefix, wire.text(key))
            if name:
                names.add(name)
    return [describe(client, LiveKeys.for_name(prefix, name)) for name in sorted(names)]


def describe(client, keys: LiveKeys) -> LiveStream:
    def work(node):
        pipe = node.pipeline(transaction=False)
        pipe.xlen(keys.stream)
        pipe.xrevrange(keys.stream, "+", "-", count=RATE_SAMPLE)
        pipe.time()
        return pipe.execute()

    length, newest, (seconds, micros) = on_slot(client, keys.stream, work)
    rate = 0.0
    if len(newest) >= 2:
        now_ms = seconds * 1000 + micros // 1000
        last, first = wire.entry_ms(newest[0][0]), wire.entry_ms(newest[-1][0])
        if now_ms - last < 60_000:
            rate = (len(newest) - 1) / max((now_ms - first) / 1000.0, 0.001)
    return LiveStream(keys.name, int(length), rate)
