"""georedis:joinbynearest: each input point joined to its nearest members of a geo set.

Shaped as native:joinbynearest shapes its output (qgsalgorithmjoinbynearest.cpp): the input
fields, then the joined fields under PREFIX (here the member name and the attributes stored
with the set), then ``n``, ``distance``, ``feature_x``, ``feature_y``, ``nearest_x``,
``nearest_y`` (coordinates in the input CRS); one output feature per neighbour, the input
geometry on each; unjoinable features kept with nulls unless DISCARD_NONMATCHING, and written
as they are to NON_MATCHING. A multipoint is joined as native joins it: to the members nearest
any of its points (each part searched, the parts' answers merged), ``feature_x``/``feature_y``
being the part nearest the member. The geo set is already indexed: the points are searched
in pipelined batches (core.geoset.many).
"""

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
from qgis.core import (
    NULL,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsFeatureRequest,
    QgsFeatureSink,
    QgsField,
    QgsFields,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingUtils,
    QgsWkbTypes,
)

from ...core import geoset
from ...core.clients import get_client
from ...core.compat import FieldType, finalize_sink
from ...core.errors import REDIS_ERRORS, GeoRedisError, explain_error
from ...core.geoset.many import BATCH, Matches, NearestMany
from ...core.geoset.reading import transform_arrays
from .geoset_base import UNIT_LABELS, GeoSetAlgorithm

RESULT_FIELDS = ("n", "distance", "feature_x", "feature_y", "nearest_x", "nearest_y")


class JoinByNearestAlgorithm(GeoSetAlgorithm):
    INPUT = "INPUT"
    NEIGHBORS = "NEIGHBORS"
    MAX_DISTANCE = "MAX_DISTANCE"
    UNIT = "UNIT"
    PREFIX = "PREFIX"
    DISCARD_NONMATCHING = "DISCARD_NONMATCHING"
    OUTPUT = "OUTPUT"
    NON_MATCHING = "NON_MATCHING"
    JOINED_COUNT = "JOINED_COUNT"
    UNJOINABLE_COUNT = "UNJOINABLE_COUNT"

    def name(self) -> str:
        return "joinbynearest"

    def displayName(self) -> str:
        return self.tr("Join attributes by nearest geo-set members")

    def shortHelpString(self) -> str:
        return self.tr(
            "Joins each point of the input layer to its nearest members of a geo set, as "
            "'Join attributes by nearest' does with a second layer: the output has the input "
            "fields, the member name and the attributes stored with the set (under the prefix), "
            "then n (1 for the nearest), distance, feature_x, feature_y, nearest_x and "
            "nearest_y (in the input layer's CRS), one feature per neighbour. Distances are "
            "geodesic on the WGS 84 ellipsoid, as QGIS measures them (or Redis's, on its sphere, "
            "with 'Distances: Sphere'); the geo set is already indexed, so nothing is indexed "
            "on each run."
        )

    def initAlgorithm(self, config=None):
        source = QgsProcessingParameterFeatureSource(
            self.INPUT, self.tr("Input point layer"), [QgsProcessing.SourceType.TypeVectorPoint]
        )
        source.setHelp(self.tr("The points to join, in any CRS."))
        self.add_parameter(source)
        self.add_key_parameter()
        neighbors = QgsProcessingParameterNumber(
            self.NEIGHBORS, self.tr("Maximum nearest neighbors"), minValue=1, defaultValue=1
        )
        neighbors.setHelp(self.tr("How many nearest members to join to each point."))
        self.add_parameter(neighbors)
        limit = QgsProcessingParameterNumber(
            self.MAX_DISTANCE,
            self.tr("Maximum distance (0 = no limit)"),
            QgsProcessingParameterNumber.Type.Double,
            defaultValue=0.0,
            minValue=0.0,
        )
        limit.setHelp(self.tr("Join only members within this distance, in the unit below."))
        self.add_parameter(limit)
        unit = QgsProcessingParameterEnum(
            self.UNIT, self.tr("Distance unit"), [self.tr(u) for u in UNIT_LABELS], False, 0
        )
        unit.setHelp(self.tr("Unit of the maximum distance and of the 'distance' field."))
        self.add_parameter(unit)
        prefix = QgsProcessingParameterString(
            self.PREFIX, self.tr("Joined field prefix"), optional=True
        )
        prefix.setHelp(
            self.tr("Put before the names of the joined fields (member and stored attributes).")
        )
        self.add_parameter(prefix)
        discard = QgsProcessingParameterBoolean(
            self.DISCARD_NONMATCHING, self.tr("Discard records which could not be joined"), False
        )
        discard.setHelp(self.tr("Leave out the points with no member within the maximum distance."))
        self.add_parameter(discard)
        self.add_distances_parameter()
        sink = QgsProcessingParameterFeatureSink(
            self.OUTPUT, self.tr("Joined layer"), optional=True, createByDefault=True
        )
        sink.setHelp(self.tr("The input points with their nearest members' fields."))
        self.add_parameter(sink)
        non_matching = QgsProcessingParameterFeatureSink(
            self.NON_MATCHING,
            self.tr("Unjoinable features from first layer"),
            optional=True,
            createByDefault=False,
        )
        non_matching.setHelp(
            self.tr(
                "The input features that could not be joined (no geometry, or no member "
                "within the maximum distance), as they are."
            )
        )
        self.add_parameter(non_matching)
        self.add_output(
            QgsProcessingOutputNumber(
                self.JOINED_COUNT, self.tr("Number of joined features from input table")
            )
        )
        self.add_output(
            QgsProcessingOutputNumber(
                self.UNJOINABLE_COUNT, self.tr("Number of unjoinable features from input table")
            )
        )

    def processAlgorithm(self, parameters, context, feedback):
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        if QgsWkbTypes.geometryType(source.wkbType()) != QgsWkbTypes.GeometryType.PointGeometry:
            raise QgsProcessingException(
                self.tr(
                    "'{name}' is not a point layer: a geo set is joined to points. Make points "
                    "of it first (e.g. with 'Centroids' or 'Point on surface') and join those."
                ).format(name=source.sourceName())
            )
        name = self.parameterAsString(parameters, self.KEY, context)
        neighbors = self.parameterAsInt(parameters, self.NEIGHBORS, context)
        unit = geoset.UNITS[self.parameterAsEnum(parameters, self.UNIT, context)]
        scale = geoset.UNIT_METERS[unit]
        limit_m = self.parameterAsDouble(parameters, self.MAX_DISTANCE, context) * scale
        prefix = self.parameterAsString(parameters, self.PREFIX, context)
        discard = self.parameterAsBoolean(parameters, self.DISCARD_NONMATCHING, context)
        distances = geoset.DISTANCE_MODES[self.parameterAsEnum(parameters, self.DISTANCES, context)]
        config = self.connection_config()
        try:
            geo_set = geoset.GeoSet(get_client(config), config.key_prefix, name)
            stored = geo_set.stored_fields()
            searcher = NearestMany(geo_set, neighbors, limit_m, distances)
        except GeoRedisError as exc:
            raise QgsProcessingException(str(exc)) from exc
        except REDIS_ERRORS as exc:
            raise QgsProcessingException(explain_error(exc, config)) from exc

        joined = QgsFields()
        joined.append(QgsField(f"{prefix}{geoset.MEMBER_FIELD}", FieldType.STRING))
        for stored_field in stored or []:
            copy = QgsField(stored_field)
            copy.setName(prefix + copy.name())
            joined.append(copy)
        fields = QgsProcessingUtils.combineFields(source.fields(), joined)
        fields.append(QgsField("n", FieldType.INT))
        for field_name in RESULT_FIELDS[1:]:
            fields.append(QgsField(field_name, FieldType.DOUBLE))
        sink, dest_id = self.parameterAsSink(
            parameters,
            self.OUTPUT,
            context,
            fields,
            source.wkbType(),
            source.sourceCrs(),
            QgsFeatureSink.SinkFlag.RegeneratePrimaryKey,
        )
        if sink is None and parameters.get(self.OUTPUT) is not None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        non_matching, non_matching_id = self.parameterAsSink(
            parameters,
            self.NON_MATCHING,
            context,
            source.fields(),
            source.wkbType(),
            source.sourceCrs(),
            QgsFeatureSink.SinkFlag.RegeneratePrimaryKey,
        )
        if non_matching is None and parameters.get(self.NON_MATCHING) is not None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.NON_MATCHING))

        joiner = _Joiner(
            searcher,
            stored,
            QgsCoordinateTransform(
                source.sourceCrs(),
                QgsCoordinateReferenceSystem(geoset.WGS84),
                context.transformContext(),
            ),
            scale,
            [NULL] * (joined.count() + len(RESULT_FIELDS)),
            discard or sink is None,
            non_matching is not None,
        )
        total = source.featureCount() or 0
        done = 0

        def write(batch, parts, searching):
            features, unjoined = joiner.build(batch, parts, *searching.result())
            for target, written, output in (
                (sink, features, self.OUTPUT),
                (non_matching, unjoined, self.NON_MATCHING),
            ):
                if (
                    target is not None
                    and written
                    and not target.addFeatures(written, QgsFeatureSink.Flag.FastInsert)
                ):
                    raise QgsProcessingException(self.writeFeatureError(target, parameters, output))
            return len(batch)

        try:
            # Redis searches one batch (worker thread, mostly waiting on the socket) while
            # this thread builds the output of the batch before: the two cores both work.
            with ThreadPoolExecutor(max_workers=1) as pool:
                previous = None
                for batch in _batches(source.getFeatures(QgsFeatureRequest()), feedback):
                    parts = joiner.positions(batch)
                    searching = pool.submit(joiner.search, parts)
                    if previous is not None:
                        done += write(*previous)
                        if total:
                            feedback.setProgress(100.0 * done / total)
                    previous = (batch, parts, searching)
                if previous is not None:
                    done += write(*previous)
        except GeoRedisError as exc:
            raise QgsProcessingException(str(exc)) from exc
        except REDIS_ERRORS as exc:
            raise QgsProcessingException(explain_error(exc, config)) from exc
        for target in (sink, non_matching):
            if target is not None:
                finalize_sink(target)
        feedback.pushInfo(
            self.tr(
                "{joined} points joined, {unjoinable} could not be joined ({trips} rounds of "
                "pipelined searches)."
            ).format(
                joined=joiner.joined,
                unjoinable=joiner.unjoinable,
                trips=searcher.round_trips,
            )
        )
        outputs = {self.JOINED_COUNT: joiner.joined, self.UNJOINABLE_COUNT: joiner.unjoinable}
        if sink is not None:
            outputs[self.OUTPUT] = dest_id
        if non_matching is not None:
            outputs[self.NON_MATCHING] = non_matching_id
        return outputs


def _batches(features, feedback):
    """Lists of up to BATCH features (the iterator gives a new QgsFeature each turn); stops
    when the run is canceled."""
    while not feedback.isCanceled():
        batch = list(itertools.islice(features, BATCH))
        if not batch:
            return
        yield batch


class _Joiner:
    """Turns batches of input features into output features; counts joined and unjoinable."""

    def __init__(self, searcher, stored, to_wgs84, scale, nulls, discard, keep_unjoined):
        self.searcher = searcher
        self.stored = stored
        self.to_wgs84 = to_wgs84
        self.from_wgs84 = QgsCoordinateTransform(to_wgs84)
        self.from_wgs84.setDestinationCrs(to_wgs84.sourceCrs())
        self.from_wgs84.setSourceCrs(to_wgs84.destinationCrs())
        self.scale = scale
        self.nulls = nulls
        self.discard = discard
        self.keep_unjoined = keep_unjoined
        self.joined = 0
        self.unjoinable = 0

    def positions(self, batch: list) -> "_Parts":
        """The batch's points: each feature's parts (a multipoint has several) in the input
        CRS and in WGS 84, and the feature each part belongs to."""
        points = _single_points(batch)
        owner, xs, ys = points if points is not None else _parts_one_by_one(batch)
        lon, lat = transform_arrays(xs, ys, self.to_wgs84)
        return _Parts(owner, xs, ys, lon, lat)

    def search(self, parts: "_Parts") -> tuple:
        """The matches of the features and their stored rows (Redis I/O and numpy only)."""
        matches = self.searcher.search(parts.lon, parts.lat)
        matches = _by_feature(matches, parts.owner, self.searcher.count)
        rows = None
        if self.stored is not None and matches.members:
            stored_rows = self.searcher.geo_set.stored_rows(matches.members)
            rows = geoset.decode_rows(self.stored, stored_rows)
        return matches, rows

    def build(self, batch: list, parts: "_Parts", matches, rows) -> tuple:
        """The output features of ``batch`` (one per neighbour, or one with nulls) and the
        unjoinable input features."""
        near_x, near_y = transform_arrays(matches.lon, matches.lat, self.from_wgs84)
        # matches.owner is a part here: its feature, and the part's own position
        owners = parts.owner[matches.owner].tolist()
        feature_x = parts.x[matches.owner].tolist()
        feature_y = parts.y[matches.owner].tolist()
        ranks = matches.rank.tolist()
        distance = (matches.distance_m / self.scale).tolist()
        near_x, near_y = near_x.tolist(), near_y.tolist()
        names = [m.decode("utf-8", "replace") for m in matches.members]
        width = len(self.stored) if self.stored is not None else 0
        out, unjoined = [], []
        at = 0
        for index, feature in enumerate(batch):
            attributes = feature.attributes()
            first = at
            while at < len(owners) and owners[at] == index:
                values = [names[at], *(rows[at][:width] if rows is not None else [])]
                values += [ranks[at], distance[at], feature_x[at], feature_y[at]]
                values += [near_x[at], near_y[at]]
                # the input feature itself carries its first match (the sink regenerates ids)
                output = feature if at == first else QgsFeature(feature)
                output.setAttributes(attributes + values)
                out.append(output)
                at += 1
            if at > first:
                self.joined += 1
                continue
            self.unjoinable += 1
            if self.keep_unjoined:
                unjoined.append(QgsFeature(feature))
            if not self.discard:
                feature.setAttributes(attributes + self.nulls)
                out.append(feature)
        return out, unjoined


# A single point's WKB as QGIS writes it (little endian, ISO types): its length, and the type
# codes of that length (Point; PointZ and PointM; PointZM), x and y from byte 5.
_POINT_WKB_TYPES = {21: (1,), 29: (1001, 2001), 37: (3001,)}


def _single_points(batch: list):
    """(owner, x, y) of a batch of single points read from their WKB in one go, or None if
    any geometry is another kind (a multipoint...): ``_parts_one_by_one`` then reads them.

    Null and empty points have no part, as there. Two calls a feature instead of seven.
    """
    wkbs = [feature.geometry().asWkb() for feature in batch]
    lengths = np.fromiter(map(len, wkbs), dtype=np.int64, count=len(wkbs))
    present = np.flatnonzero(lengths)
    if not len(present):
        return np.empty(0, np.int64), np.empty(0), np.empty(0)
    size = int(lengths[present[0]])
    if size not in _POINT_WKB_TYPES or not np.all(lengths[present] == size):
        return None
    data = np.frombuffer(b"".join(wkbs), dtype=np.uint8).reshape(len(present), size)
    types = data[:, 1:5].copy().view("<u4")[:, 0]
    if not (np.all(data[:, 0] == 1) and np.all(np.isin(types, _POINT_WKB_TYPES[size]))):
        return None
    xy = data[:, 5:21].copy().view("<f8")
    keep = ~(np.isnan(xy[:, 0]) | np.isnan(xy[:, 1]))  # not empty, as QgsPoint.isEmpty
    return present[keep].astype(np.int64), xy[keep, 0], xy[keep, 1]


def _parts_one_by_one(batch: list):
    """(owner, x, y) of every non-empty point part of the batch's geometries."""
    owner, xs, ys = [], [], []
    for index, feature in enumerate(batch):
        geometry = feature.geometry()
        if geometry.isNull() or geometry.isEmpty():
            continue
        point = geometry.constGet()
        if QgsWkbTypes.isMultiType(point.wkbType()):
            for n in range(point.numGeometries()):
                part = point.geometryN(n)
                if not part.isEmpty():
                    owner.append(index)
                    xs.append(part.x())
                    ys.append(part.y())
        else:
            owner.append(index)
            xs.append(point.x())
            ys.append(point.y())
    return (
        np.asarray(owner, dtype=np.int64),
        np.asarray(xs, dtype=np.float64),
        np.asarray(ys, dtype=np.float64),
    )


@dataclass
class _Parts:
    """Points of a batch: the feature of each (its index in the batch), x/y in the input
    CRS, lon/lat in WGS 84 (NaN where the transformation failed)."""

    owner: np.ndarray
    x: np.ndarray
    y: np.ndarray
    lon: np.ndarray
    lat: np.ndarray


def _by_feature(matches, part_owner: np.ndarray, count: int):
    """The parts' matches as each feature's: a member matched by several parts of one
    multipoint keeps its nearest part, and each feature its ``count`` nearest (ranked again).

    The ``count`` nearest members of a multipoint are among the union of its parts' ``count``
    nearest: a member missing from the list of the part nearest to it has ``count`` others
    nearer that part, hence nearer the multipoint.
    """
    features = part_owner[matches.owner]
    if len(features) == 0 or np.all(np.diff(part_owner) > 0):
        return matches  # one part per feature: the parts' matches are the features'
    order = np.lexsort((matches.distance_m, features))
    keep, ranks = [], []
    seen, current, rank = set(), -1, 0
    members = matches.members
    for i, feature in zip(order.tolist(), features[order].tolist()):
        if feature != current:
            seen, current, rank = set(), feature, 0
        if rank >= count or members[i] in seen:
            continue
        seen.add(members[i])
        rank += 1
        keep.append(i)
        ranks.append(rank)
    index = np.asarray(keep, dtype=np.int64)
    return Matches(
        matches.owner[index],
        np.asarray(ranks, dtype=np.int64),
        [members[i] for i in keep],
        matches.distance_m[index],
        matches.lon[index],
        matches.lat[index],
    )
