"""A Redis that accepts connections and never answers, and a run of an algorithm against it."""

import contextlib
import socket
import threading
import time

from georedis_plugin.core import settings
from georedis_plugin.core.clients import reset_clients
from tests.algorithm_runs import RecordingFeedback, run


class SilentServer:
    """A TCP server that reads whatever Redis clients send and never answers."""

    def __init__(self):
        self.received = b""
        self.connections = 0
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self._socket.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self._socket.getsockname()[1]}/0"

    def _serve(self):
        clients = []
        while not self._stop.is_set():
            try:
                client, _ = self._socket.accept()
                client.settimeout(0.01)
                clients.append(client)
                self.connections += 1
            except socket.timeout:
                pass
            for client in clients:
                with contextlib.suppress(OSError):  # socket.timeout: nothing sent yet
                    self.received += client.recv(65536)
        for client in clients:
            client.close()

    def close(self):
        self._stop.set()
        self._thread.join()
        self._socket.close()


def run_against_silent_redis(algorithm, params, monkeypatch, read_timeout=0.5):
    """Run ``algorithm`` with Redis never answering; returns what the tests assert on.

    (output layer, result dict, recorded errors, seconds, connections made, commands sent)
    """
    server = SilentServer()
    try:
        monkeypatch.setenv("GEOREDIS_URL", server.url)
        settings.READ_TIMEOUT.set_value(read_timeout)
        reset_clients()
        feedback = RecordingFeedback()
        started = time.monotonic()
        output, result = run(algorithm, params, feedback=feedback)
        elapsed = time.monotonic() - started
    finally:
        server.close()
        reset_clients()
    commands = [line for line in server.received.split(b"\r\n") if line.startswith(b"*")]
    return output, result, feedback.errors, elapsed, server.connections, commands
