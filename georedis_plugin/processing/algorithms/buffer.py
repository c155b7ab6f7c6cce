"""georedis:buffer: native:buffer's result, with every buffered geometry cached in Redis."""

import math
import time

from qgis.core import (
    Qgis,
    QgsFeature,
    QgsFeatureRequest,
    QgsFeatureSink,
    QgsGeometry,
    QgsMessageLog,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingFeatureSource,
    QgsProcessingParameters,
    QgsWkbTypes,
)

from ...core.buffer_ops import buffer_many
from ...core.compat import finalize_sink
from ...core.geometry_io import wkb_geometry
from ...core.wkb_cache import MULTIPOLYGON
from .base import qgis_tr
from .cached import CACHE_HELP, CachedAlgorithm

OP = "buffer"
OP_VERSION = 2  # 2: collapsed buffers stored as QGIS writes them
DISSOLVE_OP = "buffer-dissolve"
WRITE_BATCH = 1000


class BufferAlgorithm(CachedAlgorithm):
    NATIVE_ID = "native:buffer"
    INPUT = "INPUT"
    DISTANCE = "DISTANCE"
    SEGMENTS = "SEGMENTS"
    END_CAP_STYLE = "END_CAP_STYLE"
    JOIN_STYLE = "JOIN_STYLE"
    MITER_LIMIT = "MITER_LIMIT"
    DISSOLVE = "DISSOLVE"
    SEPARATE_DISJOINT = "SEPARATE_DISJOINT"  # newer QGIS (3.40 has it, 3.22 not)
    OUTPUT = "OUTPUT"
    HONOURED = frozenset(
        (
            INPUT,
            DISTANCE,
            SEGMENTS,
            END_CAP_STYLE,
            JOIN_STYLE,
            MITER_LIMIT,
            DISSOLVE,
            SEPARATE_DISJOINT,
            OUTPUT,
        )
    )

    def name(self) -> str:
        return "buffer"

    def displayName(self) -> str:
        return self.tr("Buffer (cached)")

    def supportInPlaceEdit(self, layer) -> bool:
        native = self.native_algorithm()
        return native is not None and native.supportInPlaceEdit(layer)

    def sinkProperties(self, sink, parameters, context, source_properties):
        """Output fields, CRS and type known before running, for models: native's own answer."""
        native = self.native_algorithm()
        if native is None:
            return QgsProcessingAlgorithm.VectorProperties()
        return native.sinkProperties(sink, parameters, context, source_properties)

    def tags(self):
        return self.tr("buffer,grow,fixed,variable,distance,cache,redis").split(",")

    def shortHelpString(self) -> str:
        return (
            self.tr(
                "Computes a buffer area for all the features in an input layer, using a fixed or "
                "dynamic distance, with exactly the result of QGIS's native Buffer algorithm "
                "(same parameters, fields, MultiPolygon output, or one Polygon feature per part "
                "when disjoint results are kept separate, null geometries kept, or dropped when "
                "dissolving)."
            )
            + self.tr(CACHE_HELP).format(op=OP, pair="")
            + self.tr(
                "\n\nWith 'Dissolve result', the buffer of each feature is cached as above and the "
                "merged geometry too (one more entry, counted in CACHE_HITS / CACHE_MISSES), keyed "
                "by the keys of all the buffers it merges."
            )
        )

    def initAlgorithm(self, config=None):
        self.add_native_parameters()
        self.add_cache_parameters()

    def processAlgorithm(self, parameters, context, feedback):
        self.require_native()
        unhonoured = self.unhonoured_parameters(parameters)
        if unhonoured:
            return self.run_native(parameters, context, feedback, unhonoured)
        started = time.perf_counter()
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        separate = self.parameterDefinition(
            self.SEPARATE_DISJOINT
        ) is not None and self.parameterAsBoolean(parameters, self.SEPARATE_DISJOINT, context)
        # as native: the parts of one feature share its "fid", which must not be a primary key
        sink_flags = [QgsFeatureSink.SinkFlag.RegeneratePrimaryKey] if separate else []
        sink, dest = self.parameterAsSink(
            parameters,
            self.OUTPUT,
            context,
            source.fields(),
            QgsWkbTypes.Type.MultiPolygon,
            source.sourceCrs(),
            *sink_flags,
        )
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))

        dissolve = self.parameterAsBoolean(parameters, self.DISSOLVE, context)
        segments = self.parameterAsInt(parameters, self.SEGMENTS, context)
        end_cap = 1 + self.parameterAsInt(parameters, self.END_CAP_STYLE, context)
        join = 1 + self.parameterAsInt(parameters, self.JOIN_STYLE, context)
        miter = self.parameterAsDouble(parameters, self.MITER_LIMIT, context)
        distance = self.parameterAsDouble(parameters, self.DISTANCE, context)
        dynamic = QgsProcessingParameters.isDynamic(parameters, self.DISTANCE)
        expression_context = self.createExpressionContext(parameters, context, source)
        distance_property = parameters.get(self.DISTANCE) if dynamic else None
        if dynamic:
            distance_property.prepare(expression_context)

        # 1. read every feature; buffer doesn't check validity (it can repair geometries)
        count = source.featureCount()
        step = 30.0 / count if count > 0 else 0
        features, wkbs, distances, with_geometry = [], [], [], []
        iterator = source.getFeatures(
            QgsFeatureRequest(), QgsProcessingFeatureSource.Flag.FlagSkipGeometryValidityChecks
        )
        for current, feature in enumerate(iterator):
            if feedback.isCanceled():
                return {}
            features.append(feature)
            if feature.hasGeometry():
                feature_distance = distance
                if dynamic:
                    expression_context.setFeature(feature)
                    feature_distance, _ok = distance_property.valueAsDouble(
                        expression_context, distance
                    )
                if not math.isfinite(feature_distance):
                    # GEOS crashes on a NaN distance (QGIS's native Buffer brings QGIS down)
                    raise QgsProcessingException(
                        self.tr(
                            "The buffer distance of feature {id} is {distance}, not a number "
                            "GEOS can use. Give a finite distance (check the expression or "
                            "field that defines it)."
                        ).format(id=feature.id(), distance=feature_distance)
                    )
                with_geometry.append(current)
                wkbs.append(bytes(feature.geometry().asWkb()))
                distances.append(float(feature_distance))
            if current % 256 == 0:
                feedback.setProgress(current * step)

        # 2. read back what the cache has, compute the rest
        cache = self.open_cache(parameters, context)
        params = {"segments": segments, "cap": end_cap, "join": join, "miter": miter}
        if dynamic:
            keys = [
                cache.key(OP, OP_VERSION, {**params, "distance": d}, w)
                for w, d in zip(wkbs, distances)
            ]
        else:
            key_of = cache.key_function(OP, OP_VERSION, {**params, "distance": distance})
            keys = [key_of(w) for w in wkbs]
        results = cache.get_many(keys, {MULTIPOLYGON}) if keys else []
        feedback.setProgress(40)
        missing = [i for i, value in enumerate(results) if value is None]
        if missing:
            feedback.pushInfo(self.tr("Computing {n} buffers…").format(n=len(missing)))
            computed = buffer_many(
                [wkbs[i] for i in missing],
                [distances[i] for i in missing],
                segments,
                end_cap,
                join,
                miter,
                cancelled=feedback.isCanceled,
                progress=lambda fraction: feedback.setProgress(40 + 40 * fraction),
            )
            if computed is None:
                return {}
            for i, value in zip(missing, computed):
                results[i] = value
            cache.set_many(
                [(keys[i], value) for i, value in zip(missing, computed) if value is not None]
            )
        feedback.setProgress(80)

        # 3. write, as native does: per feature, or one dissolved feature
        if dissolve:
            self._write_dissolved(
                sink, features, results, keys, cache, separate, parameters, feedback
            )
        else:
            self._write_features(
                sink, features, with_geometry, results, separate, parameters, feedback
            )
        finalize_sink(sink)
        outputs = {self.OUTPUT: dest}
        outputs.update(self.finish_cache(cache, feedback, time.perf_counter() - started))
        return outputs

    def _write_features(
        self, sink, features, with_geometry, results, separate, parameters, feedback
    ):
        out = []
        results_by_index = dict(zip(with_geometry, results))
        for index, feature in enumerate(features):
            if index not in results_by_index:
                out.append(feature)  # no geometry: written as it is
                continue
            geometry = self._geometry(results_by_index[index], feature)
            if separate:
                # each part its own feature; a failed buffer (null) has none and is dropped
                for part in _parts(geometry):
                    piece = QgsFeature(feature)
                    piece.setGeometry(part)
                    out.append(piece)
            else:
                feature.setGeometry(geometry)
                out.append(feature)
        for start in range(0, len(out), WRITE_BATCH):
            if feedback.isCanceled():
                return
            if not sink.addFeatures(
                out[start : start + WRITE_BATCH], QgsFeatureSink.Flag.FastInsert
            ):
                raise QgsProcessingException(self.writeFeatureError(sink, parameters, self.OUTPUT))
            feedback.setProgress(80 + 20 * min(1.0, (start + WRITE_BATCH) / len(out)))

    def _write_dissolved(
        self, sink, features, results, keys, cache, separate, parameters, feedback
    ):
        if not results:
            # QGIS 3.22 (fix for issue #46396): nothing to dissolve, no feature at all
            return
        dissolve_key = cache.key(DISSOLVE_OP, OP_VERSION, {}, "\n".join(keys).encode())
        (cached,) = cache.get_many([dissolve_key], {MULTIPOLYGON})
        with_geometry = (f for f in features if f.hasGeometry())
        parts = [self._geometry(value, f) for f, value in zip(with_geometry, results)]
        if cached is not None:
            merged = wkb_geometry(cached)
        else:
            merged = QgsGeometry.unaryUnion(parts)
            # as native, unchecked: False only for a null union, which is written null
            merged.convertToMultiType()  # noqa: QGS201
            if not merged.isNull():
                cache.set_many([(dissolve_key, bytes(merged.asWkb()))])
        pieces = _parts(merged) if separate else [merged]
        for piece in pieces:
            out = QgsFeature()
            out.setGeometry(piece)
            out.setAttributes(features[0].attributes())
            if not sink.addFeature(out, QgsFeatureSink.Flag.FastInsert):
                raise QgsProcessingException(self.writeFeatureError(sink, parameters, self.OUTPUT))

    @staticmethod
    def _geometry(value, feature) -> QgsGeometry:
        """The buffer as a geometry; null where it failed, logged as native logs it."""
        if value is None:
            # the same message, tag and level as native:buffer, in QGIS's words
            QgsMessageLog.logMessage(
                qgis_tr("Error calculating buffer for feature %1").replace("%1", str(feature.id())),
                qgis_tr("Processing"),
                Qgis.MessageLevel.Warning,
            )
            return QgsGeometry()
        return wkb_geometry(value)


def _parts(geometry: QgsGeometry) -> list:
    """Native's SEPARATE_DISJOINT split: a clone of each part (none for a null geometry)."""
    if geometry.isNull():
        return []
    return [QgsGeometry(part.clone()) for part in geometry.constParts()]
