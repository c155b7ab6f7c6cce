"""The keys of one live stream; all share the hash tag ``{<name>}``, so one Redis Cluster slot.

<prefix>:live:{<name>}          the stream producers XADD to (the wire format, see ``wire``)
<prefix>:live:{<name>}:pos      geo set: the latest position of every id
<prefix>:live:{<name>}:seen     sorted set: id -> its latest ts (ms since epoch)
<prefix>:live:{<name>}:state    hash: id -> its latest entry (JSON array, see ``fold``)
<prefix>:live:{<name>}:meta     hash: cursor (last folded entry id), folded, skipped:<reason>
<prefix>:live:{<name>}:events   stream of geofence enter/exit events
"""

from dataclasses import dataclass

from ...i18n import tr
from ..errors import GeoRedisError
from ..geoset import decode_tag, encode_tag


@dataclass(frozen=True)
class LiveKeys:
    name: str
    stream: str
    pos: str
    seen: str
    state: str
    meta: str
    events: str

    @property
    def events_seen(self) -> str:
        return f"{self.events}:seen"

    @classmethod
    def for_name(cls, prefix: str, name: str) -> "LiveKeys":
        name = (name or "").strip()
        if not name:
            raise GeoRedisError(tr("A live stream needs a name. Type the stream's name."))
        base = f"{prefix}:live:{{{encode_tag(name)}}}"
        return cls(
            name,
            base,
            f"{base}:pos",
            f"{base}:seen",
            f"{base}:state",
            f"{base}:meta",
            f"{base}:events",
        )

    @property
    def folded_keys(self) -> list:
        """KEYS of the fold script, in its order."""
        return [self.stream, self.pos, self.seen, self.state, self.meta]


def stream_name(prefix: str, key: str) -> str:
    """The stream name in ``<prefix>:live:{<name>}``, or '' if ``key`` is another key."""
    start = f"{prefix}:live:{{"
    if not key.startswith(start) or not key.endswith("}"):
        return ""
    tag = key[len(start) : -1]
    return "" if "}" in tag or "{" in tag else decode_tag(tag)
