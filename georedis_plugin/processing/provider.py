"""The ``georedis`` Processing provider."""

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..i18n import tr
from .algorithms.base import ICON_PATH


def algorithm_classes() -> list:
    """Every algorithm the provider offers, in toolbox order."""
    from .algorithms.box_search import BoxSearchAlgorithm
    from .algorithms.buffer import BufferAlgorithm
    from .algorithms.clear_cache import ClearCacheAlgorithm
    from .algorithms.intersection import IntersectionAlgorithm
    from .algorithms.load_geoset import LoadGeoSetAlgorithm
    from .algorithms.polygon_search import PolygonSearchAlgorithm
    from .algorithms.radius_search import RadiusSearchAlgorithm

    return [
        BufferAlgorithm,
        IntersectionAlgorithm,
        ClearCacheAlgorithm,
        LoadGeoSetAlgorithm,
        RadiusSearchAlgorithm,
        BoxSearchAlgorithm,
        PolygonSearchAlgorithm,
    ]


class GeoRedisProvider(QgsProcessingProvider):
    def id(self) -> str:
        return "georedis"

    def name(self) -> str:
        return "GeoRedis"

    def longName(self) -> str:
        return tr("GeoRedis: Redis-cached geoprocessing and geo sets")

    def icon(self) -> QIcon:
        return QIcon(ICON_PATH)

    def svgIconPath(self) -> str:
        return ICON_PATH

    def loadAlgorithms(self) -> None:
        for algorithm_class in algorithm_classes():
            self.addAlgorithm(algorithm_class())
