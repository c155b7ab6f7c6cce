"""Reading a Processing source in batches, with its invalid-geometry setting applied as QGIS does.

Geometries are read unchecked (fast), screened with GEOS (validity cached by WKB digest), and
only those found invalid are requested again through the source with QGIS's own check, so that
QGIS itself skips them with its message or stops the run with its error, as in the native
algorithms.
"""

import hashlib
import itertools

from qgis.core import (
    QgsApplication,
    QgsFeatureRequest,
    QgsProcessing,
    QgsProcessingFeatureSource,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingFeedback,
    QgsWkbTypes,
)

from ...core.overlay import geometry_validity

UNCHECKED = QgsProcessingFeatureSource.Flag.FlagSkipGeometryValidityChecks


def digest(wkb: bytes) -> bytes:
    return hashlib.sha256(wkb).digest()


def is_empty_wkb(wkb: bytes) -> bool:
    """An empty line, polygon or collection: 9 bytes of WKB (an empty point, never checked
    by QGIS, is longer)."""
    return len(wkb) <= 9


class FeatureBatch:
    """Features read from a source, and the WKB of those that have a geometry.

    ``rows[i]`` is the position in ``features`` of the i-th geometry ``wkbs[i]``.
    ``all_valid`` says the validity screen found every geometry GEOS-valid (as they are
    in ``wkbs``), which spares the computation testing them again.
    """

    def __init__(self, features):
        self.features = features
        # a feature without geometry has an empty WKB
        wkbs = [bytes(feature.geometry().asWkb()) for feature in features]
        if all(wkbs):
            self.rows = list(range(len(features)))
            self.wkbs = wkbs
        else:
            self.rows = [row for row, wkb in enumerate(wkbs) if wkb]
            self.wkbs = [wkb for wkb in wkbs if wkb]
        self.all_valid = False
        self._digests = None

    @property
    def ids(self) -> list:
        return [self.features[row].id() for row in self.rows]

    @property
    def digests(self) -> list:
        if self._digests is None:
            self._digests = [digest(wkb) for wkb in self.wkbs]
        return self._digests

    def keep(self, kept) -> None:
        """Keep the geometries whose flag in ``kept`` is true (features without stay)."""
        digests = self._digests
        self.rows = [r for r, k in zip(self.rows, kept) if k]
        self.wkbs = [w for w, k in zip(self.wkbs, kept) if k]
        if digests is not None:
            self._digests = [d for d, k in zip(digests, kept) if k]


def batches(source, request, size, feedback):
    """FeatureBatch after FeatureBatch of ``size`` features; stops when cancelled."""
    iterator = iter(source.getFeatures(request, UNCHECKED))
    while not feedback.isCanceled():
        features = list(itertools.islice(iterator, size))
        if not features:
            return
        yield FeatureBatch(features)


def geometry_check(value, source, context):
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


def needs_check(value, source, context) -> bool:
    check = geometry_check(value, source, context)
    return (
        check != QgsFeatureRequest.InvalidGeometryCheck.GeometryNoCheck
        and source.wkbType() != QgsWkbTypes.Type.NoGeometry
    )


def filter_invalid(batch, source, value, cache, context, feedback, stored_wkbs=None) -> bool:
    """Apply the source's invalid-geometry setting to ``batch`` as native does; False if cancelled.

    ``value`` is the parameter value the source came from. ``stored_wkbs``: the geometries as
    the source stores them when ``batch`` holds them reprojected (QGIS tests those).
    """
    check = geometry_check(value, source, context)
    if not needs_check(value, source, context):
        return True
    reprojected = stored_wkbs is not None
    wkbs = stored_wkbs if reprojected else batch.wkbs
    digests = [digest(wkb) for wkb in wkbs] if reprojected else batch.digests
    valid = geometry_validity(wkbs, digests, cache, feedback.isCanceled)
    if valid is None:
        return False
    # what is left is tested as it will be computed (unless reprojected since)
    batch.all_valid = not reprojected
    # QGIS's own test also refuses an empty geometry, but only the first time it tests it
    # (QgsSurface::isValid caches an empty failure reason as valid): only QGIS's check
    # itself knows whether it keeps one, so empty geometries are asked of it as invalid ones
    valid = [ok and not is_empty_wkb(wkb) for ok, wkb in zip(valid, wkbs)]
    if all(valid):
        return True
    batch.all_valid = False  # QGIS may keep a geometry the screen found invalid
    if check == QgsFeatureRequest.InvalidGeometryCheck.GeometryAbortOnInvalid:
        abort_as_native(value, context, feedback)
        return not feedback.isCanceled()  # QGIS found every geometry valid after all
    kept = list(valid)
    ids = batch.ids
    request = QgsFeatureRequest().setNoAttributes()
    for index in [i for i, ok in enumerate(valid) if not ok]:
        if feedback.isCanceled():
            return False
        # QGIS's check skips it and reports it through the context's callback
        request.setFilterFid(ids[index])
        kept[index] = any(True for _ in source.getFeatures(request))
    batch.keep(kept)
    return True


def abort_as_native(value, context, feedback) -> None:
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


def stored_wkbs(source, ids, feedback):
    """WKB of the features ``ids`` as the source stores them (not reprojected); None: cancelled."""
    stored = {}
    request = QgsFeatureRequest().setNoAttributes()
    for feature in source.getFeatures(request, UNCHECKED):
        if feedback.isCanceled():
            return None
        if feature.hasGeometry():
            stored[feature.id()] = bytes(feature.geometry().asWkb())
    return [stored[fid] for fid in ids]
