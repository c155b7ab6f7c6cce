"""What differs between the QGIS versions GeoRedis runs on (3.22 to 4.x), kept in one place.

QGIS 3.38 moved attribute field types from ``QVariant.Type`` to ``QMetaType.Type`` (Qt 6 has no
``QVariant.Type``), while QGIS 3.22 to 3.36 only take ``QVariant.Type``. Other modules name field
types through ``FieldType`` and build fields with ``make_field``, so none needs a version test.
"""

from qgis.core import Qgis, QgsField

#: QgsField takes and returns ``QMetaType.Type`` from QGIS 3.38 on.
FIELD_TYPES_ARE_QMETATYPE = Qgis.QGIS_VERSION_INT >= 33800

if FIELD_TYPES_ARE_QMETATYPE:
    from qgis.PyQt.QtCore import QMetaType

    _FIELD_TYPE_ENUM = QMetaType.Type

    class FieldType:
        """Attribute field types as the running QGIS's QgsField takes them."""

        INVALID = QMetaType.Type.UnknownType
        BOOL = QMetaType.Type.Bool
        INT = QMetaType.Type.Int
        LONG_LONG = QMetaType.Type.LongLong
        DOUBLE = QMetaType.Type.Double
        STRING = QMetaType.Type.QString
        DATE = QMetaType.Type.QDate
        TIME = QMetaType.Type.QTime
        DATE_TIME = QMetaType.Type.QDateTime
        BYTE_ARRAY = QMetaType.Type.QByteArray

else:
    from qgis.PyQt.QtCore import QVariant

    _FIELD_TYPE_ENUM = QVariant.Type

    class FieldType:
        """Attribute field types as the running QGIS's QgsField takes them."""

        INVALID = QVariant.Type.Invalid
        BOOL = QVariant.Type.Bool
        INT = QVariant.Type.Int
        LONG_LONG = QVariant.Type.LongLong
        DOUBLE = QVariant.Type.Double
        STRING = QVariant.Type.String
        DATE = QVariant.Type.Date
        TIME = QVariant.Type.Time
        DATE_TIME = QVariant.Type.DateTime
        BYTE_ARRAY = QVariant.Type.ByteArray


def enum_value(member) -> int:
    """The integer behind a Qt/QGIS enum member (PyQt5 members are ints, PyQt6 ones are not)."""
    return int(getattr(member, "value", member))


def field_type(type_id) -> object:
    """The field type numbered ``type_id`` (as ``enum_value`` gave it), as QgsField takes it.

    ``QVariant.Type`` and ``QMetaType.Type`` share their numbers for every type a field can
    hold, so a number stored by one QGIS reads back right in another.
    """
    return _FIELD_TYPE_ENUM(enum_value(type_id))


def make_field(
    name: str,
    type_,
    type_name: str = "",
    length: int = 0,
    precision: int = 0,
    comment: str = "",
    sub_type=None,
) -> QgsField:
    """A QgsField of ``type_`` (a ``FieldType`` member or its number) on any supported QGIS."""
    return QgsField(
        name,
        field_type(type_),
        type_name,
        length,
        precision,
        comment,
        FieldType.INVALID if sub_type is None else field_type(sub_type),
    )


def finalize_sink(sink) -> None:
    """Flush a Processing sink's buffered features as native algorithms do from QGIS 3.42 on
    (``QgsFeatureSink.finalize``; a failed write then raises here instead of being lost when
    the sink is deleted). Older QGIS write every feature as it is added: nothing to do."""
    finalize = getattr(sink, "finalize", None)
    if finalize is not None:
        finalize()


#: The "advanced" flag of a Processing parameter: Qgis.ProcessingParameterFlag from QGIS 3.36
#: on, whose QGIS 4 drops the older QgsProcessingParameterDefinition.Flag.
if hasattr(Qgis, "ProcessingParameterFlag"):
    ADVANCED_PARAMETER = Qgis.ProcessingParameterFlag.Advanced
else:
    from qgis.core import QgsProcessingParameterDefinition

    ADVANCED_PARAMETER = QgsProcessingParameterDefinition.Flag.FlagAdvanced
