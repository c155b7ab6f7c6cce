"""Shared bases of the geo-set algorithms: ``GeoSetAlgorithm`` (group, set name, distances)
for all of them, ``GeoSetSearchAlgorithm`` (unit, count, hit sink) for the searches.

A search algorithm adds its shape's parameters and turns them into a shape of
``core.geoset.shapes``; the base runs it and writes the hits straight into the sink.
"""

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeatureSink,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsWkbTypes,
)
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP

from ...core import geoset
from ...core.clients import get_client
from ...core.compat import finalize_sink
from ...core.errors import REDIS_ERRORS, GeoRedisError, explain_error
from .base import GeoRedisAlgorithm

# translated where they are shown (self.tr), marked here for the extraction as Qt marks them
GEOSET_GROUP = QT_TRANSLATE_NOOP("GeoRedis", "Geo sets")
GEOSET_GROUP_ID = "geosets"
UNIT_LABELS = (
    QT_TRANSLATE_NOOP("GeoRedis", "meters"),
    QT_TRANSLATE_NOOP("GeoRedis", "kilometers"),
    QT_TRANSLATE_NOOP("GeoRedis", "miles"),
    QT_TRANSLATE_NOOP("GeoRedis", "feet"),
)


class GeoSetAlgorithm(GeoRedisAlgorithm):
    """What every geo-set algorithm shares: its group, the set name and distances parameters."""

    KEY = "KEY"
    DISTANCES = "DISTANCES"

    def group(self) -> str:
        return self.tr(GEOSET_GROUP)

    def groupId(self) -> str:
        return GEOSET_GROUP_ID

    def add_key_parameter(self) -> None:
        key = QgsProcessingParameterString(self.KEY, self.tr("Geo set name"))
        key.setHelp(self.tr("Name of a geo set loaded with 'Load points into a geo set'."))
        self.add_parameter(key)

    def add_distances_parameter(self) -> None:
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


class GeoSetSearchAlgorithm(GeoSetAlgorithm):
    """Subclasses add their shape parameters and implement ``shape``."""

    UNIT = "UNIT"
    COUNT = "COUNT"
    OUTPUT = "OUTPUT"
    HITS = "HITS"

    def initAlgorithm(self, config=None):
        self.add_key_parameter()
        self.init_shape_parameters()
        unit = QgsProcessingParameterEnum(
            self.UNIT, self.tr("Distance unit"), [self.tr(u) for u in UNIT_LABELS], False, 0
        )
        unit.setHelp(
            self.tr("Unit of the distances given above and of the 'distance' field of the hits.")
        )
        self.addParameter(unit)  # noqa: QGS202 fails only on a duplicate name
        self.init_count_parameter()
        self.add_distances_parameter()
        sink = QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("Hits"))
        sink.setHelp(
            self.tr(
                "Points in WGS 84, nearest first, with 'member', 'distance' (in the chosen "
                "unit) and the attributes stored with the set."
            )
        )
        self.addParameter(sink)  # noqa: QGS202 fails only on a duplicate name
        hits = QgsProcessingOutputNumber(self.HITS, self.tr("Number of hits"))
        self.addOutput(hits)  # noqa: QGS202 fails only on a duplicate name

    def init_shape_parameters(self) -> None:
        raise NotImplementedError

    def init_count_parameter(self) -> None:
        count = QgsProcessingParameterNumber(
            self.COUNT, self.tr("Maximum number of hits (0 = all)"), minValue=0, defaultValue=0
        )
        count.setHelp(self.tr("Keep only this many hits, nearest first. 0 keeps them all."))
        self.addParameter(count)  # noqa: QGS202 fails only on a duplicate name

    def shape(self, parameters, context):
        """The search shape (core.geoset.shapes) the parameters describe."""
        raise NotImplementedError

    def processAlgorithm(self, parameters, context, feedback):
        name = self.parameterAsString(parameters, self.KEY, context).strip()  # as loadgeoset
        unit = geoset.UNITS[self.parameterAsEnum(parameters, self.UNIT, context)]
        count = self.parameterAsInt(parameters, self.COUNT, context)
        distances = geoset.DISTANCE_MODES[self.parameterAsEnum(parameters, self.DISTANCES, context)]
        config = self.connection_config()
        try:
            shape = self.shape(parameters, context)
            geo_set = geoset.GeoSet(get_client(config), config.key_prefix, name)
            result = geo_set.search(shape, unit, count, distances)
        except GeoRedisError as exc:
            raise QgsProcessingException(str(exc)) from exc
        except REDIS_ERRORS as exc:
            raise QgsProcessingException(explain_error(exc, config)) from exc
        table = geoset.HitTable(result)
        sink, dest_id = self.parameterAsSink(
            parameters,
            self.OUTPUT,
            context,
            table.fields,
            QgsWkbTypes.Type.Point,
            QgsCoordinateReferenceSystem(geoset.WGS84),
            # a stored "fid" attribute must not become the GeoPackage fid: the rows would then
            # follow the source's ids instead of nearest first (and could clash)
            QgsFeatureSink.SinkFlag.RegeneratePrimaryKey,
        )
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        if not geoset.write_hits(table, sink):
            raise QgsProcessingException(self.writeFeatureError(sink, parameters, self.OUTPUT))
        finalize_sink(sink)
        feedback.pushInfo(
            self.tr("{hits} hits in '{name}' ({seconds:.3f} s).").format(
                hits=len(result), name=name, seconds=result.seconds
            )
        )
        return {self.OUTPUT: dest_id, self.HITS: len(result)}

    def wgs84_point(self, parameters, name: str, context):
        """A point parameter (entered in any CRS) as a WGS84 centre."""
        point = self.parameterAsPoint(
            parameters, name, context, QgsCoordinateReferenceSystem(geoset.WGS84)
        )
        return geoset.LonLat(point.x(), point.y())
