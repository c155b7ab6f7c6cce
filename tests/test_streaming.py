"""Cached algorithms stream their input in chunks: a cancelled run keeps what it wrote and
returns it, as native does; values above the cache's size limit are neither stored nor called
damaged (issue 13, item 9)."""

import pytest
from qgis.core import QgsApplication, QgsProcessingContext, QgsProcessingFeedback

from georedis_plugin.core import wkb_cache
from tests.algorithm_runs import RecordingFeedback, run
from tests.layers import memory_layer, world_layer
from tests.parity import assert_same_output

EXTENT = (0, 40, 20, 55)
# 400 points far enough apart that their buffers stay apart: a dissolve of 400 parts
POINTS = [f"Point ({x * 3} {y * 3})" for x in range(20) for y in range(20)]


class CancellingFeedback(QgsProcessingFeedback):
    def __init__(self, after):
        super().__init__()
        self.after = after

    def setProgress(self, progress):
        if progress > self.after:
            self.cancel()
        super().setProgress(progress)


def cancelled_run(algorithm_id, parameters, after):
    algorithm = QgsApplication.processingRegistry().createAlgorithmById(algorithm_id)
    context = QgsProcessingContext()
    feedback = CancellingFeedback(after)
    result, _ok = algorithm.run(parameters, context, feedback)
    assert feedback.isCanceled()
    return context.getMapLayer(result["OUTPUT"]), context


def test_a_cancelled_intersection_returns_the_pairs_of_the_chunks_it_wrote(
    provider, redis_url, monkeypatch
):
    from georedis_plugin.processing.algorithms.intersection import IntersectionAlgorithm

    monkeypatch.setattr(IntersectionAlgorithm, "CHUNK_FEATURES", 20)
    states = world_layer("states_provinces", extent=EXTENT)
    countries = world_layer("countries", extent=EXTENT)
    assert states.featureCount() > 100
    params = {"INPUT": states, "OVERLAY": countries, "OUTPUT": "memory:"}
    ours, _context = cancelled_run("georedis:intersection", params, after=50)
    assert ours.featureCount() > 0
    # the output is native's for the input features of the chunks written
    written_ids = sorted({f["fid"] for f in ours.getFeatures()})
    chunks = -(-len(written_ids) // 20)
    first = world_layer("states_provinces", extent=EXTENT, limit=chunks * 20)
    assert sorted(f["fid"] for f in first.getFeatures())[: len(written_ids)] == written_ids
    native, _ = run("native:intersection", {**params, "INPUT": first})
    assert_same_output(ours, native)
    assert ours.featureCount() < run("native:intersection", params)[0].featureCount()


@pytest.mark.parametrize("chunk", [7, 1000])
def test_streamed_dissolve_is_natives_and_read_back(provider, redis_url, monkeypatch, chunk):
    from georedis_plugin.processing.algorithms.buffer import BufferAlgorithm

    monkeypatch.setattr(BufferAlgorithm, "CHUNK_FEATURES", chunk)
    layer = world_layer("states_provinces", extent=EXTENT)
    params = {"INPUT": layer, "DISTANCE": 0.2, "DISSOLVE": True, "OUTPUT": "memory:"}
    ours, first = run("georedis:buffer", params)
    native, _ = run("native:buffer", params)
    assert_same_output(ours, native)
    again, second = run("georedis:buffer", params)
    assert second["CACHE_MISSES"] == 0 and second["CACHE_HITS"] == first["CACHE_MISSES"]
    assert_same_output(again, native)


def test_a_dissolve_above_the_value_limit_is_not_stored(
    provider, redis_url, redis_client, monkeypatch
):
    monkeypatch.setattr(wkb_cache, "MAX_VALUE_BYTES", 50_000)
    layer = memory_layer("Point", POINTS)
    params = {"INPUT": layer, "DISTANCE": 0.5, "DISSOLVE": True, "OUTPUT": "memory:"}
    ours, _ = run("georedis:buffer", params)
    assert len(bytes(next(ours.getFeatures()).geometry().asWkb())) > 50_000
    assert list(redis_client.scan_iter("georedis:cache:buffer-dissolve:*")) == []
    assert len(list(redis_client.scan_iter("georedis:cache:buffer:*"))) == len(POINTS)
    feedback = RecordingFeedback()
    again, result = run("georedis:buffer", params, feedback=feedback)
    # only the union is computed again; nothing was refused, so nothing is called damaged
    assert (result["CACHE_HITS"], result["CACHE_MISSES"]) == (len(POINTS), 1)
    assert not any("damaged" in info for info in feedback.infos), feedback.infos
    native, _ = run("native:buffer", params)
    assert_same_output(again, native)


def test_a_value_refused_by_size_is_not_called_damaged(
    provider, redis_url, redis_client, monkeypatch
):
    layer = memory_layer("Point", POINTS[:20])
    params = {"INPUT": layer, "DISTANCE": 0.5, "OUTPUT": "memory:"}
    run("georedis:buffer", params)
    monkeypatch.setattr(wkb_cache, "MAX_VALUE_BYTES", 50_000)
    key = next(redis_client.scan_iter("georedis:cache:buffer:*"))
    redis_client.set(key, b"\x01" * 60_000)  # as an earlier release stored a large union
    feedback = RecordingFeedback()
    ours, result = run("georedis:buffer", params, feedback=feedback)
    assert (result["CACHE_HITS"], result["CACHE_MISSES"]) == (19, 1)
    assert not any("damaged" in info for info in feedback.infos), feedback.infos
    assert any("larger than" in info for info in feedback.infos), feedback.infos
    native, _ = run("native:buffer", params)
    assert_same_output(ours, native)
