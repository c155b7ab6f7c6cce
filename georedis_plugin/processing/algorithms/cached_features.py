"""The skeleton of the cached algorithms: stream the input in chunks, cache-aside, write.

``CachedFeatureAlgorithm.processAlgorithm`` does what every cached algorithm does, as native
does it: it reads INPUT in chunks of ``CHUNK_FEATURES`` features (so memory does not grow with
the layer), applies the source's invalid-geometry setting when ``CHECKS_VALIDITY`` (QGIS's
own messages and errors, see ``source_reading``), asks the subclass for the cache keys of the
chunk, reads them back (``core.cache_aside``), has the subclass compute the misses, stores
them, writes the chunk's output features, reports progress, and stops between (and inside)
chunks when cancelled, keeping what it wrote and returning OUTPUT as native does. It also
runs the native algorithm instead for a parameter it cannot honour, reports the cache
warning and counters, and finalizes the sink.

A new cached algorithm (see buffer.py, intersection.py) sets ``NATIVE_ID`` and ``HONOURED``
(``cached.CachedAlgorithm``; its parameters are clones of the native's) and overrides:

- ``prepare(run)``: read its own parameters into ``run`` (an attribute bag; never ``self``).
- ``output_fields(run)``, ``output_wkb_type(run)``, ``sink_flags(run)``: the sink, as native
  makes it (defaults: the input's fields, MultiPolygon, no flags).
- ``input_request(run)``: the request INPUT is read with (default: everything).
- ``start(run)``: work before the first chunk once the sink exists, e.g. reading an overlay
  (``read_all`` does it with validity handling); return False when cancelled.
- ``chunk_keys(run, chunk)``: one cache key per value the chunk needs (per feature, per
  pair...); the key parts are the operation, its version, the parameters that shape the
  result and the input WKB or digests (``run.cache.key_function``).
- ``check_values(run, values)``: which cached values are usable, all at once (default: WKB
  of the type ``VALUE_TYPE``, checked in bulk, ``wkb_cache.wkb_base_types``).
- ``compute(run, chunk, missing, progress)``: the values of the missing keys (positions in
  the chunk's key list), in parallel (``core.geometry_io.parallel_map``); None if cancelled.
- ``chunk_features(run, chunk, values)``: the output features of the chunk.
- ``finish(run)``: after the last chunk (and after a cancel, as native), e.g. dissolving.

``chunk`` is a ``source_reading.FeatureBatch``: the chunk's features, the WKB of those with a
geometry (``wkbs``, ``rows``, ``digests``), and ``all_valid``.
"""

import time

from qgis.core import QgsFeatureRequest, QgsFeatureSink, QgsProcessingException, QgsWkbTypes

from ...core.cache_aside import CacheAside
from ...core.compat import finalize_sink
from ...core.wkb_cache import MULTIPOLYGON, wkb_base_types
from . import source_reading
from .cached import CachedAlgorithm

WRITE_BATCH = 1000


class CachedRun:
    """What one run of a cached algorithm knows; subclasses add their own attributes."""

    def __init__(self, parameters, context, feedback, source, cache):
        self.parameters = parameters
        self.context = context
        self.feedback = feedback
        self.source = source
        self.cache = cache
        self.cache_aside = CacheAside(cache)
        self.sink = None
        self.cancelled = False


class CachedFeatureAlgorithm(CachedAlgorithm):
    INPUT = "INPUT"
    OUTPUT = "OUTPUT"
    CHUNK_FEATURES = 20000
    CHECKS_VALIDITY = False
    VALUE_TYPE = MULTIPOLYGON

    # -- what a subclass overrides -----------------------------------------------------------

    def prepare(self, run) -> None:
        """Read the algorithm's own parameters into ``run``."""

    def output_fields(self, run):
        return run.source.fields()

    def output_wkb_type(self, run):
        return QgsWkbTypes.Type.MultiPolygon

    def sink_flags(self, run) -> list:
        return []

    def input_request(self, run):
        return QgsFeatureRequest()

    def start(self, run) -> bool:
        return True

    def chunk_keys(self, run, chunk) -> list:
        raise NotImplementedError

    def check_values(self, run, values):
        return wkb_base_types(values) == self.VALUE_TYPE

    def compute(self, run, chunk, missing, progress):
        raise NotImplementedError

    def chunk_features(self, run, chunk, values) -> list:
        raise NotImplementedError

    def finish(self, run) -> None:
        """After the last chunk, or after a cancel (``run.cancelled``)."""

    # -- the skeleton ------------------------------------------------------------------------

    def processAlgorithm(self, parameters, context, feedback):
        self.require_native()
        unhonoured = self.unhonoured_parameters(parameters)
        if unhonoured:
            return self.run_native(parameters, context, feedback, unhonoured)
        started = time.perf_counter()
        source = self.parameterAsSource(parameters, self.INPUT, context)
        if source is None:
            raise QgsProcessingException(self.invalidSourceError(parameters, self.INPUT))
        run = CachedRun(parameters, context, feedback, source, self.open_cache(parameters, context))
        self.prepare(run)
        run.sink, dest = self.parameterAsSink(
            parameters,
            self.OUTPUT,
            context,
            self.output_fields(run),
            self.output_wkb_type(run),
            source.sourceCrs(),
            *self.sink_flags(run),
        )
        if run.sink is None:
            raise QgsProcessingException(self.invalidSinkError(parameters, self.OUTPUT))
        if self.start(run):
            self._stream(run)
        else:
            run.cancelled = True
        self.finish(run)
        finalize_sink(run.sink)
        outputs = {self.OUTPUT: dest}
        outputs.update(self.finish_cache(run.cache, feedback, time.perf_counter() - started))
        return outputs

    def _stream(self, run) -> None:
        feedback = run.feedback
        total = run.source.featureCount()
        done = 0
        check_input = self.CHECKS_VALIDITY and source_reading.needs_check(
            run.parameters.get(self.INPUT), run.source, run.context
        )
        chunks = source_reading.batches(
            run.source, self.input_request(run), self.CHUNK_FEATURES, feedback
        )
        for chunk in chunks:
            # within a chunk: read 0-30 %, keys and lookup -40 %, compute -80 %, write -100 %
            span = 100.0 * len(chunk.features) / total if total > 0 else 0.0
            base = 100.0 * done / total if total > 0 else 0.0

            def report(fraction, base=base, span=span):
                feedback.setProgress(min(100.0, base + span * fraction))

            report(0.3)
            if check_input and not source_reading.filter_invalid(
                chunk, run.source, run.parameters.get(self.INPUT), run.cache, run.context, feedback
            ):
                break
            keys = self.chunk_keys(run, chunk)
            if keys is None or feedback.isCanceled():
                break
            report(0.35)

            def compute(missing, chunk=chunk, report=report):
                feedback.pushInfo(self.computing_message(len(missing)))
                return self.compute(run, chunk, missing, lambda f: report(0.4 + 0.4 * f))

            values = run.cache_aside.values(
                keys, lambda found: self.check_values(run, found), compute
            )
            if values is None:
                break
            report(0.8)
            self.write(run, self.chunk_features(run, chunk, values), report)
            done += len(chunk.features)
            if feedback.isCanceled():
                break
        run.cancelled = feedback.isCanceled()

    def computing_message(self, count: int) -> str:
        return self.tr("Computing {n} results…").format(n=count)

    def write(self, run, features, report=None) -> None:
        """Add ``features`` to the sink in batches; raises QGIS's write error on failure."""
        for start in range(0, len(features), WRITE_BATCH):
            batch = features[start : start + WRITE_BATCH]
            if not run.sink.addFeatures(batch, QgsFeatureSink.Flag.FastInsert):
                raise QgsProcessingException(
                    self.writeFeatureError(run.sink, run.parameters, self.OUTPUT)
                )
            if report is not None:
                report(0.8 + 0.2 * min(1.0, (start + WRITE_BATCH) / len(features)))

    def read_all(self, run, source, name, request, stored_elsewhere=False):
        """A whole other source (an overlay) as one FeatureBatch, with its validity setting.

        ``stored_elsewhere``: ``request`` reprojects it, and QGIS tests the geometries as
        stored. None when cancelled.
        """
        feedback = run.feedback
        features = []
        for feature in source.getFeatures(request, source_reading.UNCHECKED):
            if feedback.isCanceled():
                return None
            features.append(feature)
        batch = source_reading.FeatureBatch(features)
        stored = None
        value = run.parameters.get(name)
        if stored_elsewhere and source_reading.needs_check(value, source, run.context):
            stored = source_reading.stored_wkbs(source, batch.ids, feedback)
            if stored is None:
                return None
        if not source_reading.filter_invalid(
            batch, source, value, run.cache, run.context, feedback, stored
        ):
            return None
        return batch
