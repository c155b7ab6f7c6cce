"""Redis key names of a geo set, all under one cluster hash tag.

Keys of a set named ``name`` share one cluster hash tag so they live on the same slot::

    <prefix>:geo:{<tag>}         the geo set (a sorted set scored by 52-bit geohash)
    <prefix>:geo:{<tag>}:attrs   optional hash member -> JSON array of the feature's attributes
    <prefix>:geo:{<tag>}:meta    hash: source layer, CRS, fields with types, counts, load time

``<tag>`` is the name with ``%``, ``{`` and ``}`` percent-encoded, so any name works.
"""

from dataclasses import dataclass

from ...i18n import tr
from ..errors import GeoRedisError

# The meta hash field holding the stored fields (JSON, see rows.fields_to_json).
META_FIELDS_KEY = "fields"
# The members' lon/lat extent "west,south,east,north" (sets loaded before it lack it).
META_EXTENT_KEY = "extent"
# The occupied geohash cells at load, binary (see cells.encode; sets loaded before it lack it).
META_CELLS_KEY = "cells"


def encode_tag(name: str) -> str:
    """The hash tag for a set name: braces (which would end the tag) and '%' percent-encoded."""
    return name.replace("%", "%25").replace("{", "%7B").replace("}", "%7D")


def decode_tag(tag: str) -> str:
    return tag.replace("%7D", "}").replace("%7B", "{").replace("%25", "%")


@dataclass(frozen=True)
class GeoSetKeys:
    geo: str
    attrs: str
    meta: str

    @classmethod
    def for_name(cls, prefix: str, name: str, suffix: str = "") -> "GeoSetKeys":
        if not name:
            raise GeoRedisError(tr("A geo set needs a name. Type a key name and try again."))
        base = f"{prefix}:geo:{{{encode_tag(name)}}}{suffix}"
        return cls(base, f"{base}:attrs", f"{base}:meta")


def glob_escape(text: str) -> str:
    """``text`` matched literally in a SCAN MATCH pattern."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in text)


def slug(text: str) -> str:
    """A key name suggestion from a layer name: lower case, runs of other characters as '_'."""
    out = []
    for char in text.strip().lower():
        out.append(char if char.isalnum() else "_")
    result = "_".join(part for part in "".join(out).split("_") if part)
    return result or "points"
