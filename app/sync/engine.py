"""Runs one sync: lock, download, plan, safety limit, apply in one transaction, record history.

Free of Qt: the window, the tray, the schedule and the command line all call :meth:`run`, with a
progress callback and a cancel event. Whatever happens, the directory is either fully updated
or left exactly as it was, and the run is recorded in history with its outcome.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sqlalchemy.engine import Connection
from sqlalchemy.exc import SQLAlchemyError

from app.bulk_work import cyclic_gc_paused, quick_thread_switching
from app.errors import CanceledError, RosterSyncError, SafetyLimitError
from app.oneroster.client import Page
from app.oneroster.pages_ahead import pages_ahead
from app.oneroster.records import User, UsernameField
from app.oneroster.source import PackageSource, RosterSource
from app.store.directory import Directory
from app.store.history import History, RunCounts, SkipRecord
from app.store.models import utc_now
from app.sync.fingerprints import UnchangedRecords
from app.sync.lock import SyncLock
from app.sync.placement import Decided, Placement
from app.sync.plan import Classifier
from app.sync.stage import StagingTable

log = logging.getLogger(__name__)

Trigger = Literal["manual", "tray", "schedule", "cli"]
SyncMode = Literal["full", "delta"]
Stage = Literal["connecting", "downloading", "comparing", "saving"]
Status = Literal["succeeded", "failed", "canceled"]

STAGE_LABELS: dict[Stage, str] = {
    "connecting": "Connecting to Infinite Campus",
    "downloading": "Downloading users",
    "comparing": "Comparing with the directory",
    "saving": "Saving changes",
}
#: How long each entry of a person's story is kept unless the settings say otherwise: a year.
STORY_RETENTION = timedelta(days=365)
#: The SQLite page cache of a sync's connection (KiB), which closes with it.
_SYNC_CACHE_KIB = 16 * 1024
#: Delta syncs ask for changes since the last good sync minus this, to survive clock skew.
DELTA_MARGIN = timedelta(hours=1)
UNEXPECTED_MESSAGE = (
    "An unexpected problem stopped the sync; nothing was changed. The details are in the log "
    "file — use 'Copy diagnostics' when asking for help."
)
DATABASE_MESSAGE = (
    "The directory database could not be written (the disk may be full or read-only, the file "
    "locked by another program, or the database server unreachable). Nothing was changed."
)


@dataclass(frozen=True, slots=True)
class Progress:
    stage: Stage
    done: int
    total: int | None

    @property
    def label(self) -> str:
        return STAGE_LABELS[self.stage]


@dataclass(frozen=True, slots=True)
class SyncRequest:
    mode: SyncMode = "full"
    dry_run: bool = False
    allow_mass_deactivation: bool = False
    #: The people someone was shown and confirmed going: past the safety limit, this sync may
    #: deactivate them and nobody else (a provider answering differently by now stops it again).
    confirmed_deactivations: frozenset[str] = frozenset()
    trigger: Trigger = "cli"


@dataclass(frozen=True, slots=True)
class SafetyLimit:
    """A sync may deactivate at most this share of the active users, unless confirmed."""

    share: float = 0.10
    minimum: int = 20

    def exceeded(self, deactivations: int, active_before: int) -> bool:
        return deactivations > self.minimum and deactivations > self.share * active_before

    def message(self, deactivations: int, active_before: int) -> str:
        share = deactivations / active_before if active_before else 1.0
        return (
            f"This sync would deactivate {deactivations:,} of the {active_before:,} active users "
            f"({share:.1%}), more than the safety limit of {self.share:.0%}, so nothing was "
            "changed. If that is expected (for example at the end of the school year), run the "
            "sync again and confirm it (command line: --allow-mass-deactivation); otherwise "
            "check the Base URL and the school-to-site mapping."
        )


@dataclass(frozen=True, slots=True)
class SiteCounts:
    """What one sync does at one local site."""

    added: int = 0
    updated: int = 0
    deactivated: int = 0


@dataclass
class SyncResult:
    status: Status
    mode: SyncMode
    dry_run: bool
    trigger: Trigger
    counts: RunCounts = field(default_factory=RunCounts)
    skipped_reasons: dict[str, int] = field(default_factory=dict)
    error: str | None = None
    error_kind: str | None = None
    run_id: int | None = None
    #: sourcedIds a sync stopped by the safety limit would have deactivated.
    would_deactivate: list[str] = field(default_factory=list)
    #: Local site id -> what the plan does there (every mapped site listed); empty when the
    #: sync failed before planning.
    site_counts: dict[int, SiteCounts] = field(default_factory=dict)
    #: Seconds spent downloading and staging, deciding, and writing (for the log and benchmarks).
    timings: dict[str, float] = field(default_factory=dict)
    #: The OneRoster CSV package read, for a CSV source (a drop folder's newest zip).
    source_file: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"

    def to_json(self) -> dict[str, object]:
        return {
            "status": self.status,
            **self.counts.to_json(),
            "skipped_reasons": self.skipped_reasons,
            "error": self.error,
            "mode": self.mode,
            "dry_run": self.dry_run,
            **({"source_file": self.source_file} if self.source_file else {}),
        }


def _site_counts(decided: Decided, mapping: dict[str, int]) -> dict[int, SiteCounts]:
    sites = {site: SiteCounts() for site in mapping.values()}
    sites.update({site: SiteCounts(*counts) for site, counts in decided.site_counts.items()})
    return sites


@dataclass(frozen=True, slots=True)
class _Staged:
    """What the download leaves beside the staging table."""

    mapping: dict[str, int]
    #: Records skipped with no sourcedId that could be stored.
    unreadable: list[SkipRecord]
    #: Every total the provider gave; more than one means its list changed meanwhile.
    totals: set[int]
    #: The source sent changes only (a CSV delta package): whoever it left out stays.
    changes_only: bool = False


ProgressCallback = Callable[[Progress], None]
ClientFactory = Callable[[threading.Event], RosterSource]


class SyncEngine:
    def __init__(
        self,
        directory: Directory,
        history: History,
        *,
        lock: SyncLock,
        connect: ClientFactory,
        username_field: UsernameField,
        safety: SafetyLimit | None = None,
        story_retention: timedelta = STORY_RETENTION,
    ) -> None:
        """``story_retention``: how long each entry of a person's story is kept."""
        self.directory = directory
        self.history = history
        self.lock = lock
        self._connect = connect
        self._username_field = username_field
        self._safety = safety or SafetyLimit()
        self._story_retention = story_retention

    def run(
        self,
        request: SyncRequest,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> SyncResult:
        """Run one sync; never raises for anything a person can act on."""
        cancel = cancel or threading.Event()
        report = progress or (lambda _progress: None)
        try:
            # A full garbage collection over tens of thousands of users holds the GIL long
            # enough to freeze the window; a sync makes no reference cycles worth collecting.
            with self.lock.hold(), cyclic_gc_paused(), quick_thread_switching():
                return self._run_locked(request, report, cancel)
        except RosterSyncError as refused:  # another sync runs, or the database is unreachable
            return SyncResult(
                "failed",
                request.mode,
                request.dry_run,
                request.trigger,
                error=refused.message,
                error_kind=refused.kind,
            )

    def _run_locked(
        self, request: SyncRequest, report: ProgressCallback, cancel: threading.Event
    ) -> SyncResult:
        try:
            self.history.mark_interrupted()
            since = self._delta_since() if request.mode == "delta" else None
            mode: SyncMode = "delta" if since is not None else "full"
            result = SyncResult("succeeded", mode, request.dry_run, request.trigger)
            result.run_id = self.history.start(request.trigger, mode, request.dry_run)
        except SQLAlchemyError:  # a read-only or full disk: not even the run can be recorded
            log.exception("A sync could not start in the database")
            return SyncResult(
                "failed",
                request.mode,
                request.dry_run,
                request.trigger,
                error=DATABASE_MESSAGE,
                error_kind=RosterSyncError.kind,
            )
        log.info(
            "Sync %s started (%s, %s%s)",
            result.run_id,
            request.trigger,
            mode,
            ", dry run" if request.dry_run else "",
        )
        try:
            self._sync(request, result, since, report, cancel)
        except CanceledError as canceled:
            self._record_failure(result, "canceled", canceled)
        except RosterSyncError as error:
            self._record_failure(result, "failed", error)
        except SQLAlchemyError:
            log.exception("Sync %s failed in the database", result.run_id)
            self._record_failure(result, "failed", RosterSyncError(DATABASE_MESSAGE))
        except Exception:
            log.exception("Sync %s failed unexpectedly", result.run_id)
            self._record_failure(result, "failed", RosterSyncError(UNEXPECTED_MESSAGE))
        log.info("Sync %s %s: %s", result.run_id, result.status, result.to_json())
        return result

    def _delta_since(self) -> datetime | None:
        last_good = self.history.last_good_start()
        return last_good - DELTA_MARGIN if last_good else None

    def _sync(
        self,
        request: SyncRequest,
        result: SyncResult,
        since: datetime | None,
        report: ProgressCallback,
        cancel: threading.Event,
    ) -> None:
        report(Progress("connecting", 0, None))
        mapping = self.directory.mapping()
        classifier = Classifier(mapping, self._username_field)
        # The users flow into the staging table page by page, each page in a short transaction
        # of its own (a temporary table: nobody else sees it, nothing in the directory is
        # locked meanwhile). Then one transaction applies the rules over it: a failure anywhere
        # leaves the directory as it was.
        database = self.directory.database
        with database.engine.connect() as connection:
            # The staging tables go with this connection: closed at the end instead of going
            # back to the pool, it takes them along at once, where dropping a million staged
            # users takes most of a second.
            connection.detach()
            if connection.dialect.name == "sqlite":
                # 16 MB of pages instead of 2 MB: a first sync of 100,000 users writes 5% faster
                # (bench/sync_bench.py); 64 MB was no faster at a million and cost 100 MB more.
                connection.exec_driver_sql(f"PRAGMA cache_size=-{_SYNC_CACHE_KIB}")
            stage = StagingTable(connection)
            # A delta's few records are changed ones, and it keeps no new fingerprints: it
            # neither reads the kept ones nor hashes what it receives.
            known = (
                UnchangedRecords.load(connection, mapping, self._username_field)
                if result.mode == "full"
                else None
            )
            connection.commit()
            started = time.perf_counter()
            unreadable, totals, changes_only = self._download(
                stage, classifier, since, report, cancel, result=result, known=known
            )
            result.timings["download"] = time.perf_counter() - started
            report(Progress("comparing", 0, None))
            with database.writing(connection) as writing:
                staged = _Staged(mapping, unreadable, totals, changes_only)
                self._decide_and_write(
                    writing, request, result, staged, report=report, cancel=cancel
                )
        log.info(
            "Sync %s took %s",
            result.run_id,
            ", ".join(f"{name} {seconds:.2f} s" for name, seconds in result.timings.items()),
        )

    def _decide_and_write(
        self,
        connection: Connection,
        request: SyncRequest,
        result: SyncResult,
        staged: _Staged,
        *,
        report: ProgressCallback,
        cancel: threading.Event,
    ) -> None:
        """Apply the rules over the staged users, check the safety limit, write, record."""
        changed_meanwhile = len(staged.totals) > 1
        complete = result.mode == "full" and not changed_meanwhile and not staged.changes_only
        if staged.changes_only:
            log.info("The package carries changes only: people it does not carry stay as they are")
        if result.mode == "full" and changed_meanwhile:
            log.warning(
                "The provider's list changed while it was read (totals %s): users not seen "
                "are left as they are this time; the next full sync settles them",
                sorted(staged.totals),
            )
        placement = Placement(connection, complete=complete)
        started = time.perf_counter()
        decided = placement.decide(unstaged_skips=len(staged.unreadable))
        result.timings["decide"] = time.perf_counter() - started
        result.site_counts = _site_counts(decided, staged.mapping)
        result.counts, result.skipped_reasons = decided.counts, decided.skipped_reasons
        active_before = placement.active_before()
        deactivations = decided.counts.deactivated
        stopped = self._safety.exceeded(deactivations, active_before) and not (
            request.allow_mass_deactivation
        )
        if stopped:
            result.would_deactivate = placement.deactivated_ids()
            stopped = not request.confirmed_deactivations.issuperset(result.would_deactivate)
        error = self._safety.message(deactivations, active_before) if stopped else None
        if stopped and not request.dry_run:
            raise SafetyLimitError(error or "", deactivations, active_before)
        if cancel.is_set():
            raise CanceledError()
        assert result.run_id is not None
        if request.dry_run:
            result.status = "failed" if stopped else "succeeded"
            result.error, result.error_kind = error, SafetyLimitError.kind if error else None
            placement.record_skips(result.run_id)
        else:
            report(Progress("saving", 0, decided.counts.changes))
            started = time.perf_counter()
            now = utc_now()
            placement.write(
                result.run_id,
                now,
                lambda done: self._saved(done, decided.counts.changes, report, cancel),
                story_kept_since=now - self._story_retention,
            )
            result.timings["write"] = time.perf_counter() - started
        self.history.finish(
            connection,
            result.run_id,
            status=result.status,
            counts=result.counts,
            skips=staged.unreadable,
            skipped_reasons=result.skipped_reasons,
            error=result.error,
        )

    def _download(
        self,
        stage: StagingTable,
        classifier: Classifier,
        since: datetime | None,
        report: ProgressCallback,
        cancel: threading.Event,
        *,
        result: SyncResult,
        known: UnchangedRecords | None,
    ) -> tuple[list[SkipRecord], set[int], bool]:
        """Stage every user, page by page (those ``known`` unchanged as seen only). Returns the
        records with no sourcedId at all, as skips, every total the provider gave (more than
        one: the list changed meanwhile), and whether the source sent changes only. A package
        source's file goes into ``result``."""
        unreadable: list[SkipRecord] = []
        totals: set[int] = set()
        received = 0
        # The client gives up when the person cancels and when this stops for any reason.
        stop = threading.Event()
        with self._connect(stop) as client:

            def every_page() -> Iterator[Page[User]]:
                client.authenticate()
                yield from client.user_pages(modified_since=since, known=known)

            # The next pages download while this one is staged; closed however the loop ends,
            # so the fetching stops with it.
            with contextlib.closing(pages_ahead(every_page(), cancel, stop)) as pages:
                for page in pages:
                    staged, unidentified = classifier.classify_page(page.records, page.invalid)
                    stage.add(staged, page.known, page.known_skipped)
                    stage.connection.commit()  # holds nothing in the directory between pages
                    unreadable += map(SkipRecord.unidentified, unidentified)
                    received += len(page.records) + len(page.invalid) + page.passed_over
                    if page.total is not None:
                        totals.add(page.total)
                    report(Progress("downloading", received, page.total))
                    if cancel.is_set():
                        raise CanceledError()
            changes_only = False
            if isinstance(client, PackageSource):
                result.source_file = str(client.package_file)
                changes_only = client.changes_only
        return unreadable, totals, changes_only

    @staticmethod
    def _saved(done: int, total: int, report: ProgressCallback, cancel: threading.Event) -> None:
        report(Progress("saving", done, total))
        if cancel.is_set():
            raise CanceledError()

    def _record_failure(self, result: SyncResult, status: Status, error: RosterSyncError) -> None:
        result.status = status
        result.error = error.message
        result.error_kind = error.kind
        result.counts = RunCounts()
        result.skipped_reasons = {}
        if not isinstance(error, SafetyLimitError):
            result.site_counts = {}
        assert result.run_id is not None
        try:
            self.history.fail(result.run_id, status, error.message)
        except SQLAlchemyError:
            log.exception("Could not record the end of sync %s", result.run_id)
