"""Reading and editing the local directory: sites, provider schools and their mapping, users."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from difflib import get_close_matches

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.errors import ConfigurationError, NotFoundError
from app.oneroster.records import School as ProviderSchool
from app.store.database import Database
from app.store.models import DirectoryUser, School, Site, utc_now


@dataclass(frozen=True, slots=True)
class SiteInfo:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class SchoolInfo:
    sourced_id: str
    name: str
    site: str | None


@dataclass(frozen=True, slots=True)
class UserRow:
    """One user as ``users --json`` shows it."""

    sourced_id: str
    username: str
    given_name: str
    family_name: str
    email: str | None
    role: str
    site: str
    active: bool

    @classmethod
    def of(cls, user: DirectoryUser, site: str) -> UserRow:
        return cls(
            user.sourced_id,
            user.username,
            user.given_name,
            user.family_name,
            user.email,
            user.role,
            site,
            user.active,
        )

    def to_json(self) -> dict[str, object]:
        return {
            "sourcedId": self.sourced_id,
            "username": self.username,
            "givenName": self.given_name,
            "familyName": self.family_name,
            "email": self.email,
            "role": self.role,
            "site": self.site,
            "active": self.active,
        }


def clean_site_name(name: str) -> str:
    """A site name as the directory stores it: spaces folded, not empty, not too long."""
    cleaned = " ".join(name.split())
    if not cleaned:
        raise ConfigurationError("A site needs a name.")
    if len(cleaned) > 200:
        raise ConfigurationError("A site name can be at most 200 characters long.")
    return cleaned


def _replaced_by(new: ProviderSchool, candidates: list[School]) -> School | None:
    """The known school ``new`` replaces: by legacy id (as it is or after a one-letter
    prefix), else the one known school of the same name."""
    if new.legacy_id:
        for school in candidates:
            sid = school.sourced_id
            if new.legacy_id == sid or (sid[:1].isalpha() and new.legacy_id == sid[1:]):
                return school
    named = [school for school in candidates if school.name.casefold() == new.name.casefold()]
    return named[0] if len(named) == 1 else None


class Directory:
    """Short transactions over the directory database."""

    def __init__(self, database: Database) -> None:
        self.database = database

    # --- sites ---------------------------------------------------------------------------

    def sites(self) -> list[SiteInfo]:
        with self.database.session() as session:
            rows = session.execute(select(Site.id, Site.name).order_by(func.lower(Site.name)))
            return [SiteInfo(row.id, row.name) for row in rows]

    def add_sites(self, names: Iterable[str]) -> list[SiteInfo]:
        """Create the sites not already present (names compare case-insensitively)."""
        created: list[SiteInfo] = []
        with self.database.session() as session:
            for raw in names:
                name = clean_site_name(raw)
                if _find_site(session, name) is None:
                    site = Site(name=name)
                    session.add(site)
                    session.flush()
                    created.append(SiteInfo(site.id, site.name))
        return created

    def rename_site(self, old: str, new: str) -> None:
        new_name = clean_site_name(new)
        with self.database.session() as session:
            site = self._require_site(session, old)
            clash = _find_site(session, new_name)
            if clash is not None and clash.id != site.id:
                raise ConfigurationError(f"A site named '{clash.name}' already exists.")
            site.name = new_name

    # --- schools and mapping -------------------------------------------------------------

    def save_schools(self, schools: Iterable[ProviderSchool]) -> None:
        """Record the provider's schools, keeping every existing mapping.

        A school whose sourcedId is new re-links to the known school it replaces (PRODUCT.md
        "Re-linking": its legacy id, else the same name, among known schools the provider no
        longer sends), which takes the new sourcedId and keeps its site.
        """
        now = utc_now()
        provided = list(schools)
        with self.database.session() as session:
            known = {school.sourced_id: school for school in session.scalars(select(School))}
            sent = {school.sourced_id for school in provided}
            replaced = [school for sid, school in known.items() if sid not in sent]
            for new in provided:
                school = known.get(new.sourced_id) or _replaced_by(new, replaced)
                if school is None:
                    session.add(School(sourced_id=new.sourced_id, name=new.name))
                    continue
                if school.sourced_id == new.sourced_id and school.name == new.name:
                    continue
                if school.sourced_id != new.sourced_id:
                    replaced.remove(school)
                    school.sourced_id = new.sourced_id
                school.name = new.name
                school.seen_at = now

    def schools(self) -> list[SchoolInfo]:
        with self.database.session() as session:
            rows = session.execute(
                select(School.sourced_id, School.name, Site.name.label("site"))
                .outerjoin(Site, School.site_id == Site.id)
                .order_by(func.lower(School.name))
            )
            return [SchoolInfo(row.sourced_id, row.name, row.site) for row in rows]

    def map_school(self, school_ref: str, site_name: str | None) -> SchoolInfo:
        """Map a school (sourcedId or exact name) to a site; ``None`` means "Select Site"."""
        with self.database.session() as session:
            school = _require_school(session, school_ref)
            site = self._require_site(session, site_name) if site_name is not None else None
            school.site_id = site.id if site else None
            return SchoolInfo(school.sourced_id, school.name, site.name if site else None)

    def mapping(self) -> dict[str, int]:
        """School sourcedId -> site id, for mapped schools only."""
        with self.database.session() as session:
            rows = session.execute(
                select(School.sourced_id, School.site_id).where(School.site_id.is_not(None))
            )
            return {row.sourced_id: row.site_id for row in rows}

    def site_names(self) -> dict[int, str]:
        return {site.id: site.name for site in self.sites()}

    # --- users ---------------------------------------------------------------------------

    def user_counts(self) -> tuple[int, int]:
        """How many users are active, and how many inactive."""
        with self.database.session() as session:
            rows = session.execute(
                select(DirectoryUser.active, func.count()).group_by(DirectoryUser.active)
            )
            counts = {bool(active): count for active, count in rows}
        return counts.get(True, 0), counts.get(False, 0)

    def users(self, site: str | None = None, include_inactive: bool = False) -> Iterator[UserRow]:
        with self.database.session() as session:
            query = (
                select(DirectoryUser, Site.name)
                .join(Site, DirectoryUser.site_id == Site.id)
                .order_by(func.lower(DirectoryUser.username), DirectoryUser.sourced_id)
            )
            if site is not None:
                query = query.where(Site.id == self._require_site(session, site).id)
            if not include_inactive:
                query = query.where(DirectoryUser.active.is_(True))
            for user, site_name in session.execute(query):
                yield UserRow.of(user, site_name)

    def _require_site(self, session: Session, name: str) -> Site:
        site = _find_site(session, " ".join(name.split()))
        if site is not None:
            return site
        names = list(session.scalars(select(Site.name)))
        closest = _closest_name(name, names)
        hint = f" Did you mean '{closest}'?" if closest else ""
        raise NotFoundError(
            f"There is no local site named '{name}'.{hint} "
            'Add it first with: rostersync sites add "NAME".'
        )


def _closest_name(typed: str, names: list[str]) -> str | None:
    """The name ``typed`` most likely meant: one it is the start of, else the most similar."""
    wanted = typed.casefold()
    starting = sorted(n for n in names if n.casefold().startswith(wanted))
    if starting:
        return starting[0]
    closest = get_close_matches(wanted, [n.casefold() for n in names], n=1, cutoff=0.6)
    return next((n for n in names if closest and n.casefold() == closest[0]), None)


def _find_site(session: Session, name: str) -> Site | None:
    """The site of that name, ignoring case in every alphabet (SQL's lower() folds only ASCII)."""
    wanted = name.casefold()
    return next(
        (site for site in session.scalars(select(Site)) if site.name.casefold() == wanted), None
    )


def _require_school(session: Session, ref: str) -> School:
    ref = ref.strip()
    school = session.get(School, ref)
    if school is not None:
        return school
    matches = list(session.scalars(select(School).where(School.name == ref)))
    if len(matches) == 1:
        return matches[0]
    if len(matches) > 1:
        ids = ", ".join(match.sourced_id for match in matches)
        raise NotFoundError(
            f"More than one school is named '{ref}'; use its sourcedId instead ({ids})."
        )
    raise NotFoundError(
        f"No school '{ref}' is known. List the schools with 'rostersync schools' and use the "
        "exact name or sourcedId."
    )
