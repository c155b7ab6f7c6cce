"""The ``georedis`` Processing provider."""

from pathlib import Path

from qgis.core import (
    Qgis,
    QgsApplication,
    QgsMessageLog,
    QgsProcessingModelAlgorithm,
    QgsProcessingProvider,
)
from qgis.PyQt.QtGui import QIcon

from ..i18n import tr
from .algorithms.base import ICON_PATH


def algorithm_classes() -> list:
    """Every algorithm the provider offers, in toolbox order."""
    from .algorithms.box_search import BoxSearchAlgorithm
    from .algorithms.buffer import BufferAlgorithm
    from .algorithms.clear_cache import ClearCacheAlgorithm
    from .algorithms.clip import ClipAlgorithm
    from .algorithms.difference import DifferenceAlgorithm
    from .algorithms.intersection import IntersectionAlgorithm
    from .algorithms.join_by_nearest import JoinByNearestAlgorithm
    from .algorithms.live_geofence_events import GeofenceEventsAlgorithm
    from .algorithms.live_history import PositionHistoryAlgorithm
    from .algorithms.live_positions import LivePositionsAlgorithm
    from .algorithms.live_publish import PublishPositionsAlgorithm
    from .algorithms.load_geoset import LoadGeoSetAlgorithm
    from .algorithms.nearest_search import NearestSearchAlgorithm
    from .algorithms.polygon_search import PolygonSearchAlgorithm
    from .algorithms.radius_search import RadiusSearchAlgorithm

    return [
        BufferAlgorithm,
        IntersectionAlgorithm,
        ClipAlgorithm,
        DifferenceAlgorithm,
        ClearCacheAlgorithm,
        LoadGeoSetAlgorithm,
        RadiusSearchAlgorithm,
        BoxSearchAlgorithm,
        PolygonSearchAlgorithm,
        NearestSearchAlgorithm,
        JoinByNearestAlgorithm,
        PublishPositionsAlgorithm,
        LivePositionsAlgorithm,
        PositionHistoryAlgorithm,
        GeofenceEventsAlgorithm,
    ]


MODELS_DIR = Path(__file__).resolve().parents[1] / "resources" / "models"


def shipped_models() -> list:
    """The example models under resources/models, as algorithms of this provider."""
    models = []
    for path in sorted(MODELS_DIR.glob("*.model3")):
        model = QgsProcessingModelAlgorithm()
        if model.fromFile(str(path)):
            models.append(model)
        else:
            QgsMessageLog.logMessage(
                tr("Could not read the model {path}").format(path=path),
                "GeoRedis",
                Qgis.MessageLevel.Warning,
            )
    return models


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
        for model in shipped_models():
            self.addAlgorithm(model)
        # The models' steps are this provider's algorithms, which the registry can only resolve
        # once the provider is in it: finish the models then.
        registry = QgsApplication.processingRegistry()
        if registry.providerById(self.id()) is self:  # a refresh of a registered provider
            self._finish_models()
        else:
            registry.providerAdded.connect(self._resolve_models)

    def _resolve_models(self, provider_id: str) -> None:
        if provider_id != self.id():
            return
        QgsApplication.processingRegistry().providerAdded.disconnect(self._resolve_models)
        self._finish_models()

    def _finish_models(self) -> None:
        for algorithm in self.algorithms():
            if isinstance(algorithm, QgsProcessingModelAlgorithm):
                for child_id in algorithm.childAlgorithms():
                    algorithm.childAlgorithm(child_id).reattach()
                algorithm.updateDestinationParameters()
