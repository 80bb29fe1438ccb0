"""The HTTP request handler of the demo server: token endpoint, OneRoster API, admin, faults."""

from __future__ import annotations

import gzip
import json
import logging
import socket
import struct
import sys
import time
from contextlib import suppress
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qs, urlsplit

from app.demo.api import (
    ApiError,
    Query,
    html_page,
    paging_headers,
    parse_query,
    status_info,
)
from app.demo.district import record_matches, to_v1p1
from app.demo.legacy import with_legacy_school, with_legacy_user
from app.demo.oauth import bearer_token, client_problem, oauth_error
from app.demo.service import DemoService, ServiceHost
from app.demo.v1p1 import demo_id, relative_hrefs, with_nulls, with_v1p1_id

log = logging.getLogger(__name__)

TOKEN_PATH = "/campus/oauth2/token"
ADMIN_PREFIX = "/_demo/"
_JSON = "application/json"
_HTML = "text/html; charset=utf-8"
_LINGER_FORMAT = "HH" if sys.platform == "win32" else "ii"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "CampusDemo/1.0"
    sys_version = ""
    timeout = 60  # an idle keep-alive connection is dropped after this many seconds
    disable_nagle_algorithm = True  # small answers must not wait for the client's delayed ACK
    server: ServiceHost

    # -- plumbing ---------------------------------------------------------------------------

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the demo must never print request lines (they may carry tokens)."""

    def do_GET(self) -> None:
        self._dispatch()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def version_string(self) -> str:
        return self.server_version

    @property
    def demo(self) -> DemoService:
        return self.server.demo

    def _dispatch(self) -> None:
        try:
            self._route_request()
        except (ConnectionError, TimeoutError):
            self.close_connection = True  # the client went away; nothing to answer
        except Exception:
            # A bug in the demo: say so with a 500 rather than leave the client hanging.
            log.exception("The demo server failed to answer a %s request", self.command)
            self.close_connection = True
            with suppress(OSError):
                self._send(500, html_page("500 Internal Server Error", "The demo failed."), _HTML)

    def _route_request(self) -> None:
        self._body = self._read_body()
        url = urlsplit(self.path)
        self._params = parse_qs(url.query, keep_blank_values=True)
        path = url.path
        if path == self.demo.token_path:
            self._token()
        elif path.startswith(ADMIN_PREFIX):
            self._admin(path[len(ADMIN_PREFIX) :])
        elif path == self.demo.base_path or path.startswith(self.demo.base_path + "/"):
            self._api(path[len(self.demo.base_path) :].strip("/"))
        else:
            self._send(404, html_page("404 Not Found", "The page was not found."), _HTML)

    def _read_body(self) -> bytes:
        length = self.headers.get("Content-Length", "").strip()
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True  # not supported; do not try to find the next request
            return b""
        return self.rfile.read(int(length)) if length.isdigit() else b""

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str = _JSON,
        headers: dict[str, str] | None = None,
        *,
        truncate: bool = False,
    ) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        if self._compressing(content_type, body):
            body = gzip.compress(body, compresslevel=5)
            self.send_header("Content-Encoding", "gzip")
            self.demo.count_compressed_reply()
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection:
            self.send_header("Connection", "close")  # so the client does not reuse it
        if truncate:
            self.close_connection = True
            body = body[: len(body) // 2]
        self.end_headers()
        self.wfile.write(body)

    def _compressing(self, content_type: str, body: bytes) -> bool:
        accepted = self.headers.get("Accept-Encoding", "")
        return self.demo.faults.gzip and content_type == _JSON and bool(body) and "gzip" in accepted

    def _send_json(self, status: int, value: object, headers: dict[str, str] | None = None) -> None:
        self._send(status, json.dumps(value).encode(), _JSON, headers)

    def _reset(self) -> None:
        """Drop the connection with no answer: an RST where the platform allows it."""
        self.close_connection = True
        with suppress(OSError):
            linger = struct.pack(_LINGER_FORMAT, 1, 0)
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)
        self.server.abort(self.connection)

    # -- token endpoint ----------------------------------------------------------------------

    def _token(self) -> None:
        if self.command != "POST":
            self._send_json(405, oauth_error("invalid_request", "Use POST."), {"Allow": "POST"})
            return
        if self.demo.faults.token_outage:
            self._reset()
            return
        app_name = self._params.get("appName", [""])[-1]
        if self.demo.token_path == TOKEN_PATH and app_name != self.demo.app_name:
            self._send_json(400, oauth_error("invalid_request", "Unknown appName."))
            return
        form = {k: v[-1] for k, v in parse_qs(self._body.decode("utf-8", "replace")).items()}
        wanted_scope = self.demo.faults.required_scope
        if wanted_scope and form.get("scope") != wanted_scope:
            self._send_json(400, oauth_error("invalid_scope", f"Ask for scope {wanted_scope}."))
            return
        grant = form.get("grant_type")
        if grant != "client_credentials":
            error = "invalid_request" if grant is None else "unsupported_grant_type"
            self._send_json(400, oauth_error(error, "grant_type must be client_credentials."))
            return
        demo = self.demo
        authorization = self.headers.get("Authorization", "")
        problem = client_problem(
            authorization, form, demo.faults.token_auth, demo.client_id, demo.client_secret
        )
        if problem:
            challenge = {"WWW-Authenticate": 'Basic realm="campus"'}
            self._send_json(401, oauth_error("invalid_client", problem), challenge)
            return
        token, lifetime = self.demo.issue_token()
        answer: dict[str, object] = {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": lifetime,
        }
        if form.get("scope"):
            answer["scope"] = form["scope"]
        self._send_json(200, answer, {"Cache-Control": "no-store", "Pragma": "no-cache"})

    # -- admin -------------------------------------------------------------------------------

    def _admin(self, rest: str) -> None:
        try:
            if rest == "faults":
                self._admin_faults()
            elif rest == "users" or rest.startswith("users/"):
                self._admin_users(rest[len("users/") :] if "/" in rest else "")
            else:
                self._send_json(404, {"error": "no such admin endpoint"})
        except (ValueError, TypeError) as problem:
            self._send_json(400, {"error": str(problem)})

    def _admin_faults(self) -> None:
        if self.command == "POST":
            self.demo.faults.update(_json_object(self._body))
        self._send_json(200, self.demo.faults.as_dict())

    def _admin_users(self, user_id: str) -> None:
        district = self.demo.district
        try:
            if self.command == "POST" and user_id:
                district.update_user(user_id, **_json_object(self._body))
            elif self.command == "POST":
                district.add_user(_json_object(self._body))
            elif self.command == "DELETE" and user_id:
                district.remove_user(user_id)
            else:
                self._send_json(405, {"error": "use POST users[/ID] or DELETE users/ID"})
                return
        except KeyError:
            self._send_json(404, {"error": f"no user {user_id}"})
            return
        self._send_json(200, {"ok": True, "users": district.user_count()})

    # -- OneRoster API -----------------------------------------------------------------------

    def _api(self, rest: str) -> None:
        number = self.demo.count_api_request()
        if self.demo.faults.latency:
            time.sleep(self.demo.faults.latency)  # injected latency: the fault being served
        fault = self.demo.faults.fault_for(number)
        if fault == "reset":
            self._reset()
            return
        if fault in ("outage", "unavailable"):
            page = html_page("503 Service Unavailable", "The service is temporarily unavailable.")
            self._send(503, page, _HTML)
            return
        if fault == "rate_limit":
            headers = {"Retry-After": self.demo.faults.retry_after}
            self._send(429, status_info("server_busy", "Too many requests."), _JSON, headers)
            return
        if fault == "html":
            self._send(200, html_page("Error", "An unexpected error occurred."), _HTML)
            return
        refused = self._refused()
        if refused:
            challenge = {} if self.demo.faults.bare_401 else {"WWW-Authenticate": self._scheme()}
            self._send(401, self._error_body("unauthorisedrequest", refused), _JSON, challenge)
            return
        try:
            status, body, headers = self._route(rest)
        except ApiError as error:
            status, body = error.status, self._error_body(error.minor, error.description)
            headers = {}
        self._send(status, body, _JSON, headers, truncate=fault == "truncate")

    def _refused(self) -> str | None:
        """Why the request's credentials fail (a token, or an OAuth 1.0a signature), or None."""
        authorization = self.headers.get("Authorization", "")
        if self.demo.oauth1:
            origin = f"{urlsplit(self.demo.base_url).scheme}://{self.headers.get('Host', '')}"
            return self.demo.signature_problem(self.command, origin + self.path, authorization)
        if self.demo.token_valid(bearer_token(authorization)):
            return None
        return "The access token is missing or expired."

    def _scheme(self) -> str:
        return 'OAuth realm="oneroster"' if self.demo.oauth1 else 'Bearer error="invalid_token"'

    def _error_body(self, minor: str, description: str) -> bytes:
        if self.demo.faults.plain_errors:
            return json.dumps({"error": description}).encode()
        return status_info(minor, description)

    def date_time_string(self, timestamp: float | None = None) -> str:
        return super().date_time_string(self.demo.wall_time() if timestamp is None else timestamp)

    def _route(self, rest: str) -> tuple[int, bytes, dict[str, str]]:
        if self.command != "GET":
            raise ApiError(405, "invalid_method", "The OneRoster rostering API is read-only.")
        collection, _, item = rest.partition("/")
        if "/" in item or collection not in _COLLECTIONS:
            raise ApiError(404, "unknownobject", f"There is no endpoint /{rest}.")
        if item:
            return 200, self._one(collection, item), {}
        return self._many(collection)

    def _one(self, collection: str, item: str) -> bytes:
        district = self.demo.district
        if collection in ("schools", "orgs"):
            org = next((o for o in self._orgs(collection) if o["sourcedId"] == item), None)
            if org is not None:
                return json.dumps({"org": org}, ensure_ascii=False).encode()
        else:
            user = district.user(demo_id(item) if self.demo.version == "1.1" else item)
            if user is not None and _in_collection(user, collection):
                return json.dumps({"user": self._shaped(user)}, ensure_ascii=False).encode()
        raise ApiError(404, "unknownobject", f"There is no {collection[:-1]} {item}.")

    def _many(self, collection: str) -> tuple[int, bytes, dict[str, str]]:
        faults = self.demo.faults
        if faults.unknown_filter_empty and "filter" in self._params:
            return 200, json.dumps({_KEYS[collection]: []}).encode(), {"X-Total-Count": "0"}
        query = parse_query(self._params, faults.page_size_cap)
        plain = not (self.demo.legacy_ids or faults.text_dates)
        if collection == "users" and self.demo.shape == "1.2" and plain:
            text, total = self.demo.district.users_page_json(
                query.offset, query.limit, query.modified_since, strict=query.strict
            )
            # A lone surrogate (a test's hostile name) goes out as JSON's own escape, \ud800.
            body = f'{{"users":{text}}}'.encode(errors="backslashreplace")
        else:
            rows, total = self._rows(collection, query)
            body = json.dumps({_KEYS[collection]: rows}, ensure_ascii=False).encode()
        if faults.seconds_per_record:  # the server reading the page's people, one by one
            time.sleep(faults.seconds_per_record * max(0, min(query.limit, total - query.offset)))
        root = self.demo.base_path if faults.relative_hrefs else self.demo.base_url
        url = f"{root}/{collection}"
        headers = paging_headers(
            url, query, total, total_count=faults.send_total_count, link=faults.send_link
        )
        return 200, body, headers

    def _rows(self, collection: str, query: Query) -> tuple[list[dict[str, Any]], int]:
        district = self.demo.district
        since, strict, end = query.modified_since, query.strict, query.offset + query.limit
        text_dates = self.demo.faults.text_dates
        if collection == "users" and not text_dates:
            rows, total = district.users_page(query.offset, query.limit, since, strict=strict)
            return [self._shaped(r) for r in rows], total
        if collection in ("users", "students", "teachers"):  # a full scan: demo-sized districts
            everyone = (
                (r for r in district.iter_users() if _newer_as_text(r, query))
                if text_dates
                else district.iter_users(since, strict=strict)
            )
            found = [r for r in everyone if _in_collection(r, collection)]
            return [self._shaped(r) for r in found[query.offset : end]], len(found)
        orgs = [
            o
            for o in self._orgs(collection)
            if (_newer_as_text(o, query) if text_dates else record_matches(o, since, strict=strict))
        ]
        if self.demo.faults.relative_hrefs:
            orgs = relative_hrefs(orgs, self._origin())
        return orgs[query.offset : end], len(orgs)

    def _orgs(self, collection: str) -> list[dict[str, Any]]:
        district = self.demo.district
        pool = district.schools if collection == "schools" else district.orgs()
        return [with_legacy_school(o) for o in pool] if self.demo.legacy_ids else pool

    def _shaped(self, user: dict[str, Any]) -> dict[str, Any]:
        if self.demo.legacy_ids:
            school_ids = frozenset(str(s["sourcedId"]) for s in self.demo.district.schools)
            return with_legacy_user(user, school_ids)
        if self.demo.shape != "1.1":
            return user
        shaped = to_v1p1(user)
        if self.demo.version == "1.1":
            shaped = with_v1p1_id(shaped)
        if self.demo.faults.nulls:
            shaped = with_nulls(shaped)
        if self.demo.faults.relative_hrefs:
            shaped = relative_hrefs(shaped, self._origin())
        return shaped

    def _origin(self) -> str:
        return self.demo.base_url.removesuffix(self.demo.base_path)


_COLLECTIONS = frozenset({"schools", "orgs", "users", "students", "teachers"})
_KEYS = {
    "schools": "orgs",
    "orgs": "orgs",
    "users": "users",
    "students": "users",
    "teachers": "users",
}


def _newer_as_text(record: dict[str, Any], query: Query) -> bool:
    """The filter as a server comparing strings applies it."""
    if query.modified_since is None:
        return True
    stamp = record.get("dateLastModified")
    if not isinstance(stamp, str):
        return False
    return stamp > query.modified_since if query.strict else stamp >= query.modified_since


def _in_collection(user: dict[str, Any], collection: str) -> bool:
    if collection in ("users", "orgs", "schools"):
        return True
    wanted = "student" if collection == "students" else "teacher"
    roles = user.get("roles") or []
    return any(isinstance(r, dict) and r.get("role") == wanted for r in roles)


def _json_object(body: bytes) -> dict[str, Any]:
    value = json.loads(body or b"{}")
    if not isinstance(value, dict):
        raise ValueError("the body must be a JSON object")
    return value
