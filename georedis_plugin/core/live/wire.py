"""The live wire format, which any producer can write with a plain XADD::

    XADD <prefix>:live:{<name>} [MINID|MAXLEN ~ <threshold>] * id <id> lon <lon> lat <lat>
         [ts <ms since epoch>] [<field> <value> ...]

``lon``/``lat`` are WGS 84 decimal degrees (``-?digits[.digits]``, no exponent), within what
GEOADD indexes (|lat| <= 85.05112878); ``ts`` defaults to the time in the entry id; other
fields are attributes (strings). An entry breaking a rule is skipped and counted under its
reason, never fatal. The server-side fold (``fold``) applies the same rules in Lua: both are
checked against each other on generated entries (tests/test_live_wire.py).
"""

import re
from dataclasses import dataclass, field

import numpy

MAX_ENTRY_BYTES = 8192  # names and values of one entry together
MAX_FIELDS = 64  # field/value pairs
MAX_ID_BYTES = 128
MAX_NUMBER_BYTES = 32
DECIMALS = 12  # of the coordinates GeoRedis writes
MAX_LATITUDE = 85.05112878  # GEOADD refuses beyond (Web Mercator's limit)
RESERVED = (b"id", b"lon", b"lat", b"ts")

# skip reasons, as counted in the meta hash (skipped:<reason>) and in readers' statistics
MISSING_ID = "missing_id"
BAD_COORDINATES = "bad_coordinates"
OUT_OF_RANGE = "out_of_range"
BAD_TS = "bad_ts"
OVERSIZED = "oversized"
REASONS = (MISSING_ID, BAD_COORDINATES, OUT_OF_RANGE, BAD_TS, OVERSIZED)

_DECIMAL = re.compile(rb"-?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)\Z")
_TS = re.compile(rb"[0-9]{1,15}\Z")


@dataclass(frozen=True)
class Position:
    id: str
    lon: float
    lat: float
    ts: int  # ms since epoch
    entry_id: str
    attributes: dict = field(default_factory=dict)


def text(value) -> str:
    """Bytes from Redis as text; bytes that are not UTF-8 become U+FFFD (never an error)."""
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)


def ident(value) -> str:
    """An id from Redis as text that tells every byte string apart (bytes that are not UTF-8
    become surrogate escapes: ``display`` shows them as U+FFFD)."""
    return value.decode("utf-8", "surrogateescape") if isinstance(value, bytes) else str(value)


def display(value: str) -> str:
    """An ``ident`` fit for Qt (lone surrogates shown as U+FFFD)."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def entry_ms(entry_id) -> int:
    """The milliseconds part of a stream entry id ``<ms>-<seq>``."""
    return int(text(entry_id).split("-", 1)[0])


def _number(raw: bytes):
    if len(raw) > MAX_NUMBER_BYTES or not _DECIMAL.match(raw):
        return None
    return float(raw)


def parse_entry(entry_id, fields: dict):
    """(Position, None) for a valid entry, (None, reason) for one to skip.

    ``fields`` maps bytes to bytes, as redis-py returns an entry: a repeated field name keeps
    its last value (the fold script reads entries the same way). Checked in this order:
    size, id, coordinates, range, ts.
    """
    size = sum(len(name) + len(value) for name, value in fields.items())
    if size > MAX_ENTRY_BYTES or len(fields) > MAX_FIELDS:
        return None, OVERSIZED
    raw_id = fields.get(b"id")
    if not raw_id:
        return None, MISSING_ID
    if len(raw_id) > MAX_ID_BYTES:
        return None, OVERSIZED
    lon = _number(fields.get(b"lon", b""))
    lat = _number(fields.get(b"lat", b""))
    if lon is None or lat is None:
        return None, BAD_COORDINATES
    if not (-180.0 <= lon <= 180.0 and -MAX_LATITUDE <= lat <= MAX_LATITUDE):
        return None, OUT_OF_RANGE
    raw_ts = fields.get(b"ts")
    if raw_ts is None:
        ts = entry_ms(entry_id)
    elif _TS.match(raw_ts):
        ts = int(raw_ts)
    else:
        return None, BAD_TS
    attributes = {text(k): text(v) for k, v in fields.items() if k not in RESERVED}
    return Position(ident(raw_id), lon, lat, ts, text(entry_id), attributes), None


def encode_fields(name, lon: float, lat: float, ts=None, attributes=None) -> dict:
    """The XADD fields of one position."""
    fields = {"id": str(name), "lon": _decimal(lon), "lat": _decimal(lat)}
    if ts is not None:
        fields["ts"] = str(int(ts))
    for name, value in (attributes or {}).items():
        if name not in ("id", "lon", "lat", "ts") and value is not None:
            fields[name] = str(value)
    return fields


def _decimal(value: float) -> str:
    """Plain decimal (the wire has no exponents), rounded to 12 decimals (0.1 µm): the
    shortest text that reads back as that rounded float, never past MAX_NUMBER_BYTES."""
    return numpy.format_float_positional(round(float(value), DECIMALS), unique=True, trim="-")
