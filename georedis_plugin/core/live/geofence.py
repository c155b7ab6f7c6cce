"""Geofences: which fences contain a position, and the enter/exit events of ids moving.

An id's first position sets its state without an event (the state before it is unknown);
each later position that is inside other fences than the id's previous one gives one
``enter`` per fence entered and one ``exit`` per fence left. The live reader and the
``geofenceevents`` algorithm use the same tracker, so they report the same events.
"""

from dataclasses import dataclass

from qgis.core import Qgis, QgsCsException, QgsGeometry, QgsPointXY, QgsRectangle, QgsSpatialIndex

ENTER, EXIT = "enter", "exit"


@dataclass(frozen=True)
class FenceEvent:
    id: str
    fence: str
    kind: str  # ENTER or EXIT
    ts: int
    lon: float
    lat: float
    entry_id: str = ""  # of the position that gave it: the same for every reader


def fences_in_wgs84(features, transform, name_of) -> tuple:
    """``([(name, geometry in WGS 84)], skipped)`` of fence features: ``transform`` takes the
    features' CRS to WGS 84 and ``name_of(feature)`` gives each name. Features without a
    geometry, with an empty one or one that does not transform are skipped and counted."""
    fences, skipped = [], 0
    for feature in features:
        geometry = feature.geometry()
        if geometry.isNull() or geometry.isEmpty():
            skipped += 1
            continue
        try:
            failed = geometry.transform(transform) != Qgis.GeometryOperationResult.Success
        except QgsCsException:
            failed = True
        if failed:
            skipped += 1
            continue
        fences.append((str(name_of(feature)), geometry))
    return fences, skipped


class Fences:
    """Polygons in WGS 84 degrees, each with a name; prepared for point-in-polygon tests."""

    def __init__(self, fences):
        self.names, self._engines = [], []
        self._index = QgsSpatialIndex()
        for name, geometry in fences:
            if geometry is None or geometry.isEmpty():
                continue
            engine = QgsGeometry.createGeometryEngine(geometry.constGet())
            engine.prepareGeometry()
            if not self._index.addFeature(len(self.names), geometry.boundingBox()):
                raise ValueError(f"fence {name!r}: its bounding box could not be indexed")
            self.names.append(str(name))
            self._engines.append(engine)

    def __len__(self):
        return len(self.names)

    def containing(self, lon: float, lat: float) -> frozenset:
        point = QgsGeometry.fromPointXY(QgsPointXY(lon, lat))
        candidates = self._index.intersects(QgsRectangle(lon, lat, lon, lat))
        return frozenset(
            self.names[i] for i in candidates if self._engines[i].intersects(point.constGet())
        )


class FenceTracker:
    """The fences each id is inside, updated position by position."""

    def __init__(self, fences: Fences):
        self.fences = fences
        self.inside = {}

    def update(self, position) -> list:
        now = self.fences.containing(position.lon, position.lat)
        before = self.inside.get(position.id)
        self.inside[position.id] = now
        if before is None or before == now:
            return []

        def event(fence, kind):
            return FenceEvent(
                position.id,
                fence,
                kind,
                position.ts,
                position.lon,
                position.lat,
                position.entry_id,
            )

        return [event(f, EXIT) for f in sorted(before - now)] + [
            event(f, ENTER) for f in sorted(now - before)
        ]

    def forget(self, ident) -> None:
        self.inside.pop(ident, None)
