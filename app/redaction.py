"""Keeps secrets out of logs and messages.

Two layers: every secret the process learns (client secret, access tokens) is registered and
replaced wherever it appears, and patterns catch credential-shaped text we never saw
(``Authorization:`` headers, ``Bearer`` tokens, ``client_secret=`` and ``access_token`` fields).
"""

from __future__ import annotations

import logging
import re
import threading

MASK = "[redacted]"
_MIN_SECRET_LENGTH = 4

_PATTERNS = (
    re.compile(r"(?i)(authorization[\"']?\s*[:=]\s*[\"']?)(?:basic|bearer)?\s*[^\s\"',;}]+"),
    re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9\-._~+/]+=*"),
    re.compile(
        r"(?i)(\b(?:client_secret|access_token|refresh_token|password)[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,;}]+"
    ),
    re.compile(r"(?i)(\boauth_signature[\"']?\s*[:=]\s*[\"']?)[^\s\"'&,;}]+"),
)

_lock = threading.Lock()
_known: set[str] = set()


def register_secret(value: str | None) -> None:
    """Remember a secret so that it is masked wherever it shows up later."""
    if value and len(value) >= _MIN_SECRET_LENGTH:
        with _lock:
            _known.add(value)


def redact(text: str) -> str:
    # Patterns first: masking a known secret could break up a pattern's keyword
    # (a secret "secret" inside "client_secret=") and let the value after it through.
    for pattern in _PATTERNS:
        text = pattern.sub(lambda m: m.group(1) + MASK, text)
    with _lock:
        known = sorted(_known, key=len, reverse=True)
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    return text


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message (and traceback text) with secrets masked."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info:
            formatted = logging.Formatter().formatException(record.exc_info)
            record.exc_text = redact(formatted)
            record.exc_info = None
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
