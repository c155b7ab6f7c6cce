"""The live layer: a memory point layer showing a LiveReader's latest positions, updated on
the main thread in batches (``apply``), with ``age_s`` computed when read (an expression field,
so ages stay right between updates)."""

from qgis.core import (
    Qgis,
    QgsExpressionContextUtils,
    QgsFeature,
    QgsGeometry,
    QgsMessageLog,
    QgsPointXY,
    QgsVectorLayer,
)

from ..core.compat import FieldType, make_field
from ..core.live.features import utc
from ..core.live.wire import display


def _warn(message: str) -> None:
    QgsMessageLog.logMessage(message, "GeoRedis", Qgis.MessageLevel.Warning)


AGE_EXPRESSION = '(epoch(now()) - epoch("ts")) / 1000.0'


class LiveLayer:
    def __init__(self, name: str):
        self.layer = QgsVectorLayer(
            "Point?crs=EPSG:4326&field=id:string&field=ts:datetime", name, "memory"
        )
        self.layer.addExpressionField(AGE_EXPRESSION, make_field("age_s", FieldType.DOUBLE))
        self.fids = {}  # id -> feature id
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

    def apply(self, changes) -> None:
        """Apply a LiveReader's ``Changes``: one provider call per kind, one repaint."""
        provider = self.layer.dataProvider()
        updated = list(changes.updated.values())
        if updated:
            self._add_attribute_fields(updated)
        if changes.removed:
            gone = [self.fids.pop(i) for i in changes.removed if i in self.fids]
            if not provider.deleteFeatures(gone):
                _warn(f"the live layer could not drop {len(gone)} expired ids")
        geometries, values, new = {}, {}, []
        fields = provider.fields()  # the expression field (age_s) is the layer's, not theirs
        for position in updated:
            geometry = QgsGeometry.fromPointXY(QgsPointXY(position.lon, position.lat))
            row = {0: display(position.id), 1: utc(position.ts)}
            for name, value in position.attributes.items():
                row[self.attribute_index[name]] = value
            fid = self.fids.get(position.id)
            if fid is None:
                feature = QgsFeature(fields)
                feature.setGeometry(geometry)
                attributes = [None] * fields.count()
                for index, value in row.items():
                    attributes[index] = value
                feature.setAttributes(attributes)
                new.append((position.id, feature))
            else:
                geometries[fid] = geometry
                values[fid] = row
        if geometries and not (
            provider.changeGeometryValues(geometries) and provider.changeAttributeValues(values)
        ):
            _warn(f"the live layer could not move {len(geometries)} ids")
        if new:
            ok, added = provider.addFeatures([feature for _, feature in new])
            if not ok:
                _warn(f"the live layer could not add {len(new)} ids")
            for (ident, _), feature in zip(new, added if ok else ()):
                self.fids[ident] = feature.id()
        if updated or changes.removed:
            self.layer.triggerRepaint()
