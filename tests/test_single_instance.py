"""One instance per profile: a second launch hands its request to the first."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from app.paths import Profile
from app.single_instance import SHOW, SYNC, SingleInstance


class Inbox:
    """Collects what a primary receives, on its listening thread."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self._arrived = threading.Condition()

    def __call__(self, message: str) -> None:
        with self._arrived:
            self.messages.append(message)
            self._arrived.notify_all()

    def wait_for(self, count: int) -> list[str]:
        with self._arrived:
            assert self._arrived.wait_for(lambda: len(self.messages) >= count, timeout=5)
        return self.messages


@pytest.fixture
def instances():
    made: list[SingleInstance] = []

    def make(profile: Profile, inbox: Inbox | None = None) -> SingleInstance:
        instance = SingleInstance(profile, on_message=inbox)
        made.append(instance)
        return instance

    yield make
    for instance in made:
        instance.close()


def test_second_instance_hands_over_to_the_first(tmp_path: Path, instances) -> None:
    profile, inbox = Profile(tmp_path / "profile"), Inbox()
    first, second = instances(profile, inbox), instances(profile)
    assert first.try_become_primary()
    assert first.is_primary
    assert not second.try_become_primary()
    assert not second.is_primary

    assert second.send(SHOW)
    assert second.send(SYNC)
    assert inbox.wait_for(2) == ["show", "sync"]


def test_messages_from_several_launches_all_arrive(tmp_path: Path, instances) -> None:
    profile, inbox = Profile(tmp_path / "profile"), Inbox()
    assert instances(profile, inbox).try_become_primary()
    for message in (SHOW, SYNC, SHOW):
        assert instances(profile).send(message)
    assert inbox.wait_for(3) == ["show", "sync", "show"]


def test_a_launch_in_another_process_reaches_the_primary(tmp_path: Path, instances) -> None:
    profile, inbox = Profile(tmp_path / "profile"), Inbox()
    assert instances(profile, inbox).try_become_primary()
    script = (
        "import sys; from pathlib import Path; from app.paths import Profile; "
        "from app.single_instance import SingleInstance; "
        "second = SingleInstance(Profile(Path(sys.argv[1]))); "
        "sys.exit(0 if not second.try_become_primary() and second.send('sync') else 1)"
    )
    subprocess.run([sys.executable, "-c", script, str(profile.root)], check=True, timeout=60)
    assert inbox.wait_for(1) == ["sync"]


def test_different_profiles_do_not_collide(tmp_path: Path, instances) -> None:
    assert instances(Profile(tmp_path / "a")).try_become_primary()
    assert instances(Profile(tmp_path / "b")).try_become_primary()


def test_after_the_primary_closes_a_new_one_takes_over(tmp_path: Path, instances) -> None:
    profile = Profile(tmp_path / "profile")
    first = instances(profile)
    assert first.try_become_primary()
    first.close()
    assert not first.is_primary
    assert not first.address_file.exists()

    assert instances(profile).send(SHOW) is False  # nothing to hand over to

    inbox = Inbox()
    second = instances(profile, inbox)
    assert second.try_become_primary()
    assert instances(profile).send(SYNC)
    assert inbox.wait_for(1) == ["sync"]


def test_after_a_crashed_primary_the_next_launch_takes_over(tmp_path: Path, instances) -> None:
    profile = Profile(tmp_path / "profile")
    script = (
        "import sys, time; from pathlib import Path; from app.paths import Profile; "
        "from app.single_instance import SingleInstance; "
        "primary = SingleInstance(Profile(Path(sys.argv[1]))); "
        "assert primary.try_become_primary(); print('ready', flush=True); time.sleep(600)"
    )
    crashing = subprocess.Popen(
        [sys.executable, "-c", script, str(profile.root)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert crashing.stdout is not None and crashing.stdout.readline() == "ready\n"
        assert instances(profile).primary_runs()
    finally:
        crashing.kill()  # SIGKILL on POSIX: no clean-up runs, its files stay behind
        crashing.wait()
    assert (profile.root / "instance.json").exists()
    assert instances(profile).send(SHOW, timeout_ms=5000) is False  # at once, nobody to ask
    inbox = Inbox()
    assert instances(profile, inbox).try_become_primary()
    assert instances(profile).send(SYNC)
    assert inbox.wait_for(1) == ["sync"]


def test_a_primary_that_does_not_answer_is_not_taken_for_one(tmp_path: Path, instances) -> None:
    profile = Profile(tmp_path / "profile")
    first = instances(profile)
    assert first.try_become_primary()
    with socket.socket() as deaf:  # listens, never reads or answers
        deaf.bind(("127.0.0.1", 0))
        deaf.listen()
        first.address_file.write_text(json.dumps({"port": deaf.getsockname()[1], "key": "k"}))
        assert instances(profile).send(SHOW, timeout_ms=300) is False


def test_probing_never_makes_a_profile_folder(tmp_path: Path, instances) -> None:
    profile = Profile(tmp_path / "never-used")
    assert instances(profile).primary_runs() is False
    assert instances(profile).send(SYNC) is False
    assert not profile.root.exists()


def test_the_primary_knows_it_runs(tmp_path: Path, instances) -> None:
    first = instances(Profile(tmp_path / "profile"))
    assert not first.primary_runs()
    assert first.try_become_primary()
    assert first.primary_runs()


def test_a_line_without_the_key_is_dropped(tmp_path: Path, instances) -> None:
    profile, inbox = Profile(tmp_path / "profile"), Inbox()
    first = instances(profile, inbox)
    assert first.try_become_primary()
    port = json.loads(first.address_file.read_text())["port"]
    with socket.create_connection(("127.0.0.1", port)) as stranger:
        stranger.sendall(b"guess sync\n")
    assert instances(profile).send(SHOW)
    assert inbox.wait_for(1) == ["show"]  # the stranger's line never arrived


def test_long_or_multi_line_messages_are_refused(tmp_path: Path, instances) -> None:
    instance = instances(Profile(tmp_path / "profile"))
    with pytest.raises(ValueError, match="one short line"):
        instance.send("show\nsync")
    with pytest.raises(ValueError, match="one short line"):
        instance.send("x" * 1000)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file permissions")
def test_the_key_is_private_to_its_user(tmp_path: Path, instances) -> None:
    instance = instances(Profile(tmp_path / "profile"))
    assert instance.try_become_primary()
    assert instance.address_file.stat().st_mode & 0o077 == 0


def test_a_live_primary_is_never_replaced(tmp_path: Path, instances) -> None:
    profile = Profile(tmp_path / "profile")
    first = instances(profile)
    assert first.try_become_primary()
    for _ in range(3):
        assert not instances(profile).try_become_primary()
    assert first.is_primary
    assert first.address_file.exists()


def test_sync_now_from_the_command_line_reaches_the_running_app(tmp_path: Path, instances) -> None:
    profile, inbox = Profile(tmp_path / "profile"), Inbox()
    assert instances(profile, inbox).try_become_primary()
    done = subprocess.run(
        [sys.executable, "-m", "ui", "--sync-now"],
        env={**os.environ, "ROSTERSYNC_HOME": str(profile.root)},
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert done.stdout.strip() == "Asked the running RosterSync to sync now."
    assert inbox.wait_for(1) == ["sync"]
