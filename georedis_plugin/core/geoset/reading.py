"""Reading point layers for a load: WGS 84 coordinates, member names, attribute rows.

Member names: the value of the chosen id field, or the feature id. A multipoint feature gives
one member per part, ``<id>#<n>`` with ``n`` counting parts from 1 (as QGIS's ``geometry_n``),
even when it has a single part. When several features give the same member name the LAST
feature in the layer's order wins (as successive GEOADDs would); the others are counted as
duplicates. Points Redis cannot index (null or empty geometry, NaN, |lon| > 180,
|lat| > 85.05112878, or failing the CRS transformation) and features whose id value is null
or empty are skipped and counted.
"""

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from qgis.core import (
    QgsAggregateCalculator,
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCoordinateTransformContext,
    QgsCsException,
    QgsFeature,
    QgsFeatureRequest,
    QgsFields,
    QgsGeometry,
    QgsLineString,
    QgsPointXY,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsVectorLayer,
    QgsVectorLayerFeatureSource,
    QgsWkbTypes,
)

from ...i18n import tr
from ..compat import enum_value
from ..errors import GeoRedisError
from .columns import read_column
from .distances import WGS84
from .geohash import valid_mask
from .rows import ColumnRows, encode_row, encode_value


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


def transform_arrays(xs, ys, transform):
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


def _read_later(layer: QgsVectorLayer, names: list, count: int) -> list:
    """The columns ``names`` of ``layer``, each of its ``count`` values, or GeoRedisError."""
    columns = []
    for name in names:
        values, ok = read_column(layer, name)
        if not ok or len(values) != count:
            raise GeoRedisError(
                tr(
                    "The attribute '{field}' of '{layer}' could not be read for every feature "
                    "({read} of {count}). Load it again once nothing is changing the layer."
                ).format(field=name, layer=layer.name(), read=len(values), count=count)
            )
        columns.append(values)
    return columns


def _read_fast(layer: QgsVectorLayer, columns=(), later=()):
    """Coordinates, feature ids and the ``columns`` (field names) of a single-point memory
    layer without a Python loop: (x, y, ids, column values, later columns) or None.

    The ``later`` columns (the stored attributes) are read on a thread that goes on after
    this returns: they come as a Future of their value lists, so that a load stores the
    points while they are read (1M points with 3 attributes: the load took 5.6 s reading
    them first, 5.1 to 5.3 s so, on a shared machine). Returns None when the shortcut does
    not apply (some geometries null or empty): the collected geometry then no longer lines
    up with the feature ids.
    """
    count = layer.featureCount()
    # Every column is read on one thread, one after the other: two aggregates of one layer
    # at the same time bring QGIS down. That thread goes on with the ``later`` ones after
    # this returns.
    reader = ThreadPoolExecutor(max_workers=1)
    reading = reader.submit(lambda: [read_column(layer, name) for name in columns])
    pending = reader.submit(_read_later, layer, list(later), count) if later else None
    reader.shutdown(wait=False)
    fast = _read_now(layer, reading)
    if fast is None or len(fast[2]) != count:
        if pending is not None:
            pending.exception()  # let it end before the layer is read another way
        return None
    return (*fast, pending)


def _read_now(layer: QgsVectorLayer, reading):
    """(x, y, ids, column values) of ``_read_fast``, or None; ``reading``: the Future of the
    columns it needs now, read on a thread of their own (read on this one beside the
    collection, they took twice as long: 1M points, 3 columns, 3.0 s against 1.7 s)."""
    # Collecting runs in C++ with the GIL released, so listing the ids and reading the
    # columns meanwhile saves ~30%. All read the provider through their own (copy-on-write)
    # feature sources.
    with ThreadPoolExecutor(max_workers=1) as pool:
        collecting = pool.submit(_collect_points, layer)
        ids = np.fromiter(layer.dataProvider().allFeatureIds(), dtype=np.int64)
        values = reading.result()
        collected = collecting.result()
    ids.sort()  # the memory provider iterates its features in ascending id order
    if collected is None or not all(ok and len(v) == len(ids) for v, ok in values):
        return None
    values = [v for v, _ok in values]
    if collected.isNull():
        return None if len(ids) else (np.empty(0), np.empty(0), ids, values)
    if collected.constGet().numGeometries() != len(ids):
        return None
    xs, ys = _multipoint_coordinates(collected)
    if len(xs) != len(ids):
        return None
    return xs, ys, ids, values


def reads_in_bulk(source) -> bool:
    """Whether ``read_points`` reads ``source`` in C++ (a whole memory layer of single points).

    Geometries and feature ids come in bulk; an id field and stored attributes are read a
    column at a time (``columns.read_column``), in the same (ascending id) order.
    """
    return (
        isinstance(source, QgsVectorLayer)
        and source.providerType() == "memory"
        and not source.isEditable()
        and QgsWkbTypes.flatType(source.wkbType()) == QgsWkbTypes.Type.Point
    )


def background_source(layer: QgsVectorLayer):
    """What a background task should read ``layer`` through; call it on the main thread.

    A layer read in bulk is passed as itself: native:collect then takes its own feature
    source on the worker thread, exactly as Processing's background algorithms read project
    layers. Any other layer is read through a LayerSnapshot taken here.
    """
    if reads_in_bulk(layer):
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


# QVariant / QMetaType numbers of the container types: map, list, string list. Their values
# have no field type to come back as, so a search would lose them.
_CONTAINER_TYPES = (8,)


def check_storable(fields: QgsFields) -> None:
    """Raise GeoRedisError naming the first field whose values a geo set cannot give back."""
    for field_ in fields:
        if enum_value(field_.type()) in _CONTAINER_TYPES:
            raise GeoRedisError(
                tr(
                    "The field '{field}' ({type}) holds several values in each feature, which "
                    "a geo set cannot give back as they were. Turn it into text first (Field "
                    'calculator: to_json("{field}")), or load without storing the attributes.'
                ).format(field=field_.name(), type=field_.typeName() or field_.friendlyTypeString())
            )


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
    if store_attributes:
        check_storable(fields)
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
    fast = None
    if reads_in_bulk(source):
        later = fields.names() if store_attributes else []
        fast = _read_fast(source, [id_field] if id_field else [], later)
    named = None
    if fast is not None:
        fast = _read_columns(fast, id_field, store_attributes)
    if fast is not None:
        xs, ys, names, rows, named = fast
        skipped_null = 0
    else:
        xs, ys, names, rows, skipped_null = _read_loop(source, id_index, store_attributes, feedback)
    if feedback is not None and feedback.isCanceled():
        return data
    lon, lat = transform_arrays(xs, ys, transform)
    keep = valid_mask(lon, lat)
    if named is not None:
        keep &= named  # features whose id value is null or empty, as the loop skips them
    data.skipped = skipped_null + int(len(keep) - np.count_nonzero(keep))
    if not keep.all():
        lon, lat = lon[keep], lat[keep]
        names = names[keep] if isinstance(names, np.ndarray) else _take(names, keep)
        if isinstance(rows, ColumnRows):
            rows = rows.take(keep)
        elif rows is not None:
            rows = _take(rows, keep)
    data.lon, data.lat, data.members, data.rows = lon, lat, names, rows
    if id_index >= 0:
        _drop_duplicates(data)
    return data


def _read_columns(fast, id_field: str, store_attributes: bool):
    """Member names and attribute rows of the bulk-read points.

    Returns (x, y, names, rows, named): ``named`` masks the points that have a member name.
    """
    xs, ys, ids, columns, pending = fast
    count = len(ids)
    named = None
    if id_field:
        names = [_member_name(v) for v in columns.pop(0)]
        named = np.fromiter((n != "" for n in names), dtype=bool, count=count)
    else:
        names = ids if (count == 0 or ids[0] >= 0) else ids.astype("S20")
    rows = None
    if store_attributes:  # read meanwhile, a Future (none when the layer has no field)
        rows = ColumnRows(pending if pending is not None else [], count)
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
    if isinstance(data.rows, ColumnRows):
        data.rows = data.rows.take(order)
    elif data.rows is not None:
        data.rows = [data.rows[i] for i in order.tolist()]


def _member_name(value) -> str:
    value = encode_value(value)
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
