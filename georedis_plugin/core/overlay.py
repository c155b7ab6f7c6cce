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
from .geometry_io import parallel_map, shapely_from_wkbs


class IntersectionError(Exception):
    """GEOS could not intersect a pair (native raises a processing error then too)."""


def shapely_geometries(wkbs):
    """shapely array for ``wkbs``; curved or unreadable geometries become None."""
    plain = [None if wkb is None or is_curved_wkb(wkb) else wkb for wkb in wkbs]
    return shapely_from_wkbs(plain)


def candidate_pairs(a_geoms, b_geoms, a_indices, cancelled=None):
    """{a index: [b indices]} for pairs whose geometries intersect, for the given A indices.

    Geometries shapely cannot read (curves) are tested with QGIS's engine instead.
    """
    result = {int(i): [] for i in a_indices}
    if len(a_indices) == 0 or len(b_geoms) == 0:
        return result
    tree = shapely.STRtree(b_geoms)
    a_subset = a_geoms[np.asarray(a_indices)]

    def query(chunk_positions):
        pairs = tree.query(a_subset[chunk_positions], predicate="intersects")
        return np.stack([chunk_positions[pairs[0]], pairs[1]], axis=1)

    positions = np.arange(len(a_subset))
    found = parallel_map(query, positions, cancelled=cancelled)
    if found is None:
        return None
    for position, b_index in found:
        result[int(a_indices[position])].append(int(b_index))
    return result


def candidate_pairs_qgis(a_wkb, b_wkbs, b_boxes):
    """Native's own test (bounding box, then prepared intersects) for one A geometry."""
    geometry = QgsGeometry()
    geometry.fromWkb(a_wkb)
    box = geometry.boundingBox()
    engine = QgsGeometry.createGeometryEngine(geometry.constGet())
    engine.prepareGeometry()
    found = []
    for b_index, (b_wkb, b_box) in enumerate(zip(b_wkbs, b_boxes)):
        if b_box is None or not box.intersects(b_box):
            continue
        other = QgsGeometry()
        other.fromWkb(b_wkb)
        if engine.intersects(other.constGet()):
            found.append(b_index)
    return found


def sanitize(geometry: QgsGeometry, geometry_type):
    """QgsOverlayUtils::sanitizeIntersectionResult: multi WKB to write, or None to drop."""
    if geometry.isNull():
        raise IntersectionError(geometry.lastError())
    if QgsWkbTypes.flatType(geometry.wkbType()) == QgsWkbTypes.Type.GeometryCollection:
        geometry.convertGeometryCollectionToSubclass(geometry_type)
        if geometry.isEmpty():
            return None
    if QgsWkbTypes.geometryType(geometry.wkbType()) != geometry_type:
        return None
    geometry.convertToMultiType()
    return bytes(geometry.asWkb())


def qgis_intersection(a_wkb, b_wkb, geometry_type):
    a, b = QgsGeometry(), QgsGeometry()
    a.fromWkb(a_wkb)
    b.fromWkb(b_wkb)
    return sanitize(a.intersection(b), geometry_type)


def intersect_pairs(a_wkbs, b_wkbs, a_geoms, b_geoms, pairs, geometry_type, cancelled=None):
    """Sanitized multi WKB (or None when native drops the result) for each (a, b) pair.

    Returns None when ``cancelled()`` became true; raises IntersectionError like native.
    """
    if not pairs:
        return []
    output_dimension = 3
    pair_array = np.asarray(pairs, dtype=np.int64)
    left = a_geoms[pair_array[:, 0]]
    right = b_geoms[pair_array[:, 1]]
    readable = ~(shapely.is_missing(left) | shapely.is_missing(right))
    results = [None] * len(pairs)
    slow = [int(i) for i in np.flatnonzero(~readable)]
    fast = np.flatnonzero(readable)

    def compute(positions):
        a_part, b_part = left[positions], right[positions]
        valid = shapely.is_valid(a_part) & shapely.is_valid(b_part)
        out = np.empty(len(positions), dtype=object)
        inside_b = valid & shapely.contains_properly(b_part, a_part)
        inside_a = valid & ~inside_b & shapely.contains_properly(a_part, b_part)
        out[inside_b] = a_part[inside_b]
        out[inside_a] = b_part[inside_a]
        rest = ~(inside_a | inside_b)
        try:
            out[rest] = shapely.intersection(a_part[rest], b_part[rest])
        except shapely.errors.GEOSException:
            for n in np.flatnonzero(rest):
                try:
                    out[n] = shapely.intersection(a_part[n], b_part[n])
                except shapely.errors.GEOSException:
                    out[n] = None  # handed to QGIS below, which reports the error
        return out

    computed = parallel_map(compute, fast, min_chunk=8, cancelled=cancelled)
    if computed is None:
        return None
    wkbs = shapely.to_wkb(computed, flavor="iso", output_dimension=output_dimension)
    for position, wkb in zip(fast, wkbs):
        if wkb is None:
            slow.append(int(position))
            continue
        geometry = QgsGeometry()
        geometry.fromWkb(wkb)
        results[position] = sanitize(geometry, geometry_type)
    for position in slow:
        if cancelled is not None and cancelled():
            return None
        a_index, b_index = pairs[position]
        results[position] = qgis_intersection(a_wkbs[a_index], b_wkbs[b_index], geometry_type)
    return results
