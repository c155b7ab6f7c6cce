"""The "Live" part of the GeoRedis dock: follow a live stream on the map.

A LiveReader (core) follows the stream on a worker thread; a 250 ms QTimer on the main thread
takes its changes and applies them to the live layer in one batch (at most 4 repaints a
second), shows the status line and reports geofence events (message bar and log; the reader
also writes them to the stream's events key; it reads and prepares the fences on its
thread too). Listing streams and reading history run in QgsTasks. Nothing here waits on Redis.
"""

import time

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsDateTimeRange,
    QgsExpression,
    QgsExpressionContext,
    QgsExpressionContextUtils,
    QgsMapLayerProxyModel,
    QgsMessageLog,
    QgsProject,
    QgsVectorLayer,
    QgsVectorLayerFeatureSource,
)
from qgis.gui import QgsMapLayerComboBox
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core.clients import get_client
from ..core.config import ConnectionConfig
from ..core.errors import GeoRedisError, explain_error
from ..core.live import features
from ..core.live.geofence import ENTER, Fences, FenceTracker, fences_in_wgs84
from ..core.live.history import History
from ..core.live.keys import LiveKeys
from ..core.live.reader import LiveReader, status_text
from ..core.live.streams import list_streams
from ..i18n import tr
from .live_layer import LayerFeed, LiveLayer, point_geometry
from .tasks import BackgroundRunner

REPAINT_MS = 250  # at most 4 repaints a second


def fence_reader(layer):
    """A function giving the FenceTracker of a polygon layer's features in WGS 84, each named
    by the layer's display expression. What needs the layer is taken here, on the UI thread;
    the function reads the features and prepares the polygons wherever it is called (the
    live reader's thread)."""
    source = QgsVectorLayerFeatureSource(layer)
    transform = QgsCoordinateTransform(
        layer.crs(), QgsCoordinateReferenceSystem(features.WGS84), QgsProject.instance()
    )
    expression = QgsExpression(layer.displayExpression())
    context = QgsExpressionContext(QgsExpressionContextUtils.globalProjectLayerScopes(layer))
    layer_name = layer.name()

    def name_of(feature):
        context.setFeature(feature)
        name = expression.evaluate(context)
        return name if name is not None else feature.id()

    def read() -> FenceTracker:
        fences, skipped = fences_in_wgs84(source.getFeatures(), transform, name_of)
        if skipped:  # on the reader's thread: to the log, which any thread may write to
            QgsMessageLog.logMessage(
                tr(
                    "{count} fences of {layer} skipped: no geometry, an empty one, or one that "
                    "does not transform to WGS 84."
                ).format(count=skipped, layer=layer_name),
                "GeoRedis",
                Qgis.MessageLevel.Warning,
            )
        return FenceTracker(Fences(fences))

    return read


class LivePanel(QWidget):
    def __init__(self, iface, parent=None):
        super().__init__(parent)
        self.setObjectName("live_panel")
        self.iface = iface
        self.runner = BackgroundRunner(self)
        self.reader = None
        self.live_layer = None
        self.feed = None
        self.timer = QTimer(self)
        self.timer.setInterval(REPAINT_MS)
        self.timer.timeout.connect(self.drain)
        group = QGroupBox(tr("Live positions"))
        form = QFormLayout(group)
        row = QHBoxLayout()
        self.stream_combo = QComboBox()
        self.stream_combo.setEditable(True)  # noqa: QGS202 a widget setter, no result
        self.stream_combo.setToolTip(tr("Name of the live stream (<prefix>:live:{<name>})"))
        row.addWidget(self.stream_combo, 1)
        self.list_button = QToolButton()
        self.list_button.setText(tr("List"))
        self.list_button.setToolTip(tr("List the live streams on the server with their rates"))
        self.list_button.clicked.connect(self.refresh_streams)
        row.addWidget(self.list_button)
        form.addRow(tr("Stream"), row)
        self.ttl_spin = QSpinBox()
        self.ttl_spin.setRange(0, 7 * 86400)
        self.ttl_spin.setValue(300)  # noqa: QGS202 a widget setter, no result
        self.ttl_spin.setSuffix(tr(" s"))
        self.ttl_spin.setToolTip(tr("Ids not seen for this long leave the map (0: never)"))
        form.addRow(tr("Lifetime"), self.ttl_spin)
        self.fence_combo = QgsMapLayerComboBox()
        self.fence_combo.setFilters(QgsMapLayerProxyModel.Filter.PolygonLayer)
        self.fence_combo.setAllowEmptyLayer(True)
        self.fence_combo.setLayer(None)
        self.fence_combo.setToolTip(tr("Polygons whose enters and exits are reported"))
        form.addRow(tr("Geofences"), self.fence_combo)
        self.start_button = QPushButton(tr("Start"))
        self.start_button.setCheckable(True)
        self.start_button.toggled.connect(self.start_or_stop)
        form.addRow(self.start_button)
        history_row = QHBoxLayout()
        self.minutes_spin = QSpinBox()
        self.minutes_spin.setRange(1, 24 * 60)
        self.minutes_spin.setValue(15)  # noqa: QGS202 a widget setter, no result
        self.minutes_spin.setSuffix(tr(" min"))
        history_row.addWidget(self.minutes_spin)
        self.history_button = QPushButton(tr("Last minutes"))
        self.history_button.setToolTip(
            tr("Load the positions of the last minutes, ready for the Temporal Controller")
        )
        self.history_button.clicked.connect(self.load_history)
        history_row.addWidget(self.history_button, 1)
        form.addRow(tr("History"), history_row)
        self.status_label = QLabel()
        self.status_label.setObjectName("live_status")
        self.status_label.setWordWrap(True)
        form.addRow(self.status_label)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(group)

    # -- following ---------------------------------------------------------------------------

    def keys(self, config) -> LiveKeys:
        """The chosen stream's keys; a listed entry's text ends with its rate in brackets."""
        index = self.stream_combo.currentIndex()
        listed = self.stream_combo.itemData(index) if index >= 0 else None
        text = self.stream_combo.currentText()
        name = listed if listed and text == self.stream_combo.itemText(index) else text
        return LiveKeys.for_name(config.key_prefix, name)

    def start_or_stop(self, start: bool) -> None:
        if start:
            self.start()
        else:
            self.stop()

    def start(self) -> None:
        config = ConnectionConfig.from_settings()
        try:
            keys = self.keys(config)
        except GeoRedisError as exc:  # no name
            self.status_label.setText(str(exc))
            self.start_button.setChecked(False)
            return
        fences = self.fence_combo.currentLayer()
        make_tracker = fence_reader(fences) if fences is not None else None
        self.live_layer = LiveLayer(keys.name)
        if QgsProject.instance().addMapLayer(self.live_layer.layer) is None:
            self.status_label.setText(tr("The live layer could not be added to the project."))
            self.start_button.setChecked(False)
            return
        self.reader = LiveReader(
            lambda: get_client(config),
            keys,
            self.ttl_spin.value(),
            explain=lambda exc: explain_error(exc, config),
            make_tracker=make_tracker,
            prepare=point_geometry,
        )
        self.reader.start()
        self.feed = LayerFeed(self.live_layer, self.reader.take, self.iface.mapCanvas())
        self.timer.start()
        self.start_button.setText(tr("Stop"))
        self.status_label.setText(tr("Connecting…"))

    def stop(self) -> None:
        self.timer.stop()
        if self.feed is not None:
            self.feed.close()
            self.feed = None
        if self.reader is not None:
            self.reader.stop(timeout=0)  # the thread ends within its XREAD block time
            self.reader = None
        self.start_button.setText(tr("Start"))
        self.status_label.setText(tr("Stopped."))

    def drain(self) -> None:
        if self.reader is None:
            return
        status, events = self.feed.tick()
        self.status_label.setText(status_text(status))
        for event in events:
            text = (
                tr("{id} entered {fence}") if event.kind == ENTER else tr("{id} left {fence}")
            ).format(id=event.id, fence=event.fence)
            self.iface.messageBar().pushMessage(tr("Geofence"), text, Qgis.MessageLevel.Info, 5)
            QgsMessageLog.logMessage(text, "GeoRedis", Qgis.MessageLevel.Info)

    # -- listing and history -----------------------------------------------------------------

    def refresh_streams(self):
        config = ConnectionConfig.from_settings()

        def done(error, streams):
            if error:
                self.status_label.setText(error)
                return
            current = self.stream_combo.currentText()
            self.stream_combo.clear()
            for stream in streams:
                self.stream_combo.addItem(
                    tr("{name}  ({rate:.0f}/s, {length} entries)").format(
                        name=stream.name, rate=stream.rate, length=stream.length
                    ),
                    stream.name,
                )
            if current:
                self.stream_combo.setEditText(current)
            elif streams:
                self.stream_combo.setCurrentIndex(0)
            self.status_label.setText(tr("{n} live streams.").format(n=len(streams)))

        return self.runner.run(
            tr("GeoRedis: list live streams"),
            lambda task: list_streams(get_client(config), config.key_prefix),
            done,
            config,
        )

    def load_history(self):
        config = ConnectionConfig.from_settings()
        try:
            keys = self.keys(config)
        except GeoRedisError as exc:
            self.status_label.setText(str(exc))
            return None
        minutes = self.minutes_spin.value()
        end_ms = int(time.time() * 1000)
        start_ms = end_ms - minutes * 60_000

        def read(task):
            return list(History(get_client(config), keys, start_ms, end_ms, feedback=task))

        def done(error, positions):
            if error:
                self.status_label.setText(error)
                return
            table = features.PositionTable(positions, with_age=False)
            layer = QgsVectorLayer(
                f"Point?crs={features.WGS84}",
                tr("{name}, last {m} min").format(name=keys.name, m=minutes),
                "memory",
            )
            provider = layer.dataProvider()
            ok = provider.addAttributes(table.fields.toList())
            layer.updateFields()
            ok = ok and provider.addFeatures([table.feature(p) for p in positions])[0]
            features.animate(layer, "ts")
            if not ok or QgsProject.instance().addMapLayer(layer) is None:
                self.status_label.setText(tr("The history layer could not be built."))
                return
            QgsProject.instance().timeSettings().setTemporalRange(
                QgsDateTimeRange(features.utc(start_ms), features.utc(end_ms))
            )
            self.status_label.setText(tr("{n} positions loaded.").format(n=len(positions)))

        return self.runner.run(tr("GeoRedis: read live history"), read, done, config)

    def close_down(self) -> None:
        self.timer.stop()
        if self.feed is not None:
            self.feed.close()
            self.feed = None
        if self.reader is not None:
            self.reader.stop(timeout=0.5)
            self.reader = None
        self.runner.cancel_all()
