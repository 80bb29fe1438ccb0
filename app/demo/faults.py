"""How the demo server misbehaves on purpose: the faults a test switches on, checked as set."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from typing import Any, Final

_FAULT_ORDER: Final = ("reset", "rate_limit", "unavailable", "html", "truncate")
_TOKEN_AUTH_STYLES: Final = ("basic", "body", "either")


@dataclass
class Faults:
    """How the server misbehaves. Mutable; a change applies to the next request.

    API requests are numbered from 1; a fault with ``*_every = N`` hits request n when
    ``n % N == 0``. When several hit the same request the first of outage, reset, rate limit,
    unavailable, HTML, truncate wins.
    """

    rate_limit_every: int = 0
    retry_after: str = "1"
    unavailable_every: int = 0
    reset_every: int = 0
    truncate_every: int = 0
    html_every: int = 0
    outage_after: int | None = None
    token_outage: bool = False
    token_lifetime: int = 3600
    page_size_cap: int = 1000
    send_total_count: bool = True
    send_link: bool = True
    token_auth: str = "either"
    #: Seconds every API request waits before answering (a slow or distant provider).
    latency: float = 0.0
    #: Seconds a page of records takes the server per record in it (a real SIS reads each
    #: person from its own database): with ``latency``, a real district's server.
    seconds_per_record: float = 0.0
    #: JSON bodies are gzip-compressed for a request that accepts it, as production servers do.
    gzip: bool = False
    # What independent OneRoster 1.1 servers do differently from the spec.
    #: The Token URL is {Base URL}/token (with no ?appName=).
    token_under_base: bool = False
    #: A token request must name this scope.
    required_scope: str = ""
    #: Error bodies are {"error": "…"} instead of imsx_StatusInfo.
    plain_errors: bool = False
    #: 401 answers carry no WWW-Authenticate header.
    bare_401: bool = False
    #: hrefs and Link URLs relative to the host root.
    relative_hrefs: bool = False
    #: null for every absent user field.
    nulls: bool = False
    #: Any filter (one on a field it does not know) answered 200 with an empty list.
    unknown_filter_empty: bool = False
    #: dateLastModified compared with the filter's time as text ("…:05.250Z" sorts before
    #: "…:05Z"), as some 1.1 servers do.
    text_dates: bool = False
    #: OAuth 1.0a: the signature methods accepted, comma-separated.
    signature_methods: str = "HMAC-SHA256,HMAC-SHA1"
    #: Seconds the server's clock is ahead of the real time (its Date header, its timestamps).
    clock_offset: int = 0

    def fault_for(self, number: int) -> str | None:
        """The fault API request ``number`` (1-based) meets, or None."""
        if self.outage_after is not None and number > self.outage_after:
            return "outage"
        for name in _FAULT_ORDER:
            every = getattr(self, f"{name}_every")
            if every > 0 and number % every == 0:
                return name
        return None

    def update(self, changes: Mapping[str, object]) -> None:
        """Set several fields at once, checking names and types (ValueError when wrong)."""
        checked = {name: _checked_fault(name, value) for name, value in changes.items()}
        for name, value in checked.items():
            setattr(self, name, value)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _checked_fault(name: str, value: object) -> object:
    types = {f.name: f.type for f in fields(Faults)}
    if name not in types:
        raise ValueError(f"unknown fault {name!r}")
    kind = types[name]
    if name == "outage_after" and value is None:
        return None
    if name == "retry_after" and type(value) is int:
        return str(value)  # seconds given as a number
    if name == "token_auth" and value not in _TOKEN_AUTH_STYLES:
        raise ValueError(f"token_auth must be one of {', '.join(_TOKEN_AUTH_STYLES)}")
    if str(kind) == "float":  # seconds
        if type(value) not in (int, float) or value < 0:
            raise ValueError(f"{name} must be a number of seconds, 0 or more")
        return float(value)
    wanted = {"int": int, "int | None": int, "str": str, "bool": bool}[str(kind)]
    if type(value) is not wanted:  # exact: a bool is not an int here
        raise ValueError(f"{name} must be {kind}")
    return value
