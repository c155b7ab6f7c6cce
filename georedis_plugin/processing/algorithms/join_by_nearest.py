"""georedis:joinbynearest: each input point joined to its nearest members of a geo set.

Shaped as native:joinbynearest shapes its output (qgsalgorithmjoinbynearest.cpp): the input
fields, then the joined fields under PREFIX (here the member name and the attributes stored
with the set), then ``n``, ``distance``, ``feature_x``, ``feature_y``, ``nearest_x``,
``nearest_y`` (coordinates in the input CRS); one output feature per neighbour, the input
geometry on each; unjoinable features kept with nulls unless DISCARD_NONMATCHING. The geo set
is already indexed: the points are searched in pipelined batches (core.geoset.many).
"""

from concurrent.futures import ThreadPoolExecutor

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
from ...core.geoset.many import BATCH, NearestMany
from ...core.geoset.reading import transform_arrays
from .base import GeoRedisAlgorithm
from .geoset_base import GEOSET_GROUP, GEOSET_GROUP_ID, UNIT_LABELS

RESULT_FIELDS = ("n", "distance", "feature_x", "feature_y", "nearest_x", "nearest_y")


class JoinByNearestAlgorithm(GeoRedisAlgorithm):
    INPUT = "INPUT"
    KEY = "KEY"
    NEIGHBORS = "NEIGHBORS"
    MAX_DISTANCE = "MAX_DISTANCE"
    UNIT = "UNIT"
    PREFIX = "PREFIX"
    DISCARD_NONMATCHING = "DISCARD_NONMATCHING"
    DISTANCES = "DISTANCES"
    OUTPUT = "OUTPUT"
    JOINED_COUNT = "JOINED_COUNT"
    UNJOINABLE_COUNT = "UNJOINABLE_COUNT"

    def name(self) -> str:
        return "joinbynearest"

    def displayName(self) -> str:
        return self.tr("Join attributes by nearest geo-set members")

    def group(self) -> str:
        return self.tr(GEOSET_GROUP)

    def groupId(self) -> str:
        return GEOSET_GROUP_ID

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
        key = QgsProcessingParameterString(self.KEY, self.tr("Geo set name"))
        key.setHelp(self.tr("Name of a geo set loaded with 'Load points into a geo set'."))
        self.add_parameter(key)
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
        distances = QgsProcessingParameterEnum(
            self.DISTANCES,
            self.tr("Distances"),
            [
                self.tr("Ellipsoid (WGS 84, as QGIS measures)"),
                self.tr("Sphere (as Redis measures)"),
            ],
            False,
            0,
        )
        distances.setHelp(
            self.tr(
                "Ellipsoid: hits and distances measured on the WGS 84 ellipsoid, as QGIS's "
                "measure tool and $length do. Sphere: Redis's own figures, on its sphere of "
                "radius 6372797.56 m (they differ by up to 0.5%)."
            )
        )
        self.add_parameter(distances)
        sink = QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("Joined layer"))
        sink.setHelp(self.tr("The input points with their nearest members' fields."))
        self.add_parameter(sink)
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
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))

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
            discard,
        )
        total = source.featureCount() or 0
        done = 0

        def write(batch, xs, ys, searching):
            features = joiner.build(batch, xs, ys, *searching.result())
            if not sink.addFeatures(features, QgsFeatureSink.Flag.FastInsert):
                raise QgsProcessingException(self.writeFeatureError(sink, parameters, self.OUTPUT))
            return len(batch)

        try:
            # Redis searches one batch (worker thread, mostly waiting on the socket) while
            # this thread builds the output of the batch before: the two cores both work.
            with ThreadPoolExecutor(max_workers=1) as pool:
                previous = None
                for batch in _batches(source.getFeatures(QgsFeatureRequest()), feedback):
                    xs, ys, lon, lat = joiner.positions(batch)
                    searching = pool.submit(joiner.search, lon, lat)
                    if previous is not None:
                        done += write(*previous)
                        if total:
                            feedback.setProgress(100.0 * done / total)
                    previous = (batch, xs, ys, searching)
                if previous is not None:
                    done += write(*previous)
        except GeoRedisError as exc:
            raise QgsProcessingException(str(exc)) from exc
        except REDIS_ERRORS as exc:
            raise QgsProcessingException(explain_error(exc, config)) from exc
        finalize_sink(sink)
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
        return {
            self.OUTPUT: dest_id,
            self.JOINED_COUNT: joiner.joined,
            self.UNJOINABLE_COUNT: joiner.unjoinable,
        }


def _batches(features, feedback):
    """Lists of up to BATCH features; stops when the run is canceled."""
    batch = []
    for feature in features:
        if feedback.isCanceled():
            return
        batch.append(feature)  # the iterator gives a new QgsFeature each turn
        if len(batch) == BATCH:
            yield batch
            batch = []
    if batch and not feedback.isCanceled():
        yield batch


class _Joiner:
    """Turns batches of input features into output features; counts joined and unjoinable."""

    def __init__(self, searcher, stored, to_wgs84, scale, nulls, discard):
        self.searcher = searcher
        self.stored = stored
        self.to_wgs84 = to_wgs84
        self.from_wgs84 = QgsCoordinateTransform(to_wgs84)
        self.from_wgs84.setDestinationCrs(to_wgs84.sourceCrs())
        self.from_wgs84.setSourceCrs(to_wgs84.destinationCrs())
        self.scale = scale
        self.nulls = nulls
        self.discard = discard
        self.joined = 0
        self.unjoinable = 0

    def positions(self, batch: list) -> tuple:
        """(x, y) of each feature in the input CRS and (lon, lat) in WGS 84; NaN = none."""
        xs = np.full(len(batch), np.nan)
        ys = np.full(len(batch), np.nan)
        for index, feature in enumerate(batch):
            geometry = feature.geometry()
            if geometry.isNull() or geometry.isEmpty():
                continue
            point = geometry.constGet()
            if QgsWkbTypes.isMultiType(point.wkbType()):
                if point.numGeometries() != 1:
                    continue  # several points: which one to join is not defined, as for null
                point = point.geometryN(0)
            xs[index], ys[index] = point.x(), point.y()
        lon, lat = transform_arrays(xs, ys, self.to_wgs84)
        return xs, ys, lon, lat

    def search(self, lon, lat) -> tuple:
        """The matches of the points and their stored rows (Redis I/O and numpy only)."""
        matches = self.searcher.search(lon, lat)
        rows = None
        if self.stored is not None and matches.members:
            stored_rows = self.searcher.geo_set.stored_rows(matches.members)
            rows = geoset.decode_rows(self.stored, stored_rows)
        return matches, rows

    def build(self, batch: list, xs, ys, matches, rows) -> list:
        """The output features of ``batch``: one per neighbour, or one with nulls."""
        near_x, near_y = transform_arrays(matches.lon, matches.lat, self.from_wgs84)
        owners = matches.owner.tolist()
        ranks = matches.rank.tolist()
        distance = (matches.distance_m / self.scale).tolist()
        near_x, near_y = near_x.tolist(), near_y.tolist()
        feature_x, feature_y = xs.tolist(), ys.tolist()
        names = [m.decode("utf-8", "replace") for m in matches.members]
        width = len(self.stored) if self.stored is not None else 0
        out = []
        at = 0
        for index, feature in enumerate(batch):
            attributes = feature.attributes()
            first = at
            while at < len(owners) and owners[at] == index:
                values = [names[at], *(rows[at][:width] if rows is not None else [])]
                values += [ranks[at], distance[at], feature_x[index], feature_y[index]]
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
            if not self.discard:
                feature.setAttributes(attributes + self.nulls)
                out.append(feature)
        return out
