"""GeoRedis QGIS plugin: Redis-backed cached geoprocessing and geo sets."""


def classFactory(iface):
    """Entry point QGIS calls to create the plugin; imports lazily so loading stays cheap."""
    from .dependencies import use_vendored_redis

    use_vendored_redis()  # the zip's copy of redis-py, when the QGIS Python has none
    from .plugin import GeoRedisPlugin

    return GeoRedisPlugin(iface)
