"""One running RosterSync per profile: a second launch hands its request to the first.

The first instance listens on a local socket (a Unix domain socket, or a named pipe on Windows)
named after the user and the profile folder; a later launch connects, sends one line ("show"
or "sync") and exits. The message travels one way and the sender does not wait for the primary
to read it, so both ends also work inside one thread (as the tests run them).
"""

from __future__ import annotations

import getpass
import hashlib
import os
import re
import sys
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QAbstractSocket, QLocalServer, QLocalSocket

from app.paths import Profile

SHOW = "show"
SYNC = "sync"

PROBE_TIMEOUT_MS = 500
MAX_MESSAGE_BYTES = 256  # a longer line is not one of ours: dropped


def _user_name() -> str:
    try:
        user = getpass.getuser()
    except Exception:  # no user name in the environment or the password database
        user = "user"
    return re.sub(r"[^A-Za-z0-9_.-]", "_", user)[:32] or "user"


def server_name(profile: Profile) -> str:
    """The socket name for ``profile``: per user, per profile folder, short enough for Unix."""
    folder = str(profile.root.expanduser().resolve())
    digest = hashlib.sha256(folder.encode("utf-8")).hexdigest()[:16]
    return f"rostersync-{_user_name()}-{digest}"


class SingleInstance(QObject):
    """Decides whether this process is the profile's primary instance, and talks to it."""

    message_received = Signal(str)

    def __init__(self, profile: Profile, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(profile)
        self._server: QLocalServer | None = None
        self._buffers: dict[QLocalSocket, bytes] = {}

    @property
    def is_primary(self) -> bool:
        return self._server is not None

    @property
    def full_server_name(self) -> str:
        """The socket file (Unix) or pipe (Windows) while primary; empty otherwise."""
        return self._server.fullServerName() if self._server is not None else ""

    def try_become_primary(self) -> bool:
        """Listen for later launches; False when another instance already answers."""
        if self._server is not None:
            return True
        if self._primary_answers():
            return False
        server = QLocalServer(self)
        if sys.platform == "win32":
            # Only this user may connect to the pipe.
            server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        # On Unix the option would bind in a temporary folder and rename over any existing
        # socket file, a live primary's included; a plain bind fails instead, so two launches at
        # once cannot both win. The file is made private to its user just below.
        if not server.listen(self.name):
            if server.serverError() != QAbstractSocket.SocketError.AddressInUseError:
                server.deleteLater()
                return False
            # A name in use, yet nobody answered: either a primary that started a moment ago,
            # or a socket file left by a process that crashed. Ask once more, then clear it.
            if self._primary_answers():
                server.deleteLater()
                return False
            QLocalServer.removeServer(self.name)
            if not server.listen(self.name):
                server.deleteLater()
                return False
        if os.name == "posix":
            Path(server.fullServerName()).chmod(0o600)
        server.newConnection.connect(self._accept)
        self._server = server
        return True

    def send(self, message: str, timeout_ms: int = 2000) -> bool:
        """Hand ``message`` to the running primary; False when none is reachable."""
        data = message.strip().encode("utf-8") + b"\n"
        if "\n" in message.strip() or len(data) > MAX_MESSAGE_BYTES:
            raise ValueError("a message is one short line")
        socket = QLocalSocket()
        try:
            socket.connectToServer(self.name)
            if not socket.waitForConnected(timeout_ms):
                return False
            socket.write(data)
            while socket.bytesToWrite() > 0:
                if not socket.waitForBytesWritten(timeout_ms):
                    return False
            socket.disconnectFromServer()
            if socket.state() != QLocalSocket.LocalSocketState.UnconnectedState:
                socket.waitForDisconnected(timeout_ms)
            return True
        finally:
            socket.abort()

    def close(self) -> None:
        """Stop being the primary, so a later launch can take over."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        for connection in list(self._buffers):
            connection.abort()
        self._buffers.clear()

    # -- primary side ----------------------------------------------------------------------------

    def _primary_answers(self) -> bool:
        probe = QLocalSocket()
        try:
            probe.connectToServer(self.name)
            return probe.waitForConnected(PROBE_TIMEOUT_MS)
        finally:
            probe.abort()

    def _accept(self) -> None:
        server = self._server
        while server is not None and server.hasPendingConnections():
            connection = server.nextPendingConnection()
            if connection is None:
                break
            self._buffers[connection] = b""
            connection.readyRead.connect(lambda c=connection: self._read(c))
            connection.disconnected.connect(lambda c=connection: self._finish(c))
            self._read(connection)  # bytes may have arrived before the signals were connected
            if connection.state() == QLocalSocket.LocalSocketState.UnconnectedState:
                self._finish(connection)

    def _read(self, connection: QLocalSocket) -> None:
        if connection not in self._buffers:
            return
        buffer = self._buffers[connection] + connection.readAll().data()
        *lines, rest = buffer.split(b"\n")
        self._buffers[connection] = rest[: MAX_MESSAGE_BYTES + 1]
        for line in lines:
            self._deliver(line)

    def _finish(self, connection: QLocalSocket) -> None:
        if connection not in self._buffers:
            return
        self._read(connection)
        rest = self._buffers.pop(connection)
        self._deliver(rest)  # a sender that closed without a final newline
        connection.readyRead.disconnect()
        connection.disconnected.disconnect()
        connection.deleteLater()

    def _deliver(self, line: bytes) -> None:
        if not line.strip() or len(line) > MAX_MESSAGE_BYTES:
            return
        message = line.decode("utf-8", errors="replace").strip()
        self.message_received.emit(message)
