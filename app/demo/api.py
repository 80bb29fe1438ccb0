"""OneRoster 1.2 query parameters, error bodies and paging headers, as the demo server uses them.

Nothing here touches sockets: the handler turns a request into a :class:`Query`, asks the
district for the slice, and sends what :func:`paging_headers` and friends return.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Final
from urllib.parse import quote, urlencode

from app.demo.district import parse_timestamp

DEFAULT_LIMIT: Final = 100
_FILTER = re.compile(r"^\s*dateLastModified\s*(>=|>)\s*'([^']*)'\s*$")


class ApiError(Exception):
    """A request the API refuses; becomes a OneRoster status-info body."""

    def __init__(self, status: int, minor: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.minor = minor
        self.description = description


@dataclass(frozen=True, slots=True)
class Query:
    offset: int
    limit: int  # already capped
    modified_since: str | None
    strict: bool  # ">" rather than ">="
    params: dict[str, str]  # every parameter as sent, for building Link URLs


def parse_query(params: dict[str, list[str]], page_size_cap: int) -> Query:
    """Read ``limit``, ``offset`` and ``filter``; ``sort``, ``orderBy``, ``fields`` are ignored."""
    flat = {key: values[-1] for key, values in params.items() if values}
    limit = _non_negative(flat, "limit", DEFAULT_LIMIT)
    if limit == 0:
        raise ApiError(400, "invalid_limit_field", "limit must be a whole number above zero")
    offset = _non_negative(flat, "offset", 0)
    modified_since, strict = _parse_filter(flat.get("filter"))
    capped = min(limit, page_size_cap) if page_size_cap > 0 else limit
    return Query(offset, capped, modified_since, strict, flat)


def _non_negative(params: dict[str, str], name: str, default: int) -> int:
    raw = params.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdigit():
        raise ApiError(400, f"invalid_{name}_field", f"{name} must be a whole number")
    return int(raw)


def _parse_filter(raw: str | None) -> tuple[str | None, bool]:
    if raw is None or not raw.strip():
        return None, False
    match = _FILTER.match(raw)
    if match is None:
        raise ApiError(
            400,
            "invalid_filter_field",
            "This server supports only filter=dateLastModified>'ISO 8601 time' (or >=)",
        )
    operator, value = match.groups()
    try:
        parse_timestamp(value)
    except ValueError:
        raise ApiError(
            400, "invalid_filter_field", f"The filter's time is not ISO 8601: {value!r}"
        ) from None
    return value, operator == ">"


def paging_headers(
    collection_url: str, query: Query, total: int, *, total_count: bool, link: bool
) -> dict[str, str]:
    """``X-Total-Count`` and ``Link`` (absolute URLs, rel "next" while more remain, "last")."""
    headers: dict[str, str] = {}
    if total_count:
        headers["X-Total-Count"] = str(total)
    if link:
        parts = []
        if query.offset + query.limit < total:
            parts.append(
                f'<{_page_url(collection_url, query, query.offset + query.limit)}>; rel="next"'
            )
        last = ((total - 1) // query.limit) * query.limit if total > 0 else 0
        parts.append(f'<{_page_url(collection_url, query, last)}>; rel="last"')
        headers["Link"] = ", ".join(parts)
    return headers


def _page_url(collection_url: str, query: Query, offset: int) -> str:
    params = {**query.params, "limit": str(query.limit), "offset": str(offset)}
    return f"{collection_url}?{urlencode(params, quote_via=quote)}"


def status_info(minor: str, description: str) -> bytes:
    """A OneRoster 1.2 ``imsx_StatusInfo`` error body."""
    body = {
        "imsx_codeMajor": "failure",
        "imsx_severity": "error",
        "imsx_description": description,
        "imsx_CodeMinor": {
            "imsx_codeMinorField": [
                {"imsx_codeMinorFieldName": "TargetEndSystem", "imsx_codeMinorFieldValue": minor}
            ]
        },
    }
    return json.dumps(body).encode()


def html_page(title: str, message: str) -> bytes:
    """The kind of page a web server or a proxy shows: what a JSON client must not trust."""
    return (
        "<!DOCTYPE html>\n<html><head><title>"
        f"{title}</title></head>\n<body><h1>{title}</h1>\n<p>{message}</p>\n"
        "<hr><address>Apache Tomcat</address></body></html>\n"
    ).encode()
