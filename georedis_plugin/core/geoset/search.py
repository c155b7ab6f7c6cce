"""Searching a geo set: one GEOSEARCH round trip (with the hits' stored rows), and the results.

Searching reads the hits' scores (WITHHASH) and decodes them as GEOPOS does; what a search
keeps of Redis's candidates is up to its shape (see ``shapes``).
"""

import gc
import json
import math
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import redis
from qgis.core import QgsFields

from ...i18n import tr
from ..clients import on_slot, pooled_connection
from ..errors import GeoRedisError
from . import cells as cell_summary
from .catalog import check_type
from .distances import EARTH_RADIUS_M, ELLIPSOID, check_distances, check_unit
from .geohash import decode_scores
from .keys import META_CELLS_KEY, META_EXTENT_KEY, META_FIELDS_KEY, GeoSetKeys
from .resp import encode_command, encode_score_range_commands, read_replies
from .rows import fields_from_json
from .shapes import Box, LonLat, Member, Nearest, Polygon, Radius


@dataclass
class SearchResult:
    """Hits nearest first: member names, distances in ``unit``, WGS84 coordinates.

    ``raw_members`` are the names as Redis returns them (UTF-8 bytes); ``members`` decodes
    them on first use, which a search that only builds a hit layer never needs.
    """

    name: str
    unit: str
    raw_members: list
    distances: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    rows: list = None
    fields: QgsFields = None
    seconds: float = 0.0
    description: str = ""
    _members: list = field(default=None, repr=False)

    @property
    def members(self) -> list:
        if self._members is None:
            self._members = [m.decode("utf-8", "replace") for m in self.raw_members]
        return self._members

    def __len__(self) -> int:
        return len(self.raw_members)

    def select(self, index: np.ndarray, distances, unit: str, description: str):
        """The hits at ``index`` (an integer array), with new ``distances`` in ``unit``
        (None keeps theirs)."""
        positions = index.tolist()
        members = self.raw_members
        return SearchResult(
            self.name,
            unit,
            [members[i] for i in positions],
            self.distances[index] if distances is None else distances,
            self.lon[index],
            self.lat[index],
            [self.rows[i] for i in positions] if self.rows is not None else None,
            self.fields,
            description=description,
        )


def parse_hits(raw: list):
    """Members, distances and coordinates of a GEOSEARCH ... WITHDIST WITHHASH reply.

    WITHHASH instead of WITHCOORD: an integer per hit is cheaper for the server to write and
    for the client to read than two decimal coordinates, and ``decode_scores`` gives exactly
    the coordinates WITHCOORD would have.
    """
    if not raw:
        return [], np.empty(0), np.empty(0), np.empty(0)
    count = len(raw)
    members = [hit[0] for hit in raw]
    distances = np.fromiter((float(hit[1]) for hit in raw), dtype=np.float64, count=count)
    scores = np.fromiter((hit[2] for hit in raw), dtype=np.uint64, count=count)
    lon, lat = decode_scores(scores)
    return members, distances, lon, lat


def _not_a_member(member: str, name: str) -> str:
    return tr(
        "'{member}' is not a member of the geo set '{name}'. Check the member name (the id "
        "field's value, or the feature id)."
    ).format(member=member, name=name)


_gc_lock = threading.Lock()
_gc_pausers = [0, False]  # threads inside gc_paused(), whether the collector was enabled


@contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector while a large search reply is parsed.

    hiredis builds one small list per hit; tens of thousands of new containers trigger
    collections of every generation, and a full one walks all of QGIS's Python objects
    (halving the speed of a 60,000-hit search). The objects made here hold no cycles, and the
    collector is back on as soon as the last thread leaves (reference counting never stops).
    """
    with _gc_lock:
        if _gc_pausers[0] == 0:
            _gc_pausers[1] = gc.isenabled()
            gc.disable()
        _gc_pausers[0] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers[0] -= 1
            if _gc_pausers[0] == 0 and _gc_pausers[1]:
                gc.enable()


# A search retries this many times when a load replaces the set between its two round trips.
SEARCH_ATTEMPTS = 5


class GeoSet:
    """Searches on one geo set; every method does only Redis I/O and numpy work.

    ``search`` runs any shape of ``shapes``; ``radius``, ``box``, ``around_member`` and
    ``polygon`` are shorthands for the usual ones.
    """

    def __init__(self, client: redis.Redis, prefix: str, name: str):
        self.client = client
        self.prefix = prefix
        self.name = name
        self.keys = GeoSetKeys.for_name(prefix, name)
        self._size = None
        self._area = None
        self._extent = None
        self._cells = None

    def search(self, shape, unit: str = "m", count: int = 0, distances: str = ELLIPSOID):
        """The hits of ``shape`` (a shape of ``shapes``), nearest first, at most ``count``.

        ``distances``: ELLIPSOID (geodesic on WGS 84, as QGIS measures) or SPHERE (Redis's
        own figures on its sphere).
        """
        check_unit(unit)
        check_distances(distances)
        started = time.perf_counter()
        with gc_paused():
            result = shape.search(self, unit, count, distances)
        result.seconds = time.perf_counter() - started
        return result

    def radius(self, lon, lat, radius, unit="m", count=0, distances=ELLIPSOID):
        return self.search(Radius(LonLat(lon, lat), radius), unit, count, distances)

    def box(self, lon, lat, width, height, unit="m", count=0, distances=ELLIPSOID):
        return self.search(Box(LonLat(lon, lat), width, height), unit, count, distances)

    def around_member(self, member, radius, unit="m", count=0, distances=ELLIPSOID):
        return self.search(Radius(Member(member), radius), unit, count, distances)

    def polygon(self, polygon_wgs84, unit="m", count=0, distances=ELLIPSOID):
        return self.search(Polygon(polygon_wgs84), unit, count, distances)

    def nearest(self, lon, lat, count=1, max_distance=0.0, unit="m", distances=ELLIPSOID):
        return self.search(Nearest(LonLat(lon, lat), max_distance), unit, count, distances)

    def size(self) -> int:
        """The number of members (read once per GeoSet: it only sizes a first search radius)."""
        return self.spread()[0]

    def spread(self) -> tuple:
        """(members, area in m² of Redis's sphere they spread over), read once per GeoSet:
        they only size a first search radius. The area is the members' lon/lat extent as the
        load recorded it, or the whole sphere for a set loaded without it."""
        if self._size is None:

            def read(node):
                with node.pipeline(transaction=False) as pipe:
                    pipe.zcard(self.keys.geo)
                    pipe.hmget(self.keys.meta, [META_EXTENT_KEY, META_CELLS_KEY])
                    return pipe.execute(raise_on_error=False)

            size, meta = on_slot(self.client, self.keys.geo, read)
            extent, self._cells = meta if isinstance(meta, list) else (None, None)
            # not a sorted set: the search that follows says so
            self._size = 0 if isinstance(size, Exception) else int(size)
            self._area = 4 * math.pi * EARTH_RADIUS_M**2
            try:
                west, south, east, north = map(float, extent.split(b","))
            except (AttributeError, ValueError):
                pass  # no extent recorded (or not ours): the whole sphere
            else:
                self._extent = (west, south, east, north)
                self._area = max(
                    EARTH_RADIUS_M**2
                    * math.radians(east - west)
                    * (math.sin(math.radians(north)) - math.sin(math.radians(south))),
                    1e6,  # 1 km², for members all at one place
                )
        return self._size, self._area

    def outside_extent(self, lon: float, lat: float) -> bool:
        """Whether (lon, lat) is outside the members' extent recorded at load (False when
        none is recorded)."""
        self.spread()
        if self._extent is None:
            return False
        west, south, east, north = self._extent
        return not (west <= lon <= east and south <= lat <= north)

    def summary(self):
        """(level, cell ids, counts) of the occupied cells recorded at load, or None."""
        self.spread()
        return cell_summary.decode(self._cells)

    def read_score_ranges(self, counted: list, read: list):
        """(ZCOUNT of each of ``counted``, (members, scores) of each of ``read``): [first, end)
        score ranges, in one round trip; None if the set's summary is no longer the one this
        GeoSet read (a load replaced the set).

        One MULTI/EXEC encoded by hand and its replies read in bulk (``resp.read_replies``);
        through redis-py's pipeline, its objects and its parser took most of a search from
        afar's time.
        """
        key = self.keys.geo.encode("utf-8")
        commands = [
            b"*1\r\n$5\r\nMULTI\r\n",
            encode_command(b"HGET", self.keys.meta.encode("utf-8"), META_CELLS_KEY.encode()),
        ]
        commands += encode_score_range_commands(key, counted, read)
        commands.append(b"*1\r\n$4\r\nEXEC\r\n")
        packed = b"".join(commands)

        def query(node):
            with pooled_connection(node) as connection:
                connection.send_packed_command([packed])
                *queued, replies = read_replies(connection, len(commands))
            _raise_error(*queued)  # MOVED or ASK (a cluster's slot moved): on_slot retries
            return replies

        try:
            replies = on_slot(self.client, self.keys.geo, query)
        except redis.ResponseError:
            return None  # the search as before says what is wrong
        if isinstance(replies, redis.ResponseError) or any(
            isinstance(reply, redis.ResponseError) for reply in replies
        ):
            return None  # not a sorted set any more: the search as before says so
        if replies[0] != self._cells:
            return None
        tallies = [int(n) for n in replies[1 : 1 + len(counted)]]
        ranges = []
        for reply in replies[1 + len(counted) :]:
            if reply and isinstance(reply[0], list):  # RESP3: [member, score] pairs
                members = [pair[0] for pair in reply]
                scores = np.array([float(pair[1]) for pair in reply], dtype=np.float64)
            else:
                members = reply[0::2]
                # the scores' decimal texts, parsed by numpy (52-bit integers: exact doubles)
                scores = np.array(reply[1::2], dtype=np.bytes_).astype(np.float64)
            ranges.append((members, scores.astype(np.uint64)))
        return tallies, ranges

    def members_result(self, members, lon, lat, distances, unit: str, description: str):
        """A SearchResult of ``members`` (raw names) with their stored rows, or None if a load
        replaced the set since its summary was read."""
        keys = self.keys

        def query(node):
            with node.pipeline(transaction=True) as pipe:
                pipe.type(keys.geo)
                pipe.hmget(keys.meta, ["attributes", META_FIELDS_KEY, META_CELLS_KEY])
                pipe.exists(keys.attrs)
                if members:
                    pipe.hmget(keys.attrs, members)
                return pipe.execute(raise_on_error=False)

        key_type, meta, exists, *rows = on_slot(self.client, keys.geo, query)
        if not isinstance(meta, list) or meta[2] != self._cells:
            return None
        check_type(self.name, keys, key_type, meta[0] is not None)
        result = SearchResult(
            self.name, unit, list(members), distances, lon, lat, description=description
        )
        if meta[0] == b"1":
            if not exists:
                return None  # the search as before explains the missing attributes
            result.fields = fields_from_json(json.loads(meta[1] or b"[]"))
            result.rows = [row or None for row in rows[0]] if rows else []
        return result

    def position(self, member: str) -> tuple:
        """(lon, lat) of ``member`` as GEOPOS reports it; GeoRedisError if it is none."""

        def read(node):
            with node.pipeline(transaction=True) as pipe:
                pipe.type(self.keys.geo)
                pipe.hget(self.keys.meta, "attributes")
                pipe.zscore(self.keys.geo, member)
                return pipe.execute(raise_on_error=False)

        key_type, has_meta, score = on_slot(self.client, self.keys.geo, read)
        check_type(self.name, self.keys, key_type, has_meta is not None)
        if score is None or isinstance(score, Exception):
            raise GeoRedisError(_not_a_member(member, self.name))
        lon, lat = decode_scores(np.array([int(score)], dtype=np.uint64))
        return float(lon[0]), float(lat[0])

    def stored_fields(self):
        """The fields stored with the members, or None if none are; checks the key first."""

        def read(node):
            with node.pipeline(transaction=True) as pipe:
                pipe.type(self.keys.geo)
                pipe.hmget(self.keys.meta, ["attributes", META_FIELDS_KEY])
                return pipe.execute(raise_on_error=False)

        key_type, meta = on_slot(self.client, self.keys.geo, read)
        has_meta = isinstance(meta, list) and meta[0] is not None
        check_type(self.name, self.keys, key_type, has_meta)
        if has_meta and meta[0] == b"1":
            return fields_from_json(json.loads(meta[1] or b"[]"))
        return None

    def stored_rows(self, members: list) -> list:
        """The stored attribute rows (JSON bytes, or None) of ``members``."""

        def read(node):
            with node.pipeline(transaction=False) as pipe:
                for start in range(0, len(members), 10_000):
                    pipe.hmget(self.keys.attrs, members[start : start + 10_000])
                return [row for chunk in pipe.execute() for row in chunk]

        return on_slot(self.client, self.keys.geo, read) if members else []

    def geosearch(self, origin: list, shape: list, unit: str, count: int, description: str):
        """One GEOSEARCH ``origin`` ``shape`` ``unit`` ASC [COUNT] with the hits' stored rows."""
        # numpy numbers as Python ones: numpy 2 writes np.float64(1.5) as "np.float64(1.5)"
        plain = [v.item() if isinstance(v, np.generic) else v for v in (*origin, *shape)]
        args = ["GEOSEARCH", self.keys.geo, *plain, unit, "ASC"]
        if count and count > 0:
            args += ["COUNT", int(count)]
        args += ["WITHDIST", "WITHHASH"]
        key_type, meta, raw, rows = on_slot(
            self.client, self.keys.geo, lambda node: self._query(node, args)
        )
        has_meta = isinstance(meta, list) and meta[0] is not None
        check_type(self.name, self.keys, key_type, has_meta)
        if isinstance(raw, (bytes, redis.ResponseError)):  # GEOSEARCH failed
            self._refused(raw, origin)
        members, distances, lon, lat = parse_hits(raw)
        result = SearchResult(
            self.name, unit, members, distances, lon, lat, description=description
        )
        if has_meta and meta[0] == b"1":
            if not isinstance(rows, list):  # the script found no attribute hash
                raise GeoRedisError(
                    tr(
                        "The attributes of the geo set '{name}' are gone from the server (key "
                        "{key} is missing: deleted, or evicted by a maxmemory-policy), though "
                        "the set was loaded with them. Load the layer into the set again; keep "
                        "geo sets on a server without eviction (maxmemory-policy noeviction)."
                    ).format(name=self.name, key=self.keys.attrs)
                )
            result.fields = fields_from_json(json.loads(meta[1] or b"[]"))
            result.rows = [row or None for row in rows]
        return result

    def _refused(self, raw, origin: list):
        text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        # Redis's wording, then Valkey 9's ("ERR member <name> does not exist")
        if "could not decode requested zset member" in text or (
            origin[0] == "FROMMEMBER" and text.endswith("does not exist")
        ):
            raise GeoRedisError(_not_a_member(origin[1], self.name))
        if "invalid longitude,latitude pair" in text:
            raise GeoRedisError(
                tr(
                    "Redis cannot search around longitude {lon}, latitude {lat}: it covers "
                    "latitudes up to ±85.05112878° and longitudes up to ±180°. Choose a "
                    "centre within that range."
                ).format(lon=origin[1], lat=origin[2])
            )
        raise GeoRedisError(
            tr("Redis refused the search of '{name}': {error}").format(name=self.name, error=text)
        )

    def _query(self, node: redis.Redis, args: list) -> tuple:
        """(key type, meta values, GEOSEARCH reply or error, attribute rows) from ``node``.

        One round trip under WATCH of the meta and attribute hashes reads the key type, the
        metadata and the hits; where the set stores attributes, a MULTI/EXEC of HMGET reads
        the hits' rows, and EXEC fails if a load replaced the set in between (the search
        then runs again), so hits and rows always come from the same load. This replaced a
        Lua script that ran GEOSEARCH and HMGET on the server: on 60,000 hits the script
        cost 340 ms against 190 ms for the two round trips (Redis 7.0, copying every hit
        into Lua tables and back), and it needed EVALSHA.
        """
        keys = self.keys
        for _attempt in range(SEARCH_ATTEMPTS):
            with pooled_connection(node) as connection:
                watched, key_type, meta, raw = _send(
                    connection,
                    [
                        ("WATCH", keys.meta, keys.attrs),
                        ("TYPE", keys.geo),
                        ("HMGET", keys.meta, "attributes", META_FIELDS_KEY),
                        args,
                    ],
                )
                _raise_error(watched, key_type, meta)
                if not (isinstance(meta, list) and meta[0] == b"1" and isinstance(raw, list)):
                    _raise_error(*_send(connection, [("UNWATCH",)]))
                    return key_type, meta, raw, []
                if not raw:
                    _raise_error(*_send(connection, [("UNWATCH",)]))
                    return key_type, meta, raw, []
                attrs = keys.attrs.encode("utf-8")
                replies = _send(
                    connection,
                    [
                        ("MULTI",),
                        ("EXISTS", attrs),
                        encode_command(b"HMGET", attrs, *(hit[0] for hit in raw)),
                        ("EXEC",),
                    ],
                )
            _raise_error(*replies)
            if replies[-1] is None:  # a load replaced the set after the WATCH: again
                continue
            exists, rows = replies[-1]
            _raise_error(exists, rows)
            return key_type, meta, raw, rows if exists else "missing"
        raise GeoRedisError(
            tr(
                "The geo set '{name}' was replaced {count} times while it was being searched. "
                "Search again once the loads into it have finished."
            ).format(name=self.name, count=SEARCH_ATTEMPTS)
        )


def _raise_error(*replies) -> None:
    """Raise the first error among ``replies``."""
    for reply in replies:
        if isinstance(reply, redis.ResponseError):
            raise reply


def _send(connection, commands: list) -> list:
    """Send ``commands`` (argument tuples, or RESP already encoded) in one write; their
    replies, an error reply as its ResponseError."""
    packed = [
        c if isinstance(c, bytes) else b"".join(connection.pack_command(*c)) for c in commands
    ]
    connection.send_packed_command([b"".join(packed)])
    replies = []
    for _ in commands:
        try:
            replies.append(connection.read_response())
        except redis.ResponseError as exc:
            replies.append(exc)
    return replies
