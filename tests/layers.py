"""Small memory layers for the parity tests, and world_map subsets."""

from qgis.core import (
    QgsFeature,
    QgsField,
    QgsGeometry,
    QgsRectangle,
    QgsVectorLayer,
)

from georedis_plugin.core.compat import FieldType

WORLD_MAP = "/usr/share/qgis/resources/data/world_map.gpkg"


def memory_layer(geometry_type: str, wkts, crs: str = "EPSG:4326", name: str = "layer"):
    """Memory layer with fields id (int) and label (string); a None WKT is a null geometry."""
    layer = QgsVectorLayer(f"{geometry_type}?crs={crs}", name, "memory")
    provider = layer.dataProvider()
    provider.addAttributes([QgsField("id", FieldType.INT), QgsField("label", FieldType.STRING)])
    layer.updateFields()
    features = []
    for index, wkt in enumerate(wkts):
        feature = QgsFeature(layer.fields())
        feature.setAttributes([index, f"f{index}"])
        if wkt is not None:
            feature.setGeometry(QgsGeometry.fromWkt(wkt))
        features.append(feature)
    assert provider.addFeatures(features)
    layer.updateExtents()
    return layer


def world_layer(name: str, extent=None, limit: int = 0):
    """A memory copy of a world_map.gpkg layer, optionally limited to an extent / count."""
    source = QgsVectorLayer(f"{WORLD_MAP}|layername={name}", name, "ogr")
    assert source.isValid(), f"{WORLD_MAP} is missing: run make setup"
    from qgis.core import QgsFeatureRequest

    request = QgsFeatureRequest()
    if extent is not None:
        request.setFilterRect(QgsRectangle(*extent))
    if limit:
        request.setLimit(limit)
    layer = source.materialize(request)
    return layer
