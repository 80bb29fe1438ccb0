"""A roster source used in a ``with`` statement: closed however the block ends."""

from __future__ import annotations

from types import TracebackType
from typing import Self


class ClosedOnExit:
    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        raise NotImplementedError
