"""RESP by hand: commands encoded for bulk loads (ZADD with numpy, HSET, any command), and
many replies read at once.

redis-py's and hiredis's packers take one Python object per argument; ``encode_zadd`` builds a
ZADD of 50,000 members from two numpy arrays without a per-member Python step, which is what
lets a load run close to the server's own ingest limit (scripts/bench_geoset.py).
"""

import numpy as np
import redis

from ..clients import recv_chunk

try:
    import hiredis as _hiredis
except ImportError:
    _hiredis = None


def padding_pays(count: int, longest: int, total: int) -> bool:
    """Whether a numpy ``S`` array of ``count`` strings, each padded to the ``longest``, stays
    within a few times their ``total`` size: one 1 MB id among 3,000 short ones would take
    3 GB as an ``S`` array, against 1 MB of data."""
    return count * longest <= 4 * total + (1 << 20)


def member_bytes(members) -> np.ndarray:
    """Member names as a numpy bytes array (an array of feature ids passes as it is).

    numpy's ``S`` type drops trailing NUL bytes, which would make ``a`` and ``a\\0`` one
    member, and pads every name to the longest: when a name holds a NUL, or padding would
    cost far more than the names (``padding_pays``), they go as an object array of whole
    bytes instead.
    """
    if isinstance(members, np.ndarray):
        return members
    encoded = [m.encode("utf-8") for m in members]
    if not encoded:
        return np.empty(0, dtype="S1")
    lengths = list(map(len, encoded))
    # one join, cheaper than np.char.str_len per element
    if padding_pays(len(encoded), max(lengths), sum(lengths)) and b"\0" not in b"".join(encoded):
        return np.array(encoded, dtype=np.bytes_)
    array = np.empty(len(encoded), dtype=object)
    array[:] = encoded
    return array


_DIGIT_GROUPS = np.array([list(b"%04d" % i) for i in range(10000)], dtype=np.uint8)
_CRLF = np.frombuffer(b"\r\n", dtype=np.uint8)


def _digits(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) ASCII digits of non-negative integers, zero padded on the left."""
    groups = (width + 3) // 4
    out = np.empty((len(values), groups * 4), dtype=np.uint8)
    rest = values.astype(np.uint64)
    for group in range(groups - 1, -1, -1):
        out[:, 4 * group : 4 * group + 4] = _DIGIT_GROUPS[(rest % np.uint64(10000)).astype(np.intp)]
        rest //= np.uint64(10000)
    return out[:, groups * 4 - width :]


def _leading_zeros(values: np.ndarray, width: int) -> np.ndarray:
    """(n, width) mask of the digits to keep: no leading zeros, at least one digit."""
    limits = 10 ** np.arange(width - 1, -1, -1, dtype=np.uint64)
    keep = values.astype(np.uint64)[:, None] >= limits[None, :]
    keep[:, -1] = True
    return keep


def _bulk_strings(members: np.ndarray):
    """RESP bulk strings ``$<len>\r\n<member>\r\n`` as (bytes, keep-mask) columns.

    ``members`` is a numpy bytes array or an array of non-negative integers (feature ids,
    written in decimal).
    """
    n = len(members)
    if members.dtype.kind == "S":
        width = members.itemsize
        # numpy's S dtype drops trailing NUL bytes; these lengths follow the same rule
        lengths = np.char.str_len(members).astype(np.int64)
        body = members.view(np.uint8).reshape(n, width)
        body_keep = np.arange(width)[None, :] < lengths[:, None]
    else:
        values = members.astype(np.uint64)
        width = len(str(int(values.max()))) if n else 1
        body = _digits(values, width)
        body_keep = _leading_zeros(values, width)
        lengths = body_keep.sum(axis=1)
    length_width = len(str(width))
    columns = 1 + length_width + 2 + width + 2
    buf = np.empty((n, columns), dtype=np.uint8)
    keep = np.ones((n, columns), dtype=bool)
    buf[:, 0] = ord("$")
    buf[:, 1 : 1 + length_width] = _digits(lengths, length_width)
    keep[:, 1 : 1 + length_width] = _leading_zeros(lengths, length_width)
    at = 1 + length_width
    buf[:, at : at + 2] = _CRLF
    buf[:, at + 2 : at + 2 + width] = body
    keep[:, at + 2 : at + 2 + width] = body_keep
    buf[:, -2:] = _CRLF
    return buf, keep


def encode_zadd(key: bytes, scores: np.ndarray, members: np.ndarray) -> bytes:
    """One RESP ``ZADD key score member ...`` command built with numpy, no per-member Python.

    Scores go as 17 zero-padded digits, which ZADD parses to the same double. (A point exactly
    on the +180 meridian or the upper latitude limit has an offset of 2^26, one bit more than
    the 52 of the usual geohash, as in Redis; 2^54 still has 17 digits.)
    """
    n = len(scores)
    score_columns = np.empty((n, 24), dtype=np.uint8)
    score_columns[:, 0:5] = np.frombuffer(b"$17\r\n", dtype=np.uint8)
    score_columns[:, 5:22] = _digits(scores, 17)
    score_columns[:, 22:24] = _CRLF
    header = b"*%d\r\n$4\r\nZADD\r\n$%d\r\n%b\r\n" % (2 + 2 * n, len(key), key)
    if members.dtype.kind == "O":
        # whole bytes (see member_bytes): one Python step per member, memory as the data
        score_bytes = score_columns.tobytes()
        parts = [header]
        for i, member in enumerate(members.tolist()):
            parts.append(score_bytes[24 * i : 24 * i + 24])
            parts.append(b"$%d\r\n%b\r\n" % (len(member), member))
        return b"".join(parts)
    member_columns, member_keep = _bulk_strings(members)
    buf = np.concatenate([score_columns, member_columns], axis=1)
    keep = np.concatenate([np.ones((n, 24), dtype=bool), member_keep], axis=1)
    return header + buf[keep].tobytes()


def encode_command(*args: bytes) -> bytes:
    parts = [b"*%d\r\n" % len(args)]
    parts.extend(b"$%d\r\n%b\r\n" % (len(a), a) for a in args)
    return b"".join(parts)


def encode_score_range_commands(key: bytes, counted: list, read: list) -> list:
    """``ZCOUNT key first (end`` for each [first, end) of ``counted`` and ``ZRANGE key first
    (end BYSCORE WITHSCORES`` for each of ``read``, one RESP command each: the key encoded
    once, 0.3 µs a command where ``encode_command`` took 0.9."""
    key_part = b"$%d\r\n%b\r\n" % (len(key), key)
    zcount = b"*4\r\n$6\r\nZCOUNT\r\n" + key_part
    zrange = b"*6\r\n$6\r\nZRANGE\r\n" + key_part
    withscores = b"$7\r\nBYSCORE\r\n$10\r\nWITHSCORES\r\n"
    return [zcount + _score_range(a, b) for a, b in counted] + [
        zrange + _score_range(a, b) + withscores for a, b in read
    ]


def _score_range(first: int, end: int) -> bytes:
    a, b = b"%d" % first, b"(%d" % end
    return b"$%d\r\n%b\r\n$%d\r\n%b\r\n" % (len(a), a, len(b), b)


def encode_hset(key: bytes, members, rows: list) -> bytes:
    """``HSET key member row ...``; ``members``: bytes, or a numpy array of ``S`` names or
    integers (feature ids).

    One bytes format per pair: 9 ms for 20,000 pairs, where framing them as numpy byte columns
    (``_bulk_strings``) took 11 to 21 ms.
    """
    if isinstance(members, np.ndarray):
        members = [m if isinstance(m, bytes) else b"%d" % m for m in members.tolist()]
    parts = [b"*%d\r\n$4\r\nHSET\r\n$%d\r\n%b\r\n" % (2 + 2 * len(members), len(key), key)]
    parts.extend(
        b"$%d\r\n%b\r\n$%d\r\n%b\r\n" % (len(m), m, len(r), r) for m, r in zip(members, rows)
    )
    return b"".join(parts)


def read_replies(connection, count: int) -> list:
    """The next ``count`` replies on a redis-py ``connection``, an error reply as its
    ResponseError (not raised), parsed by one hiredis Reader off the connection's socket.

    A nearest search from afar sends hundreds of ZCOUNTs in one MULTI/EXEC: for 256 of them,
    redis-py's pipeline (its objects, packing, a ``read_response`` per reply, the +QUEUED
    lines included) took 1.14 ms of client CPU, this and ``encode_score_range_commands``
    0.47 ms (Redis 7.0, hiredis 3.5, the machine shared). The
    socket is redis-py's own (``clients.DeadlineSocket``: the deadline armed at the send
    holds for these reads), and a failure leaves the connection to be dropped
    (``clients.pooled_connection``). Without hiredis, or on RESP3, redis-py reads them.
    """
    if _hiredis is None or str(getattr(connection, "protocol", 2) or 2) != "2":
        replies = []
        for _ in range(count):
            try:
                replies.append(connection.read_response())
            except redis.ResponseError as exc:
                replies.append(exc)
        return replies
    reader = _hiredis.Reader(protocolError=redis.InvalidResponse, replyError=redis.ResponseError)
    sock = connection._sock  # redis-py's own attribute, read by its parser the same way
    replies = []
    while len(replies) < count:
        reply = reader.gets()
        if reply is not False:
            replies.append(reply)
            continue
        chunk = recv_chunk(sock)
        reader.feed(chunk)
    if reader.gets() is not False:
        raise redis.InvalidResponse("Protocol error: more replies than commands")
    # redis-py's exception classes (MovedError, AskError...), as its parser would raise them;
    # an error inside an EXEC reply stays a ResponseError
    parse = getattr(connection._parser, "parse_error", None)
    if parse is None:
        return replies
    return [parse(str(r)) if isinstance(r, redis.ResponseError) else r for r in replies]
