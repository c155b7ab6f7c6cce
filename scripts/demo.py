"""`make demo`: headless QGIS with the GeoRedis provider against a local (or configured) Redis."""

import os
import sys

from scripts.local_redis import local_redis
from scripts.qgis_headless import start_qgis


def main() -> int:
    with local_redis() as url:
        os.environ["GEOREDIS_URL"] = url
        start_qgis()
        from qgis.core import QgsApplication

        from georedis_plugin.core.connection import ConnectionConfig, check_connection
        from georedis_plugin.processing.provider import GeoRedisProvider

        config = ConnectionConfig.from_settings()
        info = check_connection(config)
        print(
            f"Redis {info.version} ({info.mode}) at {config.describe()}, "
            f"round trip {info.round_trip_ms:.2f} ms"
        )
        provider = GeoRedisProvider()
        QgsApplication.processingRegistry().addProvider(provider)
        print(f"Processing provider '{provider.id()}' ({provider.name()}) algorithms:")
        for algorithm in sorted(provider.algorithms(), key=lambda a: a.id()):
            print(f"  {algorithm.id():32s} {algorithm.displayName()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
