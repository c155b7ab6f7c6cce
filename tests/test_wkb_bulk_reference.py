"""The bulk WKB check (``wkb_base_types``) against the per-value walk it replaces, on generated
sound and hostile values: the same answer for every value."""

import random
import struct

import pytest
from qgis.core import QgsGeometry

from georedis_plugin.core.wkb_cache import _VECTOR_MIN_ACTIVE, wkb_base_type, wkb_base_types

SHAPES = [
    "Point (1 2)",
    "PointZ (1 2 3)",
    "PointZM (1 2 3 4)",
    "LineString (0 0, 1 1, 2 0)",
    "LineStringM (0 0 1, 1 1 2)",
    "Polygon ((0 0, 1 0, 1 1, 0 0))",
    "Polygon ((0 0, 9 0, 9 9, 0 0), (1 1, 2 1, 2 2, 1 1))",
    "PolygonZ ((0 0 1, 1 0 1, 1 1 1, 0 0 1))",
    "MultiPoint ((0 0), (1 1))",
    "MultiLineString ((0 0, 1 1), (2 2, 3 3, 4 4))",
    "MultiPolygon (((0 0, 1 0, 1 1, 0 0)), "
    "((5 5, 6 5, 6 6, 5 5), (5.1 5.1, 5.2 5.1, 5.2 5.2, 5.1 5.1)))",
    "MultiPolygonZ (((0 0 1, 1 0 1, 1 1 1, 0 0 1)))",
    "MultiPolygon EMPTY",
    "Polygon EMPTY",
    "GeometryCollection (Point (1 1), LineString (0 0, 1 1))",
]


def wkb(wkt):
    return bytes(QgsGeometry.fromWkt(wkt).asWkb())


def generated_values(seed, count):
    """Sound values, then each damaged at random: cut, extended, bytes flipped, counts blown up,
    byte order swapped, EWKB flags set."""
    rng = random.Random(seed)
    sound = [wkb(w) for w in SHAPES]
    # many small multipolygons too, as a buffer run reads them back
    for n in range(3):
        parts = ", ".join(f"(({i} 0, {i + 1} 0, {i + 1} 1, {i} 0))" for i in range(n + 1))
        sound.append(wkb(f"MultiPolygon ({parts})"))
    values = []
    for _ in range(count):
        value = bytearray(rng.choice(sound))
        kind = rng.randrange(9)
        if kind == 1 and len(value) > 1:
            value = value[: rng.randrange(len(value))]
        elif kind == 2:
            value += bytes(rng.randrange(1, 9))
        elif kind == 3:
            for _ in range(rng.randrange(1, 4)):
                value[rng.randrange(len(value))] = rng.randrange(256)
        elif kind == 4 and len(value) >= 9:
            at = rng.choice([5] + [i for i in range(9, len(value) - 4)] or [5])
            value[at : at + 4] = struct.pack("<I", rng.choice([0, 1, 2, 2**31, 2**32 - 1]))
        elif kind == 5:
            value[0] = rng.choice([0, 2, 255])
        elif kind == 6 and len(value) >= 5:
            (raw,) = struct.unpack_from("<I", value, 1)
            flag = rng.choice([0x80000000, 0x40000000, 0x20000000])
            value[1:5] = struct.pack("<I", raw | flag)
        elif kind == 7:
            value = bytearray(rng.randbytes(rng.randrange(0, 64)))
        values.append(bytes(value))
    return values


@pytest.mark.parametrize("seed", range(6))
def test_bulk_check_gives_the_per_value_answer(qgis_app, seed):
    values = generated_values(seed, 2000)
    expected = [wkb_base_type(v) or 0 for v in values]
    assert list(wkb_base_types(values)) == expected
    assert 0 < expected.count(0) < len(values)  # both kinds were generated


def test_bulk_check_below_the_vector_threshold_and_of_nothing(qgis_app):
    values = generated_values(99, _VECTOR_MIN_ACTIVE - 1)
    assert list(wkb_base_types(values)) == [wkb_base_type(v) or 0 for v in values]
    assert list(wkb_base_types([])) == []
    assert list(wkb_base_types([b"", b""])) == [0, 0]


def test_hostile_counts_are_rejected_in_bulk(qgis_app):
    billions = b"\x01" + struct.pack("<II", 2, 4_000_000_000) + b"\0" * 32
    rings = b"\x01" + struct.pack("<II", 3, 2_000_000_000) + b"\0" * 16
    parts = b"\x01" + struct.pack("<II", 6, 2**32 - 1) + b"\0" * 16
    good = wkb("MultiPolygon (((0 0, 1 0, 1 1, 0 0)))")
    values = [billions, rings, parts, good + b"\0", good[:-1]] * 40 + [good] * 100
    assert list(wkb_base_types(values)) == [0] * 200 + [6] * 100
