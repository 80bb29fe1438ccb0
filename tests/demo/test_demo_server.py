"""The demo OneRoster 1.2 server over real HTTP on 127.0.0.1: tokens, paging, filters, admin."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from app.demo.district import DemoDistrict
from app.demo.people import BASE_DATE
from app.demo.server import DEMO_SECRET, DemoServer
from tests.support.clock import FakeClock
from tests.support.tokens import get_token


@pytest.fixture
def district() -> DemoDistrict:
    return DemoDistrict(300, seed=1)


@pytest.fixture
def server(district: DemoDistrict, clock: FakeClock) -> Iterator[DemoServer]:
    with DemoServer(district, clock=clock) as running:
        yield running


@pytest.fixture
def api(server: DemoServer) -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {get_token(server)}"
        yield session


def get(session: requests.Session, server: DemoServer, path: str, **params: Any) -> Any:
    return session.get(f"{server.base_url}{path}", params=params, timeout=5)


# -- connection values and the token endpoint ------------------------------------------------


def test_urls_follow_infinite_campus(server: DemoServer) -> None:
    root = f"http://127.0.0.1:{server.port}"
    assert server.host == "127.0.0.1" and server.port > 0
    assert server.token_url == f"{root}/campus/oauth2/token?appName=demo"
    assert server.base_url == (
        f"{root}/campus/api/oneroster/v1p2/demo/ims/oneroster/rostering/v1p2"
    )
    assert (server.client_id, server.client_secret) == ("rostersync-demo", DEMO_SECRET)


def test_token_with_http_basic(server: DemoServer) -> None:
    reply = requests.post(
        server.token_url,
        data={"grant_type": "client_credentials", "scope": "roster-core.readonly"},
        auth=(server.client_id, server.client_secret),
        timeout=5,
    )
    body = reply.json()
    assert reply.status_code == 200
    assert (body["token_type"], body["expires_in"]) == ("Bearer", 3600)
    assert body["scope"] == "roster-core.readonly"
    assert server.tokens_issued == [body["access_token"]]
    assert reply.headers["Cache-Control"] == "no-store"


def test_token_with_credentials_in_the_body(server: DemoServer) -> None:
    form = {
        "grant_type": "client_credentials",
        "client_id": server.client_id,
        "client_secret": server.client_secret,
    }
    reply = requests.post(server.token_url, data=form, timeout=5)
    assert reply.status_code == 200
    assert reply.json()["access_token"] in server.tokens_issued
    assert server.request_count == 0  # token requests are not API requests


@pytest.mark.parametrize(
    ("client_id", "secret", "description"),
    [
        ("someone-else", DEMO_SECRET, "Unknown client."),
        (
            "rostersync-demo",
            "wrong",
            "Client authentication failed: the client secret is incorrect.",
        ),
    ],
)
def test_wrong_client_id_and_wrong_secret_are_told_apart(
    server: DemoServer, client_id: str, secret: str, description: str
) -> None:
    for style in ("basic", "body"):
        form = {"grant_type": "client_credentials"}
        auth = (client_id, secret) if style == "basic" else None
        if style == "body":
            form |= {"client_id": client_id, "client_secret": secret}
        reply = requests.post(server.token_url, data=form, auth=auth, timeout=5)
        assert reply.status_code == 401
        assert reply.json() == {"error": "invalid_client", "error_description": description}
    assert server.tokens_issued == []


def test_token_auth_style_can_be_restricted(server: DemoServer) -> None:
    body_form = {
        "grant_type": "client_credentials",
        "client_id": server.client_id,
        "client_secret": server.client_secret,
    }
    server.faults.token_auth = "basic"
    assert requests.post(server.token_url, data=body_form, timeout=5).status_code == 401
    get_token(server)
    server.faults.token_auth = "body"
    basic = requests.post(
        server.token_url,
        data={"grant_type": "client_credentials"},
        auth=(server.client_id, server.client_secret),
        timeout=5,
    )
    assert basic.status_code == 401
    assert basic.json()["error"] == "invalid_client"
    assert requests.post(server.token_url, data=body_form, timeout=5).status_code == 200


def test_token_endpoint_refuses_other_grants_and_methods(server: DemoServer) -> None:
    auth = (server.client_id, server.client_secret)
    other = requests.post(server.token_url, data={"grant_type": "password"}, auth=auth, timeout=5)
    assert (other.status_code, other.json()["error"]) == (400, "unsupported_grant_type")
    assert requests.get(server.token_url, timeout=5).status_code == 405
    no_creds = requests.post(server.token_url, data={"grant_type": "client_credentials"}, timeout=5)
    assert no_creds.status_code == 401


# -- bearer tokens ------------------------------------------------------------------------------


def test_api_needs_a_known_unexpired_token(server: DemoServer, clock: FakeClock) -> None:
    bare = requests.get(f"{server.base_url}/users", timeout=5)
    assert bare.status_code == 401
    assert bare.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    made_up = {"Authorization": "Bearer not-a-token"}
    assert requests.get(f"{server.base_url}/users", headers=made_up, timeout=5).status_code == 401

    server.faults.token_lifetime = 60
    token = get_token(server)
    headers = {"Authorization": f"Bearer {token}"}
    clock.now += 59
    assert requests.get(f"{server.base_url}/users", headers=headers, timeout=5).status_code == 200
    clock.now += 1
    expired = requests.get(f"{server.base_url}/users", headers=headers, timeout=5)
    assert expired.status_code == 401
    assert "invalid_token" in expired.headers["WWW-Authenticate"]


# -- collections -------------------------------------------------------------------------------


def offset_in(link: str, rel: str) -> int:
    for part in link.split(","):
        url, _, kind = part.partition(";")
        if kind.strip() == f'rel="{rel}"':
            return int(parse_qs(urlsplit(url.strip(" <>")).query)["offset"][0])
    raise AssertionError(f"no {rel} link in {link}")


def test_paging_with_total_and_links(server: DemoServer, api: requests.Session) -> None:
    first = get(api, server, "/users", limit=7)
    assert first.status_code == 200
    assert first.headers["Content-Type"] == "application/json"
    assert first.headers["X-Total-Count"] == "300"
    assert len(first.json()["users"]) == 7
    assert offset_in(first.headers["Link"], "next") == 7
    assert offset_in(first.headers["Link"], "last") == 294

    seen: list[str] = []
    url: str | None = f"{server.base_url}/users?limit=40&sort=familyName&fields=sourcedId"
    while url:
        reply = api.get(url, timeout=5)
        seen += [u["sourcedId"] for u in reply.json()["users"]]
        url = reply.links.get("next", {}).get("url")
    assert len(seen) == len(set(seen)) == 300
    assert get(api, server, "/users").json()["users"][0]["sourcedId"] == "u-000000"
    assert len(get(api, server, "/users").json()["users"]) == 100  # the default limit


def test_limit_is_silently_capped(server: DemoServer, api: requests.Session) -> None:
    server.faults.page_size_cap = 50
    reply = get(api, server, "/users", limit=1000, offset=100)
    assert len(reply.json()["users"]) == 50
    assert reply.links["next"]["url"].endswith("limit=50&offset=150")


def test_paging_headers_can_be_switched_off(server: DemoServer, api: requests.Session) -> None:
    server.faults.send_total_count = False
    server.faults.send_link = False
    reply = get(api, server, "/users", limit=10)
    assert "X-Total-Count" not in reply.headers and "Link" not in reply.headers
    assert len(reply.json()["users"]) == 10


def test_filter_on_date_last_modified(
    server: DemoServer, api: requests.Session, district: DemoDistrict
) -> None:
    district.update_user("u-000042", familyName="Changed")
    after = get(api, server, "/users", filter=f"dateLastModified>'{BASE_DATE}'")
    assert after.headers["X-Total-Count"] == "1"
    assert after.json()["users"][0]["familyName"] == "Changed"
    at_or_after = get(api, server, "/users", filter=f"dateLastModified>='{BASE_DATE}'")
    assert at_or_after.headers["X-Total-Count"] == "300"
    assert "filter=dateLastModified" in at_or_after.links["next"]["url"]


@pytest.mark.parametrize(
    "params",
    [{"filter": "status='active'"}, {"filter": "dateLastModified>'yesterday'"}, {"limit": "x"}],
)
def test_bad_queries_get_a_oneroster_error(
    server: DemoServer, api: requests.Session, params: dict[str, str]
) -> None:
    reply = get(api, server, "/users", **params)
    assert reply.status_code == 400
    assert reply.json()["imsx_codeMajor"] == "failure"


def test_schools_orgs_and_single_records(
    server: DemoServer, api: requests.Session, district: DemoDistrict
) -> None:
    schools = get(api, server, "/schools").json()["orgs"]
    assert [s["name"] for s in schools] == [s["name"] for s in district.schools]
    assert all(s["type"] == "school" for s in schools)
    assert schools[0]["parent"]["href"].startswith(server.base_url)
    orgs = get(api, server, "/orgs").json()["orgs"]
    assert [o["type"] for o in orgs].count("district") == 1 and len(orgs) == len(schools) + 1
    one = get(api, server, f"/schools/{schools[2]['sourcedId']}").json()
    assert one == {"org": schools[2]}
    user = get(api, server, "/users/u-000123").json()["user"]
    assert user == district.user("u-000123")
    assert user["roles"][0]["org"]["href"].startswith(server.base_url)
    assert get(api, server, "/users/u-999999").status_code == 404


def test_students_and_teachers(server: DemoServer, api: requests.Session) -> None:
    students = get(api, server, "/students", limit=1000).json()["users"]
    teachers = get(api, server, "/teachers", limit=1000).json()["users"]
    assert students and all(any(r["role"] == "student" for r in u["roles"]) for u in students)
    assert teachers and all(any(r["role"] == "teacher" for r in u["roles"]) for u in teachers)


def test_unknown_paths(server: DemoServer, api: requests.Session) -> None:
    inside = get(api, server, "/classes")
    assert inside.status_code == 404
    assert inside.headers["Content-Type"] == "application/json"
    assert inside.json()["imsx_codeMajor"] == "failure"
    outside = api.get(f"http://127.0.0.1:{server.port}/campus/api/users", timeout=5)
    assert outside.status_code == 404
    assert outside.headers["Content-Type"].startswith("text/html")


# -- 1.1 shape ---------------------------------------------------------------------------------


def test_one_point_one_shape(district: DemoDistrict) -> None:
    with DemoServer(district, shape="1.1") as server, requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {get_token(server)}"
        users = get(session, server, "/users", limit=300).json()["users"]
        single = get(session, server, "/users/u-000001").json()["user"]
    assert all("roles" not in u and isinstance(u["orgs"], list) and u["role"] for u in users)
    assert any(len(u["orgs"]) == 2 for u in users)
    assert "roles" not in single and "role" in single
