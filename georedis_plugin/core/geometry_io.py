"""Moving geometries between QGIS, WKB and shapely, and running shapely work on every core.

shapely 2 releases the GIL inside GEOS, so vectorized operations on chunks of an array run in
parallel threads.
"""

import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely
from qgis.core import QgsGeometry

WORKERS = max(1, min(4, os.cpu_count() or 1))


def wkb_geometry(wkb: bytes) -> QgsGeometry:
    """The QGIS geometry of WKB that QGIS, GEOS or a checked cache value wrote.

    ``fromWkb`` reports no failure on QGIS 3.22 (it returns nothing), and a geometry that did
    not parse is null: that is a failure here, never a silently null feature.
    """
    geometry = QgsGeometry()
    geometry.fromWkb(wkb)
    if geometry.isNull():
        raise ValueError(f"QGIS could not read a {len(wkb)}-byte WKB geometry")
    return geometry


def shapely_from_wkbs(wkbs) -> np.ndarray:
    """Array of shapely geometries (None stays None; unparseable WKB becomes None)."""
    array = np.empty(len(wkbs), dtype=object)
    array[:] = list(wkbs)
    return shapely.from_wkb(array, on_invalid="ignore")


def parallel_map(
    function,
    array: np.ndarray,
    min_chunk: int = 16,
    cancelled=None,
    group_keys=None,
    progress=None,
) -> np.ndarray:
    """``function(array)`` computed on chunks in WORKERS threads; same result, element-wise.

    Many small chunks rather than one per worker: geometry sizes vary by orders of magnitude,
    and small chunks keep both cores busy until the end. ``cancelled()`` is checked between
    chunks; when it returns True the remaining chunks are skipped and None is returned.
    With ``group_keys`` (sorted, one per element), equal keys never straddle two chunks.
    ``progress(fraction)`` is called on the calling thread as chunks complete, in order.
    """
    if len(array) == 0:
        return function(array)
    chunk_count = max(1, min(len(array) // min_chunk, WORKERS * 32))
    if group_keys is None:
        chunks = np.array_split(array, chunk_count)
    else:
        target = -(-len(array) // chunk_count)
        starts = np.flatnonzero(np.r_[True, group_keys[1:] != group_keys[:-1]])
        bounds, last = [0], 0
        for start in starts[1:]:
            if start - last >= target:
                bounds.append(int(start))
                last = start
        chunks = np.split(array, bounds[1:])
        chunk_count = len(chunks)

    def run(chunk):
        if cancelled is not None and cancelled():
            return None
        return function(chunk)

    results, done = [], 0

    def collect(result, chunk):
        nonlocal done
        results.append(result)
        done += len(chunk)
        if progress is not None and result is not None:  # skipped chunks are not progress
            progress(done / len(array))

    if WORKERS == 1 or chunk_count == 1:
        for chunk in chunks:
            collect(run(chunk), chunk)
    else:
        with ThreadPoolExecutor(WORKERS) as pool:
            for result, chunk in zip(pool.map(run, chunks), chunks):
                collect(result, chunk)
    if any(result is None for result in results):
        return None
    return np.concatenate(results)
