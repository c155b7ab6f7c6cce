"""The geo sets on a server: listing, metadata, deleting, and checking a key is one."""

import json
from dataclasses import dataclass, field

import redis
from qgis.core import QgsFields

from ...i18n import tr
from ..errors import GeoRedisError
from .keys import META_CELLS_KEY, META_FIELDS_KEY, GeoSetKeys, decode_tag, glob_escape
from .rows import fields_from_json


@dataclass
class GeoSetInfo:
    name: str
    count: int
    meta: dict = field(default_factory=dict)

    @property
    def fields(self) -> QgsFields:
        return fields_from_json(json.loads(self.meta.get(META_FIELDS_KEY, "[]")))


def _decode_meta(raw: dict) -> dict:
    """The meta hash as text, without the binary cell summary."""
    cells = META_CELLS_KEY.encode()
    return {k.decode(): v.decode("utf-8") for k, v in raw.items() if k != cells}


def list_geosets(client: redis.Redis, prefix: str) -> list:
    """Every geo set under ``prefix`` with its member count, sorted by name."""
    start = f"{prefix}:geo:{{"
    pattern = f"{glob_escape(start)}*}}:meta"
    metas = [k.decode("utf-8") for k in client.scan_iter(match=pattern, count=1000, _type="hash")]
    names = []
    for key in metas:
        tag = key[len(start) : -len("}:meta")]
        # an encoded tag has no '}': anything else matched the pattern by accident
        if "}" not in tag:
            names.append(decode_tag(tag))
    with client.pipeline(transaction=False) as pipe:
        for name in names:
            keys = GeoSetKeys.for_name(prefix, name)
            pipe.zcard(keys.geo)
            pipe.hgetall(keys.meta)
        replies = pipe.execute(raise_on_error=False)
    # a key of another type where a set's would be (WRONGTYPE) is not a geo set: skipped
    infos = [
        GeoSetInfo(name, int(replies[2 * i]), _decode_meta(replies[2 * i + 1]))
        for i, name in enumerate(names)
        if not isinstance(replies[2 * i], Exception)
        and not isinstance(replies[2 * i + 1], Exception)
    ]
    return sorted(infos, key=lambda info: info.name)


def geoset_info(client: redis.Redis, prefix: str, name: str) -> GeoSetInfo:
    keys = GeoSetKeys.for_name(prefix, name)
    with client.pipeline(transaction=False) as pipe:
        pipe.type(keys.geo)
        pipe.zcard(keys.geo)
        pipe.hgetall(keys.meta)
        key_type, count, meta = pipe.execute(raise_on_error=False)
    check_type(name, keys, key_type, bool(meta) and not isinstance(meta, Exception))
    return GeoSetInfo(name, int(count), _decode_meta(meta))


def delete_geoset(client: redis.Redis, prefix: str, name: str) -> int:
    keys = GeoSetKeys.for_name(prefix, name)
    return int(client.unlink(keys.geo, keys.attrs, keys.meta))


def check_type(name: str, keys: GeoSetKeys, key_type, has_meta: bool) -> None:
    key_type = key_type.decode() if isinstance(key_type, bytes) else str(key_type)
    if key_type == "zset":
        return
    if key_type == "none":
        if has_meta:
            return  # a set loaded from a layer without valid points
        raise GeoRedisError(
            tr(
                "There is no geo set '{name}' (key {key}) on the server. Load a point layer "
                "into it first, or pick one of the listed sets."
            ).format(name=name, key=keys.geo)
        )
    raise GeoRedisError(
        tr(
            "The key {key} holds a {type}, not a geo set. Choose another set name, or delete "
            "that key if it is not needed."
        ).format(key=keys.geo, type=key_type)
    )
