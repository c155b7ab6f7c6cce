"""Redis connection: configuration from settings or ``GEOREDIS_URL``, one pooled client per config.

Three modes, each through redis-py's own client: a standalone server (``redis.Redis``), a Redis
Cluster (``redis.cluster.RedisCluster`` from seed nodes) and a Sentinel-managed primary
(``redis.sentinel.Sentinel(...).master_for(service)``: reads and writes go to the primary, which
is looked up again after a failover). In ``GEOREDIS_URL`` the scheme chooses the mode::

    redis://host:6379/0                       rediss://...            (TLS)
    redis+cluster://host:7000,host:7001       rediss+cluster://...
    redis+sentinel://host:26379,host:26380/mymaster/0   rediss+sentinel://...

redis-py clients are thread-safe (each command borrows a connection from a pool), so the same
client serves the GUI tasks and Processing's worker threads. redis-py uses hiredis for parsing
whenever the ``hiredis`` package is importable.
"""

import hashlib
import os
import socket
import ssl
import threading
import time
from dataclasses import dataclass, replace
from urllib.parse import unquote, urlsplit

import redis
from qgis.core import QgsApplication, QgsAuthMethodConfig
from redis.backoff import NoBackoff
from redis.cluster import ClusterNode, RedisCluster
from redis.exceptions import RedisClusterException
from redis.retry import Retry
from redis.sentinel import MasterNotFoundError, Sentinel

from ..i18n import tr
from . import settings

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

# Everything a Redis call can raise: redis-py's cluster client also raises
# RedisClusterException (not a RedisError) when no node answers or a slot has no node.
REDIS_ERRORS = (redis.RedisError, RedisClusterException, OSError)


class GeoRedisError(Exception):
    """An error a user can act on; ``str()`` says what happened and what to do."""


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
            connect_timeout=settings.CONNECT_TIMEOUT.value(),
            read_timeout=settings.READ_TIMEOUT.value(),
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


@dataclass(frozen=True)
class Target:
    """Where a configuration points: the mode, its nodes (seed nodes of a cluster, the
    Sentinels of a service) and the database, TLS and Sentinel service name."""

    mode: str
    nodes: tuple
    tls: bool = False
    database: int = 0
    service_name: str = ""

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


def _url_credentials(url: str) -> tuple:
    """(username, password) in a URL's user info, percent-decoded; None for an absent part."""
    _scheme, userinfo, _hosts, _path = _split_url(url)
    user, colon, password = userinfo.partition(":")
    return (unquote(user) or None), (unquote(password) if colon else None)


def url_has_password(url: str) -> bool:
    return bool(url) and _url_credentials(url)[1] is not None


def resolve_credentials(config: ConnectionConfig) -> tuple:
    """(username, password) from the QGIS authentication manager, or from the config alone."""
    username = config.username or None
    if not config.authcfg:
        return username, None
    auth_manager = QgsApplication.authManager()
    method_config = QgsAuthMethodConfig()
    loaded = auth_manager.loadAuthenticationConfig(config.authcfg, method_config, True)
    if not loaded or not method_config.method():
        raise GeoRedisError(
            tr(
                "The QGIS authentication configuration '{authcfg}' could not be loaded. "
                "Check that it exists (Settings ▸ Options ▸ Authentication) and that the "
                "authentication database is unlocked with its master password."
            ).format(authcfg=config.authcfg)
        )
    if method_config.method() != "Basic":
        raise GeoRedisError(
            tr(
                "The authentication configuration '{authcfg}' uses the method '{method}'. "
                "GeoRedis needs a 'Basic' (user name and password) one."
            ).format(authcfg=config.authcfg, method=method_config.method())
        )
    auth_user = method_config.config("username", "")
    password = method_config.config("password", "") or None
    return (auth_user or username), password


_clients: dict = {}
_clients_lock = threading.Lock()


def _no_retry() -> Retry:
    # Retries would multiply the configured timeout; a failed command fails fast instead.
    return Retry(NoBackoff(), 0)


def get_client(config: ConnectionConfig):
    """A thread-safe client for ``config``; the same pool is reused for the same configuration.

    ``redis.Redis`` for a standalone server and for the primary of a Sentinel service,
    ``RedisCluster`` for a cluster (whose creation already asks a seed node for the slots).
    """
    username, password = resolve_credentials(config)
    secret_digest = hashlib.sha256((password or "").encode()).hexdigest()
    sentinel_auth = (None, None)
    if config.target().mode == SENTINEL and config.sentinel_authcfg:
        sentinel_auth = resolve_credentials(replace(config, authcfg=config.sentinel_authcfg))
    sentinel_digest = hashlib.sha256(repr(sentinel_auth).encode()).hexdigest()
    key = (config, username, secret_digest, sentinel_digest)
    with _clients_lock:
        entry = _clients.get(key)
    if entry is not None:
        return entry[0]
    # Built outside the lock: a RedisCluster asks its seed nodes for the slots right away,
    # which must not hold up threads that want other (working) servers meanwhile.
    built = _build_client(config, username, password, sentinel_auth)
    with _clients_lock:
        entry = _clients.setdefault(key, built)
    if entry is not built:  # another thread built the same client meanwhile
        _close((built,))
    return entry[0]


def _timeouts(config: ConnectionConfig) -> dict:
    return {
        "socket_connect_timeout": config.connect_timeout,
        "socket_timeout": config.read_timeout,
        "retry": _no_retry(),
        "retry_on_timeout": False,
    }


def _tls_options(config: ConnectionConfig) -> dict:
    options = {"ssl": True, "ssl_cert_reqs": "required"}
    if config.ca_file:
        options["ssl_ca_certs"] = config.ca_file
    return options


def _build_client(config: ConnectionConfig, username, password, sentinel_auth) -> tuple:
    """(client, objects to close with it)."""
    target = config.target()
    common = {**_timeouts(config), "health_check_interval": 30, "client_name": "georedis-qgis"}
    url_user, url_password = _url_credentials(config.url) if config.url else (None, None)
    username = url_user or username
    password = url_password or password
    tls = _tls_options(config) if target.tls else {}
    if target.mode == CLUSTER:
        if target.database:
            raise GeoRedisError(tr("A Redis Cluster has only database 0. Set the database to 0."))
        if "{" in config.key_prefix or "}" in config.key_prefix:
            raise GeoRedisError(
                tr(
                    "In a Redis Cluster the key prefix cannot contain '{' or '}': they would "
                    "decide the hash slot of every key. Choose another key prefix."
                )
            )
        client = RedisCluster(
            startup_nodes=[ClusterNode(host, port) for host, port in target.nodes],
            username=username,
            password=password,
            client_name="georedis-qgis",
            # One attempt per command: retries would multiply the timeout. Redirections
            # (MOVED/ASK after a failover or resharding) are still followed.
            cluster_error_retry_attempts=0,
            **_timeouts(config),
            **tls,
        )
        return client, ()
    if target.mode == SENTINEL:
        sentinel_user, sentinel_password = sentinel_auth
        sentinel = Sentinel(
            list(target.nodes),
            sentinel_kwargs={
                **_timeouts(config),
                "username": sentinel_user,
                "password": sentinel_password,
                **tls,
            },
        )
        client = sentinel.master_for(
            target.service_name,
            db=target.database,
            username=username,
            password=password,
            **common,
            **tls,
        )
        return client, tuple(sentinel.sentinels)
    if config.url:
        extra = {}
        if username:
            extra["username"] = username
        if password:
            extra["password"] = password
        if target.tls and config.ca_file:
            extra["ssl_ca_certs"] = config.ca_file
        return redis.Redis.from_url(config.url, **common, **extra), ()
    kwargs = dict(
        host=config.host,
        port=config.port,
        db=config.database,
        username=username,
        password=password,
        **common,
        **tls,
    )
    return redis.Redis(**kwargs), ()


def reset_clients() -> None:
    """Close every pooled connection (settings changed, plugin unloaded)."""
    with _clients_lock:
        entries = list(_clients.values())
        _clients.clear()
    _close(entries)


def _close(entries) -> None:
    for client, others in entries:
        for each in (client, *others):
            try:
                each.close()
                if not isinstance(each, RedisCluster):
                    each.connection_pool.disconnect()
            except REDIS_ERRORS:
                pass


# -- working with every mode -------------------------------------------------------------------


def is_cluster(client) -> bool:
    return isinstance(client, RedisCluster)


def mget(client, keys: list) -> list:
    """MGET that works in every mode: in a cluster the keys are grouped by slot."""
    if is_cluster(client):
        return client.mget_nonatomic(keys)
    return client.mget(keys)


def on_slot(client, key, work):
    """``work(plain_client)`` on the server holding ``key``'s hash slot.

    Outside a cluster that is the client itself. In a cluster it is the primary's own client,
    so that MULTI/EXEC, scripts and raw pipelined commands on keys of one hash slot (a geo
    set's keys share a hash tag) work as on one server. If the slot moved meanwhile
    (failover, resharding), the slot table is refreshed and ``work`` runs once more on the
    new owner: ``work`` must be safe to repeat.
    """
    if not is_cluster(client):
        return work(client)
    try:
        return work(client.get_redis_connection(client.get_node_from_key(key)))
    except (redis.exceptions.AskError, redis.exceptions.TryAgainError):
        # MovedError is an AskError too; ASK/TRYAGAIN: the slot is migrating right now
        client.nodes_manager.initialize()
        return work(client.get_redis_connection(client.get_node_from_key(key)))
    except redis.ConnectionError:
        # the node is gone: learn the new layout for the next call, report this one
        try:
            client.nodes_manager.initialize()
        except REDIS_ERRORS as exc:
            _log(f"Could not refresh the cluster's slot table: {exc}")
        raise


def _log(message: str) -> None:
    from qgis.core import Qgis, QgsMessageLog

    QgsMessageLog.logMessage(message, "GeoRedis", Qgis.MessageLevel.Warning)


def explain_error(exc: BaseException, config: ConnectionConfig) -> str:
    """A message for ``exc`` that says what happened at which server and what to check."""
    where = config.describe()
    text = str(exc)
    if isinstance(exc, GeoRedisError):
        return text
    scale_out = _explain_scale_out_error(exc, config, where, text)
    if scale_out:
        return scale_out
    if isinstance(exc, redis.AuthenticationError) or "WRONGPASS" in text or "NOAUTH" in text:
        return tr(
            "Redis at {where} refused the credentials ({error}). Check the user name and "
            "password in the authentication configuration chosen in the GeoRedis settings."
        ).format(where=where, error=text)
    if isinstance(exc, redis.exceptions.NoPermissionError) or (
        isinstance(exc, redis.ResponseError) and "NOPERM" in text
    ):
        return tr(
            "The Redis user has no permission for this ({error}). Ask the administrator for "
            "access to the keys under '{prefix}:*' and the commands GeoRedis uses."
        ).format(error=text, prefix=config.key_prefix)
    if isinstance(exc, redis.TimeoutError):
        message = tr(
            "Redis at {where} did not answer within the timeout ({connect:g} s to connect, "
            "{read:g} s to read). Check that the server is up and reachable, or raise the "
            "timeouts in the settings."
        ).format(where=where, connect=config.connect_timeout, read=config.read_timeout)
        if config.uses_tls:
            # a server without TLS never answers a TLS handshake: it waits for a command
            message += " " + tr(
                "With TLS on, a server that does not use TLS looks like this: check the TLS "
                "setting."
            )
        return message
    if isinstance(exc, redis.ConnectionError):
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, ssl.SSLError) or "SSL" in text or "TLS" in text:
            return tr(
                "The TLS connection to {where} failed ({error}). Check that the server expects "
                "TLS, that the TLS setting matches, and that the CA file signs its certificate."
            ).format(where=where, error=text)
        if "refused" in text.lower():
            return tr(
                "Nothing accepts connections at {where} ({error}). Start redis-server there, "
                "or correct the host and port in the GeoRedis settings."
            ).format(where=where, error=text)
        if isinstance(cause, socket.gaierror) or "Name or service" in text:
            return tr("The host of {where} is unknown ({error}). Check the host name.").format(
                where=where, error=text
            )
        if "Connection reset" in text or "Connection closed" in text:
            return tr(
                "Redis at {where} closed the connection ({error}). If the server expects TLS, "
                "turn TLS on in the settings; otherwise check the server's logs."
            ).format(where=where, error=text)
        return tr(
            "Could not talk to Redis at {where} ({error}). Check host, port and TLS settings."
        ).format(where=where, error=text)
    if isinstance(exc, redis.RedisError):
        return tr("Redis at {where} answered with an error: {error}").format(
            where=where, error=text
        )
    return tr("Unexpected error talking to Redis at {where}: {kind}: {error}").format(
        where=where, kind=type(exc).__name__, error=text
    )


def _explain_scale_out_error(exc: BaseException, config: ConnectionConfig, where, text) -> str:
    """Messages for the Cluster and Sentinel failures; '' for anything else."""
    try:
        target = config.target()
    except GeoRedisError as error:
        return str(error)
    if isinstance(exc, MasterNotFoundError):
        service = target.service_name
        if "Authentication" in text or "NOAUTH" in text or "WRONGPASS" in text:
            return tr(
                "The Sentinels at {where} refused the credentials. Choose the Sentinels' own "
                "authentication configuration in the GeoRedis settings (or none if they "
                "have no password)."
            ).format(where=where)
        if "SSL" in text or "certificate" in text:
            return tr(
                "The TLS connection to the Sentinels at {where} failed ({error}). Check that "
                "they expect TLS, that the TLS setting matches, and that the CA file signs "
                "their certificates."
            ).format(where=where, error=text)
        return tr(
            "No Sentinel at {where} knows a reachable primary for the service '{service}' "
            "({error}). Check the service (master) name and that the Sentinels run; during "
            "a failover, try again once a replica has been promoted."
        ).format(where=where, service=service, error=text)
    if isinstance(exc, redis.exceptions.ClusterDownError) or "CLUSTERDOWN" in text:
        return tr(
            "The Redis Cluster at {where} is down: some hash slots have no reachable primary "
            "({error}). Check the cluster's nodes (redis-cli --cluster check host:port) and "
            "try again once CLUSTER INFO reports cluster_state:ok."
        ).format(where=where, error=text)
    if isinstance(exc, (redis.exceptions.AskError, redis.exceptions.TryAgainError)) or (
        isinstance(exc, redis.ResponseError) and text.startswith(("MOVED ", "ASK ", "TRYAGAIN"))
    ):
        return tr(
            "The Redis Cluster at {where} was moving data between its nodes (failover or "
            "resharding: {error}). Run the operation again."
        ).format(where=where, error=text)
    if isinstance(exc, redis.exceptions.ClusterCrossSlotError) or "CROSSSLOT" in text:
        return tr(
            "The Redis Cluster at {where} refused a request spanning several hash slots "
            "({error}). This is a GeoRedis bug: please report it."
        ).format(where=where, error=text)
    if "cluster support disabled" in text or "Cluster mode is not enabled" in text:
        return tr(
            "The server at {where} is not part of a Redis Cluster. Choose the standalone "
            "mode (a redis:// URL), or give the addresses of the cluster's nodes."
        ).format(where=where)
    if isinstance(exc, RedisClusterException):
        if "SSL" in text or "certificate" in text:
            return tr(
                "The TLS connection to the Redis Cluster at {where} failed ({error}). Check "
                "that the nodes expect TLS, that the TLS setting matches, and that the CA "
                "file signs their certificates."
            ).format(where=where, error=text)
        if "slots are not covered" in text or "not covered by the cluster" in text:
            return tr(
                "The Redis Cluster at {where} does not cover every hash slot ({error}). Wait "
                "for a failover to finish or repair the cluster (redis-cli --cluster fix)."
            ).format(where=where, error=text)
        return tr(
            "No node of the Redis Cluster at {where} answered ({error}). Check the nodes' "
            "addresses and that the cluster runs."
        ).format(where=where, error=text)
    if isinstance(exc, redis.exceptions.ReadOnlyError):
        return tr(
            "Redis at {where} is a read-only replica ({error}). Point GeoRedis at the "
            "primary, or use the Sentinel mode so it always finds the primary."
        ).format(where=where, error=text)
    plain_connection_error = isinstance(exc, redis.ConnectionError) and not isinstance(
        exc, redis.AuthenticationError
    )
    if target.mode == SENTINEL and plain_connection_error and "SSL" not in text:
        return tr(
            "The primary of the Sentinel service '{service}' ({where}) could not be reached "
            "({error}). If it has just failed, the Sentinels promote a replica within their "
            "down-after time: try again then."
        ).format(service=target.service_name, where=where, error=text)
    if target.mode == CLUSTER and plain_connection_error and "SSL" not in text:
        return tr(
            "A node of the Redis Cluster at {where} could not be reached ({error}). If a "
            "primary has just failed, the cluster promotes one of its replicas: try again "
            "then; otherwise check the nodes' addresses."
        ).format(where=where, error=text)
    if "unknown command" in text and "SENTINEL" in text.upper():
        return tr(
            "The server at {where} is not a Sentinel. List the Sentinels' addresses (port "
            "26379 by default), not the Redis servers'."
        ).format(where=where)
    return ""


@dataclass(frozen=True)
class ServerInfo:
    version: str
    round_trip_ms: float
    mode: str


def check_connection(config: ConnectionConfig) -> ServerInfo:
    """Connect, PING and read the server version; raise GeoRedisError with the explanation."""
    try:
        client = get_client(config)
        started = time.perf_counter()
        client.ping()
        round_trip_ms = (time.perf_counter() - started) * 1000.0
        info = client.info("server")
        mode = str(info.get("redis_mode", "standalone"))
        if is_cluster(client):
            state = client.cluster_info().get("cluster_state")
            if state != "ok":
                raise redis.exceptions.ClusterDownError(f"CLUSTERDOWN cluster_state:{state}")
            mode = tr("cluster of {n} primaries").format(n=len(client.get_primaries()))
        elif config.target().mode == SENTINEL:
            host, port = client.connection_pool.get_master_address()
            mode = tr("Sentinel service '{service}', primary at {host}:{port}").format(
                service=config.target().service_name, host=host, port=port
            )
    except GeoRedisError:
        raise
    except REDIS_ERRORS as exc:
        raise GeoRedisError(explain_error(exc, config)) from exc
    return ServerInfo(
        version=str(info.get("redis_version", "?")),
        round_trip_ms=round_trip_ms,
        mode=mode,
    )
