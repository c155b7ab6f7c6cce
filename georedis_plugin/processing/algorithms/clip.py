"""georedis:clip: native:clip's result, cached per input geometry and the overlay it touches."""

from qgis.core import QgsGeometry, QgsProcessingException

from ...core.clip_difference import clip_many
from ...core.geometry_io import wkb_geometry
from .base import qgis_tr
from .cover import CoverAlgorithm


class ClipAlgorithm(CoverAlgorithm):
    NATIVE_ID = "native:clip"
    OP = "clip"
    HONOURED = frozenset((CoverAlgorithm.INPUT, CoverAlgorithm.OVERLAY, CoverAlgorithm.OUTPUT))

    def name(self) -> str:
        return "clip"

    def displayName(self) -> str:
        return self.tr("Clip (cached)")

    def tags(self):
        return self.tr("clip,intersect,intersection,mask,overlay,cache,redis").split(",")

    def summary(self) -> str:
        return self.tr(
            "Keeps the parts of the Input layer's features that fall within the polygons of the "
            "Overlay layer, with exactly the result of QGIS's native Clip algorithm: the "
            "attributes are not modified, and the overlay is reprojected to the input's CRS."
        )

    def reads_input(self, run) -> bool:
        if not run.b_wkbs:
            return False  # native stops: nothing to clip with
        if len(run.b_wkbs) > 1 and all(len(wkb) <= 9 for wkb in run.b_wkbs):
            union = QgsGeometry.unaryUnion([wkb_geometry(wkb) for wkb in run.b_wkbs])
            raise QgsProcessingException(
                qgis_tr("Could not create the combined clip geometry: %1").replace(
                    "%1", union.lastError()
                )
            )
        return True

    def input_rectangles(self, run) -> list:
        # native reads the input once per overlay geometry, within its bounding box
        return [wkb_geometry(wkb).boundingBox() for wkb in run.b_wkbs]

    def wanted(self, overlays) -> bool:
        return bool(overlays)

    def key_parameters(self, run) -> dict:
        # an overlay of one geometry is used as it is, without a union
        return {"single": True} if len(run.b_wkbs) == 1 else {}

    def failure_message(self, error) -> str:
        if error.step == "union":
            return qgis_tr("Could not create the combined clip geometry: %1").replace(
                "%1", str(error)
            )
        return qgis_tr("GEOS geoprocessing error: intersection failed.") + f"\n\n{error}"

    def compute_jobs(self, run, chunk, jobs, progress):
        a_geoms, b_geoms = self._geometries(run, chunk)
        return clip_many(
            chunk.wkbs,
            run.b_wkbs,
            a_geoms,
            b_geoms,
            jobs,
            run.geometry_type,
            single_overlay=len(run.b_wkbs) == 1,
            cancelled=run.feedback.isCanceled,
            progress=progress,
        )
