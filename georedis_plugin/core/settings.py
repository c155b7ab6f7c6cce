"""Declarative GeoRedis settings stored in QgsSettings under the ``georedis/`` prefix.

Secrets never live here: a password is referenced by its QGIS authentication config id only.
"""

from dataclasses import dataclass

from qgis.core import QgsSettings

PREFIX = "georedis"


@dataclass(frozen=True)
class Setting:
    """One QgsSettings entry with its type and default."""

    key: str
    type: type
    default: object
    description: str = ""

    @property
    def full_key(self) -> str:
        return f"{PREFIX}/{self.key}"

    def value(self):
        raw = QgsSettings().value(self.full_key, self.default)
        return _coerce(raw, self.type, self.default)

    def set_value(self, value) -> None:
        # QgsSettings.setValue returns nothing; flake8-qgis takes it for a raster block's
        QgsSettings().setValue(self.full_key, _coerce(value, self.type, self.default))  # noqa: QGS202

    def remove(self) -> None:
        QgsSettings().remove(self.full_key)


def _coerce(raw, type_, default):
    if raw is None:
        return default
    if type_ is bool:
        if isinstance(raw, str):
            return raw.strip().lower() in ("1", "true", "yes", "on")
        return bool(raw)
    try:
        return type_(raw)
    except (TypeError, ValueError):
        return default


URL = Setting("connection/url", str, "", "redis:// or rediss:// URL; overrides host/port/db")
HOST = Setting("connection/host", str, "localhost", "Redis host name or address")
PORT = Setting("connection/port", int, 6379, "Redis TCP port")
DATABASE = Setting("connection/database", int, 0, "Redis logical database number")
USERNAME = Setting("connection/username", str, "", "ACL user when the auth config has none")
AUTHCFG = Setting("connection/authcfg", str, "", "QGIS authentication config id (Basic)")
TLS = Setting("connection/tls", bool, False, "Use TLS")
CA_FILE = Setting("connection/ca_file", str, "", "CA certificate file for TLS verification")
KEY_PREFIX = Setting("connection/key_prefix", str, "georedis", "Prefix of every key written")
CONNECT_TIMEOUT = Setting("connection/connect_timeout", float, 2.0, "Connect timeout (s)")
READ_TIMEOUT = Setting("connection/read_timeout", float, 2.0, "Read timeout (s)")
MODE = Setting("connection/mode", str, "standalone", "standalone, cluster or sentinel")
NODES = Setting("connection/nodes", str, "", "host:port list: cluster seed nodes or Sentinels")
SERVICE_NAME = Setting("connection/service_name", str, "mymaster", "Sentinel service name")
SENTINEL_AUTHCFG = Setting(
    "connection/sentinel_authcfg", str, "", "QGIS auth config id of the Sentinels (optional)"
)
CACHE_TTL_DAYS = Setting("cache/ttl_days", float, 7.0, "Cache entry lifetime in days, 0 = none")

ALL = (
    URL,
    HOST,
    PORT,
    DATABASE,
    USERNAME,
    AUTHCFG,
    TLS,
    CA_FILE,
    KEY_PREFIX,
    CONNECT_TIMEOUT,
    READ_TIMEOUT,
    MODE,
    NODES,
    SERVICE_NAME,
    SENTINEL_AUTHCFG,
    CACHE_TTL_DAYS,
)
