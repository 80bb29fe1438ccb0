"""How fast the Users list filters, searches and sorts a 100,000-user directory.

Run: ``.venv/bin/python bench/users_filter_bench.py [--users N] [--runs N]``

Builds the directory in a temporary folder with bulk inserts, then times each case through
``UserListing`` as the Users table model uses it: ``count()`` plus the first page of 256 rows.
Prints the median of the runs in milliseconds and whether it is under the 100 ms budget.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.demo.people import FAMILY_NAMES, GIVEN_NAMES, GIVEN_SPECIAL
from app.store.database import Database, sqlite_url
from app.store.models import DirectoryUser, Site
from app.store.user_query import ActiveFilter, SortColumn, UserListing, UserQuery

BUDGET_MS = 100.0
PAGE = 256
SITES = 40
ROLES = ("student",) * 12 + ("teacher", "aide", "administrator", "counselor")


def build_directory(folder: Path, users: int, seed: int = 7) -> Database:
    database = Database(sqlite_url(folder / "directory.db"))
    now = datetime(2026, 8, 1, tzinfo=UTC)
    rng = random.Random(seed)
    givens = GIVEN_NAMES + GIVEN_SPECIAL
    with database.session() as session:
        session.execute(
            insert(Site), [{"id": i + 1, "name": f"Site {i + 1:02d}"} for i in range(SITES)]
        )
        rows = []
        for index in range(users):
            given, given_slug = rng.choice(givens)
            family, family_slug = rng.choice(FAMILY_NAMES)
            username = f"{given_slug}.{family_slug}{index}"
            rows.append(
                {
                    "sourced_id": f"u-{index:07d}",
                    "username": username,
                    "given_name": given,
                    "family_name": family,
                    "email": f"{username}@district.example" if index % 50 else None,
                    "role": rng.choice(ROLES),
                    "site_id": rng.randint(1, SITES),
                    "active": index % 10 != 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
        session.execute(insert(DirectoryUser), rows)
    return database


def cases() -> list[tuple[str, UserQuery]]:
    base = UserQuery()
    return [
        ("all, by username", base),
        ("all, by username desc", base.with_(descending=True)),
        ("active only", base.with_(active=ActiveFilter.ACTIVE)),
        ("inactive only", base.with_(active=ActiveFilter.INACTIVE)),
        ("site 7", base.with_(site_id=7)),
        ("role teacher", base.with_(role="teacher")),
        ("site 7 + teacher + active", base.with_(site_id=7, role="teacher", active="active")),
        ("search 'a' (1 char)", base.with_(search="a")),
        ("search 'smi'", base.with_(search="smi")),
        ("search 'OLIVIA.SMITH'", base.with_(search="OLIVIA.SMITH")),
        ("search no match", base.with_(search="zzzzqx")),
        ("search 'lee' + site 7", base.with_(search="lee", site_id=7)),
        ("sort name", base.with_(sort=SortColumn.NAME)),
        ("sort email desc", base.with_(sort=SortColumn.EMAIL, descending=True)),
        ("sort role", base.with_(sort=SortColumn.ROLE)),
        ("sort site", base.with_(sort=SortColumn.SITE)),
        ("sort active", base.with_(sort=SortColumn.ACTIVE)),
        ("search 'garcia', sort site", base.with_(search="garcia", sort=SortColumn.SITE)),
        ("deep page (offset 90,000)", base),
    ]


def time_case(listing: UserListing, name: str, query: UserQuery, runs: int) -> tuple[float, int]:
    offset = 90_000 if name.startswith("deep page") else 0
    timings = []
    total = 0
    for _ in range(runs):
        start = time.perf_counter()
        total = listing.count(query)
        listing.page(query, offset, PAGE)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), total


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        database = build_directory(Path(folder), args.users)
        print(f"built {args.users:,} users in {time.perf_counter() - start:.1f} s")
        try:
            return report(UserListing(database), args.runs)
        finally:
            database.close()


def report(listing: UserListing, runs: int) -> int:
    print(f"{'case (count + first page of 256)':<34} {'rows':>8} {'median ms':>10}  < 100 ms")
    slow = 0
    for name, query in cases():
        median, total = time_case(listing, name, query, runs)
        ok = median < BUDGET_MS
        # The budget is for filters and sorts (issue 4); scrolling to the far end of the list
        # is shown for information and does not fail the run.
        informational = name.startswith("deep page")
        slow += not ok and not informational
        verdict = "info" if informational else ("yes" if ok else "NO")
        print(f"{name:<34} {total:>8,} {median:>10.1f}  {verdict}")
    return 1 if slow else 0


if __name__ == "__main__":
    raise SystemExit(main())
