"""georedis:nearest: the N members of a geo set nearest a point, without guessing a radius."""

from qgis.core import QgsProcessingParameterNumber, QgsProcessingParameterPoint

from ...core import geoset
from .geoset_base import GeoSetSearchAlgorithm


class NearestSearchAlgorithm(GeoSetSearchAlgorithm):
    CENTER = "CENTER"
    MAX_DISTANCE = "MAX_DISTANCE"

    def name(self) -> str:
        return "nearest"

    def displayName(self) -> str:
        return self.tr("Nearest members of a geo set")

    def shortHelpString(self) -> str:
        return self.tr(
            "Finds the given number of members of a geo set nearest a point, nearest first, "
            "optionally within a maximum distance. No radius to guess: the search grows until "
            "the last of them is proven nearest, whatever the density of the set. Distances "
            "are geodesic on the WGS 84 ellipsoid, as QGIS measures them (or Redis's, on its "
            "sphere, with 'Distances: Sphere'). The centre may be given in any CRS."
        )

    def init_shape_parameters(self) -> None:
        center = QgsProcessingParameterPoint(self.CENTER, self.tr("Centre"))
        center.setHelp(self.tr("The point to search from, in any CRS (e.g. click the map)."))
        self.addParameter(center)  # noqa: QGS202 fails only on a duplicate name
        count = QgsProcessingParameterNumber(
            self.COUNT, self.tr("Number of nearest members"), minValue=1, defaultValue=1
        )
        count.setHelp(self.tr("How many members to find, nearest first."))
        self.addParameter(count)  # noqa: QGS202 fails only on a duplicate name
        limit = QgsProcessingParameterNumber(
            self.MAX_DISTANCE,
            self.tr("Maximum distance (0 = no limit)"),
            QgsProcessingParameterNumber.Type.Double,
            defaultValue=0.0,
            minValue=0.0,
        )
        limit.setHelp(
            self.tr("Leave out members farther than this, in the distance unit chosen below.")
        )
        self.addParameter(limit)  # noqa: QGS202 fails only on a duplicate name

    def init_count_parameter(self) -> None:
        pass  # COUNT comes with the centre: it is what this search is about

    def shape(self, parameters, context):
        center = self.wgs84_point(parameters, self.CENTER, context)
        limit = self.parameterAsDouble(parameters, self.MAX_DISTANCE, context)
        return geoset.Nearest(center, limit)
