"""georedis:loadgeoset: load the points of a layer into a Redis geo set (replacing it)."""

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterString,
)

from ...core import geoset
from ...core.clients import get_client
from ...core.errors import REDIS_ERRORS, GeoRedisError, explain_error
from .geoset_base import GeoSetAlgorithm


class LoadGeoSetAlgorithm(GeoSetAlgorithm):
    INPUT = "INPUT"
    ID_FIELD = "ID_FIELD"
    STORE_ATTRIBUTES = "STORE_ATTRIBUTES"
    LOADED = "LOADED"
    SKIPPED = "SKIPPED"
    DUPLICATES = "DUPLICATES"

    def name(self) -> str:
        return "loadgeoset"

    def displayName(self) -> str:
        return self.tr("Load points into a geo set")

    def shortHelpString(self) -> str:
        return self.tr(
            "Loads the points of a layer into a Redis geo set, replacing the set atomically: "
            "readers see the old set or the new one, never a mix. Points are transformed to "
            "WGS 84. Each point is named by the id field (or the feature id); a multipoint "
            "gives one member per part, named '<id>#<n>' (n from 1). When names repeat, the "
            "last feature wins and the others are counted as duplicates. Points Redis cannot "
            "index (no geometry, latitude beyond ±85.05112878°, longitude beyond ±180°) are "
            "skipped and counted. Optionally the attributes are stored too, so search hits "
            "carry them with the same field names and types."
        )

    def initAlgorithm(self, config=None):
        source = QgsProcessingParameterFeatureSource(
            self.INPUT, self.tr("Point layer"), [QgsProcessing.SourceType.TypeVectorPoint]
        )
        source.setHelp(self.tr("The points (or multipoints) to load, in any CRS."))
        self.addParameter(source)  # noqa: QGS202 fails only on a duplicate name
        key = QgsProcessingParameterString(
            self.KEY, self.tr("Geo set name"), optional=True, defaultValue=""
        )
        key.setHelp(
            self.tr(
                "Name of the geo set; an existing set of that name is replaced. Empty: a slug "
                "of the layer name. Any characters are allowed."
            )
        )
        self.addParameter(key)  # noqa: QGS202 fails only on a duplicate name
        id_field = QgsProcessingParameterField(
            self.ID_FIELD,
            self.tr("Member name field"),
            parentLayerParameterName=self.INPUT,
            optional=True,
        )
        id_field.setHelp(self.tr("Field whose values name the members. Empty: the feature id."))
        self.addParameter(id_field)  # noqa: QGS202 fails only on a duplicate name
        store = QgsProcessingParameterBoolean(
            self.STORE_ATTRIBUTES, self.tr("Store the attributes"), defaultValue=False
        )
        store.setHelp(
            self.tr(
                "Keep every feature's attributes in a hash next to the set, so search results "
                "carry them. Costs memory and loading time."
            )
        )
        self.addParameter(store)  # noqa: QGS202 fails only on a duplicate name
        for output in (
            QgsProcessingOutputString(self.KEY, self.tr("Geo set name")),
            QgsProcessingOutputNumber(self.LOADED, self.tr("Loaded points")),
            QgsProcessingOutputNumber(self.SKIPPED, self.tr("Skipped points")),
            QgsProcessingOutputNumber(self.DUPLICATES, self.tr("Duplicate member names")),
        ):
            self.addOutput(output)  # noqa: QGS202 fails only on a duplicate name

    def processAlgorithm(self, parameters, context, feedback):
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        name = self.parameterAsString(parameters, self.KEY, context).strip()
        id_field = self.parameterAsString(parameters, self.ID_FIELD, context)
        store = self.parameterAsBoolean(parameters, self.STORE_ATTRIBUTES, context)
        layer = None
        if not isinstance(parameters.get(self.INPUT), QgsProcessingFeatureSourceDefinition):
            # the whole layer: read in bulk when its provider allows (core decides)
            layer = self.parameterAsVectorLayer(parameters, self.INPUT, context)
        source_name = layer.name() if layer is not None else source.sourceName()
        name = name or geoset.slug(source_name)
        config = self.connection_config()
        try:
            result = geoset.load_layer(
                get_client(config),
                config.key_prefix,
                name,
                layer if layer is not None else source,
                id_field,
                store,
                context.transformContext(),
                feedback,
                source_name,
            )
        except GeoRedisError as exc:
            raise QgsProcessingException(str(exc)) from exc
        except REDIS_ERRORS as exc:
            raise QgsProcessingException(explain_error(exc, config)) from exc
        feedback.pushInfo(
            self.tr(
                "Loaded {loaded} points into '{name}' ({key}); skipped {skipped}, "
                "duplicate names {duplicates}."
            ).format(
                loaded=result.loaded,
                name=name,
                key=result.key,
                skipped=result.skipped,
                duplicates=result.duplicates,
            )
        )
        return {
            self.KEY: name,
            self.LOADED: result.loaded,
            self.SKIPPED: result.skipped,
            self.DUPLICATES: result.duplicates,
        }
