"""What georedis:clip and georedis:difference share: an input layer met by the union of the
overlay features each input feature touches, cached per input feature and those features.

Both native algorithms keep the input's fields and write at most one feature per input
feature; they differ in what they do with the union (``compute``) and in how they read the
input, which decides what QGIS's invalid-geometry check reports (``input_rectangles``).
"""

import hashlib
import time

from qgis.core import (
    QgsApplication,
    QgsFeature,
    QgsFeatureRequest,
    QgsFeatureSink,
    QgsProcessingException,
    QgsProcessingFeatureSource,
    QgsWkbTypes,
)

from ...core.clip_difference import NULL_GEOMETRY, OverlayError
from ...core.compat import finalize_sink
from ...core.geometry_io import wkb_geometry
from ...core.overlay import geometry_validity, shapely_geometries
from ...core.wkb_cache import MULTILINESTRING, MULTIPOINT, MULTIPOLYGON, POINT, wkb_base_type
from .cached import CachedAlgorithm
from .intersection import (
    CANDIDATES_OP,
    CANDIDATES_VERSION,
    DIGEST,
    DROPPED,
    LIST_CHECK,
    IntersectionAlgorithm,
    seal_list,
    unsealed_list,
)

OP_VERSION = 1
WRITE_BATCH = 1000
# cached in place of a result native writes without a geometry (an empty point difference)
NULL_VALUE = b"georedis:null-geometry"
RESULT_TYPES = {
    QgsWkbTypes.GeometryType.PointGeometry: (POINT, MULTIPOINT),
    QgsWkbTypes.GeometryType.LineGeometry: (MULTILINESTRING,),
    QgsWkbTypes.GeometryType.PolygonGeometry: (MULTIPOLYGON,),
}
SKIP_CHECKS = QgsProcessingFeatureSource.Flag.FlagSkipGeometryValidityChecks
SKIP_INVALID = QgsFeatureRequest.InvalidGeometryCheck.GeometrySkipInvalid
NO_CHECK = QgsFeatureRequest.InvalidGeometryCheck.GeometryNoCheck


def _digest(wkb: bytes) -> bytes:
    return hashlib.sha256(wkb).digest()


class LeftToNativeError(Exception):
    """This run's outcome is native's own (it aborts, or GEOS sees invalid geometries)."""


class CoverAlgorithm(CachedAlgorithm):
    """Subclasses set OP and implement ``compute`` (and ``input_requests`` where it differs)."""

    OP = ""
    INPUT = "INPUT"
    OVERLAY = "OVERLAY"
    OUTPUT = "OUTPUT"
    GRID_SIZE = "GRID_SIZE"
    KEEPS_FEATURES_WITHOUT_GEOMETRY = False

    def initAlgorithm(self, config=None):
        self.add_native_parameters()
        self.add_cache_parameters()

    def grid_size(self, parameters, context):
        """GRID_SIZE as native applies it: a size > 0 when given (and this QGIS has it)."""
        if self.parameterDefinition(self.GRID_SIZE) is None:
            return None
        if parameters.get(self.GRID_SIZE) is None:
            return None
        size = self.parameterAsDouble(parameters, self.GRID_SIZE, context)
        return size if size > 0 else None

    def compute(self, layer_a, layer_b, geoms, jobs, geometry_type, grid_size, feedback):
        """Result of each (input index, [overlay indices]) job: WKB, None or NULL_GEOMETRY."""
        raise NotImplementedError

    def input_rectangles(self, layer_b) -> list:
        """The filter rectangle of each reading of the input native does (None: the whole
        input): one reading of it all, for an algorithm that reads the whole input once."""
        return [None]

    def processAlgorithm(self, parameters, context, feedback):
        self.require_native()
        unhonoured = self.unhonoured_parameters(parameters)
        if unhonoured:
            return self.run_native(parameters, context, feedback, unhonoured)
        try:
            return self._run(parameters, context, feedback)
        except LeftToNativeError:
            return self._run_native_uncached(parameters, context, feedback)

    def _run_native_uncached(self, parameters, context, feedback) -> dict:
        """This run done by the native algorithm, whose outcome (its error, or what GEOS
        makes of invalid geometries it is given) GeoRedis does not reproduce."""
        feedback.pushInfo(
            self.tr(
                "Invalid geometries that QGIS does not skip: running QGIS's {algorithm} "
                "itself, without the cache."
            ).format(algorithm=self.NATIVE_ID)
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

    def _run(self, parameters, context, feedback):
        started = time.perf_counter()
        source_a = self.parameterAsSource(parameters, self.INPUT, context)
        if source_a is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        source_b = self.parameterAsSource(parameters, self.OVERLAY, context)
        if source_b is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.OVERLAY))
        geometry_type = QgsWkbTypes.geometryType(QgsWkbTypes.multiType(source_a.wkbType()))
        grid_size = self.grid_size(parameters, context)
        cache = self.open_cache(parameters, context)

        # 1. both layers (the overlay in the input's CRS), screened for invalid geometries
        # as QGIS's check would see them, overlay first as native reads it first
        request_b = QgsFeatureRequest().setNoAttributes()
        request_b.setDestinationCrs(source_a.sourceCrs(), context.transformContext())
        layer_b = self._read(source_b, request_b, feedback)
        layer_a = self._read(source_a, QgsFeatureRequest(), feedback)
        if layer_a is None or layer_b is None:
            return {}
        reprojected = source_b.sourceCrs() != source_a.sourceCrs()
        # Whether this run is native's is decided before QGIS reports any skipped feature
        # (native's run would report them again): with the input read as native reads it
        # once the overlay's doubtful geometries are gone (all input, if empty ones may stay).
        doubted_b = self._doubted(layer_b, source_b, self.OVERLAY, reprojected, None, cache,
                                  parameters, context, feedback)  # fmt: skip
        if doubted_b is None:
            return {}
        provisional_b = {"wkbs": [w for w, f in zip(layer_b["wkbs"], layer_b["ids"])
                                  if f not in doubted_b]}  # fmt: skip
        if any(doubted_b.values()):
            provisional_b["wkbs"].append(bytes.fromhex("010300000000000000"))  # reads all
        doubted_a = self._doubted(layer_a, source_a, self.INPUT, False, provisional_b, cache,
                                  parameters, context, feedback)  # fmt: skip
        if doubted_a is None:
            return {}
        self._skip(layer_b, source_b, None, doubted_b)
        reads_input = self.reads_input(layer_b)
        if reads_input:
            self._skip(layer_a, source_a, layer_b, doubted_a)
        sink, dest = self.parameterAsSink(
            parameters,
            self.OUTPUT,
            context,
            source_a.fields(),
            QgsWkbTypes.promoteNonPointTypesToMulti(source_a.wkbType()),
            source_a.sourceCrs(),
        )
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        outputs = {self.OUTPUT: dest}
        if not reads_input:
            finalize_sink(sink)
            outputs.update(self.finish_cache(cache, feedback, time.perf_counter() - started))
            return outputs
        feedback.setProgress(20)

        # 2. the overlay geometries each input geometry intersects (lists shared with
        # georedis:intersection, whose candidates are the same)
        geoms = {}
        touching = self._touching(layer_a, layer_b, geometry_type, geoms, cache, feedback)
        if touching is None:
            return {}
        feedback.setProgress(35)

        # 3. results per input geometry, keyed by it and the overlay geometries it touches
        params = {"type": int(geometry_type), **self.key_parameters(layer_b, grid_size)}
        key_of = cache.key_function(self.OP, OP_VERSION, params)
        b_digests = layer_b["digests"]
        jobs = [(a, overlays) for a, overlays in enumerate(touching) if self.wanted(overlays)]
        keys = [
            key_of(layer_a["digests"][a], b"".join(sorted({b_digests[b] for b in overlays})))
            for a, overlays in jobs
        ]
        allowed = RESULT_TYPES.get(geometry_type, (MULTIPOLYGON,))
        results = cache.get_values(
            keys,
            lambda value: value in (DROPPED, NULL_VALUE) or wkb_base_type(value) in allowed,
        )
        missing = [n for n, value in enumerate(results) if value is None]
        feedback.setProgress(45)
        if missing:
            feedback.pushInfo(self.tr("Computing {n} geometries…").format(n=len(missing)))
            try:
                computed = self.compute(
                    layer_a,
                    layer_b,
                    geoms,
                    [jobs[n] for n in missing],
                    geometry_type,
                    grid_size,
                    feedback,
                )
            except OverlayError as exc:
                # GEOS failed here: native's own run gives its error (or its result)
                raise LeftToNativeError() from exc
            if computed is None:
                return {}
            for n, value in zip(missing, computed):
                results[n] = self._cached_form(value)
            cache.set_many(
                [
                    (keys[n], results[n])
                    for n in missing
                    if results[n] in (DROPPED, NULL_VALUE) or wkb_base_type(results[n]) in allowed
                ]
            )
        feedback.setProgress(85)

        # 4. write
        self._write(sink, source_a.fields(), jobs, results, layer_a, parameters, feedback)
        finalize_sink(sink)
        outputs.update(self.finish_cache(cache, feedback, time.perf_counter() - started))
        return outputs

    def reads_input(self, layer_b) -> bool:
        """Whether native goes on to read the input (LeftToNativeError where native fails)."""
        return True

    def wanted(self, overlays) -> bool:
        """Whether an input geometry touching ``overlays`` can give an output feature."""
        return True

    def key_parameters(self, layer_b, grid_size) -> dict:
        return {} if grid_size is None else {"grid": grid_size}

    @staticmethod
    def _cached_form(value):
        if value is None:
            return DROPPED
        if value == NULL_GEOMETRY:
            return NULL_VALUE
        return value

    def _read(self, source, request, feedback):
        """Features: the WKB, attributes, digest and id of those with a geometry; the
        attributes of those without one (kept by difference)."""
        layer = {"wkbs": [], "attrs": [], "ids": [], "nulls": []}
        for feature in source.getFeatures(request, SKIP_CHECKS):
            if feedback.isCanceled():
                return None
            if not feature.hasGeometry():
                if self.KEEPS_FEATURES_WITHOUT_GEOMETRY:
                    layer["nulls"].append(feature.attributes())
                continue
            layer["wkbs"].append(bytes(feature.geometry().asWkb()))
            layer["attrs"].append(feature.attributes())
            layer["ids"].append(feature.id())
        layer["digests"] = [_digest(w) for w in layer["wkbs"]]
        return layer

    def _doubted(self, layer, source, name, reprojected, layer_b, cache, parameters, context,
                 feedback):  # fmt: skip
        """{id: may QGIS keep it} of the features of ``layer`` QGIS's check may skip as native
        reads them (``layer_b``: the overlay the input is read with), or None when cancelled;
        LeftToNativeError where native would stop, or hand GEOS an invalid geometry.

        Validity is screened with GEOS (cached by WKB digest; a reprojected layer's as the
        source stores it). QGIS's own test also refuses an empty geometry, but only the first
        time a geometry is tested (QgsAbstractGeometry caches an empty reason as valid): only
        QGIS's check itself knows whether it keeps one.
        """
        wkbs, digests = layer["wkbs"], layer["digests"]
        if reprojected:
            wkbs = IntersectionAlgorithm._stored_wkbs(source, layer["ids"], feedback)
            if wkbs is None:
                return None
            digests = [_digest(wkb) for wkb in wkbs]
        valid = geometry_validity(wkbs, digests, cache, feedback.isCanceled)
        if valid is None:
            return None
        check = IntersectionAlgorithm._geometry_check(parameters.get(name), source, context)
        # an empty geometry is 9 bytes of WKB (a point's, never checked, is longer)
        doubted = {
            fid: ok for fid, wkb, ok in zip(layer["ids"], wkbs, valid)
            if not ok or (len(wkb) <= 9 and check != NO_CHECK)
        }  # fmt: skip
        if doubted and layer_b is not None:
            seen = {fid for _, fid in self._reads(source, self.input_rectangles(layer_b), doubted)}
            doubted = {fid: ok for fid, ok in doubted.items() if fid in seen}
        if doubted and check != SKIP_INVALID:
            raise LeftToNativeError()  # native stops, or GEOS meets invalid geometries
        return doubted

    def _skip(self, layer, source, layer_b, doubted):
        """QGIS's check skips what it finds invalid among ``doubted``, with its message, as
        often and in the order native reads them; those leave ``layer``."""
        if not doubted:
            return
        rectangles = [None] if layer_b is None else self.input_rectangles(layer_b)
        # read as native reads: QGIS reports what it skips in native's order
        kept = {fid for _, fid in self._reads(source, rectangles, doubted, checked=True)}
        if any(not doubted[fid] for fid in kept):
            raise ValueError(f"QGIS kept features {sorted(kept)} GEOS finds invalid")
        keep = [fid in kept or fid not in doubted for fid in layer["ids"]]
        for key in ("wkbs", "attrs", "ids", "digests"):
            layer[key] = [value for value, k in zip(layer[key], keep) if k]

    @staticmethod
    def _reads(source, rectangles, doubted, checked=False):
        """(rectangle, id) of each of the features ``doubted`` each reading returns, with
        QGIS's check or without, in the source's order.

        The readings are native's own (a filter rectangle, no id filter): providers test an
        empty geometry against a rectangle differently when ids are given.
        """
        for rectangle in rectangles:
            request = QgsFeatureRequest().setNoAttributes()
            if rectangle is not None:
                request.setFilterRect(rectangle)
            features = source.getFeatures(request) if checked else source.getFeatures(
                request, SKIP_CHECKS
            )  # fmt: skip
            yield from ((rectangle, f.id()) for f in features if f.id() in doubted)

    def _touching(self, layer_a, layer_b, geometry_type, geoms, cache, feedback):
        """[overlay indices] each input geometry intersects, from cached lists or computed."""
        a_digests, b_digests = layer_a["digests"], layer_b["digests"]
        b_by_digest = {}
        for index, digest in enumerate(b_digests):
            b_by_digest.setdefault(digest, []).append(index)
        overlay_digest = hashlib.sha256(b"".join(sorted(b_by_digest))).digest()
        params = {"type": int(geometry_type)}
        list_key = cache.key_function(CANDIDATES_OP, CANDIDATES_VERSION, params)
        list_keys = [list_key(d, overlay_digest) for d in a_digests]

        def names_overlay_geometries(value):
            body = unsealed_list(value)
            return body is not None and all(
                body[s : s + DIGEST] in b_by_digest for s in range(0, len(body), DIGEST)
            )

        lists = cache.get_values(list_keys, names_overlay_geometries, count=False)
        touching = [None] * len(a_digests)
        unknown = []
        for a, value in enumerate(lists):
            if value is None:
                unknown.append(a)
                continue
            body = value[:-LIST_CHECK]
            touching[a] = sorted(
                b for s in range(0, len(body), DIGEST) for b in b_by_digest[body[s : s + DIGEST]]
            )
        if unknown:
            self._geometries(layer_a, layer_b, geoms)
            found = IntersectionAlgorithm._find_candidates(
                layer_a["wkbs"], layer_b["wkbs"], geoms["a"], geoms["b"], unknown, feedback
            )
            if found is None:
                return None
            for a in unknown:
                touching[a] = found[a]
            cache.set_many(
                [
                    (list_keys[a], seal_list(b"".join(sorted({b_digests[b] for b in found[a]}))))
                    for a in unknown
                ]
            )
        return touching

    @staticmethod
    def _geometries(layer_a, layer_b, geoms):
        if not geoms:
            geoms["a"] = shapely_geometries(layer_a["wkbs"])
            geoms["b"] = shapely_geometries(layer_b["wkbs"])
        return geoms

    def _write(self, sink, fields, jobs, results, layer_a, parameters, feedback):
        batch = []
        total = max(1, len(jobs))
        attributes = [layer_a["attrs"][a] for a, _ in jobs] + layer_a["nulls"]
        values = list(results) + [NULL_VALUE] * len(layer_a["nulls"])
        for done, (attrs, value) in enumerate(zip(attributes, values)):
            if value == DROPPED:
                continue
            feature = QgsFeature(fields)
            if value != NULL_VALUE:
                feature.setGeometry(wkb_geometry(value))
            feature.setAttributes(attrs)
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
