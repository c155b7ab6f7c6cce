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
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingFeatureSource,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterDistance,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSink,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterNumber,
    QgsProcessingParameters,
    QgsPropertyDefinition,
    QgsVectorLayer,
    QgsWkbTypes,
)

from ...core.buffer_ops import buffer_many
from ...core.wkb_cache import MULTIPOLYGON
from ...i18n import tr
from .cached import CACHE_HELP, CachedAlgorithm

OP = "buffer"
OP_VERSION = 2  # 2: collapsed buffers stored as QGIS writes them
DISSOLVE_OP = "buffer-dissolve"
WRITE_BATCH = 1000


class BufferAlgorithm(CachedAlgorithm):
    INPUT = "INPUT"
    DISTANCE = "DISTANCE"
    SEGMENTS = "SEGMENTS"
    END_CAP_STYLE = "END_CAP_STYLE"
    JOIN_STYLE = "JOIN_STYLE"
    MITER_LIMIT = "MITER_LIMIT"
    DISSOLVE = "DISSOLVE"
    OUTPUT = "OUTPUT"

    def name(self) -> str:
        return "buffer"

    def displayName(self) -> str:
        return self.tr("Buffer (cached)")

    def flags(self):
        # as native:buffer: it can edit a polygon layer in place
        return super().flags() | QgsProcessingAlgorithm.Flag.FlagSupportsInPlaceEdits

    def supportInPlaceEdit(self, layer) -> bool:
        return isinstance(layer, QgsVectorLayer) and layer.wkbType() in (
            QgsWkbTypes.Type.Polygon,
            QgsWkbTypes.Type.MultiPolygon,
        )

    def sinkProperties(self, sink, parameters, context, source_properties):
        """Output fields, CRS and type known before running, for models (as native:buffer)."""
        result = QgsProcessingAlgorithm.VectorProperties()
        if sink != self.OUTPUT:
            return result
        available = QgsProcessingAlgorithm.PropertyAvailability.Available
        input_properties = source_properties.get(self.INPUT)
        if input_properties is not None and input_properties.availability == available:
            result.fields = input_properties.fields
            result.crs = input_properties.crs
        else:
            source = self.parameterAsSource(parameters, self.INPUT, context)
            if source is None:
                return result
            result.fields = source.fields()
            result.crs = source.sourceCrs()
        result.wkbType = QgsWkbTypes.Type.MultiPolygon
        result.availability = available
        return result

    def tags(self):
        return self.tr("buffer,grow,fixed,variable,distance,cache,redis").split(",")

    def shortHelpString(self) -> str:
        return (
            self.tr(
                "Computes a buffer area for all the features in an input layer, using a fixed or "
                "dynamic distance, with exactly the result of QGIS's native Buffer algorithm "
                "(same parameters, fields, MultiPolygon output, null geometries kept, or dropped "
                "when dissolving)."
            )
            + self.tr(CACHE_HELP).format(op=OP, pair="")
            + self.tr(
                "\n\nWith 'Dissolve result', the buffer of each feature is cached as above and the "
                "merged geometry too (one more entry, counted in CACHE_HITS / CACHE_MISSES), keyed "
                "by the keys of all the buffers it merges."
            )
        )

    def initAlgorithm(self, config=None):
        source = QgsProcessingParameterFeatureSource(self.INPUT, self.tr("Input layer"))
        source.setHelp(self.tr("Features to buffer; any geometry type."))
        self.addParameter(source)
        distance = QgsProcessingParameterDistance(
            self.DISTANCE, self.tr("Distance"), 10, self.INPUT
        )
        distance.setIsDynamic(True)
        distance.setDynamicPropertyDefinition(
            QgsPropertyDefinition(
                "Distance",
                self.tr("Buffer distance"),
                QgsPropertyDefinition.StandardPropertyTemplate.Double,
            )
        )
        distance.setDynamicLayerParameterName(self.INPUT)
        distance.setHelp(
            self.tr(
                "Buffer distance in the layer's units; negative distances shrink polygons. "
                "Can be data-defined per feature."
            )
        )
        self.addParameter(distance)
        segments = QgsProcessingParameterNumber(
            self.SEGMENTS,
            self.tr("Segments"),
            QgsProcessingParameterNumber.Type.Integer,
            5,
            False,
            1,
        )
        segments.setHelp(
            self.tr(
                "The segments parameter controls the number of line segments to use to "
                "approximate a quarter circle when creating rounded offsets."
            )
        )
        self.addParameter(segments)
        end_cap = QgsProcessingParameterEnum(
            self.END_CAP_STYLE,
            self.tr("End cap style"),
            [self.tr("Round"), self.tr("Flat"), self.tr("Square")],
            False,
            0,
        )
        end_cap.setHelp(self.tr("How line endings are handled in the buffer."))
        self.addParameter(end_cap)
        join = QgsProcessingParameterEnum(
            self.JOIN_STYLE,
            self.tr("Join style"),
            [self.tr("Round"), self.tr("Miter"), self.tr("Bevel")],
            False,
            0,
        )
        join.setHelp(self.tr("Whether round, miter or beveled joins are used at corners."))
        self.addParameter(join)
        miter = QgsProcessingParameterNumber(
            self.MITER_LIMIT,
            self.tr("Miter limit"),
            QgsProcessingParameterNumber.Type.Double,
            2,
            False,
            1,
        )
        miter.setHelp(
            self.tr(
                "Only for the miter join style: the maximum distance from the offset curve "
                "to use when creating a mitered join."
            )
        )
        self.addParameter(miter)
        dissolve = QgsProcessingParameterBoolean(self.DISSOLVE, self.tr("Dissolve result"), False)
        dissolve.setHelp(
            self.tr(
                "Merge all buffers into one feature carrying the first feature's attributes; "
                "features without geometry are then left out."
            )
        )
        self.addParameter(dissolve)
        output = QgsProcessingParameterFeatureSink(
            self.OUTPUT,
            self.tr("Buffered"),
            QgsProcessing.SourceType.TypeVectorPolygon,
            None,
            False,
            True,
            True,
        )
        output.setHelp(self.tr("The buffered features (MultiPolygon), in any vector format."))
        self.addParameter(output)
        self.add_cache_parameters()

    def processAlgorithm(self, parameters, context, feedback):
        started = time.perf_counter()
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        sink, dest = self.parameterAsSink(
            parameters,
            self.OUTPUT,
            context,
            source.fields(),
            QgsWkbTypes.Type.MultiPolygon,
            source.sourceCrs(),
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
            self._write_dissolved(sink, features, results, keys, cache, parameters, feedback)
        else:
            self._write_features(sink, features, with_geometry, results, parameters, feedback)
        outputs = {self.OUTPUT: dest}
        outputs.update(self.finish_cache(cache, feedback, time.perf_counter() - started))
        return outputs

    def _write_features(self, sink, features, with_geometry, results, parameters, feedback):
        for index, value in zip(with_geometry, results):
            feature = features[index]
            geometry = QgsGeometry()
            if value is None:
                self._log_failure(feature)
            else:
                geometry.fromWkb(value)
            feature.setGeometry(geometry)
        for start in range(0, len(features), WRITE_BATCH):
            if feedback.isCanceled():
                return
            if not sink.addFeatures(
                features[start : start + WRITE_BATCH], QgsFeatureSink.Flag.FastInsert
            ):
                raise QgsProcessingException(self.writeFeatureError(sink, parameters, self.OUTPUT))
            feedback.setProgress(80 + 20 * min(1.0, (start + WRITE_BATCH) / len(features)))

    def _write_dissolved(self, sink, features, results, keys, cache, parameters, feedback):
        if not results:
            # QGIS 3.22 (fix for issue #46396): nothing to dissolve, no feature at all
            return
        dissolve_key = cache.key(DISSOLVE_OP, OP_VERSION, {}, "\n".join(keys).encode())
        (cached,) = cache.get_many([dissolve_key], {MULTIPOLYGON})
        if cached is not None:
            merged = QgsGeometry()
            merged.fromWkb(cached)
        else:
            parts = []
            for feature, value in zip((f for f in features if f.hasGeometry()), results):
                geometry = QgsGeometry()
                if value is None:
                    self._log_failure(feature)
                else:
                    geometry.fromWkb(value)
                parts.append(geometry)
            merged = QgsGeometry.unaryUnion(parts)
            merged.convertToMultiType()
            if not merged.isNull():
                cache.set_many([(dissolve_key, bytes(merged.asWkb()))])
        out = QgsFeature()
        out.setGeometry(merged)
        out.setAttributes(features[0].attributes())
        if not sink.addFeature(out, QgsFeatureSink.Flag.FastInsert):
            raise QgsProcessingException(self.writeFeatureError(sink, parameters, self.OUTPUT))

    @staticmethod
    def _log_failure(feature):
        # the same message, tag and level as native:buffer
        QgsMessageLog.logMessage(
            tr("Error calculating buffer for feature {id}").format(id=feature.id()),
            tr("Processing"),
            Qgis.MessageLevel.Warning,
        )
