"""Clip and difference as native:clip and native:difference compute them, per input geometry.

native:clip intersects each input geometry with the union of the whole overlay (or keeps it
whole when that union contains it); native:difference subtracts from each input geometry the
union of the overlay geometries it intersects. Either result depends only on the overlay
geometries that intersect the input geometry, so here each input geometry meets the union of
those alone: one GEOS unary union (what QgsGeometry::unaryUnion calls) per distinct set of
overlay geometries, then GEOS's intersection or difference, on every core. A result is thus
cached by its input geometry and the overlay geometries it touches. Curved geometries go
through QgsGeometry itself; results are sanitized as QgsOverlayUtils does for each algorithm.
"""

from functools import cache

import numpy as np
import shapely
from qgis.core import QgsGeometry, QgsWkbTypes

from .geometry_io import parallel_map, wkb_geometry

# outcome of an input geometry that native writes without a geometry (difference only)
NULL_GEOMETRY = "null"


class OverlayError(Exception):
    """GEOS failed where native reports an error; ``step`` is "union" or "intersection"."""

    def __init__(self, step: str, message: str):
        super().__init__(message)
        self.step = step


def _collection_fixed(geometry: QgsGeometry, geometry_type) -> QgsGeometry:
    if QgsWkbTypes.flatType(geometry.wkbType()) == QgsWkbTypes.Type.GeometryCollection:
        # as native, unchecked: what it could not convert is tested by the caller
        geometry.convertGeometryCollectionToSubclass(geometry_type)  # noqa: QGS201
    return geometry


def _to_layer_type(geometry: QgsGeometry, geometry_type) -> bytes:
    # points are not promoted (QgsOverlayUtils::DontPromotePointGeometryToMultiPoint)
    if geometry_type != QgsWkbTypes.GeometryType.PointGeometry:
        # as native, unchecked: False only for a null geometry, excluded before
        geometry.convertToMultiType()  # noqa: QGS201
    return bytes(geometry.asWkb())


def sanitize_clip(geometry: QgsGeometry, geometry_type):
    """QgsOverlayUtils::sanitizeIntersectionResult as native:clip calls it: WKB or None."""
    if geometry.isNull():
        raise OverlayError("intersection", geometry.lastError())
    if QgsWkbTypes.flatType(geometry.wkbType()) == QgsWkbTypes.Type.GeometryCollection:
        _collection_fixed(geometry, geometry_type)
        if geometry.isEmpty():
            return None
    if QgsWkbTypes.geometryType(geometry.wkbType()) != geometry_type:
        return None
    return _to_layer_type(geometry, geometry_type)


def sanitize_difference(geometry: QgsGeometry, geometry_type):
    """QgsOverlayUtils' sanitizeDifferenceResult: WKB, None (dropped) or NULL_GEOMETRY.

    A null result (GEOS gives QGIS nothing back) is written without a geometry, as native
    writes it.
    """
    if geometry.isNull():
        return NULL_GEOMETRY
    _collection_fixed(geometry, geometry_type)
    if geometry.isEmpty():
        return None
    return _to_layer_type(geometry, geometry_type)


@cache
def empty_difference_outcome(dimension: int, geometry_type):
    """What native makes of a GEOS difference that came out empty, asked of QGIS itself.

    QGIS reads an empty GEOS point back as a null geometry (which native writes without a
    geometry) and an empty line or polygon as an empty one (which native drops); asking the
    running QGIS once per dimension keeps this true whatever a QGIS release does.
    """
    proxy = ("Point (1 1)", "LineString (1 1, 2 2)", "Polygon ((1 1, 2 1, 2 2, 1 1))")[dimension]
    cover = QgsGeometry.fromWkt("Polygon ((0 0, 3 0, 3 3, 0 3, 0 0))")
    return sanitize_difference(QgsGeometry.fromWkt(proxy).difference(cover), geometry_type)


def _unary_union(wkbs, grid_size=None) -> QgsGeometry:
    geometries = [wkb_geometry(wkb) for wkb in wkbs]
    if grid_size is None:
        return QgsGeometry.unaryUnion(geometries)
    from .overlay import geometry_parameters

    return QgsGeometry.unaryUnion(geometries, geometry_parameters(grid_size))


def qgis_clip(a_wkb, overlay_wkbs, geometry_type, single_overlay):
    """native:clip's computation for one input geometry, with QgsGeometry (curves)."""
    a = wkb_geometry(a_wkb)
    if single_overlay:
        union = wkb_geometry(overlay_wkbs[0])
    else:
        union = _unary_union(overlay_wkbs)
        if union.isEmpty():
            raise OverlayError("union", union.lastError())
    engine = QgsGeometry.createGeometryEngine(union.constGet())
    engine.prepareGeometry()
    if not engine.intersects(a.constGet()):
        return None
    if engine.contains(a.constGet()):
        return sanitize_clip(a, geometry_type)
    return sanitize_clip(_intersection_as_clip(union, a), geometry_type)


def _intersection_as_clip(union: QgsGeometry, a: QgsGeometry) -> QgsGeometry:
    result = union.intersection(a)
    flat = QgsWkbTypes.flatType(result.wkbType())
    if result.wkbType() == QgsWkbTypes.Type.Unknown or flat == QgsWkbTypes.Type.GeometryCollection:
        # native's way of keeping only the input's dimension of a mixed result
        result = a.combine(result).difference(a.symDifference(result))
    return result


def qgis_difference(a_wkb, overlay_wkbs, geometry_type, grid_size=None):
    """native:difference's computation for one input geometry, with QgsGeometry (curves)."""
    a = wkb_geometry(a_wkb)
    if overlay_wkbs:
        union = _unary_union(overlay_wkbs, grid_size)
        if union.lastError():
            raise OverlayError("union", union.lastError())
        if grid_size is None:
            a = a.difference(union)
        else:
            from .overlay import geometry_parameters

            a = a.difference(union, geometry_parameters(grid_size))
    return sanitize_difference(a, geometry_type)


def _group_unions(b_geoms, overlay_sets, grid_size, cancelled):
    """One GEOS unary union per distinct set of overlay indices, computed on every core."""
    sets = list(overlay_sets)

    def unite(positions):
        out = np.empty(len(positions), dtype=object)
        for n, position in enumerate(positions):
            try:
                out[n] = shapely.union_all(b_geoms[list(sets[position])], grid_size=grid_size)
            except shapely.errors.GEOSException as exc:
                raise OverlayError("union", str(exc)) from exc
        return out

    unions = parallel_map(unite, np.arange(len(sets)), min_chunk=1, cancelled=cancelled)
    if unions is None:
        return None
    return dict(zip(sets, unions))


def _jobs_by_set(jobs):
    """The overlay set of each job (a tuple) and the job positions sorted by set."""
    keys = [tuple(overlays) for _, overlays in jobs]
    distinct = {key: n for n, key in enumerate(sorted(set(keys)))}
    set_ids = np.array([distinct[key] for key in keys], dtype=np.int64)
    return keys, np.argsort(set_ids, kind="stable")


def clip_many(
    a_wkbs, b_wkbs, a_geoms, b_geoms, jobs, geometry_type, single_overlay, cancelled=None,
    progress=None,
):  # fmt: skip
    """native:clip's result (multi WKB, or None when dropped) of each (a, [b indices]) job.

    ``single_overlay``: the overlay has one geometry, which native uses without a union.
    Raises OverlayError where GEOS fails; None when ``cancelled()`` became true.
    """
    if not jobs:
        return []
    results = [None] * len(jobs)
    fast = [
        n for n, (a, overlays) in enumerate(jobs)
        if a_geoms[a] is not None and all(b_geoms[b] is not None for b in overlays)
    ]  # fmt: skip
    fast_set = set(fast)
    slow = [n for n in range(len(jobs)) if n not in fast_set]
    fast_jobs = [jobs[n] for n in fast]
    keys, order = _jobs_by_set(fast_jobs)
    if single_overlay:
        unions = {key: b_geoms[key[0]] for key in set(keys)}
    else:
        unions = _group_unions(b_geoms, set(keys), None, cancelled)
        if unions is None:
            return None

    def compute(positions):
        # A prepared geometry must not be shared between threads: each chunk prepares its
        # own copy of the unions it meets (few, as jobs come sorted by union).
        local = {}
        out = np.empty(len(positions), dtype=object)
        for n, position in enumerate(positions):
            a, _ = fast_jobs[position]
            union = local.get(keys[position])
            if union is None:
                union = local[keys[position]] = shapely.from_wkb(
                    shapely.to_wkb(unions[keys[position]])
                )
                shapely.prepare(union)
            try:
                if not shapely.intersects(union, a_geoms[a]):
                    out[n] = False
                elif shapely.contains(union, a_geoms[a]):
                    out[n] = True
                else:
                    out[n] = shapely.intersection(union, a_geoms[a])
            except shapely.errors.GEOSException:
                out[n] = None  # done by QGIS below, which reports the error
        return out

    computed = []
    if len(order):
        computed = parallel_map(compute, order, cancelled=cancelled, progress=progress)
    if computed is None:
        return None
    for value, position in zip(computed, order):
        n = fast[position]
        a, _ = jobs[n]
        if value is False:
            continue
        if value is True:  # the union contains the input geometry: kept as it is
            results[n] = sanitize_clip(wkb_geometry(a_wkbs[a]), geometry_type)
            continue
        if value is None or shapely.is_empty(value) or _is_collection(value):
            slow.append(n)
            continue
        wkb = shapely.to_wkb(value, flavor="iso", output_dimension=3)
        results[n] = sanitize_clip(wkb_geometry(wkb), geometry_type)
    for n in slow:
        if cancelled is not None and cancelled():
            return None
        a, overlays = jobs[n]
        results[n] = qgis_clip(
            a_wkbs[a], [b_wkbs[b] for b in overlays], geometry_type, single_overlay
        )
    return results


def difference_many(
    a_wkbs, b_wkbs, a_geoms, b_geoms, jobs, geometry_type, grid_size=None, cancelled=None,
    progress=None,
):  # fmt: skip
    """native:difference's result of each (a, [b indices]) job: multi WKB, None (dropped) or
    NULL_GEOMETRY (written without a geometry).

    With a ``grid_size`` (> 0) the union and the difference are computed on that grid, as
    native does for GRID_SIZE. Raises OverlayError where GEOS fails; None when cancelled.
    """
    results = [None] * len(jobs)
    slow = []
    fast = []
    for n, (a, overlays) in enumerate(jobs):
        if not overlays:
            # nothing to subtract: native sanitizes the input geometry itself
            results[n] = sanitize_difference(wkb_geometry(a_wkbs[a]), geometry_type)
        elif a_geoms[a] is not None and all(b_geoms[b] is not None for b in overlays):
            fast.append(n)
        else:
            slow.append(n)
    fast_jobs = [jobs[n] for n in fast]
    keys, order = _jobs_by_set(fast_jobs)
    unions = _group_unions(b_geoms, set(keys), grid_size, cancelled) if fast_jobs else {}
    if unions is None:
        return None

    def compute(positions):
        a_part = a_geoms[[fast_jobs[p][0] for p in positions]]
        u_part = np.empty(len(positions), dtype=object)
        u_part[:] = [unions[keys[p]] for p in positions]
        try:
            return shapely.difference(a_part, u_part, grid_size=grid_size)
        except shapely.errors.GEOSException:
            out = np.empty(len(positions), dtype=object)
            for n in range(len(positions)):
                try:
                    out[n] = shapely.difference(a_part[n], u_part[n], grid_size=grid_size)
                except shapely.errors.GEOSException:
                    out[n] = None  # done by QGIS below
            return out

    computed = []
    if len(order):
        computed = parallel_map(compute, order, cancelled=cancelled, progress=progress)
    if computed is None:
        return None
    for value, position in zip(computed, order):
        n = fast[position]
        if value is None or _is_collection(value):
            slow.append(n)
        elif shapely.is_empty(value):
            dimension = int(shapely.get_dimensions(value))
            results[n] = empty_difference_outcome(dimension, geometry_type)
        else:
            wkb = shapely.to_wkb(value, flavor="iso", output_dimension=3)
            results[n] = sanitize_difference(wkb_geometry(wkb), geometry_type)
    for n in slow:
        if cancelled is not None and cancelled():
            return None
        a, overlays = jobs[n]
        results[n] = qgis_difference(
            a_wkbs[a], [b_wkbs[b] for b in overlays], geometry_type, grid_size
        )
    return results


def _is_collection(geometry) -> bool:
    return shapely.get_type_id(geometry) == shapely.GeometryType.GEOMETRYCOLLECTION
