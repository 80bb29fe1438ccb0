"""The Client Secret and every access token stay out of files, logs and messages."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import keyring
import pytest

from app.demo.server import DemoServer
from app.errors import SecretStoreError
from app.paths import Profile
from app.redaction import redact, register_secret
from app.secret_store import SecretStore
from tests.conftest import Cli, connect_args
from tests.support.keyrings import DenyingKeyring, LockedKeyring
from ui.crash import CrashHandler

WRONG_SECRET = "wrong-secret-Zx81Qp"


def files_under(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()]


def test_no_secret_or_token_reaches_any_profile_file_even_with_debug_logging(
    cli: Cli, connected: DemoServer, isolated_profile: Profile, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("ROSTERSYNC_LOG_LEVEL", "DEBUG")
    assert cli("sync").code == 0
    assert cli("sync").code == 0  # a second token
    connected.faults.update({"rate_limit_every": 1, "retry_after": "3600"})
    failed = cli("sync", "--json")
    assert failed.code == 1
    wrong = cli(*connect_args(connected), stdin=WRONG_SECRET)
    assert wrong.code == 1
    secrets = [connected.client_secret, WRONG_SECRET, *connected.tokens_issued]
    assert len(connected.tokens_issued) >= 2
    diagnostics = cli("diagnostics")
    assert diagnostics.code == 0 and "== Last 60 log lines ==" in diagnostics.out
    # An unexpected failure whose message carries a secret goes through the crash handler:
    try:
        raise RuntimeError(f"boom {connected.client_secret} {connected.tokens_issued[-1]}")
    except RuntimeError:
        crash = CrashHandler()
        crash.handle(*sys.exc_info())  # type: ignore[arg-type]
        if crash.dialog is not None:
            crash.dialog.done(0)

    log_text = (isolated_profile.log_dir / "rostersync.log").read_text(encoding="utf-8")
    assert " DEBUG " in log_text  # the audit looked at a real debug log
    for path in files_under(isolated_profile.root):
        content = path.read_bytes()
        for secret in secrets:
            assert secret.encode() not in content, f"a secret leaked into {path.name}"
    assert "Uncaught exception" in (isolated_profile.log_dir / "rostersync.log").read_text()
    for output in (failed.out, failed.err, wrong.out, wrong.err, diagnostics.out):
        assert not any(secret in output for secret in secrets)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
def test_database_and_log_are_readable_by_their_owner_only(
    cli: Cli, connected: DemoServer, isolated_profile: Profile
):
    cli("sync")
    for path in (isolated_profile.database_file, isolated_profile.log_dir / "rostersync.log"):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name


@pytest.mark.parametrize(
    ("backend", "words"),
    [
        (LockedKeyring, ("locked", "unlock")),
        (DenyingKeyring, ("refused access", "Nothing was written elsewhere")),
    ],
)
def test_a_keyring_locked_or_denying_access_gives_a_clear_message_and_writes_nothing(
    cli: Cli,
    demo_server: DemoServer,
    isolated_profile: Profile,
    backend: type[keyring.backend.KeyringBackend],
    words: tuple[str, str],
):
    keyring.set_keyring(backend())
    result = cli(*connect_args(demo_server), stdin=demo_server.client_secret)
    assert result.code == 1
    assert all(word in result.err for word in words), result.err
    for path in files_under(isolated_profile.root):
        assert demo_server.client_secret.encode() not in path.read_bytes()


def test_keyring_secret_wins_over_the_environment_variable(
    isolated_profile: Profile, monkeypatch: pytest.MonkeyPatch
):
    store = SecretStore(isolated_profile)
    monkeypatch.setenv("ROSTERSYNC_CLIENT_SECRET", "from-the-variable")
    assert store.get() == "from-the-variable"
    store.save("from-the-keyring")
    assert store.get() == "from-the-keyring"


def test_secret_given_to_connect_replaces_the_saved_one(
    cli: Cli, demo_server: DemoServer, isolated_profile: Profile
):
    SecretStore(isolated_profile).save("an-old-secret")
    assert cli(*connect_args(demo_server), stdin=demo_server.client_secret).code == 0
    assert SecretStore(isolated_profile).get() == demo_server.client_secret


def test_locked_keyring_error_names_the_backend(isolated_profile: Profile):
    with pytest.raises(SecretStoreError, match="locked"):
        SecretStore(isolated_profile, backend=LockedKeyring()).get()


def test_redaction_masks_known_secrets_and_credential_shapes():
    register_secret("s3cr3t-value-123")
    register_secret("secret")  # a short secret inside a keyword must not unmask the value
    line = (
        "POST with s3cr3t-value-123 Authorization: Bearer abc.def-ghi "
        'client_secret=xyz789&x=1 {"access_token": "tok-456"}'
    )
    masked = redact(line)
    for secret in ("s3cr3t-value-123", "abc.def-ghi", "xyz789", "tok-456"):
        assert secret not in masked
