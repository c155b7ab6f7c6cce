"""The live layer: a memory point layer showing a LiveReader's latest positions, updated on
the main thread in batches (``apply``). It stores ``ts_ms``; ``ts`` (date-time) and ``age_s``
are expression fields computed when read, so ages stay right between updates and an update
costs no QDateTime (each call into Qt takes the GIL again, which the reader thread holds
while it parses)."""

import itertools
import time

from qgis.core import (
    Qgis,
    QgsExpressionContextUtils,
    QgsFeature,
    QgsGeometry,
    QgsMessageLog,
    QgsPointXY,
    QgsVectorLayer,
)
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QTimer

from ..core.compat import FieldType, make_field
from ..core.live.reader import Changes
from ..core.live.wire import display


def _warn(message: str) -> None:
    QgsMessageLog.logMessage(message, "GeoRedis", Qgis.MessageLevel.Warning)


TS_EXPRESSION = 'datetime_from_epoch("ts_ms")'
AGE_EXPRESSION = '(epoch(now()) - "ts_ms") / 1000.0'


class LiveLayer:
    def __init__(self, name: str):
        self.layer = QgsVectorLayer(
            "Point?crs=EPSG:4326&field=id:string&field=ts_ms:long", name, "memory"
        )
        self.layer.addExpressionField(TS_EXPRESSION, make_field("ts", FieldType.DATE_TIME))
        self.layer.addExpressionField(AGE_EXPRESSION, make_field("age_s", FieldType.DOUBLE))
        self.fids = {}  # id -> feature id
        self.shown = {}  # id -> the Position on the layer
        self.attribute_index = {}  # attribute name -> field index
        QgsExpressionContextUtils.setLayerVariable(self.layer, "georedis_live", name)

    def _add_attribute_fields(self, positions) -> None:
        names = {n for p in positions for n in p.attributes} - set(self.attribute_index)
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
        """Apply a LiveReader's ``Changes``: one provider call per kind, then a repaint."""
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
        for position in updated:
            before = self.shown.get(position.id)
            self.shown[position.id] = position
            if before is None:
                new.append((position.id, self._feature(fields, position)))
                continue
            # only what changed: each value crosses into Qt as a QVariant
            fid = self.fids[position.id]
            if (before.lon, before.lat) != (position.lon, position.lat):
                geometries[fid] = QgsGeometry.fromPointXY(QgsPointXY(position.lon, position.lat))
            row = {1: position.ts}
            old = before.attributes
            for name, value in position.attributes.items():
                if old.get(name) != value:
                    row[index[name]] = value
            for name in old.keys() - position.attributes.keys():
                row[index[name]] = None
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

    def _feature(self, fields, position) -> QgsFeature:
        feature = QgsFeature(fields)
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(position.lon, position.lat)))
        attributes = [None] * fields.count()
        attributes[0], attributes[1] = display(position.id), position.ts
        for name, value in position.attributes.items():
            attributes[self.attribute_index[name]] = value
        feature.setAttributes(attributes)
        return feature


class LayerFeed:
    """Feeds a LiveLayer from a LiveReader without holding the event loop for long.

    ``tick()`` (every 250 ms) takes the reader's changes and applies them ``CHUNK`` ids at a
    time, going back to the event loop between chunks (``QTimer.singleShot(0)``) and repainting
    once the batch is done: at most one repaint a tick. Applying 10,000 ids at once took
    320 ms (2 cores, shared), 2,500 about 75 ms; with the reader thread busy, 1,000 took up to
    135 ms. Changes arriving meanwhile are merged, one position per id (latest-position
    semantics, bounded memory).
    """

    CHUNK = 500

    def __init__(self, live_layer: LiveLayer, take):
        self.live_layer, self.take = live_layer, take
        self.updated, self.removed = {}, set()
        self.working = False
        self.lag_s = None  # now - ts of the newest position on the layer, at its last batch

    def tick(self):
        """The reader's status and the geofence events since the last tick."""
        changes = self.take()
        for ident in changes.removed:
            self.updated.pop(ident, None)
            self.removed.add(ident)
        for ident, position in changes.updated.items():
            self.removed.discard(ident)
            self.updated[ident] = position
        if not self.working:
            self._work()
        if self.lag_s is not None:
            changes.status.lag_s = self.lag_s  # what the map shows, not only the reader
        return changes.status, changes.events

    @property
    def pending(self) -> int:
        return len(self.updated) + len(self.removed)

    def _work(self) -> None:
        if sip.isdeleted(self.live_layer.layer):
            self.updated, self.removed, self.working = {}, set(), False
            return
        chunk = Changes(removed=self.removed)
        self.removed = set()
        for ident in list(itertools.islice(self.updated, self.CHUNK)):
            chunk.updated[ident] = self.updated.pop(ident)
        more = bool(self.updated)
        self.live_layer.apply(chunk, repaint=not more)
        if chunk.updated:
            newest = max(p.ts for p in chunk.updated.values())
            self.lag_s = max(0.0, time.time() - newest / 1000.0)
        self.working = more
        if more:
            QTimer.singleShot(0, self._work)
