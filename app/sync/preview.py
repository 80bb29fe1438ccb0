"""A dry run broken down per local site, for the wizard's "Review and first sync" page.

Interim: the engine's dry run reports totals only. Until it also reports per-site counts
(proposed: ``SyncResult.site_counts`` filled from the plan it already builds), the breakdown
is planned here a second time, with the engine's own ``Planner``, local snapshot and mapping,
over users already downloaded (the wizard's validation report), so nothing is fetched twice.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from app.context import AppContext
from app.errors import SafetyLimitError
from app.oneroster.records import User, UsernameField
from app.store.directory import Directory
from app.sync.apply import load_local_users
from app.sync.engine import ProgressCallback, SyncRequest, SyncResult
from app.sync.plan import Planner


@dataclass(frozen=True, slots=True)
class SiteChanges:
    site: str
    added: int = 0
    updated: int = 0
    deactivated: int = 0


@dataclass(frozen=True, slots=True)
class SyncPreview:
    result: SyncResult
    #: One entry per mapped site (and any site that would lose users); None when unknown.
    sites: list[SiteChanges] | None


def site_changes(
    directory: Directory, users: Iterable[User], username_field: UsernameField
) -> list[SiteChanges]:
    """What a full sync of ``users`` would change at each local site, sorted by site name."""
    with directory.database.session() as session:
        local = load_local_users(session)
    mapping = directory.mapping()
    plan = Planner(local, mapping, username_field, full=True).plan(users)
    added = Counter(user.site_id for user in plan.inserts)
    updated = Counter(user.site_id for user in plan.updates)
    deactivated = Counter(local[sid].site_id for sid in plan.deactivations)
    names = directory.site_names()
    site_ids = set(mapping.values()) | set(added) | set(updated) | set(deactivated)
    changes = [
        SiteChanges(names[site_id], added[site_id], updated[site_id], deactivated[site_id])
        for site_id in site_ids
        if site_id in names
    ]
    return sorted(changes, key=lambda change: change.site.casefold())


def preview_sync(
    context: AppContext,
    username_field: UsernameField,
    users: Iterable[User] | None,
    progress: ProgressCallback,
    cancel: threading.Event,
) -> SyncPreview:
    """Run a dry run (recorded in history) and, when ``users`` are known, break it down by site."""
    engine = context.engine(username_field=username_field)
    result = engine.run(
        SyncRequest(dry_run=True, trigger="manual"), progress=progress, cancel=cancel
    )
    planned = result.succeeded or result.error_kind == SafetyLimitError.kind
    if users is None or not planned:
        return SyncPreview(result, None)
    return SyncPreview(result, site_changes(context.directory, users, username_field))
