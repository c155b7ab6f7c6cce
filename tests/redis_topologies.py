"""Local Redis Cluster and Sentinel topologies on loopback ports, for tests and benchmarks.

``LocalCluster``: three primaries (no replicas) joined by ``redis-cli --cluster create``.
``LocalSentinel``: a primary, one replica (``--replicaof``) and three ``redis-sentinel``
(``redis-server --sentinel``) watching them with short timeouts, so a failover takes a few seconds.
Everything runs as child processes under one work directory and is stopped by ``stop()``.
"""

import contextlib
import random
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import redis
from redis.sentinel import Sentinel

from tests.redis_server import REDIS_SERVER, RedisServer, free_port, server_binary

# Debian ships redis-sentinel in its own package; ``redis-server --sentinel`` is the same mode
# (valkey-server --sentinel for valkey).
REDIS_CLI = server_binary("cli")
SERVICE = "georedis-test"
DOWN_AFTER_MS = 1000
FAILOVER_TIMEOUT_MS = 4000


def wait_until(condition, timeout: float, what: str, interval: float = 0.05):
    """Poll ``condition()`` until it returns something true; raise after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    last_error = None
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except (redis.RedisError, OSError) as exc:  # MasterNotFoundError during a failover too
            last_error = exc
        time.sleep(interval)
    raise RuntimeError(f"{what} did not happen within {timeout:g} s (last error: {last_error})")


def _cluster_ok(node: redis.Redis) -> bool:
    return node.execute_command("CLUSTER INFO")["cluster_state"] == "ok"


def _bindable(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_cluster_port() -> int:
    """A free port whose cluster bus port (port + 10000) is free and valid too."""
    for _ in range(1000):
        port = random.randint(20000, 55000)
        if _bindable(port) and _bindable(port + 10000):
            return port
    raise RuntimeError("no free port pair for a cluster node")


class TestCertificates:
    """A throwaway CA and a server certificate for 127.0.0.1, made with the openssl CLI."""

    __test__ = False  # a helper, not a pytest test class

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.ca = self.directory / "ca.crt"
        self.cert = self.directory / "server.crt"
        self.key = self.directory / "server.key"
        d = self.directory
        # The extensions a CA and a server certificate need under strict X.509 verification
        # (Python >= 3.13 sets VERIFY_X509_STRICT: a CA without keyUsage is refused).
        (d / "ca.ext").write_text(
            "basicConstraints=critical,CA:TRUE\n"
            "keyUsage=critical,keyCertSign,cRLSign\n"
            "subjectKeyIdentifier=hash\n"
        )
        (d / "server.ext").write_text(
            "basicConstraints=critical,CA:FALSE\n"
            "keyUsage=critical,digitalSignature,keyEncipherment\n"
            "extendedKeyUsage=serverAuth,clientAuth\n"
            "subjectAltName=IP:127.0.0.1\n"
            "subjectKeyIdentifier=hash\n"
            "authorityKeyIdentifier=keyid,issuer\n"
        )
        for command in (
            f"req -new -nodes -newkey rsa:2048 -keyout {d}/ca.key -out {d}/ca.csr "
            "-subj /CN=GeoRedis-test-CA",
            f"x509 -req -in {d}/ca.csr -signkey {d}/ca.key -out {self.ca} -days 2 "
            f"-extfile {d}/ca.ext",
            f"req -new -nodes -newkey rsa:2048 -keyout {self.key} -out {d}/server.csr "
            "-subj /CN=127.0.0.1",
            f"x509 -req -in {d}/server.csr -CA {self.ca} -CAkey {d}/ca.key -CAcreateserial "
            f"-out {self.cert} -days 2 -extfile {d}/server.ext",
        ):
            subprocess.run(
                [shutil.which("openssl") or "/usr/bin/openssl", *command.split()],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=60,
            )

    def server_args(self) -> list:
        return [
            "--tls-cert-file",
            str(self.cert),
            "--tls-key-file",
            str(self.key),
            "--tls-ca-cert-file",
            str(self.ca),
            "--tls-auth-clients",
            "no",
        ]


class LocalCluster:
    """A 3-primary Redis Cluster on 127.0.0.1."""

    def __init__(self, workdir: Path, primaries: int = 3, extra_args=(), tls=None):
        """``tls``: a ``TestCertificates``; each node then also listens with TLS on
        ``tls_ports`` (the plain ports stay for setting the cluster up) and the cluster bus
        uses TLS."""
        self.workdir = Path(workdir)
        self.servers = []
        self.tls_ports = []
        for index in range(primaries):
            node_dir = self.workdir / f"node{index}"
            tls_args = []
            if tls is not None:
                # with a TLS cluster bus, the bus port is the TLS port + 10000
                self.tls_ports.append(free_cluster_port())
                tls_args = [
                    "--tls-port",
                    str(self.tls_ports[-1]),
                    *tls.server_args(),
                    "--tls-cluster",
                    "yes",
                ]
            self.servers.append(
                RedisServer(
                    node_dir,
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    str(node_dir / "nodes.conf"),
                    "--cluster-node-timeout",
                    "2000",
                    *tls_args,
                    *extra_args,
                    port=free_cluster_port(),
                )
            )

    @property
    def tls_url(self) -> str:
        return "rediss+cluster://" + ",".join(f"127.0.0.1:{p}" for p in self.tls_ports)

    @property
    def nodes(self) -> list:
        return [("127.0.0.1", server.port) for server in self.servers]

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"{h}:{p}" for h, p in self.nodes)

    def start(self) -> "LocalCluster":
        try:
            for server in self.servers:
                server.start()
            subprocess.run(
                [
                    REDIS_CLI,
                    "--cluster",
                    "create",
                    *(f"{h}:{p}" for h, p in self.nodes),
                    "--cluster-replicas",
                    "0",
                    "--cluster-yes",
                ],
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                timeout=60,
            )
            for host, port in self.nodes:
                with redis.Redis(host=host, port=port) as node:
                    wait_until(lambda n=node: _cluster_ok(n), 30, f"cluster state on {port}")
        except BaseException:
            self.stop()
            raise
        return self

    def primaries(self) -> list:
        """A plain client per primary (the caller closes them)."""
        return [redis.Redis(host=h, port=p) for h, p in self.nodes]

    def flushall(self) -> None:
        for client in self.primaries():
            with client:
                client.flushall()

    def stop(self) -> None:
        for server in self.servers:
            server.stop()


# SENTINEL commands go through execute_command: redis-py 6.2+'s sentinel_master() and
# sentinel_get_master_addr_by_name() pass return_responses= to the reply parser, which fails
# with a TypeError on a plain client (only redis.sentinel.Sentinel's clients remove it).


class LocalSentinel:
    """A primary, a replica and three Sentinels watching them as service ``SERVICE``.

    Smaller variants for single checks: no replica, fewer Sentinels, a password on the
    primary (``password``) and one on the Sentinels themselves (``sentinel_password``), TLS
    (``tls``: a ``TestCertificates``; the Sentinels then watch the primary on its TLS port and
    listen on ``sentinel_tls_ports`` too, named by ``tls_url``).
    """

    def __init__(
        self,
        workdir: Path,
        sentinels: int = 3,
        with_replica: bool = True,
        password: str = "",
        sentinel_password: str = "",
        tls=None,
    ):
        self.workdir = Path(workdir)
        self.tls = tls
        self.primary_tls_port = free_port() if tls is not None else 0
        tls_args = ["--tls-port", str(self.primary_tls_port), *tls.server_args()] if tls else []
        self.primary = RedisServer(self.workdir / "primary", *tls_args)
        self.replica = RedisServer(self.workdir / "replica")
        self.with_replica = with_replica
        self.password = password
        self.sentinel_password = sentinel_password
        self.sentinel_ports = [free_port() for _ in range(sentinels)]
        self.sentinel_tls_ports = [free_port() for _ in range(sentinels)] if tls else []
        self.sentinels = []

    @property
    def tls_url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{port}" for port in self.sentinel_tls_ports)
        return f"rediss+sentinel://{hosts}/{SERVICE}/0"

    @property
    def url(self) -> str:
        hosts = ",".join(f"127.0.0.1:{port}" for port in self.sentinel_ports)
        return f"redis+sentinel://{hosts}/{SERVICE}/0"

    def start(self) -> "LocalSentinel":
        try:
            self.primary.start(password=self.password)
            if self.with_replica:
                self.replica.extra_args += ["--replicaof", "127.0.0.1", str(self.primary.port)]
                self.replica.start()
                wait_until(self._replica_in_sync, 30, "replication to the replica")
            for index, port in enumerate(self.sentinel_ports):
                self.sentinels.append(self._start_sentinel(index, port))
            wait_until(self._sentinels_ready, 30, "sentinels seeing the replica and each other")
        except BaseException:
            self.stop()
            raise
        return self

    def _start_sentinel(self, index: int, port: int) -> subprocess.Popen:
        directory = self.workdir / f"sentinel{index}"
        directory.mkdir(parents=True, exist_ok=True)
        config = directory / "sentinel.conf"  # Sentinel rewrites its config: one each
        tls = ""
        if self.tls is not None:
            tls = (
                f"tls-port {self.sentinel_tls_ports[index]}\n"
                "tls-replication yes\n"  # Sentinels talk TLS to the servers too
                + "".join(
                    f"{name[2:]} {value}\n"
                    for name, value in zip(
                        self.tls.server_args()[::2], self.tls.server_args()[1::2]
                    )
                )
            )
        monitored = self.primary_tls_port or self.primary.port
        config.write_text(
            f"port {port}\n"
            "bind 127.0.0.1\n"
            f"dir {directory}\n" + tls + f"sentinel monitor {SERVICE} 127.0.0.1 {monitored} "
            f"{min(2, len(self.sentinel_ports))}\n"
            f"sentinel down-after-milliseconds {SERVICE} {DOWN_AFTER_MS}\n"
            f"sentinel failover-timeout {SERVICE} {FAILOVER_TIMEOUT_MS}\n"
            f"sentinel parallel-syncs {SERVICE} 1\n"
            + (f"sentinel auth-pass {SERVICE} {self.password}\n" if self.password else "")
            + (f"requirepass {self.sentinel_password}\n" if self.sentinel_password else "")
        )
        process = subprocess.Popen(
            [REDIS_SERVER, str(config), "--sentinel"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        with self._sentinel(port) as probe:
            wait_until(probe.ping, 10, f"redis-sentinel on {port}")
        return process

    def _replica_in_sync(self) -> bool:
        with redis.Redis(host="127.0.0.1", port=self.replica.port) as replica:
            return replica.info("replication").get("master_link_status") == "up"

    def _sentinel(self, port: int) -> redis.Redis:
        return redis.Redis(
            host="127.0.0.1",
            port=port,
            password=self.sentinel_password or None,
            socket_connect_timeout=0.2,
        )

    def _sentinels_ready(self) -> bool:
        replicas, others = int(self.with_replica), len(self.sentinel_ports) - 1
        for port in self.sentinel_ports:
            with self._sentinel(port) as sentinel:
                master = sentinel.execute_command("SENTINEL MASTER", SERVICE)
                if int(master["num-slaves"]) < replicas:
                    return False
                if int(master["num-other-sentinels"]) < others:
                    return False
        return True

    def primary_address(self) -> tuple:
        """(host, port) of the primary as the first Sentinel reports it now."""
        return self._reported_address(self.sentinel_ports[0])

    def _reported_address(self, sentinel_port: int) -> tuple:
        with self._sentinel(sentinel_port) as sentinel:
            host, port = sentinel.execute_command("SENTINEL GET-MASTER-ADDR-BY-NAME", SERVICE)
        return host.decode() if isinstance(host, bytes) else host, int(port)

    def server_at(self, port: int) -> RedisServer:
        return self.primary if self.primary.port == port else self.replica

    def fail_over_by_killing_the_primary(self, timeout: float = 30) -> RedisServer:
        """SIGKILL the current primary; return the server the Sentinels promoted."""
        _, old_port = self.primary_address()
        old = self.server_at(old_port)
        old.kill()
        return self.wait_for_failover(old, timeout)

    def wait_for_failover(self, old: RedisServer, timeout: float = 30) -> RedisServer:
        """Wait until the Sentinels have promoted a replica in place of ``old``; return it."""
        old_port = old.port
        # as clients see it: a Sentinel reporting a healthy primary other than the old one
        sentinel = Sentinel([("127.0.0.1", p) for p in self.sentinel_ports], socket_timeout=1)

        # the address comes from the Sentinel that reported it: asking the first Sentinel again
        # can still give the old primary, whose port refuses connections (seen on sid in CI)
        def promoted_port():
            port = sentinel.discover_master(SERVICE)[1]
            return port if port != old_port else None

        new_port = wait_until(promoted_port, timeout, "failover", 0.1)
        for each in sentinel.sentinels:
            each.close()
        # later calls ask the first Sentinel (primary_address): wait until every one has caught up
        wait_until(
            lambda: all(self._reported_address(p)[1] == new_port for p in self.sentinel_ports),
            timeout,
            "every Sentinel reporting the promoted primary",
            0.1,
        )
        new = self.server_at(new_port)
        with redis.Redis(host="127.0.0.1", port=new.port) as promoted:
            wait_until(
                lambda: promoted.info("replication")["role"] == "master", timeout, "promotion"
            )
        return new

    def restart_as_replica(self, server: RedisServer, primary: RedisServer) -> None:
        """Bring a killed server back as a replica of ``primary`` (as an operator would)."""
        server.extra_args = ["--replicaof", "127.0.0.1", str(primary.port)]
        server.start()
        with redis.Redis(host="127.0.0.1", port=server.port) as replica:
            self._wait_for_sync(replica, primary)
        wait_until(lambda: self._replica_healthy(server.port), 60, "Sentinels seeing the replica")

    @staticmethod
    def _wait_for_sync(replica: redis.Redis, primary: RedisServer, timeout: float = 90) -> None:
        """Wait for the replica's link to ``primary`` to be up, asking again every 15 s.

        A Sentinel that had not finished its own reconfiguration when the server came back can
        point it elsewhere for a while (a flake seen once in a loaded run: no sync within 30 s):
        REPLICAOF is re-sent, as an operator would, and the last replication state is reported.
        """
        deadline = time.monotonic() + timeout
        state = {}
        while time.monotonic() < deadline:
            with contextlib.suppress(redis.RedisError, OSError):
                replica.execute_command("REPLICAOF", "127.0.0.1", primary.port)
            step_end = min(deadline, time.monotonic() + 15)
            while time.monotonic() < step_end:
                try:
                    state = replica.info("replication")
                except (redis.RedisError, OSError) as exc:
                    state = {"error": str(exc)}
                if state.get("master_link_status") == "up":
                    return
                time.sleep(0.1)
        raise RuntimeError(
            f"the old primary did not sync as a replica of {primary.port} within {timeout:g} s: "
            + ", ".join(
                f"{k}={state.get(k)}"
                for k in (
                    "role",
                    "master_port",
                    "master_link_status",
                    "master_sync_in_progress",
                    "error",
                )
            )
        )

    def _replica_healthy(self, port: int) -> bool:
        """Every Sentinel lists the replica on ``port`` as up: a candidate for promotion."""
        for sentinel_port in self.sentinel_ports:
            with self._sentinel(sentinel_port) as sentinel:
                replicas = sentinel.execute_command("SENTINEL SLAVES", SERVICE)
            if not any(
                int(r["port"]) == port and not (r["is_sdown"] or r["is_disconnected"])
                for r in replicas
            ):
                return False
        return True

    def flushall(self) -> None:
        _, port = self.primary_address()
        with redis.Redis(host="127.0.0.1", port=port) as primary:
            primary.flushall()
            primary.wait(1, 5000)

    def stop(self) -> None:
        for process in self.sentinels:
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
        self.sentinels = []
        self.replica.stop()
        self.primary.stop()


# -- pytest fixtures (imported by conftest.py) -------------------------------------------------


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory):
    """A 3-primary Redis Cluster started once per test session."""
    cluster = LocalCluster(tmp_path_factory.mktemp("cluster")).start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def redis_sentinel(tmp_path_factory):
    """A Sentinel-managed primary and replica, started once per test session."""
    topology = LocalSentinel(tmp_path_factory.mktemp("sentinel")).start()
    yield topology
    topology.stop()


def _exported(url: str, monkeypatch):
    from georedis_plugin.core.clients import reset_clients
    from georedis_plugin.core.config import ENV_URL

    monkeypatch.setenv(ENV_URL, url)
    reset_clients()
    yield url
    reset_clients()


@pytest.fixture
def cluster_url(redis_cluster, monkeypatch):
    """The cluster's redis+cluster:// URL, emptied, and exported as GEOREDIS_URL."""
    redis_cluster.flushall()
    yield from _exported(redis_cluster.url, monkeypatch)


@pytest.fixture
def sentinel_url(redis_sentinel, monkeypatch):
    """The Sentinel service's redis+sentinel:// URL, emptied, and exported as GEOREDIS_URL."""
    redis_sentinel.flushall()
    yield from _exported(redis_sentinel.url, monkeypatch)
