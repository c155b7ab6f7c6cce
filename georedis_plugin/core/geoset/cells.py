"""The occupied geohash cells of a geo set, recorded at load, and the nearest search over them.

Far from a set, GEOSEARCH must grow its circle until it spans the set, and Redis then scans
every member of the big geohash boxes it covers: from random centres anywhere on Earth, the
nearest 10 of a 1M-point set over Europe took p50 408 ms that way (scripts/bench_geoset.py).
The load records which cells of a coarse level hold members (``encode``); a nearest search
from afar reads only the cells nearest the centre by a proven lower bound of their distance,
with ZRANGE BYSCORE (a cell is one contiguous range of scores), and stops once the N-th
distance found is no farther than the bound of the next cell.

The summary is trusted only once proven against the set as it is now (``gap_ranges``):
every member must lie in a recorded cell. A read cell is read whole and unread ones are
bounded by geometry alone, so their member counts do not matter to the answer (a GEOADD
into a recorded cell is found like the others); a member anywhere else makes the search
fall back to growing GEOSEARCH.
"""

import heapq
import itertools
import math
import struct

import numpy as np

from .distances import (
    _E2,
    EARTH_RADIUS_M,
    ELLIPSOID_PER_SPHERE_MAX,
    ELLIPSOID_PER_SPHERE_MIN,
    WGS84_A,
    geodesic_m,
    haversine_m,
)
from .geohash import GEO_STEP, LAT_LIMIT, LON_LIMIT, _squash, decode_scores

MAGIC = b"GRC1"
# magic, level, load id (16 bytes), number of cells; then cell ids and counts (uint32 each)
_HEADER = struct.Struct("<4sB16sI")
FIRST_LEVEL = 8  # bits per axis: 256 x 256 cells, 1.4° x 0.66° each
MAX_CELLS = 4096
# each gap between runs of consecutive cells costs a ZCOUNT when the summary is proven
MAX_RUNS = 512


def summarize(scores: np.ndarray) -> tuple:
    """(level, cell ids, member counts) of ``scores``: the finest level from FIRST_LEVEL
    down whose occupied cells number at most MAX_CELLS, in at most MAX_RUNS runs."""
    level = FIRST_LEVEL
    cells, counts = np.unique(scores >> np.uint64(52 - 2 * level), return_counts=True)
    while level > 1 and (len(cells) > MAX_CELLS or _runs(cells) > MAX_RUNS):
        level -= 1
        coarser = cells >> np.uint64(2)
        cells, start = np.unique(coarser, return_index=True)
        counts = np.add.reduceat(counts, start)
    return level, cells, counts


def _runs(cells: np.ndarray) -> int:
    return int(np.count_nonzero(np.diff(cells.astype(np.int64)) != 1)) + 1 if len(cells) else 0


def encode(level: int, cells: np.ndarray, counts: np.ndarray, load_id: bytes) -> bytes:
    """The summary as the meta hash stores it (``load_id``: 16 bytes naming the load)."""
    return (
        _HEADER.pack(MAGIC, level, load_id, len(cells))
        + cells.astype("<u4").tobytes()
        + counts.astype("<u4").tobytes()
    )


def decode(blob):
    """(level, cell ids as uint64, counts) of an ``encode`` value, or None if it is not one."""
    if not isinstance(blob, bytes) or len(blob) < _HEADER.size:
        return None
    magic, level, _load_id, count = _HEADER.unpack_from(blob)
    if magic != MAGIC or not 1 <= level <= GEO_STEP or len(blob) != _HEADER.size + 8 * count:
        return None
    body = np.frombuffer(blob, dtype="<u4", offset=_HEADER.size)
    cells, counts = body[:count].astype(np.uint64), body[count:].astype(np.int64)
    if count == 0 or np.any(np.diff(cells.astype(np.int64)) <= 0):
        return None
    if int(cells[-1]) >= 1 << (2 * level):
        return None
    return level, cells, counts


def score_range(level: int, cells: np.ndarray) -> tuple:
    """(first score, end score) of each cell: its members' scores are in [first, end)."""
    shift = np.uint64(52 - 2 * level)
    return cells << shift, (cells + np.uint64(1)) << shift


def gap_ranges(level: int, cells: np.ndarray) -> list:
    """[first, end) score ranges between the runs of consecutive cells (and before the first
    and after the last): the set matches its summary when these hold no member."""
    first, end = score_range(level, cells)
    breaks = np.flatnonzero(np.diff(cells.astype(np.int64)) != 1)
    run_first = [int(first[0]), *(int(first[i + 1]) for i in breaks)]
    run_end = [*(int(end[i]) for i in breaks), int(end[-1])]
    gaps = []
    previous = 0
    for start, stop in zip(run_first, run_end):
        if start > previous:
            gaps.append((previous, start))
        previous = stop
    if previous < 1 << 52:
        gaps.append((previous, 1 << 52))
    return gaps


def _haversine(lon1, lat1, lon2, lat2):
    """Redis's haversine (radians in, metres out), clipped against rounding past 1 (never
    below 0 at latitudes within ±90°; np.minimum is several times as fast as np.clip on
    the few hundred cells of a call)."""
    u = np.sin((lat2 - lat1) / 2)
    v = np.sin((lon2 - lon1) / 2)
    a = np.minimum(u * u + np.cos(lat1) * np.cos(lat2) * v * v, 1.0)
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


def cell_boxes(level: int, cells: np.ndarray) -> tuple:
    """(south, north, west, east) in degrees of each cell's lat/lon rectangle."""
    # both halves in one pass: on the few cells of a call, numpy's cost is per operation
    lat_index, lon_index = _squash(np.stack([cells, cells >> np.uint64(1)])).astype(np.float64)
    steps = float(1 << level)
    height = 2 * LAT_LIMIT / steps
    width = 2 * LON_LIMIT / steps
    south = -LAT_LIMIT + lat_index * height
    west = -LON_LIMIT + lon_index * width
    return south, south + height, west, west + width


def sphere_lower_bounds(
    level: int, cells: np.ndarray, lon: float, lat: float, boxes=None
) -> np.ndarray:
    """For each cell, a distance on Redis's sphere (metres) that no point of it is nearer
    (lon, lat) than: the distance to the cell's rectangle, less 1 m and a relative 1e-9
    for rounding.

    At a given latitude the distance grows with the longitude difference, and it is never
    less than the latitude difference: from within the cell's longitudes the nearest point
    is on the same meridian; from outside, on the nearer of the cell's two meridian sides,
    where cos(distance) = sin φ sin φ0 + cos φ cos φ0 cos Δλ peaks at φ* = atan2(sin φ0,
    cos φ0 cos Δλ) and falls away from it on both sides: the side's point nearest φ*
    (clipped to the side, or either end) is the nearest. ``boxes``: the cells'
    ``cell_boxes``, if already at hand.
    """
    south, north, west, east = boxes or cell_boxes(level, cells)
    south, north = np.radians(south), np.radians(north)
    phi, lam = math.radians(lat), math.radians(lon)
    # from within the cell's longitudes: along the meridian
    within = (lon - west) % 360.0 <= east - west
    along = EARTH_RADIUS_M * np.maximum(np.maximum(south - phi, phi - north), 0.0)
    # the two sides (rows) by the three candidate latitudes (planes), measured in one call
    sides = np.radians(np.stack([west, east]))
    peak = np.arctan2(math.sin(phi), math.cos(phi) * np.cos(sides - lam))
    south2, north2 = np.broadcast_to(south, sides.shape), np.broadcast_to(north, sides.shape)
    candidates = np.stack([south2, north2, np.minimum(np.maximum(peak, south2), north2)])
    best = _haversine(lam, phi, sides, candidates).min(axis=(0, 1))
    distance = np.where(within, along, best)
    return np.maximum(distance * (1 - 1e-9) - 1.0, 0.0)


def _meridian_radius(lat_degrees):
    """The WGS 84 meridian radius of curvature M(φ) = a (1 - e²) / (1 - e² sin² φ)^1.5."""
    sine = np.sin(np.radians(lat_degrees))
    return WGS84_A * (1 - _E2) / (1 - _E2 * sine * sine) ** 1.5


def ellipsoid_ratios(level: int, cells: np.ndarray, lat: float, boxes=None) -> np.ndarray:
    """For each cell, a factor no geodesic from latitude ``lat`` to a point of it falls
    below, against that point's distance on Redis's sphere.

    Along any path the ellipsoid's length element over the sphere's (same geodetic
    coordinates) is at least M(φ) / R (the meridian radius M is the smaller radius of
    curvature), and M grows away from the equator. A shortest geodesic between two points
    of one hemisphere stays in it (its mirror image across the equator would otherwise be
    as short and kinked) and its latitude has no minimum between its ends (geodesics of an
    oblate ellipsoid reach their extreme latitudes only at their vertices), so it stays as
    far from the equator as the nearer end: M there over R bounds the ratio. Across the
    equator, ELLIPSOID_PER_SPHERE_MIN (M at the equator).
    """
    south, north, _west, _east = boxes or cell_boxes(level, cells)
    same_side = (south >= 0) & (lat > 0) | (north <= 0) & (lat < 0)
    nearest_equator = np.minimum(np.minimum(abs(south), abs(north)), abs(lat))
    ratio = _meridian_radius(nearest_equator) / EARTH_RADIUS_M * (1 - 1e-9)
    return np.where(
        same_side, np.maximum(ratio, ELLIPSOID_PER_SPHERE_MIN), ELLIPSOID_PER_SPHERE_MIN
    )


def cell_radii(level: int, cells: np.ndarray, boxes=None) -> tuple:
    """(centre lon, centre lat, radius on the sphere, radius on WGS 84) of each cell: no point
    of the cell is farther from its centre (lon, lat of the rectangle's middle) than these
    radii, in metres, on Redis's sphere and on the ellipsoid.

    On the sphere the farthest point is a corner: at one latitude the distance grows with
    the longitude difference, so it peaks on a meridian side, and along a side it falls
    towards one latitude and grows away from it (see ``sphere_lower_bounds``), so it peaks
    at an end. On the ellipsoid the great circle's path, drawn through the same geodetic
    coordinates, is at most ELLIPSOID_PER_SPHERE_MAX times as long, and the geodesic is no
    longer than that path.
    """
    south, north, west, east = boxes or cell_boxes(level, cells)
    lam, phi = np.radians((west + east) / 2), np.radians((south + north) / 2)
    corner = _haversine(lam, phi, np.radians(east), np.radians(np.stack([north, south]))).max(
        axis=0
    )
    corner = corner * (1 + 1e-9) + 1e-3
    return np.degrees(lam), np.degrees(phi), corner, corner * ELLIPSOID_PER_SPHERE_MAX


def sphere_upper_bounds(level: int, cells: np.ndarray, lon: float, lat: float, boxes=None):
    """For each cell, a distance on Redis's sphere (metres) that no point of it is farther
    from (lon, lat) than: the distance to its centre plus its radius (``cell_radii``)."""
    centre_lon, centre_lat, radius, _ = cell_radii(level, cells, boxes)
    to_centre = _haversine(
        math.radians(lon), math.radians(lat), np.radians(centre_lon), np.radians(centre_lat)
    )
    return to_centre * (1 + 1e-9) + radius + 1.0


def ellipsoid_bounds(
    level: int, cells: np.ndarray, lon: float, lat: float, sphere_bounds: np.ndarray, boxes=None
) -> tuple:
    """For each cell, (lower, upper): geodesic distances on WGS 84 (metres) that no point of
    it is nearer (lon, lat) than, or farther. The upper one is the geodesic to the cell's
    centre plus its radius (``cell_radii``); the lower one the larger of two bounds.

    The sphere's bound (``sphere_bounds``, from ``sphere_lower_bounds``) times the cell's
    ``ellipsoid_ratios``, 0.2 to 0.6 % short of the geodesic; and, since geodesics make the
    ellipsoid a metric space, the geodesic to the cell's centre less the cell's radius
    (``cell_radii``), which is within the radius of the truth and so takes over once
    quartering has made cells small: from 10,000 km, the ratio bound left a band of 20 to
    60 km of the set's near edge to read and measure.
    """
    boxes = boxes or cell_boxes(level, cells)
    by_ratio = ellipsoid_ratios(level, cells, lat, boxes) * sphere_bounds
    centre_lon, centre_lat, _, radius = cell_radii(level, cells, boxes)
    to_centre = geodesic_m(lon, lat, centre_lon, centre_lat)
    by_centre = (to_centre - radius) * (1 - 1e-9) - 1.0
    upper = (to_centre + radius) * (1 + 1e-9) + 1.0
    return np.maximum(np.maximum(by_ratio, by_centre), 0.0), upper


# A cell recorded (or counted) with more members than this is split into its four quarters
# (ZCOUNT each) rather than read: reading a big cell costs more than a round trip.
READ_MAX = 256
# A cell that may hold members beyond the answer's bound (its upper bound is past it) is
# split while it holds more than this: from afar, the cells' bounds leave a band of the
# set's near edge as deep as a cell to read, and quartering it costs less than measuring it.
STRADDLE_READ_MAX = 32
# cells split or read per round trip
BATCH = 64


def nearest_from_afar(geo_set, lon: float, lat: float, count: int, limit_m: float, ratio: float):
    """(raw members, lon, lat, distances in metres) of the ``count`` members nearest
    (lon, lat), nearest first, within ``limit_m`` (0 = no limit), or None when the set has
    no summary or does not match it (the caller then searches as before).

    Best first over the cells: the recorded cells, quartered (ZCOUNT per quarter) while they
    hold more than READ_MAX members, read whole (ZRANGE BYSCORE WITHSCORES) below that, in
    the order of their lower bound; done when the ``count``-th distance found is within the
    bound of every cell left, or no cell left is as near as a distance proven to hold
    ``count`` members (the cells' upper bounds, ``kth_at_most``). A cell whose upper bound is
    past that distance is quartered down to STRADDLE_READ_MAX members. ``ratio``: 1 for
    distances on Redis's sphere (measured with its haversine), ELLIPSOID_PER_SPHERE_MIN for
    geodesics on WGS 84 (every geodesic is at least that multiple of the sphere's distance).
    """
    summary = geo_set.summary()
    if summary is None:
        return None
    level, cells, counts = summary
    limit = limit_m if limit_m > 0 else math.inf
    heap = []

    def push(cell_level, cell_ids, cell_counts, recorded=False):
        boxes = cell_boxes(cell_level, cell_ids)
        sphere_bounds = sphere_lower_bounds(cell_level, cell_ids, lon, lat, boxes)
        if ratio == 1.0:
            bounds = sphere_bounds
            uppers = sphere_upper_bounds(cell_level, cell_ids, lon, lat, boxes)
        elif recorded:
            # the recorded cells are too big for their centres' bounds to help, and too many
            # to measure a geodesic to each: the sphere's bounds times the ratios
            bounds = ellipsoid_ratios(cell_level, cell_ids, lat, boxes) * sphere_bounds
            uppers = ELLIPSOID_PER_SPHERE_MAX * sphere_upper_bounds(
                cell_level, cell_ids, lon, lat, boxes
            )
        else:
            bounds, uppers = ellipsoid_bounds(cell_level, cell_ids, lon, lat, sphere_bounds, boxes)
        members = np.asarray(cell_counts, dtype=np.int64)
        keep = (members > 0) & (bounds <= limit)
        entries = zip(
            bounds[keep].tolist(),
            itertools.repeat(cell_level),
            cell_ids[keep].tolist(),
            members[keep].tolist(),
            uppers[keep].tolist(),
        )
        if heap:
            for entry in entries:
                heapq.heappush(heap, entry)
        else:  # the recorded cells: hundreds at once
            heap.extend(entries)
            heapq.heapify(heap)
        pushed.append((uppers, members.astype(np.float64)))

    def kth_at_most():
        """A distance the ``count``-th nearest member is within: the ``count``-th of the
        distances found and of the upper bounds of the cells pushed since the last call, each
        counted as often as the cell has members (those cells are disjoint, and none of them
        has been read)."""
        found = found_distances[0] if found_distances else np.empty(0)
        if len(found) > count:
            found = np.partition(found, count - 1)[:count]
        values = np.concatenate([found, *(uppers for uppers, _ in pushed)])
        weights = np.concatenate([np.ones(len(found)), *(counts for _, counts in pushed)])
        pushed.clear()
        order = np.argsort(values)
        reached = np.searchsorted(np.cumsum(weights[order]), count)
        return float(values[order[reached]]) if reached < len(values) else math.inf

    pushed = []
    push(level, cells, counts.tolist(), recorded=True)
    gaps = gap_ranges(level, cells)
    found_members, found_scores, found_distances = [], [], []
    kth = math.inf
    first = True
    # the cells left to read or split: those nearer than ``kth`` (the ``count``-th distance
    # found) and than ``at_most`` (any distance proven to hold ``count`` members: every
    # member within it is then found or in the heap)
    at_most = kth_at_most()
    while (heap and heap[0][0] < kth and heap[0][0] <= at_most) or first:
        splits, reads, read_members = [], [], 0
        while (
            heap
            and heap[0][0] < kth
            and heap[0][0] <= at_most
            and len(splits) < BATCH
            and len(reads) < BATCH
        ):
            entry = heapq.heappop(heap)
            _bound, cell_level, cell, members, upper = entry
            if cell_level < GEO_STEP and (
                members > READ_MAX or (members > STRADDLE_READ_MAX and upper > min(kth, at_most))
            ):
                splits.append(entry)
            else:
                reads.append(entry)
                read_members += members
                if kth == math.inf and read_members >= 2 * count:
                    break
        quarters = []
        counted = []  # score_range in Python integers: these are a few cells at a time
        for _bound, cell_level, cell, _members, _upper in splits:
            quarters.append((cell_level + 1, np.arange(4 * cell, 4 * cell + 4, dtype=np.uint64)))
            shift = 52 - 2 * (cell_level + 1)
            counted += [((4 * cell + i) << shift, (4 * cell + i + 1) << shift) for i in range(4)]
        read = [
            (cell << (52 - 2 * cell_level), (cell + 1) << (52 - 2 * cell_level))
            for _b, cell_level, cell, _m, _u in reads
        ]
        replies = geo_set.read_score_ranges((gaps if first else []) + counted, read)
        if replies is None:
            return None
        tallies, ranges = replies
        if first:
            if any(tallies[: len(gaps)]):
                return None  # a member outside the recorded cells: the summary is stale
            tallies = tallies[len(gaps) :]
            first = False
        by_level = {}  # one bounds computation per level of the quarters
        at = 0
        for child_level, ids in quarters:
            ids_so_far, tallies_so_far = by_level.setdefault(child_level, ([], []))
            ids_so_far.append(ids)
            tallies_so_far.extend(tallies[at : at + len(ids)])
            at += len(ids)
        for child_level, (ids, child_tallies) in by_level.items():
            push(child_level, np.concatenate(ids), child_tallies)
        batch_members = [m for members, _scores in ranges for m in members]
        if batch_members:
            scores = np.concatenate([values for _members, values in ranges])
            member_lon, member_lat = decode_scores(scores)
            if ratio == 1.0:
                distance = haversine_m(lon, lat, member_lon, member_lat)
            else:
                distance = geodesic_m(lon, lat, member_lon, member_lat)
            found_members.extend(batch_members)
            found_scores.append(scores)
            found_distances.append(distance)
        if found_distances:
            distances = np.concatenate(found_distances)
            found_distances = [distances]
            found_scores = [np.concatenate(found_scores)]
            if len(distances) >= count:
                kth = float(np.partition(distances, count - 1)[count - 1])
        at_most = min(at_most, kth_at_most())
    if not found_members:
        return [], np.empty(0), np.empty(0), np.empty(0)
    distances, scores = found_distances[0], found_scores[0]
    ranks = np.argsort(distances, kind="stable")
    ranks = ranks[distances[ranks] <= limit][:count]
    member_lon, member_lat = decode_scores(scores[ranks])
    return [found_members[i] for i in ranks.tolist()], member_lon, member_lat, distances[ranks]
