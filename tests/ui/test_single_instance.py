"""One instance per profile: a second launch hands its request to the first over a local socket."""

from __future__ import annotations

import socket
import sys
from pathlib import Path

import pytest
from PySide6.QtCore import QDir

from app.paths import Profile
from ui.single_instance import SHOW, SYNC, SingleInstance, server_name


@pytest.fixture
def instances(qtbot):
    made: list[SingleInstance] = []

    def make(profile: Profile) -> SingleInstance:
        instance = SingleInstance(profile)
        made.append(instance)
        return instance

    yield make
    for instance in made:
        instance.close()


def test_second_instance_hands_over_to_the_first(qtbot, tmp_path: Path, instances) -> None:
    profile = Profile(tmp_path / "profile")
    first, second = instances(profile), instances(profile)
    assert first.try_become_primary()
    assert first.is_primary
    assert not second.try_become_primary()
    assert not second.is_primary

    with qtbot.waitSignal(first.message_received, timeout=3000) as blocker:
        assert second.send(SHOW)
    assert blocker.args == ["show"]

    with qtbot.waitSignal(first.message_received, timeout=3000) as blocker:
        assert second.send(SYNC)
    assert blocker.args == ["sync"]


def test_messages_from_several_launches_all_arrive(qtbot, tmp_path: Path, instances) -> None:
    profile = Profile(tmp_path / "profile")
    first = instances(profile)
    assert first.try_become_primary()
    received: list[str] = []
    first.message_received.connect(received.append)
    for message in (SHOW, SYNC, SHOW):
        assert instances(profile).send(message)
    qtbot.waitUntil(lambda: len(received) == 3, timeout=3000)
    assert received == ["show", "sync", "show"]


def test_different_profiles_do_not_collide(tmp_path: Path, instances) -> None:
    a, b = Profile(tmp_path / "a"), Profile(tmp_path / "b")
    assert server_name(a) != server_name(b)
    assert server_name(a) == server_name(Profile(tmp_path / "a"))
    assert instances(a).try_become_primary()
    assert instances(b).try_become_primary()


def test_after_the_primary_closes_a_new_one_takes_over(qtbot, tmp_path: Path, instances) -> None:
    profile = Profile(tmp_path / "profile")
    first = instances(profile)
    assert first.try_become_primary()
    first.close()
    assert not first.is_primary

    nobody = instances(profile)
    assert nobody.send(SHOW, timeout_ms=200) is False  # nothing to hand over to

    second = instances(profile)
    assert second.try_become_primary()
    with qtbot.waitSignal(second.message_received, timeout=3000) as blocker:
        assert instances(profile).send(SYNC)
    assert blocker.args == ["sync"]


@pytest.mark.skipif(sys.platform == "win32", reason="named pipes leave no file behind")
def test_a_socket_file_left_by_a_crash_is_cleared(tmp_path: Path, instances) -> None:
    profile = Profile(tmp_path / "profile")
    path = Path(QDir.tempPath()) / server_name(profile)
    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        stale.bind(str(path))  # bound, never listening, then gone: what a killed process leaves
    finally:
        stale.close()
    try:
        assert path.exists()
        instance = instances(profile)
        assert instance.try_become_primary()
        assert instance.full_server_name == str(path)
    finally:
        path.unlink(missing_ok=True)


def test_long_or_multi_line_messages_are_refused(tmp_path: Path, instances) -> None:
    instance = instances(Profile(tmp_path / "profile"))
    with pytest.raises(ValueError, match="one short line"):
        instance.send("show\nsync")
    with pytest.raises(ValueError, match="one short line"):
        instance.send("x" * 1000)


def test_name_is_per_user_and_short(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    profile = Profile(tmp_path / ("deep" * 40))
    monkeypatch.setattr("getpass.getuser", lambda: "ana/maría")
    name = server_name(profile)
    assert name.startswith("rostersync-ana_mar")
    assert "/" not in name
    assert len(name) < 70  # Unix socket paths are limited to about 100 bytes
    monkeypatch.setattr("getpass.getuser", lambda: "ben")
    assert server_name(profile) != name


@pytest.mark.skipif(sys.platform == "win32", reason="Unix socket file permissions")
def test_the_socket_is_private_to_its_user(tmp_path: Path, instances) -> None:
    instance = instances(Profile(tmp_path / "profile"))
    assert instance.try_become_primary()
    assert Path(instance.full_server_name).stat().st_mode & 0o077 == 0


def test_a_live_primary_is_never_replaced(tmp_path: Path, instances) -> None:
    profile = Profile(tmp_path / "profile")
    first = instances(profile)
    assert first.try_become_primary()
    for _ in range(3):
        assert not instances(profile).try_become_primary()
    assert first.is_primary
    assert Path(first.full_server_name).exists() or sys.platform == "win32"
