"""The wizard's Sites page: schools, their counts, suggestions, "Select Site", and local sites
added and renamed, all written to the directory only on Next."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QLineEdit,
    QTableView,
    QWidget,
)

from app.demo.district import DemoDistrict
from app.errors import ConfigurationError
from app.oneroster.records import STAFF_ROLES, School
from app.store.directory import Directory
from app.sync.matching import suggest_mapping
from tests.support.oracle import SYNCED
from ui.wizard.mapping_draft import MappingDraft
from ui.wizard.sites import SitesPage
from ui.wizard.sites_combo import SELECT_SITE, Entry
from ui.wizard.sites_dialogs import RenameSiteDialog
from ui.wizard.state import SetupState
from ui.wizard.wizard import PageId, SetupWizard


@pytest.fixture
def with_sites(validated_state: SetupState, district: DemoDistrict) -> SetupState:
    """Validated, and the district's local sites exist, but no school is mapped yet."""
    validated_state.context.directory.add_sites(district.local_site_names)
    return validated_state


def open_page(qtbot, state: SetupState) -> tuple[SetupWizard, SitesPage]:
    wizard = SetupWizard(state)
    qtbot.addWidget(wizard)
    wizard.setStartId(PageId.SITES)
    wizard.show()
    page = wizard.currentPage()
    assert isinstance(page, SitesPage)
    qtbot.waitUntil(lambda: page.counts is not None, timeout=10_000)
    return wizard, page


def directory_of(state: SetupState) -> Directory:
    return state.context.directory


def saved_mapping(state: SetupState) -> dict[str, str | None]:
    return {school.name: school.site for school in directory_of(state).schools()}


def expected_suggestions(state: SetupState, district: DemoDistrict) -> dict[str, str]:
    schools = [(s.sourced_id, s.name) for s in directory_of(state).schools()]
    return {s.school_name: s.site_name for s in suggest_mapping(schools, district.local_site_names)}


def combo_for(page: SitesPage, school_name: str) -> QComboBox:
    row = next(r for r, s in enumerate(page.table.schools) if s.name == school_name)
    return page.table.combo(row)


def tag_shown(page: SitesPage, school_name: str) -> bool:
    row = next(r for r, s in enumerate(page.table.schools) if s.name == school_name)
    return page.table.tag(row).shown


def test_suggestions_are_preselected_and_marked(qtbot, with_sites, district):
    _, page = open_page(qtbot, with_sites)
    suggestions = expected_suggestions(with_sites, district)
    assert len(suggestions) == len(district.schools)
    for school, site in suggestions.items():
        combo = combo_for(page, school)
        assert combo.currentText() == site
        assert combo.itemText(0) == SELECT_SITE
        assert tag_shown(page, school)
        tip = page.table.tag(page.table.row_of(_school_id(page, school))).label.toolTip()
        assert "% alike" in tip
    assert saved_mapping(with_sites) == dict.fromkeys(suggestions)  # nothing written yet


def test_clear_all_and_accept_all(qtbot, with_sites, district):
    wizard, page = open_page(qtbot, with_sites)
    suggestions = expected_suggestions(with_sites, district)
    page.clear_button.click()
    assert all(combo_for(page, s).currentText() == SELECT_SITE for s in suggestions)
    assert not any(tag_shown(page, s) for s in suggestions)
    assert page.warning.isVisible()  # nothing will be synced, said, not blocked

    page.accept_button.click()
    assert {s: combo_for(page, s).currentText() for s in suggestions} == suggestions
    assert not page.warning.isVisible()

    page.clear_button.click()
    wizard.next()
    assert wizard.currentId() == PageId.SCHEDULE
    assert all(site is None for site in saved_mapping(with_sites).values())


def test_select_site_leaves_a_school_unmapped(qtbot, with_sites, district):
    wizard, page = open_page(qtbot, with_sites)
    suggestions = expected_suggestions(with_sites, district)
    school = sorted(suggestions)[0]
    combo = combo_for(page, school)
    combo.setCurrentIndex(0)
    assert combo.currentText() == SELECT_SITE
    assert not tag_shown(page, school)
    assert page.summary.text().startswith(f"{len(suggestions) - 1} of {len(suggestions)}")
    wizard.next()
    assert saved_mapping(with_sites) == suggestions | {school: None}


def test_new_site_named_after_the_school(qtbot, with_sites, district):
    wizard, page = open_page(qtbot, with_sites)
    school = district.schools[0]["name"]
    combo = combo_for(page, school)
    new_entry = combo.index_of(Entry("new"))
    assert combo.itemText(new_entry) == f"New site named “{school}”"
    combo.setCurrentIndex(new_entry)
    assert combo.currentText() == school
    other = combo_for(page, district.schools[1]["name"])
    assert other.findText(school) > 0  # every dropdown offers the new site
    assert combo.findText(f"New site named “{school}”") == -1  # it exists now
    assert school not in [s.name for s in directory_of(with_sites).sites()]
    wizard.next()
    assert school in [s.name for s in directory_of(with_sites).sites()]
    assert saved_mapping(with_sites)[school] == school


def test_rename_and_add_sites(qtbot, with_sites, district):
    wizard, page = open_page(qtbot, with_sites)
    suggestions = expected_suggestions(with_sites, district)
    school, old = sorted(suggestions.items())[0]
    page.rename_site(old, "  Renamed   Campus ")
    assert combo_for(page, school).currentText() == "Renamed Campus"
    assert tag_shown(page, school)  # still the suggestion, under its new name
    page.add_site(old)  # the old name is free again
    with pytest.raises(ConfigurationError, match="already exists"):
        page.add_site("renamed campus")
    with pytest.raises(ConfigurationError, match="needs a name"):
        page.add_site("   ")
    assert combo_for(page, school).findText(old) > 0
    assert [s.name for s in directory_of(with_sites).sites()] == district.local_site_names

    wizard.next()
    sites = {s.name for s in directory_of(with_sites).sites()}
    assert sites == set(district.local_site_names) | {"Renamed Campus"}
    assert saved_mapping(with_sites)[school] == "Renamed Campus"


def test_staff_and_students_per_school(qtbot, with_sites, district):
    _, page = open_page(qtbot, with_sites)
    staff: Counter[str] = Counter()
    students: Counter[str] = Counter()
    for raw in district.iter_users():
        if raw["status"] == "tobedeleted" or str(raw.get("enabledUser")).lower() == "false":
            continue
        orgs = {(r["org"]["sourcedId"], r["role"] in STAFF_ROLES) for r in _synced(raw)}
        for org, is_staff in orgs:
            (staff if is_staff else students)[org] += 1
    shown = {
        school.sourced_id: (
            int(page.table.item(row, 1).text()),
            int(page.table.item(row, 2).text()),
        )
        for row, school in enumerate(page.table.schools)
    }
    assert shown == {
        s["sourcedId"]: (staff[s["sourcedId"]], students[s["sourcedId"]]) for s in district.schools
    }


def test_first_setup_without_sites(qtbot, validated_state, district):
    _, page = open_page(qtbot, validated_state)
    assert page.hint.isVisible()
    assert not page.accept_button.isEnabled()
    assert not page.rename_button.isEnabled()
    assert page.warning.isVisible()
    combo = combo_for(page, district.schools[0]["name"])
    assert [combo.itemText(i) for i in range(combo.count()) if combo.itemText(i)] == [
        SELECT_SITE,
        f"New site named “{district.schools[0]['name']}”",
    ]


def test_reopening_keeps_a_deliberate_select_site(qtbot, mapped_state, district):
    """Once something is mapped, an unmapped school is not filled in by a suggestion."""
    directory = directory_of(mapped_state)
    school = directory.schools()[0]
    directory.map_school(school.sourced_id, None)
    _, page = open_page(qtbot, mapped_state)
    assert combo_for(page, school.name).currentText() == SELECT_SITE
    assert page.accept_button.isEnabled()
    page.accept_button.click()
    assert combo_for(page, school.name).currentText() != SELECT_SITE


def test_back_and_next_keep_the_choices(qtbot, with_sites, district):
    wizard, page = open_page(qtbot, with_sites)
    school = district.schools[0]["name"]
    combo_for(page, school).setCurrentIndex(0)
    wizard.next()
    wizard.back()
    assert wizard.currentId() == PageId.SITES
    assert combo_for(page, school).currentText() == SELECT_SITE


def test_search_filters_schools(qtbot, with_sites, district):
    _, page = open_page(qtbot, with_sites)
    page.search.setText("elementary")
    shown = [s.name for r, s in enumerate(page.table.schools) if not page.table.isRowHidden(r)]
    assert shown and all("Elementary" in name for name in shown)
    page.search.clear()
    assert not any(page.table.isRowHidden(r) for r in range(page.table.rowCount()))


def test_rename_dialog(qtbot):
    dialog = RenameSiteDialog(["Adams Elem.", "Lincoln Elem"])
    qtbot.addWidget(dialog)
    dialog.choose("Lincoln Elem")
    assert dialog.new_name.text() == "Lincoln Elem"
    rename = dialog.buttons.button(QDialogButtonBox.StandardButton.Ok)
    assert rename.text() == "&Rename"
    dialog.new_name.setText("  ")
    assert not rename.isEnabled()
    dialog.new_name.setText("Lincoln Elementary")
    assert rename.isEnabled()
    assert dialog.rename == ("Lincoln Elem", "Lincoln Elementary")


def test_every_control_has_an_accessible_name(qtbot, with_sites):
    _, page = open_page(qtbot, with_sites)
    controls = [
        widget
        for widget in page.findChildren(QWidget)
        if isinstance(widget, QAbstractButton | QLineEdit | QComboBox)
        # Qt's own parts: a dropdown's list, a search box's clear button, the table corner.
        and not isinstance(widget.parent(), QComboBox | QLineEdit | QTableView)
    ]
    assert all(widget.accessibleName() for widget in controls), [
        type(w).__name__ for w in controls if not w.accessibleName()
    ]


def test_draft_replays_site_changes_in_order(with_sites):
    directory = directory_of(with_sites)
    draft = MappingDraft.from_directory(directory)
    school = draft.schools[0]
    first = draft.sites[0]
    draft.rename_site(first, "Elsewhere")
    draft.add_site(first)
    draft.choose(school.sourced_id, first)
    draft.save(directory)
    assert {first, "Elsewhere"} <= {s.name for s in directory.sites()}
    assert saved_mapping(with_sites)[school.name] == first
    before = (sorted(s.name for s in directory.sites()), saved_mapping(with_sites))
    draft.save(directory)  # nothing left to do: saving again changes nothing
    assert (sorted(s.name for s in directory.sites()), saved_mapping(with_sites)) == before


def _synced(raw: dict[str, Any]) -> list[dict[str, Any]]:
    return [r for r in raw["roles"] if r["role"] in SYNCED]


def _school_id(page: SitesPage, name: str) -> str:
    return next(s.sourced_id for s in page.table.schools if s.name == name)


def test_tab_goes_through_the_dropdowns_in_order(qtbot, with_sites):
    wizard, page = open_page(qtbot, with_sites)
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow)
    page.search.setFocus()
    seen = []
    for _ in range(3 + page.table.rowCount() + 1):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        seen.append(QApplication.focusWidget())
    combos = [page.table.combo(row) for row in range(page.table.rowCount())]
    assert (
        seen
        == [page.accept_button, page.clear_button, *combos, page.add_button, page.rename_button][
            : len(seen)
        ]
    )


def test_sixty_schools_scroll_to_the_focused_dropdown(qtbot, with_sites):
    extra = [School(f"x-{n:03d}", f"Zeta Academy {n:03d}") for n in range(60)]
    directory_of(with_sites).save_schools(extra)
    wizard, page = open_page(qtbot, with_sites)
    assert page.table.rowCount() == 60 + 6
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow)
    last = page.table.combo(page.table.rowCount() - 1)
    assert not last.visibleRegion().boundingRect().isValid()  # scrolled out of sight
    last.setFocus()
    qtbot.waitUntil(lambda: last.visibleRegion().boundingRect().height() == last.height())


def test_enter_in_the_search_box_goes_to_the_school_not_to_the_next_page(qtbot, with_sites):
    wizard, page = open_page(qtbot, with_sites)
    wizard.activateWindow()
    qtbot.waitUntil(wizard.isActiveWindow)
    page.search.setFocus()
    qtbot.keyClicks(page.search, "washington")
    qtbot.keyClick(page.search, Qt.Key.Key_Return)
    assert wizard.currentId() == PageId.SITES
    row = next(r for r, s in enumerate(page.table.schools) if s.name.startswith("Washington"))
    assert QApplication.focusWidget() is page.table.combo(row)
