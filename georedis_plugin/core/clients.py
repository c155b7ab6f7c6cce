"""One pooled redis-py client per ``ConnectionConfig``, and the calls that work in every mode.

``redis.Redis`` for a standalone server, ``redis.cluster.RedisCluster`` for a cluster (from
its seed nodes) and ``redis.sentinel.Sentinel(...).master_for(service)`` for a Sentinel-managed
primary, which is looked up again after a failover. redis-py clients are thread-safe (each
command borrows a connection from a pool), so one client serves the GUI tasks and Processing's
worker threads. redis-py parses with hiredis whenever the ``hiredis`` package is importable.
Works with redis-py 4.5.5 and later (``CredentialProvider`` needs 4.4).

redis-py's read timeout bounds each socket read, so a server that trickles its reply a byte at
a time holds a call for ever. Every connection made here reads through ``DeadlineSocket``
instead: the whole reply to a call (one command, or every reply of a pipeline) must arrive
within the read timeout of the moment the request was sent, or ``reply_deadline``'s shorter
budget.
"""

import contextlib
import functools
import inspect
import socket
import threading
import time
from dataclasses import dataclass

import redis
from redis.backoff import NoBackoff
from redis.cluster import ClusterNode, RedisCluster
from redis.retry import Retry
from redis.sentinel import Sentinel

from ..i18n import tr
from .config import (
    ConnectionConfig,
    check_key_prefix,
    url_credentials,
    url_without_credentials,
)
from .credentials import credential_provider
from .errors import REDIS_ERRORS, GeoRedisError, explain_error, reason

CLIENT_NAME = "georedis-qgis"

_clients: dict = {}
_clients_lock = threading.Lock()
_budget = threading.local()


@contextlib.contextmanager
def reply_deadline(seconds: float):
    """Calls made by this thread in the block must have their whole reply within ``seconds``
    (or the read timeout, if that is shorter); past it they raise ``redis.TimeoutError``.

    For a caller that knows what waiting is worth, e.g. a cache read that must not take
    longer than computing the values would.
    """
    outer = getattr(_budget, "seconds", None)
    _budget.seconds = seconds if outer is None else min(outer, seconds)
    try:
        yield
    finally:
        _budget.seconds = outer


class DeadlineSocket:
    """A connected socket whose replies must arrive whole by a deadline set at each send.

    The deadline is armed when a request has been sent (``sendall``) and holds for every
    read until the next request. A parser that sets a timeout of its own (redis-py polling
    for unsolicited data, ``can_read``: pub/sub, the pool's check for stale replies) is
    waiting for no reply of ours, so that read has no deadline. Everything else is the
    wrapped socket's.
    """

    def __init__(self, sock, timeout):
        self._sock = sock
        self._timeout = timeout  # the connection's read timeout (None: wait for ever)
        self._deadline = None

    def __getattr__(self, name):
        return getattr(self._sock, name)

    def settimeout(self, timeout):
        self._deadline = None
        self._timeout = timeout
        self._sock.settimeout(timeout)

    def gettimeout(self):
        return self._timeout

    def sendall(self, data, *flags):
        self._sock.sendall(data, *flags)
        budget = getattr(_budget, "seconds", None)
        if self._timeout is not None:
            budget = self._timeout if budget is None else min(budget, self._timeout)
        self._deadline = None if budget is None else time.monotonic() + budget

    def recv(self, *args):
        return self._bounded(self._sock.recv, args)

    def recv_into(self, *args):
        return self._bounded(self._sock.recv_into, args)

    def _bounded(self, read, args):
        if self._deadline is None:
            return read(*args)
        left = self._deadline - time.monotonic()
        if left <= 0:
            raise socket.timeout("the reply did not arrive whole within the deadline")
        if self._timeout is not None and left >= self._timeout:
            return read(*args)
        self._sock.settimeout(left)
        try:
            return read(*args)
        finally:
            self._sock.settimeout(self._timeout)


def _connect_with_deadlines(connection) -> None:
    """redis-py's connect hook: the socket just connected reads through ``DeadlineSocket``,
    and the connection is named ``CLIENT_NAME`` where the server allows it.

    ``_sock`` is redis-py's own attribute (4.5 to 6.x); the parser takes it in on_connect.
    """
    connection._sock = DeadlineSocket(connection._sock, connection.socket_timeout)
    connection.on_connect()
    _name(connection)


def _name(connection) -> None:
    """CLIENT SETNAME, which hardened servers disable (rename-command CLIENT): redis-py's own
    client_name would then refuse every connection; a name is only a courtesy to the admin."""
    connection.send_command("CLIENT", "SETNAME", CLIENT_NAME)
    try:
        connection.read_response()
    except redis.ResponseError as exc:  # unknown command, or NOPERM for the ACL user
        _log_once(f"The server does not let GeoRedis name its connections: {reason(exc)}")


class _Cluster(RedisCluster):
    """RedisCluster with ``_connect_with_deadlines`` on every node's connections: it keeps
    ``redis_connect_func`` for itself (READONLY) and calls ours only after the handshake."""

    def on_connect(self, connection):
        connection._sock = DeadlineSocket(connection._sock, connection.socket_timeout)
        super().on_connect(connection)
        _name(connection)


def get_client(config: ConnectionConfig):
    """A thread-safe client for ``config``; the same pool is reused for the same configuration.

    The configuration holds no secret, so it is the whole cache key: credentials are read from
    the QGIS authentication manager by each new connection (see ``credentials``).
    """
    with _clients_lock:
        entry = _clients.get(config)
    if entry is not None:
        return entry[0]
    # Built outside the lock: a RedisCluster asks its seed nodes for the slots right away,
    # which must not hold up threads that want other (working) servers meanwhile.
    built = _build_client(config)
    with _clients_lock:
        entry = _clients.setdefault(config, built)
    if entry is not built:  # another thread built the same client meanwhile
        _close((built,))
    return entry[0]


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
                pass  # closing: a connection that is already gone is what we want


def _timeouts(config: ConnectionConfig) -> dict:
    return {
        "socket_connect_timeout": config.connect_timeout,
        "socket_timeout": config.read_timeout,
        # Retries would multiply the configured timeout; a failed command fails fast instead.
        # (No retry_on_timeout: with no retries it changes nothing, and redis-py 6 deprecates it.)
        "retry": Retry(NoBackoff(), 0),
    }


def _redis_py_major() -> int:
    major = redis.__version__.split(".")[0]
    return int(major) if major.isdigit() else 0


def _cluster_without_retries() -> dict:
    """RedisCluster arguments for one attempt per command.

    From redis-py 6.0 on, RedisCluster's ``retry`` (set by ``_timeouts``) is the cluster-level
    policy and ``cluster_error_retry_attempts`` is deprecated; before, ``retry`` only reached
    the nodes' connections and the cluster level had to be set apart. No type or signature
    tells these apart, the version does.
    """
    return {} if _redis_py_major() >= 6 else {"cluster_error_retry_attempts": 0}


def _tls_options(config: ConnectionConfig) -> dict:
    options = {"ssl": True, "ssl_cert_reqs": "required"}
    if config.ca_file:
        options["ssl_ca_certs"] = config.ca_file
    return options


def _build_client(config: ConnectionConfig) -> tuple:
    """(client, objects to close with it)."""
    check_key_prefix(config.key_prefix)
    target = config.target()
    url_username, url_password = url_credentials(config.url) if config.url else (None, None)
    credentials = credential_provider(
        config.authcfg, config.username, url_username or "", url_password or ""
    )
    common = {
        **_timeouts(config),
        "health_check_interval": 30,
        "redis_connect_func": _connect_with_deadlines,
    }
    tls = _tls_options(config) if target.tls else {}
    if target.is_cluster:
        if target.database:
            raise GeoRedisError(tr("A Redis Cluster has only database 0. Set the database to 0."))
        if "{" in config.key_prefix or "}" in config.key_prefix:
            raise GeoRedisError(
                tr(
                    "In a Redis Cluster the key prefix cannot contain '{' or '}': they would "
                    "decide the hash slot of every key. Choose another key prefix."
                )
            )
        client = _Cluster(
            startup_nodes=[ClusterNode(host, port) for host, port in target.nodes],
            credential_provider=credentials,
            # One attempt per command: retries would multiply the timeout. Redirections
            # (MOVED/ASK after a failover or resharding) are still followed.
            **_cluster_without_retries(),
            **_timeouts(config),
            **tls,
        )
        return client, ()
    if target.is_sentinel:
        sentinel = Sentinel(
            list(target.nodes),
            sentinel_kwargs={
                **_timeouts(config),
                "credential_provider": credential_provider(config.sentinel_authcfg),
                **tls,
            },
        )
        client = sentinel.master_for(
            target.service_name,
            db=target.database,
            credential_provider=credentials,
            **common,
            **tls,
        )
        return client, tuple(sentinel.sentinels)
    if config.url:
        extra = {"ssl_ca_certs": config.ca_file} if target.tls and config.ca_file else {}
        # the URL's own user and password are in the credential provider, which redis-py
        # refuses to combine with a username or password
        client = redis.Redis.from_url(
            url_without_credentials(config.url),
            credential_provider=credentials,
            **common,
            **extra,
        )
        return client, ()
    client = redis.Redis(
        host=config.host,
        port=config.port,
        db=config.database,
        credential_provider=credentials,
        **common,
        **tls,
    )
    return client, ()


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


def recv_chunk(sock, size: int = 1 << 16) -> bytes:
    """What ``sock`` has for us (at most ``size`` bytes), for the readers that take replies off
    a redis-py connection's socket in bulk; its failures raised as redis-py's parsers raise them.
    """
    try:
        chunk = sock.recv(size)
    except socket.timeout as exc:
        raise redis.TimeoutError("Timeout reading from socket") from exc
    except OSError as exc:
        raise redis.ConnectionError(f"Error while reading from socket: {exc}") from exc
    if not chunk:
        raise redis.ConnectionError("Connection closed by server.")
    return chunk


def _pool_wants_a_command_name(pool) -> bool:
    return _pool_class_wants_a_command_name(type(pool))


@functools.cache
def _pool_class_wants_a_command_name(pool_class) -> bool:
    # redis-py before 5.3 requires get_connection(command_name); 5.3 made it optional and
    # deprecated passing it. Once per pool class: inspect.signature takes 13 µs, and a
    # nearest search from afar takes a connection four or five times.
    parameter = inspect.signature(pool_class.get_connection).parameters.get("command_name")
    return parameter is not None and parameter.default is inspect.Parameter.empty


@contextlib.contextmanager
def pooled_connection(client: redis.Redis):
    """One connection of a (non-cluster) client's pool, for commands sent by hand.

    Returned to the pool afterwards; closed first if the block failed, since replies may
    still be on their way.
    """
    pool = client.connection_pool
    if _pool_wants_a_command_name(pool):
        connection = pool.get_connection("PING")
    else:
        connection = pool.get_connection()
    ok = False
    try:
        yield connection
        ok = True
    finally:
        if not ok:
            connection.disconnect()
        pool.release(connection)


def _log(message: str) -> None:
    from qgis.core import Qgis, QgsMessageLog

    QgsMessageLog.logMessage(message, "GeoRedis", Qgis.MessageLevel.Warning)


_logged = set()


def _log_once(message: str) -> None:
    """``_log`` once per message and session: it is about the server, not one connection."""
    if message not in _logged:
        _logged.add(message)
        _log(message)


@dataclass(frozen=True)
class ServerInfo:
    product: str  # "Redis" or "Valkey"
    version: str
    round_trip_ms: float
    mode: str


def check_connection(config: ConnectionConfig) -> ServerInfo:
    """Connect, PING and read the server version; raise GeoRedisError with the explanation.

    Uses a client of its own, closed afterwards: the check must open a new connection, so that
    it tries the credentials as they are now in the authentication database, not those a
    pooled connection logged in with.
    """
    built = ()
    try:
        built = _build_client(config)
        client = built[0]
        started = time.perf_counter()
        client.ping()
        round_trip_ms = (time.perf_counter() - started) * 1000.0
        info = client.info("server")
        # Valkey names it server_mode, Redis redis_mode
        mode = str(info.get("server_mode") or info.get("redis_mode", "standalone"))
        if is_cluster(client):
            state = client.cluster_info().get("cluster_state")
            if state != "ok":
                raise redis.exceptions.ClusterDownError(f"CLUSTERDOWN cluster_state:{state}")
            mode = tr("cluster of {n} primaries").format(n=len(client.get_primaries()))
        elif config.target().is_sentinel:
            host, port = client.connection_pool.get_master_address()
            mode = tr("Sentinel service '{service}', primary at {host}:{port}").format(
                service=config.target().service_name, host=host, port=port
            )
    except GeoRedisError:
        raise
    except REDIS_ERRORS as exc:
        raise GeoRedisError(explain_error(exc, config)) from exc
    finally:
        if built:
            _close((built,))
    # Valkey reports Redis's compatibility number as redis_version (7.2.4) and its own apart
    valkey = info.get("valkey_version")
    return ServerInfo(
        product="Valkey" if valkey else "Redis",
        version=str(valkey or info.get("redis_version", "?")),
        round_trip_ms=round_trip_ms,
        mode=mode,
    )
