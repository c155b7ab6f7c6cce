"""The dock's "load a point layer into a geo set" box: layer, member names, set name, attributes.

The load runs in a QgsTask (through the panel's BackgroundRunner); ``loaded`` is emitted with
the set's name once it is on the server.
"""

from qgis.core import Qgis, QgsMapLayerProxyModel, QgsProject, QgsVectorLayer
from qgis.gui import QgsFieldComboBox, QgsMapLayerComboBox
from qgis.PyQt import sip
from qgis.PyQt.QtCore import pyqtSignal
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QProgressBar,
    QPushButton,
)

from ..core import geoset
from ..core.clients import get_client
from ..core.config import ConnectionConfig
from ..i18n import tr


class TaskFeedback:
    """The feedback interface core expects, backed by the running QgsTask."""

    def __init__(self, task):
        self.task = task

    def isCanceled(self) -> bool:
        return self.task.isCanceled()

    def setProgress(self, value: float) -> None:
        self.task.setProgress(value)


class GeoSetLoadBox(QGroupBox):
    """Loads the chosen point layer into a geo set; ``message(text, level, duration)`` shows
    the outcome on the message bar."""

    loaded = pyqtSignal(str)

    def __init__(self, runner, message, parent=None):
        super().__init__(tr("Load a point layer into a geo set"), parent)
        self.runner = runner
        self.message = message
        self.load_task = None
        self.load_canceled = False
        self.key_edited = False
        form = QFormLayout(self)
        self.layer_combo = QgsMapLayerComboBox()
        self.layer_combo.setFilters(QgsMapLayerProxyModel.Filter.PointLayer)
        self.layer_combo.layerChanged.connect(self.layer_changed)
        form.addRow(tr("Layer"), self.layer_combo)
        self.id_field_combo = QgsFieldComboBox()
        self.id_field_combo.setAllowEmptyFieldName(True)
        self.id_field_combo.setToolTip(tr("Field naming the members; empty = the feature id"))
        form.addRow(tr("Member name"), self.id_field_combo)
        self.key_edit = QLineEdit()
        self.key_edit.setToolTip(tr("Name of the geo set; an existing set is replaced"))
        self.key_edit.textEdited.connect(self._key_typed)
        form.addRow(tr("Geo set"), self.key_edit)
        self.store_check = QCheckBox(tr("Store the attributes with the points"))
        form.addRow(self.store_check)
        row = QHBoxLayout()
        self.load_button = QPushButton(tr("Load"))
        self.load_button.clicked.connect(self.load)
        row.addWidget(self.load_button)
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 100)
        self.progress_bar.setVisible(False)
        row.addWidget(self.progress_bar, 1)
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel_load)
        row.addWidget(self.cancel_button)
        form.addRow(row)
        self.layer_changed(self.layer_combo.currentLayer())

    def layer_changed(self, layer) -> None:
        self.id_field_combo.setLayer(layer)
        self.id_field_combo.setField("")
        if layer is not None and not self.key_edited:
            self.key_edit.setText(geoset.slug(layer.name()))

    def _key_typed(self, text: str) -> None:
        self.key_edited = bool(text)

    def load(self):
        layer = self.layer_combo.currentLayer()
        if not isinstance(layer, QgsVectorLayer):
            self.message(tr("Choose a point layer to load."), Qgis.MessageLevel.Warning, 5)
            return None
        name = self.key_edit.text().strip() or geoset.slug(layer.name())
        id_field = self.id_field_combo.currentField()
        store = self.store_check.isChecked()
        source = geoset.background_source(layer)
        transform_context = QgsProject.instance().transformContext()
        config = ConnectionConfig.from_settings()

        def work(task):
            return geoset.load_layer(
                get_client(config),
                config.key_prefix,
                name,
                source,
                id_field,
                store,
                transform_context,
                TaskFeedback(task),
                layer.name(),
            )

        def done(error, result):
            canceled = self.load_canceled
            self._load_finished()
            if canceled and error:
                # canceled before or while running: the set on the server is unchanged
                self.message(
                    tr("Loading '{name}' was canceled; the geo set is unchanged.").format(
                        name=name
                    ),
                    Qgis.MessageLevel.Info,
                    5,
                )
                return
            if error:
                self.message(error)
                return
            self.message(
                tr(
                    "Loaded {loaded} points into '{name}' in {seconds:.1f} s; skipped "
                    "{skipped}, duplicate names {duplicates}."
                ).format(
                    loaded=result.loaded,
                    name=name,
                    seconds=result.seconds,
                    skipped=result.skipped,
                    duplicates=result.duplicates,
                ),
                Qgis.MessageLevel.Success,
                5,
            )
            self.loaded.emit(name)

        self.load_canceled = False
        self.load_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.progress_bar.setValue(0)  # noqa: QGS202 a widget setter, no result
        self.progress_bar.setVisible(True)
        task = self.runner.run(tr("GeoRedis: load {name}").format(name=name), work, done, config)
        task.progressChanged.connect(self._load_progress)
        self.load_task = task
        return task

    def _load_progress(self, value: float) -> None:
        if not sip.isdeleted(self.progress_bar):
            self.progress_bar.setValue(int(value))  # noqa: QGS202 a widget setter, no result

    def _load_finished(self) -> None:
        self.load_task = None
        self.load_button.setEnabled(True)
        self.cancel_button.setEnabled(False)
        self.progress_bar.setVisible(False)

    def cancel_load(self) -> None:
        if self.load_task is not None:
            self.load_canceled = True
            self.load_task.cancel()
