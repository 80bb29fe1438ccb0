"""The OneRoster rostering client the sync engine and command line use: schools and users, paged."""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Generator, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for
from contextlib import closing, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Final, Generic, Literal, Protocol, TypeVar, cast
from urllib.parse import parse_qs, urljoin, urlsplit

import msgspec
import requests
from requests.auth import AuthBase

from app.errors import AccessDeniedError, NotOneRosterError, ProviderError, RosterSyncError
from app.oneroster.auth import Credentials, TokenSource
from app.oneroster.closing import ClosedOnExit
from app.oneroster.oauth1 import ConsumerCredentials, OAuth1Signer
from app.oneroster.pages_ahead import pages_ahead
from app.oneroster.provider_reply import provider_message
from app.oneroster.records import (
    InvalidRecord,
    School,
    User,
    parse_school,
    parse_user,
)
from app.oneroster.request_auth import RequestAuth
from app.oneroster.transport import (
    PROVIDER,
    Reply,
    RetryPolicy,
    Transport,
    check_verify,
    decode_json,
    outage_error,
)
from app.oneroster.urls import (
    BASE_URL_DISTRICT_FIX,
    ONEROSTER_PATH,
    lacks_district_part,
    normalize_base_url,
    other_version_url,
    version_of,
)

__all__ = [
    "MAX_PAGE_CONCURRENCY",
    "ONEROSTER_PATH",
    "ConsumerCredentials",
    "Credentials",
    "OneRosterClient",
    "Page",
    "RetryPolicy",
]

log = logging.getLogger(__name__)

#: Page requests in flight at once, at most: Infinite Campus's off-peak limit.
MAX_PAGE_CONCURRENCY: Final = 5
#: How often a thread waiting for a page checks for a cancel (seconds).
_CANCEL_POLL: Final = 0.1
#: Pages asked for beyond the requests in flight: a worker that finishes while the page to pass
#: on next is still on its way starts on the one after at once, instead of waiting for it.
_QUEUED_AHEAD: Final = 2

T = TypeVar("T")


class _Identified(Protocol):
    @property
    def sourced_id(self) -> str: ...


R = TypeVar("R", bound=_Identified)


@dataclass
class Page(Generic[T]):
    records: list[T]
    invalid: list[InvalidRecord]
    #: How many records came before this page.
    offset: int
    #: X-Total-Count, when the provider sends it.
    total: int | None
    #: The fingerprints of the records passed over unparsed, the caller holding them as
    #: ``unchanged`` (see :class:`KnownRecords`)...
    known: list[int] = field(default_factory=list)
    #: ... or as ``skipped``.
    known_skipped: list[int] = field(default_factory=list)

    @property
    def passed_over(self) -> int:
        return len(self.known) + len(self.known_skipped)


KnownKind = Literal["unchanged", "skipped"]


class KnownRecords(Protocol):
    """Records a caller already holds as they are: the client need not parse them again.

    A record's fingerprint is a hash of its bytes exactly as sent (see
    :mod:`app.sync.fingerprints`); one the caller knows is passed on as that number only, with
    the kind of record the caller holds it as.
    """

    def fingerprint(self, record: bytes) -> int: ...

    def kind(self, fingerprint: int) -> KnownKind | None: ...


@dataclass(frozen=True)
class _Collection(Generic[R]):
    path: str
    #: The records of a page's body; None when it is JSON but not such a page, ValueError
    #: when it is not JSON.
    decode: Callable[[bytes], list[Any] | None]
    parse: Callable[[object], R]
    what: str  # "schools", "users": for messages

    def records_in(self, reply: Reply) -> list[Any] | None:
        return reply.decoded(self.decode)


def _records_in(payload: Any, envelopes: tuple[str, ...]) -> list[Any] | None:
    if not isinstance(payload, dict):
        return None
    for key in envelopes:
        records = payload.get(key)
        if isinstance(records, list):
            return records
    return None


class _UsersPage(msgspec.Struct, gc=False):
    users: list[msgspec.Raw]


_decode_users_page = msgspec.json.Decoder(_UsersPage).decode


def _decode_users(body: bytes) -> list[Any] | None:
    """The users of a page, each as its own bytes (:func:`parse_user` decodes one straight
    into a typed record, and one already known need not be decoded at all); a page msgspec
    cannot read (JSON only the standard library reads) is decoded as plain JSON, so its bad
    records are refused one by one, by name."""
    try:
        return _decode_users_page(body).users
    except (msgspec.ValidationError, msgspec.DecodeError):
        return _records_in(decode_json(body), ("users",))


def _decode_schools(body: bytes) -> list[Any] | None:
    return _records_in(decode_json(body), ("orgs", "schools"))


_SCHOOLS = _Collection("/schools", _decode_schools, parse_school, "schools")
_USERS = _Collection("/users", _decode_users, parse_user, "users")


def _total_count(reply: Reply) -> int | None:
    try:
        total = int(reply.headers.get("X-Total-Count", "").strip())
    except ValueError:
        return None
    return total if total >= 0 else None


@dataclass
class _Cursor:
    """Where paging has got to."""

    offset: int = 0  # records received so far
    link: str | None = None  # the provider's rel="next", once it sends one
    previous_ids: tuple[str | int, ...] = ()
    done: bool = False
    known: KnownRecords | None = None  # records passed on as fingerprints only


def _filter_since(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    # Whole seconds, a second early: some providers compare dateLastModified as text, and
    # "…:05.250Z" sorts before "…:05Z"; a record changed within that second is fetched, not missed.
    moment = moment.astimezone(UTC) - timedelta(seconds=1)
    return f"dateLastModified>'{moment.strftime('%Y-%m-%dT%H:%M:%SZ')}'"


#: A filter every user matches, to ask whether the provider filters at all.
_EVERYONE_FILTER: Final = "dateLastModified>'1970-01-01T00:00:00Z'"


class OneRosterClient(ClosedOnExit):
    """Reads a OneRoster 1.2 (or 1.1) rostering service.

    Use it from one thread at a time (it may run page requests on its own worker threads);
    cancel from anywhere.
    """

    def __init__(
        self,
        base_url: str,
        credentials: Credentials | ConsumerCredentials,
        *,
        cancel: threading.Event | None = None,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen, so sharing it is safe
        page_size: int = 5000,
        page_concurrency: int = 1,
        read_ahead: bool = False,
        timeout: tuple[float, float] = (10.0, 60.0),
        verify: bool | str = True,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        if not 1 <= page_concurrency <= MAX_PAGE_CONCURRENCY:
            raise ValueError(f"page_concurrency must be from 1 to {MAX_PAGE_CONCURRENCY}")
        check_verify(verify)
        self.base_url = normalize_base_url(base_url)
        credentials = credentials.normalized()
        self.version = version_of(self.base_url)
        self._own_session = session is None
        self._session = session or requests.Session()
        self._transport = Transport(
            self._session,
            cancel=cancel or threading.Event(),
            retry=retry,
            timeout=timeout,
            verify=verify,
        )
        self._auth: RequestAuth = (
            OAuth1Signer(credentials)
            if isinstance(credentials, ConsumerCredentials)
            else TokenSource(self._transport, credentials, clock=clock)
        )
        self._page_size = page_size
        self._page_concurrency = page_concurrency
        #: Ask for the next page while this one is passed on (a sync); otherwise each page is
        #: asked for once the one before is used.
        self._read_ahead = read_ahead
        self._data_seen = False  # whether the Base URL has ever answered with OneRoster data

    def __repr__(self) -> str:
        return f"OneRosterClient(base_url={self.base_url!r})"

    @property
    def signature_method(self) -> str | None:
        """The OAuth 1.0a signature method in use (the one that worked once data came back)."""
        return self._auth.method if isinstance(self._auth, OAuth1Signer) else None

    def close(self) -> None:
        self._auth.forget()
        if self._own_session:
            self._session.close()

    def authenticate(self) -> None:
        """Check the credentials now: get a token, or send one signed request."""
        self._transport.check_canceled()
        self._auth.check(self._probe)

    def _probe(self) -> None:
        # Anything but refused credentials is for reading schools to report.
        with suppress(NotOneRosterError, AccessDeniedError, ProviderError):
            self._get(_SCHOOLS, self.base_url + _SCHOOLS.path, {"limit": 1})

    def school_pages(self) -> Iterator[Page[School]]:
        return self._pages(_SCHOOLS, {})

    def user_pages(
        self, modified_since: datetime | None = None, known: KnownRecords | None = None
    ) -> Iterator[Page[User]]:
        """Every user (changed since ``modified_since``, when given); the records ``known``
        holds come as their fingerprints only (``Page.known``)."""
        if modified_since is None:
            return self._pages(_USERS, {}, known)
        return self._changed_user_pages(modified_since, known)

    def _changed_user_pages(
        self, since: datetime, known: KnownRecords | None
    ) -> Iterator[Page[User]]:
        """Users changed since then; everyone when the provider ignores the filter.

        Some providers answer a filter on a field they do not know with an empty list, so
        "nobody changed" is only believed once the provider is seen to filter at all.
        """
        pages = self._pages(_USERS, {"filter": _filter_since(since)}, known)
        first = next(pages)
        if first.records or first.invalid or first.passed_over or self._filters_users():
            yield first
            yield from pages
            return
        log.warning(
            "The provider answered the changed-users filter with no one, and a filter every "
            "user matches with no one too: it does not filter by dateLastModified, so every "
            "user is read instead"
        )
        yield from self._pages(_USERS, {}, known)

    def _filters_users(self) -> bool:
        """Whether a filter every user matches finds someone (or there is no one at all)."""
        url = self.base_url + _USERS.path
        _reply, matched = self._get(_USERS, url, {"filter": _EVERYONE_FILTER, "limit": 1})
        if matched:
            return True
        _reply, anyone = self._get(_USERS, url, {"limit": 1})
        return not anyone

    def schools(self) -> list[School]:
        """Every school, the first of any repeated sourcedId kept."""
        found: dict[str, School] = {}
        for page in self.school_pages():
            for school in page.records:
                found.setdefault(school.sourced_id, school)
            for problem in page.invalid:
                log.warning(
                    "Skipped a school (%s): %s", problem.sourced_id or "no id", problem.reason
                )
        return list(found.values())

    # -- paging -----------------------------------------------------------------------------

    def _pages(
        self,
        collection: _Collection[R],
        extra: Mapping[str, str],
        known: KnownRecords | None = None,
    ) -> Iterator[Page[R]]:
        cursor = _Cursor(known=known)
        reply, raw = self._fetch(collection, None, extra, 0)
        if self._page_concurrency > 1:
            yield from self._take(collection, cursor, reply, raw)
            if self._pages_by_offset(collection, cursor, reply):
                total = _total_count(reply)
                assert total is not None  # checked by _pages_by_offset
                yield from self._parallel_pages(collection, extra, cursor, len(raw), total)
            if cursor.done:
                return
            reply, raw = self._fetch(collection, cursor.link, extra, cursor.offset)
        yield from self._serial_pages(collection, extra, cursor, reply, raw)

    def _serial_pages(
        self,
        collection: _Collection[R],
        extra: Mapping[str, str],
        cursor: _Cursor,
        reply: Reply,
        raw: list[Any],
    ) -> Iterator[Page[R]]:
        """The page just received and those after it, one request at a time. Reading ahead, a
        helper thread asks for each next page the moment the last one is in, so the parsing
        here runs while the provider answers (asked for from here, each page waited a
        millisecond more); the request in flight is abandoned when this returns, raises, or is
        closed early."""
        stop = threading.Event()
        transport = self._transport.stopping_also_on(stop)

        def answers() -> Generator[tuple[int, Reply, list[Any]], None, None]:
            """Each answer at its offset, the next asked for as soon as it is in."""
            answer = reply, raw
            while True:
                offset = cursor.offset
                self._advance(cursor, *answer)
                yield offset, *answer
                if cursor.done:
                    return
                answer = self._fetch(collection, cursor.link, extra, cursor.offset, transport)

        received = answers()
        if self._read_ahead:
            received = pages_ahead(received, stop, stop, depth=1)
        with closing(received):
            for offset, answer, records in received:
                self._transport.check_canceled()  # a page already read ahead is not passed on
                yield from self._pass_on(collection, cursor, answer, records, offset)

    def _take(
        self, collection: _Collection[R], cursor: _Cursor, reply: Reply, raw: list[Any]
    ) -> Iterator[Page[R]]:
        """Pass on the page at the cursor, with every check, and move the cursor past it."""
        offset = cursor.offset
        self._advance(cursor, reply, raw)
        yield from self._pass_on(collection, cursor, reply, raw, offset)

    def _advance(self, cursor: _Cursor, reply: Reply, raw: list[Any]) -> None:
        """Move the cursor past the page received at it."""
        if not raw:
            cursor.done = True
            return
        cursor.offset += len(raw)
        cursor.link = self._next_url(reply)
        cursor.done = cursor.link is None and self._at_end(reply, cursor.offset)

    def _pass_on(
        self, collection: _Collection[R], cursor: _Cursor, reply: Reply, raw: list[Any], offset: int
    ) -> Iterator[Page[R]]:
        """The page received at ``offset``, parsed and checked."""
        page = self._parse(collection, raw, offset, _total_count(reply), cursor.known)
        if not raw:
            if offset == 0:
                yield page
            self._check_complete(collection, offset, page.total)
            return
        cursor.previous_ids = self._check_moving_on(collection, page, cursor.previous_ids)
        yield page

    def _fetch(
        self,
        collection: _Collection[Any],
        link: str | None,
        extra: Mapping[str, str],
        offset: int,
        transport: Transport | None = None,
    ) -> tuple[Reply, list[Any]]:
        if link is not None:
            return self._get(collection, link, None, transport)
        params: dict[str, str | int] = {**extra, "limit": self._page_size, "offset": offset}
        return self._get(collection, self.base_url + collection.path, params, transport)

    # -- parallel paging ----------------------------------------------------------------------

    def _pages_by_offset(self, collection: _Collection[Any], cursor: _Cursor, reply: Reply) -> bool:
        """Whether the rest can be fetched by offset in parallel: more to come, a total to plan
        by, and no rel="next" link other than the same request at the next offset."""
        if cursor.done or _total_count(reply) is None:
            return False
        if cursor.link is None:
            return True
        link, ours = urlsplit(cursor.link), urlsplit(self.base_url + collection.path)
        offsets = parse_qs(link.query).get("offset", [])
        return link.path == ours.path and offsets == [str(cursor.offset)]

    def _parallel_pages(
        self,
        collection: _Collection[R],
        extra: Mapping[str, str],
        cursor: _Cursor,
        stride: int,
        total: int,
    ) -> Iterator[Page[R]]:
        """The pages from the cursor up to ``total``, each ``stride`` long, fetched with up to
        ``page_concurrency`` requests in flight and passed on in order.

        Never more than ``_QUEUED_AHEAD`` pages beyond those are asked for ahead of the one
        passed on, so memory stays bounded however slow the consumer is. The worker threads
        are gone when this returns, raises, or is closed early.
        """
        stop = threading.Event()  # abandons the requests in flight once nobody wants them
        transport = self._transport.stopping_also_on(stop)
        pool = ThreadPoolExecutor(self._page_concurrency, thread_name_prefix="oneroster-page")

        def fetch(offset: int, limit: int) -> Future[tuple[Reply, list[Any]]]:
            return pool.submit(self._fetch_range, collection, extra, transport, offset, limit)

        starts = iter(range(cursor.offset, total, stride))
        ahead: deque[tuple[int, Future[tuple[Reply, list[Any]]]]] = deque()

        def top_up() -> None:
            limit = self._page_concurrency + _QUEUED_AHEAD
            while len(ahead) < limit and (start := next(starts, None)) is not None:
                ahead.append((start, fetch(start, stride)))

        try:
            top_up()
            while ahead and not cursor.done:
                start, head = ahead.popleft()
                reply, raw = self._wait(head)
                top_up()  # before passing the page on: the next request runs meanwhile
                # The cursor is at ``start``: every window before it was filled.
                yield from self._take_window(
                    collection, cursor, reply, raw, end=start + stride, fetch=fetch
                )
            # More than the first total promised: the rest one page at a time, still by offset.
            cursor.link = None
        finally:
            stop.set()
            pool.shutdown(wait=True, cancel_futures=True)

    def _take_window(
        self,
        collection: _Collection[R],
        cursor: _Cursor,
        reply: Reply,
        raw: list[Any],
        *,
        end: int,
        fetch: Callable[[int, int], Future[tuple[Reply, list[Any]]]],
    ) -> Iterator[Page[R]]:
        """The pages from the cursor up to ``end``: a short page that is not the last (a
        provider capping pages) is followed by a request for the rest, so nothing is skipped."""
        yield from self._take(collection, cursor, reply, raw[: end - cursor.offset])
        while not cursor.done and cursor.offset < end:
            reply, raw = self._wait(fetch(cursor.offset, end - cursor.offset))
            yield from self._take(collection, cursor, reply, raw[: end - cursor.offset])

    def _fetch_range(
        self,
        collection: _Collection[Any],
        extra: Mapping[str, str],
        transport: Transport,
        offset: int,
        limit: int,
    ) -> tuple[Reply, list[Any]]:
        params: dict[str, str | int] = {**extra, "limit": limit, "offset": offset}
        return self._get(collection, self.base_url + collection.path, params, transport)

    def _wait(self, future: Future[tuple[Reply, list[Any]]]) -> tuple[Reply, list[Any]]:
        """The page's answer or its error, hearing a cancel while it is on its way."""
        self._transport.check_canceled()
        while not wait_for([future], timeout=_CANCEL_POLL).done:
            self._transport.check_canceled()
        return future.result()

    @staticmethod
    def _check_moving_on(
        collection: _Collection[Any], page: Page[R], previous_ids: tuple[str | int, ...]
    ) -> tuple[str | int, ...]:
        """The page's ids; a provider that ignores the offset would otherwise loop forever."""
        ids = (
            *(r.sourced_id for r in page.records),
            *(i.sourced_id or "" for i in page.invalid),
            *page.known,
            *page.known_skipped,
        )
        if ids == previous_ids:
            raise ProviderError(
                f"{PROVIDER} kept sending the same {collection.what} again instead of the "
                f"next ones; try again later or ask your {PROVIDER} administrator."
            )
        return ids

    @staticmethod
    def _check_complete(collection: _Collection[Any], received: int, total: int | None) -> None:
        # A list cut short would look like people leaving the district: never pass one on.
        if total is not None and received < total:
            raise ProviderError(
                f"{PROVIDER} stopped sending {collection.what} after {received} of {total}; try "
                f"again later or ask your {PROVIDER} administrator."
            )

    def _next_url(self, reply: Reply) -> str | None:
        """The rel="next" link, when it points back to the same service."""
        link = reply.links.get("next", {}).get("url")
        if not link:
            return None
        target = urljoin(reply.url, link)
        base = urlsplit(self.base_url)
        # The token goes with every request: never to another host (or down to http).
        if urlsplit(target)[:2] != base[:2]:
            log.warning("Ignored a next-page link to another server")
            return None
        return target

    @staticmethod
    def _at_end(reply: Reply, offset: int) -> bool:
        """After a page with records and no usable rel="next" link."""
        if reply.links and "next" not in reply.links:  # it pages by Link, and this is the last
            return True
        total = _total_count(reply)
        # Pages may be capped silently, so a short page is not the end: without a total,
        # only an empty page is.
        return total is not None and offset >= total

    @staticmethod
    def _parse(
        collection: _Collection[R],
        raw: list[Any],
        offset: int,
        total: int | None,
        known: KnownRecords | None = None,
    ) -> Page[R]:
        """The page's records parsed, and those ``known`` holds as their fingerprints only."""
        page: Page[R] = Page([], [], offset, total)
        known = known if collection is _USERS else None  # only users are fingerprinted
        for item in raw:
            fingerprint = None
            if known is not None and isinstance(item, msgspec.Raw):
                fingerprint = known.fingerprint(item)
                kind = known.kind(fingerprint)
                if kind is not None:
                    (page.known if kind == "unchanged" else page.known_skipped).append(fingerprint)
                    continue
            try:
                record = collection.parse(item)
            except InvalidRecord as problem:
                page.invalid.append(problem)
                continue
            if fingerprint is not None:
                cast(User, record).fingerprint = fingerprint
            page.records.append(record)
        return page

    # -- one request ------------------------------------------------------------------------

    def _get(
        self,
        collection: _Collection[Any],
        url: str,
        params: Mapping[str, str | int] | None,
        transport: Transport | None = None,
    ) -> tuple[Reply, list[Any]]:
        transport = transport or self._transport
        sent = self._auth.auth(transport)
        reply = self._send(collection, url, params, transport, sent)
        while reply.status == 401:
            retry = self._auth.refused(sent, reply, transport)
            if retry is None:
                break
            sent = retry
            reply = self._send(collection, url, params, transport, sent)
        if not 200 <= reply.status < 300:
            raise self._error_for(collection, reply)
        records = collection.records_in(reply)
        assert records is not None  # the transport accepted the body
        self._data_seen = True
        return reply, records

    def _send(
        self,
        collection: _Collection[Any],
        url: str,
        params: Mapping[str, str | int] | None,
        transport: Transport,
        auth: AuthBase,
    ) -> Reply:
        return transport.request(
            "GET",
            url,
            params=params,
            headers={"Accept": "application/json"},
            auth=auth,
            accept=lambda reply: collection.records_in(reply) is not None,
            bad_body_error=self._bad_body_error,
        )

    def _bad_body_error(self, reason: str) -> RosterSyncError:
        attempts = self._transport.max_attempts
        if self._data_seen or reason not in ("html", "not_data"):
            return outage_error(reason, attempts)
        # Never any data yet: as likely a wrong Base URL (a web page) as a provider problem.
        answer = "a web page" if reason == "html" else "something that is not OneRoster data"
        if lacks_district_part(self.base_url):
            return ProviderError(
                f"{PROVIDER} kept answering with {answer} after {attempts} tries to the Base URL "
                f"{self.base_url}: {BASE_URL_DISTRICT_FIX}"
            )
        return ProviderError(
            f"{PROVIDER} kept answering with {answer} after {attempts} tries; check that the "
            f"Base URL is the one Infinite Campus shows (ending with {ONEROSTER_PATH}), or try "
            "again later."
        )

    def _not_oneroster(self) -> NotOneRosterError:
        if lacks_district_part(self.base_url):
            return NotOneRosterError(
                f"The Base URL {self.base_url} is not a OneRoster service: {BASE_URL_DISTRICT_FIX}"
            )
        return NotOneRosterError(
            f"The Base URL {self.base_url} is not a OneRoster service — check it ends with "
            f"{ONEROSTER_PATH}."
        )

    def _wrong_version(self) -> NotOneRosterError | None:
        """When nothing is at this version's Base URL but the other version answers there."""
        other = other_version_url(self.base_url)
        try:
            reply = self._send(
                _SCHOOLS,
                other + _SCHOOLS.path,
                {"limit": 1},
                self._transport,
                self._auth.auth(self._transport),
            )
        except RosterSyncError:
            return None
        if not 200 <= reply.status < 300:
            return None
        theirs = version_of(other)
        return NotOneRosterError(
            f"The Base URL {self.base_url} is for OneRoster {self.version}, but this provider "
            f"serves OneRoster {theirs}: use {other} as the Base URL (in Infinite Campus, the "
            f"connection generated for OneRoster {theirs})."
        )

    def _error_for(self, collection: _Collection[Any], reply: Reply) -> RosterSyncError:
        said = provider_message(reply)
        if said:
            log.info("%s answered %d for %s: %s", PROVIDER, reply.status, collection.what, said)
        if reply.status in (401, 403):
            return AccessDeniedError(
                f"{PROVIDER} accepted the Client ID and Client Secret but does not let this "
                f"connection read {collection.what} — ask your {PROVIDER} administrator to check "
                "the OneRoster connection's permissions."
            )
        if reply.status in (404, 410) and not self._data_seen:
            return self._wrong_version() or self._not_oneroster()
        return ProviderError(
            f"{PROVIDER} could not answer the request for {collection.what} (status "
            f"{reply.status}); try again later or ask your {PROVIDER} administrator."
        )
