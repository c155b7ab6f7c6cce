"""A memory layer's attribute columns read in bulk, each exactly as getValues reads it.

``QgsVectorLayerUtils.getValues`` hands every value to Python as its own QVariant: a text, an
integer and a double column of 1M features took 3.2 to 4.8 s beside native:collect
(scripts/bench_geoset.py's layer). Here a text column comes as one string from the
StringConcatenate aggregate, split in Python, and a number column as ``getDoubleValues``'s
list of doubles: 1.7 to 2.3 s for the same three on their own thread (``reading._read_fast``).
Whatever could be misread (NULLs, found first by an ``IS NULL`` filter; the delimiter inside
a text; integers beyond 2**53; other field types) is read with getValues, so the values are
always getValues's own (tests/test_columns_reference.py).
"""

import numpy as np
from qgis.core import (
    QgsAggregateCalculator,
    QgsExpression,
    QgsFeatureRequest,
    QgsVectorLayer,
    QgsVectorLayerUtils,
)

from ..compat import FieldType, enum_value

#: Joins the texts of a column; a text holding it makes the split come out too long.
DELIMITER = "\x1f"
_TEXT = enum_value(FieldType.STRING)
_DOUBLE = enum_value(FieldType.DOUBLE)
_INTEGERS = (enum_value(FieldType.INT), enum_value(FieldType.LONG_LONG))
# every integer up to this magnitude is exactly a double, and no other integer becomes one
_EXACT_INTEGERS = float(1 << 53)
# what a NULL of a text, number or boolean type becomes in a concatenation (QVariant::toString)
_NULL_TEXTS = frozenset(("", "0", "false"))


def read_column(layer: QgsVectorLayer, name: str) -> tuple:
    """(values, ok) of field ``name`` in the layer's feature order, as getValues gives them."""
    index = layer.fields().lookupField(name)
    count = layer.featureCount()
    if index >= 0 and count > 0:
        values = _read_in_bulk(layer, name, enum_value(layer.fields().at(index).type()), count)
        if values is not None:
            return values, True
    return QgsVectorLayerUtils.getValues(layer, name)


def _has_null(layer: QgsVectorLayer, name: str) -> bool:
    """Whether field ``name`` is NULL in some feature (the filter runs in C++)."""
    request = (
        QgsFeatureRequest()
        .setFilterExpression(f"{QgsExpression.quotedColumnRef(name)} IS NULL")
        .setFlags(QgsFeatureRequest.Flag.NoGeometry)
        .setNoAttributes()
        .setLimit(1)
    )
    return any(True for _feature in layer.getFeatures(request))


def _read_in_bulk(layer: QgsVectorLayer, name: str, field_type: int, count: int):
    """The ``count`` values of a text, integer or double field without a NULL, or None."""
    if field_type != _TEXT and field_type != _DOUBLE and field_type not in _INTEGERS:
        return None
    if field_type == _TEXT:
        parameters = QgsAggregateCalculator.AggregateParameters()
        parameters.delimiter = DELIMITER
        text, ok = layer.aggregate(
            QgsAggregateCalculator.Aggregate.StringConcatenate, name, parameters
        )
        if not ok or not isinstance(text, str):
            return None
        values = text.split(DELIMITER)
        if len(values) != count:
            return None
        # a NULL is concatenated as QVariant::toString gives it: the empty value of its type
        maybe_null = not _NULL_TEXTS.isdisjoint(values)
    else:
        numbers, ok = QgsVectorLayerUtils.getDoubleValues(layer, name)[:2]
        if not ok or len(numbers) != count:
            return None  # a NULL that does not convert to a number is left out
        values = numbers
        # one that does (a NULL double or integer) comes as 0.0
        maybe_null = 0.0 in numbers
    # Only then does a NULL need looking for: the IS NULL filter costs 0.3 to 0.6 s a
    # column of 1M features, more than reading it (CountMissing counts empty texts too,
    # and not every NULL).
    if maybe_null and _has_null(layer, name):
        return None
    if field_type in (_TEXT, _DOUBLE):
        return values
    array = np.array(values, dtype=np.float64)
    if not (np.abs(array) < _EXACT_INTEGERS).all():
        return None
    return array.astype(np.int64).tolist()
