"""georedis:polygonsearch: the points of a geo set inside polygons of a layer."""

from qgis.core import (
    QgsFeatureRequest,
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingParameterFeatureSource,
)

from ...core import geoset
from .geoset_base import GeoSetSearchAlgorithm


class PolygonSearchAlgorithm(GeoSetSearchAlgorithm):
    INPUT = "INPUT"

    def name(self) -> str:
        return "polygonsearch"

    def displayName(self) -> str:
        return self.tr("Search a geo set by polygon")

    def shortHelpString(self) -> str:
        return self.tr(
            "Finds the points of a geo set inside or on the boundary of the polygons of a layer "
            "(use 'Selected features only' for a selection). Redis returns the points of the "
            "polygons' bounding box, then an exact point-in-polygon test keeps the hits. "
            "Distances are measured from the centre of that bounding box."
        )

    def init_shape_parameters(self) -> None:
        polygons = QgsProcessingParameterFeatureSource(
            self.INPUT, self.tr("Polygons"), [QgsProcessing.SourceType.TypeVectorPolygon]
        )
        polygons.setHelp(
            self.tr(
                "Polygon layer, in any CRS; all its polygons (or, with 'Selected features "
                "only', the selected ones) are combined."
            )
        )
        self.addParameter(polygons)  # noqa: QGS202 fails only on a duplicate name

    def shape(self, parameters, context):
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        geometries = (
            f.geometry() for f in source.getFeatures(QgsFeatureRequest().setNoAttributes())
        )
        crs = source.sourceCrs()
        return geoset.Polygon(geoset.polygons_to_wgs84(geometries, crs, context.transformContext()))
