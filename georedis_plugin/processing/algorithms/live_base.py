"""Shared parts of the live-position algorithms: the stream name, Redis errors, sinks and the
temporal properties set on loaded outputs."""

import itertools

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeatureSink,
    QgsProcessingException,
    QgsProcessingLayerPostProcessorInterface,
    QgsProcessingParameterString,
)

from ...core.clients import get_client
from ...core.compat import finalize_sink
from ...core.errors import REDIS_ERRORS, GeoRedisError, explain_error
from ...core.live import features
from ...core.live.keys import LiveKeys
from .base import GeoRedisAlgorithm

LIVE_GROUP = "Live positions"
WRITE_CHUNK = 10_000  # features handed to the sink at once
LIVE_GROUP_ID = "live"

# Post-processors must outlive the algorithm run (QGIS does not own them); one per output
# layer, dropped once applied.
_post_processors = set()


class AnimateOnLoad(QgsProcessingLayerPostProcessorInterface):
    def __init__(self, start_field: str, end_field: str = ""):
        super().__init__()
        self.start_field, self.end_field = start_field, end_field

    def postProcessLayer(self, layer, context, feedback):
        features.animate(layer, self.start_field, self.end_field)
        _post_processors.discard(self)


class LiveAlgorithm(GeoRedisAlgorithm):
    NAME = "NAME"

    def group(self) -> str:
        return self.tr(LIVE_GROUP)

    def groupId(self) -> str:
        return LIVE_GROUP_ID

    def add_name_parameter(self) -> None:
        name = QgsProcessingParameterString(self.NAME, self.tr("Live stream name"))
        name.setHelp(self.tr("Name of the live stream: its Redis key is <prefix>:live:{<name>}."))
        self.add_parameter(name)

    def redis(self, parameters, context, work):
        """``work(client, keys)`` with the configured client; Redis trouble becomes a
        QgsProcessingException that says what to do."""
        config = self.connection_config()
        try:
            keys = LiveKeys.for_name(
                config.key_prefix, self.parameterAsString(parameters, self.NAME, context)
            )
            return work(get_client(config), keys)
        except GeoRedisError as exc:
            raise QgsProcessingException(str(exc)) from exc
        except REDIS_ERRORS as exc:
            raise QgsProcessingException(explain_error(exc, config)) from exc

    def write(self, parameters, name, context, fields, wkb_type, feature_list, animate=None):
        """Write ``feature_list`` (any iterable: it is taken ``WRITE_CHUNK`` features at a
        time) to the sink ``name`` (WGS 84); its destination id.

        ``animate`` = (start field, end field or ''): set the temporal properties of the
        layer loaded at the end.
        """
        sink, dest_id = self.parameterAsSink(
            parameters,
            name,
            context,
            fields,
            wkb_type,
            QgsCoordinateReferenceSystem(features.WGS84),
        )
        if sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, name))
        chunk = []
        for feature in itertools.chain(feature_list, [None]):
            if feature is not None:
                chunk.append(feature)
                if len(chunk) < WRITE_CHUNK:
                    continue
            if chunk and not sink.addFeatures(chunk, QgsFeatureSink.Flag.FastInsert):
                raise QgsProcessingException(self.writeFeatureError(sink, parameters, name))
            chunk = []
        finalize_sink(sink)
        if animate is not None and context.willLoadLayerOnCompletion(dest_id):
            processor = AnimateOnLoad(*animate)
            _post_processors.add(processor)
            context.layerToLoadOnCompletionDetails(dest_id).setPostProcessor(processor)
        return dest_id

    def field_names(self, parameters, name, context) -> list:
        """A multiple field parameter's names: parameterAsStrings from QGIS 3.40, which
        deprecates parameterAsFields (3.22 has only the latter)."""
        as_strings = getattr(self, "parameterAsStrings", None)
        if as_strings is not None:
            return as_strings(parameters, name, context)
        return self.parameterAsFields(parameters, name, context)

    def time_range(self, parameters, context, start_name, end_name):
        """(start ms or None, end ms or None) of two optional date-time parameters."""
        values = []
        for name in (start_name, end_name):
            value = self.parameterAsDateTime(parameters, name, context)
            values.append(value.toMSecsSinceEpoch() if value.isValid() else None)
        return tuple(values)
