"""Where GeoRedis connects: ``ConnectionConfig`` from the settings or ``GEOREDIS_URL``.

Three modes, each served by redis-py's own client (see ``clients``): a standalone server, a
Redis Cluster reached through seed nodes, and a Sentinel-managed primary. In ``GEOREDIS_URL``
the scheme chooses the mode::

    redis://host:6379/0                       rediss://...            (TLS)
    redis+cluster://host:7000,host:7001       rediss+cluster://...
    redis+sentinel://host:26379,host:26380/mymaster/0   rediss+sentinel://...

A configuration holds no password, only the id of a QGIS authentication configuration.
"""

import math
import os
from dataclasses import dataclass, replace
from urllib.parse import unquote, urlsplit

from ..i18n import tr
from . import settings
from .errors import GeoRedisError

ENV_URL = "GEOREDIS_URL"

STANDALONE, CLUSTER, SENTINEL = "standalone", "cluster", "sentinel"
MODES = (STANDALONE, CLUSTER, SENTINEL)
DEFAULT_SENTINEL_PORT = 26379
# URL scheme -> (mode, TLS)
_SCHEMES = {
    "redis": (STANDALONE, False),
    "rediss": (STANDALONE, True),
    "redis+cluster": (CLUSTER, False),
    "rediss+cluster": (CLUSTER, True),
    "redis+sentinel": (SENTINEL, False),
    "rediss+sentinel": (SENTINEL, True),
}
_MODE_SCHEME = {STANDALONE: "redis", CLUSTER: "redis+cluster", SENTINEL: "redis+sentinel"}
# What follows '<prefix>:' in GeoRedis's keys: cache entries, the cache's run list, geo sets,
# live positions. A prefix with one of them as a segment ("georedis:cache") would put its keys
# among another prefix's ("georedis") families.
KEY_FAMILIES = ("cache", "cache-runs", "geo", "live")


def check_key_prefix(prefix: str) -> None:
    """Raise GeoRedisError for a prefix whose keys could be taken for another prefix's."""
    if not prefix.strip():
        raise GeoRedisError(tr("The key prefix is empty. Choose a key prefix, e.g. 'georedis'."))
    # the first part is harmless: no prefix is empty, so "cache" nests in none
    families = [part for part in prefix.split(":")[1:] if part in KEY_FAMILIES]
    if families:
        raise GeoRedisError(
            tr(
                "The key prefix '{prefix}' contains '{family}', a name GeoRedis uses after "
                "a prefix for its own keys: its keys would mix with those of the prefix "
                "'{shorter}'. Choose a prefix without the parts {families}."
            ).format(
                prefix=prefix,
                family=families[0],
                shorter=prefix.split(":" + families[0])[0],
                families=", ".join(f"'{f}'" for f in KEY_FAMILIES),
            )
        )


@dataclass(frozen=True)
class ConnectionConfig:
    """Everything needed to reach one Redis server. Holds no password, only the authcfg id."""

    host: str = "localhost"
    port: int = 6379
    database: int = 0
    username: str = ""
    authcfg: str = ""
    tls: bool = False
    ca_file: str = ""
    url: str = ""
    key_prefix: str = "georedis"
    connect_timeout: float = 2.0
    read_timeout: float = 2.0
    mode: str = STANDALONE
    nodes: str = ""
    service_name: str = "mymaster"
    sentinel_authcfg: str = ""

    @classmethod
    def from_settings(cls, environ=None) -> "ConnectionConfig":
        """Read the QgsSettings; ``GEOREDIS_URL`` in the environment overrides the server part."""
        environ = os.environ if environ is None else environ
        config = cls(
            host=settings.HOST.value(),
            port=settings.PORT.value(),
            database=settings.DATABASE.value(),
            username=settings.USERNAME.value(),
            authcfg=settings.AUTHCFG.value(),
            tls=settings.TLS.value(),
            ca_file=settings.CA_FILE.value(),
            url=settings.URL.value().strip(),
            key_prefix=settings.KEY_PREFIX.value() or "georedis",
            connect_timeout=_timeout(settings.CONNECT_TIMEOUT),
            read_timeout=_timeout(settings.READ_TIMEOUT),
            mode=settings.MODE.value() if settings.MODE.value() in MODES else STANDALONE,
            nodes=settings.NODES.value().strip(),
            service_name=settings.SERVICE_NAME.value().strip() or "mymaster",
            sentinel_authcfg=settings.SENTINEL_AUTHCFG.value(),
        )
        env_url = environ.get(ENV_URL, "").strip()
        if env_url:
            config = replace(config, url=env_url)
        return config

    def save(self) -> None:
        """Write this configuration to QgsSettings. Refuses a URL that embeds a password."""
        if url_has_password(self.url):
            raise GeoRedisError(
                tr(
                    "The URL contains a password. Remove it from the URL and store the "
                    "credentials in a QGIS authentication configuration (Basic) instead."
                )
            )
        check_key_prefix(self.key_prefix)
        settings.HOST.set_value(self.host)
        settings.PORT.set_value(self.port)
        settings.DATABASE.set_value(self.database)
        settings.USERNAME.set_value(self.username)
        settings.AUTHCFG.set_value(self.authcfg)
        settings.TLS.set_value(self.tls)
        settings.CA_FILE.set_value(self.ca_file)
        settings.URL.set_value(self.url)
        settings.KEY_PREFIX.set_value(self.key_prefix)
        settings.CONNECT_TIMEOUT.set_value(self.connect_timeout)
        settings.READ_TIMEOUT.set_value(self.read_timeout)
        settings.MODE.set_value(self.mode)
        settings.NODES.set_value(self.nodes)
        settings.SERVICE_NAME.set_value(self.service_name)
        settings.SENTINEL_AUTHCFG.set_value(self.sentinel_authcfg)

    def target(self) -> "Target":
        """Mode, nodes, database and TLS this config points at (the URL, when set, decides)."""
        if self.url:
            return parse_url(self.url)
        if self.mode == CLUSTER:
            return Target(CLUSTER, parse_nodes(self.nodes or self.host, self.port), self.tls)
        if self.mode == SENTINEL:
            return Target(
                SENTINEL,
                parse_nodes(self.nodes or self.host, DEFAULT_SENTINEL_PORT),
                self.tls,
                self.database,
                self.service_name,
            )
        return Target(STANDALONE, ((self.host, self.port),), self.tls, self.database)

    @property
    def uses_tls(self) -> bool:
        try:
            return self.target().tls
        except GeoRedisError:
            return False

    def describe(self) -> str:
        """Where this config points, for messages; never contains a password."""
        try:
            return self.target().describe()
        except GeoRedisError:
            return tr("an unreadable address")


def _timeout(setting) -> float:
    """A timeout setting in seconds; its default where it is not a positive finite number.

    0 would not mean "wait for ever" (that would freeze QGIS on a stalled server): to redis-py
    it means "do not wait at all", and every command would fail.
    """
    value = setting.value()
    return value if isinstance(value, float) and 0 < value < math.inf else setting.default


@dataclass(frozen=True)
class Target:
    """Where a configuration points: the mode, its nodes (seed nodes of a cluster, the
    Sentinels of a service) and the database, TLS and Sentinel service name."""

    mode: str
    nodes: tuple
    tls: bool = False
    database: int = 0
    service_name: str = ""

    @property
    def is_cluster(self) -> bool:
        return self.mode == CLUSTER

    @property
    def is_sentinel(self) -> bool:
        return self.mode == SENTINEL

    def describe(self) -> str:
        scheme = _MODE_SCHEME[self.mode].replace("redis", "rediss", 1) if self.tls else None
        scheme = scheme or _MODE_SCHEME[self.mode]
        hosts = ",".join(f"[{h}]:{p}" if ":" in h else f"{h}:{p}" for h, p in self.nodes)
        if self.mode == CLUSTER:
            return f"{scheme}://{hosts}"
        if self.mode == SENTINEL:
            return f"{scheme}://{hosts}/{self.service_name}/{self.database}"
        return f"{scheme}://{hosts}/{self.database}"


def parse_nodes(text: str, default_port: int) -> tuple:
    """``host:port`` items separated by commas or spaces (``[v6]:port`` too) as pairs."""
    nodes = []
    for item in text.replace(" ", ",").split(","):
        item = item.strip()
        if not item:
            continue
        host, port = item, default_port
        if item.startswith("["):
            host, _, rest = item[1:].partition("]")
            if rest.startswith(":"):
                port = rest[1:]
        elif item.count(":") == 1:
            host, port = item.split(":")
        try:
            port = int(port)
        except ValueError:
            port = -1
        if not host or not 0 < port < 65536:
            raise GeoRedisError(
                tr("'{item}' is not a node address. Write nodes as host:port, host:port.").format(
                    item=item
                )
            )
        nodes.append((host, port))
    if not nodes:
        raise GeoRedisError(
            tr("No nodes are given. List the cluster's or the Sentinels' host:port addresses.")
        )
    return tuple(nodes)


def _split_url(url: str) -> tuple:
    """(scheme, user info, host list, path) of a URL that may name several hosts."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return "", "", "", ""
    netloc, _, path = rest.partition("/")
    path = path.partition("?")[0]
    userinfo, _, hosts = netloc.rpartition("@")
    return scheme.lower(), userinfo, hosts, path


def parse_url(url: str) -> Target:
    scheme, _userinfo, hosts, path = _split_url(url)
    if scheme not in _SCHEMES:
        raise GeoRedisError(
            tr(
                "'{scheme}://' is not a Redis URL scheme. Use redis:// or rediss:// for one "
                "server, redis+cluster:// for a Redis Cluster, redis+sentinel:// for Sentinel."
            ).format(scheme=scheme or url.partition(":")[0])
        )
    mode, tls = _SCHEMES[scheme]
    parts = [p for p in path.split("/") if p]
    if mode == STANDALONE:
        split = urlsplit(url)
        try:
            port = split.port or 6379
        except ValueError as exc:
            raise GeoRedisError(
                tr("The port in '{url}' is not a number.").format(url=_without_password(url))
            ) from exc
        return Target(STANDALONE, ((split.hostname or "localhost", port),), tls, _db(parts, 0))
    if mode == CLUSTER:
        if _db(parts, 0) != 0:
            raise GeoRedisError(
                tr("A Redis Cluster has only database 0. Remove the database from the URL.")
            )
        return Target(CLUSTER, parse_nodes(hosts, 6379), tls)
    if not parts:
        raise GeoRedisError(
            tr(
                "A Sentinel URL needs the service (master) name: "
                "redis+sentinel://host:26379,host:26380/mymaster/0."
            )
        )
    service = unquote(parts[0])
    return Target(SENTINEL, parse_nodes(hosts, DEFAULT_SENTINEL_PORT), tls, _db(parts, 1), service)


def _db(parts: list, index: int) -> int:
    if len(parts) <= index:
        return 0
    try:
        return int(parts[index])
    except ValueError as exc:
        raise GeoRedisError(
            tr("'{value}' is not a database number.").format(value=parts[index])
        ) from exc


def _without_password(url: str) -> str:
    scheme, userinfo, hosts, path = _split_url(url)
    user = userinfo.partition(":")[0]
    return f"{scheme}://{user + '@' if user else ''}{hosts}/{path}"


def url_without_credentials(url: str) -> str:
    """``url`` with its user info removed (redis-py then takes them from a credential provider)."""
    split = urlsplit(url)
    return split._replace(netloc=split.netloc.rpartition("@")[2]).geturl()


def url_credentials(url: str) -> tuple:
    """(username, password) in a URL's user info, percent-decoded; None for an absent part."""
    _scheme, userinfo, _hosts, _path = _split_url(url)
    user, colon, password = userinfo.partition(":")
    return (unquote(user) or None), (unquote(password) if colon else None)


def url_has_password(url: str) -> bool:
    return bool(url) and url_credentials(url)[1] is not None
