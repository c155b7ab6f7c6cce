"""The server-side "latest" state of a live stream, folded from the stream by one Lua script.

Producers only XADD (``wire``); any reader calls ``fold``, which atomically reads the entries
after the cursor kept in the meta hash, applies the valid ones to the geo set, the last-seen
sorted set and the state hash (an entry older than the id's latest ``ts`` changes nothing),
counts the others by reason, and moves the cursor to the last entry read. The script runs
atomically, so two readers folding at once never apply an entry twice: the second one starts
from the cursor the first left. A reader joining late reads the state (``snapshot``), then
follows the stream after the cursor it came with: no history is replayed. All keys carry the
stream's hash tag, so the script runs on one Redis Cluster node. Needs EVALSHA (Redis 2.6+);
exclusive XRANGE and XTRIM MINID need Redis 6.2 (checked on 7.0, 8.0, Valkey 8.1 and 9.1).
"""

import json
from dataclasses import dataclass

import redis

from ...i18n import tr
from ..clients import on_slot
from ..errors import GeoRedisError
from . import wire
from .keys import LiveKeys

# Entries per script call. The fold costs about 4 times an XADD per entry (XRANGE into Lua,
# ZSCORE, GEOADD, ZADD, HSET of the cjson row: 12-17 µs an operation on the shared 2 cores,
# measured per step), and the server does nothing else meanwhile: 2,000 keep a call near
# 20-40 ms, a blocked reader's XREAD waits no longer.
FOLD_BATCH = 2000
DEFAULT_RETENTION_S = 3600  # streams trimmed to the last hour by default (README: Retention)

_FOLD_SCRIPT = """
local stream, pos, seen, state, meta = KEYS[1], KEYS[2], KEYS[3], KEYS[4], KEYS[5]
local count, window, retention = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local want, snapshot_ttl = ARGV[4] == '1', tonumber(ARGV[5])
local MAX_ENTRY, MAX_FIELDS, MAX_ID = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local MAX_NUM, MAX_LAT = tonumber(ARGV[9]), tonumber(ARGV[10])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local function split(eid)
  local ms, seq = string.match(eid, '^(%d+)%-(%d+)$')
  return tonumber(ms), tonumber(seq)
end
local function before(a, b)
  local ams, aseq = split(a)
  local bms, bseq = split(b)
  return ams < bms or (ams == bms and aseq < bseq)
end
local function number(s)
  if s == nil or #s > MAX_NUM then return nil end
  if string.match(s, '^%-?%d+$') or string.match(s, '^%-?%d+%.%d*$')
      or string.match(s, '^%-?%.%d+$') then
    return tonumber(s)
  end
  return nil
end

local cursor = redis.call('HGET', meta, 'cursor') or '0-0'
local passed = 0
if window > 0 and now - window > 0 then
  local floor = tostring(now - window - 1) .. '-18446744073709551615'
  if before(cursor, floor) then
    passed = 1
    cursor = floor
  end
end
local entries = {}
if ARGV[11] == '1' then
  entries = redis.call('XRANGE', stream, '(' .. cursor, '+', 'COUNT', count)
end
local applied = 0
local skipped = {}
for _, entry in ipairs(entries) do
  local eid, f = entry[1], entry[2]
  local map, order = {}, {}
  for i = 1, #f, 2 do
    if map[f[i]] == nil then order[#order + 1] = f[i] end
    map[f[i]] = f[i + 1]
  end
  local size = 0
  for _, k in ipairs(order) do size = size + #k + #map[k] end
  local reason, id, lon, lat, ts = nil, map['id'], nil, nil, nil
  if size > MAX_ENTRY or #order > MAX_FIELDS then reason = 'oversized'
  elseif id == nil or id == '' then reason = 'missing_id'
  elseif #id > MAX_ID then reason = 'oversized'
  else
    lon, lat = number(map['lon']), number(map['lat'])
    if lon == nil or lat == nil then reason = 'bad_coordinates'
    elseif lon < -180 or lon > 180 or lat < -MAX_LAT or lat > MAX_LAT then
      reason = 'out_of_range'
    else
      ts = map['ts']
      if ts == nil then ts = string.match(eid, '^(%d+)')
      elseif not (string.match(ts, '^%d+$') and #ts <= 15) then reason = 'bad_ts' end
    end
  end
  if reason then
    skipped[reason] = (skipped[reason] or 0) + 1
  else
    local old = redis.call('ZSCORE', seen, id)
    if (not old) or tonumber(old) <= tonumber(ts) then
      local row = {ts, map['lon'], map['lat'], eid}
      for _, k in ipairs(order) do
        if k ~= 'id' and k ~= 'lon' and k ~= 'lat' and k ~= 'ts' then
          row[#row + 1] = k
          row[#row + 1] = map[k]
        end
      end
      redis.call('GEOADD', pos, map['lon'], map['lat'], id)
      redis.call('ZADD', seen, ts, id)
      redis.call('HSET', state, id, cjson.encode(row))
      applied = applied + 1
    end
  end
end
if #entries > 0 then
  cursor = entries[#entries][1]
end
if #entries > 0 or passed == 1 then
  redis.call('HSET', meta, 'cursor', cursor)
  redis.call('HINCRBY', meta, 'folded', #entries)
end
local skipped_here = 0
for reason, n in pairs(skipped) do
  redis.call('HINCRBY', meta, 'skipped:' .. reason, n)
  skipped_here = skipped_here + n
end
local more = (#entries == count) and 1 or 0
if retention > 0 and more == 0 then
  local floor = now - retention
  local cursor_ms = split(cursor)
  redis.call('XTRIM', stream, 'MINID', '~', tostring(math.min(cursor_ms, floor)))
end
local rows = {}
if want and more == 0 then
  local ids
  if snapshot_ttl > 0 then
    ids = redis.call('ZRANGEBYSCORE', seen, now - snapshot_ttl, '+inf')
  else
    ids = redis.call('ZRANGE', seen, 0, -1)
  end
  for i = 1, #ids, 1000 do
    local chunk = redis.call('HMGET', state, unpack(ids, i, math.min(i + 999, #ids)))
    for j, row in ipairs(chunk) do
      if row then
        rows[#rows + 1] = ids[i + j - 1]
        rows[#rows + 1] = row
      end
    end
  end
end
return {cursor, #entries, applied, skipped_here, more, now, rows}
"""


@dataclass(frozen=True)
class FoldResult:
    cursor: str
    read: int  # entries read from the stream by this call
    applied: int  # entries that changed the state (valid and not older than the id's latest)
    skipped: int
    more: bool  # entries are left after the cursor: call again
    server_ms: int  # the server's clock, for ages
    positions: tuple  # with snapshot=True, once caught up: Position of every id (within TTL)


def decode_row(raw_id, row: bytes) -> wire.Position:
    """A state hash value ([ts, lon, lat, entry id, field, value, ...]) as a Position.

    The script writes the entry's bytes as they came (cjson copies non-UTF-8 bytes), so the
    JSON is read as bytes with surrogate escapes and the strings made text afterwards.
    """
    values = json.loads(row.decode("utf-8", "surrogateescape"))
    strings = [wire.text(value.encode("utf-8", "surrogateescape")) for value in values]
    ts, lon, lat, entry_id, *pairs = strings
    attributes = dict(zip(pairs[0::2], pairs[1::2]))
    return wire.Position(wire.ident(raw_id), float(lon), float(lat), int(ts), entry_id, attributes)


def _script_refused(exc: Exception, keys: LiveKeys) -> GeoRedisError:
    return GeoRedisError(
        tr(
            "The Redis server refused the script that keeps the latest positions of the live "
            "stream '{name}' ({error}). Allow EVAL and EVALSHA (the @scripting category) for "
            "the GeoRedis user, or ask the administrator to enable Lua scripts."
        ).format(name=keys.name, error=exc)
    )


def fold(
    client,
    keys: LiveKeys,
    *,
    snapshot: bool = False,
    ttl_s: float = 0,
    window_s: float = 0,
    retention_s: float = DEFAULT_RETENTION_S,
    batch: int = FOLD_BATCH,
    max_calls: int = 10000,
    read_entries: bool = True,
) -> FoldResult:
    """Fold the stream into the latest state until caught up (at most ``max_calls`` calls).

    ``window_s`` > 0 skips entries older than that (a state far behind catches up on the last
    ``window_s`` seconds only: readers pass their TTL); ``retention_s`` > 0 trims the stream to
    the entries that arrived within that time (never past the cursor). The state keeps one
    entry per id, however old: readers filter it by their TTL. With ``snapshot`` the result
    carries the positions seen within ``ttl_s`` (every id for 0), read in the same atomic call
    as the cursor. ``max_calls`` reached, the result says ``more`` and has no positions;
    ``read_entries=False`` folds nothing (the state and its cursor as they are).
    """
    positions, totals = (), [0, 0, 0]
    for _ in range(max_calls):
        reply = _call(client, keys, snapshot, ttl_s, window_s, retention_s, batch, read_entries)
        cursor, read, applied, skipped, more, now, rows = reply
        totals = [totals[0] + read, totals[1] + applied, totals[2] + skipped]
        if not more:
            break
        window_s = 0  # the cursor has been moved past the window already
    if snapshot and not more:
        positions = tuple(decode_row(rows[i], rows[i + 1]) for i in range(0, len(rows), 2))
    return FoldResult(wire.text(cursor), *totals, bool(more), int(now), positions)


_ARGS_TAIL = [
    wire.MAX_ENTRY_BYTES,
    wire.MAX_FIELDS,
    wire.MAX_ID_BYTES,
    wire.MAX_NUMBER_BYTES,
    repr(wire.MAX_LATITUDE),
]


def _call(client, keys, snapshot, ttl_s, window_s, retention_s, batch, read_entries):
    args = [
        int(batch),
        int(window_s * 1000),
        int(retention_s * 1000),
        "1" if snapshot else "0",
        int(ttl_s * 1000),
        *_ARGS_TAIL,
        "1" if read_entries else "0",
    ]

    def work(node):
        return node.register_script(_FOLD_SCRIPT)(keys=keys.folded_keys, args=args)

    try:
        return on_slot(client, keys.stream, work)
    except redis.exceptions.NoPermissionError as exc:
        raise _script_refused(exc, keys) from exc
    except redis.exceptions.ResponseError as exc:
        # a renamed or disabled EVALSHA answers a plain "unknown command": only the text tells
        if "unknown command" in str(exc).lower():
            raise _script_refused(exc, keys) from exc
        if "WRONGTYPE" in str(exc):
            raise GeoRedisError(
                tr(
                    "A key of the live stream '{name}' ({key}*) holds another type of data. "
                    "Choose another stream name, or delete those keys."
                ).format(name=keys.name, key=keys.stream)
            ) from exc
        raise
