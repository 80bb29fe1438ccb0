"""What a screen reader finds in the real app: the AT-SPI tree of every wizard page, the main
window and each dialog, read from outside the app as Orca reads it, and what the app announces.

Each state is opened by ``scripts/show_state.py`` under Xvfb with a private session bus (see
``tests/support/atspi_session.py``). Where the tools are missing the tests are skipped, unless
``ROSTERSYNC_REQUIRE_ATSPI=1`` (set by ``.ci/run``) makes that a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from scripts import check_fit
from tests.support.atspi_session import A11yDesktop, Node, Reading, missing_tools

#: Each state and a pattern for a name that shows once the state is fully on screen: the fit
#: check's, except where that text is not an object's name (a window title, a rich-text
#: label's words). The tray menu is left out: under Xvfb without a tray its popup does not
#: reach the tree.
STATES = {
    **{state: ready for state, ready in check_fit.READY.items() if state != "tray-menu"},
    "skipped-people": r"^People left out",
    "search-skipped": r"^Users \(",
}
#: Roles a person operates: each needs a name even while disabled (and so not focusable).
CONTROL_ROLES = {
    "push button",
    "toggle button",
    "check box",
    "radio button",
    "combo box",
    "text",
    "password text",
    "spin button",
    "slider",
    "menu item",
    "check menu item",
    "page tab",
    "table",
    "list",
    "tree",
    "progress bar",
}


@pytest.fixture(scope="module")
def desktop() -> Iterator[A11yDesktop]:
    why = missing_tools()
    if why is not None:
        if os.environ.get("ROSTERSYNC_REQUIRE_ATSPI") == "1":
            pytest.fail(f"the AT-SPI tree cannot be read: {why}")
        pytest.skip(why)
    with A11yDesktop() as desktop:
        yield desktop


def unnamed_controls(nodes: list[Node]) -> list[str]:
    return [
        node.path
        for node in nodes
        if (node.focusable or node.role in CONTROL_ROLES) and not node.name.strip()
    ]


@pytest.mark.parametrize("state", list(STATES))
def test_every_control_has_a_name_a_screen_reader_speaks(desktop: A11yDesktop, state: str) -> None:
    reading = desktop.read_state(state, STATES[state])
    assert unnamed_controls(reading.nodes) == [], "\n".join(unnamed_controls(reading.nodes))
    # The state really is on screen, with controls to operate (not an empty or hidden tree).
    assert any(node.focusable for node in reading.nodes)


def heard(reading: Reading) -> list[str]:
    return [a.message for a in reading.announcements]


def test_each_validation_result_is_announced_as_it_arrives(desktop: A11yDesktop) -> None:
    reading = desktop.read_state("validate", "^All checks passed", until_announced=True)
    spoken = heard(reading)
    assert "Server reachable: passed. The server answered." in spoken
    assert any(m.startswith("Users readable: passed.") for m in spoken)
    assert spoken[-1].startswith("All checks passed.")
    assert not any(a.urgent for a in reading.announcements)


def test_a_failed_check_is_announced_urgently_naming_what_to_fix(desktop: A11yDesktop) -> None:
    reading = desktop.read_state("wrong-secret", "did not pass", until_announced=True)
    urgent = [a.message for a in reading.announcements if a.urgent]
    assert any(
        "Client Secret accepted: failed" in m and "copy the Client Secret" in m for m in urgent
    )
    assert (
        urgent[-1]
        == "“Client ID and Client Secret accepted” did not pass. Fix it, then check again."
    )


def test_a_sync_is_announced_from_its_start_to_its_outcome(desktop: A11yDesktop) -> None:
    reading = desktop.read_state("synced", "^The sync is done", until_announced=True)
    spoken = heard(reading)
    assert "Starting…" in spoken
    assert any(m.startswith("The sync is done. 1,147 users added") for m in spoken)
    start, end = (
        spoken.index("Starting…"),
        next(i for i, m in enumerate(spoken) if m.startswith("The sync is done")),
    )
    assert start < end


def test_a_failed_sync_is_announced_urgently(desktop: A11yDesktop) -> None:
    reading = desktop.read_state("failed", "did not finish", until_announced=True)
    assert any(a.urgent and "did not finish" in a.message for a in reading.announcements)
