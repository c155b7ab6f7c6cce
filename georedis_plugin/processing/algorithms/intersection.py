"""georedis:intersection: native:intersection's result, with every pair's result cached."""

import hashlib

import numpy as np
import shapely
from qgis.core import (
    QgsFeature,
    QgsFeatureRequest,
    QgsFeatureSink,
    QgsProcessingException,
    QgsProcessingUtils,
    QgsWkbTypes,
)

from ...core.geometry_io import wkb_geometry
from ...core.overlay import (
    IntersectionError,
    find_candidates,
    intersect_pairs,
    shapely_geometries,
)
from ...core.wkb_cache import MULTILINESTRING, MULTIPOINT, MULTIPOLYGON, wkb_base_types
from .base import qgis_tr
from .cached import CACHE_HELP
from .cached_features import CachedFeatureAlgorithm

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
MULTI_TYPE_CODES = {
    QgsWkbTypes.GeometryType.PointGeometry: MULTIPOINT,
    QgsWkbTypes.GeometryType.LineGeometry: MULTILINESTRING,
    QgsWkbTypes.GeometryType.PolygonGeometry: MULTIPOLYGON,
}


class IntersectionAlgorithm(CachedFeatureAlgorithm):
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
    CHECKS_VALIDITY = True

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

    def prepare(self, run) -> None:
        parameters, context, source_a = run.parameters, run.context, run.source
        run.overlay_source = self.parameterAsSource(parameters, self.OVERLAY, context)
        if run.overlay_source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.OVERLAY))
        source_b = run.overlay_source
        run.type_code = QgsWkbTypes.multiType(source_a.wkbType())
        run.geometry_type = QgsWkbTypes.geometryType(run.type_code)
        fields_a = self.field_names(parameters, self.INPUT_FIELDS, context)
        fields_b = self.field_names(parameters, self.OVERLAY_FIELDS, context)
        run.grid_size = self.grid_size(parameters, context)
        prefix = self.parameterAsString(parameters, self.OVERLAY_FIELDS_PREFIX, context)
        run.indices_a = QgsProcessingUtils.fieldNamesToIndices(fields_a, source_a.fields())
        run.indices_b = QgsProcessingUtils.fieldNamesToIndices(fields_b, source_b.fields())
        run.fields = QgsProcessingUtils.combineFields(
            QgsProcessingUtils.indicesToFields(run.indices_a, source_a.fields()),
            QgsProcessingUtils.indicesToFields(run.indices_b, source_b.fields()),
            prefix,
        )
        run.expected = MULTI_TYPE_CODES.get(run.geometry_type, MULTIPOLYGON)

    def output_fields(self, run):
        return run.fields

    def output_wkb_type(self, run):
        return run.type_code

    def sink_flags(self, run) -> list:
        # as native: several pieces of one input feature share its "fid" value, which must
        # not become the primary key of a GeoPackage output
        return [QgsFeatureSink.SinkFlag.RegeneratePrimaryKey]

    def input_request(self, run):
        return QgsFeatureRequest().setSubsetOfAttributes(run.indices_a)

    def computing_message(self, count: int) -> str:
        return self.tr("Computing {n} intersections…").format(n=count)

    def start(self, run) -> bool:
        """The whole overlay, in the input's CRS, with its validity setting applied first."""
        source_a, source_b = run.source, run.overlay_source
        request = QgsFeatureRequest().setSubsetOfAttributes(run.indices_b)
        request.setDestinationCrs(source_a.sourceCrs(), run.context.transformContext())
        # QGIS tests the overlay's geometries as stored, before reprojecting them
        reprojected = source_b.sourceCrs() != source_a.sourceCrs()
        overlay = self.read_all(run, source_b, self.OVERLAY, request, reprojected)
        if overlay is None:
            return False
        run.b_wkbs, run.b_digests = overlay.wkbs, overlay.digests
        run.b_attrs = [
            [overlay.features[row].attributes()[i] for i in run.indices_b] for row in overlay.rows
        ]
        run.b_all_valid = overlay.all_valid
        run.b_geoms = run.b_tree = None
        run.b_by_digest = {}
        for index, digest in enumerate(run.b_digests):
            run.b_by_digest.setdefault(digest, []).append(index)
        overlay_digest = hashlib.sha256(b"".join(sorted(run.b_by_digest))).digest()
        params = {"type": int(run.geometry_type)}
        candidates_key = run.cache.key_function(CANDIDATES_OP, CANDIDATES_VERSION, params)
        run.list_key = lambda digest: candidates_key(digest, overlay_digest)
        # the grid shapes every result; keys without it are those of runs without a grid
        pair_params = params if run.grid_size is None else {**params, "grid": run.grid_size}
        run.pair_key = run.cache.key_function(OP, OP_VERSION, pair_params)
        return True

    def chunk_keys(self, run, chunk):
        """Keys of the chunk's pairs, from the cached lists of overlay geometries each
        input geometry intersects (the lists missing are found and stored first)."""
        b_by_digest = run.b_by_digest
        chunk.a_geoms = None

        def names_overlay_geometries(value):
            # the key covers the overlay's digests, so a sound list names only those
            body = unsealed_list(value)
            return body is not None and all(
                body[start : start + DIGEST] in b_by_digest for start in range(0, len(body), DIGEST)
            )

        def find(unknown):
            found = self._find_candidates(run, chunk, unknown)
            if found is None:
                return None
            return [
                seal_list(b"".join(sorted({run.b_digests[b] for b in found[a]}))) for a in unknown
            ]

        lists = run.cache_aside.values(
            [run.list_key(d) for d in chunk.digests],
            lambda values: [names_overlay_geometries(v) for v in values],
            find,
            count=False,
        )
        if lists is None:
            return None
        # pieces in native's order: per input feature, the overlay features in their order
        # (the cached lists hold digests sorted by value, not by overlay position)
        chunk.pairs = [
            (a_index, b_index)
            for a_index, value in enumerate(lists)
            for b_index in sorted(
                b_index
                for start in range(0, len(value) - LIST_CHECK, DIGEST)
                for b_index in b_by_digest.get(value[start : start + DIGEST], ())
            )
        ]
        return [run.pair_key(chunk.digests[a], run.b_digests[b]) for a, b in chunk.pairs]

    def check_values(self, run, values):
        dropped = np.fromiter((v == DROPPED for v in values), dtype=bool, count=len(values))
        return dropped | (wkb_base_types(values) == run.expected)

    @staticmethod
    def _b_tree(run):
        """The overlay's index, built once for all the chunks of the input."""
        if run.b_tree is None:
            run.b_tree = shapely.STRtree(run.b_geoms)
        return run.b_tree

    def _geometries(self, run, chunk):
        if chunk.a_geoms is None:
            chunk.a_geoms = shapely_geometries(chunk.wkbs)
        if run.b_geoms is None:
            run.b_geoms = shapely_geometries(run.b_wkbs)
        return chunk.a_geoms, run.b_geoms

    def compute(self, run, chunk, missing, progress):
        a_geoms, b_geoms = self._geometries(run, chunk)
        try:
            computed = intersect_pairs(
                chunk.wkbs,
                run.b_wkbs,
                a_geoms,
                b_geoms,
                [chunk.pairs[i] for i in missing],
                run.geometry_type,
                cancelled=run.feedback.isCanceled,
                known_valid=(chunk.all_valid, run.b_all_valid),
                progress=progress,
                grid_size=run.grid_size,
            )
        except IntersectionError as exc:
            raise QgsProcessingException(
                qgis_tr("GEOS geoprocessing error: intersection failed.") + f"\n\n{exc}"
            ) from exc
        if computed is None:
            return None
        return [DROPPED if value is None else value for value in computed]

    def chunk_features(self, run, chunk, values) -> list:
        a_attrs = [
            [values_a[i] for i in run.indices_a]
            for values_a in (chunk.features[row].attributes() for row in chunk.rows)
        ]
        out = []
        for (a, b), value in zip(chunk.pairs, values):
            if value == DROPPED:
                continue
            feature = QgsFeature(run.fields)
            feature.setGeometry(wkb_geometry(value))
            feature.setAttributes(a_attrs[a] + run.b_attrs[b])
            out.append(feature)
        return out

    def _find_candidates(self, run, chunk, unknown):
        """{input index: overlay indices} for the ``unknown`` input geometries of ``chunk``."""
        a_geoms, b_geoms = self._geometries(run, chunk)
        return find_candidates(
            chunk.wkbs,
            run.b_wkbs,
            a_geoms,
            b_geoms,
            unknown,
            run.feedback.isCanceled,
            lambda: self._b_tree(run),
        )
