"""One running RosterSync per profile: a second launch hands its request to the first.

The first instance holds a lock file in the profile folder for as long as it runs (the operating
system lets go of it when the process ends, even by a crash) and listens on a loopback port. The
port and a random key go into a file only its user can read. A later launch finds the lock
taken, reads that file and sends one line, the key then "show" or "sync", and waits for the
primary's "ok" before it exits. A line without the key is dropped, so other people signed in to
the same computer cannot drive the app.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Callable
from pathlib import Path

from filelock import FileLock, Timeout

from app.paths import Profile

log = logging.getLogger(__name__)

SHOW = "show"
SYNC = "sync"

MAX_MESSAGE_BYTES = 256  # a longer line is not one of ours: dropped
_LOOPBACK = "127.0.0.1"
# A launch that finds the lock taken waits this long: another launch may be holding it for the
# moment it takes to see that no primary runs.
_LOCK_WAIT_S = 0.25
_POLL_S = 0.05
_ACK = b"ok\n"


class SingleInstance:
    """Decides whether this process is the profile's primary instance, and talks to it.

    ``on_message`` is called with each request another launch sends, on a listening thread.
    """

    def __init__(self, profile: Profile, on_message: Callable[[str], None] | None = None) -> None:
        self._lock = FileLock(profile.root / "instance.lock")
        self._address_file = profile.root / "instance.json"
        self._on_message = on_message or (lambda _message: None)
        self._server: socket.socket | None = None
        self._listener: threading.Thread | None = None
        self._stopping = threading.Event()

    @property
    def is_primary(self) -> bool:
        return self._server is not None

    @property
    def address_file(self) -> Path:
        return self._address_file

    def try_become_primary(self) -> bool:
        """Take the profile and listen for later launches; False when another instance runs."""
        if self._server is not None:
            return True
        self._address_file.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._lock.acquire(timeout=_LOCK_WAIT_S)
        except Timeout:
            return False
        try:
            server = _listen()
            key = secrets.token_hex(32)
            _write_private(self._address_file, {"port": server.getsockname()[1], "key": key})
        except OSError:
            self._lock.release()
            raise
        self._server = server
        self._stopping.clear()
        self._listener = threading.Thread(
            target=self._serve, args=(server, key.encode("ascii")), name="instance", daemon=True
        )
        self._listener.start()
        return True

    def send(self, message: str, timeout_ms: int = 2000) -> bool:
        """Hand ``message`` to the running primary; False when none runs or none answers."""
        data = message.strip().encode("utf-8")
        if b"\n" in data or len(data) > MAX_MESSAGE_BYTES:
            raise ValueError("a message is one short line")
        if not self.primary_runs():
            return False
        deadline = time.monotonic() + timeout_ms / 1000
        while True:
            address = _read_address(self._address_file)
            if address is not None and _deliver(address, data, timeout_ms / 1000):
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(_POLL_S)

    def close(self) -> None:
        """Stop being the primary, so a later launch can take over."""
        server, self._server = self._server, None
        if server is None:
            return
        try:
            self._stopping.set()
            port = server.getsockname()[1]
            with contextlib.suppress(OSError):  # wake the listening thread, waiting in accept()
                socket.create_connection((_LOOPBACK, port), timeout=1).close()
            if self._listener is not None:
                self._listener.join(timeout=2)
            server.close()
            with contextlib.suppress(OSError):  # another launch may be reading it (Windows)
                self._address_file.unlink(missing_ok=True)
        finally:
            self._lock.release()

    def primary_runs(self) -> bool:
        """Whether a RosterSync instance runs for this profile, this one included."""
        if self._server is not None:
            return True
        if not self._address_file.parent.is_dir():
            return False  # no profile folder: nothing has ever run here (and none is made)
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            return True
        self._lock.release()
        return False

    # -- primary side ----------------------------------------------------------------------------

    def _serve(self, server: socket.socket, key: bytes) -> None:
        while not self._stopping.is_set():
            try:
                connection, _peer = server.accept()
            except OSError:  # a caller that reset its connection first (Windows): keep serving
                continue
            with connection:
                line = _read_line(connection)
                given, _, message = line.partition(b" ")
                if self._stopping.is_set() or not hmac.compare_digest(given, key):
                    continue
                text = message.decode("utf-8", errors="replace").strip()
                if text:
                    self._on_message(text)
                    with contextlib.suppress(OSError):
                        connection.sendall(_ACK)


def _listen() -> socket.socket:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if hasattr(socket, "SO_EXCLUSIVEADDRUSE"):  # Windows: no other program may share the port
        server.setsockopt(socket.SOL_SOCKET, socket.SO_EXCLUSIVEADDRUSE, 1)
    try:
        server.bind((_LOOPBACK, 0))
        server.listen()
    except OSError:
        server.close()
        raise
    return server


def _deliver(address: tuple[int, bytes], data: bytes, timeout_s: float) -> bool:
    """Send one keyed line; True once the primary said it took it."""
    port, key = address
    try:
        with socket.create_connection((_LOOPBACK, port), timeout=timeout_s) as connection:
            connection.sendall(key + b" " + data + b"\n")
            return connection.recv(len(_ACK)) == _ACK
    except OSError:  # the primary is still starting, or the file is from an earlier run
        return False


def _read_line(connection: socket.socket) -> bytes:
    """One line of at most the key and a message; what a stranger sends cannot hold us up."""
    connection.settimeout(2)
    limit = 64 + 1 + MAX_MESSAGE_BYTES + 1
    data = b""
    try:
        while b"\n" not in data and len(data) < limit:
            chunk = connection.recv(limit - len(data))
            if not chunk:
                break
            data += chunk
    except OSError:
        return b""
    return data.split(b"\n", 1)[0]


def _write_private(path: Path, content: dict[str, object]) -> None:
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        json.dump(content, file)
    for attempt in range(5):  # Windows refuses while a later launch has the old file open
        try:
            os.replace(temporary, path)
            return
        except PermissionError:
            if attempt == 4:
                raise
            time.sleep(_POLL_S)


def _read_address(path: Path) -> tuple[int, bytes] | None:
    try:
        content = json.loads(path.read_text(encoding="utf-8"))
        return int(content["port"]), str(content["key"]).encode("ascii")
    except (OSError, ValueError, KeyError, TypeError):
        return None
