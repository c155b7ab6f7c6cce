"""The bulk column reader (``columns.read_column``) against QgsVectorLayerUtils.getValues.

getValues is the reference: for generated memory layers of text, integer, 64-bit integer,
double and boolean columns, with NULLs, unicode, empty texts, texts holding the delimiter,
integers beyond 2**53, NaN and infinities, every column read in bulk must hold exactly the
values, and the Python types, that getValues gives.
"""

import math

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qgis.core import QgsFeature, QgsVectorLayer, QgsVectorLayerUtils

from georedis_plugin.core.compat import FieldType, make_field
from georedis_plugin.core.geoset import columns

BOUNDED = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

TEXTS = st.one_of(
    st.text(st.characters(codec="utf-8"), max_size=8),
    st.builds(lambda a, b: a + columns.DELIMITER + b, st.text(max_size=3), st.text(max_size=3)),
    st.sampled_from(["", "0", " ", "point 1"]),
)
INTEGERS = st.integers(min_value=-(1 << 31) + 1, max_value=(1 << 31) - 1)
BIG_INTEGERS = st.one_of(
    st.integers(min_value=-(1 << 63) + 1, max_value=(1 << 63) - 1),
    st.integers(min_value=(1 << 53) - 2, max_value=(1 << 53) + 2),
    st.integers(min_value=-(1 << 53) - 2, max_value=-(1 << 53) + 2),
)
KINDS = {
    "text": (FieldType.STRING, TEXTS),
    "int": (FieldType.INT, INTEGERS),
    "long": (FieldType.LONG_LONG, BIG_INTEGERS),
    "double": (FieldType.DOUBLE, st.floats(allow_nan=True, allow_infinity=True)),
    "bool": (FieldType.BOOL, st.booleans()),
}


@st.composite
def layers(draw):
    count = draw(st.integers(min_value=0, max_value=12))
    kinds = draw(st.lists(st.sampled_from(sorted(KINDS)), min_size=1, max_size=4))
    with_nulls = draw(st.lists(st.booleans(), min_size=len(kinds), max_size=len(kinds)))
    table = []
    for kind, nulls in zip(kinds, with_nulls):
        values = KINDS[kind][1]
        table.append(draw(st.lists(st.none() | values if nulls else values, min_size=count,
                                   max_size=count)))  # fmt: skip
    return kinds, table, count


def memory_layer(kinds, table, count) -> QgsVectorLayer:
    layer = QgsVectorLayer("Point?crs=EPSG:4326", "columns", "memory")
    assert layer.dataProvider().addAttributes(
        [make_field(f"{kind}_{i}", KINDS[kind][0]) for i, kind in enumerate(kinds)]
    )
    layer.updateFields()
    features = []
    for row in range(count):
        feature = QgsFeature(layer.fields())
        feature.setAttributes([values[row] for values in table])
        features.append(feature)
    assert layer.dataProvider().addFeatures(features)[0]
    return layer


def typed(values) -> list:
    """Each value with its type; NaN as a string, since NaN != NaN."""
    return [
        (type(v).__name__, "nan" if isinstance(v, float) and math.isnan(v) else v) for v in values
    ]


@BOUNDED
@given(layers())
def test_columns_read_in_bulk_are_what_get_values_reads(generated):
    layer = memory_layer(*generated)
    for field_ in layer.fields():
        bulk, ok = columns.read_column(layer, field_.name())
        reference, reference_ok = QgsVectorLayerUtils.getValues(layer, field_.name())
        assert ok == reference_ok
        assert typed(bulk) == typed(reference)


def test_text_integer_and_double_columns_without_nulls_are_read_in_bulk():
    table = [["a", "", "é\x00b"], [1, -7, 3], [1 << 40, -(1 << 52), 0], [0.5, -1e300, math.inf]]
    layer = memory_layer(["text", "int", "long", "double"], table, 3)
    for field_ in layer.fields():
        kind = columns.enum_value(field_.type())
        bulk = columns._read_in_bulk(layer, field_.name(), kind, 3)
        # (on trixie and sid a NUL cuts the text short, in what getValues reads too)
        assert bulk is not None
        assert typed(bulk) == typed(QgsVectorLayerUtils.getValues(layer, field_.name())[0])


def test_what_bulk_reading_could_misread_is_left_to_get_values():
    table = [["a", None, "b"], ["a" + columns.DELIMITER + "b", "c", "d"], [1 << 60, 2, 3],
             [True, False, True]]  # fmt: skip
    layer = memory_layer(["text", "text", "long", "bool"], table, 3)
    for field_ in layer.fields():
        kind = columns.enum_value(field_.type())
        assert columns._read_in_bulk(layer, field_.name(), kind, 3) is None


def test_a_null_is_found_whatever_it_reads_as_in_bulk():
    """A NULL reads as "" in a concatenation and as 0.0 (or not at all) from getDoubleValues:
    where such a value shows, the column is searched for NULLs, and one found leaves the
    column to getValues; where none shows, there is no NULL to search for."""
    table = [[None, "a", "b"], [None, 5, 6], [2.5, None, 1.0], ["", "0", "false"], [0, 1, 2]]
    layer = memory_layer(["text", "int", "double", "text", "int"], table, 3)
    found = []
    for field_ in layer.fields():
        kind = columns.enum_value(field_.type())
        found.append(columns._read_in_bulk(layer, field_.name(), kind, 3))
    assert found[:3] == [None, None, None]
    assert found[3] == ["", "0", "false"]  # searched, no NULL: read in bulk
    assert found[4] == [0, 1, 2]
