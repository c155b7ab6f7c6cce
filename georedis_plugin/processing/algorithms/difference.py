"""georedis:difference: native:difference's result, cached per input geometry and the overlay
geometries it touches."""

from qgis.core import QgsFeatureSink, QgsProcessingException

from ...core.clip_difference import difference_many
from .base import qgis_tr
from .cover import CoverAlgorithm


class DifferenceAlgorithm(CoverAlgorithm):
    NATIVE_ID = "native:difference"
    OP = "difference"
    HONOURED = frozenset(
        (
            CoverAlgorithm.INPUT,
            CoverAlgorithm.OVERLAY,
            CoverAlgorithm.OUTPUT,
            CoverAlgorithm.GRID_SIZE,  # QGIS 3.28 and later (QgsGeometryParameters)
        )
    )
    KEEPS_FEATURES_WITHOUT_GEOMETRY = True  # native writes them as they are

    def name(self) -> str:
        return "difference"

    def displayName(self) -> str:
        return self.tr("Difference (cached)")

    def tags(self):
        return self.tr("difference,erase,not overlap,overlay,cache,redis").split(",")

    def summary(self) -> str:
        return self.tr(
            "Keeps the parts of the Input layer's features that fall outside the features of "
            "the Overlay layer, with exactly the result of QGIS's native Difference algorithm: "
            "the attributes are not modified, and the overlay is reprojected to the input's CRS."
        )

    def write(self, run, features, report=None) -> None:
        # A piece the grid collapsed to a line does not fit the sink: native adds features
        # one by one, and fails at the first such, with its words and the sink's message.
        while features:
            misfit = next(
                (n for n, f in enumerate(features) if f.hasGeometry()
                 and f.geometry().type() != run.geometry_type),
                None,
            )  # fmt: skip
            if misfit is None:
                super().write(run, features, report)
                return
            super().write(run, features[:misfit], report)
            if not run.sink.addFeature(features[misfit], QgsFeatureSink.Flag.FastInsert):
                raise QgsProcessingException(qgis_tr("Could not write feature"))
            features = features[misfit + 1 :]

    def failure_message(self, error) -> str:
        return qgis_tr("GEOS geoprocessing error: unary union failed.") + f"\n\n{error}"

    def compute_jobs(self, run, chunk, jobs, progress):
        a_geoms, b_geoms = self._geometries(run, chunk)
        return difference_many(
            chunk.wkbs,
            run.b_wkbs,
            a_geoms,
            b_geoms,
            jobs,
            run.geometry_type,
            grid_size=run.grid_size,
            cancelled=run.feedback.isCanceled,
            progress=progress,
        )
