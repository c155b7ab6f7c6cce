"""georedis:buffer: native:buffer's result, with every buffered geometry cached in Redis."""

import hashlib
import math

from qgis.core import (
    Qgis,
    QgsFeature,
    QgsFeatureSink,
    QgsGeometry,
    QgsMessageLog,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingParameters,
)

from ...core.buffer_ops import buffer_many
from ...core.geometry_io import wkb_geometry
from .base import qgis_tr
from .cached import CACHE_HELP
from .cached_features import CachedFeatureAlgorithm

OP = "buffer"
OP_VERSION = 2  # 2: collapsed buffers stored as QGIS writes them
DISSOLVE_OP = "buffer-dissolve"
DISSOLVE_VERSION = 3  # 3: keyed by a digest of the buffers' keys, streamed


class BufferAlgorithm(CachedFeatureAlgorithm):
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

    def prepare(self, run) -> None:
        parameters, context = run.parameters, run.context
        run.separate = self.parameterDefinition(
            self.SEPARATE_DISJOINT
        ) is not None and self.parameterAsBoolean(parameters, self.SEPARATE_DISJOINT, context)
        run.dissolve = self.parameterAsBoolean(parameters, self.DISSOLVE, context)
        run.segments = self.parameterAsInt(parameters, self.SEGMENTS, context)
        run.end_cap = 1 + self.parameterAsInt(parameters, self.END_CAP_STYLE, context)
        run.join = 1 + self.parameterAsInt(parameters, self.JOIN_STYLE, context)
        run.miter = self.parameterAsDouble(parameters, self.MITER_LIMIT, context)
        run.distance = self.parameterAsDouble(parameters, self.DISTANCE, context)
        run.params = {
            "segments": run.segments,
            "cap": run.end_cap,
            "join": run.join,
            "miter": run.miter,
        }
        run.dynamic = QgsProcessingParameters.isDynamic(parameters, self.DISTANCE)
        if run.dynamic:
            run.expression_context = self.createExpressionContext(parameters, context, run.source)
            run.distance_property = parameters.get(self.DISTANCE)
            run.distance_property.prepare(run.expression_context)
        else:
            run.key_of = run.cache.key_function(
                OP, OP_VERSION, {**run.params, "distance": run.distance}
            )
        # dissolving: every buffer, its feature id, and a digest of their keys
        run.dissolved_values, run.dissolved_ids = [], []
        run.dissolve_keys = hashlib.sha256()
        run.first_attributes = None

    def sink_flags(self, run) -> list:
        # as native: the parts of one feature share its "fid", which must not be a primary key
        return [QgsFeatureSink.SinkFlag.RegeneratePrimaryKey] if run.separate else []

    def computing_message(self, count: int) -> str:
        return self.tr("Computing {n} buffers…").format(n=count)

    def chunk_keys(self, run, chunk) -> list:
        if run.dynamic:
            chunk.distances = [self._distance(run, chunk.features[row]) for row in chunk.rows]
            keys = [
                run.cache.key(OP, OP_VERSION, {**run.params, "distance": d}, w)
                for w, d in zip(chunk.wkbs, chunk.distances)
            ]
        else:
            if chunk.rows and not math.isfinite(run.distance):
                self._refuse_distance(chunk.features[chunk.rows[0]].id(), run.distance)
            chunk.distances = [run.distance] * len(chunk.wkbs)
            keys = [run.key_of(wkb) for wkb in chunk.wkbs]
        if run.dissolve:
            run.dissolve_keys.update("".join(key + "\n" for key in keys).encode())
        return keys

    def _distance(self, run, feature) -> float:
        run.expression_context.setFeature(feature)
        distance, _ok = run.distance_property.valueAsDouble(run.expression_context, run.distance)
        if not math.isfinite(distance):
            self._refuse_distance(feature.id(), distance)
        return float(distance)

    def _refuse_distance(self, feature_id, distance) -> None:
        # GEOS crashes on a NaN distance (QGIS's native Buffer brings QGIS down)
        raise QgsProcessingException(
            self.tr(
                "The buffer distance of feature {id} is {distance}, not a number "
                "GEOS can use. Give a finite distance (check the expression or "
                "field that defines it)."
            ).format(id=feature_id, distance=distance)
        )

    def compute(self, run, chunk, missing, progress):
        return buffer_many(
            [chunk.wkbs[i] for i in missing],
            [chunk.distances[i] for i in missing],
            run.segments,
            run.end_cap,
            run.join,
            run.miter,
            cancelled=run.feedback.isCanceled,
            progress=progress,
        )

    def chunk_features(self, run, chunk, values) -> list:
        if run.first_attributes is None and chunk.features:
            run.first_attributes = chunk.features[0].attributes()
        if run.dissolve:
            run.dissolved_values.extend(values)
            run.dissolved_ids.extend(chunk.ids)
            return []
        if not run.separate and len(chunk.rows) == len(chunk.features):
            # every feature has a geometry: the common case, without the lookups below
            geometry = self._geometry
            for feature, value in zip(chunk.features, values):
                feature.setGeometry(geometry(value, feature))
            return chunk.features
        out = []
        value_of = dict(zip(chunk.rows, values))
        for row, feature in enumerate(chunk.features):
            if row not in value_of:
                out.append(feature)  # no geometry: written as it is
                continue
            geometry = self._geometry(value_of[row], feature)
            if run.separate:
                # each part its own feature; a failed buffer (null) has none and is dropped
                for part in _parts(geometry):
                    piece = QgsFeature(feature)
                    piece.setGeometry(part)
                    out.append(piece)
            else:
                feature.setGeometry(geometry)
                out.append(feature)
        return out

    def finish(self, run) -> None:
        """Dissolving: the union of every buffer, cached under a digest of their keys."""
        if not run.dissolve or not run.dissolved_values:
            # QGIS 3.22 (fix for issue #46396): nothing to dissolve, no feature at all
            return
        parts = [
            self._geometry(value, fid)
            for value, fid in zip(run.dissolved_values, run.dissolved_ids)
        ]
        run.dissolved_values = []
        merged = None

        def union(_missing):
            nonlocal merged
            merged = QgsGeometry.unaryUnion(parts)
            # as native, unchecked: False only for a null union, which is written null
            merged.convertToMultiType()  # noqa: QGS201
            return [None if merged.isNull() else bytes(merged.asWkb())]

        if run.cancelled:
            # as native: the union of what was buffered, which is not the layer's: not stored
            union([0])
        else:
            key = run.cache.key(DISSOLVE_OP, DISSOLVE_VERSION, {}, run.dissolve_keys.digest())
            (value,) = run.cache_aside.values(
                [key], lambda found: self.check_values(run, found), union
            )
            if merged is None:
                merged = wkb_geometry(value)
        pieces = _parts(merged) if run.separate else [merged]
        out = []
        for piece in pieces:
            feature = QgsFeature()
            feature.setGeometry(piece)
            feature.setAttributes(run.first_attributes)
            out.append(feature)
        self.write(run, out)

    @staticmethod
    def _geometry(value, feature) -> QgsGeometry:
        """The buffer as a geometry; null where it failed, logged as native logs it.

        ``feature``: the feature (or its id) named in the log.
        """
        if value is not None:
            return wkb_geometry(value)
        feature_id = feature if isinstance(feature, int) else feature.id()
        # the same message, tag and level as native:buffer, in QGIS's words
        QgsMessageLog.logMessage(
            qgis_tr("Error calculating buffer for feature %1").replace("%1", str(feature_id)),
            qgis_tr("Processing"),
            Qgis.MessageLevel.Warning,
        )
        return QgsGeometry()


def _parts(geometry: QgsGeometry) -> list:
    """Native's SEPARATE_DISJOINT split: a clone of each part (none for a null geometry)."""
    if geometry.isNull():
        return []
    return [QgsGeometry(part.clone()) for part in geometry.constParts()]
