"""Reading the four connection values from text copied off Infinite Campus's screen.

The "Generate New OneRoster Connection" result lists label/value pairs: on one line
("Client ID: abc", "Client ID<tab>abc") or on two (label, then value). Unlabelled URLs are
recognised by their shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_LABELS = {
    "client id": "client_id",
    "client secret": "client_secret",
    "token url": "token_url",
    "base url": "base_url",
}
_LABEL = re.compile(
    r"^\s*(client\s*id|client\s*secret|token\s*url|base\s*url)\s*[:=\t]?\s*(.*)$", re.IGNORECASE
)


@dataclass
class PastedConnection:
    client_id: str = ""
    client_secret: str = ""
    token_url: str = ""
    base_url: str = ""

    @property
    def found(self) -> int:
        return sum(1 for value in vars(self).values() if value)


def _key(label: str) -> str:
    return _LABELS[" ".join(label.lower().split()).replace("clientid", "client id")]


def parse_connection_text(text: str) -> PastedConnection:
    result = PastedConnection()
    waiting_for: str | None = None
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not line:
            continue
        match = _LABEL.match(line)
        if match:
            key = _key(match.group(1))
            value = match.group(2).strip()
            if value:
                setattr(result, key, value)
                waiting_for = None
            else:
                waiting_for = key
            continue
        if waiting_for is not None:
            setattr(result, waiting_for, line)
            waiting_for = None
        elif line.lower().startswith(("http://", "https://")):
            _place_url(result, line)
    return result


def _place_url(result: PastedConnection, url: str) -> None:
    if "/ims/oneroster" in url and not result.base_url:
        result.base_url = url
    elif ("oauth" in url.lower() or "/token" in url.lower()) and not result.token_url:
        result.token_url = url
