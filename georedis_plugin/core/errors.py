"""Recognising what went wrong talking to Redis, and saying it so that a user can act on it.

Errors are recognised by type: redis-py's own (``redis.exceptions``, parsed from the server's
error codes) and Python's socket and TLS errors, which redis-py keeps as the ``__context__`` of
the ``ConnectionError`` it raises; the cluster client keeps its nodes' errors as the
``__cause__`` of its ``RedisClusterException``. Message text is read only where redis-py gives
no type, and each such place says so. Checked against redis-py 4.5.5, 5.2.1 and 8.1.0.
"""

import re
import socket
import ssl

import redis
from redis.exceptions import (
    AskError,
    AuthenticationError,
    ClusterCrossSlotError,
    ClusterDownError,
    InvalidResponse,
    NoPermissionError,
    ReadOnlyError,
    RedisClusterException,
    SlotNotCoveredError,
    TryAgainError,
)
from redis.sentinel import MasterNotFoundError

from ..i18n import tr

# The commands of server-side scripts (geo-set searches)
SCRIPT_COMMANDS = frozenset({"EVALSHA", "EVAL", "SCRIPT"})

# Everything a Redis call can raise: redis-py's cluster client also raises
# RedisClusterException (not a RedisError) when no node answers or a slot has no node.
REDIS_ERRORS = (redis.RedisError, RedisClusterException, OSError)


class GeoRedisError(Exception):
    """An error a user can act on; ``str()`` says what happened and what to do."""


def _chain(exc: BaseException) -> list:
    """``exc`` and what it was raised from or while handling, outermost first."""
    links = []
    while exc is not None and all(exc is not seen for seen in links):
        links.append(exc)
        exc = exc.__cause__ or exc.__context__
    return links


def _found(exc: BaseException, types) -> bool:
    return any(isinstance(link, types) for link in _chain(exc))


def _tls_failed(exc: BaseException) -> bool:
    return _found(exc, ssl.SSLError)


# redis-py rewrites a pipeline's error as "Command # 3 (SET key <value>) of pipeline caused
# error: <reason>", the value (megabytes of WKB) included; only redis-py 6 truncates it, to
# 100 characters. No attribute keeps the command apart, so the text is taken apart.
_PIPELINE_ERROR = re.compile(r"Command # (\d+) \((\S*)(?: .*)?\) of pipeline caused error: ", re.S)
_UNKNOWN_COMMAND = re.compile(r"unknown command [`']([^`']*)[`']", re.I)
MAX_REASON_CHARS = 300


def reason(exc: BaseException) -> str:
    """What went wrong in ``exc``, naming the command but never its arguments (keys, values).

    A pipeline's error becomes "SET (command 3 of a pipeline): <the server's reason>"; an
    unknown command's list of arguments is dropped; whatever remains is cut to
    ``MAX_REASON_CHARS``.
    """
    text = str(exc)
    found = _PIPELINE_ERROR.search(text)  # greedy: up to the last ") of pipeline caused"
    if found is not None:
        text = tr("{command} (command {number} of a pipeline): {reason}").format(
            command=found.group(2).upper(), number=found.group(1), reason=text[found.end() :]
        )
    unknown = _UNKNOWN_COMMAND.search(text)
    if unknown is not None:
        text = text[: unknown.end()]
    if len(text) > MAX_REASON_CHARS:
        text = text[: MAX_REASON_CHARS - 1] + "…"
    return text


def annotate(exc: BaseException, command: str, number: int) -> None:
    """Name the command of an error from a pipeline sent by hand, as redis-py names those of
    its own pipelines, so that ``reason`` says "SET (command 3 of a pipeline): ..."."""
    first = exc.args[0] if exc.args else ""
    exc.args = (f"Command # {number} ({command}) of pipeline caused error: {first}", *exc.args[1:])


def unknown_command(exc: BaseException) -> str:
    """The command the server said it does not know ('' if that is not the error)."""
    if not isinstance(exc, redis.ResponseError):
        return ""
    unknown = _UNKNOWN_COMMAND.search(str(exc))
    return unknown.group(1).upper() if unknown else ""


def explain_error(exc: BaseException, config) -> str:
    """A message for ``exc`` that says what happened at which server and what to check.

    ``config`` is the ``ConnectionConfig`` the failed call used.
    """
    for link in _chain(exc):
        if isinstance(link, GeoRedisError):  # ours already, also when a cluster wrapped it
            return str(link)
    try:
        target = config.target()
    except GeoRedisError as error:
        return str(error)
    where = config.describe()
    text = reason(exc)
    return _explain_scale_out_error(exc, config, target, where, text) or _explain_server_error(
        exc, config, where, text
    )


def _explain_server_error(exc: BaseException, config, where: str, text: str) -> str:
    if _found(exc, AuthenticationError):  # WRONGPASS, NOAUTH, "invalid password"
        return tr(
            "Redis at {where} refused the credentials ({error}). Check the user name and "
            "password in the authentication configuration chosen in the GeoRedis settings."
        ).format(where=where, error=text)
    if isinstance(exc, NoPermissionError):  # NOPERM
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
    # redis-py raises it as a ResponseError, or as a ConnectionError while connecting
    if "max number of clients reached" in text:
        return tr(
            "Redis at {where} has as many clients as its maxclients setting allows. Try "
            "again later, or ask the administrator to raise maxclients."
        ).format(where=where)
    if isinstance(exc, redis.ConnectionError):
        return _explain_connection_error(exc, where, text)
    if _found(exc, InvalidResponse):  # the reply is not RESP: something else listens there
        # redis-py's own parser quotes the start of the answer as a bytes repr
        text = re.sub(r"""\bb(['"])(.*)\1""", r"'\2'", text)
        return tr(
            "The server at {where} is not a Redis server: its answer is not in the Redis "
            "protocol ({error}); a web server, for one, answers like this. Check the host "
            "and port in the GeoRedis settings (Redis listens on 6379 by default)."
        ).format(where=where, error=text)
    if isinstance(exc, redis.ResponseError) and "command not allowed when used memory" in text:
        # OutOfMemoryError (the OOM code) only from redis-py 5.0 on: the server's text tells
        return tr(
            "Redis at {where} is full and refused a write ({error}). Raise its maxmemory; on "
            "a server that only caches results, maxmemory-policy allkeys-lru lets old "
            "entries make room (never where geo sets are kept)."
        ).format(where=where, error=text)
    if isinstance(exc, redis.ResponseError) and "DB index is out of range" in text:
        return tr(
            "Redis at {where} has no database {database}. Choose a database from 0 to the "
            "server's 'databases' setting minus one (0 to 15 by default)."
        ).format(where=where, database=config.target().database)
    if isinstance(exc, redis.ResponseError) and "invalid bulk length" in text:
        return tr(
            "Redis at {where} refused a value longer than its limit (proto-max-bulk-len, "
            "{error}). Raise proto-max-bulk-len on the server to store values this large."
        ).format(where=where, error=text)
    command = unknown_command(exc)
    if command in SCRIPT_COMMANDS:
        return tr(
            "Redis at {where} does not offer {command}: the administrator disabled it "
            "(rename-command in the server's configuration). Live positions are folded by a "
            "server-side Lua script, which needs EVALSHA, EVAL and SCRIPT: ask for them to be "
            "enabled, or use a server that has them."
        ).format(where=where, command=command)
    if command:
        return tr(
            "Redis at {where} does not offer {command}: the command was disabled "
            "(rename-command in the server's configuration) or the server is older than "
            "Redis 6.2. Ask the administrator to enable it, or use a newer server."
        ).format(where=where, command=command)
    if isinstance(exc, redis.RedisError):
        return tr("Redis at {where} answered with an error: {error}").format(
            where=where, error=text
        )
    return tr("Unexpected error talking to Redis at {where}: {kind}: {error}").format(
        where=where, kind=type(exc).__name__, error=text
    )


def _explain_connection_error(exc: BaseException, where: str, text: str) -> str:
    if _tls_failed(exc):
        return tr(
            "The TLS connection to {where} failed ({error}). Check that the server expects "
            "TLS, that the TLS setting matches, and that the CA file signs its certificate."
        ).format(where=where, error=text)
    if _found(exc, ConnectionRefusedError):
        return tr(
            "Nothing accepts connections at {where} ({error}). Start redis-server there, "
            "or correct the host and port in the GeoRedis settings."
        ).format(where=where, error=text)
    if _found(exc, socket.gaierror):
        return tr("The host of {where} is unknown ({error}). Check the host name.").format(
            where=where, error=text
        )
    # redis-py raises a bare ConnectionError("Connection closed by server.") when a read
    # returns no bytes: no type tells that case apart, its text does.
    if _found(exc, (ConnectionResetError, BrokenPipeError)) and "while writing" in text:
        return tr(
            "Redis at {where} closed the connection while GeoRedis was sending ({error}). "
            "A value longer than the server's proto-max-bulk-len, or a request over its "
            "client-query-buffer-limit, does this: check the server's logs."
        ).format(where=where, error=text)
    if _found(exc, (ConnectionResetError, BrokenPipeError)) or "Connection closed" in text:
        return tr(
            "Redis at {where} closed the connection ({error}). If the server expects TLS, "
            "turn TLS on in the settings; otherwise check the server's logs."
        ).format(where=where, error=text)
    return tr(
        "Could not talk to Redis at {where} ({error}). Check host, port and TLS settings."
    ).format(where=where, error=text)


def _explain_scale_out_error(exc: BaseException, config, target, where: str, text: str) -> str:
    """Messages for the Cluster and Sentinel failures; '' for anything else."""
    if isinstance(exc, MasterNotFoundError):
        return _explain_sentinel_discovery(target, where, text, str(exc))
    if isinstance(exc, ClusterDownError) or _untyped_cluster_reply(exc, "CLUSTERDOWN"):
        return tr(
            "The Redis Cluster at {where} is down: some hash slots have no reachable primary "
            "({error}). Check the cluster's nodes (redis-cli --cluster check host:port) and "
            "try again once CLUSTER INFO reports cluster_state:ok."
        ).format(where=where, error=text)
    # MovedError is an AskError too
    if isinstance(exc, (AskError, TryAgainError)) or _untyped_cluster_reply(
        exc, "MOVED", "ASK", "TRYAGAIN"
    ):
        return tr(
            "The Redis Cluster at {where} was moving data between its nodes (failover or "
            "resharding: {error}). Run the operation again."
        ).format(where=where, error=text)
    if isinstance(exc, ClusterCrossSlotError) or _untyped_cluster_reply(exc, "CROSSSLOT"):
        return tr(
            "The Redis Cluster at {where} refused a request spanning several hash slots "
            "({error}). This is a GeoRedis bug: please report it."
        ).format(where=where, error=text)
    # The server answers CLUSTER SLOTS with a plain ERR, which redis-py's cluster client
    # rewraps as a bare RedisClusterException: only the texts tell.
    if "cluster support disabled" in text or "Cluster mode is not enabled" in text:
        return tr(
            "The server at {where} is not part of a Redis Cluster. Choose the standalone "
            "mode (a redis:// URL), or give the addresses of the cluster's nodes."
        ).format(where=where)
    if isinstance(exc, RedisClusterException):
        return _explain_cluster_exception(exc, where, text)
    if isinstance(exc, ReadOnlyError):
        return tr(
            "Redis at {where} is a read-only replica ({error}). Point GeoRedis at the "
            "primary, or use the Sentinel mode so it always finds the primary."
        ).format(where=where, error=text)
    plain_connection_error = (
        isinstance(exc, redis.ConnectionError)
        and not _found(exc, AuthenticationError)
        and not _tls_failed(exc)
    )
    if target.is_sentinel and plain_connection_error:
        return tr(
            "The primary of the Sentinel service '{service}' ({where}) could not be reached "
            "({error}). If it has just failed, the Sentinels promote a replica within their "
            "down-after time: try again then."
        ).format(service=target.service_name, where=where, error=text)
    if target.is_cluster and plain_connection_error:
        return tr(
            "A node of the Redis Cluster at {where} could not be reached ({error}). If a "
            "primary has just failed, the cluster promotes one of its replicas: try again "
            "then; otherwise check the nodes' addresses."
        ).format(where=where, error=text)
    # A Redis server asked SENTINEL MASTERS answers "unknown command": a plain ResponseError.
    if (
        isinstance(exc, redis.ResponseError)
        and "unknown command" in text
        and "SENTINEL" in (text.upper())
    ):
        return tr(
            "The server at {where} is not a Sentinel. List the Sentinels' addresses (port "
            "26379 by default), not the Redis servers'."
        ).format(where=where)
    return ""


def _untyped_cluster_reply(exc: BaseException, *codes: str) -> bool:
    """A cluster error code in a plain ResponseError.

    Connections of the cluster client parse MOVED, ASK, TRYAGAIN, CLUSTERDOWN and CROSSSLOT
    into their types; other connections do so only from redis-py 6.0 on, so a plain client
    of an older redis-py (or a standalone config pointed at a cluster node) gets them as
    ResponseError("MOVED 3999 127.0.0.1:7001").
    """
    return isinstance(exc, redis.ResponseError) and str(exc).startswith(
        tuple(f"{code} " for code in codes) + codes
    )


def _explain_sentinel_discovery(target, where: str, text: str, full_text: str) -> str:
    # redis-py keeps no exception object of the Sentinels it asked: it lists their errors in
    # the MasterNotFoundError's message, by repr: "AuthenticationError('...')" from 4.5.5 to
    # 7.x, "auth:AuthenticationError" (type only, no text) from 8.0. Only the type names tell.
    failed = set(re.findall(r"\b(AuthenticationError|ConnectionError|TimeoutError)\b", full_text))
    if "AuthenticationError" in failed:
        return tr(
            "The Sentinels at {where} refused the credentials. Choose the Sentinels' own "
            "authentication configuration in the GeoRedis settings (or none if they "
            "have no password)."
        ).format(where=where)
    if target.tls and failed:
        # TLS refused or not answered: redis-py 8 names no more than the error's type
        return tr(
            "The TLS connection to the Sentinels at {where} failed ({error}). Check that "
            "they expect TLS, that the TLS setting matches, and that the CA file signs "
            "their certificates."
        ).format(where=where, error=text)
    return tr(
        "No Sentinel at {where} knows a reachable primary for the service '{service}' "
        "({error}). Check the service (master) name and that the Sentinels run; during "
        "a failover, try again once a replica has been promoted."
    ).format(where=where, service=target.service_name, error=text)


def _explain_cluster_exception(exc: RedisClusterException, where: str, text: str) -> str:
    """No node answered, or the slots are not all covered; the nodes' error is the cause."""
    if _tls_failed(exc):
        return tr(
            "The TLS connection to the Redis Cluster at {where} failed ({error}). Check "
            "that the nodes expect TLS, that the TLS setting matches, and that the CA "
            "file signs their certificates."
        ).format(where=where, error=text)
    if _found(exc, AuthenticationError):
        return tr(
            "Redis at {where} refused the credentials ({error}). Check the user name and "
            "password in the authentication configuration chosen in the GeoRedis settings."
        ).format(where=where, error=text)
    # SlotNotCoveredError is raised per command; the slot table check after CLUSTER SLOTS
    # raises a bare RedisClusterException ("All slots are not covered ...").
    if isinstance(exc, SlotNotCoveredError) or "slots are not covered" in text:
        return tr(
            "The Redis Cluster at {where} does not cover every hash slot ({error}). Wait "
            "for a failover to finish or repair the cluster (redis-cli --cluster fix)."
        ).format(where=where, error=text)
    return tr(
        "No node of the Redis Cluster at {where} answered ({error}). Check the nodes' "
        "addresses and that the cluster runs."
    ).format(where=where, error=text)
