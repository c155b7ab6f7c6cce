"""Writing positions in the wire format, pipelined, with the stream trimmed by age."""

import time

from ..clients import on_slot
from . import wire
from .fold import DEFAULT_RETENTION_S, fold
from .keys import LiveKeys

PIPELINE = 2000


def publish(
    client, keys: LiveKeys, positions, retention_s: float = DEFAULT_RETENTION_S, feedback=None
) -> int:
    """XADD every ``(id, lon, lat, ts_ms or None, attributes)``; the number written.

    Each XADD carries ``MINID ~ <now - retention>``, so the stream keeps about
    ``retention_s`` seconds of entries (0: no trimming). The state is folded afterwards, so
    that readers joining next start from it.
    """
    written = 0
    batch = []

    def send(commands):
        def work(node):
            pipe = node.pipeline(transaction=False)
            minid = int((time.time() - retention_s) * 1000) if retention_s > 0 else None
            for fields in commands:
                if minid is None:
                    pipe.xadd(keys.stream, fields)
                else:
                    pipe.xadd(keys.stream, fields, minid=minid, approximate=True)
            return pipe.execute()

        return len(on_slot(client, keys.stream, work))

    for ident, lon, lat, ts, attributes in positions:
        if feedback is not None and feedback.isCanceled():
            break
        batch.append(wire.encode_fields(ident, lon, lat, ts, attributes))
        if len(batch) >= PIPELINE:
            written += send(batch)
            batch = []
    if batch:
        written += send(batch)
    fold(client, keys, retention_s=retention_s)
    return written
