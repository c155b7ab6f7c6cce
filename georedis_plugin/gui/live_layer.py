"""The live layer: a memory point layer showing a LiveReader's latest positions, updated on
the main thread in batches (``apply``).

Each point carries its ts (ms since the epoch) as its M value, so that a move is one geometry
change and no attribute change: ``ts_ms``, ``ts`` (date-time) and ``age_s`` are expression
fields computed when read (ages stay right between updates). Each value handed to Qt costs a
conversion and a GIL hand-over with the reader thread: 2,500 moves took 75 ms with ts as a
date-time attribute, 30 ms as a number attribute, 25-40 ms as M values (2 cores, shared,
load 6).
"""

import gc
import itertools
import time

from qgis.core import (
    Qgis,
    QgsExpressionContextUtils,
    QgsFeature,
    QgsGeometry,
    QgsMessageLog,
    QgsPoint,
    QgsVectorLayer,
)
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QTimer

from ..core.compat import FieldType, make_field
from ..core.live.reader import Changes
from ..core.live.wire import display


def _warn(message: str) -> None:
    QgsMessageLog.logMessage(message, "GeoRedis", Qgis.MessageLevel.Warning)


TS_MS_EXPRESSION = "m($geometry)"
TS_EXPRESSION = "datetime_from_epoch(m($geometry))"
AGE_EXPRESSION = "(epoch(now()) - m($geometry)) / 1000.0"


def point_geometry(position) -> QgsGeometry:
    """The live layer's geometry of ``position``: the reader builds them on its thread
    (``LiveReader(prepare=point_geometry)``)."""
    # positional z=None, m: a PointM, 30 % quicker through sip than the m= keyword
    return QgsGeometry(QgsPoint(position.lon, position.lat, None, float(position.ts)))


class LiveLayer:
    def __init__(self, name: str):
        self.layer = QgsVectorLayer("PointM?crs=EPSG:4326&field=id:string", name, "memory")
        self.layer.addExpressionField(TS_MS_EXPRESSION, make_field("ts_ms", FieldType.DOUBLE))
        self.layer.addExpressionField(TS_EXPRESSION, make_field("ts", FieldType.DATE_TIME))
        self.layer.addExpressionField(AGE_EXPRESSION, make_field("age_s", FieldType.DOUBLE))
        self.fids = {}  # id -> feature id
        self.shown = {}  # id -> the Position on the layer
        self.attribute_index = {}  # attribute name -> field index
        QgsExpressionContextUtils.setLayerVariable(self.layer, "georedis_live", name)

    def _add_attribute_fields(self, positions) -> None:
        known = self.attribute_index.keys()
        names = set()
        for position in positions:
            if not known >= position.attributes.keys():
                names.update(position.attributes.keys() - known)
        taken = {f.name().lower() for f in self.layer.fields()}  # id, ts, age_s and others
        fresh = []
        for name in sorted(names):
            field_name = f"attr_{name}" if name.lower() in taken else name
            fresh.append((name, make_field(field_name, FieldType.STRING)))
        if not fresh:
            return
        provider = self.layer.dataProvider()
        if not provider.addAttributes([field for _, field in fresh]):
            raise RuntimeError("the memory layer refused new fields")
        self.layer.updateFields()
        for name, field in fresh:
            self.attribute_index[name] = provider.fields().lookupField(field.name())

    def apply(self, changes, repaint: bool = True) -> None:
        """Apply a LiveReader's ``Changes``: one provider call per kind, then a repaint. The
        geometries come from ``changes.prepared`` where the reader built them."""
        provider = self.layer.dataProvider()
        updated = list(changes.updated.values())
        if updated:
            self._add_attribute_fields(updated)
        if changes.removed:
            for ident in changes.removed:
                self.shown.pop(ident, None)
            gone = [self.fids.pop(i) for i in changes.removed if i in self.fids]
            if not provider.deleteFeatures(gone):
                _warn(f"the live layer could not drop {len(gone)} expired ids")
        geometries, values, new = {}, {}, []
        fields = provider.fields()  # the expression field (age_s) is the layer's, not theirs
        index = self.attribute_index
        prepared = changes.prepared
        for position in updated:
            before = self.shown.get(position.id)
            self.shown[position.id] = position
            geometry = prepared.get(position.id)
            if geometry is None:
                geometry = point_geometry(position)
            if before is None:
                new.append((position.id, self._feature(fields, position, geometry)))
                continue
            # only what changed: each value crosses into Qt as a QVariant
            fid = self.fids[position.id]
            geometries[fid] = geometry
            row = {}
            old = before.attributes
            for name, value in position.attributes.items():
                if old.get(name) != value:
                    row[index[name]] = value
            for name in old.keys() - position.attributes.keys():
                row[index[name]] = None
            if row:
                values[fid] = row
        if (geometries and not provider.changeGeometryValues(geometries)) or (
            values and not provider.changeAttributeValues(values)
        ):
            _warn(f"the live layer could not update {len(values)} ids")
        if new:
            ok, added = provider.addFeatures([feature for _, feature in new])
            if not ok:
                _warn(f"the live layer could not add {len(new)} ids")
            for (ident, _), feature in zip(new, added if ok else ()):
                self.fids[ident] = feature.id()
        if repaint:
            self.layer.triggerRepaint()

    def _feature(self, fields, position, geometry) -> QgsFeature:
        feature = QgsFeature(fields)
        feature.setGeometry(geometry)
        attributes = [None] * fields.count()
        attributes[0] = display(position.id)
        for name, value in position.attributes.items():
            attributes[self.attribute_index[name]] = value
        feature.setAttributes(attributes)
        return feature


_following = 0  # LayerFeeds open: the heap stays frozen while there is one


def _freeze_heap() -> None:
    """Keep Python's full garbage collections off what QGIS had before following.

    Following 10,000 updates/s keeps that many objects alive for about a second, which makes
    Python run a full collection every 2 s; each walked the whole QGIS heap in 40-66 ms
    (250 ms on a loaded machine) holding the GIL, and was the longest event-loop stall of
    ``make bench live``. Frozen (``gc.freeze``), the objects already there are skipped: the
    collections took 7-14 ms. Frozen objects are still freed by reference counting; only
    garbage cycles among them wait until the last feed closes (``gc.unfreeze``)."""
    global _following
    if _following == 0:
        gc.freeze()
    _following += 1


def _unfreeze_heap() -> None:
    global _following
    _following -= 1
    if _following == 0:
        gc.unfreeze()


class LayerFeed:
    """Feeds a LiveLayer from a LiveReader without holding the event loop for long.

    ``tick()`` (every 250 ms) takes the reader's changes and applies them ``CHUNK`` ids at a
    time, going back to the event loop between chunks (a 0 ms timer) and repainting once the
    batch is done: at most one repaint a tick. Applying 10,000 ids at once took 320 ms
    (2 cores, shared), 2,500 about 75 ms; with the reader thread busy, 1,000 took up to
    135 ms. The geometries come built by the reader's thread (``point_geometry``): a chunk of
    500 then takes about 2 ms instead of 4. Changes arriving meanwhile are merged, one
    position per id (latest-position semantics, bounded memory).
    """

    CHUNK = 500

    def __init__(self, live_layer: LiveLayer, take, canvas=None):
        self.live_layer, self.take = live_layer, take
        # A repaint while the canvas draws restarts its drawing: with a map slower to draw
        # than a tick, it would never finish. Then repaint when it has finished instead.
        self.canvas = canvas
        self.repaint_due = False
        if canvas is not None:
            canvas.mapCanvasRefreshed.connect(self._canvas_drawn)
        self.updated, self.removed, self.prepared = {}, set(), {}
        self.working = False
        # the next chunk, as a timer: QTimer.singleShot(0) posts an event instead, and posted
        # events ran chunk after chunk before any timer that was due (stalls of 107 ms)
        self.next_chunk = QTimer()
        self.next_chunk.setSingleShot(True)
        self.next_chunk.setInterval(0)
        self.next_chunk.timeout.connect(self._work)
        self.open = True
        _freeze_heap()
        self.lag_s = None  # now - ts of the newest position on the layer, at its last batch

    def tick(self):
        """The reader's status and the geofence events since the last tick."""
        changes = self.take()
        prepared = changes.prepared
        for ident in changes.removed:
            self.updated.pop(ident, None)
            self.prepared.pop(ident, None)
            self.removed.add(ident)
        for ident, position in changes.updated.items():
            self.removed.discard(ident)
            self.updated[ident] = position
            geometry = prepared.get(ident)
            if geometry is None:
                self.prepared.pop(ident, None)  # built from the position when applied
            else:
                self.prepared[ident] = geometry
        if not self.working:
            self._work()
        if self.lag_s is not None:
            changes.status.lag_s = self.lag_s  # what the map shows, not only the reader
        return changes.status, changes.events

    def _repaint(self) -> None:
        if self.canvas is not None and self.canvas.isDrawing():
            self.repaint_due = True
        else:
            self.live_layer.layer.triggerRepaint()

    def _canvas_drawn(self) -> None:
        if self.repaint_due and not sip.isdeleted(self.live_layer.layer):
            self.repaint_due = False
            self.live_layer.layer.triggerRepaint()

    def close(self) -> None:
        if self.open:
            self.open = False
            self.next_chunk.stop()
            _unfreeze_heap()
        if self.canvas is not None:
            self.canvas.mapCanvasRefreshed.disconnect(self._canvas_drawn)
            self.canvas = None

    @property
    def pending(self) -> int:
        return len(self.updated) + len(self.removed)

    def _work(self) -> None:
        if sip.isdeleted(self.live_layer.layer):
            self.updated, self.removed, self.prepared, self.working = {}, set(), {}, False
            return
        chunk = Changes(removed=self.removed)
        self.removed = set()
        for ident in list(itertools.islice(self.updated, self.CHUNK)):
            chunk.updated[ident] = self.updated.pop(ident)
            geometry = self.prepared.pop(ident, None)
            if geometry is not None:
                chunk.prepared[ident] = geometry
        more = bool(self.updated)
        self.live_layer.apply(chunk, repaint=False)
        if not more:
            self._repaint()
        if chunk.updated:
            newest = max(p.ts for p in chunk.updated.values())
            self.lag_s = max(0.0, time.time() - newest / 1000.0)
        self.working = more
        if more:
            self.next_chunk.start()
