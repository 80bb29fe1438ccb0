"""Retry-After parsing and backoff bounds (no network)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from app.oneroster.client import RetryPolicy
from app.oneroster.transport import parse_retry_after

NOW = datetime(2025, 3, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("0", 0.0), ("1", 1.0), (" 120 ", 120.0), ("2.5", 2.5), ("86400", 86400.0)],
)
def test_retry_after_in_seconds(header: str, seconds: float) -> None:
    assert parse_retry_after(header, NOW) == seconds


def test_retry_after_as_http_date() -> None:
    header = format_datetime(NOW + timedelta(seconds=90), usegmt=True)
    assert parse_retry_after(header, NOW) == pytest.approx(90.0)


def test_retry_after_date_in_the_past_means_now() -> None:
    header = format_datetime(NOW - timedelta(hours=1), usegmt=True)
    assert parse_retry_after(header, NOW) == 0.0


@pytest.mark.parametrize("header", [None, "", "  ", "soon", "-5", "1e9", "inf", "nan", "12 s"])
def test_unusable_retry_after_is_ignored(header: str | None) -> None:
    assert parse_retry_after(header, NOW) is None


def test_backoff_is_full_jitter_under_an_exponential_ceiling() -> None:
    policy = RetryPolicy(backoff_base=0.5, backoff_max=30.0)
    top = [policy.backoff(n, rng=lambda: 0.999999) for n in range(1, 10)]
    assert top == pytest.approx([0.5, 1, 2, 4, 8, 16, 30, 30, 30], rel=1e-3)
    assert all(policy.backoff(n, rng=lambda: 0.0) == 0.0 for n in range(1, 10))


def test_backoff_stays_within_bounds_with_real_randomness() -> None:
    policy = RetryPolicy()
    for failures in range(1, 40):
        delay = policy.backoff(failures)
        assert 0.0 <= delay <= min(policy.backoff_max, policy.backoff_base * 2 ** (failures - 1))


def test_retry_policy_defaults() -> None:
    policy = RetryPolicy()
    assert (policy.max_attempts, policy.backoff_base, policy.backoff_max) == (6, 0.5, 30.0)
    assert policy.retry_after_max == 300.0
