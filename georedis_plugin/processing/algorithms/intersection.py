"""georedis:intersection: native:intersection's result, with every pair's result cached."""

import hashlib
import time

from qgis.core import (
    QgsApplication,
    QgsFeature,
    QgsFeatureRequest,
    QgsFeatureSink,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingFeatureSource,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingFeedback,
    QgsProcessingUtils,
    QgsWkbTypes,
)

from ...core.compat import finalize_sink
from ...core.geometry_io import wkb_geometry
from ...core.overlay import (
    IntersectionError,
    candidate_pairs,
    candidate_pairs_qgis,
    geometry_validity,
    intersect_pairs,
    shapely_geometries,
)
from ...core.wkb_cache import MULTILINESTRING, MULTIPOINT, MULTIPOLYGON, wkb_base_type
from .base import qgis_tr
from .cached import CACHE_HELP, CachedAlgorithm

OP = "intersection"
CANDIDATES_OP = "intersection-candidates"
OP_VERSION = 1
DIGEST = 32
# Candidate lists end with a checksum of their digests: an empty or cut-short list would
# otherwise look sound (any run of known digests does) and silently drop output features.
CANDIDATES_VERSION = 2
LIST_CHECK = 8


def seal_list(digests: bytes) -> bytes:
    return digests + hashlib.blake2b(digests, digest_size=LIST_CHECK).digest()


def unsealed_list(value: bytes):
    """The digests of a sealed candidate list, or None if it is not one."""
    body, check = value[:-LIST_CHECK], value[-LIST_CHECK:]
    if len(value) < LIST_CHECK or len(body) % DIGEST:
        return None
    if hashlib.blake2b(body, digest_size=LIST_CHECK).digest() != check:
        return None
    return body


# cached in place of a result that native drops (wrong dimension, empty after filtering)
DROPPED = bytes.fromhex("010700000000000000")
WRITE_BATCH = 1000
MULTI_TYPE_CODES = {
    QgsWkbTypes.GeometryType.PointGeometry: MULTIPOINT,
    QgsWkbTypes.GeometryType.LineGeometry: MULTILINESTRING,
    QgsWkbTypes.GeometryType.PolygonGeometry: MULTIPOLYGON,
}


def _digest(wkb: bytes) -> bytes:
    return hashlib.sha256(wkb).digest()


class IntersectionAlgorithm(CachedAlgorithm):
    NATIVE_ID = "native:intersection"
    INPUT = "INPUT"
    OVERLAY = "OVERLAY"
    INPUT_FIELDS = "INPUT_FIELDS"
    OVERLAY_FIELDS = "OVERLAY_FIELDS"
    OVERLAY_FIELDS_PREFIX = "OVERLAY_FIELDS_PREFIX"
    OUTPUT = "OUTPUT"
    GRID_SIZE = "GRID_SIZE"  # QGIS 3.28 and later (QgsGeometryParameters)
    HONOURED = frozenset(
        (INPUT, OVERLAY, INPUT_FIELDS, OVERLAY_FIELDS, OVERLAY_FIELDS_PREFIX, OUTPUT, GRID_SIZE)
    )

    def name(self) -> str:
        return "intersection"

    def displayName(self) -> str:
        return self.tr("Intersection (cached)")

    def tags(self):
        return self.tr("intersection,overlay,clip,cache,redis").split(",")

    def shortHelpString(self) -> str:
        return self.tr(
            "Extracts the overlapping portions of features in the Input and Overlay layers, "
            "with exactly the result of QGIS's native Intersection algorithm: output features "
            "carry the attributes of both, the overlay is reprojected to the input's CRS, "
            "and results of another dimension than the input are dropped."
        ) + self.tr(CACHE_HELP).format(
            op=OP,
            pair=(
                " and the overlay geometry's WKB (a hash of each); the list of overlay "
                "geometries each input geometry intersects is cached too"
            ),
        )

    def initAlgorithm(self, config=None):
        self.add_native_parameters()
        self.add_cache_parameters()

    def field_names(self, parameters, name, context) -> list:
        # parameterAsStrings (QGIS 3.32) replaces parameterAsFields, deprecated in 3.40
        if hasattr(self, "parameterAsStrings"):
            return self.parameterAsStrings(parameters, name, context)
        return self.parameterAsFields(parameters, name, context)

    def grid_size(self, parameters, context):
        """GRID_SIZE as native applies it: a size > 0 when given (and this QGIS has it)."""
        if self.parameterDefinition(self.GRID_SIZE) is None:
            return None
        if parameters.get(self.GRID_SIZE) is None:
            return None
        size = self.parameterAsDouble(parameters, self.GRID_SIZE, context)
        return size if size > 0 else None

    def processAlgorithm(self, parameters, context, feedback):
        self.require_native()
        unhonoured = self.unhonoured_parameters(parameters)
        if unhonoured:
            return self.run_native(parameters, context, feedback, unhonoured)
        started = time.perf_counter()
        source_a = self.parameterAsSource(parameters, self.INPUT, context)
        if source_a is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        source_b = self.parameterAsSource(parameters, self.OVERLAY, context)
        if source_b is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.OVERLAY))
        geometry_type_code = QgsWkbTypes.multiType(source_a.wkbType())
        geometry_type = QgsWkbTypes.geometryType(geometry_type_code)
        fields_a = self.field_names(parameters, self.INPUT_FIELDS, context)
        fields_b = self.field_names(parameters, self.OVERLAY_FIELDS, context)
        grid_size = self.grid_size(parameters, context)
        prefix = self.parameterAsString(parameters, self.OVERLAY_FIELDS_PREFIX, context)
        indices_a = QgsProcessingUtils.fieldNamesToIndices(fields_a, source_a.fields())
        indices_b = QgsProcessingUtils.fieldNamesToIndices(fields_b, source_b.fields())
        output_fields = QgsProcessingUtils.combineFields(
            QgsProcessingUtils.indicesToFields(indices_a, source_a.fields()),
            QgsProcessingUtils.indicesToFields(indices_b, source_b.fields()),
            prefix,
        )
        # as native: several pieces of one input feature share its "fid" value, which must
        # not become the primary key of a GeoPackage output
        sink, dest = self.parameterAsSink(
            parameters,
            self.OUTPUT,
            context,
            output_fields,
            geometry_type_code,
            source_a.sourceCrs(),
            QgsFeatureSink.SinkFlag.RegeneratePrimaryKey,
        )
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))

        # 1. read both layers (overlay in the input's CRS), as native does; the validity
        # filter of the context is applied below with cached validity, overlay first
        cache = self.open_cache(parameters, context)
        request_b = QgsFeatureRequest().setSubsetOfAttributes(indices_b)
        request_b.setDestinationCrs(source_a.sourceCrs(), context.transformContext())
        layer_b = self._read(source_b, request_b, indices_b, feedback)
        layer_a = self._read(
            source_a, QgsFeatureRequest().setSubsetOfAttributes(indices_a), indices_a, feedback
        )
        if layer_a is None or layer_b is None:
            return {}
        # QGIS tests the overlay's geometries as stored, before reprojecting them
        reprojected = source_b.sourceCrs() != source_a.sourceCrs()
        for layer, source, name, stored_elsewhere in (
            (layer_b, source_b, self.OVERLAY, reprojected),
            (layer_a, source_a, self.INPUT, False),
        ):
            if not self._filter_invalid(
                layer, source, name, stored_elsewhere, cache, parameters, context, feedback
            ):
                return {}
        a_wkbs, a_attrs, a_digests = layer_a["wkbs"], layer_a["attrs"], layer_a["digests"]
        b_wkbs, b_attrs, b_digests = layer_b["wkbs"], layer_b["attrs"], layer_b["digests"]
        feedback.setProgress(20)

        # 2. which overlay geometries each input geometry intersects: cached lists first
        b_by_digest = {}
        for index, digest in enumerate(b_digests):
            b_by_digest.setdefault(digest, []).append(index)
        overlay_digest = hashlib.sha256(b"".join(sorted(b_by_digest))).digest()
        params = {"type": int(geometry_type)}
        candidates_key = cache.key_function(CANDIDATES_OP, CANDIDATES_VERSION, params)
        list_keys = [candidates_key(d, overlay_digest) for d in a_digests]

        def names_overlay_geometries(value):
            # the key covers the overlay's digests, so a sound list names only those
            body = unsealed_list(value)
            return body is not None and all(
                body[start : start + DIGEST] in b_by_digest for start in range(0, len(body), DIGEST)
            )

        lists = cache.get_values(list_keys, names_overlay_geometries, count=False)
        candidates = {}
        unknown = []
        for a_index, value in enumerate(lists):
            if value is None:
                unknown.append(a_index)
                continue
            body = value[:-LIST_CHECK]
            candidates[a_index] = [
                b_index
                for start in range(0, len(body), DIGEST)
                for b_index in b_by_digest.get(body[start : start + DIGEST], ())
            ]
        a_geoms = b_geoms = None
        if unknown:
            a_geoms = shapely_geometries(a_wkbs)
            b_geoms = shapely_geometries(b_wkbs)
            found = self._find_candidates(a_wkbs, b_wkbs, a_geoms, b_geoms, unknown, feedback)
            if found is None:
                return {}
            candidates.update(found)
            cache.set_many(
                [
                    (list_keys[a], seal_list(b"".join(sorted({b_digests[b] for b in found[a]}))))
                    for a in unknown
                ]
            )
        feedback.setProgress(35)

        # 3. results per pair: cached ones, then the rest computed
        pairs = [(a, b) for a in range(len(a_wkbs)) for b in candidates.get(a, ())]
        # the grid shapes every result; keys without it are those of runs without a grid
        pair_params = params if grid_size is None else {**params, "grid": grid_size}
        pair_key = cache.key_function(OP, OP_VERSION, pair_params)
        pair_keys = [pair_key(a_digests[a], b_digests[b]) for a, b in pairs]
        expected = MULTI_TYPE_CODES.get(geometry_type, MULTIPOLYGON)
        results = cache.get_values(
            pair_keys, lambda value: value == DROPPED or wkb_base_type(value) == expected
        )
        missing = [i for i, value in enumerate(results) if value is None]
        feedback.setProgress(45)
        if missing:
            feedback.pushInfo(self.tr("Computing {n} intersections…").format(n=len(missing)))
            if a_geoms is None:
                a_geoms = shapely_geometries(a_wkbs)
                b_geoms = shapely_geometries(b_wkbs)
            try:
                computed = intersect_pairs(
                    a_wkbs,
                    b_wkbs,
                    a_geoms,
                    b_geoms,
                    [pairs[i] for i in missing],
                    geometry_type,
                    cancelled=feedback.isCanceled,
                    known_valid=(layer_a["all_valid"], layer_b["all_valid"]),
                    progress=lambda fraction: feedback.setProgress(45 + 40 * fraction),
                    grid_size=grid_size,
                )
            except IntersectionError as exc:
                raise QgsProcessingException(
                    qgis_tr("GEOS geoprocessing error: intersection failed.") + f"\n\n{exc}"
                ) from exc
            if computed is None:
                return {}
            for i, value in zip(missing, computed):
                results[i] = DROPPED if value is None else value
            cache.set_many([(pair_keys[i], results[i]) for i in missing])
        feedback.setProgress(85)

        # 4. write
        self._write(sink, output_fields, pairs, results, a_attrs, b_attrs, parameters, feedback)
        finalize_sink(sink)
        outputs = {self.OUTPUT: dest}
        outputs.update(self.finish_cache(cache, feedback, time.perf_counter() - started))
        return outputs

    @staticmethod
    def _read(source, request, indices, feedback):
        """Features with geometry: their WKB, kept attributes, digests and ids."""
        layer = {"wkbs": [], "attrs": [], "ids": [], "all_valid": False}
        flags = QgsProcessingFeatureSource.Flag.FlagSkipGeometryValidityChecks
        for feature in source.getFeatures(request, flags):
            if feedback.isCanceled():
                return None
            if not feature.hasGeometry():
                continue
            layer["wkbs"].append(bytes(feature.geometry().asWkb()))
            values = feature.attributes()
            layer["attrs"].append([values[i] for i in indices])
            layer["ids"].append(feature.id())
        layer["digests"] = [_digest(w) for w in layer["wkbs"]]
        return layer

    def _filter_invalid(
        self, layer, source, name, reprojected, cache, parameters, context, feedback
    ):
        """Apply the source's invalid-geometry setting as native does, with QGIS's messages.

        Geometries are screened with GEOS (validity cached by WKB digest; a ``reprojected``
        layer's as the source stores them). Those found invalid are requested again through
        the source with QGIS's own checks, so that QGIS itself skips them with its message
        (the context's callback), or stops the run with its message, as in native.
        """
        check = self._geometry_check(parameters.get(name), source, context)
        no_check = QgsFeatureRequest.InvalidGeometryCheck.GeometryNoCheck
        if check == no_check or source.wkbType() == QgsWkbTypes.Type.NoGeometry:
            return True
        wkbs, digests = layer["wkbs"], layer["digests"]
        if reprojected:
            wkbs = self._stored_wkbs(source, layer["ids"], feedback)
            if wkbs is None:
                return False
            digests = [_digest(wkb) for wkb in wkbs]
        valid = geometry_validity(wkbs, digests, cache, feedback.isCanceled)
        if valid is None:
            return False
        # what is left is tested as it will be intersected (unless reprojected since)
        layer["all_valid"] = not reprojected
        if all(valid):
            return True
        layer["all_valid"] = False  # QGIS may keep a geometry the screen found invalid
        if check == QgsFeatureRequest.InvalidGeometryCheck.GeometryAbortOnInvalid:
            self._abort_as_native(parameters.get(name), context, feedback)
            return not feedback.isCanceled()  # QGIS found every geometry valid after all
        kept = list(valid)
        request = QgsFeatureRequest().setNoAttributes()
        for index in [i for i, ok in enumerate(valid) if not ok]:
            if feedback.isCanceled():
                return False
            # QGIS's check skips it and reports it through the context's callback
            request.setFilterFid(layer["ids"][index])
            kept[index] = any(True for _ in source.getFeatures(request))
        for key in ("wkbs", "attrs", "ids", "digests"):
            layer[key] = [value for value, keep in zip(layer[key], kept) if keep]
        return True

    @staticmethod
    def _abort_as_native(value, context, feedback):
        """Raise QGIS's own error for the source's first invalid geometry.

        A QgsProcessingException raised by QGIS's invalid-geometry check inside a Python
        feature iteration would abort the interpreter, so the source is read by a QGIS
        algorithm that checks geometries as native does (native:boundingboxes), whose
        runPrepared() raises that error as a Python exception. If QGIS finds no invalid
        geometry, nothing is raised.
        """
        parameters = {"INPUT": value, "OUTPUT": QgsProcessing.TEMPORARY_OUTPUT}
        reader = QgsApplication.processingRegistry().createAlgorithmById("native:boundingboxes")
        quiet = QgsProcessingFeedback()
        feedback.canceled.connect(quiet.cancel)
        try:
            if not reader.prepare(parameters, context, quiet):
                return
            outputs = reader.runPrepared(parameters, context, quiet)
        finally:
            feedback.canceled.disconnect(quiet.cancel)
        context.temporaryLayerStore().removeMapLayer(outputs["OUTPUT"])

    @staticmethod
    def _stored_wkbs(source, ids, feedback):
        """WKB of the features ``ids`` as the source stores them (no reprojection)."""
        stored = {}
        request = QgsFeatureRequest().setNoAttributes()
        flags = QgsProcessingFeatureSource.Flag.FlagSkipGeometryValidityChecks
        for feature in source.getFeatures(request, flags):
            if feedback.isCanceled():
                return None
            if feature.hasGeometry():
                stored[feature.id()] = bytes(feature.geometry().asWkb())
        return [stored[fid] for fid in ids]

    @staticmethod
    def _geometry_check(value, source, context):
        """The check QgsProcessingUtils::variantToSource gives the source of ``value``.

        A layer's own setting in the algorithm dialog (the source definition's override flag)
        wins over the context's; without one, point layers are never checked.
        """
        override = QgsProcessingFeatureSourceDefinition.Flag.FlagOverrideDefaultGeometryCheck
        if isinstance(value, QgsProcessingFeatureSourceDefinition) and value.flags & override:
            return value.geometryCheck
        if QgsWkbTypes.geometryType(source.wkbType()) == QgsWkbTypes.GeometryType.PointGeometry:
            return QgsFeatureRequest.InvalidGeometryCheck.GeometryNoCheck
        return context.invalidGeometryCheck()

    @staticmethod
    def _find_candidates(a_wkbs, b_wkbs, a_geoms, b_geoms, unknown, feedback):
        readable_a = [a for a in unknown if a_geoms[a] is not None]
        found = candidate_pairs(a_geoms, b_geoms, readable_a, cancelled=feedback.isCanceled)
        if found is None:
            return None
        # curved geometries (unreadable by shapely): native's own bbox + intersects test
        curved_b = [b for b in range(len(b_wkbs)) if b_geoms[b] is None]
        curved_a = [a for a in unknown if a_geoms[a] is None]
        if curved_a or curved_b:
            boxes = [wkb_geometry(wkb).boundingBox() for wkb in b_wkbs]
            for a in curved_a:
                found[a] = candidate_pairs_qgis(a_wkbs[a], b_wkbs, boxes)
            if curved_b:
                curved_wkbs = [b_wkbs[b] for b in curved_b]
                curved_boxes = [boxes[b] for b in curved_b]
                for a in readable_a:
                    extra = candidate_pairs_qgis(a_wkbs[a], curved_wkbs, curved_boxes)
                    found[a] = sorted(found[a] + [curved_b[i] for i in extra])
        for a in found:
            found[a] = sorted(found[a])
        return found

    def _write(self, sink, fields, pairs, results, a_attrs, b_attrs, parameters, feedback):
        batch = []
        total = max(1, len(pairs))
        for done, ((a, b), value) in enumerate(zip(pairs, results)):
            if value == DROPPED:
                continue
            feature = QgsFeature(fields)
            feature.setGeometry(wkb_geometry(value))
            feature.setAttributes(a_attrs[a] + b_attrs[b])
            batch.append(feature)
            if len(batch) >= WRITE_BATCH:
                if feedback.isCanceled():
                    return
                self._flush(sink, batch, parameters)
                feedback.setProgress(85 + 15 * done / total)
        self._flush(sink, batch, parameters)

    def _flush(self, sink, batch, parameters):
        if batch and not sink.addFeatures(batch, QgsFeatureSink.Flag.FastInsert):
            raise QgsProcessingException(self.writeFeatureError(sink, parameters, self.OUTPUT))
        batch.clear()
