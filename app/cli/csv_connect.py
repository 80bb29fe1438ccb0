"""``connect --csv PATH``: a OneRoster CSV export as the source, validated before it is saved."""

from __future__ import annotations

from pathlib import Path

from app.context import AppContext
from app.errors import RosterSyncError
from app.settings import ConnectionSettings


def connect_csv(path: str, context: AppContext) -> int:
    if not path.strip():
        raise RosterSyncError("The --csv path is empty; give the zip, folder or drop folder.")
    connection = ConnectionSettings(enabled=True, csv_path=str(Path(path).expanduser().resolve()))
    with context.client(connection=connection) as source:
        source.authenticate()
        schools = source.schools()  # the manifest, files and columns are checked first
    context.settings.connection = connection
    context.save_settings()
    context.directory.save_schools(schools)
    print(
        f"Connected: the OneRoster CSV package at {connection.csv_path} is readable and lists "
        f"{len(schools)} schools. Saved; every sync reads it afresh."
    )
    return 0
