"""Comparing a GeoRedis output layer with the native QGIS one, as the team's parity rule says.

Same feature count, same fields (names, types), same layer geometry type, and features matched
as sets by their attributes; polygons equal up to a symmetric-difference area of 1e-6 of their
area, lines and points equal up to 1e-9 in coordinates after normalisation. Parameters: the
same definitions as the running QGIS's native algorithm, plus USE_CACHE.
"""

import math
from collections import defaultdict

import shapely
from qgis.core import QgsApplication, QgsGeometry, QgsWkbTypes

AREA_TOLERANCE = 1e-6
COORD_TOLERANCE = 1e-9


def _attributes_key(feature):
    return tuple(repr(v) for v in feature.attributes())


def _shapely(geometry):
    if geometry.isNull():
        return None
    if QgsWkbTypes.isCurvedType(geometry.wkbType()):
        # compared as QGIS segmentizes them (equal curves give equal segments)
        return shapely.from_wkb(bytes(QgsGeometry(geometry.constGet().segmentize()).asWkb()))
    return shapely.from_wkb(bytes(geometry.asWkb()))


def geometries_match(ours, native) -> str:
    """'' when equal under the parity rule, else a description of the difference."""
    if ours.wkbType() != native.wkbType():
        return (
            f"geometry type {QgsWkbTypes.displayString(ours.wkbType())} vs "
            f"{QgsWkbTypes.displayString(native.wkbType())}"
        )
    a, b = _shapely(ours), _shapely(native)
    if a is None or b is None:
        return "" if a is None and b is None else f"null mismatch: {a} vs {b}"
    if a.is_empty or b.is_empty:
        return "" if a.is_empty and b.is_empty else f"empty mismatch: {a.wkt[:80]} vs {b.wkt[:80]}"
    if ours.type() == QgsWkbTypes.GeometryType.PolygonGeometry:
        difference = shapely.symmetric_difference(shapely.make_valid(a), shapely.make_valid(b))
        allowed = AREA_TOLERANCE * max(b.area, 1e-300)
        if math.isfinite(difference.area) and math.isfinite(allowed):
            if difference.area > allowed:
                return f"area of symmetric difference {difference.area:g} > {allowed:g}"
            return ""
        # areas overflow (huge coordinates): only identical vertices can be called equal
    na, nb = shapely.normalize(a), shapely.normalize(b)
    if not shapely.equals_exact(na, nb, tolerance=COORD_TOLERANCE):
        return f"coordinates differ: {na.wkt[:120]} vs {nb.wkt[:120]}"
    return ""


def assert_same_output(ours_layer, native_layer):
    assert ours_layer.featureCount() == native_layer.featureCount(), "feature count"
    assert [(f.name(), f.type()) for f in ours_layer.fields()] == [
        (f.name(), f.type()) for f in native_layer.fields()
    ], "fields"
    assert ours_layer.wkbType() == native_layer.wkbType(), (
        f"geometry type {QgsWkbTypes.displayString(ours_layer.wkbType())} vs "
        f"{QgsWkbTypes.displayString(native_layer.wkbType())}"
    )
    native_by_key = defaultdict(list)
    for feature in native_layer.getFeatures():
        native_by_key[_attributes_key(feature)].append(feature.geometry())
    problems = []
    for feature in ours_layer.getFeatures():
        candidates = native_by_key.get(_attributes_key(feature))
        assert candidates, f"no native feature with attributes {feature.attributes()}"
        reasons = [geometries_match(feature.geometry(), g) for g in candidates]
        if "" in reasons:
            candidates.pop(reasons.index(""))
        else:
            problems.append(f"{feature.attributes()[:3]}: {reasons[0]}")
    assert not problems, f"{len(problems)} geometries differ, e.g. " + "; ".join(problems[:3])


def parameter_description(definition) -> dict:
    """Everything that shapes a parameter in the dialog, in models and in scripts."""
    described = {
        "class": type(definition).__name__,
        "serialized": definition.toVariantMap(),
        "help": definition.help(),
        "flags": int(definition.flags()),
        "dynamic": definition.isDynamic(),
        "dynamic layer": definition.dynamicLayerParameterName(),
    }
    if definition.isDynamic():
        prop = definition.dynamicPropertyDefinition()
        described["property"] = (
            prop.name(),
            prop.description(),
            prop.dataType(),
            prop.standardTemplate(),
        )
    for attribute in (
        "parentParameterName",
        "parentLayerParameterName",
        "defaultUnit",
        "minimum",
        "maximum",
        "dataType",
        "dataTypes",
        "options",
        "allowMultiple",
        "usesStaticStrings",
        "supportsAppend",
        "hasGeometry",
        "createByDefault",
        "multiLine",
        "defaultToAllFields",
    ):
        if hasattr(definition, attribute):
            described[attribute] = getattr(definition, attribute)()
    return described


def assert_parameters_mirror_native(native_id: str, ours_id: str):
    """``ours_id`` has exactly the running native's parameters, in its order, then USE_CACHE."""
    registry = QgsApplication.processingRegistry()
    native = registry.algorithmById(native_id)
    ours = registry.algorithmById(ours_id)
    native_names = [p.name() for p in native.parameterDefinitions()]
    assert [p.name() for p in ours.parameterDefinitions()] == [*native_names, "USE_CACHE"]
    for name in native_names:
        assert parameter_description(ours.parameterDefinition(name)) == parameter_description(
            native.parameterDefinition(name)
        ), name
    use_cache = ours.parameterDefinition("USE_CACHE")
    assert (use_cache.type(), use_cache.defaultValue(), bool(use_cache.help())) == (
        "boolean",
        True,
        True,
    )
    outputs = {o.name(): o.type() for o in ours.outputDefinitions()}
    native_outputs = {o.name(): o.type() for o in native.outputDefinitions()}
    assert outputs == {
        **native_outputs,
        "CACHE_HITS": "outputNumber",
        "CACHE_MISSES": "outputNumber",
    }


def assert_same_outcome(native_id, ours_id, params, context_check, project=None):
    """Both algorithms fail with the same message, or report the same warnings (in the same
    order) and give the same output, under the context's invalid-geometry check. Returns
    native's output layer (None when it failed).

    ``params`` may be a function giving fresh parameters (new layers) for each run: QGIS
    finds an empty geometry invalid only the first time it tests it.
    """
    from qgis.core import QgsProcessingContext, QgsProcessingException

    from tests.algorithm_runs import RecordingFeedback, run

    outcomes = []
    for algorithm in (native_id, ours_id):
        context = QgsProcessingContext()
        if project is not None:
            context.setProject(project)
        context.setInvalidGeometryCheck(context_check)
        feedback = RecordingFeedback()
        try:
            given = params() if callable(params) else params
            output, _ = run(algorithm, {**given, "OUTPUT": "memory:"}, context, feedback)
        except QgsProcessingException as exc:
            outcomes.append((None, str(exc), feedback.errors))
        else:
            outcomes.append((output, "", feedback.errors))
    (native, native_error, native_messages), (ours, our_error, our_messages) = outcomes
    assert (our_error, our_messages) == (native_error, native_messages), (
        f"ours: {our_error!r} {our_messages}; native: {native_error!r} {native_messages}"
    )
    if native is not None:
        assert_same_output(ours, native)
    return native
