"""The columnar row encoder (``encode_columns``) against the per-row one (``encode_row``).

``encode_row`` is the reference: one JSON encoder call per feature. For generated columns of
every plain type, of mixed types, with NULLs, NaN and infinities, every row ``encode_columns``
builds must be byte for byte the one ``encode_row`` builds from the same values.
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from qgis.core import NULL
from qgis.PyQt.QtCore import QDate

from georedis_plugin.core.geoset.rows import ColumnRows, encode_columns, encode_row

BOUNDED = settings(
    max_examples=200,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

TEXTS = st.text(st.characters(codec="utf-8"), max_size=30)
FLOATS = st.floats(allow_nan=True, allow_infinity=True)
INTEGERS = st.integers(min_value=-(1 << 70), max_value=1 << 70)
OTHERS = st.one_of(
    st.none(),
    st.just(NULL),
    st.builds(QDate, st.integers(1, 9999), st.integers(1, 12), st.integers(1, 28)),
    st.lists(st.one_of(INTEGERS, TEXTS, FLOATS), max_size=3),
)
# a column is all of one type (the fast paths) or of several (the general path)
COLUMN_VALUES = st.one_of(
    TEXTS, FLOATS, INTEGERS, st.booleans(), OTHERS, st.one_of(TEXTS, INTEGERS, OTHERS)
)


@st.composite
def columns(draw):
    count = draw(st.integers(min_value=0, max_value=12))
    width = draw(st.integers(min_value=0, max_value=4))
    kinds = [
        draw(st.sampled_from([TEXTS, FLOATS, INTEGERS, st.booleans(), COLUMN_VALUES]))
        for _ in range(width)
    ]
    return count, [draw(st.lists(kind, min_size=count, max_size=count)) for kind in kinds]


@BOUNDED
@given(columns())
def test_columns_encode_as_each_row_does(table):
    count, values = table
    rows = [list(row) for row in zip(*values)] if values else [[] for _ in range(count)]
    assert encode_columns(values, count) == [encode_row(row) for row in rows]


@BOUNDED
@given(columns(), st.data())
def test_column_rows_taken_and_sliced_are_the_rows_encode_row_gives(table, data):
    count, values = table
    rows = [encode_row(list(row)) for row in zip(*values)] if values else [b"[]"] * count
    column_rows = ColumnRows(values, count)
    for _ in range(2):  # a selection of a selection, as a load's skips then duplicates
        keep = data.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows)))
        column_rows, rows = column_rows.take(keep), [r for r, k in zip(rows, keep) if k]
        order = data.draw(st.permutations(range(len(rows))))
        column_rows, rows = column_rows.take(list(order)), [rows[i] for i in order]
    start, stop = data.draw(st.integers(-15, 15)), data.draw(st.integers(-15, 15))
    assert len(column_rows) == len(rows)
    assert column_rows[start:stop] == rows[start:stop]
    assert column_rows[::2] == rows[::2]
    assert list(column_rows) == rows
    if rows:
        assert column_rows[-1] == rows[-1] and column_rows[0] == rows[0]
