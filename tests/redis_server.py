"""A real ``redis-server`` for tests: on a free loopback port, in a temporary folder, never
saving anything, stopped (and its folder removed) afterwards.

The Debian package ``redis-server`` provides the program (``.ci/run`` installs it).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

PROGRAM = "redis-server"


def free_port() -> int:
    """A loopback port nothing listens on now (the server is started on it at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class RedisServer:
    """One ``redis-server`` process; ``url`` is its address (database 0).

    ``password``: required of clients when given (``--requirepass``). ``port``: a fixed one,
    e.g. to start a server again where a stopped one was. ``socket``: also listen on a Unix
    socket in the server's folder (``socket_url``).
    """

    def __init__(self, *, password: str | None = None, port: int | None = None, socket: bool = False) -> None:
        self.port = port or free_port()
        self.password = password
        self.directory = Path(tempfile.mkdtemp(prefix="linkresolver-redis-"))
        self.socket = self.directory / "redis.sock" if socket else None
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def socket_url(self) -> str:
        assert self.socket is not None
        return f"unix://{self.socket}?db=0"

    @property
    def url(self) -> str:
        login = f":{self.password}@" if self.password else ""
        return f"redis://{login}127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        program = shutil.which(PROGRAM)
        if program is None:
            raise RuntimeError(f"{PROGRAM} is not installed (Debian package redis-server)")
        arguments = [program, "--port", str(self.port), "--bind", "127.0.0.1", "--dir", str(self.directory)]
        arguments += ["--save", "", "--appendonly", "no", "--daemonize", "no", "--loglevel", "warning"]
        if self.password:
            arguments += ["--requirepass", self.password]
        if self.socket:
            arguments += ["--unixsocket", str(self.socket), "--unixsocketperm", "700"]
        self.process = subprocess.Popen(
            arguments, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL
        )
        self._wait_until_it_answers()
        return self

    def _wait_until_it_answers(self, seconds: float = 15.0) -> None:
        """PING (RESP inline) until PONG, or NOAUTH when a password is required."""
        give_up = time.monotonic() + seconds
        while time.monotonic() < give_up:
            assert self.process is not None
            if self.process.poll() is not None:
                raise RuntimeError(f"{PROGRAM} on port {self.port} exited with {self.process.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as connection:
                    connection.sendall(b"PING\r\n")
                    answer = connection.recv(64)
                if answer.startswith((b"+PONG", b"-NOAUTH")):
                    return
            except OSError:
                pass
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"{PROGRAM} on port {self.port} did not answer within {seconds:g} s")

    def stop(self) -> None:
        """Stop the server (its keys are gone: nothing is saved); the folder stays for a
        restart until :meth:`remove`."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None

    def remove(self) -> None:
        self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.remove()
