"""Qt 6 / QGIS 4 readiness: every Qt and QGIS enum value is written scoped, and exists here.

scripts/scoped_enums.py looks every ``Qt.X`` / ``QgsClass.X`` chain up in the running QGIS, so
under the test matrix this also proves each scoped name exists in QGIS 3.40 and 3.44.
"""

from qgis.core import Qgis

from georedis_plugin.core.compat import FieldType, enum_value, make_field
from scripts import scoped_enums

SNIPPET = """\
from qgis.core import QgsWkbTypes
from qgis.PyQt.QtCore import Qt
a = Qt.AlignLeft
b = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
c = QgsWkbTypes.Point
d = QgsWkbTypes.Type.Point
e = QgsWkbTypes.NoSuchEnum.Member
f = QgsWkbTypes.flatType(d)
"""


def test_the_enum_check_reports_unscoped_values_and_names_this_qgis_lacks():
    findings = {line: message for line, _column, message in scoped_enums.check_source(SNIPPET)}
    assert sorted(findings) == [3, 5, 7]
    assert findings[3].startswith("unscoped enum Qt.AlignLeft")
    assert findings[3].endswith("AlignmentFlag.AlignLeft")
    assert findings[5].startswith("unscoped enum QgsWkbTypes.Point")
    assert findings[7] == "QgsWkbTypes.NoSuchEnum does not exist here"


def test_plugin_tests_and_scripts_write_every_enum_scoped():
    assert scoped_enums.check_paths() == []


def test_compat_fields_have_the_requested_type_on_this_qgis():
    text = make_field("name", FieldType.STRING)
    # FieldType is the enum this QGIS's QgsField returns (QMetaType.Type from 3.38 on)
    assert type(text.type()) is type(FieldType.STRING)
    expected = "QMetaType.Type" if Qgis.QGIS_VERSION_INT >= 33800 else "QVariant.Type"
    assert type(FieldType.STRING).__qualname__ == expected
    number = make_field("size", enum_value(FieldType.DOUBLE), "double", 20, 4)
    assert (text.name(), text.type(), text.subType()) == (
        "name",
        FieldType.STRING,
        FieldType.INVALID,
    )
    assert (number.type(), number.length(), number.precision()) == (FieldType.DOUBLE, 20, 4)
    # the numbers stored in a geo set's field list are the same for both enums (QString = 10)
    assert enum_value(FieldType.STRING) == 10
    assert enum_value(FieldType.DATE) == 14
