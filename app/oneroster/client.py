"""The OneRoster rostering client the sync engine and command line use: schools and users, paged."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Generic, Protocol, Self, TypeVar
from urllib.parse import urljoin, urlsplit

import requests

from app.errors import AccessDeniedError, NotOneRosterError, ProviderError, RosterSyncError
from app.oneroster.auth import Credentials, TokenSource
from app.oneroster.records import InvalidRecord, School, User, parse_school, parse_user
from app.oneroster.transport import (
    PROVIDER,
    Reply,
    RetryPolicy,
    Transport,
    check_verify,
    outage_error,
)
from app.oneroster.urls import ONEROSTER_PATH, normalize_base_url

__all__ = ["ONEROSTER_PATH", "Credentials", "OneRosterClient", "Page", "RetryPolicy"]

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class _Collection(Generic[R]):
    path: str
    envelopes: tuple[str, ...]
    parse: Callable[[object], R]
    what: str  # "schools", "users": for messages


_SCHOOLS = _Collection("/schools", ("orgs", "schools"), parse_school, "schools")
_USERS = _Collection("/users", ("users",), parse_user, "users")


def _records_in(payload: Any, envelopes: tuple[str, ...]) -> list[Any] | None:
    if not isinstance(payload, dict):
        return None
    for key in envelopes:
        records = payload.get(key)
        if isinstance(records, list):
            return records
    return None


def _total_count(reply: Reply) -> int | None:
    try:
        total = int(reply.headers.get("X-Total-Count", "").strip())
    except ValueError:
        return None
    return total if total >= 0 else None


def _filter_since(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    # Whole seconds, rounded down: a record changed within that second is fetched, not missed.
    return f"dateLastModified>'{moment.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}'"


class OneRosterClient:
    """Reads a OneRoster 1.2 (or 1.1) rostering service. Not thread-safe; cancel from anywhere."""

    def __init__(
        self,
        base_url: str,
        credentials: Credentials,
        *,
        cancel: threading.Event | None = None,
        retry: RetryPolicy = RetryPolicy(),  # noqa: B008 - frozen, so sharing it is safe
        page_size: int = 1000,
        timeout: tuple[float, float] = (10.0, 60.0),
        verify: bool | str = True,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if page_size < 1:
            raise ValueError("page_size must be at least 1")
        check_verify(verify)
        self.base_url = normalize_base_url(base_url)
        credentials = credentials.normalized()
        self._own_session = session is None
        self._session = session or requests.Session()
        self._transport = Transport(
            self._session,
            cancel=cancel or threading.Event(),
            retry=retry,
            timeout=timeout,
            verify=verify,
        )
        self._tokens = TokenSource(self._transport, credentials, clock=clock)
        self._page_size = page_size
        self._data_seen = False  # whether the Base URL has ever answered with OneRoster data

    def __repr__(self) -> str:
        return f"OneRosterClient(base_url={self.base_url!r})"

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._tokens.forget()
        if self._own_session:
            self._session.close()

    def authenticate(self) -> None:
        """Get a token now, to check the Token URL, Client ID and Client Secret."""
        self._transport.check_canceled()
        self._tokens.renew()

    def school_pages(self) -> Iterator[Page[School]]:
        return self._pages(_SCHOOLS, {})

    def user_pages(self, modified_since: datetime | None = None) -> Iterator[Page[User]]:
        extra = {"filter": _filter_since(modified_since)} if modified_since else {}
        return self._pages(_USERS, extra)

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

    def _pages(self, collection: _Collection[R], extra: Mapping[str, str]) -> Iterator[Page[R]]:
        link: str | None = None  # the provider's rel="next", once it sends one
        offset = 0
        previous_ids: list[str] = []
        while True:
            reply, raw = self._fetch(collection, link, extra, offset)
            page = self._parse(collection, raw, offset, _total_count(reply))
            if not raw:
                if offset == 0:
                    yield page
                self._check_complete(collection, offset, page.total)
                return
            previous_ids = self._check_moving_on(collection, page, previous_ids)
            yield page
            offset += len(raw)
            link = self._next_url(reply)
            if link is None and self._at_end(reply, offset):
                return

    def _fetch(
        self,
        collection: _Collection[Any],
        link: str | None,
        extra: Mapping[str, str],
        offset: int,
    ) -> tuple[Reply, list[Any]]:
        if link is not None:
            return self._get(collection, link, None)
        params: dict[str, str | int] = {**extra, "limit": self._page_size, "offset": offset}
        return self._get(collection, self.base_url + collection.path, params)

    @staticmethod
    def _check_moving_on(
        collection: _Collection[Any], page: Page[R], previous_ids: list[str]
    ) -> list[str]:
        """The page's ids; a provider that ignores the offset would otherwise loop forever."""
        ids = [r.sourced_id for r in page.records] + [i.sourced_id or "" for i in page.invalid]
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
        collection: _Collection[R], raw: list[Any], offset: int, total: int | None
    ) -> Page[R]:
        page: Page[R] = Page([], [], offset, total)
        for item in raw:
            try:
                page.records.append(collection.parse(item))
            except InvalidRecord as problem:
                page.invalid.append(problem)
        return page

    # -- one request ------------------------------------------------------------------------

    def _get(
        self, collection: _Collection[Any], url: str, params: Mapping[str, str | int] | None
    ) -> tuple[Reply, list[Any]]:
        reply = self._send(collection, url, params)
        if reply.status == 401:
            # Expired or revoked early: one new token, one more try.
            self._tokens.forget()
            reply = self._send(collection, url, params)
        if not 200 <= reply.status < 300:
            raise self._error_for(collection, reply)
        records = _records_in(reply.json(), collection.envelopes)
        assert records is not None  # the transport accepted the body
        self._data_seen = True
        return reply, records

    def _send(
        self, collection: _Collection[Any], url: str, params: Mapping[str, str | int] | None
    ) -> Reply:
        return self._transport.request(
            "GET",
            url,
            params=params,
            headers={"Accept": "application/json"},
            auth=self._tokens.auth(),
            accept=lambda payload: _records_in(payload, collection.envelopes) is not None,
            bad_body_error=self._bad_body_error,
        )

    def _bad_body_error(self, reason: str) -> RosterSyncError:
        attempts = self._transport.max_attempts
        if self._data_seen or reason not in ("html", "not_data"):
            return outage_error(reason, attempts)
        # Never any data yet: as likely a wrong Base URL (a web page) as a provider problem.
        answer = "a web page" if reason == "html" else "something that is not OneRoster data"
        return ProviderError(
            f"{PROVIDER} kept answering with {answer} after {attempts} tries; check that the "
            f"Base URL is the one Infinite Campus shows (ending with {ONEROSTER_PATH}), or try "
            "again later."
        )

    def _not_oneroster(self) -> NotOneRosterError:
        return NotOneRosterError(
            f"The Base URL {self.base_url} is not a OneRoster service — check it ends with "
            f"{ONEROSTER_PATH}."
        )

    def _error_for(self, collection: _Collection[Any], reply: Reply) -> RosterSyncError:
        if reply.status in (401, 403):
            return AccessDeniedError(
                f"{PROVIDER} accepted the Client ID and Client Secret but does not let this "
                f"connection read {collection.what} — ask your {PROVIDER} administrator to check "
                "the OneRoster connection's permissions."
            )
        if reply.status in (404, 410) and not self._data_seen:
            return self._not_oneroster()
        return ProviderError(
            f"{PROVIDER} could not answer the request for {collection.what} (status "
            f"{reply.status}); try again later or ask your {PROVIDER} administrator."
        )
