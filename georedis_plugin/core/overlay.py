"""Intersections computed as QgsOverlayUtils::intersection computes them, but vectorized.

Candidate pairs come from an STRtree with the ``intersects`` predicate (what native does with a
spatial index and a prepared ``intersects`` test). Pairs where one valid geometry properly
contains the other need no overlay: the result is the contained geometry. The rest go through
GEOS's intersection (the routine QgsGeometry.intersection calls) on every core; curved
geometries and pairs GEOS fails on go through QgsGeometry.intersection itself. Each result is
then sanitized exactly as QgsOverlayUtils::sanitizeIntersectionResult does.
"""

import numpy as np
import shapely
from qgis.core import QgsGeometry, QgsWkbTypes

from .buffer_ops import is_curved_wkb
from .geometry_io import parallel_map, shapely_from_wkbs, wkb_geometry


class IntersectionError(Exception):
    """GEOS could not intersect a pair (native raises a processing error then too)."""


def shapely_geometries(wkbs):
    """shapely array for ``wkbs``; curved, unreadable or non-finite geometries become None.

    QGIS handles those itself: GEOS throws on NaN coordinates in some tests but not in their
    converse, and QGIS's engine answers "no" where it throws, so only its own calls agree.
    """
    plain = [None if wkb is None or is_curved_wkb(wkb) else wkb for wkb in wkbs]
    geometries = shapely_from_wkbs(plain)
    not_finite = ~np.isfinite(shapely.get_coordinates(geometries)).all(axis=1)
    if not_finite.any():
        owners = np.repeat(np.arange(len(geometries)), shapely.get_num_coordinates(geometries))
        geometries[np.unique(owners[not_finite])] = None
    return geometries


def candidate_pairs(a_geoms, b_geoms, a_indices, cancelled=None, b_tree=None):
    """{a index: [b indices]} for pairs whose geometries intersect, for the given A indices.

    Geometries shapely cannot read (curves) are tested with QGIS's engine instead.
    ``b_tree()``, if given, returns the STRtree of ``b_geoms``, built once for a run whose
    input comes in chunks.
    """
    result = {int(i): [] for i in a_indices}
    if len(a_indices) == 0 or len(b_geoms) == 0:
        return result
    # Each query geometry is prepared once and tested against the tree geometries its box
    # meets, at a cost that grows with the tree geometries' size: the side with the larger
    # geometries queries (intersects is symmetric, so the pairs are native's either way).
    a_subset_indices = np.asarray(a_indices)
    a_subset = a_geoms[a_subset_indices]
    if _mean_size(a_subset) > _mean_size(b_geoms):
        tree = shapely.STRtree(b_geoms) if b_tree is None else b_tree()

        def query(a_positions):
            pairs = tree.query(a_subset[a_positions], predicate="intersects")
            return np.stack([a_subset_indices[a_positions[pairs[0]]], pairs[1]], axis=1)

        queries = np.arange(len(a_subset))
    else:
        tree = shapely.STRtree(a_subset)

        def query(b_positions):
            pairs = tree.query(b_geoms[b_positions], predicate="intersects")
            return np.stack([a_subset_indices[pairs[1]], b_positions[pairs[0]]], axis=1)

        queries = np.arange(len(b_geoms))
    found = parallel_map(query, queries, min_chunk=2, cancelled=cancelled)
    if found is None:
        return None
    for a_index, b_index in found:
        result[int(a_index)].append(int(b_index))
    return result


def candidate_pairs_qgis(a_wkb, b_wkbs, b_boxes):
    """Native's own test (bounding box, then prepared intersects) for one A geometry."""
    geometry = wkb_geometry(a_wkb)
    box = geometry.boundingBox()
    engine = QgsGeometry.createGeometryEngine(geometry.constGet())
    engine.prepareGeometry()
    found = []
    for b_index, (b_wkb, b_box) in enumerate(zip(b_wkbs, b_boxes)):
        if b_box is None or not box.intersects(b_box):
            continue
        other = wkb_geometry(b_wkb)  # kept alive while GEOS reads its constGet()
        if engine.intersects(other.constGet()):
            found.append(b_index)
    return found


def find_candidates(a_wkbs, b_wkbs, a_geoms, b_geoms, unknown, cancelled=None, b_tree=None):
    """{a index: sorted b indices} of the geometries each A geometry of ``unknown`` intersects,
    as native finds them (None when cancelled); ``b_tree`` as for ``candidate_pairs``.

    Geometries shapely cannot read (curves) are tested with QGIS's engine instead.
    """
    readable_a = [a for a in unknown if a_geoms[a] is not None]
    found = candidate_pairs(a_geoms, b_geoms, readable_a, cancelled, b_tree)
    if found is None:
        return None
    curved_b = [b for b in range(len(b_wkbs)) if b_geoms[b] is None]
    curved_a = [a for a in unknown if a_geoms[a] is None]
    if curved_a or curved_b:
        boxes = [wkb_geometry(wkb).boundingBox() for wkb in b_wkbs]
        for a in curved_a:
            found[a] = candidate_pairs_qgis(a_wkbs[a], b_wkbs, boxes)
        if curved_b:
            curved_wkbs = [b_wkbs[b] for b in curved_b]
            curved_boxes = [boxes[b] for b in curved_b]
            for a in readable_a:
                extra = candidate_pairs_qgis(a_wkbs[a], curved_wkbs, curved_boxes)
                found[a] = found[a] + [curved_b[i] for i in extra]
    return {a: sorted(b) for a, b in found.items()}


VALIDITY_OP = "validity"


def geometry_validity(wkbs, digests, cache, cancelled=None):
    """isGeosValid() of each geometry, as QGIS's invalid-feature filter tests it.

    Validity depends on the geometry alone, so it is cached by WKB digest; the misses are
    tested with GEOS on every core (curved geometries by QGIS itself).
    """
    key_of = cache.key_function(VALIDITY_OP, 1, {})
    keys = [key_of(digest) for digest in digests]
    known = cache.get_values(keys, lambda value: value in (b"0", b"1"), count=False)
    missing = [i for i, value in enumerate(known) if value is None]
    if missing:
        geometries = shapely_geometries([wkbs[i] for i in missing])
        flags = parallel_map(shapely.is_valid, geometries, cancelled=cancelled)
        if flags is None:
            return None
        for position, index in enumerate(missing):
            if geometries[position] is None:
                valid = wkb_geometry(wkbs[index]).isGeosValid()
            else:
                valid = bool(flags[position])
            known[index] = b"1" if valid else b"0"
        cache.set_many([(keys[i], known[i]) for i in missing])
    return [value == b"1" for value in known]


def sanitize(geometry: QgsGeometry, geometry_type):
    """QgsOverlayUtils::sanitizeIntersectionResult: multi WKB to write, or None to drop."""
    if geometry.isNull():
        raise IntersectionError(geometry.lastError())
    if QgsWkbTypes.flatType(geometry.wkbType()) == QgsWkbTypes.Type.GeometryCollection:
        # as native, unchecked: what it could not convert is tested just below
        geometry.convertGeometryCollectionToSubclass(geometry_type)  # noqa: QGS201
        if geometry.isEmpty():
            return None
    if QgsWkbTypes.geometryType(geometry.wkbType()) != geometry_type:
        return None
    # as native, unchecked: False only for a null geometry (raised above)
    geometry.convertToMultiType()  # noqa: QGS201
    return bytes(geometry.asWkb())


def geometry_parameters(grid_size):
    """QgsGeometryParameters with the grid size (QGIS >= 3.28, which has GRID_SIZE)."""
    from qgis.core import QgsGeometryParameters

    parameters = QgsGeometryParameters()
    parameters.setGridSize(grid_size)
    return parameters


def qgis_intersection(a_wkb, b_wkb, geometry_type, grid_size=None):
    """QgsGeometry.intersection of one pair, sanitized; with the grid size native applies."""
    a, b = wkb_geometry(a_wkb), wkb_geometry(b_wkb)
    if grid_size is None:
        return sanitize(a.intersection(b), geometry_type)
    return sanitize(a.intersection(b, geometry_parameters(grid_size)), geometry_type)


def _contains_properly_where(mask, containers, contained):
    """contains_properly tested only where ``mask`` holds (valid polygons), False elsewhere."""
    result = np.zeros(len(mask), dtype=bool)
    if mask.any():
        result[mask] = shapely.contains_properly(containers[mask], contained[mask])
    return result


def _mean_size(geometries) -> float:
    """Mean number of coordinates (0 for no geometries; missing ones count as 0)."""
    if len(geometries) == 0:
        return 0.0
    return float(np.mean(shapely.get_num_coordinates(geometries)))


def _is_polygonal(geometries):
    type_ids = shapely.get_type_id(geometries)
    return (type_ids == shapely.GeometryType.POLYGON) | (
        type_ids == shapely.GeometryType.MULTIPOLYGON
    )


def _validity_of(geometries, indices, cancelled, known=False):
    """Boolean array over ``geometries`` (False where not computed or unreadable)."""
    valid = np.zeros(len(geometries), dtype=bool)
    if known:
        valid[indices] = ~shapely.is_missing(geometries[indices])
        return valid
    flags = parallel_map(shapely.is_valid, geometries[indices], cancelled=cancelled)
    if flags is None:
        return None
    valid[indices] = flags
    return valid


def intersect_pairs(
    a_wkbs,
    b_wkbs,
    a_geoms,
    b_geoms,
    pairs,
    geometry_type,
    cancelled=None,
    known_valid=(0, 0),
    progress=None,
    grid_size=None,
):
    """Sanitized multi WKB (or None when native drops the result) for each (a, b) pair.

    With a ``grid_size`` (> 0), intersections are computed on that precision grid, with
    GEOSIntersectionPrec as QGIS does for native:intersection's GRID_SIZE.

    ``known_valid`` says, for A and B, whether every geometry is known to be GEOS-valid
    (the invalid-geometry filter tested them), which spares testing them again.
    ``progress(fraction)`` is told how much of the computation is done.
    Returns None when ``cancelled()`` became true; raises IntersectionError like native.
    """
    if not pairs:
        return []
    output_dimension = 3
    pair_array = np.asarray(pairs, dtype=np.int64)
    a_unique, b_unique = np.unique(pair_array[:, 0]), np.unique(pair_array[:, 1])
    # validity once per geometry, not per pair: only valid pairs may take the shortcut
    a_valid = _validity_of(a_geoms, a_unique, cancelled, known_valid[0])
    b_valid = _validity_of(b_geoms, b_unique, cancelled, known_valid[1])
    if a_valid is None or b_valid is None:
        return None
    # The larger geometries are prepared: a containment test against a prepared container
    # is cheap, while an unprepared one is prepared anew for every pair.
    group_side = 0 if _mean_size(a_geoms[a_unique]) > _mean_size(b_geoms[b_unique]) else 1
    shapely.prepare(a_geoms[a_unique] if group_side == 0 else b_geoms[b_unique])
    left = a_geoms[pair_array[:, 0]]
    right = b_geoms[pair_array[:, 1]]
    valid_pair = a_valid[pair_array[:, 0]] & b_valid[pair_array[:, 1]]
    readable = ~(shapely.is_missing(left) | shapely.is_missing(right))
    results = [None] * len(pairs)
    slow = [int(i) for i in np.flatnonzero(~readable)]
    fast = np.flatnonzero(readable)

    def compute(positions):
        a_part, b_part = left[positions], right[positions]
        valid = valid_pair[positions]
        out = np.empty(len(positions), dtype=object)
        # The shortcut is exact only between polygons: GEOS's overlay also nodes lines,
        # removes repeated points and takes missing Z from the other operand.
        # (not on a precision grid: the grid moves the contained geometry's vertices too)
        polygonal = valid & _is_polygonal(a_part) & _is_polygonal(b_part) & (grid_size is None)
        a_z, b_z = shapely.has_z(a_part), shapely.has_z(b_part)
        inside_b = _contains_properly_where(polygonal & (a_z | ~b_z), b_part, a_part)
        inside_a = _contains_properly_where(polygonal & ~inside_b & (b_z | ~a_z), a_part, b_part)
        out[inside_b] = a_part[inside_b]
        out[inside_a] = b_part[inside_a]
        rest = ~(inside_a | inside_b)
        try:
            out[rest] = shapely.intersection(a_part[rest], b_part[rest], grid_size=grid_size)
        except shapely.errors.GEOSException:
            for n in np.flatnonzero(rest):
                try:
                    out[n] = shapely.intersection(a_part[n], b_part[n], grid_size=grid_size)
                except shapely.errors.GEOSException:
                    out[n] = None  # handed to QGIS below, which reports the error
        return out

    # A prepared geometry builds its indexes lazily and must not be shared between threads:
    # all pairs of one prepared geometry go to the same chunk.
    group = pair_array[:, group_side]
    order = fast[np.argsort(group[fast], kind="stable")]
    computed_sorted = parallel_map(
        compute, order, cancelled=cancelled, group_keys=group[order], progress=progress
    )
    if computed_sorted is None:
        return None
    computed = np.empty(len(fast), dtype=object)
    position_in_fast = {int(p): n for n, p in enumerate(fast)}
    for value, position in zip(computed_sorted, order):
        computed[position_in_fast[int(position)]] = value
    wkbs = shapely.to_wkb(computed, flavor="iso", output_dimension=output_dimension)
    # QGIS reads an empty GEOS polygon back with an empty ring, which shapely's WKB lacks:
    # empty results (rare, as candidates intersect; a grid can collapse them) go through QGIS
    empty = shapely.is_empty(computed)
    for position, wkb, is_empty in zip(fast, wkbs, empty):
        if wkb is None or is_empty:
            slow.append(int(position))
            continue
        results[position] = sanitize(wkb_geometry(wkb), geometry_type)
    for position in slow:
        if cancelled is not None and cancelled():
            return None
        a_index, b_index = pairs[position]
        results[position] = qgis_intersection(
            a_wkbs[a_index], b_wkbs[b_index], geometry_type, grid_size
        )
    return results
