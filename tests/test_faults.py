"""The fault matrix (issue 6, item 1): every fault against a real redis-server the test controls.

Faults: down at start, killed mid-run, restarted mid-run, slow (DEBUG SLEEP, within the
timeout), stalled (CLIENT PAUSE, past the timeout), memory full (maxmemory + noeviction), wrong
password, TLS expected but the server is plain, and a plain client to a TLS server.

- Cached algorithms (buffer, intersection): the output is native's; exactly one warning when
  Redis became unusable, none when it was only slow or restarted (the run then still fills the
  cache); the time added to a run without the cache stays within the configured timeouts plus
  a margin.
- Geo-set loads: one clear error, nothing reported as loaded, the previous set intact and no
  other set visible afterwards.
- The dock: QGIS's event loop keeps running while Redis stalls; the task fails and the message
  bar says why.
The connection-level TLS/ACL cases are in tests/test_acl_tls.py; Cluster and Sentinel failures
in tests/test_cluster.py and tests/test_sentinel.py.
"""

import threading
import time

import pytest
import redis
from qgis import processing
from qgis.core import Qgis, QgsFeatureRequest, QgsProcessingException
from qgis.PyQt.QtCore import QTimer

from georedis_plugin.core import geoset, settings
from georedis_plugin.core.clients import reset_clients
from georedis_plugin.core.config import ENV_URL
from tests.algorithm_runs import RecordingFeedback, run
from tests.gui_wait import wait_for_tasks, wait_until
from tests.layers import world_layer
from tests.parity import assert_same_output
from tests.redis_server import RedisServer
from tests.redis_topologies import TestCertificates
from tests.test_acl_tls import TlsServer
from tests.test_geoset_core import point_layer, random_points

TIMEOUT = 0.5  # connect and read timeouts of every run here
MARGIN = 3.0  # scheduling noise on a busy 2-core machine
PASSWORD = "fault-matrix-pw"
CACHED = ["georedis:buffer", "georedis:intersection"]


class Harness:
    """One redis-server (AOF on, so a restart keeps the data) and the fault to inject."""

    def __init__(self, tmp_path, fault: str, certificates=None):
        self.tmp_path = tmp_path
        self.fault = fault
        self.tls_server = None
        args = ["--appendonly", "yes", "--appendfsync", "always", "--enable-debug-command", "yes"]
        if fault == "memory full":
            args += ["--maxmemory", "3mb", "--maxmemory-policy", "noeviction"]
        if fault == "wrong password":
            args += ["--requirepass", PASSWORD]
        self.server = RedisServer(tmp_path / "redis", *args)
        if fault == "plain client, TLS server":
            self.tls_server = TlsServer(tmp_path, certificates)
            self.url = f"redis://127.0.0.1:{self.tls_server.port}/0"
            return
        self.server.start(password=PASSWORD if fault == "wrong password" else "")
        self.url = self.server.url
        if fault == "wrong password":
            self.url = f"redis://:not-{PASSWORD}@127.0.0.1:{self.server.port}/0"
        if fault == "TLS expected, plain server":
            self.url = f"rediss://127.0.0.1:{self.server.port}/0"
        if fault == "memory full":
            # fill the server to its limit: reads still work, every write is refused
            admin = self.admin()
            while True:
                try:
                    admin.set(f"filler:{time.monotonic_ns()}", b"x" * 100_000)
                except redis.ResponseError as exc:  # OutOfMemoryError from redis-py 5.0 on
                    assert "maxmemory" in str(exc), exc
                    break
        if fault == "down at start":
            self.server.kill()

    def admin(self) -> redis.Redis:
        password = PASSWORD if self.fault == "wrong password" else None
        return redis.Redis(host="127.0.0.1", port=self.server.port, password=password)

    def inject(self) -> None:
        """The mid-run faults, called once from the feedback at the chosen point."""
        if self.fault in ("killed mid-run", "restarted mid-run"):
            self.server.kill()
            if self.fault == "restarted mid-run":
                self.server.start()
        elif self.fault == "stalled (CLIENT PAUSE)":
            self.admin().execute_command("CLIENT", "PAUSE", int(TIMEOUT * 1000 * 6), "ALL")
        elif self.fault == "slow (DEBUG SLEEP)":
            admin = self.admin()
            threading.Thread(
                target=admin.execute_command, args=("DEBUG", "SLEEP", TIMEOUT / 3), daemon=True
            ).start()
            time.sleep(0.02)  # the server is now asleep for the next command

    def stop(self) -> None:
        self.server.kill()
        if self.tls_server is not None:
            self.tls_server.stop()


# fault -> whether Redis is unusable for the rest of a run (one warning), or not (no warning):
# after a restart the pool finds its old connection closed and reconnects before the next
# command, so the run carries on with the cache.
FAULTS = {
    "down at start": True,
    "killed mid-run": True,
    "restarted mid-run": False,
    "slow (DEBUG SLEEP)": False,
    "stalled (CLIENT PAUSE)": True,
    "memory full": True,
    "wrong password": True,
    "TLS expected, plain server": True,
    "plain client, TLS server": True,
}


@pytest.fixture(scope="module")
def certificates(tmp_path_factory):
    return TestCertificates(tmp_path_factory.mktemp("ca"))


@pytest.fixture
def harness(request, tmp_path, monkeypatch, clean_settings, certificates):
    made = []

    def make(fault):
        h = Harness(tmp_path, fault, certificates)
        made.append(h)
        monkeypatch.setenv(ENV_URL, h.url)
        settings.CONNECT_TIMEOUT.set_value(TIMEOUT)
        settings.READ_TIMEOUT.set_value(TIMEOUT)
        if fault == "TLS expected, plain server":
            settings.CA_FILE.set_value(str(certificates.ca))
        reset_clients()
        return h

    yield make
    for h in made:
        h.stop()
    reset_clients()


class FaultFeedback(RecordingFeedback):
    """Injects the harness's fault once progress reaches ``at`` (after the cache reads)."""

    def __init__(self, harness, at):
        super().__init__()
        self.harness = harness
        self.at = at
        self.injected = False

    def setProgress(self, progress):
        if not self.injected and progress >= self.at:
            self.injected = True
            self.harness.inject()
        super().setProgress(progress)


def cached_parameters(algorithm):
    states = world_layer("states_provinces", extent=(0, 40, 20, 55))
    if algorithm == "georedis:buffer":
        return {"INPUT": states, "DISTANCE": 0.1, "OUTPUT": "memory:"}
    countries = world_layer("countries", extent=(0, 40, 20, 55))
    return {"INPUT": states, "OVERLAY": countries, "OUTPUT": "memory:"}


@pytest.mark.parametrize("fault", list(FAULTS))
@pytest.mark.parametrize("algorithm", CACHED)
def test_cached_algorithms_survive_every_fault(provider, harness, algorithm, fault):
    h = harness(fault)
    params = cached_parameters(algorithm)
    started = time.monotonic()
    run(algorithm, {**params, "USE_CACHE": False})
    without_cache = time.monotonic() - started
    # half the work is in the cache already when the fault strikes mid-run
    if fault in (
        "killed mid-run",
        "restarted mid-run",
        "slow (DEBUG SLEEP)",
        "stalled (CLIENT PAUSE)",
    ):
        first_half = QgsFeatureRequest().setLimit(params["INPUT"].featureCount() // 2)
        run(algorithm, {**params, "INPUT": params["INPUT"].materialize(first_half)})
    feedback = FaultFeedback(h, at=40)
    started = time.monotonic()
    ours, result = run(algorithm, params, feedback=feedback)
    elapsed = time.monotonic() - started
    native, _ = run(algorithm.replace("georedis:", "native:"), params)
    assert_same_output(ours, native)
    if FAULTS[fault]:
        assert len(feedback.errors) == 1, feedback.errors
        assert "without the cache" in feedback.errors[0]
    else:
        assert feedback.errors == []
        # and the run stored its results: the next one reads everything back
        _, again = run(algorithm, params)
        assert again["CACHE_MISSES"] == 0 and again["CACHE_HITS"] > 0
    assert result["CACHE_HITS"] + result["CACHE_MISSES"] > 0
    # what the fault costs: at most the timeouts (connect + read) on top of the work itself
    assert elapsed - without_cache < 2 * TIMEOUT + MARGIN, (elapsed, without_cache)


GEOSET_FAULTS = [f for f in FAULTS if f != "slow (DEBUG SLEEP)"]


@pytest.mark.parametrize("fault", GEOSET_FAULTS)
def test_a_geo_set_load_hit_by_a_fault_reports_it_and_leaves_the_old_set(provider, harness, fault):
    h = harness(fault)
    reachable = fault not in (
        "down at start", "wrong password", "TLS expected, plain server", "plain client, TLS server"
    )  # fmt: skip
    if reachable and fault != "memory full":
        old = geoset.load_layer(h.admin(), "georedis", "fleet", point_layer(*random_points(100)))
        assert old.loaded == 100
    lons, lats = random_points(120_000, seed=9)
    feedback = FaultFeedback(h, at=60)  # after the first of three ZADD batches
    with pytest.raises(QgsProcessingException) as caught:
        processing.run(
            "georedis:loadgeoset",
            {"INPUT": point_layer(lons, lats), "KEY": "fleet"},
            feedback=feedback,
        )
    message = str(caught.value)
    assert "Redis" in message and len(message) > 40, message
    assert not any("Loaded" in text for text in feedback.errors)
    if not reachable:
        return
    if fault == "stalled (CLIENT PAUSE)":
        h.admin().execute_command("CLIENT", "UNPAUSE")
    if fault == "killed mid-run":
        h.server.start()  # AOF: what the server had acknowledged comes back
    admin = h.admin()
    listed = [(i.name, i.count) for i in geoset.list_geosets(admin, "georedis")]
    if fault == "memory full":
        assert listed == []
        assert [k for k in admin.scan_iter("georedis:*")] == []  # nothing half written
    else:
        assert listed == [("fleet", 100)]
        assert admin.zcard(geoset.GeoSetKeys.for_name("georedis", "fleet").geo) == 100


def test_the_dock_stays_responsive_while_redis_stalls(qgis_iface, harness, qgis_new_project):
    from qgis.core import QgsProject

    from georedis_plugin.gui.geoset_panel import GeoSetPanel

    h = harness("stalled (CLIENT PAUSE)")
    layer = point_layer(*random_points(2000))
    assert QgsProject.instance().addMapLayer(layer)
    panel = GeoSetPanel(qgis_iface)
    wait_for_tasks()
    qgis_iface.messageBar().clear_messages()
    try:
        h.inject()  # every command now waits far past the read timeout
        ticks = []
        timer = QTimer()
        timer.timeout.connect(lambda: ticks.append(time.monotonic()))
        timer.start(20)
        panel.load_box.layer_combo.setLayer(layer)
        started = time.monotonic()
        panel.load_box.load_button.click()
        wait_until(lambda: panel.load_box.load_button.isEnabled(), timeout=TIMEOUT * 4 + MARGIN + 5)
        timer.stop()
        waited = time.monotonic() - started
        # the event loop ran throughout: the 20 ms timer fired all along the wait
        assert waited >= TIMEOUT
        assert len(ticks) >= waited / 0.02 * 0.5, (len(ticks), waited)
        errors = qgis_iface.messageBar().get_messages(Qgis.MessageLevel.Critical)
        assert any("did not answer within the timeout" in e for e in errors), errors
    finally:
        h.admin().execute_command("CLIENT", "UNPAUSE")
        panel.close_down()
        wait_for_tasks()
