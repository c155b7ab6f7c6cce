"""The hand-written FlatGeobuf writer (core/flatgeobuf.py) against GDAL's FlatGeobuf driver.

OGR is the reference: every file the writer makes for generated points and columns (every
column type it supports, nulls, unicode, long strings, no features at all) must read back
through OGR with the same number of features, the same coordinates and values bit for bit, the
same field types and nulls where they were; through QGIS's OGR provider with the field lengths
and precisions the writer was given. A FlatGeobuf string ends at a NUL byte when OGR reads it,
so texts with NUL bytes are not the writer's to take: the hit layers keep them through the
per-feature path as far as QGIS keeps them (last test).
"""

import struct
import uuid

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from osgeo import gdal, ogr
from qgis.core import QgsFeature, QgsField, QgsFields, QgsVectorLayer

from georedis_plugin.core import flatgeobuf, geoset
from georedis_plugin.core.compat import FieldType
from georedis_plugin.core.flatgeobuf import BOOL, DOUBLE, INT, LONG, STRING, Column

BOUNDED = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

# What OGR reads each column type back as: (field type, subtype)
OGR_TYPES = {
    BOOL: (ogr.OFTInteger, ogr.OFSTBoolean),
    INT: (ogr.OFTInteger, ogr.OFSTNone),
    LONG: (ogr.OFTInteger64, ogr.OFSTNone),
    DOUBLE: (ogr.OFTReal, ogr.OFSTNone),
    STRING: (ogr.OFTString, ogr.OFSTNone),
}
TEXT = st.text(st.characters(codec="utf-8", exclude_characters="\0"), max_size=300)
COORDINATES = st.floats(allow_nan=False, allow_infinity=False)
NAMES = st.text(st.characters(codec="utf-8", categories=["L", "N"]), min_size=1, max_size=20)
VALUES = {
    BOOL: st.booleans(),
    INT: st.integers(-(2**31), 2**31 - 1),
    LONG: st.integers(-(2**63), 2**63 - 1),
    DOUBLE: st.floats(),  # NaN, infinities, -0.0 and subnormals too
    # short texts, and long ones (a text repeated up to 70,000 bytes, cheap to generate)
    STRING: st.one_of(
        TEXT,
        st.builds(lambda text, times: text * times, TEXT, st.integers(1, 70_000 // 300)),
    ),
}


def read_with_ogr(data: bytes):
    """(field definitions, features as (x, y, {name: value or None})) of a FlatGeobuf."""
    path = f"/vsimem/reference-{uuid.uuid4().hex}.fgb"
    gdal.FileFromMemBuffer(path, data)
    try:
        source = ogr.Open(path)
        assert source is not None, gdal.GetLastErrorMsg()
        layer = source.GetLayer(0)
        definition = layer.GetLayerDefn()
        fields = [definition.GetFieldDefn(i) for i in range(definition.GetFieldCount())]
        specs = [(f.GetName(), f.GetType(), f.GetSubType()) for f in fields]
        assert layer.GetGeomType() == ogr.wkbPoint
        assert layer.GetSpatialRef().GetAuthorityCode(None) == "4326"
        features = []
        for feature in layer:
            point = feature.GetGeometryRef()
            values = {}
            for index, (name, field_type, _) in enumerate(specs):
                if not feature.IsFieldSetAndNotNull(index):
                    values[name] = None
                elif field_type == ogr.OFTInteger64:
                    values[name] = feature.GetFieldAsInteger64(index)
                elif field_type == ogr.OFTInteger:
                    values[name] = feature.GetFieldAsInteger(index)
                elif field_type == ogr.OFTReal:
                    values[name] = feature.GetFieldAsDouble(index)
                else:
                    values[name] = feature.GetFieldAsString(index)
            features.append((point.GetX(), point.GetY(), values))
        count = layer.GetFeatureCount()
        source = None
        return specs, features, count
    finally:
        gdal.Unlink(path)


def same_double(a: float, b: float) -> bool:
    return struct.pack("<d", a) == struct.pack("<d", b)


def utf8(texts: list) -> np.ndarray:
    encoded = [t.encode("utf-8") for t in texts]
    return np.array(encoded, dtype=np.bytes_) if encoded else np.empty(0, "S1")


@st.composite
def tables(draw, min_rows=0):
    """(x, y, columns, expected rows): columns of every supported type, some nulls."""
    rows = draw(st.integers(min_rows, 12))
    # every supported type in every file, in any order, some twice
    extra = draw(st.lists(st.sampled_from(list(OGR_TYPES)), max_size=3))
    kinds = draw(st.permutations([*OGR_TYPES, *extra]))
    names = draw(st.lists(NAMES, min_size=len(kinds), max_size=len(kinds), unique_by=str.lower))
    x = np.array(draw(st.lists(COORDINATES, min_size=rows, max_size=rows)), np.float64)
    y = np.array(draw(st.lists(COORDINATES, min_size=rows, max_size=rows)), np.float64)
    columns, expected = [], []
    for name, kind in zip(names, kinds):
        values = draw(st.lists(VALUES[kind], min_size=rows, max_size=rows))
        present = np.array(draw(st.lists(st.booleans(), min_size=rows, max_size=rows)), bool)
        if kind == STRING:
            array = utf8(values)
        else:
            array = np.array(values, dtype=flatgeobuf._FIXED_TYPES[kind])
        columns.append(Column(name, kind, array, present))
        expected.append(
            [(int(v) if kind == BOOL else v) if p else None for v, p in zip(values, present)]
        )
    return x, y, columns, expected


def assert_values(got, want, kind):
    if want is None or got is None:
        assert got is want is None
    elif kind == DOUBLE:
        assert same_double(got, want)
    else:
        assert got == want


@BOUNDED
@given(tables())
def test_every_file_with_columns_reads_back_through_ogr_with_the_same_values(table):
    x, y, columns, expected = table
    specs, features, count = read_with_ogr(flatgeobuf.point_file_with_columns(x, y, columns))
    assert specs == [(c.name, *OGR_TYPES[c.type]) for c in columns]
    assert count == len(features) == len(x)
    for row, (fx, fy, values) in enumerate(features):
        assert same_double(fx, x[row]) and same_double(fy, y[row])
        for column, column_values in zip(columns, expected):
            assert_values(values[column.name], column_values[row], column.type)


@BOUNDED
@given(
    st.lists(st.tuples(COORDINATES, COORDINATES, TEXT, st.floats()), max_size=40),
    NAMES,
    NAMES,
)
def test_every_member_and_distance_file_reads_back_through_ogr(hits, string_name, double_name):
    if string_name.lower() == double_name.lower():
        double_name += "_2"
    x, y, texts, doubles = (list(column) for column in zip(*hits)) if hits else ([],) * 4
    data = flatgeobuf.point_file(
        np.array(x, np.float64), np.array(y, np.float64), string_name, utf8(texts),
        double_name, np.array(doubles, np.float64),
    )  # fmt: skip
    specs, features, count = read_with_ogr(data)
    assert specs == [(string_name, *OGR_TYPES[STRING]), (double_name, *OGR_TYPES[DOUBLE])]
    assert count == len(features) == len(hits)
    for (fx, fy, values), (hx, hy, text, double) in zip(features, hits):
        assert same_double(fx, hx) and same_double(fy, hy)
        assert values[string_name] == text
        assert same_double(values[double_name], double)


def test_a_string_of_a_million_bytes_reads_back_whole():
    long_text = "€" * 400_000 + "end"  # 1.2 MB of UTF-8
    columns = [Column("s", STRING, utf8([long_text, "", "x"])), Column("n", INT, np.arange(3))]
    _, features, _ = read_with_ogr(
        flatgeobuf.point_file_with_columns(np.zeros(3), np.zeros(3), columns)
    )
    assert [values["s"] for _, _, values in features] == [long_text, "", "x"]
    assert [values["n"] for _, _, values in features] == [0, 1, 2]


@st.composite
def field_sizes(draw):
    kind = draw(st.sampled_from([INT, LONG, DOUBLE, STRING]))
    width = draw(st.integers(0, 254))
    precision = draw(st.integers(0, min(width, 15))) if kind == DOUBLE and width > 1 else 0
    return kind, width, precision


@BOUNDED
@given(st.lists(field_sizes(), min_size=1, max_size=5))
def test_qgis_reads_the_field_lengths_and_precisions_it_was_given(qgis_app, sizes):
    columns = [
        Column(
            f"f{i}", kind, utf8(["a"]) if kind == STRING else np.zeros(1), None, width, precision
        )
        for i, (kind, width, precision) in enumerate(sizes)
    ]
    path = f"/vsimem/reference-{uuid.uuid4().hex}.fgb"
    gdal.FileFromMemBuffer(
        path, flatgeobuf.point_file_with_columns(np.zeros(1), np.zeros(1), columns)
    )
    try:
        layer = QgsVectorLayer(path, "reference", "ogr")
        assert layer.isValid()
        got = [(f.length(), f.precision()) for f in layer.fields()]
        assert got == [(width, precision) for _, width, precision in sizes]
        del layer
    finally:
        gdal.Unlink(path)


def test_a_layer_without_features_reads_back_with_its_fields():
    columns = [Column(f"c{kind}", kind, np.empty(0)) for kind in OGR_TYPES]
    specs, features, count = read_with_ogr(
        flatgeobuf.point_file_with_columns(np.empty(0), np.empty(0), columns)
    )
    assert (specs, features, count) == ([(c.name, *OGR_TYPES[c.type]) for c in columns], [], 0)
    specs, features, count = read_with_ogr(
        flatgeobuf.point_file(np.empty(0), np.empty(0), "m", utf8([]), "d", np.empty(0))
    )
    assert (specs, features, count) == (
        [("m", *OGR_TYPES[STRING]), ("d", *OGR_TYPES[DOUBLE])],
        [],
        0,
    )


@pytest.mark.parametrize(
    "names",
    [["mid\0dle", "mid", "plain"], ["mid\0dle", "a", "a\0", "\0", "end\0\0", "plain"]],
    ids=["inside", "inside-and-trailing"],
)
def test_members_with_nul_bytes_round_trip_through_a_load_and_a_hit_layer(redis_client, names):
    points = geoset.PointData(
        lon=np.linspace(2.0, 2.001, len(names)), lat=np.full(len(names), 48.0), members=names
    )
    loaded = geoset.load_points(redis_client, "georedis", "nul", points)
    assert loaded.loaded == redis_client.zcard(loaded.key) == len(names)
    result = geoset.GeoSet(redis_client, "georedis", "nul").radius(2.0005, 48.0, 1, "km")
    layer = geoset.hit_layer(result)
    assert sorted(f["member"] for f in layer.getFeatures()) == sorted(map(as_qgis_keeps, names))


def as_qgis_keeps(text: str) -> str:
    """``text`` as a string attribute after QGIS's Python bindings had it: whole on QGIS 3.22;
    from QGIS 3.40 (newer sip) a Python str becomes a QString only up to its first NUL."""
    fields = QgsFields()
    fields.append(QgsField("member", FieldType.STRING))
    feature = QgsFeature(fields)
    feature.setAttributes([text])
    return feature.attributes()[0]


# Stored field types the bulk path takes, their QGIS field and generated values; the texts
# are ASCII, other UTF-8 and NUL bytes (which send a table to the per-feature path)
HIT_FIELDS = {
    "text": (FieldType.STRING, st.one_of(st.text(st.characters(max_codepoint=127)), TEXT)),
    # QGIS 3.22's memory provider refuses -2^31 in an integer field ("too large"), in bulk
    # and feature by feature alike: not a value the two paths can be compared on there
    "int": (FieldType.INT, st.integers(-(2**31) + 1, 2**31 - 1)),
    "long": (FieldType.LONG_LONG, VALUES[LONG]),
    "double": (FieldType.DOUBLE, st.floats(allow_nan=False, allow_infinity=False)),
    "bool": (FieldType.BOOL, st.booleans()),
}
MEMBER_TEXT = st.one_of(st.text(st.characters(max_codepoint=127)), st.text(), st.just("a\0b"))


@st.composite
def hit_results(draw):
    """A SearchResult as a search returns it: members, distances, points, stored rows (some
    missing, some values null), over stored fields of every bulk type."""
    count = draw(st.integers(0, 30))
    names = draw(st.lists(st.sampled_from(list(HIT_FIELDS)), max_size=6))
    fields = QgsFields()
    for index, name in enumerate(names):
        fields.append(QgsField(f"{name}{index}", HIT_FIELDS[name][0]))
    members = draw(st.lists(MEMBER_TEXT, min_size=count, max_size=count, unique=True))
    rows = None
    if draw(st.booleans()):
        rows = []
        for _ in range(count):
            values = [draw(st.none() | HIT_FIELDS[name][1]) for name in names]
            rows.append(draw(st.sampled_from([None, geoset.encode_row(values)])))
    floats = st.floats(-180, 180)
    return geoset.SearchResult(
        "hits",
        "m",
        [m.encode("utf-8") for m in members],
        np.array(draw(st.lists(st.floats(0, 1e7), min_size=count, max_size=count))),
        np.array(draw(st.lists(floats, min_size=count, max_size=count))),
        np.array(draw(st.lists(st.floats(-85, 85), min_size=count, max_size=count))),
        rows,
        fields if rows is not None else None,
    )


@BOUNDED
@given(hit_results())
def test_hit_layers_in_bulk_match_the_per_feature_path_on_generated_hits(result):
    table = geoset.HitTable(result)
    layer = geoset.hit_layer(result)
    reference = QgsVectorLayer("Point?crs=EPSG:4326", "per feature", "memory")
    assert reference.dataProvider().addAttributes(table.fields.toList())
    reference.updateFields()
    assert reference.dataProvider().addFeatures(list(table.features()))[0]
    assert layer.providerType() == "memory"
    assert layer.crs().authid() == "EPSG:4326"
    assert layer.fields().names() == reference.fields().names()
    assert [f.type() for f in layer.fields()] == [f.type() for f in reference.fields()]
    got = [(f.id(), f.attributes(), f.geometry().asWkb()) for f in layer.getFeatures()]
    want = [(f.id(), f.attributes(), f.geometry().asWkb()) for f in reference.getFeatures()]
    assert got == want
