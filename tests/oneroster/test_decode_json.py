"""Pages read by the fast decoder read exactly as the standard library reads them, including
what only the standard library accepts; what is not JSON is refused as before."""

from __future__ import annotations

import json

import pytest

from app.oneroster.transport import decode_json

PAGES = {
    "plain": b'{"users": [{"sourcedId": "u-1", "givenName": "Zo\\u00eb"}]}',
    "byte-order mark": b'\xef\xbb\xbf{"users": []}',
    "UTF-16": '{"users": [{"sourcedId": "u-1"}]}'.encode("utf-16"),
    "NaN": b'{"users": [], "score": NaN}',
    "lone surrogate escape": b'{"users": [{"givenName": "\\ud800"}]}',
    "number past a float": b'{"users": [], "total": 1e999}',
    "huge integer": b'{"users": [], "total": 123456789012345678901234567890}',
    "duplicate key": b'{"users": [1], "users": [2]}',
}


@pytest.mark.parametrize("body", PAGES.values(), ids=PAGES.keys())
def test_a_page_reads_as_the_standard_library_reads_it(body: bytes) -> None:
    assert repr(decode_json(body)) == repr(json.loads(body))


@pytest.mark.parametrize("body", [b"", b"<html>", b'{"users": [', b"{} trailing", b"[" * 100_000])
def test_what_is_not_json_is_refused(body: bytes) -> None:
    with pytest.raises(ValueError, match="not JSON"):
        decode_json(body)
