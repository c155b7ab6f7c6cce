"""Shared base of the GeoRedis algorithms: instance creation, translation, icon and help."""

from pathlib import Path

from qgis.core import QgsProcessingAlgorithm
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from ...core.config import ConnectionConfig
from ...i18n import tr

ICON_PATH = str(Path(__file__).resolve().parents[2] / "resources" / "icon.svg")


def qgis_tr(message: str) -> str:
    """``message`` as QGIS's C++ translates it (``QObject::tr``, context "QObject").

    For the messages a native algorithm emits, repeated word for word: in any language, the
    user reads QGIS's own text (and QGIS's translation of it).
    """
    return QCoreApplication.translate("QObject", message)


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

    def add_parameter(self, definition) -> None:
        """addParameter, whose False (a duplicate or unusable name) is a bug to surface."""
        name = definition.name()
        if not self.addParameter(definition):
            raise ValueError(f"{self.id()}: parameter {name} could not be added")

    def add_output(self, definition) -> None:
        """addOutput, whose False (a duplicate name) is a bug to surface."""
        name = definition.name()
        if not self.addOutput(definition):
            raise ValueError(f"{self.id()}: output {name} could not be added")

    @staticmethod
    def connection_config() -> ConnectionConfig:
        """Read per run, on the worker thread; never cached on ``self``."""
        return ConnectionConfig.from_settings()
