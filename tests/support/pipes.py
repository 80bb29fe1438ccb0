"""Stopping a child process at an exact point: it blocks writing to a full pipe (Linux)."""

from __future__ import annotations

import fcntl
import os
import subprocess

F_SETPIPE_SZ = getattr(fcntl, "F_SETPIPE_SZ", 1031)
SMALL_PIPE = 4096


def small_pipe() -> tuple[int, int]:
    """A pipe holding one page, so a child writing progress lines blocks soon after it fills."""
    read_fd, write_fd = os.pipe()
    fcntl.fcntl(write_fd, F_SETPIPE_SZ, SMALL_PIPE)
    return read_fd, write_fd


def fill(write_fd: int) -> None:
    """Fill the pipe, so the child blocks on its next write."""
    # A new open file description of the same pipe, so O_NONBLOCK does not reach the child.
    filler = os.open(f"/proc/self/fd/{write_fd}", os.O_WRONLY)
    os.set_blocking(filler, False)
    for size in (4096, 256, 16, 1):  # small pipe writes are all-or-nothing: step down to 1 byte
        try:
            while True:
                os.write(filler, b"#" * size)
        except BlockingIOError:
            continue
    os.close(filler)


def blocked_writing(child: subprocess.Popen[bytes]) -> bool:
    """Wait (bounded) until the child sleeps in a pipe write; False if it finished first."""
    wchan = f"/proc/{child.pid}/wchan"
    for _ in range(200_000):
        if child.poll() is not None:
            return False
        try:
            with open(wchan, encoding="ascii") as handle:
                if "pipe_write" in handle.read():
                    return True
        except FileNotFoundError:
            return False
        os.sched_yield()
    raise AssertionError("the child neither blocked on its output nor finished")
