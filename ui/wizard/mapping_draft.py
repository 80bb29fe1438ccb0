"""The Sites page's unsaved work: which local site each school goes to, and the sites added or
renamed on the way. Nothing reaches the directory until :meth:`MappingDraft.save`.

Site changes are kept as a log and replayed in order, because each was checked against the
names that existed at that moment (renaming A to B and then adding a new A only works in that
order).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import ConfigurationError
from app.store.directory import Directory, SchoolInfo, clean_site_name
from app.sync.matching import Suggestion, suggest_mapping


@dataclass(frozen=True, slots=True)
class _AddSite:
    name: str


@dataclass(frozen=True, slots=True)
class _RenameSite:
    old: str
    new: str


class MappingDraft:
    def __init__(
        self, schools: list[SchoolInfo], sites: list[str], *, preselect_suggestions: bool
    ) -> None:
        self.schools = list(schools)
        self._sites = list(sites)
        self._saved: dict[str, str | None] = {s.sourced_id: s.site for s in schools}
        pairs = [(s.sourced_id, s.name) for s in schools if s.site is None]
        self._suggested = {s.school_id: s for s in suggest_mapping(pairs, sites)}
        self._choice = dict(self._saved)
        self._log: list[_AddSite | _RenameSite] = []
        if preselect_suggestions:
            self.accept_suggestions()

    @classmethod
    def from_directory(cls, directory: Directory) -> MappingDraft:
        """Suggestions are pre-selected only on a first setup, when nothing is mapped yet:
        later, an unmapped school may have been left out on purpose."""
        schools = directory.schools()
        first_setup = all(school.site is None for school in schools)
        sites = [site.name for site in directory.sites()]
        return cls(schools, sites, preselect_suggestions=first_setup)

    # --- sites ---------------------------------------------------------------------------

    @property
    def sites(self) -> list[str]:
        return sorted(self._sites, key=str.casefold)

    def find_site(self, name: str) -> str | None:
        """The existing site with this name, compared as the directory does."""
        wanted = " ".join(name.split()).casefold()
        return next((site for site in self._sites if site.casefold() == wanted), None)

    def add_site(self, raw: str) -> str:
        name = clean_site_name(raw)
        existing = self.find_site(name)
        if existing is not None:
            raise ConfigurationError(f"A site named “{existing}” already exists.")
        self._sites.append(name)
        self._log.append(_AddSite(name))
        return name

    def rename_site(self, old: str, raw: str) -> str:
        new = clean_site_name(raw)
        current = self.find_site(old)
        if current is None:
            raise ConfigurationError(f"There is no site named “{old}”.")
        clash = self.find_site(new)
        if clash is not None and clash != current:
            raise ConfigurationError(f"A site named “{clash}” already exists.")
        if new == current:
            return new
        self._sites[self._sites.index(current)] = new
        self._log.append(_RenameSite(current, new))
        self._choice = {k: new if v == current else v for k, v in self._choice.items()}
        self._suggested = {
            k: _with_site(s, new) if s.site_name == current else s
            for k, s in self._suggested.items()
        }
        return new

    # --- schools -------------------------------------------------------------------------

    def choice(self, school_id: str) -> str | None:
        return self._choice[school_id]

    def choose(self, school_id: str, site: str | None) -> None:
        if site is not None and self.find_site(site) != site:
            raise ConfigurationError(f"There is no site named “{site}”.")
        self._choice[school_id] = site

    def suggestion(self, school_id: str) -> Suggestion | None:
        return self._suggested.get(school_id)

    def is_suggested(self, school_id: str) -> bool:
        """The school's choice is the suggested site (so the page marks it)."""
        suggestion = self._suggested.get(school_id)
        return suggestion is not None and self._choice[school_id] == suggestion.site_name

    @property
    def has_suggestions(self) -> bool:
        return bool(self._suggested)

    def accept_suggestions(self) -> None:
        for school_id, suggestion in self._suggested.items():
            self._choice[school_id] = suggestion.site_name

    def clear_all(self) -> None:
        self._choice = dict.fromkeys(self._choice)

    @property
    def mapped_count(self) -> int:
        return sum(site is not None for site in self._choice.values())

    # --- saving --------------------------------------------------------------------------

    def save(self, directory: Directory) -> None:
        """Replay the site changes, then map every school whose choice changed.

        Not one transaction: each directory call is its own, so a failure part way leaves the
        steps before it saved; the draft keeps only what is still to do, and saving again
        finishes the job.
        """
        while self._log:
            step = self._log[0]
            if isinstance(step, _AddSite):
                directory.add_sites([step.name])
            else:
                directory.rename_site(step.old, step.new)
            self._log.pop(0)
        for school_id, site in self._choice.items():
            if self._saved[school_id] != site:
                directory.map_school(school_id, site)
                self._saved[school_id] = site


def _with_site(suggestion: Suggestion, site: str) -> Suggestion:
    return Suggestion(suggestion.school_id, suggestion.school_name, site, suggestion.score)
