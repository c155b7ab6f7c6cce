"""georedis:radiussearch: the points of a geo set within a distance of a point."""

from qgis.core import QgsProcessingParameterNumber, QgsProcessingParameterPoint

from ...core import geoset
from .geoset_base import GeoSetSearchAlgorithm


class RadiusSearchAlgorithm(GeoSetSearchAlgorithm):
    CENTER = "CENTER"
    RADIUS = "RADIUS"

    def name(self) -> str:
        return "radiussearch"

    def displayName(self) -> str:
        return self.tr("Search a geo set by radius")

    def shortHelpString(self) -> str:
        return self.tr(
            "Finds the points of a geo set within a radius of a centre point (GEOSEARCH "
            "BYRADIUS), nearest first. Distances are geodesic on the WGS 84 ellipsoid, as QGIS "
            "measures them (or, with 'Distances: Sphere', Redis's great-circle distances on its "
            "sphere of radius 6372797.56 m). The centre may be given in any CRS."
        )

    def init_shape_parameters(self) -> None:
        center = QgsProcessingParameterPoint(self.CENTER, self.tr("Centre"))
        center.setHelp(self.tr("Centre of the search circle, in any CRS (e.g. click the map)."))
        self.addParameter(center)  # noqa: QGS202 fails only on a duplicate name
        radius = QgsProcessingParameterNumber(
            self.RADIUS,
            self.tr("Radius"),
            QgsProcessingParameterNumber.Type.Double,
            defaultValue=1000.0,
            minValue=0.0,
        )
        radius.setHelp(self.tr("Search radius, in the distance unit chosen below."))
        self.addParameter(radius)  # noqa: QGS202 fails only on a duplicate name

    def shape(self, parameters, context):
        center = self.wgs84_point(parameters, self.CENTER, context)
        return geoset.Radius(center, self.parameterAsDouble(parameters, self.RADIUS, context))
