"""Reading pages on a helper thread, a few ahead of whoever uses them.

A sync spends each page's time twice: waiting for the provider, then staging the users. With
the next pages downloading while one is staged, it waits for the provider only when it is
faster than the provider.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Generator, Iterator
from typing import TypeVar

T = TypeVar("T")

_POLL_S = 0.1
_JOIN_S = 5.0


def pages_ahead(
    pages: Iterator[T], cancel: threading.Event, stop: threading.Event, depth: int = 2
) -> Generator[T, None, None]:
    """Yield ``pages`` in order, fetched up to ``depth`` ahead on a helper thread.

    ``pages`` must give up when ``stop`` is set (a client whose transport listens to it). It is
    set when the person cancels, and when the caller stops early or fails, so a request in
    flight is abandoned at once rather than left running. A failure while fetching is raised
    here, in the caller's thread.
    """
    ready: queue.Queue[tuple[str, object]] = queue.Queue(maxsize=depth)
    gone = threading.Event()  # the caller stopped reading

    def put(item: tuple[str, object]) -> bool:
        while not gone.is_set():
            with contextlib.suppress(queue.Full):
                ready.put(item, timeout=_POLL_S)
                return True
        return False

    def fetch() -> None:
        try:
            for page in pages:
                if not put(("page", page)):
                    return
            put(("end", None))
        except BaseException as error:  # handed to the caller, who raises it
            put(("error", error))
        finally:
            if isinstance(pages, Generator):
                pages.close()

    helper = threading.Thread(target=fetch, name="pages-ahead", daemon=True)
    helper.start()
    try:
        while True:
            if cancel.is_set():
                stop.set()
            try:
                kind, value = ready.get(timeout=_POLL_S)
            except queue.Empty:
                if not helper.is_alive() and ready.empty():
                    return  # cannot happen unless the helper was killed; never hang
                continue
            if kind == "end":
                return
            if kind == "error":
                assert isinstance(value, BaseException)
                raise value
            yield value  # type: ignore[misc]
    finally:
        gone.set()
        stop.set()
        helper.join(timeout=_JOIN_S)
