"""The two URLs a person pastes from Infinite Campus: checked, tidied, and made safe to log."""

from __future__ import annotations

import ipaddress
import re
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from app.errors import ConfigurationError

ONEROSTER_PATH: Final = "/ims/oneroster/rostering/v1p2"
ONEROSTER_V1P1_PATH: Final = "/ims/oneroster/v1p1"

_IMS_ONEROSTER: Final = "/ims/oneroster"
_LOOPBACK_NAMES: Final = frozenset({"localhost"})
_SECRET_QUERY_NAME: Final = re.compile(
    r"secret|token|password|passwd|pwd|key|signature|sig|code|auth|credential", re.IGNORECASE
)
# What may follow /ims/oneroster in a pasted Base URL, and the version root it stands for.
# A pasted collection URL (…/v1p2/users) is cut back to its root.
_TAILS: Final = (
    (re.compile(r"^(/rostering(/v1p2)?)?$", re.IGNORECASE), "/rostering/v1p2"),
    (re.compile(r"^/rostering/v1p2/[a-z]+$", re.IGNORECASE), "/rostering/v1p2"),
    (re.compile(r"^/v1p1(/[a-z]+)?$", re.IGNORECASE), "/v1p1"),
)

BASE_URL_FIX: Final = (
    "The Base URL should end with /ims/oneroster/rostering/v1p2 — copy the whole Base URL "
    "from Infinite Campus."
)
#: Follows "The Base URL … :" when it has the standard ending and nothing before it (see
#: ``lacks_district_part``) and the server said nothing is there.
BASE_URL_DISTRICT_FIX: Final = (
    "it lacks the district part Infinite Campus puts before /ims/. Copy the whole Base URL "
    "from Infinite Campus, including the part before /ims/; it looks like "
    f"https://yourdistrict.infinitecampus.org/campus/api/oneroster/v1p2/yourapp{ONEROSTER_PATH}."
)


def is_loopback(host: str | None) -> bool:
    """True for this computer's own addresses (the only place plain http:// is allowed)."""
    if not host:
        return False
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def lacks_district_part(base_url: str) -> bool:
    """True when the path is the standard ending alone: the host typed plus
    /ims/oneroster/rostering/v1p2, where Infinite Campus puts the district's own part first.

    Some other providers do serve there, so this only words the advice once the server has
    said that nothing is there; it never refuses the URL by itself.
    """
    try:
        path = urlsplit(base_url).path
    except ValueError:
        return False
    return path.rstrip("/").lower() == ONEROSTER_PATH


def version_of(base_url: str) -> str:
    """ "1.1" or "1.2", from a normalised Base URL's ending."""
    return "1.1" if base_url.lower().endswith("/v1p1") else "1.2"


_VERSION_SEGMENT: Final = re.compile(r"/v1p([12])/", re.IGNORECASE)


def mixed_version_note(base_url: str) -> str | None:
    """A sentence when a normalised Base URL names one version in its district part (Infinite
    Campus puts …/oneroster/v1p2/… or …/v1p1/… before /ims/) but ends with the other's ending:
    half of one connection's URL pasted with half of the other's. None otherwise."""
    head = urlsplit(base_url[: base_url.lower().rfind(_IMS_ONEROSTER)]).path
    named = {f"1.{minor}" for minor in _VERSION_SEGMENT.findall(f"{head}/")}
    ending = version_of(base_url)
    if len(named) != 1 or ending in named:
        return None
    theirs = named.pop()
    right = ONEROSTER_V1P1_PATH if theirs == "1.1" else ONEROSTER_PATH
    return (
        f"This Base URL is for OneRoster {theirs} in its first part but ends with the "
        f"OneRoster {ending} ending. Copy the whole Base URL again from one connection: for "
        f"OneRoster {theirs} it ends with {right}."
    )


def other_version_url(base_url: str) -> str:
    """The same normalised Base URL with the other version's ending (1.1 ↔ 1.2)."""
    if version_of(base_url) == "1.1":
        return base_url[: -len(ONEROSTER_V1P1_PATH)] + ONEROSTER_PATH
    return base_url[: -len(ONEROSTER_PATH)] + ONEROSTER_V1P1_PATH


def host_of(url: str) -> str:
    """The host name of a URL, for messages; the whole text when it has none."""
    try:
        return urlsplit(url).hostname or url
    except ValueError:
        return url


def loggable_url(url: str) -> str:
    """The URL with the values of secret-looking query parameters replaced, and no user info."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unreadable URL>"
    query = urlencode(
        [
            (name, "***" if _SECRET_QUERY_NAME.search(name) else value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
        ],
        safe="*'<>:",
    )
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


def _split_checked(text: str, label: str) -> tuple[str, str, str, str]:
    """(scheme, netloc, path, query) of a pasted http(s) URL, or a ConfigurationError."""
    try:
        parts = urlsplit(text)
        host = parts.hostname
        _ = parts.port  # raises ValueError for a port that is not a number
    except ValueError:
        raise ConfigurationError(
            f"The {label} is not a web address — copy the whole {label} from Infinite Campus."
        ) from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not host:
        raise ConfigurationError(
            f"The {label} must start with https:// — copy the whole {label} from Infinite Campus."
        )
    if scheme == "http" and not is_loopback(host):
        raise ConfigurationError(
            f"The {label} must start with https:// (not http://), so that the connection "
            "is private."
        )
    netloc = parts.netloc.rpartition("@")[2]
    return scheme, netloc, parts.path, parts.query


def _path_of(text: str) -> str:
    try:
        return urlsplit(text).path.rstrip("/").lower()
    except ValueError:
        return ""


def ends_like_token_url(text: str) -> bool:
    """A token endpoint's ending (…/token, …/oauth2/…); a Base URL may contain "token" elsewhere."""
    path = _path_of(text)
    return path.endswith("/token") or "/oauth2/" in f"{path}/"


def ends_like_base_url(text: str) -> bool:
    """A OneRoster root (or one of its collections) at the end. Some 1.1 providers put their
    Token URL under the Base URL ({Base URL}/token), so containing /ims/oneroster is not enough."""
    path = _path_of(text)
    start = path.rfind(_IMS_ONEROSTER)
    return (
        start >= 0
        and not ends_like_token_url(text)
        and any(pattern.match(path[start + len(_IMS_ONEROSTER) :]) for pattern, _root in _TAILS)
    )


def normalize_base_url(text: str) -> str:
    """The Base URL ending at /ims/oneroster/rostering/v1p2 (or /ims/oneroster/v1p1 as-is)."""
    text = (text or "").strip()
    if not text:
        raise ConfigurationError(
            "Enter the Base URL from Infinite Campus; it ends with /ims/oneroster/rostering/v1p2."
        )
    if ends_like_token_url(text):
        raise ConfigurationError(
            "This looks like the Token URL. The Base URL is the other address Infinite Campus "
            "shows, the one ending with /ims/oneroster/rostering/v1p2."
        )
    scheme, netloc, path, _query = _split_checked(text, "Base URL")
    path = path.rstrip("/")
    start = path.lower().rfind(_IMS_ONEROSTER)
    if start < 0:
        raise ConfigurationError(BASE_URL_FIX)
    head, tail = path[: start + len(_IMS_ONEROSTER)], path[start + len(_IMS_ONEROSTER) :]
    for pattern, root in _TAILS:
        if pattern.match(tail):
            return f"{scheme}://{netloc}{head}{root}"
    raise ConfigurationError(BASE_URL_FIX)


def normalize_token_url(text: str) -> str:
    """The Token URL, trimmed, query kept (Infinite Campus needs its ?appName=…)."""
    text = (text or "").strip()
    if not text:
        raise ConfigurationError(
            "Enter the Token URL from Infinite Campus; it usually ends with /oauth2/token?appName=…"
        )
    if ends_like_base_url(text):
        raise ConfigurationError(
            "This looks like the Base URL. The Token URL is the other address Infinite Campus "
            "shows, usually ending with /oauth2/token?appName=…"
        )
    scheme, netloc, path, query = _split_checked(text, "Token URL")
    return urlunsplit((scheme, netloc, path, query, ""))
