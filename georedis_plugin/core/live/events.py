"""Geofence events written to ``<prefix>:live:{<name>}:events`` for other systems, once each.

Every QGIS following a stream with the same fences computes the same events; a script adds an
event to the stream only if its signature (the entry id of the position that gave it, fence,
kind) is new in the ``:events:seen`` sorted set (scored by ts, trimmed to the last hour of ts),
so two instances do not write it twice. Stream fields: ``id fence kind ts lon lat``.
"""

from ..clients import on_slot

EVENTS_MAXLEN = 100_000
DEDUPE_MS = 3_600_000

_EVENTS_SCRIPT = """
local added, newest = 0, 0
for i = 1, #ARGV, 7 do
  local id, fence, kind, ts, lon, lat = ARGV[i], ARGV[i+1], ARGV[i+2], ARGV[i+3], ARGV[i+4],
    ARGV[i+5]
  local signature = ARGV[i+6] .. '\\0' .. fence .. '\\0' .. kind
  if redis.call('ZADD', KEYS[2], 'NX', ts, signature) == 1 then
    redis.call('XADD', KEYS[1], 'MAXLEN', '~', %d, '*', 'id', id,
      'fence', fence, 'kind', kind, 'ts', ts, 'lon', lon, 'lat', lat)
    added = added + 1
  end
  if tonumber(ts) > newest then newest = tonumber(ts) end
end
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', '(' .. tostring(newest - tonumber(%d)))
return added
""" % (EVENTS_MAXLEN, DEDUPE_MS)


def _raw(text: str) -> bytes:
    """A text from a Position back to the bytes it came from (see wire.ident)."""
    return text.encode("utf-8", "surrogateescape")


def publish_events(client, keys, events) -> int:
    """XADD the events not written yet by any reader; how many were new."""
    args = []
    for event in events:
        args += [_raw(event.id), _raw(event.fence), event.kind, str(event.ts), repr(event.lon),
                 repr(event.lat), event.entry_id]  # fmt: skip
    if not args:
        return 0
    return on_slot(
        client,
        keys.events,
        lambda node: node.register_script(_EVENTS_SCRIPT)(
            keys=[keys.events, keys.events_seen], args=args
        ),
    )
