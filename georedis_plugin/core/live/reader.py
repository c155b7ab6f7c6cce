"""Following a live stream on a worker thread: the latest position of every id, in memory.

The thread starts from the server's folded state (``fold`` with a snapshot: no history is
replayed), then reads the entries after that state's cursor with blocking XREAD (plain XREAD,
not a consumer group: every reader needs every entry) and folds the server's state now and
then for readers joining later. The UI thread never waits on it: it calls ``take()``, which
hands over, under a lock, the ids changed and dropped since the previous call (one Position
per id, so a slow UI keeps latest-position semantics in bounded memory) and the status. When
Redis fails the thread reports it, waits with exponential backoff and resumes after the last
entry it applied, so that no entry is applied twice or lost.
"""

import threading
import time
from dataclasses import dataclass, field

from ...i18n import tr
from ..errors import REDIS_ERRORS, GeoRedisError
from . import wire
from .events import publish_events
from .fold import fold

CONNECTING, FOLLOWING, DOWN, STOPPED = "connecting", "following", "down", "stopped"
BACKOFF_FIRST_S, BACKOFF_MAX_S = 0.5, 10.0
EXPIRE_EVERY_S = 0.25
# fold calls (of FOLD_BATCH entries) at start, and each second: 20,000 entries a second keep
# up with 10,000 updates/s and catch up a backlog, without holding the reader long
START_FOLD_CALLS, FOLD_CALLS = 5, 10


@dataclass
class Status:
    state: str = CONNECTING
    message: str = ""
    updates_per_s: float = 0.0
    lag_s: float = 0.0  # now - ts of the newest entry applied
    ids: int = 0
    skipped: int = 0
    applied: int = 0
    retry_in_s: float = 0.0


@dataclass
class Changes:
    updated: dict = field(default_factory=dict)  # id -> Position
    removed: set = field(default_factory=set)
    events: list = field(default_factory=list)  # FenceEvent
    status: Status = field(default_factory=Status)
    prepared: dict = field(default_factory=dict)  # id -> prepare(position), see LiveReader


class LiveReader:
    """``client_factory()`` gives the redis-py client (called again after a failure);
    ``explain(exc)`` turns a Redis error into the status message; ``tracker`` (a
    FenceTracker) adds geofence events, also XADDed to the stream's events key;
    ``make_tracker()``, if given, is called first on the worker thread and gives the tracker
    (the panel reads and prepares its fences there, off the UI thread: world_map's 4,556
    provinces take 0.24 s, 14 ms of it on the UI thread);
    ``observer(positions)``, if given, is called on the worker thread with every batch;
    ``prepare(position)``, if given, is called on the worker thread for every position handed
    over, its result in ``Changes.prepared`` (the live layer builds its geometries there, so
    that the UI thread makes one Qt call per batch instead of two per position)."""

    def __init__(
        self,
        client_factory,
        keys,
        ttl_s: float,
        *,
        explain=str,
        tracker=None,
        make_tracker=None,
        observer=None,
        prepare=None,
        block_ms: int = 200,
        batch: int = 2000,  # entries per XREAD: hiredis holds the GIL while it parses a reply
        fold_every_s: float = 1.0,
        clock=time.time,
    ):
        self.client_factory, self.keys, self.ttl_s = client_factory, keys, float(ttl_s)
        self.explain, self.tracker, self.observer = explain, tracker, observer
        self.prepare, self.make_tracker = prepare, make_tracker
        self.block_ms, self.batch, self.fold_every_s, self.clock = (
            block_ms,
            batch,
            fold_every_s,
            clock,
        )
        self.cursor = None  # last entry applied (None: not started from the state yet)
        self.latest = {}  # id -> Position, worker thread only
        self._lock = threading.Lock()
        self._pending = Changes()
        self._status = Status()
        self._stop = threading.Event()
        self._thread = None
        self._rate = []  # (time, entries) of recent reads, for updates/s
        self._last_expiry = 0.0

    # -- UI side -------------------------------------------------------------------------------

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="georedis-live", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def status(self) -> Status:
        """The status now, leaving the changes for ``take()``."""
        with self._lock:
            return Status(**vars(self._status))

    def take(self) -> Changes:
        """What changed since the last call, and the status now (thread-safe, never waits on
        the network)."""
        with self._lock:
            changes, self._pending = self._pending, Changes()
            changes.status = Status(**vars(self._status))
        return changes

    # -- worker thread -------------------------------------------------------------------------

    def _set_status(self, **values) -> None:
        with self._lock:
            for name, value in values.items():
                setattr(self._status, name, value)

    def _run(self) -> None:
        if self.make_tracker is not None:
            try:
                self.tracker = self.make_tracker()
            except Exception as exc:  # the positions are still worth following
                _log(f"Live reader of {self.keys.stream}: no geofences: "
                     f"{type(exc).__name__}: {exc}")  # fmt: skip
        backoff = BACKOFF_FIRST_S
        last_fold = 0.0
        while not self._stop.is_set():
            try:
                client = self.client_factory()
                if self.cursor is None:
                    self._start_from_state(client)
                    last_fold = time.monotonic()
                self._follow(client)
                if time.monotonic() - last_fold >= self.fold_every_s:
                    fold(client, self.keys, window_s=self.ttl_s, max_calls=FOLD_CALLS)
                    last_fold = time.monotonic()
                self._expire()
                backoff = BACKOFF_FIRST_S
            except (GeoRedisError, *REDIS_ERRORS) as exc:
                message = str(exc) if isinstance(exc, GeoRedisError) else self.explain(exc)
                self._set_status(state=DOWN, message=message, retry_in_s=backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX_S)
            except Exception as exc:  # the thread must outlive any failure
                # e.g. ValueError from redis-py when the pooled client is closed under a
                # blocking XREAD (settings changed): log it, then retry like a Redis failure
                _log(f"Live reader of {self.keys.stream}: {type(exc).__name__}: {exc}")
                self._set_status(state=DOWN, message=str(exc), retry_in_s=backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX_S)
        self._set_status(state=STOPPED)

    def _start_from_state(self, client) -> None:
        result = fold(
            client,
            self.keys,
            snapshot=True,
            ttl_s=self.ttl_s,
            window_s=self.ttl_s,
            max_calls=START_FOLD_CALLS,
        )
        if result.more:
            # Far behind (nobody folded for long): take the state as it is and catch up by
            # reading after its cursor here, faster than the fold (the periodic folds catch the
            # server's state up meanwhile)
            result = fold(client, self.keys, snapshot=True, ttl_s=self.ttl_s, read_entries=False)
        prepared = self._prepared(result.positions)
        with self._lock:
            for position in result.positions:
                self.latest[position.id] = position
                self._pending.updated[position.id] = position
            self._pending.prepared.update(prepared)
            self._status.ids = len(self.latest)
            # only once what it covers can be taken: a cursor seen is a cursor take() holds
            self.cursor = result.cursor
        if self.tracker is not None:
            for position in result.positions:
                self.tracker.update(position)
        self._set_status(state=FOLLOWING, message="", retry_in_s=0.0)

    def _follow(self, client) -> None:
        reply = client.xread({self.keys.stream: self.cursor}, count=self.batch, block=self.block_ms)
        entries = reply[0][1] if reply else []  # RESP2: [[stream, [(id, fields), ...]]]
        applied, skipped, events = [], 0, []
        for entry_id, fields in entries:
            position, _ = wire.parse_entry(entry_id, fields)
            if position is None:
                skipped += 1
                continue
            old = self.latest.get(position.id)
            if old is not None and old.ts > position.ts:
                continue  # older than what is shown: latest-position semantics
            self.latest[position.id] = position
            applied.append(position)
            if self.tracker is not None:
                events.extend(self.tracker.update(position))
        now = self.clock()
        self._rate = [(t, n) for t, n in self._rate if now - t < 5.0] + [(now, len(entries))]
        span = max(now - self._rate[0][0], 1.0)
        prepared = self._prepared(applied)
        with self._lock:
            for position in applied:
                self._pending.updated[position.id] = position
            self._pending.prepared.update(prepared)
            self._pending.events.extend(events)
            if entries:  # as at the start: after the changes it covers are there to take
                self.cursor = wire.text(entries[-1][0])
            status = self._status
            status.state, status.message, status.retry_in_s = FOLLOWING, "", 0.0
            status.applied += len(applied)
            status.skipped += skipped
            status.updates_per_s = sum(n for _, n in self._rate) / span
            if applied:
                status.lag_s = max(0.0, now - max(p.ts for p in applied) / 1000.0)
            status.ids = len(self.latest)
        if events:  # after the hand-over: a failure here loses no update
            self._publish_events(client, events)
        if self.observer is not None and (applied or skipped):
            self.observer(applied)

    def _prepared(self, positions) -> dict:
        if self.prepare is None:
            return {}
        return {position.id: self.prepare(position) for position in positions}

    def _publish_events(self, client, events) -> None:
        try:
            publish_events(client, self.keys, events)
        except REDIS_ERRORS as exc:
            # shown in QGIS all the same; only other systems miss them
            _log(f"Could not write {len(events)} geofence events to {self.keys.events}: "
                 f"{self.explain(exc)}")  # fmt: skip

    def _expire(self) -> None:
        if self.ttl_s <= 0 or time.monotonic() - self._last_expiry < EXPIRE_EVERY_S:
            return
        self._last_expiry = time.monotonic()
        floor = (self.clock() - self.ttl_s) * 1000.0
        gone = [ident for ident, p in self.latest.items() if p.ts < floor]
        if not gone:
            return
        with self._lock:
            for ident in gone:
                del self.latest[ident]
                self._pending.updated.pop(ident, None)
                self._pending.prepared.pop(ident, None)
                self._pending.removed.add(ident)
            self._status.ids = len(self.latest)
        if self.tracker is not None:
            for ident in gone:
                self.tracker.forget(ident)


def _log(message: str) -> None:
    from qgis.core import Qgis, QgsMessageLog

    QgsMessageLog.logMessage(message, "GeoRedis", Qgis.MessageLevel.Warning)


def status_text(status: Status) -> str:
    """The panel's status line."""
    if status.state == DOWN:
        return tr("Redis unreachable, retrying in {s:g} s: {error}").format(
            s=status.retry_in_s, error=status.message
        )
    if status.state == CONNECTING:
        return tr("Connecting…")
    if status.state == STOPPED:
        return tr("Stopped.")
    return tr(
        "{rate:.0f} updates/s, lag {lag:.2f} s, {ids} ids shown, {skipped} entries skipped"
    ).format(rate=status.updates_per_s, lag=status.lag_s, ids=status.ids, skipped=status.skipped)
