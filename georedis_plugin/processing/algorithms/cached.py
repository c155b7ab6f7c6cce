"""Base of the cached geoprocessing algorithms: the USE_CACHE switch and the cache counters."""

from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
)

from ...core import settings
from ...core.wkb_cache import WkbCache
from .base import GeoRedisAlgorithm

CACHE_HELP = (
    "\n\nWhat is cached: every result geometry, as WKB in Redis, under "
    "'<prefix>:cache:{op}:<sha256>'. The SHA-256 covers the operation and its version, the "
    "parameters that shape the result and the input geometry's WKB{pair}, so the same geometry "
    "with the same parameters is read back from any layer, project or user of the server, and "
    "an edited feature is simply recomputed. Entries expire after the lifetime set in the "
    "GeoRedis settings (7 days by default, 0 = never). Cached values are checked before use; "
    "anything damaged is recomputed and overwritten.\n\n"
    "Without Redis: if the server cannot be reached or fails during the run, the algorithm "
    "computes everything itself with the same result, logs one warning, and does not wait "
    "for Redis again during that run.\n\n"
    "Outputs CACHE_HITS and CACHE_MISSES count the geometries read back and computed."
)


class CachedAlgorithm(GeoRedisAlgorithm):
    USE_CACHE = "USE_CACHE"
    CACHE_HITS = "CACHE_HITS"
    CACHE_MISSES = "CACHE_MISSES"

    def group(self) -> str:
        return self.tr("Cached geoprocessing")

    def groupId(self) -> str:
        return "cachedgeoprocessing"

    def add_cache_parameters(self) -> None:
        use_cache = QgsProcessingParameterBoolean(
            self.USE_CACHE, self.tr("Use the Redis cache"), defaultValue=True
        )
        use_cache.setHelp(
            self.tr(
                "Read results computed earlier from Redis and store new ones there. When off, "
                "everything is computed and Redis is not contacted."
            )
        )
        self.addParameter(use_cache)
        self.addOutput(
            QgsProcessingOutputNumber(self.CACHE_HITS, self.tr("Geometries read from the cache"))
        )
        self.addOutput(QgsProcessingOutputNumber(self.CACHE_MISSES, self.tr("Geometries computed")))

    def open_cache(self, parameters, context) -> WkbCache:
        enabled = self.parameterAsBoolean(parameters, self.USE_CACHE, context)
        ttl_seconds = settings.CACHE_TTL_DAYS.value() * 86400
        return WkbCache(self.connection_config(), ttl_seconds, enabled)

    def finish_cache(self, cache: WkbCache, feedback, seconds: float) -> dict:
        """Report the run's single Redis warning (if any), record the counters, return them."""
        cache.record_run(self.id(), seconds)
        if cache.warning:
            feedback.reportError(cache.warning, False)
        if cache.rejected:
            feedback.pushInfo(
                self.tr("{n} damaged cache values were recomputed and overwritten.").format(
                    n=cache.rejected
                )
            )
        feedback.pushInfo(
            self.tr("Cache: {hits} geometries read back, {misses} computed.").format(
                hits=cache.hits, misses=cache.misses
            )
        )
        return {self.CACHE_HITS: cache.hits, self.CACHE_MISSES: cache.misses}
