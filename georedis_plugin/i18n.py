"""Translation helper shared by the GUI and the Processing algorithms."""

from qgis.PyQt.QtCore import QCoreApplication

CONTEXT = "GeoRedis"


def tr(message: str) -> str:
    return QCoreApplication.translate(CONTEXT, message)
