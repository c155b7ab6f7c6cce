"""Map tools of the geo-set panel: pick a centre, draw a search polygon (both in map CRS)."""

from qgis.core import QgsGeometry, QgsPointXY, QgsWkbTypes
from qgis.gui import QgsMapTool, QgsMapToolEmitPoint, QgsRubberBand
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QColor, QCursor

DRAW_COLOR = QColor(0, 120, 215, 220)


class PointPickTool(QgsMapToolEmitPoint):
    """Left click: ``picked(point)`` in the canvas CRS. Stays active until another tool is set."""

    picked = pyqtSignal(QgsPointXY)

    def __init__(self, canvas):
        super().__init__(canvas)
        self.setCursor(QCursor(Qt.CursorShape.CrossCursor))
        self.canvasClicked.connect(self._clicked)

    def _clicked(self, point, button) -> None:
        if button == Qt.MouseButton.LeftButton:
            self.picked.emit(QgsPointXY(point))


class PolygonDrawTool(QgsMapTool):
    """Draw a polygon as QGIS's own digitizing tools do.

    Left click adds a vertex, right click (or Enter) closes the polygon and emits
    ``drawn(geometry)`` in the canvas CRS; Backspace removes the last vertex, Escape starts
    over. The polygon needs at least three vertices; the tool stays active for the next one.
    """

    drawn = pyqtSignal(QgsGeometry)

    def __init__(self, canvas):
        super().__init__(canvas)
        self.setCursor(QCursor(Qt.CursorShape.CrossCursor))
        self.vertices = []
        self.band = None

    def _band(self) -> QgsRubberBand:
        if self.band is None:
            self.band = QgsRubberBand(self.canvas(), QgsWkbTypes.GeometryType.PolygonGeometry)
            self.band.setStrokeColor(DRAW_COLOR)
            self.band.setFillColor(QColor(0, 120, 215, 40))
            self.band.setWidth(2)
        return self.band

    def _redraw(self, floating: QgsPointXY = None) -> None:
        points = [*self.vertices, floating] if floating is not None else self.vertices
        band = self._band()
        band.reset(QgsWkbTypes.GeometryType.PolygonGeometry)
        for index, point in enumerate(points):
            band.addPoint(point, index == len(points) - 1)

    def reset(self) -> None:
        self.vertices = []
        if self.band is not None:
            self.canvas().scene().removeItem(self.band)
            self.band = None

    def canvasMoveEvent(self, event) -> None:
        if self.vertices:
            self._redraw(event.mapPoint())

    def canvasReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.vertices.append(QgsPointXY(event.mapPoint()))
            self._redraw()
        elif event.button() == Qt.MouseButton.RightButton:
            self.finish()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.reset()
        elif event.key() == Qt.Key.Key_Backspace and self.vertices:
            self.vertices.pop()
            self._redraw()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish()
        else:
            event.ignore()
            return
        event.accept()

    def finish(self) -> None:
        """Emit the polygon if it has three vertices or more; start over either way."""
        vertices = self.vertices
        self.reset()
        if len(vertices) >= 3:
            self.drawn.emit(QgsGeometry.fromPolygonXY([[*vertices, vertices[0]]]))

    def deactivate(self) -> None:
        self.reset()
        super().deactivate()
