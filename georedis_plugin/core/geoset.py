"""Geo sets: point layers loaded into Redis sorted sets, searched by radius, box, member, polygon.

Keys of a set named ``name`` share one cluster hash tag so they live on the same slot::

    <prefix>:geo:{<tag>}         the geo set (a sorted set scored by 52-bit geohash)
    <prefix>:geo:{<tag>}:attrs   optional hash member -> JSON array of the feature's attributes
    <prefix>:geo:{<tag>}:meta    hash: source layer, CRS, fields with types, counts, load time

``<tag>`` is the name with ``%``, ``{`` and ``}`` percent-encoded, so any name works.

Member names: the value of the chosen id field, or the feature id. A multipoint feature gives
one member per part, ``<id>#<n>`` with ``n`` counting parts from 1 (as QGIS's ``geometry_n``),
even when it has a single part. When several features give the same member name the LAST
feature in the layer's order wins (as successive GEOADDs would); the others are counted as
duplicates. Points Redis cannot index (null or empty geometry, NaN, |lon| > 180,
|lat| > 85.05112878, or failing the CRS transformation) and features whose id value is null
or empty are skipped and counted.

Loading computes the geohash scores exactly as Redis's ``geohashEncodeWGS84`` does, sorts the
points by score and sends pre-encoded ZADD commands, which keeps the result a standard geo set
(GEOPOS/GEOSEARCH/GEOADD all work on it) while ingesting several times faster than GEOADD.
Searching reads the hits' scores (WITHHASH) and decodes them as GEOPOS does; ``hit_layer``
turns them into a memory layer in bulk through a FlatGeobuf (see ``flatgeobuf``).
"""

import gc
import json
import math
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np
import redis
from osgeo import gdal
from qgis.core import (
    Qgis,
    QgsAggregateCalculator,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCoordinateTransformContext,
    QgsCsException,
    QgsFeature,
    QgsFeatureRequest,
    QgsField,
    QgsFields,
    QgsGeometry,
    QgsLineString,
    QgsMessageLog,
    QgsPoint,
    QgsPointXY,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsVectorLayer,
    QgsVectorLayerFeatureSource,
    QgsVectorLayerUtils,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QByteArray, QDate, QDateTime, Qt, QTime, QVariant

from ..i18n import tr
from . import flatgeobuf
from .clients import on_slot, pooled_connection
from .compat import FieldType, enum_value, make_field
from .errors import REDIS_ERRORS, GeoRedisError

LAT_LIMIT = 85.05112878
LON_LIMIT = 180.0
GEO_STEP = 26
# Redis's geohashGetDistance uses this radius; brute-force checks must use it too.
EARTH_RADIUS_M = 6372797.560856
UNITS = ("m", "km", "mi", "ft")
UNIT_METERS = {"m": 1.0, "km": 1000.0, "mi": 1609.34, "ft": 0.3048}
WGS84 = "EPSG:4326"
ZADD_BATCH = 50_000
HSET_BATCH = 20_000
# Temporary keys of a load expire unless the load completes (it then PERSISTs them): a load
# cut short where its own clean-up cannot reach the server (the primary died, and a
# Sentinel or cluster failover promoted a replica holding part of them) leaves nothing behind.
TEMP_TTL_SECONDS = 24 * 3600
META_FIELDS_KEY = "fields"


# -- keys ------------------------------------------------------------------------------------


def encode_tag(name: str) -> str:
    """The hash tag for a set name: braces (which would end the tag) and '%' percent-encoded."""
    return name.replace("%", "%25").replace("{", "%7B").replace("}", "%7D")


def decode_tag(tag: str) -> str:
    return tag.replace("%7D", "}").replace("%7B", "{").replace("%25", "%")


@dataclass(frozen=True)
class GeoSetKeys:
    geo: str
    attrs: str
    meta: str

    @classmethod
    def for_name(cls, prefix: str, name: str, suffix: str = "") -> "GeoSetKeys":
        if not name:
            raise GeoRedisError(tr("A geo set needs a name. Type a key name and try again."))
        base = f"{prefix}:geo:{{{encode_tag(name)}}}{suffix}"
        return cls(base, f"{base}:attrs", f"{base}:meta")


def _glob_escape(text: str) -> str:
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def slug(text: str) -> str:
    """A key name suggestion from a layer name: lower case, runs of other characters as '_'."""
    out = []
    for char in text.strip().lower():
        out.append(char if char.isalnum() else "_")
    result = "_".join(part for part in "".join(out).split("_") if part)
    return result or "points"


# -- geohash ---------------------------------------------------------------------------------

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


def haversine_m(lon1, lat1, lon2, lat2):
    """Redis's geohashGetDistance (haversine on EARTH_RADIUS_M); numpy arrays welcome."""
    lat1r, lat2r = np.radians(lat1), np.radians(lat2)
    u = np.sin((lat2r - lat1r) / 2)
    v = np.sin(np.radians(lon2 - lon1) / 2)
    a = u * u + np.cos(lat1r) * np.cos(lat2r) * v * v
    return 2.0 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


# -- attribute encoding ----------------------------------------------------------------------


def fields_to_json(fields: QgsFields) -> list:
    return [
        {
            "name": f.name(),
            "type": enum_value(f.type()),
            "type_name": f.typeName(),
            "length": f.length(),
            "precision": f.precision(),
            "sub_type": enum_value(f.subType()),
        }
        for f in fields
    ]


def fields_from_json(items: list) -> QgsFields:
    fields = QgsFields()
    for item in items:
        fields.append(
            make_field(
                item["name"],
                item["type"],
                item.get("type_name", ""),
                item.get("length", 0),
                item.get("precision", 0),
                "",
                item.get("sub_type", 0),
            )
        )
    return fields


def _encode_value(value):
    if value is None:
        return None
    if isinstance(value, QVariant):
        return None if value.isNull() else _encode_value(value.value())
    if isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, QDateTime):
        return value.toString(Qt.DateFormat.ISODateWithMs) if value.isValid() else None
    if isinstance(value, QDate):
        return value.toString(Qt.DateFormat.ISODate) if value.isValid() else None
    if isinstance(value, QTime):
        return value.toString(Qt.DateFormat.ISODateWithMs) if value.isValid() else None
    if isinstance(value, QByteArray):
        return bytes(value.toBase64()).decode("ascii")
    if isinstance(value, (list, tuple)):
        return [_encode_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode_value(v) for k, v in value.items()}
    return str(value)


# Plain ints, strings and finite floats go straight through the C encoder; anything else
# (NULL QVariants, dates, byte arrays...) through _encode_value via ``default``.
_ROW_ENCODER = json.JSONEncoder(
    ensure_ascii=False, separators=(",", ":"), allow_nan=False, default=_encode_value
)


def encode_row(values) -> bytes:
    """A feature's attributes as a compact JSON array (UTF-8)."""
    try:
        return _ROW_ENCODER.encode(values).encode("utf-8")
    except ValueError:  # NaN or infinity, which JSON cannot hold: stored as null
        return _ROW_ENCODER.encode([_encode_value(v) for v in values]).encode("utf-8")


def _decoder(field_type: int):
    if field_type == FieldType.DATE:
        return lambda s: QDate.fromString(s, Qt.DateFormat.ISODate)
    if field_type == FieldType.DATE_TIME:
        return lambda s: QDateTime.fromString(s, Qt.DateFormat.ISODateWithMs)
    if field_type == FieldType.TIME:
        return lambda s: QTime.fromString(s, Qt.DateFormat.ISODateWithMs)
    if field_type == FieldType.BYTE_ARRAY:
        return lambda s: QByteArray.fromBase64(s.encode("ascii"))
    return None


def row_decoder(fields: QgsFields):
    """A function turning a stored JSON row back into attribute values of ``fields``' types."""
    converters = [(i, _decoder(f.type())) for i, f in enumerate(fields)]
    converters = [(i, c) for i, c in converters if c is not None]
    width = fields.count()

    def decode(raw):
        if raw is None:
            return [None] * width
        values = json.loads(raw)
        for index, convert in converters:
            if values[index] is not None:
                values[index] = convert(values[index])
        return values

    return decode


def decode_rows(fields: QgsFields, rows: list) -> list:
    """Many stored rows (bytes or None) decoded at once: one json.loads for all of them."""
    width = fields.count()
    decoded = json.loads(b"[" + b",".join(row or b"null" for row in rows) + b"]")
    decoded = [values if values is not None else [None] * width for values in decoded]
    for index, field_ in enumerate(fields):
        convert = _decoder(field_.type())
        if convert is not None:
            for values in decoded:
                if values[index] is not None:
                    values[index] = convert(values[index])
    return decoded


# -- reading layers --------------------------------------------------------------------------


@dataclass
class PointData:
    """Points ready to load: WGS84 coordinates, unique member names, optional attribute rows."""

    lon: np.ndarray
    lat: np.ndarray
    members: list
    rows: list = None
    fields: QgsFields = None
    skipped: int = 0
    duplicates: int = 0
    source_name: str = ""
    source_crs: str = ""
    id_field: str = ""


def _transform_arrays(xs, ys, transform):
    """(lon, lat) arrays; points the transformation cannot handle become NaN (later skipped)."""
    if transform is None or transform.isShortCircuited() or len(xs) == 0:
        return xs, ys
    line = QgsLineString(xs.tolist(), ys.tolist())
    try:
        line.transform(transform)  # noqa: QGS201 QgsLineString's returns None, raises on failure
        # 2D little-endian WKB: 9 header bytes, then x, y doubles
        coords = np.frombuffer(bytes(line.asWkb()), dtype="<f8", offset=9).reshape(-1, 2)
        return coords[:, 0].copy(), coords[:, 1].copy()
    except QgsCsException:
        lon = np.full(len(xs), np.nan)
        lat = np.full(len(xs), np.nan)
        for i, (x, y) in enumerate(zip(xs.tolist(), ys.tolist())):
            try:
                point = transform.transform(QgsPointXY(x, y))
            except QgsCsException:
                continue
            lon[i], lat[i] = point.x(), point.y()
        return lon, lat


def _multipoint_coordinates(geometry: QgsGeometry) -> tuple:
    wkb = bytes(geometry.asWkb())
    count = geometry.constGet().numGeometries()
    if (
        count
        and wkb[0] == 1
        and QgsWkbTypes.flatType(geometry.wkbType()) == QgsWkbTypes.Type.MultiPoint
        and len(wkb) == 9 + 21 * count
        and geometry.wkbType() == QgsWkbTypes.Type.MultiPoint
    ):
        points = np.frombuffer(
            wkb,
            dtype=np.dtype([("o", "u1"), ("t", "<u4"), ("x", "<f8"), ("y", "<f8")]),
            offset=9,
        )
        return points["x"].astype(np.float64), points["y"].astype(np.float64)
    import shapely

    coords = shapely.get_coordinates(shapely.from_wkb(wkb))
    return coords[:, 0].copy(), coords[:, 1].copy()


def _collect_points(layer: QgsVectorLayer):
    """All point geometries of ``layer`` as one multipoint, collected in C++.

    native:collect (no expressions involved) is about twice as fast as the GeometryCollect
    aggregate, which is the fallback when the native provider is not loaded.
    """
    algorithm = QgsApplication.processingRegistry().algorithmById("native:collect")
    if algorithm is not None:
        context = QgsProcessingContext()
        outputs, ok = algorithm.run(
            {"INPUT": layer, "FIELD": [], "OUTPUT": "memory:"}, context, QgsProcessingFeedback()
        )
        if ok:
            collected = context.takeResultLayer(outputs["OUTPUT"])
            for feature in collected.getFeatures():
                return feature.geometry()
            return QgsGeometry()
    collected, ok = layer.aggregate(QgsAggregateCalculator.Aggregate.GeometryCollect, "$geometry")
    return collected if ok and isinstance(collected, QgsGeometry) else None


def _read_fast(layer: QgsVectorLayer):
    """Coordinates and feature ids of a single-point memory layer without a Python loop.

    Returns None when the shortcut does not apply (some geometries null or empty): the
    collected geometry then no longer lines up with the feature ids.
    """
    # Collecting runs in C++ with the GIL released, so listing the ids meanwhile saves ~30%.
    # Both only read the provider through their own (copy-on-write) feature sources.
    with ThreadPoolExecutor(max_workers=1) as pool:
        collecting = pool.submit(_collect_points, layer)
        ids = np.fromiter(layer.dataProvider().allFeatureIds(), dtype=np.int64)
        collected = collecting.result()
    ids.sort()  # the memory provider iterates its features in ascending id order
    if collected is None:
        return None
    if collected.isNull():
        return None if len(ids) else (np.empty(0), np.empty(0), ids)
    if collected.constGet().numGeometries() != len(ids):
        return None
    xs, ys = _multipoint_coordinates(collected)
    if len(xs) != len(ids):
        return None
    return xs, ys, ids


def reads_in_bulk(source, id_field: str = "", store_attributes: bool = False) -> bool:
    """Whether ``read_points`` reads ``source`` in C++ (a whole memory layer of single points).

    Geometries and feature ids come in bulk; an id field and stored attributes are read a
    column at a time (QgsVectorLayerUtils.getValues), in the same (ascending id) order.
    """
    return (
        isinstance(source, QgsVectorLayer)
        and source.providerType() == "memory"
        and not source.isEditable()
        and QgsWkbTypes.flatType(source.wkbType()) == QgsWkbTypes.Type.Point
    )


def background_source(layer: QgsVectorLayer, id_field: str = "", store_attributes=False):
    """What a background task should read ``layer`` through; call it on the main thread.

    A layer read in bulk is passed as itself: native:collect then takes its own feature
    source on the worker thread, exactly as Processing's background algorithms read project
    layers. Any other layer is read through a LayerSnapshot taken here.
    """
    if reads_in_bulk(layer, id_field, store_attributes):
        return layer
    return LayerSnapshot(layer)


class LayerSnapshot:
    """A project layer's features and properties, taken on the main thread for a background task.

    Offers the parts of the QgsFeatureSource interface that ``read_points`` uses; reading
    goes through a QgsVectorLayerFeatureSource, the thread-safe way to read a layer.
    """

    def __init__(self, layer: QgsVectorLayer):
        self._source = QgsVectorLayerFeatureSource(layer)
        self._fields = QgsFields(layer.fields())
        self._wkb_type = layer.wkbType()
        self._crs = QgsCoordinateReferenceSystem(layer.crs())
        self._name = layer.name()
        self._count = layer.featureCount()

    def getFeatures(self, request=None):
        return self._source.getFeatures(request or QgsFeatureRequest())

    def fields(self) -> QgsFields:
        return self._fields

    def wkbType(self):
        return self._wkb_type

    def sourceCrs(self) -> QgsCoordinateReferenceSystem:
        return self._crs

    def sourceName(self) -> str:
        return self._name

    def featureCount(self) -> int:
        return self._count


def read_points(
    source,
    id_field: str = "",
    store_attributes: bool = False,
    transform_context: QgsCoordinateTransformContext = None,
    feedback=None,
    source_name: str = "",
) -> PointData:
    """Read the points of ``source`` (a QgsVectorLayer or any QgsFeatureSource) in WGS84.

    A QgsVectorLayerFeatureSource snapshot is the thread-safe way to read a project layer from
    a background task.
    """
    if QgsWkbTypes.geometryType(source.wkbType()) != QgsWkbTypes.GeometryType.PointGeometry:
        raise GeoRedisError(
            tr("'{name}' is not a point layer. Choose a layer of points or multipoints.").format(
                name=source_name or source.sourceName()
            )
        )
    fields = source.fields()
    id_index = -1
    if id_field:
        id_index = fields.indexFromName(id_field)
        if id_index < 0:
            raise GeoRedisError(
                tr("The layer has no field '{field}'. Choose one of its fields as id.").format(
                    field=id_field
                )
            )
    crs = source.sourceCrs()
    target = QgsCoordinateReferenceSystem(WGS84)
    transform = None
    if crs.isValid() and crs != target:
        transform = QgsCoordinateTransform(
            crs, target, transform_context or QgsCoordinateTransformContext()
        )
    data = PointData(
        lon=np.empty(0),
        lat=np.empty(0),
        members=[],
        fields=QgsFields(fields) if store_attributes else None,
        source_name=source_name or source.sourceName(),
        source_crs=crs.authid() or crs.toWkt(),
        id_field=id_field,
    )
    fast = _read_fast(source) if reads_in_bulk(source, id_field, store_attributes) else None
    named = None
    if fast is not None:
        fast = _read_columns(source, fast, id_field, fields if store_attributes else None)
    if fast is not None:
        xs, ys, names, rows, named = fast
        skipped_null = 0
    else:
        xs, ys, names, rows, skipped_null = _read_loop(source, id_index, store_attributes, feedback)
    if feedback is not None and feedback.isCanceled():
        return data
    lon, lat = _transform_arrays(xs, ys, transform)
    keep = valid_mask(lon, lat)
    if named is not None:
        keep &= named  # features whose id value is null or empty, as the loop skips them
    data.skipped = skipped_null + int(len(keep) - np.count_nonzero(keep))
    if not keep.all():
        lon, lat = lon[keep], lat[keep]
        names = names[keep] if isinstance(names, np.ndarray) else _take(names, keep)
        rows = _take(rows, keep) if rows is not None else None
    data.lon, data.lat, data.members, data.rows = lon, lat, names, rows
    if id_index >= 0:
        _drop_duplicates(data)
    return data


def _read_columns(layer, fast, id_field: str, stored_fields):
    """Member names and attribute rows for the bulk-read points, or None to read per feature.

    Returns (x, y, names, rows, named): ``named`` masks the points that have a member name.
    """
    xs, ys, ids = fast
    count = len(ids)
    named = None
    if id_field:
        values, ok = QgsVectorLayerUtils.getValues(layer, id_field)
        if not ok or len(values) != count:
            return None
        names = [_member_name(v) for v in values]
        named = np.fromiter((n != "" for n in names), dtype=bool, count=count)
    else:
        names = ids if (count == 0 or ids[0] >= 0) else ids.astype("S20")
    rows = None
    if stored_fields is not None:
        columns = []
        for stored_field in stored_fields:
            values, ok = QgsVectorLayerUtils.getValues(layer, stored_field.name())
            if not ok or len(values) != count:
                return None
            columns.append(values)
        rows = [encode_row(values) for values in zip(*columns)] if columns else [b"[]"] * count
    return xs, ys, names, rows, named


def _take(values: list, keep: np.ndarray) -> list:
    return [v for v, k in zip(values, keep.tolist()) if k]


def _drop_duplicates(data: PointData) -> None:
    """Keep the last point of each member name (as successive GEOADDs would)."""
    last = {name: i for i, name in enumerate(data.members)}
    data.duplicates = len(data.members) - len(last)
    if not data.duplicates:
        return
    order = np.fromiter(sorted(last.values()), dtype=np.int64, count=len(last))
    data.lon, data.lat = data.lon[order], data.lat[order]
    data.members = [data.members[i] for i in order.tolist()]
    if data.rows is not None:
        data.rows = [data.rows[i] for i in order.tolist()]


def _member_name(value) -> str:
    value = _encode_value(value)
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _read_loop(source, id_index: int, store_attributes: bool, feedback):
    """The general reader: any provider, multipoints, null geometries, id field, attributes."""
    request = QgsFeatureRequest()
    if not store_attributes:
        request.setSubsetOfAttributes([id_index] if id_index >= 0 else [])
    xs, ys, names, rows = [], [], [], []
    skipped = 0
    total = source.featureCount() or 0
    step = max(1, total // 100) if total > 0 else 0
    feature = QgsFeature()
    iterator = source.getFeatures(request)
    index = 0
    while iterator.nextFeature(feature):
        index += 1
        if step and index % step == 0 and feedback is not None:
            if feedback.isCanceled():
                break
            feedback.setProgress(50.0 * index / total)
        geometry = feature.geometry()
        if geometry.isNull() or geometry.isEmpty():
            skipped += 1
            continue
        name = _member_name(feature.attribute(id_index)) if id_index >= 0 else str(feature.id())
        if id_index >= 0 and name == "":
            skipped += 1
            continue
        row = encode_row(feature.attributes()) if store_attributes else None
        part = geometry.constGet()
        if QgsWkbTypes.isMultiType(part.wkbType()):
            for n in range(part.numGeometries()):
                point = part.geometryN(n)
                if point.isEmpty():
                    skipped += 1
                    continue
                xs.append(point.x())
                ys.append(point.y())
                names.append(f"{name}#{n + 1}")
                rows.append(row)
        else:
            xs.append(part.x())
            ys.append(part.y())
            names.append(name)
            rows.append(row)
    return (
        np.asarray(xs, dtype=np.float64),
        np.asarray(ys, dtype=np.float64),
        names,
        rows if store_attributes else None,
        skipped,
    )


# -- writing ---------------------------------------------------------------------------------


@dataclass
class LoadResult:
    name: str
    key: str
    loaded: int
    skipped: int
    duplicates: int
    seconds: float = 0.0


def _member_bytes(members) -> np.ndarray:
    if isinstance(members, np.ndarray):
        return members
    encoded = [m.encode("utf-8") for m in members]
    if not encoded:
        return np.empty(0, dtype="S1")
    return np.array(encoded, dtype=np.bytes_)


_DIGIT_GROUPS = np.array([list(b"%04d" % i) for i in range(10000)], dtype=np.uint8)
_CRLF = np.frombuffer(b"\r\n", dtype=np.uint8)


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) ASCII digits of non-negative integers, zero padded on the left."""
    groups = (width + 3) // 4
    out = np.empty((len(values), groups * 4), dtype=np.uint8)
    rest = values.astype(np.uint64)
    for group in range(groups - 1, -1, -1):
        out[:, 4 * group : 4 * group + 4] = _DIGIT_GROUPS[(rest % np.uint64(10000)).astype(np.intp)]
        rest //= np.uint64(10000)
    return out[:, groups * 4 - width :]


def _leading_zeros(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) mask of the digits to keep: no leading zeros, at least one digit."""
    limits = 10 ** np.arange(width - 1, -1, -1, dtype=np.uint64)
    keep = values.astype(np.uint64)[:, None] >= limits[None, :]
    keep[:, -1] = True
    return keep


def _bulk_strings(members: np.ndarray):
    """RESP bulk strings ``$<len>\r\n<member>\r\n`` as (bytes, keep-mask) columns.

    ``members`` is either a numpy bytes array or an array of non-negative integers (feature
    ids, written in decimal).
    """
    n = len(members)
    if members.dtype.kind == "S":
        width = members.itemsize
        # numpy's S dtype drops trailing NUL bytes; the lengths follow the same rule
        lengths = np.char.str_len(members).astype(np.int64)
        body = members.view(np.uint8).reshape(n, width)
        body_keep = np.arange(width)[None, :] < lengths[:, None]
    else:
        values = members.astype(np.uint64)
        width = len(str(int(values.max()))) if n else 1
        body = _digits(values, width)
        body_keep = _leading_zeros(values, width)
        lengths = body_keep.sum(axis=1)
    length_width = len(str(width))
    columns = 1 + length_width + 2 + width + 2
    buf = np.empty((n, columns), dtype=np.uint8)
    keep = np.ones((n, columns), dtype=bool)
    buf[:, 0] = ord("$")
    buf[:, 1 : 1 + length_width] = _digits(lengths, length_width)
    keep[:, 1 : 1 + length_width] = _leading_zeros(lengths, length_width)
    at = 1 + length_width
    buf[:, at : at + 2] = _CRLF
    buf[:, at + 2 : at + 2 + width] = body
    keep[:, at + 2 : at + 2 + width] = body_keep
    buf[:, -2:] = _CRLF
    return buf, keep


def encode_zadd(key: bytes, scores: np.ndarray, members: np.ndarray) -> bytes:
    """One RESP ``ZADD key score member ...`` command built with numpy, no per-member Python.

    Scores go as 17 zero-padded digits, which ZADD parses to the same double. (A point exactly
    on the +180 meridian or the upper latitude limit has an offset of 2^26, one bit more than
    the 52 of the usual geohash, as in Redis; 2^54 still has 17 digits.)
    """
    n = len(scores)
    score_columns = np.empty((n, 24), dtype=np.uint8)
    score_columns[:, 0:5] = np.frombuffer(b"$17\r\n", dtype=np.uint8)
    score_columns[:, 5:22] = _digits(scores, 17)
    score_columns[:, 22:24] = _CRLF
    member_columns, member_keep = _bulk_strings(members)
    buf = np.concatenate([score_columns, member_columns], axis=1)
    keep = np.concatenate([np.ones((n, 24), dtype=bool), member_keep], axis=1)
    header = b"*%d\r\n$4\r\nZADD\r\n$%d\r\n%b\r\n" % (2 + 2 * n, len(key), key)
    return header + buf[keep].tobytes()


def encode_command(*args: bytes) -> bytes:
    parts = [b"*%d\r\n" % len(args)]
    parts.extend(b"$%d\r\n%b\r\n" % (len(a), a) for a in args)
    return b"".join(parts)


def encode_hset(key: bytes, members: list, rows: list) -> bytes:
    parts = [b"*%d\r\n$4\r\nHSET\r\n$%d\r\n%b\r\n" % (2 + 2 * len(members), len(key), key)]
    parts.extend(
        b"$%d\r\n%b\r\n$%d\r\n%b\r\n" % (len(m), m, len(r), r) for m, r in zip(members, rows)
    )
    return b"".join(parts)


def _send_pipelined(
    client: redis.Redis, commands, count: int, feedback=None, progress=(50.0, 100.0)
):
    """Send ``count`` pre-encoded commands on one connection, at most two in flight.

    ``commands`` may be a generator: the next command is encoded while the server works on
    the one before. Returns the replies.
    """
    replies = []
    pending = 0
    with pooled_connection(client) as connection:
        for index, command in enumerate(commands):
            if feedback is not None and feedback.isCanceled():
                break
            connection.send_packed_command([command], check_health=index == 0)
            pending += 1
            if pending > 1:
                replies.append(connection.read_response())
                pending -= 1
            if feedback is not None:
                low, high = progress
                feedback.setProgress(low + (high - low) * (index + 1) / max(count, 1))
        while pending:
            replies.append(connection.read_response())
            pending -= 1
    return replies


def load_points(
    client: redis.Redis, prefix: str, name: str, data: PointData, feedback=None
) -> LoadResult:
    """Replace the geo set ``name`` with ``data`` atomically (temporary keys, then RENAME).

    All keys involved share the set's hash tag, so in a Redis Cluster the whole load runs on
    the primary holding that slot: one geo set lives on one node.
    """
    started = time.perf_counter()
    keys = GeoSetKeys.for_name(prefix, name)
    # a geo set replaces a geo set; any other value under that key is not ours to destroy
    _check_type(name, keys, client.type(keys.geo), has_meta=True)
    members = _member_bytes(data.members)
    scores = geohash_scores(data.lon, data.lat)
    # Highest score first: each insertion then lands at the head of Redis's skiplist, which
    # is ~8% quicker for the server than appending at its tail (and 3x quicker than random).
    order = np.argsort(scores, kind="stable")[::-1]
    scores, members_sorted = scores[order], members[order]
    on_slot(
        client,
        keys.geo,
        lambda node: _write_set(
            node, prefix, name, keys, data, members, scores, members_sorted, feedback
        ),
    )
    return LoadResult(
        name, keys.geo, len(scores), data.skipped, data.duplicates, time.perf_counter() - started
    )


def _write_set(client, prefix, name, keys, data, members, scores, members_sorted, feedback):
    """Write the sorted points under temporary keys of ``name``'s slot, then swap them in."""
    temp = GeoSetKeys.for_name(prefix, name, f":tmp:{uuid.uuid4().hex}")
    geo_key = temp.geo.encode("utf-8")
    commands = (
        encode_zadd(geo_key, scores[i : i + ZADD_BATCH], members_sorted[i : i + ZADD_BATCH])
        for i in range(0, len(scores), ZADD_BATCH)
    )
    count = len(scores)
    try:
        _send_pipelined(client, _expiring(commands, geo_key), -(-count // ZADD_BATCH) + 1, feedback)
        if data.rows is not None and count and not _canceled(feedback):
            attrs_key = temp.attrs.encode("utf-8")
            member_list = [m if isinstance(m, bytes) else b"%d" % m for m in members.tolist()]
            hsets = (
                encode_hset(
                    attrs_key, member_list[i : i + HSET_BATCH], data.rows[i : i + HSET_BATCH]
                )
                for i in range(0, count, HSET_BATCH)
            )
            _send_pipelined(client, _expiring(hsets, attrs_key), -(-count // HSET_BATCH) + 1)
        if _canceled(feedback):
            client.delete(temp.geo, temp.attrs, temp.meta)
            raise GeoRedisError(tr("Loading '{name}' was canceled.").format(name=name))
        meta = {
            "name": name,
            "source": data.source_name,
            "crs": data.source_crs,
            "id_field": data.id_field,
            "count": count,
            "skipped": data.skipped,
            "duplicates": data.duplicates,
            "attributes": int(data.rows is not None),
            META_FIELDS_KEY: json.dumps(fields_to_json(data.fields)) if data.fields else "[]",
            "loaded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        with client.pipeline(transaction=True) as pipe:
            # UNLINK frees the old set in a background thread; RENAME over it would block
            pipe.unlink(keys.geo, keys.attrs)
            if count:
                pipe.rename(temp.geo, keys.geo)
                pipe.persist(keys.geo)  # RENAME carries the temporary key's expiry over
            if data.rows is not None and count:
                pipe.rename(temp.attrs, keys.attrs)
                pipe.persist(keys.attrs)
            pipe.delete(keys.meta)
            pipe.hset(keys.meta, mapping=meta)
            pipe.execute()
    except BaseException:
        _cleanup(client, temp)
        raise


def _expiring(commands, key: bytes):
    """``commands``, with an EXPIRE of ``key`` (TEMP_TTL_SECONDS) once the first created it."""
    for index, command in enumerate(commands):
        yield command
        if index == 0:
            yield encode_command(b"EXPIRE", key, b"%d" % TEMP_TTL_SECONDS)


def _canceled(feedback) -> bool:
    return feedback is not None and feedback.isCanceled()


def _cleanup(client, temp: GeoSetKeys) -> None:
    try:
        client.delete(temp.geo, temp.attrs, temp.meta)
    except REDIS_ERRORS as exc:
        # the original error is what the user needs to see; this one only goes to the log
        QgsMessageLog.logMessage(
            f"Could not delete the temporary keys {temp.geo}*: {exc}",
            "GeoRedis",
            Qgis.MessageLevel.Warning,
        )


def load_layer(
    client: redis.Redis,
    prefix: str,
    name: str,
    source,
    id_field: str = "",
    store_attributes: bool = False,
    transform_context=None,
    feedback=None,
    source_name: str = "",
) -> LoadResult:
    """Read ``source`` and replace the geo set ``name`` with its points."""
    data = read_points(source, id_field, store_attributes, transform_context, feedback, source_name)
    if _canceled(feedback):
        raise GeoRedisError(tr("Loading '{name}' was canceled.").format(name=name))
    return load_points(client, prefix, name, data, feedback)


# -- listing and metadata --------------------------------------------------------------------


@dataclass
class GeoSetInfo:
    name: str
    count: int
    meta: dict = field(default_factory=dict)

    @property
    def fields(self) -> QgsFields:
        return fields_from_json(json.loads(self.meta.get(META_FIELDS_KEY, "[]")))


def _decode_meta(raw: dict) -> dict:
    return {k.decode(): v.decode("utf-8") for k, v in raw.items()}


def list_geosets(client: redis.Redis, prefix: str) -> list:
    """Every geo set under ``prefix`` with its member count, sorted by name."""
    start = f"{prefix}:geo:{{"
    pattern = f"{_glob_escape(start)}*}}:meta"
    metas = [k.decode("utf-8") for k in client.scan_iter(match=pattern, count=1000, _type="hash")]
    names = []
    for key in metas:
        tag = key[len(start) : -len("}:meta")]
        # an encoded tag has no '}': anything else matched the pattern by accident
        if "}" not in tag:
            names.append(decode_tag(tag))
    with client.pipeline(transaction=False) as pipe:
        for name in names:
            keys = GeoSetKeys.for_name(prefix, name)
            pipe.zcard(keys.geo)
            pipe.hgetall(keys.meta)
        replies = pipe.execute()
    infos = [
        GeoSetInfo(name, int(replies[2 * i]), _decode_meta(replies[2 * i + 1]))
        for i, name in enumerate(names)
    ]
    return sorted(infos, key=lambda info: info.name)


def geoset_info(client: redis.Redis, prefix: str, name: str) -> GeoSetInfo:
    keys = GeoSetKeys.for_name(prefix, name)
    with client.pipeline(transaction=False) as pipe:
        pipe.type(keys.geo)
        pipe.zcard(keys.geo)
        pipe.hgetall(keys.meta)
        key_type, count, meta = pipe.execute(raise_on_error=False)
    _check_type(name, keys, key_type, bool(meta) and not isinstance(meta, Exception))
    return GeoSetInfo(name, int(count), _decode_meta(meta))


def delete_geoset(client: redis.Redis, prefix: str, name: str) -> int:
    keys = GeoSetKeys.for_name(prefix, name)
    return int(client.unlink(keys.geo, keys.attrs, keys.meta))


def _check_size(value: float, what: str) -> None:
    """A search radius, width or height: a finite number, zero or more."""
    if not math.isfinite(value) or value < 0:
        raise GeoRedisError(
            tr("The search {what} is {value}: give a number of zero or more.").format(
                what=what, value=value
            )
        )


def _check_type(name: str, keys: GeoSetKeys, key_type, has_meta: bool) -> None:
    key_type = key_type.decode() if isinstance(key_type, bytes) else str(key_type)
    if key_type == "zset":
        return
    if key_type == "none":
        if has_meta:
            return  # a set loaded from a layer without valid points
        raise GeoRedisError(
            tr(
                "There is no geo set '{name}' (key {key}) on the server. Load a point layer "
                "into it first, or pick one of the listed sets."
            ).format(name=name, key=keys.geo)
        )
    raise GeoRedisError(
        tr(
            "The key {key} holds a {type}, not a geo set. Choose another set name, or delete "
            "that key if it is not needed."
        ).format(key=keys.geo, type=key_type)
    )


# -- searching -------------------------------------------------------------------------------


@dataclass
class SearchResult:
    """Hits nearest first: member names, distances in ``unit``, WGS84 coordinates.

    ``raw_members`` are the names as Redis returns them (UTF-8 bytes); ``members`` decodes
    them on first use, which a search that only builds a hit layer never needs.
    """

    name: str
    unit: str
    raw_members: list
    distances: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    rows: list = None
    fields: QgsFields = None
    seconds: float = 0.0
    description: str = ""
    _members: list = field(default=None, repr=False)

    @property
    def members(self) -> list:
        if self._members is None:
            self._members = [m.decode("utf-8", "replace") for m in self.raw_members]
        return self._members

    def __len__(self) -> int:
        return len(self.raw_members)


def check_unit(unit: str) -> str:
    if unit not in UNITS:
        raise GeoRedisError(
            tr("Unknown distance unit '{unit}'. Use one of: {units}.").format(
                unit=unit, units=", ".join(UNITS)
            )
        )
    return unit


def _parse_hits(raw: list):
    """Members, distances and coordinates of a GEOSEARCH ... WITHDIST WITHHASH reply.

    WITHHASH instead of WITHCOORD: an integer per hit is cheaper for the server to write and
    for the client to read than two decimal coordinates, and ``decode_scores`` gives exactly
    the coordinates WITHCOORD would have.
    """
    if not raw:
        return [], np.empty(0), np.empty(0), np.empty(0)
    count = len(raw)
    members = [hit[0] for hit in raw]
    distances = np.fromiter((float(hit[1]) for hit in raw), dtype=np.float64, count=count)
    scores = np.fromiter((hit[2] for hit in raw), dtype=np.uint64, count=count)
    lon, lat = decode_scores(scores)
    return members, distances, lon, lat


# KEYS: geo set, meta hash, attribute hash (one hash tag). ARGV: the meta field naming the
# stored fields, then the GEOSEARCH arguments after the key. Returns the key type, the meta
# values, the hits (or the error text) and the attribute rows of the hits (false = none).
_SEARCH_SCRIPT = """
local key_type = redis.call('TYPE', KEYS[1])['ok']
local meta = redis.call('HMGET', KEYS[2], 'attributes', ARGV[1])
if key_type ~= 'zset' then
  return {key_type, meta, {}, {}}
end
local ok, hits = pcall(redis.call, 'GEOSEARCH', KEYS[1], unpack(ARGV, 2))
if not ok then
  return {key_type, meta, hits['err'] or tostring(hits), {}}
end
local rows = {}
if meta[1] == '1' and #hits > 0 then
  for start = 1, #hits, 1000 do
    local members = {}
    for i = start, math.min(start + 999, #hits) do
      members[#members + 1] = hits[i][1]
    end
    local chunk = redis.call('HMGET', KEYS[3], unpack(members))
    for i = 1, #chunk do
      rows[#rows + 1] = chunk[i]
    end
  end
end
return {key_type, meta, hits, rows}
"""


_gc_lock = threading.Lock()
_gc_pausers = [0, False]  # threads inside gc_paused(), whether the collector was enabled


@contextmanager
def gc_paused():
    """Pause Python's cyclic garbage collector while a large search reply is parsed.

    hiredis builds one small list per hit; tens of thousands of new containers trigger
    collections of every generation, and a full one walks all of QGIS's Python objects
    (halving the speed of a 60,000-hit search). The objects made here hold no cycles, and the
    collector is back on as soon as the last thread leaves (reference counting never stops).
    """
    with _gc_lock:
        if _gc_pausers[0] == 0:
            _gc_pausers[1] = gc.isenabled()
            gc.disable()
        _gc_pausers[0] += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausers[0] -= 1
            if _gc_pausers[0] == 0 and _gc_pausers[1]:
                gc.enable()


# Geo key -> whether its last search found stored attributes. Only a hint of which request
# to send first (the MULTI, or the script that also reads rows), so that a search of a set
# with attributes runs GEOSEARCH once; both requests report the set's current metadata.
_STORES_ATTRIBUTES: dict = {}


class GeoSet:
    """Searches on one geo set; every method does only Redis I/O and numpy work."""

    def __init__(self, client: redis.Redis, prefix: str, name: str):
        self.client = client
        self.prefix = prefix
        self.name = name
        self.keys = GeoSetKeys.for_name(prefix, name)

    def _search(self, origin: list, shape: list, unit: str, count: int, description: str):
        check_unit(unit)
        with gc_paused():
            return self._search_unpaused(origin, shape, unit, count, description)

    def _search_unpaused(self, origin, shape, unit: str, count: int, description: str):
        started = time.perf_counter()
        args = ["GEOSEARCH", self.keys.geo, *origin, *shape, unit, "ASC"]
        if count and count > 0:
            args += ["COUNT", int(count)]
        args += ["WITHDIST", "WITHHASH"]
        key_type, meta, raw, rows = on_slot(
            self.client, self.keys.geo, lambda node: self._query(node, args)
        )
        _STORES_ATTRIBUTES[self.keys.geo] = isinstance(meta, list) and meta[0] == b"1"
        has_meta = isinstance(meta, list) and meta[0] is not None
        _check_type(self.name, self.keys, key_type, has_meta)
        if isinstance(raw, (bytes, redis.ResponseError)):  # GEOSEARCH failed
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
            # Redis's wording, then Valkey 9's ("ERR member <name> does not exist")
            if "could not decode requested zset member" in text or (
                origin[0] == "FROMMEMBER" and text.endswith("does not exist")
            ):
                raise GeoRedisError(
                    tr(
                        "'{member}' is not a member of the geo set '{name}'. Check the member "
                        "name (the id field's value, or the feature id)."
                    ).format(member=origin[1], name=self.name)
                )
            if "invalid longitude,latitude pair" in text:
                raise GeoRedisError(
                    tr(
                        "Redis cannot search around longitude {lon}, latitude {lat}: it covers "
                        "latitudes up to ±85.05112878° and longitudes up to ±180°. Choose a "
                        "centre within that range."
                    ).format(lon=origin[1], lat=origin[2])
                )
            raise GeoRedisError(
                tr("Redis refused the search of '{name}': {error}").format(
                    name=self.name, error=text
                )
            )
        members, distances, lon, lat = _parse_hits(raw)
        result = SearchResult(
            self.name,
            unit,
            members,
            distances,
            lon,
            lat,
            description=description,
        )
        if has_meta and meta[0] == b"1":
            result.fields = fields_from_json(json.loads(meta[1] or b"[]"))
            result.rows = [row or None for row in rows]
        result.seconds = time.perf_counter() - started
        return result

    def _query(self, node: redis.Redis, args: list) -> tuple:
        """(key type, meta values, GEOSEARCH reply or error, attribute rows) from ``node``."""
        key_type = meta = raw = None
        rows = []
        if not _STORES_ATTRIBUTES.get(self.keys.geo):
            with node.pipeline(transaction=True) as pipe:
                pipe.type(self.keys.geo)
                pipe.hmget(self.keys.meta, ["attributes", META_FIELDS_KEY])
                pipe.execute_command(*args)
                key_type, meta, raw = pipe.execute(raise_on_error=False)
        if raw is None or (
            isinstance(meta, list) and meta[0] == b"1" and isinstance(raw, list) and raw
        ):
            # With stored attributes, one script reads the hits and their rows atomically,
            # so a reload in between can never pair one load's hits with another's rows.
            key_type, meta, raw, rows = node.register_script(_SEARCH_SCRIPT)(
                keys=[self.keys.geo, self.keys.meta, self.keys.attrs],
                args=[META_FIELDS_KEY, *args[2:]],
            )
        return key_type, meta, raw, rows

    def radius(self, lon: float, lat: float, radius: float, unit: str = "m", count: int = 0):
        _check_size(radius, tr("radius"))
        return self._search(
            ["FROMLONLAT", float(lon), float(lat)],
            ["BYRADIUS", float(radius)],
            unit,
            count,
            f"{radius:g} {unit} around {lon:.5f}, {lat:.5f}",
        )

    def box(self, lon: float, lat: float, width: float, height: float, unit="m", count=0):
        _check_size(width, tr("width"))
        _check_size(height, tr("height"))
        return self._search(
            ["FROMLONLAT", float(lon), float(lat)],
            ["BYBOX", float(width), float(height)],
            unit,
            count,
            f"{width:g}x{height:g} {unit} box at {lon:.5f}, {lat:.5f}",
        )

    def around_member(self, member: str, radius: float, unit: str = "m", count: int = 0):
        return self._search(
            ["FROMMEMBER", member],
            ["BYRADIUS", float(radius)],
            unit,
            count,
            f"{radius:g} {unit} around {member}",
        )

    def polygon(self, polygon_wgs84: QgsGeometry, unit: str = "m", count: int = 0):
        """Points intersecting a (multi)polygon given in WGS84, nearest to its box centre first.

        Redis 7 has no polygon search: a BYBOX query returns the candidates of the polygon's
        bounding box, then a prepared shapely geometry keeps the points inside or on it.
        """
        import shapely

        check_unit(unit)
        started = time.perf_counter()
        if polygon_wgs84.isNull() or polygon_wgs84.isEmpty():
            raise GeoRedisError(tr("The polygon is empty. Select or draw a polygon."))
        if polygon_wgs84.type() != QgsWkbTypes.GeometryType.PolygonGeometry:
            raise GeoRedisError(tr("Polygon search needs a polygon geometry."))
        box = polygon_wgs84.boundingBox()
        min_lat = max(box.yMinimum(), -LAT_LIMIT)
        max_lat = min(box.yMaximum(), LAT_LIMIT)
        cx, cy = (box.xMinimum() + box.xMaximum()) / 2, (min_lat + max_lat) / 2
        # A polygon across the antimeridian is often written with longitudes beyond ±180
        # (170..190): search around the same centre within ±180, and match the candidates
        # against the polygon shifted by whole turns as well.
        turns = [0.0]
        if box.xMaximum() > 180.0:
            turns.append(360.0)
        if box.xMinimum() < -180.0:
            turns.append(-360.0)
        cx = (cx + 180.0) % 360.0 - 180.0
        half_lon = (box.xMaximum() - box.xMinimum()) / 2
        # Redis measures a point's east-west offset along its own parallel: the widest parallel
        # of the box is the one nearest the equator.
        widest = 0.0 if min_lat <= 0 <= max_lat else min(abs(min_lat), abs(max_lat))
        width_m = 2 * float(haversine_m(0.0, widest, half_lon, widest))
        height_m = 2 * float(haversine_m(0.0, cy, 0.0, max(max_lat - cy, 0.0) + cy))
        margin = 1.0 + 1e-9 * EARTH_RADIUS_M
        scale = UNIT_METERS[unit]
        candidates = self._search(
            ["FROMLONLAT", cx, cy],
            ["BYBOX", (width_m + 2 * margin) / scale, (height_m + 2 * margin) / scale],
            unit,
            0,
            "",
        )
        shape = shapely.from_wkb(bytes(polygon_wgs84.asWkb()))
        shapely.prepare(shape)
        inside = np.zeros(len(candidates), dtype=bool)
        if len(candidates):
            for turn in turns:
                inside |= shapely.intersects_xy(shape, candidates.lon + turn, candidates.lat)
        if count and count > 0:
            inside &= np.cumsum(inside) <= count
        result = SearchResult(
            self.name,
            unit,
            _take(candidates.raw_members, inside),
            candidates.distances[inside],
            candidates.lon[inside],
            candidates.lat[inside],
            _take(candidates.rows, inside) if candidates.rows is not None else None,
            candidates.fields,
            description=tr("within polygon"),
        )
        result.seconds = time.perf_counter() - started
        return result


def to_wgs84(point: QgsPointXY, crs: QgsCoordinateReferenceSystem, context=None) -> QgsPointXY:
    """A point given in ``crs`` as WGS84 lon/lat (raises GeoRedisError if it cannot be)."""
    target = QgsCoordinateReferenceSystem(WGS84)
    if not crs.isValid() or crs == target:
        return QgsPointXY(point)
    transform = QgsCoordinateTransform(crs, target, context or QgsCoordinateTransformContext())
    try:
        return transform.transform(QgsPointXY(point))
    except QgsCsException as exc:
        raise GeoRedisError(
            tr(
                "The point cannot be expressed in WGS 84 ({error}). Pick a point on the map."
            ).format(error=exc)
        ) from exc


# -- hits as features ------------------------------------------------------------------------

MEMBER_FIELD = "member"
DISTANCE_FIELD = "distance"


def hit_fields(stored: QgsFields = None) -> QgsFields:
    """``member``, ``distance``, then the stored attributes (a clashing name gets ``_2``)."""
    fields = QgsFields()
    fields.append(QgsField(MEMBER_FIELD, FieldType.STRING))
    fields.append(QgsField(DISTANCE_FIELD, FieldType.DOUBLE, "double", 20, 4))
    for stored_field in stored or []:
        copy = QgsField(stored_field)
        name = copy.name()
        suffix = 2
        while fields.indexFromName(copy.name()) >= 0:
            copy.setName(f"{name}_{suffix}")
            suffix += 1
        fields.append(copy)
    return fields


def hit_features(result: SearchResult, fields: QgsFields) -> list:
    """One QgsFeature per hit, in ``fields`` (from ``hit_fields``), geometry in WGS84."""
    width = fields.count()
    rows = None
    if result.rows is not None and result.fields is not None:
        extra = result.fields.count()
        rows = [values[:extra] for values in decode_rows(result.fields, result.rows)]
    features = []
    lon, lat, dist = result.lon.tolist(), result.lat.tolist(), result.distances.tolist()
    for i, member in enumerate(result.members):
        feature = QgsFeature(fields, i + 1)
        values = [member, dist[i]]
        if rows is not None:
            values.extend(rows[i])
        if len(values) < width:
            values.extend([None] * (width - len(values)))
        feature.setAttributes(values)
        feature.setGeometry(QgsPoint(lon[i], lat[i]))
        features.append(feature)
    return features


def hit_layer(result: SearchResult, layer_name: str = "") -> QgsVectorLayer:
    """A WGS84 memory layer of the hits; the caller adds it to a project and styles it.

    Hits are built in bulk: numpy writes them as a FlatGeobuf, which QGIS's OGR provider
    reads in C++ and ``materialize`` copies into a memory layer (several times faster than
    building QgsFeatures one by one in Python). Stored attributes of types other than
    integer, double, text and boolean (dates, binary...) take the feature-by-feature path.
    """
    name = layer_name or f"{result.name}: {result.description}"
    with gc_paused():
        return _hit_layer(result, name)


def _hit_layer(result: SearchResult, name: str) -> QgsVectorLayer:
    layer = _bulk_hit_layer(result, name)
    if layer is not None:
        return layer
    fields = hit_fields(result.fields)
    layer = QgsVectorLayer(f"Point?crs={WGS84}", name, "memory")
    provider = layer.dataProvider()
    if not provider.addAttributes(fields.toList()):
        raise GeoRedisError(_hit_layer_error(provider))
    layer.updateFields()
    added, _features = provider.addFeatures(hit_features(result, layer.fields()))
    if not added:
        raise GeoRedisError(_hit_layer_error(provider))
    layer.updateExtents()
    return layer


def _hit_layer_error(provider) -> str:
    return tr(
        "QGIS could not write the hits into a memory layer ({error}). Search again; if this "
        "repeats, report it with the geo set's field types."
    ).format(error=provider.lastError() or tr("no reason given"))


# Stored field types a FlatGeobuf column reads back as; others take the per-feature path.
_COLUMN_TYPES = {
    FieldType.INT: (flatgeobuf.INT, np.int32),
    FieldType.LONG_LONG: (flatgeobuf.LONG, np.int64),
    FieldType.DOUBLE: (flatgeobuf.DOUBLE, np.float64),
    FieldType.BOOL: (flatgeobuf.BOOL, np.uint8),
    FieldType.STRING: (flatgeobuf.STRING, None),
}


def _utf8_array(texts: list):
    """UTF-8 ``S`` array of ``texts`` (bytes or str), or None if numpy would cut one short."""
    raw = [t.encode("utf-8") if isinstance(t, str) else t for t in texts]
    array = np.array(raw, dtype=np.bytes_) if raw else np.empty(0, "S1")
    if raw and int(np.char.str_len(array).sum()) != sum(map(len, raw)):
        return None  # a text ending in NUL bytes, which numpy's bytes type drops
    return array


def _attribute_columns(result: SearchResult):
    """The stored attributes as FlatGeobuf columns, or None if a type or value does not fit."""
    if result.fields is None or any(f.type() not in _COLUMN_TYPES for f in result.fields):
        return None
    names = hit_fields(result.fields).names()[2:]  # renamed like the per-feature path
    rows = decode_rows(result.fields, result.rows)
    columns = []
    for index, field_ in enumerate(result.fields):
        values = [row[index] for row in rows]
        present = np.fromiter((v is not None for v in values), bool, count=len(values))
        column_type, dtype = _COLUMN_TYPES[field_.type()]
        try:
            if dtype is None:
                array = _utf8_array(["" if v is None else v for v in values])
                if array is None:
                    return None
            else:
                array = np.array([0 if v is None else v for v in values], dtype=dtype)
        except (TypeError, ValueError, OverflowError, AttributeError):
            return None  # e.g. a text in a number field: let the per-feature path convert it
        columns.append(
            flatgeobuf.Column(
                names[index], column_type, array, present, field_.length(), field_.precision()
            )
        )
    return columns


def _bulk_hit_layer(result: SearchResult, name: str):
    """The hits as a memory layer built in C++, or None if they cannot be."""
    members = _utf8_array(result.raw_members)
    if members is None:
        return None
    if result.rows is None:
        data = flatgeobuf.point_file(
            result.lon, result.lat, MEMBER_FIELD, members, DISTANCE_FIELD, result.distances
        )
    else:
        attributes = _attribute_columns(result)
        if attributes is None:
            return None
        columns = [
            flatgeobuf.Column(MEMBER_FIELD, flatgeobuf.STRING, members),
            flatgeobuf.Column(DISTANCE_FIELD, flatgeobuf.DOUBLE, result.distances),
            *attributes,
        ]
        data = flatgeobuf.point_file_with_columns(result.lon, result.lat, columns)
    path = f"/vsimem/georedis-hits-{uuid.uuid4().hex}.fgb"
    gdal.FileFromMemBuffer(path, data)  # a failure shows as an invalid layer below
    try:
        layer = _materialize(path, name)
    finally:
        # The buffer lives until OGR closes its last handle: QGIS's OGR connection pool lets
        # go of it with a deferred delete, at the next event-loop turn of the thread that
        # read it (a worker thread without an event loop: when that thread ends).
        gdal.Unlink(path)
    if layer is None or layer.featureCount() != len(result):
        QgsMessageLog.logMessage(
            f"Could not read the hits back from {path}; building them one by one instead.",
            "GeoRedis",
            Qgis.MessageLevel.Warning,
        )
        return None
    layer.setName(name)
    return layer


def _materialize(path: str, name: str):
    source = QgsVectorLayer(path, name, "ogr")
    if not source.isValid():
        return None
    return source.materialize(QgsFeatureRequest())
