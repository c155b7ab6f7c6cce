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
import time

from ..i18n import tr
from .clients import get_client, mget
from .config import ConnectionConfig
from .errors import REDIS_ERRORS, GeoRedisError, explain_error

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
        self.warning = ""
        self._client = None

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

        def is_valid(data):
            base = wkb_base_type(data)
            return base is not None and (allowed_types is None or base in allowed_types)

        return self.get_values(keys, is_valid)

    def get_values(self, keys: list, is_valid, count: bool = True) -> list:
        """Values per key that pass ``is_valid``, else None; counted as hits/misses if asked."""
        values = [None] * len(keys)
        if not self.enabled:
            if count:
                self.misses += len(keys)
            return values
        try:
            for start in range(0, len(keys), BATCH_SIZE):
                chunk = keys[start : start + BATCH_SIZE]
                for index, data in enumerate(mget(self.client, chunk), start):
                    if data is None:
                        continue
                    if not is_valid(data):
                        self.rejected += 1
                        continue
                    values[index] = bytes(data)
        except (*REDIS_ERRORS, GeoRedisError) as exc:
            self._fail(exc)
            # values read before the failure stay valid hits
        if count:
            found = sum(v is not None for v in values)
            self.hits += found
            self.misses += len(keys) - found
        return values

    def set_many(self, items: list) -> None:
        """Store ``(key, wkb)`` pairs with the configured TTL, in pipelined batches."""
        if not self.enabled or not items:
            return
        try:
            for start in range(0, len(items), BATCH_SIZE):
                pipe = self.client.pipeline(transaction=False)
                for key, wkb in items[start : start + BATCH_SIZE]:
                    pipe.set(key, wkb, ex=self.ttl_seconds)
                pipe.execute()
        except (*REDIS_ERRORS, GeoRedisError) as exc:
            self._fail(exc)

    def record_run(self, algorithm_id: str, seconds: float) -> None:
        """Append this run's counters to a short list the statistics read back."""
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
