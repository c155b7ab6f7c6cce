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


def qgs_to_wkb(geometry: QgsGeometry):
    """ISO WKB of a QGIS geometry, or None for a null geometry."""
    if geometry is None or geometry.isNull():
        return None
    return bytes(geometry.asWkb())


def wkb_to_qgs(wkb) -> QgsGeometry:
    geometry = QgsGeometry()
    if wkb:
        geometry.fromWkb(wkb)
    return geometry


def shapely_from_wkbs(wkbs) -> np.ndarray:
    """Array of shapely geometries (None stays None; unparseable WKB becomes None)."""
    array = np.empty(len(wkbs), dtype=object)
    array[:] = list(wkbs)
    return shapely.from_wkb(array, on_invalid="ignore")


def shapely_to_wkbs(geometries: np.ndarray, output_dimension: int = 2) -> list:
    """ISO WKB (what QGIS itself writes) per geometry; None stays None."""
    return list(shapely.to_wkb(geometries, flavor="iso", output_dimension=output_dimension))


def parallel_map(function, array: np.ndarray, min_chunk: int = 64) -> np.ndarray:
    """``function(array)`` computed on chunks in WORKERS threads; same result, element-wise."""
    if WORKERS == 1 or len(array) < 2 * min_chunk:
        return function(array)
    chunks = np.array_split(array, WORKERS)
    with ThreadPoolExecutor(WORKERS) as pool:
        results = list(pool.map(function, chunks))
    return np.concatenate(results)
