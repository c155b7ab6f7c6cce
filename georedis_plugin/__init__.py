"""GeoRedis QGIS plugin: Redis-backed cached geoprocessing and geo sets."""


def classFactory(iface):
    """Entry point QGIS calls to create the plugin; imports lazily so loading stays cheap."""
    from .plugin import GeoRedisPlugin

    return GeoRedisPlugin(iface)
