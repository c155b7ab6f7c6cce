"""A map tool that reports the clicked point (map CRS) to the geo-set panel."""

from qgis.core import QgsPointXY
from qgis.gui import QgsMapToolEmitPoint
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QCursor


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
