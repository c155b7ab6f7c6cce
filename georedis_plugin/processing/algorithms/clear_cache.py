"""georedis:clearcache: delete this plugin's cached geometries, and nothing else."""

from qgis.core import QgsProcessingException, QgsProcessingOutputNumber

from ...core.connection import REDIS_ERRORS, GeoRedisError, explain_error, get_client
from ...core.wkb_cache import clear_cache
from .base import GeoRedisAlgorithm


class ClearCacheAlgorithm(GeoRedisAlgorithm):
    DELETED = "DELETED"

    def name(self) -> str:
        return "clearcache"

    def displayName(self) -> str:
        return self.tr("Clear the geometry cache")

    def group(self) -> str:
        return self.tr("Cache")

    def groupId(self) -> str:
        return "cache"

    def shortHelpString(self) -> str:
        return self.tr(
            "Deletes every cached result geometry that GeoRedis stored under the configured key "
            "prefix (keys '<prefix>:cache:*'), using SCAN and UNLINK so the server is never "
            "blocked. Geo sets and keys of other applications are left alone; the database is "
            "never flushed. Outputs the number of deleted entries."
        )

    def initAlgorithm(self, config=None):
        deleted = QgsProcessingOutputNumber(self.DELETED, self.tr("Deleted cache entries"))
        self.addOutput(deleted)  # noqa: QGS202 fails only on a duplicate name

    def processAlgorithm(self, parameters, context, feedback):
        config = self.connection_config()
        try:
            deleted = clear_cache(get_client(config), config.key_prefix, feedback)
        except GeoRedisError as exc:
            raise QgsProcessingException(str(exc)) from exc
        except REDIS_ERRORS as exc:
            raise QgsProcessingException(explain_error(exc, config)) from exc
        feedback.pushInfo(self.tr("Deleted {n} cache entries.").format(n=deleted))
        return {self.DELETED: deleted}
