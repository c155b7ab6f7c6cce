"""A FlatGeobuf writer for point hits, vectorized with numpy, so QGIS can read them in bulk.

Building tens of thousands of QgsFeatures one by one from Python costs microseconds each;
QGIS's OGR provider reads a FlatGeobuf in C++ instead, and ``materialize`` turns it into a
memory layer. The file (https://flatgeobuf.org, spec v3) is: magic bytes, the size-prefixed
header, no spatial index (``index_node_size`` 0), then one size-prefixed Feature flatbuffer per
point. Every feature has the same layout except the length of its string property, so the
features are numpy records plus a variable-width string column.
"""

import struct
from dataclasses import dataclass

import numpy as np

MAGIC = b"fgb\x03fgb\x00"
POINT = 1  # GeometryType
BOOL, INT, LONG, DOUBLE, STRING = 2, 5, 7, 10, 11  # ColumnType
_FIXED_TYPES = {BOOL: "u1", INT: "<i4", LONG: "<i8", DOUBLE: "<f8"}


@dataclass
class Column:
    """One attribute column: numbers, or UTF-8 ``S`` bytes for STRING; ``present`` False =
    null. ``width`` and ``precision`` (when positive) become the field's length/precision."""

    name: str
    type: int
    values: np.ndarray
    present: np.ndarray = None
    width: int = 0
    precision: int = 0


class _FlatBufferWriter:
    """Writes tables front to back: each table after its vtable, its children after it."""

    def __init__(self):
        self.buf = bytearray(4)  # the root offset, filled by finish()

    def _pad(self, alignment: int) -> None:
        self.buf += b"\0" * (-len(self.buf) % alignment)

    def table(self, fields: list) -> int:
        """``fields``: (slot, struct format or "offset", value or child writer function)."""
        slots = max(slot for slot, _, _ in fields) + 1
        self._pad(2)
        vtable = len(self.buf)
        self.buf += b"\0" * (4 + 2 * slots)
        self._pad(8)
        start = len(self.buf)
        self.buf += struct.pack("<i", start - vtable)
        children = []
        for slot, kind, value in fields:
            size = 4 if kind == "offset" else struct.calcsize("<" + kind)
            self._pad(size)
            position = len(self.buf)
            struct.pack_into("<H", self.buf, vtable + 4 + 2 * slot, position - start)
            if kind == "offset":
                self.buf += b"\0" * 4
                children.append((position, value))
            else:
                self.buf += struct.pack("<" + kind, value)
        struct.pack_into("<HH", self.buf, vtable, 4 + 2 * slots, len(self.buf) - start)
        for position, write_child in children:
            struct.pack_into("<I", self.buf, position, write_child(self) - position)
        return start

    def string(self, text: str) -> int:
        self._pad(4)
        position = len(self.buf)
        data = text.encode("utf-8")
        self.buf += struct.pack("<I", len(data)) + data + b"\0"
        return position

    def tables(self, writers: list) -> int:
        self._pad(4)
        position = len(self.buf)
        self.buf += struct.pack("<I", len(writers)) + b"\0" * (4 * len(writers))
        for index, write_child in enumerate(writers):
            slot = position + 4 + 4 * index
            struct.pack_into("<I", self.buf, slot, write_child(self) - slot)
        return position

    def finish(self, root: int) -> bytes:
        struct.pack_into("<I", self.buf, 0, root)
        return bytes(self.buf)


def _column(name: str, column_type: int, width: int = 0, precision: int = 0):
    fields = [(0, "offset", lambda w: w.string(name)), (1, "B", column_type)]
    # FlatGeobuf describes a decimal number SQL-style, as GDAL reads it back: 'precision'
    # is its total number of digits (QGIS's length), 'scale' those after the point.
    if column_type == DOUBLE:
        width_slot, precision_slot = 5, 6
    else:
        width_slot, precision_slot = 4, 5
    if width > 0:
        # QGIS's OGR provider counts the decimal point in OGR's width and takes one off
        fields.append((width_slot, "i", width + 1 if precision > 0 else width))
    if precision > 0:
        fields.append((precision_slot, "i", precision))
    return lambda w: w.table(fields)


def header(count: int, columns: list, epsg: int = 4326) -> bytes:
    """Magic bytes and the size-prefixed header of a point file.

    ``columns``: (name, type) pairs or Column objects.
    """
    specs = [
        (c.name, c.type, c.width, c.precision) if isinstance(c, Column) else (*c, 0, 0)
        for c in columns
    ]
    writer = _FlatBufferWriter()
    root = writer.table(
        [
            (2, "B", POINT),  # geometry_type
            (7, "offset", lambda w: w.tables([_column(*spec) for spec in specs])),
            (8, "Q", count),  # features_count
            (9, "H", 0),  # index_node_size: no spatial index
            (
                10,
                "offset",
                lambda w: w.table([(0, "offset", lambda w: w.string("EPSG")), (1, "i", epsg)]),
            ),
        ]
    )
    table = writer.finish(root)
    return MAGIC + struct.pack("<I", len(table)) + table


# One feature, after its uint32 size prefix (offsets relative to the feature buffer):
#  0 root offset -> 12 | 4 Feature vtable (8 bytes) | 12 Feature table: vtable offset,
#  geometry -> 32, properties -> 64 | 24 Geometry vtable | 32 Geometry table: vtable offset,
#  xy -> 44 | 44 xy vector [x, y] (doubles 8-aligned at 48) | 64 properties vector: column 1
#  (uint16) and its double, column 0 (uint16), string length (uint32), the string.
# The string comes last and is padded to the longest one: the padding lies after the
# properties vector, where no offset points, so every feature has the same size and the
# features are one numpy record array.
_FEATURE_HEAD = [
    ("size", "<u4"),
    ("root", "<u4"),
    ("feature_vtable", "<u2", 4),
    ("feature_vtable_offset", "<i4"),
    ("geometry", "<u4"),
    ("properties", "<u4"),
    ("geometry_vtable", "<u2", 4),
    ("geometry_vtable_offset", "<i4"),
    ("xy", "<u4"),
    ("padding", "<u4"),
    ("xy_length", "<u4"),
    ("x", "<f8"),
    ("y", "<f8"),
    ("properties_length", "<u4"),
    ("double_column", "<u2"),
    ("double", "<f8"),
    ("string_column", "<u2"),
    ("string_length", "<u4"),
]


def point_features(x: np.ndarray, y: np.ndarray, strings: np.ndarray, doubles: np.ndarray):
    """The features of a file whose columns are (string, double), e.g. member and distance.

    ``strings`` is a numpy bytes array (UTF-8); numpy's ``S`` type drops trailing NUL bytes,
    and so do the lengths written here.
    """
    count = len(x)
    if count == 0:
        return b""
    width = strings.itemsize
    records = np.zeros(count, dtype=np.dtype([*_FEATURE_HEAD, ("string", f"S{width}")]))
    lengths = np.char.str_len(strings)
    records["size"] = records.dtype.itemsize - 4
    records["root"] = 12
    records["feature_vtable"] = (8, 12, 4, 8)
    records["feature_vtable_offset"] = 8
    records["geometry"] = 32 - 16
    records["properties"] = 64 - 20
    records["geometry_vtable"] = (8, 8, 0, 4)  # slot 0 (ends) absent, slot 1 (xy) at 4
    records["geometry_vtable_offset"] = 8
    records["xy"] = 44 - 36
    records["xy_length"] = 2
    records["x"] = x
    records["y"] = y
    records["properties_length"] = 2 + 8 + 2 + 4 + lengths
    records["double_column"] = 1
    records["double"] = doubles
    records["string_column"] = 0
    records["string_length"] = lengths
    records["string"] = strings
    return records.tobytes()


def point_file(
    x: np.ndarray, y: np.ndarray, string_name: str, strings, double_name: str, doubles
) -> bytes:
    """A whole FlatGeobuf of points in EPSG:4326 with one string and one double column."""
    columns = [(string_name, STRING), (double_name, DOUBLE)]
    return header(len(x), columns) + point_features(x, y, strings, doubles)


_HEAD = np.dtype(_FEATURE_HEAD[:14])  # up to the properties vector's length


def point_file_with_columns(x: np.ndarray, y: np.ndarray, columns: list) -> bytes:
    """A whole FlatGeobuf of points in EPSG:4326 with any Columns, nulls left out.

    Each column is a block of bytes per feature (column index, then the value; for strings
    also their length) with a mask of the bytes that exist (a null or a shorter string keeps
    fewer); the features are the masked bytes, row by row.
    """
    count = len(x)
    if count == 0:
        return header(0, columns)
    blocks, masks = [], []
    for index, column in enumerate(columns):
        present = np.ones(count, bool) if column.present is None else column.present
        if column.type == STRING:
            width = column.values.itemsize
            lengths = np.char.str_len(column.values)
            block = np.empty((count, 6 + width), np.uint8)
            block[:, 0:2] = np.frombuffer(struct.pack("<H", index), np.uint8)
            block[:, 2:6] = lengths.astype("<u4").view(np.uint8).reshape(count, 4)
            block[:, 6:] = column.values.view(np.uint8).reshape(count, width)
            mask = np.empty(block.shape, bool)
            mask[:, :6] = present[:, None]
            mask[:, 6:] = present[:, None] & (np.arange(width)[None, :] < lengths[:, None])
        else:
            layout = np.dtype([("column", "<u2"), ("value", _FIXED_TYPES[column.type])])
            records = np.empty(count, layout)
            records["column"] = index
            records["value"] = column.values
            block = records.view(np.uint8).reshape(count, layout.itemsize)
            mask = np.repeat(present[:, None], layout.itemsize, axis=1)
        blocks.append(block)
        masks.append(mask)
    properties = sum(mask.sum(axis=1) for mask in masks)
    heads = np.zeros(count, _HEAD)
    heads["size"] = _HEAD.itemsize - 4 + properties
    heads["root"] = 12
    heads["feature_vtable"] = (8, 12, 4, 8)
    heads["feature_vtable_offset"] = 8
    heads["geometry"] = 32 - 16
    heads["properties"] = 64 - 20
    heads["geometry_vtable"] = (8, 8, 0, 4)
    heads["geometry_vtable_offset"] = 8
    heads["xy"] = 44 - 36
    heads["xy_length"] = 2
    heads["x"] = x
    heads["y"] = y
    heads["properties_length"] = properties
    buffer = np.concatenate([heads.view(np.uint8).reshape(count, -1), *blocks], axis=1)
    keep = np.concatenate([np.ones((count, _HEAD.itemsize), bool), *masks], axis=1)
    return header(count, columns) + buffer[keep].tobytes()
