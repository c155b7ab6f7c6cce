"""Redis's 52-bit geohash in numpy: the scores GEOADD stores and the positions GEOPOS reports.

Hand-written because neither Redis nor redis-py scores points in bulk: the loader computes the
scores itself and sends ZADD, several times faster than GEOADD (scripts/bench_geoset.py).
Checked against GEOADD / GEOPOS in tests/test_geoset_core.py.
"""

import numpy as np

LAT_LIMIT = 85.05112878
LON_LIMIT = 180.0
GEO_STEP = 26

_SPREAD_MASKS = (
    (16, 0x0000FFFF0000FFFF),
    (8, 0x00FF00FF00FF00FF),
    (4, 0x0F0F0F0F0F0F0F0F),
    (2, 0x3333333333333333),
    (1, 0x5555555555555555),
)


def _spread(values: np.ndarray) -> np.ndarray:
    """Bit i of each 32-bit value moves to bit 2i (Redis's interleave64 half)."""
    out = values.astype(np.uint64)
    for shift, mask in _SPREAD_MASKS:
        out = (out | (out << np.uint64(shift))) & np.uint64(mask)
    return out


def valid_mask(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """Points GEOADD accepts (NaN fails every comparison, so it is excluded too)."""
    return (lon >= -LON_LIMIT) & (lon <= LON_LIMIT) & (lat >= -LAT_LIMIT) & (lat <= LAT_LIMIT)


def geohash_scores(lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
    """The sorted-set scores GEOADD stores, as uint64, for valid points.

    Same arithmetic as Redis's geohashEncode: offsets scaled to 2^26 steps in double precision,
    truncated to integers, then interleaved with latitude bits at even positions.
    """
    lat_offset = (lat - (-LAT_LIMIT)) / (LAT_LIMIT - (-LAT_LIMIT)) * float(1 << GEO_STEP)
    lon_offset = (lon - (-LON_LIMIT)) / (LON_LIMIT - (-LON_LIMIT)) * float(1 << GEO_STEP)
    return _spread(lat_offset.astype(np.uint32)) | (
        _spread(lon_offset.astype(np.uint32)) << np.uint64(1)
    )


def _squash(values: np.ndarray) -> np.ndarray:
    """The even bits of each value, packed into the low 32 bits (Redis's deinterleave64 half)."""
    out = values & np.uint64(0x5555555555555555)
    for shift, mask in (
        (1, 0x3333333333333333),
        (2, 0x0F0F0F0F0F0F0F0F),
        (4, 0x00FF00FF00FF00FF),
        (8, 0x0000FFFF0000FFFF),
        (16, 0x00000000FFFFFFFF),
    ):
        out = (out | (out >> np.uint64(shift))) & np.uint64(mask)
    return out


def decode_scores(scores: np.ndarray) -> tuple:
    """(lon, lat) of geohash scores: the positions GEOPOS / WITHCOORD report.

    (Those print them with 17 decimals; these are the exact doubles before printing.)

    Same arithmetic as Redis's geohashDecode + geohashDecodeAreaToLongLat: the centre of the
    2^-26 cell, clamped to the indexable range.
    """
    bits = scores.astype(np.uint64)
    cells = float(1 << GEO_STEP)

    def centre(offsets, low, high):
        offsets = offsets.astype(np.float64)
        minimum = low + (offsets * 1.0 / cells) * (high - low)
        maximum = low + ((offsets + 1) * 1.0 / cells) * (high - low)
        return np.clip((minimum + maximum) / 2, low, high)

    lat = centre(_squash(bits), -LAT_LIMIT, LAT_LIMIT)
    lon = centre(_squash(bits >> np.uint64(1)), -LON_LIMIT, LON_LIMIT)
    return lon, lat
