"""Redis connection: configuration from settings or ``GEOREDIS_URL``, one pooled client per config.

redis-py clients are thread-safe (each command borrows a connection from the pool), so the same
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
from urllib.parse import urlsplit

import redis
from qgis.core import QgsApplication, QgsAuthMethodConfig
from redis.backoff import NoBackoff
from redis.retry import Retry

from . import settings

ENV_URL = "GEOREDIS_URL"


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
        )
        env_url = environ.get(ENV_URL, "").strip()
        if env_url:
            config = replace(config, url=env_url)
        return config

    def save(self) -> None:
        """Write this configuration to QgsSettings. Refuses a URL that embeds a password."""
        if url_has_password(self.url):
            raise GeoRedisError(
                "The URL contains a password. Remove it from the URL and store the credentials "
                "in a QGIS authentication configuration (Basic) instead."
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

    @property
    def uses_tls(self) -> bool:
        if self.url:
            return urlsplit(self.url).scheme == "rediss"
        return self.tls

    def describe(self) -> str:
        """Where this config points, for messages; never contains a password."""
        if self.url:
            parts = urlsplit(self.url)
            host = parts.hostname or "localhost"
            port = parts.port or 6379
            path = parts.path.lstrip("/") or "0"
            return f"{parts.scheme}://{host}:{port}/{path}"
        scheme = "rediss" if self.tls else "redis"
        return f"{scheme}://{self.host}:{self.port}/{self.database}"


def url_has_password(url: str) -> bool:
    return bool(url) and urlsplit(url).password is not None


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
            f"The QGIS authentication configuration '{config.authcfg}' could not be loaded. "
            "Check that it exists (Settings ▸ Options ▸ Authentication) and that the "
            "authentication database is unlocked with its master password."
        )
    if method_config.method() != "Basic":
        raise GeoRedisError(
            f"The authentication configuration '{config.authcfg}' uses the method "
            f"'{method_config.method()}'. GeoRedis needs a 'Basic' (user name and password) one."
        )
    auth_user = method_config.config("username", "")
    password = method_config.config("password", "") or None
    return (auth_user or username), password


_clients: dict = {}
_clients_lock = threading.Lock()


def _no_retry() -> Retry:
    # Retries would multiply the configured timeout; a failed command fails fast instead.
    return Retry(NoBackoff(), 0)


def get_client(config: ConnectionConfig) -> redis.Redis:
    """A thread-safe client for ``config``; the same pool is reused for the same configuration."""
    username, password = resolve_credentials(config)
    secret_digest = hashlib.sha256((password or "").encode()).hexdigest()
    key = (config, username, secret_digest)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = _build_client(config, username, password)
            _clients[key] = client
        return client


def _build_client(config: ConnectionConfig, username, password) -> redis.Redis:
    common = {
        "socket_connect_timeout": config.connect_timeout,
        "socket_timeout": config.read_timeout,
        "retry": _no_retry(),
        "retry_on_timeout": False,
        "health_check_interval": 30,
        "client_name": "georedis-qgis",
    }
    if config.url:
        extra = {}
        parts = urlsplit(config.url)
        if parts.scheme not in ("redis", "rediss"):
            raise GeoRedisError(
                f"'{config.describe()}' is not a Redis URL. Use redis://host:port/db or "
                "rediss://host:port/db (TLS)."
            )
        if username and not parts.username:
            extra["username"] = username
        if password and not parts.password:
            extra["password"] = password
        if parts.scheme == "rediss" and config.ca_file:
            extra["ssl_ca_certs"] = config.ca_file
        return redis.Redis.from_url(config.url, **common, **extra)
    kwargs = dict(
        host=config.host,
        port=config.port,
        db=config.database,
        username=username,
        password=password,
        **common,
    )
    if config.tls:
        kwargs["ssl"] = True
        kwargs["ssl_cert_reqs"] = "required"
        if config.ca_file:
            kwargs["ssl_ca_certs"] = config.ca_file
    return redis.Redis(**kwargs)


def reset_clients() -> None:
    """Close every pooled connection (settings changed, plugin unloaded)."""
    with _clients_lock:
        clients = list(_clients.values())
        _clients.clear()
    for client in clients:
        try:
            client.close()
            client.connection_pool.disconnect()
        except redis.RedisError:
            pass


def explain_error(exc: BaseException, config: ConnectionConfig) -> str:
    """A message for ``exc`` that says what happened at which server and what to check."""
    where = config.describe()
    text = str(exc)
    if isinstance(exc, GeoRedisError):
        return text
    if isinstance(exc, redis.AuthenticationError) or "WRONGPASS" in text or "NOAUTH" in text:
        return (
            f"Redis at {where} refused the credentials ({text}). Check the user name and "
            "password in the authentication configuration chosen in the GeoRedis settings."
        )
    if isinstance(exc, redis.ResponseError) and "NOPERM" in text:
        return (
            f"The Redis user has no permission for this ({text}). Ask the administrator for "
            f"access to the keys under '{config.key_prefix}:*' and the commands GeoRedis uses."
        )
    if isinstance(exc, redis.TimeoutError):
        return (
            f"Redis at {where} did not answer within the timeout "
            f"({config.connect_timeout:g} s to connect, {config.read_timeout:g} s to read). "
            "Check that the server is up and reachable, or raise the timeouts in the settings."
        )
    if isinstance(exc, redis.ConnectionError):
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, ssl.SSLError) or "SSL" in text or "TLS" in text:
            return (
                f"The TLS connection to {where} failed ({text}). Check that the server expects "
                "TLS, that the TLS setting matches, and that the CA file signs its certificate."
            )
        if "refused" in text.lower():
            return (
                f"Nothing accepts connections at {where} ({text}). Start redis-server there, "
                "or correct the host and port in the GeoRedis settings."
            )
        if isinstance(cause, socket.gaierror) or "Name or service" in text:
            return f"The host of {where} is unknown ({text}). Check the host name."
        if "Connection reset" in text or "Connection closed" in text:
            return (
                f"Redis at {where} closed the connection ({text}). If the server expects TLS, "
                "turn TLS on in the settings; otherwise check the server's logs."
            )
        return f"Could not talk to Redis at {where} ({text}). Check host, port and TLS settings."
    if isinstance(exc, redis.RedisError):
        return f"Redis at {where} answered with an error: {text}"
    return f"Unexpected error talking to Redis at {where}: {type(exc).__name__}: {text}"


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
    except GeoRedisError:
        raise
    except (redis.RedisError, OSError) as exc:
        raise GeoRedisError(explain_error(exc, config)) from exc
    return ServerInfo(
        version=str(info.get("redis_version", "?")),
        round_trip_ms=round_trip_ms,
        mode=str(info.get("redis_mode", "standalone")),
    )
