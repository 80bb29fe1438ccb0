"""manifest.csv: which OneRoster version a package follows, and which files it carries in bulk
(everything), as a delta (changes only) or not at all."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final, Literal

from app.oneroster_csv.package import MANIFEST, Package, PackageRefusedError
from app.oneroster_csv.tables import check_columns, rows

Version = Literal["1.1", "1.2"]
Mode = Literal["bulk", "delta", "absent"]
_MODES: Final = ("bulk", "delta", "absent")


@dataclass(frozen=True)
class Manifest:
    version: Version
    #: Entity ("users", "orgs", "roles") → its mode; an entity not listed is absent.
    files: dict[str, Mode] = field(default_factory=dict)

    def mode(self, entity: str) -> Mode:
        return self.files.get(entity, "absent")


def read_manifest(package: Package) -> Manifest:
    check_columns(package, MANIFEST, ("propertyName", "value"))
    properties = {
        row.get("propertyName", "").strip(): (row.get("value") or "").strip()
        for row in rows(package, MANIFEST)
    }
    files: dict[str, Mode] = {}
    for key, value in properties.items():
        if key.startswith("file."):
            mode = value.lower()
            if mode not in _MODES:
                raise PackageRefusedError(
                    f"{MANIFEST} gives {key} as {value!r}; it must be bulk, delta or absent."
                )
            files[key.removeprefix("file.")] = mode  # type: ignore[assignment]
    return Manifest(_version(properties.get("oneroster.version")), files)


def _version(value: str | None) -> Version:
    if not value:
        raise PackageRefusedError(
            f"{MANIFEST} has no oneroster.version, so the package's OneRoster version is not "
            "known. Export the package again."
        )
    for version in ("1.1", "1.2"):
        if value == version or value.startswith(version + "."):
            return version  # type: ignore[return-value]
    raise PackageRefusedError(
        f"{MANIFEST} says oneroster.version is {value!r}; RosterSync reads OneRoster CSV 1.1 "
        "and 1.2 packages."
    )
