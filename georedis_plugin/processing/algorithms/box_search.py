"""georedis:boxsearch: the points of a geo set in a box of given width and height."""

from qgis.core import QgsProcessingParameterNumber, QgsProcessingParameterPoint

from ...core import geoset
from .geoset_base import GeoSetSearchAlgorithm


class BoxSearchAlgorithm(GeoSetSearchAlgorithm):
    CENTER = "CENTER"
    WIDTH = "WIDTH"
    HEIGHT = "HEIGHT"

    def name(self) -> str:
        return "boxsearch"

    def displayName(self) -> str:
        return self.tr("Search a geo set by box")

    def shortHelpString(self) -> str:
        return self.tr(
            "Finds the points of a geo set in a box centred on a point (GEOSEARCH BYBOX), "
            "nearest first. As in Redis, a point is inside when its north-south distance to the "
            "centre's parallel is at most half the height and its east-west distance along its "
            "own parallel at most half the width, both measured on the WGS 84 ellipsoid (or on "
            "Redis's sphere, with 'Distances: Sphere')."
        )

    def init_shape_parameters(self) -> None:
        center = QgsProcessingParameterPoint(self.CENTER, self.tr("Centre"))
        center.setHelp(self.tr("Centre of the box, in any CRS."))
        self.addParameter(center)  # noqa: QGS202 fails only on a duplicate name
        for name, label, help_text in (
            (self.WIDTH, self.tr("Width"), self.tr("East-west size, in the distance unit.")),
            (self.HEIGHT, self.tr("Height"), self.tr("North-south size, in the distance unit.")),
        ):
            parameter = QgsProcessingParameterNumber(
                name,
                label,
                QgsProcessingParameterNumber.Type.Double,
                defaultValue=1000.0,
                minValue=0.0,
            )
            parameter.setHelp(help_text)
            self.addParameter(parameter)  # noqa: QGS202 fails only on a duplicate name

    def shape(self, parameters, context):
        center = self.wgs84_point(parameters, self.CENTER, context)
        width = self.parameterAsDouble(parameters, self.WIDTH, context)
        height = self.parameterAsDouble(parameters, self.HEIGHT, context)
        return geoset.Box(center, width, height)
