"""A dry run broken down per local site, for the wizard's "Review and first sync" page."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from app.sync.engine import ProgressCallback, SyncEngine, SyncRequest, SyncResult


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


def preview_sync(
    engine: SyncEngine, progress: ProgressCallback, cancel: threading.Event
) -> SyncPreview:
    """Run a dry run (recorded in history) and name the sites of its per-site counts."""
    result = engine.run(
        SyncRequest(dry_run=True, trigger="manual"), progress=progress, cancel=cancel
    )
    if not result.site_counts:
        return SyncPreview(result, None)
    names = engine.directory.site_names()
    sites = [
        SiteChanges(names[site_id], counts.added, counts.updated, counts.deactivated)
        for site_id, counts in result.site_counts.items()
        if site_id in names
    ]
    return SyncPreview(result, sorted(sites, key=lambda change: change.site.casefold()))
