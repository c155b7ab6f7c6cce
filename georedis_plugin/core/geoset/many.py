"""The nearest members of a geo set for many points at once: pipelined searches, vectorized proof.

What ``shapes.nearest`` does for one centre, done for a batch of centres per round trip: one
GEOSEARCH per centre sent on one connection, the replies decoded and their geodesic distances
computed in one go, and the centres whose answer is not proven yet searched again (a larger
radius, or more hits) in the next round. The first radius follows the batch before: twice
the distance that held the answers there.
"""

import math
from dataclasses import dataclass

import numpy as np
import redis

try:
    import hiredis
except ImportError:  # redis-py's own parser then, slower
    hiredis = None

from ..clients import on_slot, pooled_connection
from .distances import (
    EARTH_RADIUS_M,
    ELLIPSOID_PER_SPHERE_MIN,
    SPHERE,
    SPHERE_HALF_TURN_M,
    geodesic_m,
)
from .geohash import decode_scores, valid_mask

BATCH = 1000
ALL = 2**31 - 1  # a COUNT no reply reaches
FIRST_RADIUS_M = 1000.0


@dataclass
class Matches:
    """Matches of many centres, one row per match: the centre's index, rank from 1, member
    name (bytes), distance in metres (geodesic or, on the sphere, Redis's), position."""

    owner: np.ndarray
    rank: np.ndarray
    members: list
    distance_m: np.ndarray
    lon: np.ndarray
    lat: np.ndarray


def _segments(owner: np.ndarray, values: np.ndarray):
    """Order by (owner, value), each row's rank within its owner (from 0), group starts."""
    order = np.lexsort((values, owner))
    owner_sorted = owner[order]
    starts = np.flatnonzero(np.r_[True, owner_sorted[1:] != owner_sorted[:-1]])
    group_start = np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    return order, np.arange(len(order)) - group_start


class NearestMany:
    """``count`` nearest members of ``geo_set`` within ``limit_m`` (0 = none) for each centre."""

    def __init__(self, geo_set, count: int, limit_m: float, distances: str):
        self.geo_set = geo_set
        self.count = max(int(count), 1)
        self.limit_m = limit_m
        self.sphere = distances == SPHERE
        self.ratio = 1.0 if self.sphere else ELLIPSOID_PER_SPHERE_MIN
        self.limit_s = (
            min(limit_m / self.ratio, SPHERE_HALF_TURN_M) if limit_m > 0 else SPHERE_HALF_TURN_M
        )
        # Redis ranks by the sphere: on the ellipsoid, one more hit than asked proves most
        # answers (the (count+1)-th sphere distance is then usually beyond the count-th
        # geodesic one by more than the 0.6% the two can differ); the rest ask again.
        self.want = self.count if self.sphere else self.count + 1
        # Redis answers a pipeline once it has run all of it: a radius too large costs every
        # search of a batch; too small only another (cheap) round. Start from what an even
        # spread over the Earth would give, but at most 1 km, and learn from each batch.
        size = max(geo_set.size(), 1)
        self.radius = min(
            self.limit_s, FIRST_RADIUS_M, 3 * EARTH_RADIUS_M * math.sqrt(self.want / size)
        )
        key = geo_set.keys.geo.encode("utf-8")
        self.head = b"*13\r\n$9\r\nGEOSEARCH\r\n$%d\r\n%b\r\n" % (len(key), key)
        self.round_trips = 0

    def search(self, lon: np.ndarray, lat: np.ndarray) -> Matches:
        """The matches of the centres (lon[i], lat[i]); invalid centres get none."""
        lon = np.asarray(lon, dtype=np.float64)
        lat = np.asarray(lat, dtype=np.float64)
        pending = np.flatnonzero(valid_mask(lon, lat))
        radius = np.full(len(lon), self.radius)
        want = np.full(len(lon), self.want, dtype=np.int64)
        final = np.zeros(len(lon), dtype=bool)  # searched in full: the reply holds the answer
        found = []
        reached = []
        while len(pending):
            replies = on_slot(
                self.geo_set.client,
                self.geo_set.keys.geo,
                lambda node, p=pending: self._send(node, lon[p], lat[p], radius[p], want[p]),
            )
            self.round_trips += 1
            done, full, needed, rows = self._prove(pending, replies, lon, lat, radius, want, final)
            found.append(rows)
            reached.extend(rows.distance_m[rows.rank == self.count].tolist())
            # Enough hits, not proven (far from the set, many members nearly as far): the
            # count-th geodesic distance found bounds the answer, so a search of that
            # distance / ratio on the sphere, without COUNT, holds all of it.
            unproven = ~done & full
            more = pending[unproven]
            if len(more):  # never on the sphere, where a full reply is the answer
                radius[more] = np.minimum(self.limit_s, needed[unproven] / self.ratio)
                want[more] = ALL
                final[more] = True
            wider = pending[~done & ~full]  # too few hits within the radius: widen it
            radius[wider] = np.minimum(self.limit_s, radius[wider] * 4)
            pending = pending[~done]
        if reached:
            # the next batch starts from twice the distance that held these answers
            self.radius = min(self.limit_s, max(2 * float(np.median(reached)) / self.ratio, 1.0))
        return _concatenate(found)

    def _send(self, node, lon, lat, radius, want) -> list:
        head = self.head
        commands = b"".join(
            _geosearch(head, x, y, r, w)
            for x, y, r, w in zip(lon.tolist(), lat.tolist(), radius.tolist(), want.tolist())
        )
        with pooled_connection(node) as connection:
            connection.send_packed_command([commands])
            return _read_replies(connection, len(lon))

    def _prove(self, pending, replies, lon, lat, radius, want, final):
        """Which of ``pending`` have their answer proven by ``replies``, which replies hold
        all the hits asked for, and the matches proven."""
        sizes = np.fromiter((len(r) for r in replies), dtype=np.int64, count=len(replies))
        position = np.repeat(np.arange(len(pending)), sizes)  # into ``pending``
        hits = [hit for reply in replies for hit in reply]
        members = [hit[0] for hit in hits]
        sphere_m = np.fromiter((float(hit[1]) for hit in hits), np.float64, count=len(hits))
        scores = np.fromiter((hit[2] for hit in hits), np.uint64, count=len(hits))
        hit_lon, hit_lat = decode_scores(scores)
        owner = pending[position]
        full = (sizes >= want[pending]) & ~final[pending]
        complete = final[pending] | (~full & (radius[pending] >= self.limit_s))
        if self.sphere:
            distance = sphere_m
            done = full | complete
        else:
            distance = geodesic_m(lon[owner], lat[owner], hit_lon, hit_lat)
            last = np.zeros(len(pending))
            np.maximum.at(last, position, sphere_m)
            known = np.where(full, self.ratio * (last - 1e-4), self.ratio * radius[pending])
            needed = np.full(len(pending), math.inf)
        order, rank = _segments(position, distance)
        if not self.sphere:
            at_count = order[rank == self.count - 1]
            needed[position[at_count]] = distance[at_count]
            if self.limit_m > 0:
                needed = np.minimum(needed, self.limit_m)
            done = complete | (needed <= known)
        keep = (rank < self.count) & done[position[order]]
        if self.limit_m > 0:
            keep &= distance[order] <= self.limit_m
        chosen = order[keep]
        rows = Matches(
            owner[chosen],
            rank[keep] + 1,
            [members[i] for i in chosen.tolist()],
            distance[chosen],
            hit_lon[chosen],
            hit_lat[chosen],
        )
        return done, full, (needed if not self.sphere else None), rows


_TAIL = b"$1\r\nm\r\n$3\r\nASC\r\n$5\r\nCOUNT\r\n"
_WITH = b"$8\r\nWITHDIST\r\n$8\r\nWITHHASH\r\n"


def _geosearch(head: bytes, lon: float, lat: float, radius_m: float, count: int) -> bytes:
    """``GEOSEARCH key FROMLONLAT lon lat BYRADIUS r m ASC COUNT n WITHDIST WITHHASH`` in RESP.

    Written as one template: encode_command's argument-by-argument join took ~40% of a join's
    time in profiles; this is the same bytes (tests/test_geoset_join.py checks the results).
    """
    x, y, r, n = repr(lon).encode(), repr(lat).encode(), repr(radius_m).encode(), b"%d" % count
    return (
        b"%b$10\r\nFROMLONLAT\r\n$%d\r\n%b\r\n$%d\r\n%b\r\n$8\r\nBYRADIUS\r\n$%d\r\n%b\r\n%b$%d\r\n%b\r\n%b"
        % (head, len(x), x, len(y), y, len(r), r, _TAIL, len(n), n, _WITH)
    )


def _read_replies(connection, count: int) -> list:
    """``count`` replies from ``connection``: parsed by hiredis straight from the socket where
    it is importable (redis-py's read_response costs ~10 µs a reply, more than the search),
    else through redis-py. A reply that is an error is raised, as read_response does."""
    if hiredis is None:
        return [connection.read_response() for _ in range(count)]
    reader = hiredis.Reader(replyError=redis.ResponseError)
    sock = connection._sock  # redis-py has no public way to the socket
    replies = []
    buffer = bytearray(1 << 16)
    while len(replies) < count:
        reply = reader.gets()
        if reply is False:
            try:
                received = sock.recv_into(buffer)
            except TimeoutError as exc:  # as redis-py reports it (the connection is dropped)
                raise redis.TimeoutError("Timeout reading from socket") from exc
            except OSError as exc:
                raise redis.ConnectionError(f"Error reading from socket: {exc}") from exc
            if not received:
                raise redis.ConnectionError("Connection closed by server.")
            reader.feed(buffer, 0, received)
            continue
        if isinstance(reply, redis.ResponseError):
            raise reply
        replies.append(reply)
    return replies


def _concatenate(parts: list) -> Matches:
    if not parts:
        empty = np.empty(0)
        return Matches(np.empty(0, np.int64), np.empty(0, np.int64), [], empty, empty, empty)
    owner = np.concatenate([p.owner for p in parts])
    rank = np.concatenate([p.rank for p in parts])
    order = np.lexsort((rank, owner))
    members = [m for p in parts for m in p.members]
    return Matches(
        owner[order],
        rank[order],
        [members[i] for i in order.tolist()],
        np.concatenate([p.distance_m for p in parts])[order],
        np.concatenate([p.lon for p in parts])[order],
        np.concatenate([p.lat for p in parts])[order],
    )
