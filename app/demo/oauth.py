"""Client authentication at the demo token endpoint, and reading bearer tokens (RFC 6749/6750)."""

from __future__ import annotations

import base64
import binascii
import hmac
from urllib.parse import unquote_plus

BASIC_STYLES = ("basic", "either")
BODY_STYLES = ("body", "either")


def oauth_error(error: str, description: str) -> dict[str, str]:
    return {"error": error, "error_description": description}


def client_problem(
    authorization: str, form: dict[str, str], allowed: str, client_id: str, client_secret: str
) -> str | None:
    """Why the client credentials sent fail, or None when they are right.

    The wording tells an unknown Client ID ("Unknown client.") from a wrong Client Secret
    ("…the client secret is incorrect."), so the app can say which one to fix.
    """
    basic = _basic_credentials(authorization)
    in_body = (form["client_id"], {form.get("client_secret", "")}) if "client_id" in form else None
    if basic and allowed in BASIC_STYLES:
        sent_id, secrets_sent = basic
    elif in_body and allowed in BODY_STYLES:
        sent_id, secrets_sent = in_body
    elif basic or in_body:
        where = "HTTP Basic authentication" if allowed == "basic" else "the request body"
        return f"Client authentication failed: send the client credentials in {where}."
    else:
        return "Client authentication failed: no client credentials were sent."
    if sent_id != client_id:
        return "Unknown client."
    if not any(hmac.compare_digest(s.encode(), client_secret.encode()) for s in secrets_sent):
        return "Client authentication failed: the client secret is incorrect."
    return None


def bearer_token(authorization: str) -> str:
    """The token of an ``Authorization: Bearer`` header, or "" for anything else."""
    scheme, _, token = authorization.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def _basic_credentials(authorization: str) -> tuple[str, set[str]] | None:
    """(client id, the secret as sent and form-decoded) from an HTTP Basic header."""
    scheme, _, encoded = authorization.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, _, secret = decoded.partition(":")
    # RFC 6749 says both are form-encoded first; most clients do not, so accept either.
    return unquote_plus(client_id), {secret, unquote_plus(secret)}
