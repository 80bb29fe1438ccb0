"""Pages fetched ahead on a helper thread: in order, errors passed on, nothing left running."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import closing

import pytest

from app.errors import CanceledError
from app.oneroster.pages_ahead import pages_ahead


def helpers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "pages-ahead"]


def source(stop: threading.Event, count: int, hang_after: int | None = None) -> Iterator[int]:
    """Pages 0..count-1; after ``hang_after`` pages, a request that waits until stopped."""
    for number in range(count):
        if number == hang_after:
            stop.wait()
            raise CanceledError()  # what a client whose transport was stopped raises
        yield number


def test_pages_arrive_in_order_and_the_helper_ends():
    stop = threading.Event()
    assert list(pages_ahead(source(stop, 7), threading.Event(), stop)) == list(range(7))
    assert not helpers()


def test_a_failure_while_fetching_is_raised_to_the_caller():
    stop = threading.Event()

    def failing() -> Iterator[int]:
        yield 1
        raise ValueError("the provider sent nonsense")

    with pytest.raises(ValueError, match="nonsense"):
        list(pages_ahead(failing(), threading.Event(), stop))
    assert not helpers()


def test_a_caller_that_fails_stops_the_request_in_flight_at_once():
    stop = threading.Event()
    pages = pages_ahead(source(stop, 10, hang_after=1), threading.Event(), stop)
    with pytest.raises(RuntimeError, match="staging failed"), closing(pages):
        for _page in pages:
            raise RuntimeError("staging failed")  # the caller fails while page 1 hangs
    assert stop.is_set()
    assert not helpers()  # joined: the hanging request heard the stop


def test_a_cancel_reaches_the_request_in_flight():
    stop, cancel = threading.Event(), threading.Event()
    cancel.set()
    with pytest.raises(CanceledError):
        list(pages_ahead(source(stop, 10, hang_after=0), cancel, stop))
    assert not helpers()
