"""Loading points into a geo set: scores sorted, pre-encoded ZADD/HSET, atomic swap.

Loading computes the geohash scores exactly as Redis's ``geohashEncodeWGS84`` does, sorts the
points by score and sends pre-encoded ZADD commands, which keeps the result a standard geo set
(GEOPOS/GEOSEARCH/GEOADD all work on it) while ingesting several times faster than GEOADD.
"""

import itertools
import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import redis
from qgis.core import Qgis, QgsMessageLog

from ...i18n import tr
from ..clients import on_slot, pooled_connection
from ..errors import REDIS_ERRORS, GeoRedisError, annotate
from . import cells
from .catalog import check_type
from .geohash import geohash_scores
from .keys import META_CELLS_KEY, META_EXTENT_KEY, META_FIELDS_KEY, GeoSetKeys
from .reading import PointData, read_points
from .resp import encode_command, encode_hset, encode_zadd, member_bytes
from .rows import ColumnRows, fields_to_json

ZADD_BATCH = 50_000
HSET_BATCH = 20_000
# Temporary keys of a load expire unless the load completes (it then PERSISTs them): a load
# cut short where its own clean-up cannot reach the server (the primary died, and a
# Sentinel or cluster failover promoted a replica holding part of them) leaves nothing behind.
TEMP_TTL_SECONDS = 24 * 3600


@dataclass
class LoadResult:
    name: str
    key: str
    loaded: int
    skipped: int
    duplicates: int
    seconds: float = 0.0


def _send_pipelined(
    client: redis.Redis, commands, count: int, feedback=None, progress=(50.0, 100.0)
):
    """Send ``count`` pre-encoded commands on one connection, at most two in flight.

    ``commands`` may be a generator: the next command is encoded while the server works on
    the one before. Returns the replies.
    """
    replies = []
    pending = []  # (number, command name) of the commands sent and not answered yet

    def read(connection):
        number, name = pending.pop(0)
        try:
            replies.append(connection.read_response())
        except redis.ResponseError as exc:
            annotate(exc, name, number)  # for the message: the command, not its arguments
            raise

    with pooled_connection(client) as connection:
        for index, command in enumerate(commands):
            if feedback is not None and feedback.isCanceled():
                break
            connection.send_packed_command([command], check_health=index == 0)
            # b"*<n>\r\n$<len>\r\n<NAME>\r\n...": the name is the third line (of the head:
            # a split of the whole command would copy its megabytes)
            name = command[:64].split(b"\r\n", 3)[2]
            pending.append((index + 1, name.decode("ascii", "replace")))
            if len(pending) > 1:
                read(connection)
            if feedback is not None:
                low, high = progress
                feedback.setProgress(low + (high - low) * (index + 1) / max(count, 1))
        while pending:
            read(connection)
    return replies


def load_points(
    client: redis.Redis, prefix: str, name: str, data: PointData, feedback=None
) -> LoadResult:
    """Replace the geo set ``name`` with ``data`` atomically (temporary keys, then RENAME).

    All keys involved share the set's hash tag, so in a Redis Cluster the whole load runs on
    the primary holding that slot: one geo set lives on one node.
    """
    started = time.perf_counter()
    keys = GeoSetKeys.for_name(prefix, name)
    # a geo set replaces a geo set; any other value under that key is not ours to destroy
    check_type(name, keys, client.type(keys.geo), has_meta=True)
    members = member_bytes(data.members)
    scores = geohash_scores(data.lon, data.lat)
    # Highest score first: each insertion then lands at the head of Redis's skiplist, which
    # is ~8% quicker for the server than appending at its tail (and 3x quicker than random).
    order = np.argsort(scores, kind="stable")[::-1]
    scores, members_sorted = scores[order], members[order]
    on_slot(
        client,
        keys.geo,
        lambda node: _write_set(
            node, prefix, name, keys, data, members, scores, members_sorted, feedback
        ),
    )
    return LoadResult(
        name, keys.geo, len(scores), data.skipped, data.duplicates, time.perf_counter() - started
    )


def _write_set(client, prefix, name, keys, data, members, scores, members_sorted, feedback):
    """Write the sorted points under temporary keys of ``name``'s slot, then swap them in."""
    _check_transactions(client)
    load_id = uuid.uuid4()
    temp = GeoSetKeys.for_name(prefix, name, f":tmp:{load_id.hex}")
    geo_key = temp.geo.encode("utf-8")
    commands = (
        encode_zadd(geo_key, scores[i : i + ZADD_BATCH], members_sorted[i : i + ZADD_BATCH])
        for i in range(0, len(scores), ZADD_BATCH)
    )
    count = len(scores)
    attrs_key = temp.attrs.encode("utf-8")
    zadd_count, hset_count = -(-count // ZADD_BATCH), -(-count // HSET_BATCH)
    commands, total = _expiring(commands, geo_key), zadd_count + 1
    if data.rows is not None and count:
        hsets = _expiring(_hset_commands(attrs_key, members, data.rows), attrs_key)
        ready = data.rows.ready if isinstance(data.rows, ColumnRows) else None
        commands = _interleaved(commands, hsets, -(-(hset_count + 1) // zadd_count), ready)
        total += hset_count + 1
    try:
        _send_pipelined(client, commands, total, feedback)
        if _canceled(feedback):
            client.delete(temp.geo, temp.attrs, temp.meta)
            raise GeoRedisError(tr("Loading '{name}' was canceled.").format(name=name))
        meta = {
            "name": name,
            "source": data.source_name,
            "crs": data.source_crs,
            "id_field": data.id_field,
            "count": count,
            "skipped": data.skipped,
            "duplicates": data.duplicates,
            "attributes": int(data.rows is not None),
            META_FIELDS_KEY: json.dumps(fields_to_json(data.fields)) if data.fields else "[]",
            "loaded_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
        if count:  # sizes the first radius of a nearest search (GeoSet.spread)
            meta[META_EXTENT_KEY] = "%r,%r,%r,%r" % (
                float(data.lon.min()),
                float(data.lat.min()),
                float(data.lon.max()),
                float(data.lat.max()),
            )
            # where the members are, for a nearest search from afar (cells.nearest_from_afar);
            # the scores are sorted highest first
            meta[META_CELLS_KEY] = cells.encode(*cells.summarize(scores[::-1]), load_id.bytes)
        with client.pipeline(transaction=True) as pipe:
            # What the server holds is what is published: a server that evicts keys
            # (maxmemory-policy allkeys-*, or volatile-* for these expiring keys) may have
            # dropped a temporary key between batches, which a later batch then recreated.
            # WATCH makes EXEC fail if one is evicted after this count.
            pipe.watch(temp.geo, temp.attrs)
            _check_held(pipe, name, temp, count, data.rows is not None)
            pipe.multi()
            # UNLINK frees the old set in a background thread; RENAME over it would block
            pipe.unlink(keys.geo, keys.attrs)
            if count:
                pipe.rename(temp.geo, keys.geo)
                pipe.persist(keys.geo)  # RENAME carries the temporary key's expiry over
            if data.rows is not None and count:
                pipe.rename(temp.attrs, keys.attrs)
                pipe.persist(keys.attrs)
            pipe.delete(keys.meta)
            pipe.hset(keys.meta, mapping=meta)
            try:
                pipe.execute()
            except redis.WatchError:
                _check_held(client, name, temp, count, data.rows is not None)
                raise  # changed by someone else: not ours to explain
    except BaseException:
        _cleanup(client, temp)
        raise


def _hset_commands(key: bytes, members: np.ndarray, rows):
    """The HSETs of ``rows`` under ``key``, one per HSET_BATCH members."""
    for i in range(0, len(members), HSET_BATCH):
        yield encode_hset(key, members[i : i + HSET_BATCH], rows[i : i + HSET_BATCH])


def _interleaved(zadds, hsets, per_zadd: int, ready=None):
    """``zadds``, each followed by the next ``per_zadd`` of ``hsets`` (once ``ready()`` says
    the columns they are made of are read, when given), then the HSETs left.

    One pipeline: the server stores an HSET while the client encodes the next command. On 1M
    points with 3 stored attributes this measured the same as encoding the HSETs between the
    ZADDs and sending them after the last one (4.6 to 5.3 s either way); the client's
    encoding, about 33 ms per HSET of 20,000 rows, is what holds the HSETs back.
    """
    for command in zadds:
        yield command
        if ready is None or ready():
            yield from itertools.islice(hsets, per_zadd)
    yield from hsets


def _check_transactions(client) -> None:
    """Raise before writing anything if the server refuses MULTI (rename-command, ACL).

    The swap is one MULTI/EXEC: where MULTI is refused, the commands it should group would
    run one by one, publishing the set while the load reports an error.
    """
    with pooled_connection(client) as connection:
        connection.send_command("MULTI")
        connection.read_response()
        connection.send_command("DISCARD")
        connection.read_response()


def _check_held(client, name: str, temp: GeoSetKeys, count: int, attributes: bool) -> None:
    """Raise GeoRedisError unless the temporary keys hold all ``count`` points (and rows)."""
    held = int(client.zcard(temp.geo)) if count else 0
    rows = int(client.hlen(temp.attrs)) if attributes and count else count
    if held == count and rows == count:
        return
    raise GeoRedisError(
        tr(
            "The server dropped part of the geo set '{name}' while it was loading: it held "
            "{held} of {count} points ({rows} attribute rows). Its maxmemory-policy evicts "
            "keys to make room. Nothing was changed. Keep geo sets on a server without "
            "eviction (maxmemory-policy noeviction) or raise its maxmemory, then load again."
        ).format(name=name, held=held, count=count, rows=rows)
    )


def _expiring(commands, key: bytes):
    """``commands``, with an EXPIRE of ``key`` (TEMP_TTL_SECONDS) once the first created it."""
    for index, command in enumerate(commands):
        yield command
        if index == 0:
            yield encode_command(b"EXPIRE", key, b"%d" % TEMP_TTL_SECONDS)


def _canceled(feedback) -> bool:
    return feedback is not None and feedback.isCanceled()


def _cleanup(client, temp: GeoSetKeys) -> None:
    try:
        client.delete(temp.geo, temp.attrs, temp.meta)
    except REDIS_ERRORS as exc:
        # the original error is what the user needs to see; this one only goes to the log
        QgsMessageLog.logMessage(
            tr("Could not delete the temporary keys {key}*: {error}").format(
                key=temp.geo, error=exc
            ),
            "GeoRedis",
            Qgis.MessageLevel.Warning,
        )


def load_layer(
    client: redis.Redis,
    prefix: str,
    name: str,
    source,
    id_field: str = "",
    store_attributes: bool = False,
    transform_context=None,
    feedback=None,
    source_name: str = "",
) -> LoadResult:
    """Read ``source`` and replace the geo set ``name`` with its points."""
    data = read_points(source, id_field, store_attributes, transform_context, feedback, source_name)
    try:
        if _canceled(feedback):
            raise GeoRedisError(tr("Loading '{name}' was canceled.").format(name=name))
        return load_points(client, prefix, name, data, feedback)
    finally:
        if isinstance(data.rows, ColumnRows):
            data.rows.settle()  # the attributes may still be read on a thread: not past here
