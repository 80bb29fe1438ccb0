"""Names, emails and ids of any length and script reach the directory exactly as sent, on SQLite
and PostgreSQL, through a real sync from the demo server."""

from __future__ import annotations

from typing import Any

import pytest

from app.demo.district import DemoDistrict
from app.demo.server import DemoServer
from app.store.text import REPLACEMENT
from tests.conftest import Cli

WHOLE = {
    "long": ("Ａ" * 1000, "O'Brien-" + "ß" * 300, "x" * 400 + "@district.example"),
    "combining": ("Zoe\u0301 Ama\u0308lie", "Nguyê\u0303n", "zoe@district.example"),
    "right-to-left": ("مريم", "\u202bכהן\u202c", "miriam@district.example"),
    "emoji": ("Sky 🌈", "👩🏽‍🏫 Teacher", "sky@district.example"),
    "zero-width": ("Jo\u200bhn", "Do\u200de\ufeff", "john\u200c@district.example"),
}


@pytest.fixture(params=["sqlite", "postgresql"])
def synced_through(request: pytest.FixtureRequest) -> str:
    if request.param == "postgresql":
        request.getfixturevalue("postgres_profile")  # before ``connected`` opens the database
    return request.param


def newcomer(district: DemoDistrict, sourced_id: str, **fields: Any) -> dict[str, Any]:
    page, _total = district.users_page(0, 50)
    template = next(dict(r) for r in page if r["roles"][0]["role"] == "student")
    template.pop("dateLastModified", None)
    template.update(sourcedId=sourced_id, username=sourced_id, identifier=sourced_id, **fields)
    return template


def test_every_name_email_and_id_is_stored_whole(
    synced_through: str, connected: DemoServer, cli: Cli, district: DemoDistrict
) -> None:
    for label, (given, family, email) in WHOLE.items():
        sourced_id = f"{label}-" + "9" * (600 if label == "long" else 3)
        district.add_user(
            newcomer(district, sourced_id, givenName=given, familyName=family, email=email)
        )
    synced = cli("sync", "--json")
    assert synced.code == 0, synced.err
    assert "invalid_record" not in synced.json()["skipped_reasons"]
    stored = {row["sourcedId"]: row for row in cli("users", "--json").json()}
    for label, (given, family, email) in WHOLE.items():
        row = stored[f"{label}-" + "9" * (600 if label == "long" else 3)]
        assert (row["givenName"], row["familyName"], row["email"]) == (given, family, email)
        assert row["username"] == email
    again = cli("sync", "--json").json()
    assert (again["added"], again["updated"]) == (0, 0)


def test_characters_no_database_holds_are_replaced_and_the_person_kept(
    synced_through: str, connected: DemoServer, cli: Cli, district: DemoDistrict
) -> None:
    # A lone surrogate is valid JSON ("\ud800") but not text; PostgreSQL holds no NUL.
    district.add_user(
        newcomer(district, "odd-1", givenName="Ann\ud800", familyName="Lee", email="ann@x.example")
    )
    district.add_user(
        newcomer(district, "odd-2", givenName="Bo", familyName="N\x00ul", email="bo@x.example")
    )
    synced = cli("sync", "--json")
    assert synced.code == 0, synced.err
    assert "invalid_record" not in synced.json()["skipped_reasons"]
    stored = {row["sourcedId"]: row for row in cli("users", "--json").json()}
    assert stored["odd-1"]["givenName"] == f"Ann{REPLACEMENT}"
    nul_kept = "N\x00ul" if synced_through == "sqlite" else f"N{REPLACEMENT}ul"
    assert stored["odd-2"]["familyName"] == nul_kept
