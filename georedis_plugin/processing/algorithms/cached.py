"""Base of the cached geoprocessing algorithms: native's parameters, USE_CACHE and the counters.

Each cached algorithm mirrors one native algorithm of the running QGIS. Its parameters are
clones of the native's (names, types, defaults, flags, help, options: what this QGIS offers,
translated by QGIS itself), so a QGIS release that adds a parameter adds it here too. A
parameter the algorithm does not know how to honour, set to anything but its default, makes
that run a run of the native algorithm itself, uncached.
"""

from qgis.core import (
    QgsApplication,
    QgsProcessingException,
    QgsProcessingOutputNumber,
    QgsProcessingParameterBoolean,
)
from qgis.PyQt.QtCore import QT_TRANSLATE_NOOP

from ...core import settings
from ...core.wkb_cache import MAX_VALUE_BYTES, WkbCache
from .base import GeoRedisAlgorithm

# translated where it is used (self.tr(CACHE_HELP).format(...)), marked here as Qt marks it
CACHE_HELP = QT_TRANSLATE_NOOP(
    "GeoRedis",
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
    "Outputs CACHE_HITS and CACHE_MISSES count the geometries read back and computed.",
)


def _is_default(definition, value) -> bool:
    return value is None or value == definition.defaultValue()


class CachedAlgorithm(GeoRedisAlgorithm):
    """Subclasses set NATIVE_ID and HONOURED (the native parameters they implement)."""

    NATIVE_ID = ""
    HONOURED = frozenset()
    USE_CACHE = "USE_CACHE"
    CACHE_HITS = "CACHE_HITS"
    CACHE_MISSES = "CACHE_MISSES"

    def group(self) -> str:
        return self.tr("Cached geoprocessing")

    def groupId(self) -> str:
        return "cachedgeoprocessing"

    def native_algorithm(self):
        """The registry's instance of the native algorithm (None if QGIS has not loaded it)."""
        return QgsApplication.processingRegistry().algorithmById(self.NATIVE_ID)

    def flags(self):
        native = self.native_algorithm()
        return native.flags() if native is not None else super().flags()

    def documentationFlags(self):
        # QGIS >= 3.30 asks (e.g. "regenerates primary key"); older QGIS never calls it
        native = self.native_algorithm()
        return native.documentationFlags() if native is not None else super().documentationFlags()

    def add_native_parameters(self) -> None:
        """A clone of every parameter of the native algorithm, in its order."""
        native = self.native_algorithm()
        if native is None:
            return
        for definition in native.parameterDefinitions():
            self.add_parameter(definition.clone())

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
        self.add_parameter(use_cache)
        self.add_output(
            QgsProcessingOutputNumber(self.CACHE_HITS, self.tr("Geometries read from the cache"))
        )
        self.add_output(
            QgsProcessingOutputNumber(self.CACHE_MISSES, self.tr("Geometries computed"))
        )

    def unhonoured_parameters(self, parameters) -> list:
        """Native parameters given a non-default value that this algorithm cannot honour.

        A parameter left at its default is taken to keep the behaviour from before it existed,
        as QGIS does for every parameter it adds to an algorithm.
        """
        return [
            definition.name()
            for definition in self.parameterDefinitions()
            if definition.name() not in self.HONOURED
            and definition.name() != self.USE_CACHE
            and not _is_default(definition, parameters.get(definition.name()))
        ]

    def run_native(self, parameters, context, feedback, names) -> dict:
        """This run, done by the native algorithm itself (uncached), with its outputs.

        ``names``: the parameters that made it so (None: the caller said why)."""
        if names is not None:
            feedback.pushInfo(
                self.tr(
                    "GeoRedis cannot honour {names} yet: running QGIS's {algorithm} instead, "
                    "without the cache."
                ).format(names=", ".join(names), algorithm=self.NATIVE_ID)
            )
        native = QgsApplication.processingRegistry().createAlgorithmById(self.NATIVE_ID)
        native_parameters = {k: v for k, v in parameters.items() if k != self.USE_CACHE}
        if not native.prepare(native_parameters, context, feedback):
            raise QgsProcessingException(
                self.tr("QGIS's {algorithm} could not start.").format(algorithm=self.NATIVE_ID)
            )
        outputs = dict(native.runPrepared(native_parameters, context, feedback))
        outputs.update(native.postProcess(context, feedback))
        outputs.update({self.CACHE_HITS: 0, self.CACHE_MISSES: 0})
        return outputs

    def require_native(self) -> None:
        if self.parameterDefinition("INPUT") is None or self.native_algorithm() is None:
            raise QgsProcessingException(
                self.tr(
                    "QGIS's {algorithm} is not available, and this algorithm takes its "
                    "parameters from it. Restart QGIS; if it persists, check that QGIS's own "
                    "Processing algorithms load (Processing toolbox)."
                ).format(algorithm=self.NATIVE_ID)
            )

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
        if cache.oversized:
            # sound values, only above the size a read accepts (they are no longer stored)
            feedback.pushInfo(
                self.tr(
                    "{n} cache values larger than {mb} MB were not read; their results were "
                    "computed instead."
                ).format(n=cache.oversized, mb=MAX_VALUE_BYTES // (1024 * 1024))
            )
        feedback.pushInfo(
            self.tr("Cache: {hits} geometries read back, {misses} computed.").format(
                hits=cache.hits, misses=cache.misses
            )
        )
        return {self.CACHE_HITS: cache.hits, self.CACHE_MISSES: cache.misses}
