"""A loopback server that answers HTTP requests as slowly as a test wants (a byte at a time),
for the tests of API call deadlines, in process and on the command line."""

from __future__ import annotations

import gzip
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

#: Seconds between two bytes of a dripped answer.
DRIP_SECONDS = 0.5

Talk = Callable[[socket.socket], None]
#: How a test's server answers one connection.
Answer = Callable[["LoopbackServer", socket.socket], None]


class LoopbackServer:
    """A TCP server on 127.0.0.1 that answers each connection with ``talk`` in a thread,
    and counts the connections (retries show up as more of them)."""

    def __init__(self, talk: Talk, tls: ssl.SSLContext | None = None) -> None:
        self.talk = talk
        self.tls = tls
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}/api"

    def _serve(self) -> None:
        while not self.stop.is_set():
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            self.connections += 1
            threading.Thread(target=self._talk, args=(client,), daemon=True).start()

    def _talk(self, client: socket.socket) -> None:
        try:
            client.settimeout(30)
            if self.tls is not None:
                client = self.tls.wrap_socket(client, server_side=True)
            read_request(client)
            self.talk(client)
        except OSError:  # the client hung up: what these tests want
            pass
        finally:
            client.close()

    def drip(self, client: socket.socket, data: bytes) -> None:
        """Send ``data`` a byte at a time, until it is sent or the test is over."""
        for byte in data:
            if self.stop.is_set():
                return
            client.sendall(bytes([byte]))
            time.sleep(DRIP_SECONDS)


def read_request(client: socket.socket) -> None:
    received = b""
    while b"\r\n\r\n" not in received:
        piece = client.recv(4096)
        if not piece:
            raise ConnectionResetError
        received += piece


@contextmanager
def serving(talk: Answer, tls: ssl.SSLContext | None = None) -> Iterator[LoopbackServer]:
    server: LoopbackServer
    server = LoopbackServer(lambda client: talk(server, client), tls)
    server.thread.start()
    try:
        yield server
    finally:
        server.stop.set()
        server.thread.join(5)
        server.listener.close()


JSON_HEAD = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n"
ANSWER = b'{"status": "success", "padding": "' + b"x" * 200 + b'"}'


def headers_then_drip(server: LoopbackServer, client: socket.socket) -> None:
    client.sendall(JSON_HEAD % len(ANSWER))
    server.drip(client, ANSWER)


def drip_headers(server: LoopbackServer, client: socket.socket) -> None:
    server.drip(client, JSON_HEAD % len(ANSWER) + ANSWER)


def drip_without_length(server: LoopbackServer, client: socket.socket) -> None:
    """Connection: close and no length: the end of the body is the end of the connection,
    so a body cut off by the deadline looks whole to the reader."""
    client.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n")
    client.sendall(b'{"status": "success"}')
    server.drip(client, b" " * 200)


def gzip_drip(server: LoopbackServer, client: socket.socket) -> None:
    packed = gzip.compress(ANSWER)
    head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n"
    client.sendall(head % len(packed))
    server.drip(client, packed)
