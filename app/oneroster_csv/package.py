"""Finding and opening a OneRoster CSV package: a .zip (its files at the top or in one folder),
a folder holding manifest.csv and the data files, or a drop folder of such zips (the newest
complete one is read).

A zip is checked before anything in it is read: no member may lead outside its folder, be
encrypted, or claim more than :data:`MAX_FILE_BYTES` unpacked, and reading stops there anyway.
"""

from __future__ import annotations

import io
import logging
import re
import time
import zipfile
from collections.abc import Callable
from pathlib import Path, PurePosixPath
from typing import IO, Final

from app.errors import RosterSyncError

log = logging.getLogger(__name__)

#: The most any one file of a package may hold unpacked; a million users take about 250 MB.
MAX_FILE_BYTES: Final = 1 << 30
#: A zip in a drop folder modified more recently than this may still be being written.
SETTLE_SECONDS: Final = 5.0
_DRIVE = re.compile(r"^[A-Za-z]:")
MANIFEST: Final = "manifest.csv"
#: The folder of Finder's resource forks in a zip made on a Mac.
_MACOS_EXTRAS: Final = "__MACOSX"


class PackageMissingError(RosterSyncError):
    """The path holds no package to read (yet)."""

    kind = "csv_missing"


class PackageRefusedError(RosterSyncError):
    """The package cannot be read as OneRoster CSV, or is not safe to read."""

    kind = "csv_package"


def find_package(path: Path, clock: Callable[[], float] = time.time) -> Path:
    """The zip or folder to read at ``path``: itself, or a drop folder's newest complete zip."""
    if not path.exists():
        raise PackageMissingError(
            f"RosterSync cannot find {path}. Check that the file share is reachable and that "
            "the path given to 'rostersync connect --csv' is right."
        )
    if path.is_file() or (path / MANIFEST).is_file():
        return path
    now = clock()
    zips = sorted(
        (item for item in path.iterdir() if item.suffix.lower() == ".zip" and item.is_file()),
        key=lambda item: item.stat().st_mtime,
        reverse=True,
    )
    for candidate in zips:
        if now - candidate.stat().st_mtime < SETTLE_SECONDS:
            log.info("Passed over %s: it changed moments ago and may still be written", candidate)
        elif not zipfile.is_zipfile(candidate):
            log.info("Passed over %s: it is not a complete zip file (yet)", candidate)
        else:
            return candidate
    raise PackageMissingError(
        f"The folder {path} holds no OneRoster CSV package: no manifest.csv, and no complete "
        ".zip export. Check that the export to this folder ran."
    )


class Package:
    """An opened package; :meth:`open` gives one of its files as bytes, capped in size."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._zip: zipfile.ZipFile | None = None
        self._members: dict[str, zipfile.ZipInfo] = {}
        if path.is_file():
            self._zip = _open_zip(path)
            self._members = _members_by_name(self._zip, path.name)

    def has(self, name: str) -> bool:
        if self._zip is not None:
            return name in self._members
        return (self.path / name).is_file()

    def open(self, name: str) -> IO[bytes]:
        if self._zip is not None:
            raw: IO[bytes] = self._zip.open(self._members[name])
        else:
            raw = (self.path / name).open("rb")
        return io.BufferedReader(_Capped(raw, name))

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()


def _open_zip(path: Path) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise PackageRefusedError(
            f"{path.name} is not a zip file, or is damaged. Export the OneRoster CSV package "
            "again, or give the folder of CSV files instead."
        ) from None
    try:
        for info in archive.infolist():
            _check_member(info, path.name)
    except PackageRefusedError:
        archive.close()
        raise
    return archive


def _members_by_name(archive: zipfile.ZipFile, zip_name: str) -> dict[str, zipfile.ZipInfo]:
    """The zip's files by their names in the package. A folder compressed by Windows or macOS
    holds its files in one folder (macOS adds ``__MACOSX/``, which is not the package's): the
    names are then taken inside the folder that holds manifest.csv. Names written with
    backslashes (older Windows tools) read as with slashes."""
    files = {
        _posix_name(info): info
        for info in archive.infolist()
        if not info.is_dir() and PurePosixPath(_posix_name(info)).parts[:1] != (_MACOS_EXTRAS,)
    }
    manifests = sorted(name for name in files if PurePosixPath(name).name == MANIFEST)
    if MANIFEST in files or not manifests:
        return files
    if len(manifests) > 1:
        raise PackageRefusedError(
            f"{zip_name} holds more than one OneRoster package ({', '.join(manifests)}), so "
            "RosterSync cannot tell which to read. Give it one package per zip."
        )
    folder = str(PurePosixPath(manifests[0]).parent) + "/"
    return {
        name.removeprefix(folder): info for name, info in files.items() if name.startswith(folder)
    }


def _posix_name(info: zipfile.ZipInfo) -> str:
    return info.filename.replace("\\", "/")


def _check_member(info: zipfile.ZipInfo, zip_name: str) -> None:
    name = _posix_name(info)
    parts = PurePosixPath(name).parts
    if name.startswith("/") or _DRIVE.match(name) or ".." in parts:
        raise PackageRefusedError(
            f"{zip_name} holds a file whose path leads outside its folder ({info.filename!r}), "
            "so RosterSync will not read it. Ask for a new export from your student "
            "information system."
        )
    if info.flag_bits & 0x1:
        raise PackageRefusedError(
            f"{zip_name} is password-protected ({info.filename}); export it without a password."
        )
    if info.file_size > MAX_FILE_BYTES:
        raise PackageRefusedError(
            f"{zip_name} claims {info.filename} holds {info.file_size / 1e9:.1f} GB unpacked, "
            f"more than the {MAX_FILE_BYTES / 1e9:.1f} GB RosterSync reads from one file, so "
            "it was not read. Check the export."
        )


class _Capped(io.RawIOBase):
    """Reads a file, refusing to go past :data:`MAX_FILE_BYTES`, whatever its header said."""

    def __init__(self, raw: IO[bytes], name: str) -> None:
        self._raw = raw
        self._name = name
        self._read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        data = self._raw.read(len(buffer))
        self._read += len(data)
        if self._read > MAX_FILE_BYTES:
            raise PackageRefusedError(
                f"{self._name} holds more than the {MAX_FILE_BYTES / 1e9:.1f} GB RosterSync "
                "reads from one file, so it was not read. Check the export."
            )
        buffer[: len(data)] = data
        return len(data)

    def close(self) -> None:
        self._raw.close()
        super().close()
