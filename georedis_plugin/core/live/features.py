"""Live positions, tracks and fence events as QGIS features (WGS 84), for algorithms and layers.

Fields: ``id``, ``ts`` (a UTC date-time, what the Temporal Controller animates), ``age_s`` for
latest positions, then the entries' attributes as strings in name order. An attribute whose
name a fixed field already uses (GeoPackage compares names without case) is renamed
``attr_<name>``.
"""

import time

from qgis.core import (
    Qgis,
    QgsFeature,
    QgsFields,
    QgsGeometry,
    QgsLineString,
    QgsPointXY,
)
from qgis.PyQt.QtCore import QDateTime, QTimeZone

from ..compat import FieldType, make_field
from .wire import display

WGS84 = "EPSG:4326"
_UTC = QTimeZone(b"UTC")


def utc(ms: int) -> QDateTime:
    return QDateTime.fromMSecsSinceEpoch(int(ms), _UTC)


def attribute_names(positions) -> list:
    names = set()
    for position in positions:
        names.update(position.attributes)
    return sorted(names)


def field_name(name: str, fixed) -> str:
    return f"attr_{name}" if name.lower() in {f.lower() for f in fixed} else name


def _fields(fixed: list, names) -> QgsFields:
    fields = QgsFields()
    for name, type_ in fixed:
        fields.append(make_field(name, type_))
    fixed_names = [name for name, _ in fixed]
    for name in names:
        fields.append(make_field(field_name(name, fixed_names), FieldType.STRING))
    return fields


POSITION_FIXED = [
    ("id", FieldType.STRING),
    ("ts", FieldType.DATE_TIME),
    ("age_s", FieldType.DOUBLE),
]
HISTORY_FIXED = [("id", FieldType.STRING), ("ts", FieldType.DATE_TIME)]
TRACK_FIXED = [
    ("id", FieldType.STRING),
    ("start", FieldType.DATE_TIME),
    ("end", FieldType.DATE_TIME),
    ("points", FieldType.INT),
]
EVENT_FIXED = [
    ("id", FieldType.STRING),
    ("fence", FieldType.STRING),
    ("kind", FieldType.STRING),
    ("ts", FieldType.DATE_TIME),
]


class PositionTable:
    """Fields and features for positions: ``with_age`` for latest positions (age from now)."""

    def __init__(self, positions, with_age: bool, names=None):
        """``names``: the attribute names, if known (else those of ``positions``)."""
        self.fixed = POSITION_FIXED if with_age else HISTORY_FIXED
        self.names = sorted(names) if names is not None else attribute_names(positions)
        self.fields = _fields(self.fixed, self.names)
        self.with_age = with_age

    def feature(self, position, now_s=None) -> QgsFeature:
        feature = QgsFeature(self.fields)
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(position.lon, position.lat)))
        values = [display(position.id), utc(position.ts)]
        if self.with_age:
            now_s = time.time() if now_s is None else now_s
            values.append(round(now_s - position.ts / 1000.0, 3))
        values += [position.attributes.get(name) for name in self.names]
        feature.setAttributes(values)
        return feature


def track_fields() -> QgsFields:
    return _fields(TRACK_FIXED, [])


def track_feature(ident: str, ts: list, lon: list, lat: list) -> QgsFeature:
    """One line through the points ``lon``, ``lat`` (at least 2, in ts order)."""
    feature = QgsFeature(track_fields())
    feature.setGeometry(QgsGeometry(QgsLineString(lon, lat)))
    feature.setAttributes([display(ident), utc(ts[0]), utc(ts[-1]), len(ts)])
    return feature


def event_fields() -> QgsFields:
    return _fields(EVENT_FIXED, [])


def event_feature(event) -> QgsFeature:
    feature = QgsFeature(event_fields())
    feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(event.lon, event.lat)))
    feature.setAttributes([display(event.id), event.fence, event.kind, utc(event.ts)])
    return feature


def animate(layer, start_field: str, end_field: str = "") -> None:
    """Set ``layer``'s temporal properties so the Temporal Controller animates it at once."""
    properties = layer.temporalProperties()
    properties.setIsActive(True)
    if end_field:
        properties.setMode(Qgis.VectorTemporalMode.FeatureDateTimeStartAndEndFromFields)
        properties.setEndField(end_field)
    else:
        properties.setMode(Qgis.VectorTemporalMode.FeatureDateTimeInstantFromField)
    properties.setStartField(start_field)
