"""georedis:positionhistory: past positions of a live stream, ready for the Temporal Controller."""

from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDateTime,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterString,
    QgsWkbTypes,
)

from ...core.live import features
from ...core.live.history import History
from .live_base import LiveAlgorithm


class PositionHistoryAlgorithm(LiveAlgorithm):
    START = "START"
    END = "END"
    IDS = "IDS"
    AS_TRACKS = "AS_TRACKS"
    OUTPUT = "OUTPUT"
    COUNT = "COUNT"
    SKIPPED = "SKIPPED"

    def name(self) -> str:
        return "positionhistory"

    def displayName(self) -> str:
        return self.tr("Position history of a live stream")

    def shortHelpString(self) -> str:
        return self.tr(
            "The positions kept in the live stream whose ts lies between start and end (both "
            "optional), optionally of some ids only: points with id, ts (UTC) and their "
            "attributes, with temporal properties set so that the Temporal Controller "
            "animates them at once; or, as tracks, one line per id through its positions in "
            "time order (ids with a single position give no line and are counted as "
            "skipped). Entries breaking the wire format are skipped and counted."
        )

    def initAlgorithm(self, config=None):
        self.add_name_parameter()
        for name, label in ((self.START, self.tr("Start")), (self.END, self.tr("End"))):
            parameter = QgsProcessingParameterDateTime(name, label, optional=True)
            parameter.setHelp(self.tr("Empty: no limit on that side."))
            self.add_parameter(parameter)
        ids = QgsProcessingParameterString(
            self.IDS, self.tr("Ids (comma-separated)"), optional=True
        )
        ids.setHelp(self.tr("Only these ids. Empty: every id."))
        self.add_parameter(ids)
        tracks = QgsProcessingParameterBoolean(
            self.AS_TRACKS, self.tr("One line per id"), defaultValue=False
        )
        tracks.setHelp(self.tr("Lines with start, end and the number of points of each id."))
        self.add_parameter(tracks)
        self.add_parameter(QgsProcessingParameterFeatureSink(self.OUTPUT, self.tr("History")))
        self.add_output(QgsProcessingOutputNumber(self.COUNT, self.tr("Positions")))
        self.add_output(QgsProcessingOutputNumber(self.SKIPPED, self.tr("Skipped entries")))

    def processAlgorithm(self, parameters, context, feedback):
        start, end = self.time_range(parameters, context, self.START, self.END)
        wanted = self.parameterAsString(parameters, self.IDS, context)
        ids = [part.strip() for part in wanted.split(",") if part.strip()]
        as_tracks = self.parameterAsBoolean(parameters, self.AS_TRACKS, context)

        def read(client, keys):
            history = History(client, keys, start, end, ids, feedback)
            return list(history), history

        positions, history = self.redis(parameters, context, read)
        skipped = history.skipped_total
        if as_tracks:
            by_id = {}
            for position in positions:
                by_id.setdefault(position.id, []).append(position)
            feature_list = []
            for ident in sorted(by_id):
                track = sorted(by_id[ident], key=lambda p: (p.ts, p.entry_id))
                if len(track) < 2:
                    skipped += 1
                    continue
                feature_list.append(features.track_feature(ident, track))
            dest_id = self.write(
                parameters,
                self.OUTPUT,
                context,
                features.track_fields(),
                QgsWkbTypes.Type.LineString,
                feature_list,
                animate=("start", "end"),
            )
        else:
            table = features.PositionTable(positions, with_age=False)
            dest_id = self.write(
                parameters,
                self.OUTPUT,
                context,
                table.fields,
                QgsWkbTypes.Type.Point,
                [table.feature(p) for p in positions],
                animate=("ts", ""),
            )
        feedback.pushInfo(
            self.tr("{count} positions of {read} entries read; {skipped} skipped.").format(
                count=len(positions), read=history.read, skipped=skipped
            )
        )
        return {self.OUTPUT: dest_id, self.COUNT: len(positions), self.SKIPPED: skipped}
