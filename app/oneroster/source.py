"""What the sync engine, the checks and the command line read a roster from.

Both the OneRoster REST client and a OneRoster CSV package offer this interface.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from types import TracebackType
from typing import Protocol, Self, runtime_checkable

from app.oneroster.client import KnownRecords, Page
from app.oneroster.records import School, User


class RosterSource(Protocol):
    def __enter__(self) -> Self: ...

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...

    def authenticate(self) -> None: ...

    def user_pages(
        self, modified_since: datetime | None = None, known: KnownRecords | None = None
    ) -> Iterator[Page[User]]:
        """Every user; those whose records ``known`` holds may come as fingerprints only."""
        ...

    def schools(self) -> list[School]: ...


@runtime_checkable
class PackageSource(Protocol):
    """A source read from a package of files rather than asked of a server."""

    @property
    def package_file(self) -> Path | None:
        """The file or folder read, once found."""
        ...

    @property
    def changes_only(self) -> bool:
        """Whether the package carries only changes (a delta): people it does not carry are
        not leaving."""
        ...
