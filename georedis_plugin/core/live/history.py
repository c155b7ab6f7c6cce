"""Reading past positions from a live stream, selected by their ``ts``."""

from ..clients import on_slot
from . import wire
from .keys import LiveKeys

PAGE = 10000
# An entry arrives at or after its ts (a producer's clock may run this much ahead of the
# server's): entries with ts >= start are all among those arriving from start - ARRIVAL_SLACK.
ARRIVAL_SLACK_MS = 60_000


class History:
    """Iterates over the valid positions with ``start_ms <= ts <= end_ms`` (None: open), in
    stream order, reading ``PAGE`` entries at a time (never the whole selection at once);
    ``skipped`` counts the invalid entries met, by reason. ``until_id``: read no entry after
    that one (a second pass over what a first one read, whose ``last_id`` it is)."""

    def __init__(
        self,
        client,
        keys: LiveKeys,
        start_ms=None,
        end_ms=None,
        ids=None,
        feedback=None,
        until_id=None,
    ):
        self.client, self.keys = client, keys
        self.start_ms, self.end_ms = start_ms, end_ms
        self.ids = set(ids) if ids else None
        self.feedback = feedback
        self.until_id = until_id
        self.skipped = dict.fromkeys(wire.REASONS, 0)
        self.read = 0
        self.last_id = None  # of the last entry read, valid or not

    def __iter__(self):
        low = "-" if self.start_ms is None else str(max(0, self.start_ms - ARRIVAL_SLACK_MS))
        high = "+" if self.until_id is None else self.until_id
        while True:
            if self.feedback is not None and self.feedback.isCanceled():
                return
            page = on_slot(
                self.client,
                self.keys.stream,
                lambda node, low=low: node.xrange(self.keys.stream, low, high, count=PAGE),
            )
            if page:
                self.last_id = wire.text(page[-1][0])
            for entry_id, fields in page:
                self.read += 1
                position, reason = wire.parse_entry(entry_id, fields)
                if position is None:
                    self.skipped[reason] += 1
                    continue
                if self.start_ms is not None and position.ts < self.start_ms:
                    continue
                if self.end_ms is not None and position.ts > self.end_ms:
                    continue
                if self.ids is not None and position.id not in self.ids:
                    continue
                yield position
            if len(page) < PAGE:
                return
            low = "(" + self.last_id

    @property
    def skipped_total(self) -> int:
        return sum(self.skipped.values())
