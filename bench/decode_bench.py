"""How fast a page of users becomes records, by JSON decoder (issue #15: "measure it against
orjson and the standard library before choosing").

Run: ``.venv/bin/python bench/decode_bench.py [--users 5000] [--repeat 7]``
(orjson and msgspec are imported when installed; ``pip install orjson msgspec``).

One real page of /users from the demo server (OneRoster 1.2, every field the demo sends), then,
best of ``--repeat`` runs each:

- **decode**: the body into the page's records and nothing more: dicts and lists for the
  generic decoders; for msgspec typed (what the client does), each record's own bytes, which
  ``parse_user`` decodes straight into a typed struct;
- **decode + parse**: the same, then every record through ``parse_user``, as a sync does.

Figures are per 1,000 users and as a ratio to the standard library's ``json``.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def one_page(users: int) -> bytes:
    from app.demo.district import DemoDistrict
    from app.demo.server import DemoServer
    from tests.support.tokens import get_token

    with DemoServer(DemoDistrict(users=users, seed=1), port=0) as server:
        token = get_token(server)
        reply = requests.get(
            f"{server.base_url}/users",
            params={"limit": users, "offset": 0},
            headers={"Authorization": f"Bearer {token}"},
            timeout=120,
        )
        reply.raise_for_status()
        return reply.content


def page_readers() -> dict[str, Callable[[bytes], list[Any]]]:
    """How each decoder turns a page's body into its list of user records."""
    from app.oneroster.client import _decode_users

    found: dict[str, Callable[[bytes], list[Any]]] = {
        "json": lambda body: json.loads(body)["users"]
    }
    for name, attribute in (("orjson", "loads"), ("msgspec.json", "decode")):
        try:
            decode = getattr(importlib.import_module(name), attribute)
        except ImportError:
            print(f"({name} is not installed: skipped)")
            continue
        found[name] = lambda body, decode=decode: decode(body)["users"]
    found["msgspec typed"] = lambda body: _decode_users(body) or []
    return found


def best_seconds(work: Callable[[], object], repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=7)
    options = parser.parse_args()

    from app.oneroster.records import parse_user

    body = one_page(options.users)
    count = len(json.loads(body)["users"])
    print(f"one page: {count:,} users, {len(body) / 1e6:.1f} MB\n")

    rows: list[tuple[str, float, float]] = []
    for name, read in page_readers().items():
        decoded = best_seconds(lambda read=read: read(body), options.repeat)

        def decode_and_parse(read: Callable[[bytes], list[Any]] = read) -> object:
            return [parse_user(raw) for raw in read(body)]

        parsed = best_seconds(decode_and_parse, options.repeat)
        rows.append((name, decoded, parsed))

    base_decode, base_parse = rows[0][1], rows[0][2]
    per_thousand = 1000 / count * 1000  # seconds -> milliseconds per 1,000 users
    print(f"{'decoder':<14}{'decode':>18}{'decode + parse':>24}")
    for name, decoded, parsed in rows:
        print(
            f"{name:<14}{decoded * per_thousand:>8.2f} ms ({decoded / base_decode:4.2f}x)"
            f"{parsed * per_thousand:>13.2f} ms ({parsed / base_parse:4.2f}x)"
        )
    print("\nper 1,000 users; ratios against json (lower is faster)")


if __name__ == "__main__":
    main()
