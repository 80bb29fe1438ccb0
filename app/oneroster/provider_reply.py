"""What a provider's error body says, in whichever shape it sends it.

OneRoster 1.2 puts it in ``imsx_StatusInfo`` (or a ``statusInfoSet`` of them), 1.1 servers in a
``statusInfoSet``, and some just answer ``{"error": "…"}``. Only for logs and for recognising a
cause (a refused timestamp); never shown whole to a person.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, Final

from app.oneroster.transport import Reply

_MAX_LENGTH: Final = 300
_TEXT_KEYS: Final = ("imsx_description", "description", "error_description", "error", "message")


def provider_message(reply: Reply) -> str:
    """The provider's own words about a refused request, or "" when it said nothing readable."""
    try:
        payload: Any = reply.json()
    except ValueError:
        return ""
    texts = [text for info in _dicts(payload) for text in _texts(info)]
    return "; ".join(dict.fromkeys(texts))[:_MAX_LENGTH]


def _dicts(value: Any, depth: int = 4) -> Iterator[dict[str, Any]]:
    """The objects in the body, the outer one first, a few levels down."""
    if depth == 0:
        return
    if isinstance(value, dict):
        yield value
        children: Iterable[Any] = value.values()
    elif isinstance(value, list):
        children = value
    else:
        return
    for child in children:
        yield from _dicts(child, depth - 1)


def _texts(info: dict[str, Any]) -> list[str]:
    return [info[k].strip() for k in _TEXT_KEYS if isinstance(info.get(k), str) and info[k].strip()]
