"""Content-addressed cache of result geometries, stored as WKB in Redis.

A key is ``<prefix>:cache:<op>:<sha256>`` where the digest covers the operation tag and its
version, the canonical parameters and the input WKB (and overlay WKB for pairs). The same
geometry with the same parameters therefore hits from any layer, project or user of the server,
and an edited feature simply misses. Values are checked structurally before use; anything
unexpected is a miss and is overwritten. Any Redis failure turns the cache off for the rest of
the run (one warning), so callers compute instead and never wait past the configured timeout.
"""

import hashlib
import json
import re
import struct
import threading
import time

import numpy as np
import redis

from ..i18n import tr
from .clients import get_client, is_cluster, mget, pooled_connection, recv_chunk
from .config import ConnectionConfig
from .errors import REDIS_ERRORS, GeoRedisError, annotate, explain_error

CACHE_NAMESPACE = "cache"
BATCH_SIZE = 500
MAX_VALUE_BYTES = 64 * 1024 * 1024
RUNS_KEY = "cache-runs"
RUNS_KEPT = 20

# WKB base types (ISO numbering); 1000/2000/3000 offsets give Z/M/ZM, EWKB uses high flag bits.
POINT, LINESTRING, POLYGON = 1, 2, 3
MULTIPOINT, MULTILINESTRING, MULTIPOLYGON, GEOMETRYCOLLECTION = 4, 5, 6, 7
_EWKB_Z, _EWKB_M, _EWKB_SRID = 0x80000000, 0x40000000, 0x20000000
_MAX_DEPTH = 8


def cache_key(prefix: str, op: str, version: int, params: dict, *wkbs: bytes) -> str:
    """The Redis key of one cached result. ``params`` must be JSON-serialisable."""
    return key_function(prefix, op, version, params)(*wkbs)


def key_function(prefix: str, op: str, version: int, params: dict):
    """``f(*wkbs) -> key`` for many geometries sharing one operation and parameter set.

    The digest state after the operation tag and the canonical parameters is computed once
    and copied per geometry.
    """
    base = hashlib.sha256()
    base.update(f"{op}:v{version}\0".encode())
    base.update(json.dumps(params, sort_keys=True, separators=(",", ":")).encode())
    head = f"{prefix}:{CACHE_NAMESPACE}:{op}:"
    pack = struct.Struct("<Q").pack

    def key(*wkbs: bytes) -> str:
        digest = base.copy()
        for wkb in wkbs:
            # length-prefixed so that (a, bc) and (ab, c) can never collide
            digest.update(pack(len(wkb)))
            digest.update(wkb)
        return head + digest.hexdigest()

    return key


def cache_pattern(prefix: str) -> str:
    """SCAN pattern matching every cache entry of ``prefix``; keys of other prefixes too
    (``<prefix>:cache:<anything>``): filter with ``is_cache_entry``."""
    escaped = "".join("\\" + c if c in "*?[]\\" else c for c in prefix)
    return f"{escaped}:{CACHE_NAMESPACE}:*"


def is_cache_entry(prefix: str, key) -> bool:
    """Whether ``key`` is exactly a cache entry of ``prefix``: ``<prefix>:cache:<op>:<sha256>``
    (another prefix's keys, "<prefix>:cache:geo:{set}" of a prefix "<prefix>:cache", are not)."""
    key = key.decode("utf-8", "replace") if isinstance(key, bytes) else key
    head = f"{prefix}:{CACHE_NAMESPACE}:"
    return key.startswith(head) and _ENTRY_TAIL.fullmatch(key, len(head)) is not None


_ENTRY_TAIL = re.compile(r"[a-z0-9_-]+:[0-9a-f]{64}")


def wkb_base_type(data: bytes):
    """Base geometry type (1..7) of a WKB value if it is structurally sound, else None.

    Walks the headers and counts without building geometries, so hostile values (truncated,
    random, or declaring billions of points) are rejected in time proportional to their size.
    """
    if not isinstance(data, (bytes, bytearray, memoryview)) or len(data) > MAX_VALUE_BYTES:
        return None
    try:
        base, end = _walk(memoryview(data), 0, 0)
    except (struct.error, ValueError, IndexError):
        return None
    return base if end == len(data) else None


_COUNT = {1: struct.Struct("<I").unpack_from, 0: struct.Struct(">I").unpack_from}
_PART_TYPES = {MULTIPOINT: POINT, MULTILINESTRING: LINESTRING, MULTIPOLYGON: POLYGON}


def _walk(buf, offset, depth):
    """(base type, end offset) of the geometry at ``offset``; raises on anything unsound."""
    if depth > _MAX_DEPTH:
        raise ValueError("nesting too deep")
    order = buf[offset]
    if order > 1:
        raise ValueError("bad byte order")
    count = _COUNT[order]
    (raw_type,) = count(buf, offset + 1)
    offset += 5
    if raw_type & _EWKB_SRID:
        offset += 4
    dim_code, base = divmod(raw_type & 0x0FFFFFFF, 1000)
    if dim_code > 3 or not 1 <= base <= 7:
        raise ValueError("unsupported geometry type")
    has_z = raw_type & _EWKB_Z or dim_code in (1, 3)
    has_m = raw_type & _EWKB_M or dim_code in (2, 3)
    point_size = 16 + 8 * bool(has_z) + 8 * bool(has_m)
    size = len(buf)
    if base == POINT:
        offset += point_size
    elif base == LINESTRING:
        offset += 4 + count(buf, offset)[0] * point_size
    elif base == POLYGON:
        (rings,) = count(buf, offset)
        offset += 4
        if rings * 4 > size - offset:
            raise ValueError("ring count exceeds value")
        for _ in range(rings):
            offset += 4 + count(buf, offset)[0] * point_size
            if offset > size:
                raise ValueError("truncated")
    else:
        (parts,) = count(buf, offset)
        offset += 4
        if parts * 9 > size - offset:
            raise ValueError("part count exceeds value")
        part_type = _PART_TYPES.get(base)
        for _ in range(parts):
            part_base, offset = _walk(buf, offset, depth + 1)
            if part_type is not None and part_base != part_type:
                raise ValueError("wrong part type")
    if offset > size:
        raise ValueError("truncated")
    return base, offset


# Values still being walked when fewer than this many remain go to the per-value walk: a
# numpy step costs the same for 10 values as for 10,000, and long multipart tails are rare.
_VECTOR_MIN_ACTIVE = 64


def wkb_base_types(values) -> np.ndarray:
    """``wkb_base_type`` of many values at once: an int8 array, 0 where a value is unsound.

    The same answers as ``wkb_base_type`` (tests/test_wkb_bulk_reference.py compares them on
    generated sound and hostile values), without its per-value Python walk on the common
    shape, little-endian ISO WKB of one (multi) point, line or polygon type: all values are
    walked together, one header or ring count per numpy step, while at least
    ``_VECTOR_MIN_ACTIVE`` values have parts left. Anything else (big-endian, EWKB flags,
    collections, long multipart tails) is walked per value. Each step advances a value by at
    least four bytes and stops it at its end, so hostile counts cost no more than a sound value.
    Warm buffer of 28,298 airport-sized polygons: 0.09 s per value, 0.006 s here.
    """
    count = len(values)
    result = np.zeros(count, dtype=np.int8)
    lengths = np.fromiter(map(len, values), dtype=np.int64, count=count)
    if not lengths.any():
        return result
    buf = np.frombuffer(b"".join(values), dtype=np.uint8)
    ends = np.cumsum(lengths)
    pos = ends - lengths
    slow = np.zeros(count, dtype=bool)  # left to the per-value walk

    def u32(at):
        # little-endian uint32 at each offset of ``at`` (callers checked the bounds)
        b = buf[at[:, None] + np.arange(4)].astype(np.int64)
        return b[:, 0] | (b[:, 1] << 8) | (b[:, 2] << 16) | (b[:, 3] << 24)

    live = (lengths >= 9) & (lengths <= MAX_VALUE_BYTES)
    live &= buf[np.minimum(pos, len(buf) - 1)] == 1
    slow |= (lengths >= 9) & (lengths <= MAX_VALUE_BYTES) & ~live  # other byte order: walk
    idx = np.flatnonzero(live)
    raw = u32(pos[idx] + 1)
    dim_code, base = np.divmod(raw, 1000)
    plain = (raw < 0x10000000) & (dim_code <= 3) & (base >= 1) & (base <= 6)
    slow[idx[~plain]] = True  # flags, collections, unknown types: walked (and judged) per value
    idx, dim_code, base = idx[plain], dim_code[plain], base[plain]
    point_size = 16 + 8 * np.isin(dim_code, (1, 3)) + 8 * np.isin(dim_code, (2, 3))
    multi = base >= 4
    part_base = np.where(multi, base - 3, base)
    # per value: the part header expected, parts and counts (rings or points) left to read
    part_code = dim_code * 1000 + part_base
    at = pos[idx] + 5
    parts_left = np.where(multi, 0, 1)
    need_header = multi.copy()
    counts_left = np.zeros(len(idx), dtype=np.int64)
    end = ends[idx]
    # multi: the part count (the header was 5 bytes; 4 more fit since lengths >= 9)
    parts_left[multi] = u32(at[multi])
    at[multi] += 4
    bad = multi & (parts_left * 9 > end - at)
    # single: no part header; go straight to the part body
    state = np.where(multi, 0, 1)  # 0: part header, 1: part body, 2: counts
    keep = ~bad
    idx, end, at, state = idx[keep], end[keep], at[keep], state[keep]
    parts_left, counts_left, part_base = parts_left[keep], counts_left[keep], part_base[keep]
    part_code, point_size, need_header = part_code[keep], point_size[keep], need_header[keep]
    base_of = base[keep]
    while len(idx) >= _VECTOR_MIN_ACTIVE:
        failed = np.zeros(len(idx), dtype=bool)
        done = np.zeros(len(idx), dtype=bool)
        to_walk = np.zeros(len(idx), dtype=bool)
        # a part header: byte order and type as the value's own (else the per-value walk)
        header = (state == 0) & need_header
        finished = header & (parts_left == 0)
        done |= finished & (at == end)
        failed |= finished & (at != end)
        header &= ~finished
        fits = header & (at + 5 <= end)
        failed |= header & ~fits
        h = np.flatnonzero(fits)
        same = (buf[at[h]] == 1) & (u32(at[h] + 1) == part_code[h])
        to_walk[h[~same]] = True
        h = h[same]
        at[h] += 5
        parts_left[h] -= 1
        state[h] = 1
        # a part body: a point is its coordinates, lines and polygons start with a count
        body = np.flatnonzero((state == 1) & ~failed & ~to_walk)
        points = body[part_base[body] == 1]
        at[points] += point_size[points]
        state[points] = 0
        counted = body[part_base[body] != 1]
        fits = at[counted] + 4 <= end[counted]
        failed[counted[~fits]] = True
        counted = counted[fits]
        number = u32(at[counted])
        at[counted] += 4
        lines = part_base[counted] == 2
        at[counted[lines]] += number[lines] * point_size[counted[lines]]
        state[counted[lines]] = 0
        rings = counted[~lines]
        counts_left[rings] = number[~lines]
        failed[rings[number[~lines] * 4 > end[rings] - at[rings]]] = True
        state[rings] = 2
        # ring counts of a polygon, one per step
        ringing = np.flatnonzero((state == 2) & ~failed)
        over = counts_left[ringing] == 0
        state[ringing[over]] = 0
        ringing = ringing[~over]
        fits = at[ringing] + 4 <= end[ringing]
        failed[ringing[~fits]] = True
        ringing = ringing[fits]
        at[ringing] += 4 + u32(at[ringing]) * point_size[ringing]
        counts_left[ringing] -= 1
        failed |= at > end
        # single geometries are done after their body
        single_done = ~need_header & (state == 0) & ~failed & ~to_walk
        done |= single_done & (at == end)
        failed |= single_done & (at != end)
        result[idx[done & ~failed]] = base_of[done & ~failed]
        slow[idx[to_walk & ~failed]] = True
        keep = ~(done | failed | to_walk)
        idx, end, at, state = idx[keep], end[keep], at[keep], state[keep]
        parts_left, counts_left, part_base = parts_left[keep], counts_left[keep], part_base[keep]
        part_code, point_size = part_code[keep], point_size[keep]
        need_header, base_of = need_header[keep], base_of[keep]
    slow[idx] = True
    for index in np.flatnonzero(slow):
        result[index] = wkb_base_type(values[index]) or 0
    return result


def _log(message: str) -> None:
    from qgis.core import Qgis, QgsMessageLog

    QgsMessageLog.logMessage(message, "GeoRedis", Qgis.MessageLevel.Info)


class WkbCache:
    """Batched get/set of WKB values for one algorithm run.

    Counts hits and misses, and stops using Redis after the first failure of the run.
    """

    def __init__(self, config: ConnectionConfig, ttl_seconds: float, enabled: bool = True):
        self.config = config
        self.prefix = config.key_prefix
        # Redis expiries are whole seconds (and at least one); 0 or less means no expiry
        self.ttl_seconds = max(1, round(ttl_seconds)) if ttl_seconds and ttl_seconds > 0 else None
        self.enabled = enabled
        self.hits = 0
        self.misses = 0
        self.rejected = 0
        self.oversized = 0
        self.warning = ""
        self._client = None
        self._storing = None  # the thread storing the last set_many(background=True)
        self._store_error = None

    @property
    def client(self):
        if self._client is None:
            self._client = get_client(self.config)
        return self._client

    def key(self, op: str, version: int, params: dict, *wkbs: bytes) -> str:
        return cache_key(self.prefix, op, version, params, *wkbs)

    def key_function(self, op: str, version: int, params: dict):
        return key_function(self.prefix, op, version, params)

    def _fail(self, exc: BaseException) -> None:
        self.enabled = False
        if not self.warning:
            self.warning = (
                explain_error(exc, self.config)
                + " "
                + tr("GeoRedis computes the results without the cache for the rest of this run.")
            )

    def get_many(self, keys: list, allowed_types=None) -> list:
        """WKB bytes per key, or None for a miss (absent, invalid, wrong type, Redis down)."""

        def check(values):
            types = wkb_base_types(values)
            if allowed_types is None:
                return types != 0
            return np.isin(types, list(allowed_types))

        return self.get_checked(keys, check)

    def get_values(self, keys: list, is_valid, count: bool = True) -> list:
        """Values per key that pass ``is_valid``, else None; counted as hits/misses if asked."""
        return self.get_checked(keys, lambda values: [is_valid(v) for v in values], count)

    def get_checked(self, keys: list, check, count: bool = True) -> list:
        """Values per key, None for a miss; ``check(values)`` says which values to use.

        ``check`` gets the values found (a list of bytes, none above MAX_VALUE_BYTES) and
        returns one truth value per value, so that it can check them all at once. A value
        it refuses counts as damaged (``rejected``); one above the size limit as ``oversized``
        (an earlier release stored such values; they are not damaged, only too big to use).
        """
        self.flush()  # a value stored in the background is readable now
        values = [None] * len(keys)
        if not self.enabled:
            if count:
                self.misses += len(keys)
            return values
        found, where = [], []
        try:
            for start in range(0, len(keys), BATCH_SIZE):
                for index, data in enumerate(mget(self.client, keys[start : start + BATCH_SIZE])):
                    if data is None:
                        continue
                    if len(data) > MAX_VALUE_BYTES:
                        self.oversized += 1
                        continue
                    found.append(data)
                    where.append(start + index)
        except (*REDIS_ERRORS, GeoRedisError) as exc:
            self._fail(exc)
            # values read before the failure stay valid hits
        if found:
            for index, data, ok in zip(where, found, check(found)):
                if ok:
                    values[index] = data
                else:
                    self.rejected += 1
        if count:
            found = sum(v is not None for v in values)
            self.hits += found
            self.misses += len(keys) - found
        return values

    def set_many(self, items: list, background: bool = False) -> None:
        """Store ``(key, wkb)`` pairs with the configured TTL, in pipelined batches.

        Values above MAX_VALUE_BYTES are not sent: a read would refuse them anyway.
        ``background``: stored by a thread of its own while the caller goes on (writing the
        chunk's features), after the previous background store; ``flush`` waits for it, and
        every read does first. A store failure turns the cache off as always, seen by the
        caller once flushed. Storing 28,298 point buffers took 0.20-0.37 s in that thread
        (a shared machine), of which the run waited 0-0.03 s for it.
        """
        self.flush()
        if not self.enabled or not items:
            return
        if background:
            _ = self.client  # made on the caller's thread (configuration, credentials)
            self._storing = threading.Thread(
                target=self._store_in_background,
                args=(items,),
                name="GeoRedis cache store",
                daemon=True,
            )
            self._storing.start()
        else:
            self._store(items)

    def flush(self) -> None:
        """Wait until the background store (if any) is done; re-raise what broke it."""
        storing, self._storing = self._storing, None
        if storing is not None:
            storing.join()
        error, self._store_error = self._store_error, None
        if error is not None:
            raise error

    def _store_in_background(self, items: list) -> None:
        try:
            self._store(items)
        except BaseException as exc:  # not a Redis failure (a bug): raised by flush
            self._store_error = exc

    def _store(self, items: list) -> None:
        items = [(key, value) for key, value in items if len(value) <= MAX_VALUE_BYTES]
        try:
            if is_cluster(self.client):
                for start in range(0, len(items), BATCH_SIZE):
                    pipe = self.client.pipeline(transaction=False)
                    for key, wkb in items[start : start + BATCH_SIZE]:
                        pipe.set(key, wkb, ex=self.ttl_seconds)
                    pipe.execute()
            else:
                self._send_sets(items)
        except (*REDIS_ERRORS, GeoRedisError) as exc:
            self._fail(exc)

    def _send_sets(self, items: list) -> None:
        """SET commands encoded here and sent in batches on one connection.

        redis-py's pipeline builds a command object per SET and parses each reply in
        Python: storing 28,298 point buffers took 0.31 s through it, 0.05 s this way.
        An error reply raises (the connection is then dropped, unread replies with it).
        """
        if self.ttl_seconds is None:
            head, tail = b"*3\r\n$3\r\nSET\r\n", b""
        else:
            ttl = b"%d" % self.ttl_seconds
            head, tail = b"*5\r\n$3\r\nSET\r\n", b"$2\r\nEX\r\n$%d\r\n%b\r\n" % (len(ttl), ttl)
        with pooled_connection(self.client) as connection:
            for start in range(0, len(items), BATCH_SIZE):
                batch = items[start : start + BATCH_SIZE]
                commands = []
                for key, value in batch:
                    key = key.encode() if isinstance(key, str) else key
                    commands.append(
                        b"%b$%d\r\n%b\r\n$%d\r\n%b\r\n%b"
                        % (head, len(key), key, len(value), value, tail)
                    )
                connection.send_packed_command([b"".join(commands)], check_health=start == 0)
                _read_ok_replies(connection, len(batch), start)

    def record_run(self, algorithm_id: str, seconds: float) -> None:
        """Append this run's counters to a short list the statistics read back."""
        self.flush()
        if not self.enabled:
            return
        entry = json.dumps(
            {
                "algorithm": algorithm_id,
                "hits": self.hits,
                "misses": self.misses,
                "rejected": self.rejected,
                "seconds": round(seconds, 3),
                "at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            }
        )
        key = f"{self.prefix}:{RUNS_KEY}"
        try:
            pipe = self.client.pipeline(transaction=False)
            pipe.lpush(key, entry)
            pipe.ltrim(key, 0, RUNS_KEPT - 1)
            pipe.execute()
        except (*REDIS_ERRORS, GeoRedisError) as exc:
            # the results are all in by now: a replica or read-only user that cannot keep
            # the counters is worth a log line, not the run's warning
            _log(
                tr("The cache statistics of this run were not stored: {reason}").format(
                    reason=explain_error(exc, self.config)
                )
            )


def _read_ok_replies(connection, count: int, first: int) -> None:
    """Read the ``count`` one-line replies of SET commands, raising at the first error reply.

    A SET answers "+OK" or an error, one line each, so the replies are read off the socket
    in bulk (through its deadlines, ``clients.DeadlineSocket``) and compared at once. For
    28,298 SETs, redis-py's ``read_response`` per reply took 0.028-0.036 s of CPU (holding
    the GIL the computing threads need), this 0.006-0.009 s; the wait for the server is
    the same.
    An error is raised as redis-py raises it (``parse_error``: its exception class), named
    "SET (command n of a pipeline)" with ``first`` + n; anything but those lines is a
    protocol error (the connection is then dropped, see ``pooled_connection``).
    """
    sock = connection._sock  # redis-py's own attribute, read by its parser the same way
    data = bytearray()
    lines = 0
    while lines < count:
        chunk = recv_chunk(sock)
        tail = data[-1:]  # a line end may straddle two reads
        data += chunk
        lines += (tail + chunk).count(b"\r\n")
    if data == OK_REPLY * count:
        return
    for number, line in enumerate(bytes(data).split(b"\r\n")[:count], first + 1):
        if line == b"+OK":
            continue
        if not line.startswith(b"-"):
            raise redis.InvalidResponse(f"Protocol error, got {line[:40]!r} as reply to SET")
        text = line[1:].decode("utf-8", "replace")
        parse = getattr(connection._parser, "parse_error", None)
        exc = parse(text) if parse is not None else redis.ResponseError(text)
        annotate(exc, "SET", number)  # for the message: no value in it
        raise exc
    raise redis.InvalidResponse("Protocol error: more replies than SET commands")


OK_REPLY = b"+OK\r\n"


def clear_cache(client, prefix: str, feedback=None) -> int:
    """Delete this plugin's cache entries with SCAN + UNLINK; other keys are left alone.

    In a cluster, SCAN runs on every primary and UNLINK is sent per hash slot (redis-py's
    RedisCluster does both).
    """
    deleted = 0
    batch = []
    for key in client.scan_iter(match=cache_pattern(prefix), count=1000):
        if not is_cache_entry(prefix, key):
            continue
        batch.append(key)
        if len(batch) >= 1000:
            deleted += client.unlink(*batch)
            batch = []
            if feedback is not None and feedback.isCanceled():
                return deleted
    if batch:
        deleted += client.unlink(*batch)
    client.delete(f"{prefix}:{RUNS_KEY}")
    return deleted


def cache_statistics(client, prefix: str) -> dict:
    """Number of entries, bytes used by them, and the counters of the last runs."""
    entries = 0
    memory = 0
    batch = []

    def flush():
        nonlocal memory
        pipe = client.pipeline(transaction=False)
        for key in batch:
            pipe.memory_usage(key, samples=0)
        memory += sum(v or 0 for v in pipe.execute())
        batch.clear()

    for key in client.scan_iter(match=cache_pattern(prefix), count=1000):
        if not is_cache_entry(prefix, key):
            continue
        entries += 1
        batch.append(key)
        if len(batch) >= 1000:
            flush()
    if batch:
        flush()
    runs = [json.loads(r) for r in client.lrange(f"{prefix}:{RUNS_KEY}", 0, RUNS_KEPT - 1)]
    return {"entries": entries, "memory_bytes": memory, "runs": runs}
