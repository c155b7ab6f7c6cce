"""Shared base of the GeoRedis algorithms: instance creation, translation, icon and help."""

from pathlib import Path

from qgis.core import QgsProcessingAlgorithm
from qgis.PyQt.QtGui import QIcon

from ...core.config import ConnectionConfig
from ...i18n import tr

ICON_PATH = str(Path(__file__).resolve().parents[2] / "resources" / "icon.svg")


class GeoRedisAlgorithm(QgsProcessingAlgorithm):
    """Subclasses define ``name``, ``displayName``, ``group``/``groupId``, ``shortHelpString``."""

    def createInstance(self):
        return type(self)()

    def tr(self, message: str) -> str:
        return tr(message)

    def icon(self) -> QIcon:
        return QIcon(ICON_PATH)

    def svgIconPath(self) -> str:
        return ICON_PATH

    @staticmethod
    def connection_config() -> ConnectionConfig:
        """Read per run, on the worker thread; never cached on ``self``."""
        return ConnectionConfig.from_settings()
