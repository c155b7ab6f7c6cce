"""Redis look-alikes that answer slowly: byte by byte, or through a throttled link.

``TrickleServer`` answers the connection handshake at once and every other reply one byte per
``interval`` seconds, each byte well within a read timeout, so only a deadline over the whole
reply bounds a call. ``ThrottledProxy`` forwards to a real server at a given byte rate.
"""

import contextlib
import socket
import threading
import time

# answered at once: what redis-py sends while connecting
HANDSHAKE = {b"CLIENT", b"PING", b"SELECT", b"AUTH", b"HELLO", b"READONLY"}


def read_command(stream):
    """One RESP array of bulk strings from a binary file object, or None at the end."""
    line = stream.readline()
    if not line:
        return None
    if not line.startswith(b"*"):  # inline command
        return line.split()
    args = []
    for _ in range(int(line[1:])):
        length = int(stream.readline()[1:])
        args.append(stream.read(length + 2)[:-2])
    return args


def plain_reply(args) -> bytes:
    """A well-formed reply for what GeoRedis sends (MGET: all misses)."""
    name = args[0].upper()
    if name == b"PING":
        return b"+PONG\r\n"
    if name == b"HELLO":  # redis-py 8 asks for RESP3; a map naming the protocol is enough
        return b"%1\r\n+proto\r\n:3\r\n"
    if name == b"MGET":
        return b"*%d\r\n" % (len(args) - 1) + b"$-1\r\n" * (len(args) - 1)
    if name == b"GET":
        return b"$-1\r\n"
    if name in (b"LPUSH", b"DEL", b"UNLINK", b"EXISTS"):
        return b":1\r\n"
    return b"+OK\r\n"


class _LoopbackListener:
    """A loopback TCP listener on a free port accepting in a thread; ``_connected(client)``
    handles each connection. ``close()`` stops accepting and ends the handlers."""

    def __init__(self):
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(16)
        self._socket.settimeout(0.1)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        return self._socket.getsockname()[1]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def _accept(self):
        while not self._stop.is_set():
            try:
                client, _ = self._socket.accept()
            except socket.timeout:
                continue
            self._connected(client)

    def _connected(self, client):
        raise NotImplementedError

    def close(self):
        self._stop.set()
        self._thread.join()
        self._socket.close()


class TrickleServer(_LoopbackListener):
    """Answers the handshake at once, then every reply one byte per ``interval`` seconds.

    ``reply(args) -> bytes`` chooses the replies (``plain_reply`` by default). Gives up on a
    connection after ``give_up`` seconds, so a client without a deadline ends too.
    """

    def __init__(self, interval=0.1, reply=plain_reply, give_up=60.0):
        self.interval = interval
        self.reply = reply
        self.give_up = give_up
        self.handshake = set(HANDSHAKE)  # commands answered at once
        self.commands = []
        super().__init__()

    def _connected(self, client):
        threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client):
        started = time.monotonic()
        with contextlib.suppress(OSError), client, client.makefile("rb") as stream:
            while not self._stop.is_set():
                args = read_command(stream)
                if args is None:
                    return
                self.commands.append(args)
                reply = self.reply(args)
                if args[0].upper() in self.handshake:
                    client.sendall(reply)
                    continue
                for byte in reply:
                    if self._stop.is_set() or time.monotonic() - started > self.give_up:
                        return
                    client.sendall(bytes((byte,)))
                    time.sleep(self.interval)


class ThrottledProxy(_LoopbackListener):
    """Forwards TCP connections to ``port`` with the server's replies limited to
    ``bytes_per_second`` (requests pass at full speed): a slow link to a real server.

    ``cut_after``: each connection is closed once that many reply bytes went through;
    ``corrupt_every``: every that many reply bytes one byte is flipped (a bad link or proxy).
    """

    def __init__(self, port: int, bytes_per_second=None, cut_after=None, corrupt_every=None):
        self.target = port
        self.rate = bytes_per_second
        self.cut_after = cut_after
        self.corrupt_every = corrupt_every
        super().__init__()

    def _connected(self, client):
        upstream = socket.create_connection(("127.0.0.1", self.target))
        for source, sink, replies in ((client, upstream, False), (upstream, client, True)):
            threading.Thread(target=self._pump, args=(source, sink, replies), daemon=True).start()

    def _pump(self, source, sink, replies):
        rate = self.rate if replies else None
        chunk = 4096 if rate is None else max(1, int(rate / 20))
        sent = 0
        with contextlib.suppress(OSError):
            while not self._stop.is_set():
                data = source.recv(chunk)
                if not data:
                    break
                if replies and self.corrupt_every:
                    data = bytearray(data)
                    first = (self.corrupt_every - 1 - sent) % self.corrupt_every
                    for at in range(first, len(data), self.corrupt_every):
                        data[at] ^= 0x5A
                    data = bytes(data)
                if replies and self.cut_after is not None and sent + len(data) > self.cut_after:
                    sink.sendall(data[: self.cut_after - sent])
                    break
                sink.sendall(data)
                sent += len(data)
                if rate is not None:
                    time.sleep(len(data) / rate)
        for each in (source, sink):
            with contextlib.suppress(OSError):
                each.shutdown(socket.SHUT_RDWR)
