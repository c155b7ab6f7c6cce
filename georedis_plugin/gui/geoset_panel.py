"""Dock panel for geo sets: the load box (geoset_load_box), the sets on the server (list,
delete) and the searches, whose area search_outline draws on the map.

Redis I/O and layer reading run in QgsTasks (through BackgroundRunner); the callbacks, on the
main thread, touch the project, the canvas and the message bar.
"""

import time

from qgis.core import (
    Qgis,
    QgsCoordinateReferenceSystem,
    QgsFeatureRequest,
    QgsGeometry,
    QgsMarkerSymbol,
    QgsPointXY,
    QgsProject,
    QgsTask,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.gui import QgsDoubleSpinBox
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..core import geoset
from ..core.clients import get_client
from ..core.config import ConnectionConfig
from ..core.errors import GeoRedisError
from ..i18n import tr
from .geoset_load_box import GeoSetLoadBox
from .point_tool import PointPickTool, PolygonDrawTool
from .search_outline import SearchOutline
from .tasks import BackgroundRunner

CENTER_POINT, CENTER_MEMBER = "point", "member"
MODE_RADIUS, MODE_BOX, MODE_NEAREST = "radius", "box", "nearest"
HIT_COLOR = "255,90,0"
UNIT_LABELS = {  # translated where they are shown (tr), marked here as Qt marks them
    "m": QT_TRANSLATE_NOOP("GeoRedis", "m"),
    "km": QT_TRANSLATE_NOOP("GeoRedis", "km"),
    "mi": QT_TRANSLATE_NOOP("GeoRedis", "mi"),
    "ft": QT_TRANSLATE_NOOP("GeoRedis", "ft"),
}


class GeoSetPanel(QWidget):
    """Load, list, delete and search geo sets from the GeoRedis dock."""

    def __init__(self, iface, parent=None):
        super().__init__(parent)
        self.setObjectName("geoset_panel")
        self.iface = iface
        self.canvas = iface.mapCanvas()
        self.runner = BackgroundRunner(self)
        self.hit_layer_ids = []
        self.last_hit_layer = None
        self.outline = SearchOutline(self.canvas)
        self.pick_tool = PointPickTool(self.canvas)
        self.pick_tool.picked.connect(self.set_center)
        self.draw_tool = PolygonDrawTool(self.canvas)
        self.draw_tool.drawn.connect(self.search_drawn)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.load_box = GeoSetLoadBox(self.runner, self.message)
        self.load_box.loaded.connect(lambda name: self.refresh_sets(select=name))
        layout.addWidget(self.load_box)
        layout.addWidget(self._build_sets_group())
        layout.addWidget(self._build_search_group())
        self.update_crs_label()
        self.canvas.destinationCrsChanged.connect(self.update_crs_label)
        self.refresh_sets()

    # -- building --------------------------------------------------------------------------
    def _build_sets_group(self) -> QGroupBox:
        group = QGroupBox(tr("Geo sets on the server"))
        layout = QVBoxLayout(group)
        self.sets_list = QListWidget()
        self.sets_list.setMaximumHeight(140)
        layout.addWidget(self.sets_list)
        row = QHBoxLayout()
        self.refresh_button = QToolButton()
        self.refresh_button.setText(tr("Refresh"))
        self.refresh_button.clicked.connect(self.refresh_sets)
        row.addWidget(self.refresh_button)
        self.delete_button = QToolButton()
        self.delete_button.setText(tr("Delete…"))
        self.delete_button.clicked.connect(self.delete_selected)
        row.addWidget(self.delete_button)
        row.addStretch(1)
        layout.addLayout(row)
        return group

    def _build_search_group(self) -> QGroupBox:
        group = QGroupBox(tr("Search the selected geo set"))
        form = QFormLayout(group)
        center_row = QHBoxLayout()
        self.x_spin = self._coordinate_spin()
        self.y_spin = self._coordinate_spin()
        center_row.addWidget(self.x_spin)
        center_row.addWidget(self.y_spin)
        self.pick_button = QToolButton()
        self.pick_button.setText(tr("Pick"))
        self.pick_button.setToolTip(tr("Click the map to set the centre"))
        self.pick_button.setCheckable(True)
        self.pick_button.toggled.connect(self.toggle_pick)
        self.pick_tool.deactivated.connect(self._pick_tool_released)
        center_row.addWidget(self.pick_button)
        self.crs_label = QLabel()
        self.center_kind_combo = QComboBox()
        self.center_kind_combo.addItem(tr("Point on the map"), CENTER_POINT)
        self.center_kind_combo.addItem(tr("Member of the set"), CENTER_MEMBER)
        self.center_kind_combo.setToolTip(
            tr("Search around a point (typed or picked) or around a member of the selected set")
        )
        self.center_kind_combo.currentIndexChanged.connect(self._update_search_controls)
        form.addRow(tr("Around"), self.center_kind_combo)
        self.center_label = QLabel(tr("Centre"))
        form.addRow(self.center_label, center_row)
        form.addRow("", self.crs_label)
        self.member_edit = QLineEdit()
        self.member_edit.setToolTip(tr("Member name: the id field's value, or the feature id"))
        self.member_label = QLabel(tr("Member"))
        form.addRow(self.member_label, self.member_edit)
        self.mode_combo = QComboBox()
        self.mode_combo.addItem(tr("Within a radius"), MODE_RADIUS)
        self.mode_combo.addItem(tr("Within a box"), MODE_BOX)
        self.mode_combo.addItem(tr("Nearest"), MODE_NEAREST)
        self.mode_combo.currentIndexChanged.connect(self._update_search_controls)
        form.addRow(tr("Search"), self.mode_combo)
        radius_row = QHBoxLayout()
        self.radius_spin = QgsDoubleSpinBox()
        self.radius_spin.setRange(0.0, 1e8)
        self.radius_spin.setDecimals(3)
        self.radius_spin.setValue(1000.0)  # noqa: QGS202 a widget setter, no result
        radius_row.addWidget(self.radius_spin, 1)
        self.unit_combo = QComboBox()
        for unit in geoset.UNITS:
            self.unit_combo.addItem(tr(UNIT_LABELS[unit]), unit)
        radius_row.addWidget(self.unit_combo)
        self.radius_label = QLabel(tr("Radius"))
        form.addRow(self.radius_label, radius_row)
        box_row = QHBoxLayout()
        self.width_spin = self._size_spin()
        self.height_spin = self._size_spin()
        box_row.addWidget(self.width_spin)
        self.times_label = QLabel("×")
        box_row.addWidget(self.times_label)
        box_row.addWidget(self.height_spin)
        self.box_label = QLabel(tr("Width × height"))
        form.addRow(self.box_label, box_row)
        self.count_spin = QSpinBox()
        self.count_spin.setRange(0, 100_000_000)
        self.count_spin.setSpecialValueText(tr("all"))
        self.count_label = QLabel(tr("At most"))
        form.addRow(self.count_label, self.count_spin)
        self.distances_combo = QComboBox()
        self.distances_combo.addItem(tr("Ellipsoid (WGS 84, as QGIS measures)"), geoset.ELLIPSOID)
        self.distances_combo.addItem(tr("Sphere (as Redis measures)"), geoset.SPHERE)
        form.addRow(tr("Distances"), self.distances_combo)
        self.replace_check = QCheckBox(tr("Replace the previous hit layer"))
        self.replace_check.setChecked(True)
        form.addRow(self.replace_check)
        buttons = QHBoxLayout()
        self.search_button = QPushButton(tr("Search"))
        self.search_button.setToolTip(tr("Points within the radius of the centre"))
        self.search_button.clicked.connect(self.search)
        buttons.addWidget(self.search_button)
        self.polygon_button = QPushButton(tr("Within selected polygons"))
        self.polygon_button.setToolTip(
            tr("Points inside the selected features of the active polygon layer")
        )
        self.polygon_button.clicked.connect(self.search_polygons)
        buttons.addWidget(self.polygon_button)
        self.draw_button = QToolButton()
        self.draw_button.setText(tr("Draw"))
        self.draw_button.setToolTip(
            tr(
                "Draw a polygon on the map and search within it: click the vertices, "
                "right-click to finish (Backspace removes a vertex, Esc starts over)"
            )
        )
        self.draw_button.setCheckable(True)
        self.draw_button.toggled.connect(self.toggle_draw)
        self.draw_tool.deactivated.connect(self._draw_tool_released)
        buttons.addWidget(self.draw_button)
        form.addRow(buttons)
        self.status_label = QLabel()
        self.status_label.setObjectName("geoset_status")
        self.status_label.setWordWrap(True)
        form.addRow(self.status_label)
        self.search_form = form
        self._update_search_controls()
        return group

    def _update_search_controls(self, _index=None) -> None:
        """Show the controls of the chosen centre and search kind."""
        mode = self.mode_combo.currentData()
        by_member = self.center_kind_combo.currentData() == CENTER_MEMBER
        for widget, visible in (
            (self.member_edit, by_member),
            (self.x_spin, not by_member),
            (self.y_spin, not by_member),
            (self.pick_button, not by_member),
            (self.crs_label, not by_member),
            (self.center_label, not by_member),
            (self.member_label, by_member),
            (self.width_spin, mode == MODE_BOX),
            (self.height_spin, mode == MODE_BOX),
            (self.box_label, mode == MODE_BOX),
            (self.times_label, mode == MODE_BOX),
            (self.radius_spin, mode != MODE_BOX),
            (self.radius_label, mode != MODE_BOX),
        ):
            widget.setVisible(visible)
        if mode == MODE_NEAREST:
            self.radius_label.setText(tr("Within (0 = anywhere)"))
            self.count_label.setText(tr("How many"))
            self.count_spin.setMinimum(1)
            self.search_button.setToolTip(tr("The members nearest the centre"))
        else:
            self.radius_label.setText(tr("Radius"))
            self.count_label.setText(tr("At most"))
            self.count_spin.setMinimum(0)
            self.search_button.setToolTip(
                tr("Points within the radius of the centre")
                if mode == MODE_RADIUS
                else tr("Points within the box centred on the centre")
            )

    @staticmethod
    def _size_spin() -> QgsDoubleSpinBox:
        spin = QgsDoubleSpinBox()
        spin.setRange(0.0, 1e8)
        spin.setDecimals(3)
        spin.setValue(1000.0)  # noqa: QGS202 a widget setter, no result
        return spin

    @staticmethod
    def _coordinate_spin() -> QgsDoubleSpinBox:
        spin = QgsDoubleSpinBox()
        spin.setRange(-1e12, 1e12)
        spin.setDecimals(6)
        return spin

    # -- helpers ---------------------------------------------------------------------------
    def message(self, text: str, level=Qgis.MessageLevel.Critical, duration: int = 0) -> None:
        self.iface.messageBar().pushMessage("GeoRedis", text, level, duration)

    def map_crs(self) -> QgsCoordinateReferenceSystem:
        return self.canvas.mapSettings().destinationCrs()

    def update_crs_label(self) -> None:
        crs = self.map_crs()
        self.crs_label.setText(tr("x, y in the map CRS ({crs})").format(crs=crs.authid()))

    def selected_set(self) -> str:
        item = self.sets_list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else ""

    # -- listing and deleting --------------------------------------------------------------
    def refresh_sets(self, checked=False, select: str = ""):
        config = ConnectionConfig.from_settings()
        keep = select or self.selected_set()

        def done(error, infos):
            if error:
                self.message(error)
                return
            self.sets_list.clear()
            for info in infos:
                item = QListWidgetItem(
                    tr("{name} — {count} points").format(name=info.name, count=info.count)
                )
                item.setData(Qt.ItemDataRole.UserRole, info.name)
                item.setToolTip(
                    tr("From '{source}' ({crs}), loaded {when}").format(
                        source=info.meta.get("source", "?"),
                        crs=info.meta.get("crs", "?"),
                        when=info.meta.get("loaded_at", "?"),
                    )
                )
                self.sets_list.addItem(item)
                if info.name == keep:
                    self.sets_list.setCurrentItem(item)

        return self.runner.run(
            tr("GeoRedis: list geo sets"),
            lambda task: geoset.list_geosets(get_client(config), config.key_prefix),
            done,
            config,
        )

    def confirm_delete(self, name: str) -> bool:
        answer = QMessageBox.question(
            self,
            tr("Delete geo set"),
            tr("Delete the geo set '{name}' and its stored attributes from Redis?").format(
                name=name
            ),
        )
        return answer == QMessageBox.StandardButton.Yes

    def delete_selected(self):
        name = self.selected_set()
        if not name:
            self.message(tr("Select a geo set in the list first."), Qgis.MessageLevel.Warning, 5)
            return None
        if not self.confirm_delete(name):
            return None
        config = ConnectionConfig.from_settings()

        def done(error, _deleted):
            if error:
                self.message(error)
                return
            self.refresh_sets()

        return self.runner.run(
            tr("GeoRedis: delete {name}").format(name=name),
            lambda task: geoset.delete_geoset(get_client(config), config.key_prefix, name),
            done,
            config,
        )

    # -- searching -------------------------------------------------------------------------
    def toggle_pick(self, checked: bool) -> None:
        if checked:
            self.canvas.setMapTool(self.pick_tool)
        elif self.canvas.mapTool() is self.pick_tool:
            self.canvas.unsetMapTool(self.pick_tool)

    def _pick_tool_released(self) -> None:
        # another map tool (pan, identify...) replaced ours: only the button has to follow
        self.pick_button.blockSignals(True)
        self.pick_button.setChecked(False)
        self.pick_button.blockSignals(False)

    def toggle_draw(self, checked: bool) -> None:
        if checked:
            self.canvas.setMapTool(self.draw_tool)
        elif self.canvas.mapTool() is self.draw_tool:
            self.canvas.unsetMapTool(self.draw_tool)

    def _draw_tool_released(self) -> None:
        self.draw_button.blockSignals(True)
        self.draw_button.setChecked(False)
        self.draw_button.blockSignals(False)

    def set_center(self, point: QgsPointXY) -> None:
        self.x_spin.setValue(point.x())  # noqa: QGS202 a widget setter, no result
        self.y_spin.setValue(point.y())  # noqa: QGS202 a widget setter, no result

    def _set_to_search(self) -> str:
        name = self.selected_set()
        if not name:
            self.message(
                tr("Select a geo set in the list (load one first if the list is empty)."),
                Qgis.MessageLevel.Warning,
                5,
            )
        return name

    def search_shape(self):
        """The search the controls describe, as a core shape; None (and a message) if none."""
        if self.center_kind_combo.currentData() == CENTER_MEMBER:
            member = self.member_edit.text().strip()
            if not member:
                self.message(
                    tr("Type the name of a member of the set to search around."),
                    Qgis.MessageLevel.Warning,
                    5,
                )
                return None
            center = geoset.Member(member)
        else:
            try:
                point = geoset.to_wgs84(
                    QgsPointXY(self.x_spin.value(), self.y_spin.value()),
                    self.map_crs(),
                    QgsProject.instance().transformContext(),
                )
            except GeoRedisError as exc:
                self.message(str(exc))
                return None
            center = geoset.LonLat(point.x(), point.y())
        mode = self.mode_combo.currentData()
        if mode == MODE_BOX:
            return geoset.Box(center, self.width_spin.value(), self.height_spin.value())
        if mode == MODE_NEAREST:
            return geoset.Nearest(center, self.radius_spin.value())
        return geoset.Radius(center, self.radius_spin.value())

    def search(self):
        name = self._set_to_search()
        if not name:
            return None
        shape = self.search_shape()
        if shape is None:
            return None
        unit = self.unit_combo.currentData()
        count = self.count_spin.value()
        distances = self.distances_combo.currentData()
        replace = self.replace_check.isChecked()
        started = time.perf_counter()
        self.outline.clear()

        def query(geo_set):
            return geo_set.search(shape, unit, count, distances)

        def outline(geo_set, result):
            """(WGS 84 centre, radius in metres, box half sizes) of what was searched."""
            center = shape.center.resolve(geo_set)  # a member's position: one more read
            scale = geoset.UNIT_METERS[unit]
            if isinstance(shape, geoset.Box):
                return center, 0.0, (shape.width * scale / 2, shape.height * scale / 2)
            if isinstance(shape, geoset.Nearest):
                # the circle reaching the farthest of the nearest members found
                reach = float(result.distances[-1]) if len(result) else 0.0
                return center, reach * scale, None
            return center, shape.radius * scale, None

        return self._run_search(name, query, replace, started, outline, distances)

    def search_polygons(self):
        """Points inside the selected features of the active layer, which must be polygons."""
        name = self._set_to_search()
        if not name:
            return None
        layer = self.iface.activeLayer()
        if (
            not isinstance(layer, QgsVectorLayer)
            or layer.geometryType() != QgsWkbTypes.GeometryType.PolygonGeometry
            or layer.selectedFeatureCount() == 0
        ):
            self.message(
                tr(
                    "Select one or more polygons in a polygon layer and make it the active "
                    "layer (click it in the Layers panel), then search again."
                ),
                Qgis.MessageLevel.Warning,
                8,
            )
            return None
        request = QgsFeatureRequest().setNoAttributes()
        geometries = [f.geometry() for f in layer.getSelectedFeatures(request)]
        self.outline.clear()
        return self._search_within(name, geometries, layer.crs())

    def search_drawn(self, polygon: QgsGeometry):
        """Points inside a polygon drawn on the map (``polygon`` in the map CRS)."""
        name = self._set_to_search()
        if not name:
            return None
        self.outline.polygon(polygon)
        return self._search_within(name, [QgsGeometry(polygon)], self.map_crs())

    def _search_within(self, name: str, geometries: list, crs: QgsCoordinateReferenceSystem):
        """Search the points inside the union of ``geometries`` (polygons in ``crs``)."""
        transform_context = QgsProject.instance().transformContext()
        unit = self.unit_combo.currentData()
        count = self.count_spin.value()
        started = time.perf_counter()

        def query(geo_set):
            polygon = geoset.polygons_to_wgs84(geometries, crs, transform_context)
            return geo_set.polygon(polygon, unit, count)

        return self._run_search(name, query, self.replace_check.isChecked(), started)

    def _run_search(
        self, name: str, query, replace: bool, started: float, outline=None, distances=""
    ) -> QgsTask:
        """Run ``query(geo_set)`` and build its hit layer in a task, then show the layer.

        ``outline(geo_set, result)``, if given, says what to draw (see ``search``).
        """
        config = ConnectionConfig.from_settings()

        def work(task):
            geo_set = geoset.GeoSet(get_client(config), config.key_prefix, name)
            result = query(geo_set)
            layer = geoset.hit_layer(result)
            # built on this worker thread; the main thread adds it to the project
            layer.moveToThread(QCoreApplication.instance().thread())
            drawn = outline(geo_set, result) if outline is not None else None
            return result, layer, drawn

        def done(error, outcome):
            self.search_button.setEnabled(True)
            self.polygon_button.setEnabled(True)
            self.draw_button.setEnabled(True)
            if error:
                self.status_label.setText(error)
                self.message(error)
                return
            result, layer, drawn = outcome
            if drawn is not None:
                center, radius_m, box = drawn
                if box is not None:
                    self.outline.box(center, *box, distances)
                else:
                    self.outline.circle(center, radius_m, distances)
            if self.add_hit_layer(layer, replace) is None:
                return
            self.status_label.setText(
                tr("{hits} hits in '{name}' in {ms:.0f} ms").format(
                    hits=len(result), name=name, ms=(time.perf_counter() - started) * 1000
                )
            )
            self.last_hit_layer = layer

        self.search_button.setEnabled(False)
        self.polygon_button.setEnabled(False)
        self.draw_button.setEnabled(False)
        self.status_label.setText(tr("Searching…"))
        return self.runner.run(tr("GeoRedis: search {name}").format(name=name), work, done, config)

    def add_hit_layer(self, layer: QgsVectorLayer, replace: bool) -> QgsVectorLayer:
        """Style the hit layer and add it to the project, first removing ours if ``replace``.

        None (and a message) if the project refused it.
        """
        project = QgsProject.instance()
        if replace:
            for layer_id in self.hit_layer_ids:
                if project.mapLayer(layer_id) is not None:
                    project.removeMapLayer(layer_id)
            self.hit_layer_ids = []
        symbol = QgsMarkerSymbol.createSimple(
            {"name": "circle", "color": HIT_COLOR, "size": "2.2", "outline_color": "255,255,255"}
        )
        layer.renderer().setSymbol(symbol)
        if project.addMapLayer(layer) is None:
            self.message(
                tr("QGIS did not add the hit layer '{name}' to the project. Search again.").format(
                    name=layer.name()
                )
            )
            return None
        self.hit_layer_ids.append(layer.id())
        return layer

    # -- shutdown --------------------------------------------------------------------------
    def close_down(self) -> None:
        """Cancel tasks, drop the map tool and the circle (the plugin is unloading)."""
        self.runner.cancel_all()
        for tool in (self.pick_tool, self.draw_tool):
            if self.canvas.mapTool() is tool:
                self.canvas.unsetMapTool(tool)
        self.draw_tool.reset()
        self.outline.clear()
