"""georedis:livepositions: the latest position of every id of a live stream, now."""

from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterNumber,
    QgsWkbTypes,
)

from ...core.live import features
from ...core.live.fold import fold
from .live_base import LiveAlgorithm


class LivePositionsAlgorithm(LiveAlgorithm):
    TTL = "TTL"
    OUTPUT = "OUTPUT"
    COUNT = "COUNT"

    def name(self) -> str:
        return "livepositions"

    def displayName(self) -> str:
        return self.tr("Latest positions of a live stream")

    def shortHelpString(self) -> str:
        return self.tr(
            "Where the fleet is now: the latest position of every id of the live stream seen "
            "within the lifetime, from the state kept on the server (folded from the stream "
            "first, so it includes every entry written so far). Points in WGS 84 with id, ts "
            "(UTC), age_s (seconds since ts) and the attributes of the latest entry."
        )

    def initAlgorithm(self, config=None):
        self.add_name_parameter()
        ttl = QgsProcessingParameterNumber(
            self.TTL, self.tr("Lifetime (seconds, 0 = every id)"), minValue=0, defaultValue=300
        )
        ttl.setHelp(self.tr("Ids not seen for this long are left out."))
        self.add_parameter(ttl)
        sink = QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("Latest positions"))
        self.add_parameter(sink)
        self.add_output(QgsProcessingOutputNumber(self.COUNT, self.tr("Number of ids")))

    def processAlgorithm(self, parameters, context, feedback):
        ttl = self.parameterAsDouble(parameters, self.TTL, context)
        result = self.redis(
            parameters,
            context,
            lambda client, keys: fold(client, keys, snapshot=True, ttl_s=ttl, window_s=ttl),
        )
        positions = sorted(result.positions, key=lambda p: p.id)
        table = features.PositionTable(positions, with_age=True)
        now_s = result.server_ms / 1000.0
        dest_id = self.write(
            parameters,
            self.OUTPUT,
            context,
            table.fields,
            QgsWkbTypes.Type.Point,
            [table.feature(p, now_s) for p in positions],
        )
        feedback.pushInfo(self.tr("{count} ids.").format(count=len(positions)))
        return {self.OUTPUT: dest_id, self.COUNT: len(positions)}
