"""Parallel page requests (``page_concurrency``) against the demo server: the same pages in the
same order as serial paging, really overlapped, bounded, and stopped at once by a cancel."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Iterator
from datetime import UTC, datetime

import pytest

from app.demo.district import DemoDistrict
from app.demo.server import DemoServer, Faults
from app.errors import CanceledError, ProviderError
from app.oneroster.client import OneRosterClient, Page
from app.oneroster.records import User
from tests.oneroster.in_flight import InFlight
from tests.support.clock import FakeClock

Connect = Callable[..., OneRosterClient]
Serve = Callable[..., DemoServer]
USERS = 230
PAGE = 20  # 12 pages: a first one, then 11 fetched in parallel


def snapshot(pages: list[Page[User]]) -> list[tuple[int, int | None, list[str]]]:
    return [(p.offset, p.total, [u.sourced_id for u in p.records]) for p in pages]


def ids(pages: list[Page[User]]) -> list[str]:
    return [user.sourced_id for page in pages for user in page.records]


def contiguous(pages: list[Page[User]]) -> bool:
    """Each page starts where the one before it ended: no gap, no overlap."""
    ends = [p.offset + len(p.records) + len(p.invalid) for p in pages]
    return [p.offset for p in pages] == [0, *ends[:-1]]


def oneroster_threads() -> set[threading.Thread]:
    return {t for t in threading.enumerate() if t.name.startswith("oneroster-")}


@pytest.fixture
def serial_pages(serve: Serve, connect: Connect) -> list[Page[User]]:
    """Every user page of a fault-free demo server, one request at a time."""
    return list(connect(serve(), page_size=PAGE).user_pages())


@pytest.fixture
def cancel() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()


@pytest.mark.parametrize("concurrency", [1, 2, 3, 4, 5])
def test_same_pages_in_the_same_order_as_serial(
    server: DemoServer, connect: Connect, serial_pages: list[Page[User]], concurrency: int
) -> None:
    pages = list(connect(server, page_size=PAGE, page_concurrency=concurrency).user_pages())
    assert snapshot(pages) == snapshot(serial_pages)
    assert len(ids(pages)) == len(set(ids(pages))) == USERS
    assert server.request_count == 12  # as many requests as serial paging


@pytest.mark.parametrize("concurrency", [1, 2, 3, 4, 5])
def test_requests_really_overlap_and_never_exceed_the_limit(
    server: DemoServer, connect: Connect, in_flight: InFlight, concurrency: int
) -> None:
    server.faults.latency = 0.1  # long enough for every request in flight to meet the others
    pages = list(connect(server, page_size=PAGE, page_concurrency=concurrency).user_pages())
    assert len(ids(pages)) == USERS
    assert in_flight.peak == concurrency


def test_without_a_total_it_stays_serial(
    server: DemoServer, connect: Connect, in_flight: InFlight, serial_pages: list[Page[User]]
) -> None:
    server.faults.update({"send_total_count": False, "latency": 0.02})
    pages = list(connect(server, page_size=PAGE, page_concurrency=5).user_pages())
    assert ids(pages) == ids(serial_pages)
    assert in_flight.peak == 1
    assert server.request_count == 12  # Link rel="next" to the end, as serial


@pytest.mark.parametrize("link", [True, False])
def test_a_capped_provider_gives_every_user_once(
    server: DemoServer, connect: Connect, serial_pages: list[Page[User]], link: bool
) -> None:
    server.faults.update({"page_size_cap": 37, "send_link": link})
    pages = list(connect(server, page_size=100, page_concurrency=5).user_pages())
    assert ids(pages) == ids(serial_pages)
    assert contiguous(pages)
    assert [p.offset for p in pages] == list(range(0, USERS, 37))


def test_pages_capped_after_the_first_are_completed_before_going_on(
    server: DemoServer, connect: Connect, in_flight: InFlight, serial_pages: list[Page[User]]
) -> None:
    pages = connect(server, page_size=50, page_concurrency=3).user_pages()
    first = next(pages)
    server.faults.page_size_cap = 15  # every later page is cut short: 15 of the 50 asked for
    rest = list(pages)
    assert ids([first, *rest]) == ids(serial_pages)
    assert contiguous([first, *rest])
    assert in_flight.peak <= 3


def test_users_added_during_the_download_are_fetched_after_the_planned_pages(
    server: DemoServer, connect: Connect, district: DemoDistrict, in_flight: InFlight
) -> None:
    pages = connect(server, page_size=PAGE, page_concurrency=5).user_pages()
    first = next(pages)
    for number in range(25):  # the total grows from 230 to 255 after the plan was made
        district.add_user({"sourcedId": f"new-{number}", "roles": []})
    rest = list(pages)
    assert len(ids([first, *rest])) == len(set(ids([first, *rest]))) == USERS + 25
    assert contiguous([first, *rest])
    assert rest[-1].total == USERS + 25
    assert in_flight.peak <= 5


@pytest.mark.parametrize(
    "fault",
    ["rate_limit_every", "unavailable_every", "reset_every", "truncate_every", "html_every"],
)
def test_faults_are_recovered_as_in_serial(
    server: DemoServer, connect: Connect, serial_pages: list[Page[User]], fault: str
) -> None:
    server.faults.retry_after = "0"
    setattr(server.faults, fault, 3)
    pages = list(connect(server, page_size=PAGE, page_concurrency=5).user_pages())
    assert snapshot(pages) == snapshot(serial_pages)


def test_retry_after_is_honoured_by_each_page(
    server: DemoServer, connect: Connect, serial_pages: list[Page[User]]
) -> None:
    server.faults.update({"rate_limit_every": 5, "retry_after": "1"})
    started = time.monotonic()
    pages = list(connect(server, page_size=PAGE, page_concurrency=5).user_pages())
    assert snapshot(pages) == snapshot(serial_pages)
    assert time.monotonic() - started >= 0.9  # the 429s' waits were not cut short


def test_an_outage_fails_with_the_same_sentence_as_serial(serve: Serve, connect: Connect) -> None:
    errors = []
    for concurrency in (1, 5):
        server = serve(faults=Faults(outage_after=4))
        with pytest.raises(ProviderError) as caught:
            list(connect(server, page_size=PAGE, page_concurrency=concurrency).user_pages())
        errors.append(str(caught.value))
    assert (
        errors[0]
        == errors[1]
        == (
            "Infinite Campus kept failing (temporarily unavailable) after 6 tries; try again later "
            "or ask your Infinite Campus administrator."
        )
    )


def test_changed_users_only(
    server: DemoServer, connect: Connect, district: DemoDistrict, serial_pages: list[Page[User]]
) -> None:
    changed = ids(serial_pages)[5:8]
    for user_id in changed:
        district.update_user(user_id, givenName="Changed")
    since = datetime(2026, 8, 1, 0, 0, 1, tzinfo=UTC)  # every other user is a second older
    client = connect(server, page_size=1, page_concurrency=5)
    assert ids(list(client.user_pages(modified_since=since))) == changed


def test_an_expired_token_is_renewed_once_for_all_pages_in_flight(
    serve: Serve, connect: Connect, clock: FakeClock, serial_pages: list[Page[User]]
) -> None:
    server = serve(clock=clock)  # only the server's clock moves: every page in flight gets 401
    pages = connect(server, page_size=PAGE, page_concurrency=5).user_pages()
    first = next(pages)
    clock.advance(4000)
    assert ids([first, *pages]) == ids(serial_pages)
    assert len(server.tokens_issued) == 2


def test_a_token_due_for_renewal_is_renewed_once(
    serve: Serve, connect: Connect, clock: FakeClock, serial_pages: list[Page[User]]
) -> None:
    server = serve(faults=Faults(token_lifetime=100), clock=clock)
    pages = connect(server, page_size=PAGE, page_concurrency=5, clock=clock).user_pages()
    first = next(pages)
    clock.advance(95)  # past renewal (100 s - 10 s), not expiry: five workers want a new one
    assert ids([first, *pages]) == ids(serial_pages)
    assert len(server.tokens_issued) == 2
    assert server.request_count == 12  # none refused


@pytest.fixture
def stuck() -> Iterator[threading.Event]:
    """Set to let the requests a test keeps waiting at the server answer."""
    release = threading.Event()
    yield release
    release.set()


def test_cancel_during_a_parallel_download(
    server: DemoServer,
    connect: Connect,
    in_flight: InFlight,
    cancel: threading.Event,
    stuck: threading.Event,
) -> None:
    before = oneroster_threads()
    pages = connect(server, page_size=PAGE, page_concurrency=5, cancel=cancel).user_pages()
    next(pages)
    canceled_at: list[float] = []

    def hang_then_cancel_at_five(count: int, _path: str) -> None:
        if count == 5:
            canceled_at.append(time.monotonic())
            cancel.set()
        stuck.wait(timeout=30)  # a provider that does not answer

    in_flight.on_start = hang_then_cancel_at_five
    with pytest.raises(CanceledError):
        next(pages)
    assert time.monotonic() - canceled_at[0] < 1.0
    left = oneroster_threads() - before
    # The pool's threads are gone. Only the abandoned exchanges are left (the transport never
    # waits for them); they end on their own once the server answers or their timeout passes.
    assert {t.name for t in left} == {"oneroster-request"}
    stuck.set()
    for thread in left:
        thread.join(timeout=10)
        assert not thread.is_alive()
    assert server.request_count == 6  # the first page and five in flight; none after the cancel


def test_stopping_early_abandons_the_requests_in_flight(
    server: DemoServer, connect: Connect, in_flight: InFlight, stuck: threading.Event
) -> None:
    before = oneroster_threads()
    pages = connect(server, page_size=PAGE, page_concurrency=5).user_pages()
    assert isinstance(pages, Generator)  # what the sync engine may close when it stops early
    next(pages)

    waiting = threading.Semaphore(0)
    asked: list[str] = []

    def hang_all_but_the_second_page(_count: int, path: str) -> None:
        asked.append(path)
        if "offset=20&" not in path + "&":
            waiting.release()
            stuck.wait(timeout=30)

    in_flight.on_start = hang_all_but_the_second_page
    assert next(pages).offset == PAGE
    for _ in range(5):  # the next five pages are on their way
        assert waiting.acquire(timeout=10)
    started = time.monotonic()
    pages.close()
    assert time.monotonic() - started < 1.0
    left = oneroster_threads() - before
    assert {t.name for t in left} == {"oneroster-request"}
    stuck.set()
    for thread in left:
        thread.join(timeout=10)
    assert len(asked) == 6  # the second page and five ahead of it; none after the close


def hanging_at_the_third_page(
    asked: threading.Semaphore, stuck: threading.Event, paths: list[str]
) -> Callable[[int, str], None]:
    """An ``on_start`` noting each request's path that keeps the third page's waiting (a
    provider that does not answer) until ``stuck`` is set, releasing ``asked`` when it comes."""

    def hang(_count: int, path: str) -> None:
        paths.append(path)
        if f"offset={2 * PAGE}&" in path + "&":
            asked.release()
            stuck.wait(timeout=30)

    return hang


def test_stopping_a_serial_download_early_abandons_the_next_request_at_once(
    server: DemoServer, connect: Connect, in_flight: InFlight, stuck: threading.Event
) -> None:
    """One request at a time, the next page is asked for by a helper as soon as the last is
    in: closing the pages stops it, whatever the provider is doing with that request."""
    pages = connect(server, page_size=PAGE, read_ahead=True).user_pages()
    assert isinstance(pages, Generator)
    asked = threading.Semaphore(0)

    paths: list[str] = []
    in_flight.on_start = hanging_at_the_third_page(asked, stuck, paths)
    assert next(pages).offset == 0
    # Unasked, the second page came and waits, and the third is on its way.
    assert asked.acquire(timeout=10)
    started = time.monotonic()
    pages.close()
    assert time.monotonic() - started < 1.0
    assert not [t for t in threading.enumerate() if t.name == "pages-ahead"]
    stuck.set()
    assert len(paths) == 3  # the first pages and the one abandoned; none after


def test_a_cancel_between_serial_pages_passes_on_none_read_ahead(
    server: DemoServer,
    connect: Connect,
    in_flight: InFlight,
    cancel: threading.Event,
    stuck: threading.Event,
) -> None:
    pages = connect(server, page_size=PAGE, read_ahead=True, cancel=cancel).user_pages()
    asked = threading.Semaphore(0)
    in_flight.on_start = hanging_at_the_third_page(asked, stuck, [])
    next(pages)
    assert asked.acquire(timeout=10)  # the second page is read ahead, the third on its way
    cancel.set()
    with pytest.raises(CanceledError):
        next(pages)


def test_a_slow_page_leaves_no_worker_idle_and_the_rest_wait_for_it(
    server: DemoServer, connect: Connect, in_flight: InFlight, stuck: threading.Event
) -> None:
    pages = connect(server, page_size=PAGE, page_concurrency=5).user_pages()
    first = next(pages)  # alone: it tells the total
    started = threading.Semaphore(0)
    asked: list[str] = []

    def hold_the_second_page(_count: int, path: str) -> None:
        asked.append(path)
        started.release()
        if "offset=20&" in path + "&":
            stuck.wait(timeout=30)

    in_flight.on_start = hold_the_second_page
    rest: list[Page[User]] = []
    reader = threading.Thread(target=lambda: rest.extend(pages))
    reader.start()
    # While the second page is held, the other workers go on: the four pages sent with it and
    # two more, and no further, since pages are passed on in order.
    for _ in range(7):
        assert started.acquire(timeout=10)
    assert len(asked) == 7
    stuck.set()
    reader.join(timeout=30)
    assert contiguous([first, *rest])
    assert len(asked) == len(rest) == 11  # each page once


def test_only_one_to_five_requests_at_once(server: DemoServer, connect: Connect) -> None:
    for concurrency in (0, 6, -1):
        with pytest.raises(ValueError, match="page_concurrency must be from 1 to 5"):
            connect(server, page_concurrency=concurrency)
