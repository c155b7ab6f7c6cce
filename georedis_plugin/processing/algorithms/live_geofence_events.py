"""georedis:geofenceevents: the enter/exit events of a live stream's history in fences."""

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterDateTime,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsWkbTypes,
)

from ...core.live import features
from ...core.live.geofence import Fences, FenceTracker, fences_in_wgs84
from ...core.live.history import History
from .live_base import LiveAlgorithm


class GeofenceEventsAlgorithm(LiveAlgorithm):
    FENCES = "FENCES"
    FENCE_FIELD = "FENCE_FIELD"
    START = "START"
    END = "END"
    OUTPUT = "OUTPUT"
    COUNT = "COUNT"

    def name(self) -> str:
        return "geofenceevents"

    def displayName(self) -> str:
        return self.tr("Geofence events of a live stream")

    def shortHelpString(self) -> str:
        return self.tr(
            "Replays the history of the live stream (entries whose ts lies between start and "
            "end) through the fences and reports every enter and exit: points where the event "
            "happened with id, fence, kind (enter or exit) and ts. An id's first position sets "
            "its state without an event; positions older than the id's latest are ignored, as "
            "in the live layer, which reports the same events."
        )

    def initAlgorithm(self, config=None):
        self.add_name_parameter()
        fences = QgsProcessingParameterFeatureSource(
            self.FENCES, self.tr("Fences"), [QgsProcessing.SourceType.TypeVectorPolygon]
        )
        fences.setHelp(self.tr("Polygons, in any CRS."))
        self.add_parameter(fences)
        field = QgsProcessingParameterField(
            self.FENCE_FIELD,
            self.tr("Fence name field"),
            parentLayerParameterName=self.FENCES,
            optional=True,
        )
        field.setHelp(self.tr("Field naming the fences. Empty: the feature id."))
        self.add_parameter(field)
        for name, label in ((self.START, self.tr("Start")), (self.END, self.tr("End"))):
            parameter = QgsProcessingParameterDateTime(name, label, optional=True)
            parameter.setHelp(self.tr("Empty: no limit on that side."))
            self.add_parameter(parameter)
        self.add_parameter(QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("Events")))
        self.add_output(QgsProcessingOutputNumber(self.COUNT, self.tr("Events")))

    def processAlgorithm(self, parameters, context, feedback):
        fences = self.parameterAsSource(parameters, self.FENCES, context)
        if fences is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.FENCES))
        fence_field = self.parameterAsString(parameters, self.FENCE_FIELD, context)
        tracker = FenceTracker(Fences(self._fences(fences, fence_field, context, feedback)))
        start, end = self.time_range(parameters, context, self.START, self.END)

        def replay(client, keys):
            history = History(client, keys, start, end, feedback=feedback)
            events = []
            latest = {}
            for position in history:
                if latest.get(position.id, position.ts) > position.ts:
                    continue
                latest[position.id] = position.ts
                events.extend(tracker.update(position))
            return events

        events = self.redis(parameters, context, replay)
        dest_id = self.write(
            parameters,
            self.OUTPUT,
            context,
            features.event_fields(),
            QgsWkbTypes.Type.Point,
            [features.event_feature(e) for e in events],
            animate=("ts", ""),
        )
        feedback.pushInfo(self.tr("{count} events.").format(count=len(events)))
        return {self.OUTPUT: dest_id, self.COUNT: len(events)}

    def _fences(self, source, field_name, context, feedback):
        transform = QgsCoordinateTransform(
            source.sourceCrs(),
            QgsCoordinateReferenceSystem(features.WGS84),
            context.transformContext(),
        )
        index = source.fields().lookupField(field_name) if field_name else -1
        fences, skipped = fences_in_wgs84(
            source.getFeatures(),
            transform,
            lambda feature: feature.attribute(index) if index >= 0 else feature.id(),
        )
        if skipped:
            feedback.pushWarning(
                self.tr(
                    "{count} fences skipped: no geometry, an empty one, or one that does not "
                    "transform to WGS 84."
                ).format(count=skipped)
            )
        return fences
