"""What georedis:clip and georedis:difference share, on the cached-algorithm skeleton: each input
feature meets the union of the overlay features it touches, and its result is cached by its
geometry and theirs.

Both native algorithms read the whole overlay (in the input's CRS) first, keep the input's
fields and write at most one feature per input feature. They differ in what they do with the
union (``compute``) and in how they read the input (``input_rectangles``), which decides what
QGIS's invalid-geometry check reports, and how often: that is settled in ``prepare``, before
anything is written, so that a run native would stop (or hand invalid geometries to GEOS) is
native's own.
"""

import hashlib

import numpy as np
from qgis.core import (
    QgsFeature,
    QgsFeatureRequest,
    QgsGeometry,
    QgsProcessingException,
    QgsWkbTypes,
)

from ...core.clip_difference import NULL_GEOMETRY, OverlayError
from ...core.geometry_io import wkb_geometry
from ...core.overlay import find_candidates, geometry_validity, shapely_geometries
from ...core.wkb_cache import MULTILINESTRING, MULTIPOINT, MULTIPOLYGON, POINT, wkb_base_types
from . import source_reading
from .cached import CACHE_HELP
from .cached_features import CachedFeatureAlgorithm
from .intersection import (
    CANDIDATES_OP,
    CANDIDATES_VERSION,
    DIGEST,
    DROPPED,
    LIST_CHECK,
    seal_list,
    unsealed_list,
)

OP_VERSION = 1
# cached in place of a result native writes without a geometry (an empty point difference)
NULL_VALUE = b"georedis:null-geometry"
RESULT_TYPES = {
    QgsWkbTypes.GeometryType.PointGeometry: (POINT, MULTIPOINT),
    QgsWkbTypes.GeometryType.LineGeometry: (MULTILINESTRING,),
    QgsWkbTypes.GeometryType.PolygonGeometry: (MULTIPOLYGON,),
}
SKIP_INVALID = QgsFeatureRequest.InvalidGeometryCheck.GeometrySkipInvalid
NO_CHECK = QgsFeatureRequest.InvalidGeometryCheck.GeometryNoCheck
EMPTY_POLYGON = bytes.fromhex("010300000000000000")
PREPASS_FEATURES = 20000


class LeftToNativeError(Exception):
    """This run's outcome is native's own (it stops, or GEOS meets invalid geometries)."""


def _is_curved_result(value: bytes, geometry_type) -> bool:
    """Whether ``value`` is the WKB of a curved geometry of ``geometry_type`` that QGIS reads
    back to the very same bytes (anything else is a miss)."""
    if len(value) < 9 or value[0] != 1:
        return False
    code = int.from_bytes(value[1:5], "little")
    if code % 1000 not in (9, 10, 11, 12) or code >= 4000:
        return False
    geometry = QgsGeometry()
    geometry.fromWkb(value)
    return (
        not geometry.isNull()
        and geometry.type() == geometry_type
        and bytes(geometry.asWkb()) == bytes(value)
    )


class CoverAlgorithm(CachedFeatureAlgorithm):
    """Subclasses set OP and implement ``compute`` (and the hooks below where they differ)."""

    OP = ""
    OVERLAY = "OVERLAY"
    GRID_SIZE = "GRID_SIZE"
    KEEPS_FEATURES_WITHOUT_GEOMETRY = False
    CHECKS_VALIDITY = False  # settled in prepare(), as native reads the input

    def initAlgorithm(self, config=None):
        self.add_native_parameters()
        self.add_cache_parameters()

    def summary(self) -> str:
        """What the algorithm does, before the cache's part of the help."""
        raise NotImplementedError

    def shortHelpString(self) -> str:
        return self.summary() + self.tr(CACHE_HELP).format(
            op=self.OP,
            pair=self.tr(
                " and the WKB of the overlay geometries it intersects (a hash of each): "
                "editing an overlay feature recomputes only the input features it touches"
            ),
        )

    # -- what clip and difference override ------------------------------------------------

    def input_rectangles(self, run) -> list:
        """The filter rectangle of each reading of the input native does (None: all of it)."""
        return [None]

    def reads_input(self, run) -> bool:
        """Whether native goes on to read the input once it has the overlay."""
        return True

    def wanted(self, overlays) -> bool:
        """Whether an input geometry touching ``overlays`` can give an output feature."""
        return True

    def key_parameters(self, run) -> dict:
        return {} if run.grid_size is None else {"grid": run.grid_size}

    def failure_message(self, error: OverlayError) -> str:
        """Native's error where GEOS fails (``error.step``: "union" or "intersection")."""
        raise NotImplementedError

    def compute_jobs(self, run, chunk, jobs, progress):
        """Result of each (input index, [overlay indices]) job: WKB, None or NULL_GEOMETRY."""
        raise NotImplementedError

    # -- the skeleton's hooks -------------------------------------------------------------

    def processAlgorithm(self, parameters, context, feedback):
        try:
            return super().processAlgorithm(parameters, context, feedback)
        except LeftToNativeError:
            feedback.pushInfo(
                self.tr(
                    "Invalid geometries that QGIS does not skip: running QGIS's {algorithm} "
                    "itself, without the cache."
                ).format(algorithm=self.NATIVE_ID)
            )
            return self.run_native(parameters, context, feedback, None)

    def grid_size(self, parameters, context):
        """GRID_SIZE as native applies it: a size > 0 when given (and this QGIS has it)."""
        if self.parameterDefinition(self.GRID_SIZE) is None:
            return None
        if parameters.get(self.GRID_SIZE) is None:
            return None
        size = self.parameterAsDouble(parameters, self.GRID_SIZE, context)
        return size if size > 0 else None

    def output_wkb_type(self, run):
        return QgsWkbTypes.promoteNonPointTypesToMulti(run.source.wkbType())

    def prepare(self, run) -> None:
        """The overlay, and the invalid-geometry check settled for both layers."""
        parameters, context, source_a = run.parameters, run.context, run.source
        source_b = self.parameterAsSource(parameters, self.OVERLAY, context)
        if source_b is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.OVERLAY))
        run.geometry_type = QgsWkbTypes.geometryType(QgsWkbTypes.multiType(source_a.wkbType()))
        run.grid_size = self.grid_size(parameters, context)
        request = QgsFeatureRequest().setNoAttributes()
        request.setDestinationCrs(source_a.sourceCrs(), context.transformContext())
        overlay = source_reading.FeatureBatch(
            list(source_b.getFeatures(request, source_reading.UNCHECKED))
        )
        run.b_wkbs, run.b_ids, run.b_geoms = overlay.wkbs, overlay.ids, None
        # QGIS tests the overlay's geometries as stored, before reprojecting them
        stored = None
        if source_b.sourceCrs() != source_a.sourceCrs():
            stored = source_reading.stored_wkbs(source_b, run.b_ids, run.feedback)
        # Whether this run is native's is decided before QGIS reports any skipped feature
        # (native's run would report them again); the input is read as native reads it
        # once the overlay's doubtful geometries are gone (all of it, if empty ones may stay).
        doubted_b = self._doubted(run, source_b, self.OVERLAY, run.b_ids, [stored or run.b_wkbs])
        kept_b = [fid not in doubted_b for fid in run.b_ids]
        run.b_wkbs = [w for w, k in zip(run.b_wkbs, kept_b) if k]
        if any(doubted_b.values()):
            run.b_wkbs.append(EMPTY_POLYGON)
        doubted_a = self._doubted(run, source_a, self.INPUT, None, None)
        run.b_wkbs = overlay.wkbs
        run.b_ids = overlay.ids
        self._skip(run, source_b, doubted_b, [None], "b")
        run.reads_input = self.reads_input(run)
        run.skipped_a = set()
        if run.reads_input:
            run.skipped_a = self._skip(run, source_a, doubted_a, self.input_rectangles(run), "a")
        self._keys(run)

    def chunk_keys(self, run, chunk):
        """Keys of the chunk's results: its geometries with the overlay geometries each
        touches, from the cached lists of those (the lists missing are found and stored)."""
        chunk.jobs, chunk.a_geoms = [], None
        if not run.reads_input:
            return []
        if run.skipped_a:
            chunk.keep([fid not in run.skipped_a for fid in chunk.ids])
        b_by_digest = run.b_by_digest

        def names_overlay_geometries(value):
            body = unsealed_list(value)
            return body is not None and all(
                body[s : s + DIGEST] in b_by_digest for s in range(0, len(body), DIGEST)
            )

        def find(unknown):
            a_geoms, b_geoms = self._geometries(run, chunk)
            found = find_candidates(
                chunk.wkbs, run.b_wkbs, a_geoms, b_geoms, unknown, run.feedback.isCanceled
            )
            if found is None:
                return None
            digests = run.b_digests
            return [seal_list(b"".join(sorted({digests[b] for b in found[a]}))) for a in unknown]

        lists = run.cache_aside.values(
            [run.list_key(d) for d in chunk.digests],
            lambda values: [names_overlay_geometries(v) for v in values],
            find,
            count=False,
        )
        if lists is None:
            return None
        for a, value in enumerate(lists):
            body = value[:-LIST_CHECK]
            digests = [body[s : s + DIGEST] for s in range(0, len(body), DIGEST)]
            overlays = sorted(b for d in digests for b in b_by_digest[d])
            if self.wanted(overlays):
                chunk.jobs.append((a, overlays, b"".join(digests)))
        return [run.result_key(chunk.digests[a], digests) for a, _, digests in chunk.jobs]

    def check_values(self, run, values):
        markers = np.fromiter((v in (DROPPED, NULL_VALUE) for v in values), bool, len(values))
        usable = markers | np.isin(wkb_base_types(values), run.allowed)
        # a curved input kept as it is (no overlay to subtract, or inside the clip union)
        for n in np.flatnonzero(~usable):
            usable[n] = _is_curved_result(values[n], run.geometry_type)
        return usable

    def compute(self, run, chunk, missing, progress):
        jobs = [chunk.jobs[n][:2] for n in missing]
        try:
            computed = self.compute_jobs(run, chunk, jobs, progress)
        except OverlayError as exc:
            raise QgsProcessingException(self.failure_message(exc)) from exc
        if computed is None:
            return None
        return [DROPPED if v is None else NULL_VALUE if v == NULL_GEOMETRY else v for v in computed]

    def chunk_features(self, run, chunk, values) -> list:
        fields = run.source.fields()
        out = []
        for (a, _, _), value in zip(chunk.jobs, values):
            if value == DROPPED:
                continue
            feature = QgsFeature(fields)
            if value != NULL_VALUE:
                feature.setGeometry(wkb_geometry(value))
            feature.setAttributes(chunk.features[chunk.rows[a]].attributes())
            out.append(feature)
        if self.KEEPS_FEATURES_WITHOUT_GEOMETRY and run.reads_input:
            out.extend(f for f in chunk.features if not f.hasGeometry())
        return out

    # -- helpers --------------------------------------------------------------------------

    def _geometries(self, run, chunk):
        if chunk.a_geoms is None:
            chunk.a_geoms = shapely_geometries(chunk.wkbs)
        if run.b_geoms is None:
            run.b_geoms = shapely_geometries(run.b_wkbs)
        return chunk.a_geoms, run.b_geoms

    def _keys(self, run) -> None:
        run.b_digests = [source_reading.digest(wkb) for wkb in run.b_wkbs]
        run.b_by_digest = {}
        for index, digest in enumerate(run.b_digests):
            run.b_by_digest.setdefault(digest, []).append(index)
        overlay_digest = hashlib.sha256(b"".join(sorted(run.b_by_digest))).digest()
        params = {"type": int(run.geometry_type)}
        # the lists of georedis:intersection, whose candidates are the same
        lists = run.cache.key_function(CANDIDATES_OP, CANDIDATES_VERSION, params)
        run.list_key = lambda digest: lists(digest, overlay_digest)
        params = {**params, **self.key_parameters(run)}
        run.result_key = run.cache.key_function(self.OP, OP_VERSION, params)
        run.allowed = RESULT_TYPES.get(run.geometry_type, (MULTIPOLYGON,))

    def _doubted(self, run, source, name, ids, wkb_lists):
        """{id: may QGIS keep it} of the features of ``source`` QGIS's check may skip as
        native reads them (the input: with the overlay in ``run.b_wkbs``); raises
        LeftToNativeError where native would stop, or hand GEOS an invalid geometry.

        Validity is screened with GEOS (cached by WKB digest). QGIS's own test also refuses
        an empty geometry, but only the first time it tests one (QgsAbstractGeometry caches
        an empty failure reason as valid): only QGIS's check itself knows if it keeps one.
        """
        check = source_reading.geometry_check(run.parameters.get(name), source, run.context)
        if QgsWkbTypes.geometryType(source.wkbType()) == QgsWkbTypes.GeometryType.PointGeometry:
            return {}  # points are always valid for GEOS, never checked by QGIS
        doubted = {}
        for fids, wkbs in self._geometry_batches(run, source, ids, wkb_lists):
            digests = [source_reading.digest(wkb) for wkb in wkbs]
            valid = geometry_validity(wkbs, digests, run.cache, run.feedback.isCanceled)
            if valid is None:
                return {}  # cancelled: the stream stops before its first chunk
            for fid, wkb, ok in zip(fids, wkbs, valid):
                if not ok or (check != NO_CHECK and source_reading.is_empty_wkb(wkb)):
                    doubted[fid] = ok
        if doubted and ids is None:
            seen = {fid for _, fid in self._reads(source, self.input_rectangles(run), doubted)}
            doubted = {fid: ok for fid, ok in doubted.items() if fid in seen}
        if doubted and check != SKIP_INVALID:
            raise LeftToNativeError()
        return doubted

    @staticmethod
    def _geometry_batches(run, source, ids, wkb_lists):
        """(ids, WKB) of the geometries of ``source``: those given, or read in batches."""
        if ids is not None:
            yield ids, wkb_lists[0]
            return
        request = QgsFeatureRequest().setNoAttributes()
        for batch in source_reading.batches(source, request, PREPASS_FEATURES, run.feedback):
            yield batch.ids, batch.wkbs

    def _skip(self, run, source, doubted, rectangles, side) -> set:
        """QGIS's check skips what it finds invalid among ``doubted``, with its message, as
        often and in the order native reads them. Returns the ids it skipped."""
        if not doubted:
            return set()
        # read as native reads: QGIS reports what it skips in native's order
        kept = {fid for _, fid in self._reads(source, rectangles, doubted, checked=True)}
        if any(not doubted[fid] for fid in kept):
            raise ValueError(f"QGIS kept features {sorted(kept)} GEOS finds invalid")
        skipped = set(doubted) - kept
        if side == "b":
            keep = [fid not in skipped for fid in run.b_ids]
            run.b_wkbs = [w for w, k in zip(run.b_wkbs, keep) if k]
            run.b_ids = [f for f, k in zip(run.b_ids, keep) if k]
        return skipped

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
            if checked:
                features = source.getFeatures(request)
            else:
                features = source.getFeatures(request, source_reading.UNCHECKED)
            yield from ((rectangle, f.id()) for f in features if f.id() in doubted)
