"""georedis:publishpositions: write the points of a layer to a live stream (e.g. a replay)."""

import math

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsCsException,
    QgsFeatureRequest,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterNumber,
)
from qgis.PyQt.QtCore import QDate, QDateTime, Qt

from ...core.compat import ADVANCED_PARAMETER
from ...core.live import features, wire
from ...core.live.fold import DEFAULT_RETENTION_S
from ...core.live.publish import publish
from .live_base import LiveAlgorithm


def time_ms(value):
    """ms since the epoch of a date-time, date, ISO text or number (ms); None if not one."""
    if isinstance(value, QDateTime):
        return value.toMSecsSinceEpoch() if value.isValid() else None
    if isinstance(value, QDate):
        return QDateTime(value).toMSecsSinceEpoch() if value.isValid() else None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
        return int(value) if value >= 0 else None
    if isinstance(value, str):
        parsed = QDateTime.fromString(value.strip(), Qt.DateFormat.ISODateWithMs)
        return parsed.toMSecsSinceEpoch() if parsed.isValid() else None
    return None


class PublishPositionsAlgorithm(LiveAlgorithm):
    INPUT = "INPUT"
    ID_FIELD = "ID_FIELD"
    TIME_FIELD = "TIME_FIELD"
    FIELDS = "FIELDS"
    RETENTION = "RETENTION"
    COUNT = "COUNT"
    SKIPPED = "SKIPPED"

    def name(self) -> str:
        return "publishpositions"

    def displayName(self) -> str:
        return self.tr("Publish positions to a live stream")

    def shortHelpString(self) -> str:
        return self.tr(
            "Appends one entry per point to the live stream (XADD in GeoRedis's wire format, "
            "in WGS 84), for instance to replay a recorded track. Each entry carries the id "
            "field's value, the time field's value as ts (else the time of writing) and the "
            "chosen fields as attributes. Points without geometry or id, multipoints of "
            "several parts, points Redis cannot index and null or invalid times are skipped "
            "and counted. The stream is trimmed to the retention."
        )

    def initAlgorithm(self, config=None):
        source = QgsProcessingParameterFeatureSource(
            self.INPUT, self.tr("Point layer"), [QgsProcessing.SourceType.TypeVectorPoint]
        )
        source.setHelp(self.tr("The positions to publish, in any CRS."))
        self.add_parameter(source)
        self.add_name_parameter()
        id_field = QgsProcessingParameterField(
            self.ID_FIELD, self.tr("Id field"), parentLayerParameterName=self.INPUT
        )
        id_field.setHelp(self.tr("Field naming the vehicle (or other thing) that moves."))
        self.add_parameter(id_field)
        time_field = QgsProcessingParameterField(
            self.TIME_FIELD,
            self.tr("Time field"),
            parentLayerParameterName=self.INPUT,
            optional=True,
        )
        time_field.setHelp(
            self.tr(
                "Date-time of each position (a date-time, an ISO 8601 text or ms since the "
                "epoch). Empty: the time of writing."
            )
        )
        self.add_parameter(time_field)
        fields = QgsProcessingParameterField(
            self.FIELDS,
            self.tr("Fields to send"),
            parentLayerParameterName=self.INPUT,
            allowMultiple=True,
            optional=True,
        )
        fields.setHelp(self.tr("Attributes sent with each position, as text."))
        self.add_parameter(fields)
        retention = QgsProcessingParameterNumber(
            self.RETENTION,
            self.tr("Retention (seconds, 0 = keep everything)"),
            minValue=0,
            defaultValue=DEFAULT_RETENTION_S,
        )
        retention.setHelp(self.tr("Entries older than this are trimmed from the stream."))
        retention.setFlags(retention.flags() | ADVANCED_PARAMETER)
        self.add_parameter(retention)
        self.add_output(QgsProcessingOutputNumber(self.COUNT, self.tr("Published positions")))
        self.add_output(QgsProcessingOutputNumber(self.SKIPPED, self.tr("Skipped features")))

    def processAlgorithm(self, parameters, context, feedback):
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        fields = source.fields()
        id_index = fields.lookupField(self.parameterAsString(parameters, self.ID_FIELD, context))
        time_name = self.parameterAsString(parameters, self.TIME_FIELD, context)
        time_index = fields.lookupField(time_name) if time_name else -1
        sent = [
            (name, fields.lookupField(name))
            for name in self.field_names(parameters, self.FIELDS, context)
        ]
        retention = self.parameterAsDouble(parameters, self.RETENTION, context)
        transform = QgsCoordinateTransform(
            source.sourceCrs(),
            QgsCoordinateReferenceSystem(features.WGS84),
            context.transformContext(),
        )
        skipped = [0]
        total = source.featureCount() or 1

        def rows():
            request = QgsFeatureRequest()
            for number, feature in enumerate(source.getFeatures(request)):
                if feedback.isCanceled():
                    return
                feedback.setProgress(100.0 * number / total)
                row = self._row(feature, id_index, time_index, sent, transform)
                if row is None:
                    skipped[0] += 1
                else:
                    yield row

        count = self.redis(
            parameters,
            context,
            lambda client, keys: publish(client, keys, rows(), retention, feedback),
        )
        feedback.pushInfo(
            self.tr("Published {count} positions; skipped {skipped} features.").format(
                count=count, skipped=skipped[0]
            )
        )
        return {self.COUNT: count, self.SKIPPED: skipped[0]}

    @staticmethod
    def _row(feature, id_index, time_index, sent, transform):
        geometry = feature.geometry()
        if geometry.isNull() or geometry.isEmpty() or geometry.constGet().partCount() != 1:
            return None
        ident = feature.attribute(id_index)
        if ident is None or (hasattr(ident, "isNull") and ident.isNull()) or str(ident) == "":
            return None
        ts = None
        if time_index >= 0:
            ts = time_ms(feature.attribute(time_index))
            if ts is None:
                return None
        try:
            point = transform.transform(geometry.vertexAt(0).x(), geometry.vertexAt(0).y())
        except QgsCsException:  # a point outside the CRS's area
            return None
        lon, lat = point.x(), point.y()
        if not (math.isfinite(lon) and math.isfinite(lat)):
            return None
        if abs(lon) > 180 or abs(lat) > wire.MAX_LATITUDE:
            return None
        attributes = {}
        for name, index in sent:
            value = feature.attribute(index)
            if value is None or (hasattr(value, "isNull") and value.isNull()):
                continue
            if isinstance(value, QDateTime):
                value = value.toString("yyyy-MM-ddTHH:mm:ss.zzzZ")
            attributes[name] = value
        return str(ident), lon, lat, ts, attributes
