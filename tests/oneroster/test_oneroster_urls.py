"""Base URL and Token URL as people paste them."""

from __future__ import annotations

import pytest

from app.errors import ConfigurationError
from app.oneroster.urls import (
    ONEROSTER_PATH,
    host_of,
    is_loopback,
    lacks_district_part,
    loggable_url,
    mixed_version_note,
    normalize_base_url,
    normalize_token_url,
)

IC_ROOT = "https://district.infinitecampus.org/campus/api/oneroster/v1p2/district"


@pytest.mark.parametrize(
    "pasted",
    [
        f"{IC_ROOT}{ONEROSTER_PATH}",
        f"  {IC_ROOT}{ONEROSTER_PATH}  ",
        f"{IC_ROOT}{ONEROSTER_PATH}/",
        f"{IC_ROOT}{ONEROSTER_PATH}//",
        f"{IC_ROOT}/ims/oneroster",
        f"{IC_ROOT}/ims/oneroster/",
        f"{IC_ROOT}/ims/oneroster/rostering",
        f"{IC_ROOT}{ONEROSTER_PATH}/users",
        f"{IC_ROOT}{ONEROSTER_PATH}/users?limit=100#top",
        f"\t{IC_ROOT}{ONEROSTER_PATH}\n",
    ],
)
def test_base_url_is_tidied_to_the_rostering_root(pasted: str) -> None:
    assert normalize_base_url(pasted) == f"{IC_ROOT}{ONEROSTER_PATH}"


def test_base_url_scheme_and_case_of_host_part_kept_sensible() -> None:
    assert normalize_base_url("HTTPS://Host.example/ims/oneroster") == (
        f"https://Host.example{ONEROSTER_PATH}"
    )


@pytest.mark.parametrize(
    "pasted",
    [
        "https://host.example/campus/ims/oneroster/v1p1",
        "https://host.example/campus/ims/oneroster/v1p1/",
        "https://host.example/campus/ims/oneroster/v1p1/users",
    ],
)
def test_oneroster_1_1_base_url_is_kept(pasted: str) -> None:
    assert normalize_base_url(pasted) == "https://host.example/campus/ims/oneroster/v1p1"


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/ims/oneroster/rostering/v1p2",
        "http://localhost:8080/ims/oneroster",
        "http://[::1]:8080/ims/oneroster/rostering/v1p2/",
    ],
)
def test_plain_http_allowed_for_this_computer_only(url: str) -> None:
    assert normalize_base_url(url).endswith(ONEROSTER_PATH)


@pytest.mark.parametrize(
    ("pasted", "says"),
    [
        ("", "Enter the Base URL"),
        ("   ", "Enter the Base URL"),
        ("ftp://host.example/ims/oneroster", "must start with https://"),
        ("host.example/ims/oneroster/rostering/v1p2", "must start with https://"),
        ("http://host.example/ims/oneroster/rostering/v1p2", "must start with https://"),
        ("https://host.example/campus/oauth2/token?appName=x", "looks like the Token URL"),
        ("https://host.example/token", "looks like the Token URL"),
        ("https://host.example/campus/api", "should end with /ims/oneroster/rostering/v1p2"),
        ("https://host.example/ims/oneroster/v9", "should end with /ims/oneroster/rostering/v1p2"),
        ("https://host.example:port/ims/oneroster", "not a web address"),
    ],
)
def test_bad_base_urls_say_how_to_fix_them(pasted: str, says: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        normalize_base_url(pasted)
    assert says in str(caught.value)


def test_missing_oneroster_part_has_the_documented_sentence() -> None:
    with pytest.raises(ConfigurationError) as caught:
        normalize_base_url("https://district.infinitecampus.org/campus")
    assert str(caught.value) == (
        "The Base URL should end with /ims/oneroster/rostering/v1p2 — copy the whole Base URL "
        "from Infinite Campus."
    )


@pytest.mark.parametrize(
    ("url", "lacks"),
    [
        (f"https://district.infinitecampus.org{ONEROSTER_PATH}", True),
        (f"https://district.infinitecampus.org{ONEROSTER_PATH.upper()}/", True),
        (f"{IC_ROOT}{ONEROSTER_PATH}", False),
        ("https://district.infinitecampus.org/ims/oneroster/v1p1", False),
        ("https://host.example:port/ims/oneroster/rostering/v1p2", True),
    ],
)
def test_a_base_url_with_nothing_before_the_standard_ending_lacks_its_district_part(
    url: str, lacks: bool
) -> None:
    assert lacks_district_part(url) is lacks


def test_a_base_url_lacking_its_district_part_is_not_refused_at_the_field() -> None:
    url = f"https://oneroster.provider.example{ONEROSTER_PATH}"  # others serve there
    assert normalize_base_url(url) == url


def test_token_url_keeps_its_query() -> None:
    url = "https://district.infinitecampus.org/campus/oauth2/token?appName=district"
    assert normalize_token_url(f"  {url}  ") == url
    assert normalize_token_url("http://127.0.0.1:9/token") == "http://127.0.0.1:9/token"


@pytest.mark.parametrize(
    ("pasted", "says"),
    [
        ("", "Enter the Token URL"),
        (f"{IC_ROOT}{ONEROSTER_PATH}", "looks like the Base URL"),
        ("mailto:someone@example.org", "must start with https://"),
        ("http://host.example/oauth2/token", "must start with https://"),
    ],
)
def test_bad_token_urls_say_how_to_fix_them(pasted: str, says: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        normalize_token_url(pasted)
    assert says in str(caught.value)


def test_loopback_detection() -> None:
    assert is_loopback("127.0.0.1")
    assert is_loopback("127.0.0.2")
    assert is_loopback("LOCALHOST")
    assert is_loopback("::1")
    assert not is_loopback("10.0.0.1")
    assert not is_loopback("localhost.evil.example")
    assert not is_loopback(None)


def test_loggable_url_hides_secret_query_values_and_user_info() -> None:
    url = "https://me:pw@host.example/t?appName=x&client_secret=s3&access_token=t0k&offset=5"
    shown = loggable_url(url)
    assert "s3" not in shown
    assert "t0k" not in shown
    assert "pw" not in shown
    assert "appName=x" in shown
    assert "offset=5" in shown
    assert host_of(url) == "host.example"


@pytest.mark.parametrize(
    ("pasted", "says"),
    [
        (
            "https://d.example/campus/api/oneroster/v1p2/app/ims/oneroster/v1p1",
            "for OneRoster 1.2 it ends with /ims/oneroster/rostering/v1p2",
        ),
        (
            "https://d.example/campus/api/oneroster/v1p1/app/ims/oneroster/rostering/v1p2",
            "for OneRoster 1.1 it ends with /ims/oneroster/v1p1",
        ),
    ],
)
def test_a_base_url_naming_one_version_and_ending_with_the_other_is_pointed_out(
    pasted: str, says: str
) -> None:
    note = mixed_version_note(normalize_base_url(pasted))
    assert note is not None and says in note


@pytest.mark.parametrize(
    "pasted",
    [
        "https://d.example/campus/api/oneroster/v1p2/app/ims/oneroster/rostering/v1p2",
        "https://d.example/campus/api/oneroster/v1p1/app/ims/oneroster/v1p1",
        "https://classlink.example/district/ims/oneroster/v1p1",
    ],
)
def test_a_base_url_of_one_version_throughout_has_no_note(pasted: str) -> None:
    assert mixed_version_note(normalize_base_url(pasted)) is None
