"""Reading OneRoster CSV packages (1.1 and 1.2, zip and folder) into the REST client's records."""

from __future__ import annotations

import struct
import threading
import zipfile
from pathlib import Path

import pytest

from app.errors import CanceledError
from app.oneroster.records import RoleAssignment, User
from app.oneroster_csv import package as package_module
from app.oneroster_csv.package import PackageMissingError, PackageRefusedError
from app.oneroster_csv.records import user_record_v1p2
from app.oneroster_csv.source import CsvSource
from tests.support.csv_packages import CsvPackage, Person, aged


def read(path: Path, page_size: int = 1000) -> tuple[list[str], list[User]]:
    with CsvSource(path, page_size=page_size) as source:
        source.authenticate()
        schools = [school.name for school in source.schools()]
        users = [user for page in source.user_pages() for user in page.records]
    return schools, users


def written(package: CsvPackage, tmp_path: Path, form: str) -> Path:
    if form == "zip":
        return package.write_zip(tmp_path / "export.zip")
    return package.write_folder(tmp_path / "export")


@pytest.mark.parametrize("form", ["zip", "folder"])
@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_a_package_reads_into_the_same_records_as_the_rest_client(
    tmp_path: Path, version: str, form: str
):
    schools, users = read(written(CsvPackage(version), tmp_path, form))
    assert schools == ["Lincoln Elementary School", "Washington High School"]  # not the district
    by_id = {user.sourced_id: user for user in users}
    assert list(by_id) == ["p1", "p2", "p3", "p4", "p5"]
    # Quoted commas, quotes and a newline survive; the byte-order mark is not in a column name.
    assert (by_id["p2"].given_name, by_id["p2"].family_name) == ('Bo "B"', "Chen, Jr.")
    assert by_id["p3"].family_name == "Line\nBreak"
    assert by_id["p3"].roles == (
        RoleAssignment("teacher", "sch-2"),
        RoleAssignment("teacher", "sch-1"),
    )
    assert by_id["p1"].email == "ana@district.org"
    assert by_id["p5"].email is None
    assert by_id["p4"].roles[0].role == "parent"


def test_metadata_columns_become_the_records_metadata():
    row = {"sourcedId": "p1", "metadata.ic.legacysourceId": "1234", "metadata.other": ""}
    assert user_record_v1p2(row, [])["metadata"] == {"ic.legacysourceId": "1234"}


def test_users_come_a_page_at_a_time(tmp_path: Path):
    people = [Person(f"p{i}", "A", "B", f"a{i}@d.org") for i in range(25)]
    with CsvSource(CsvPackage("1.2", people).write_zip(tmp_path / "x.zip"), page_size=10) as s:
        pages = list(s.user_pages())
    assert [len(page.records) for page in pages] == [10, 10, 5]
    assert [page.offset for page in pages] == [0, 10, 20]


def test_a_tobedeleted_row_and_a_disabled_user_are_leaving(tmp_path: Path):
    people = [
        Person("p1", "A", "B", "a@d.org", status="tobedeleted"),
        Person("p2", "C", "D", "c@d.org", enabled="false"),
        Person("p3", "E", "F", "e@d.org"),
    ]
    _, users = read(CsvPackage("1.1", people).write_folder(tmp_path / "x"))
    assert [user.is_leaving for user in users] == [True, True, False]


def test_a_delta_package_says_it_carries_changes_only(tmp_path: Path):
    for mode, expected in (("delta", True), ("bulk", False)):
        package = CsvPackage("1.2", users_mode=mode).write_zip(tmp_path / f"{mode}.zip")
        with CsvSource(package) as source:
            source.schools()
            assert source.changes_only is expected


def test_lf_line_ends_and_no_byte_order_mark_read_the_same(tmp_path: Path):
    package = CsvPackage("1.1", bom=False)
    files = {name: text.replace("\r\n", "\n") for name, text in package.files().items()}
    folder = tmp_path / "lf"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8", newline="")
    assert read(folder) == read(package.write_folder(tmp_path / "crlf"))


# --- drop folders ----------------------------------------------------------------------------


def test_a_drop_folder_reads_its_newest_complete_zip(tmp_path: Path):
    drop = tmp_path / "drop"
    old = [Person("old", "Old", "One", "old@d.org")]
    new = [Person("new", "New", "One", "new@d.org")]
    aged(CsvPackage("1.2", old).write_zip(drop / "monday.zip"), 86_400)
    newest = aged(CsvPackage("1.2", new).write_zip(drop / "tuesday.zip"), 3_600)
    whole = CsvPackage("1.2", [Person("wip", "W", "I", "w@d.org")]).write_zip(tmp_path / "w.zip")
    (drop / "wednesday.zip").write_bytes(whole.read_bytes()[:200])  # being copied in
    aged(drop / "wednesday.zip", 600)
    (drop / "thursday.zip").write_bytes(whole.read_bytes())  # complete, but changed just now
    with CsvSource(drop) as source:
        source.authenticate()
        users = [user.sourced_id for page in source.user_pages() for user in page.records]
        assert source.package_file == newest
    assert users == ["new"]


def test_a_drop_folder_with_no_complete_zip_says_so(tmp_path: Path):
    drop = tmp_path / "drop"
    drop.mkdir()
    (drop / "half.zip").write_bytes(b"PK\x03\x04 not yet")
    aged(drop / "half.zip", 600)
    with pytest.raises(PackageMissingError, match="no complete"), CsvSource(drop) as source:
        source.authenticate()


def test_a_path_that_does_not_exist_is_missing(tmp_path: Path):
    with pytest.raises(PackageMissingError, match="cannot find"):
        CsvSource(tmp_path / "nowhere").authenticate()


# --- refusals ----------------------------------------------------------------------------------


def refusal(path: Path) -> str:
    with pytest.raises(PackageRefusedError) as refused, CsvSource(path) as source:
        source.schools()
        for _page in source.user_pages():
            pass
    return refused.value.message


def test_a_missing_column_is_refused_by_name(tmp_path: Path):
    package = CsvPackage("1.2")
    package.overrides["users.csv"] = package.text("users.csv").replace("givenName", "given")
    message = refusal(package.write_zip(tmp_path / "x.zip"))
    assert message.startswith("users.csv has no column givenName.")


@pytest.mark.parametrize("version", ["1.1", "1.2"])
def test_a_missing_file_is_refused_by_name(tmp_path: Path, version: str):
    missing = "roles.csv" if version == "1.2" else "users.csv"
    package = CsvPackage(version, overrides={missing: None})
    assert f"has no {missing}" in refusal(package.write_folder(tmp_path / "x"))


def test_a_missing_manifest_is_refused(tmp_path: Path):
    package = CsvPackage("1.2", overrides={"manifest.csv": None})
    assert "has no manifest.csv" in refusal(package.write_zip(tmp_path / "x.zip"))


def test_an_unknown_version_is_refused(tmp_path: Path):
    package = CsvPackage("1.2")
    manifest = package.text("manifest.csv").replace(
        "oneroster.version,1.2", "oneroster.version,2.0"
    )
    package.overrides["manifest.csv"] = manifest
    assert "RosterSync reads OneRoster CSV 1.1 and 1.2" in refusal(
        package.write_folder(tmp_path / "x")
    )


@pytest.mark.parametrize("bad", ['p9,,,true,x,,"Ann"x,B,x\r\n', 'p9,,,true,x,,"Ann,B,x\r\n'])
def test_bad_quoting_is_refused_with_its_line(tmp_path: Path, bad: str):
    package = CsvPackage("1.2")
    package.overrides["users.csv"] = package.text("users.csv") + bad
    message = refusal(package.write_zip(tmp_path / "x.zip"))
    assert message.startswith("users.csv could not be read at line")
    assert "not valid CSV" in message


def test_text_that_is_not_utf8_is_refused(tmp_path: Path):
    folder = CsvPackage("1.1").write_folder(tmp_path / "x")
    with (folder / "users.csv").open("ab") as users:
        users.write(b"p9,,,true,sch-1,student,x,,Jos\xe9,B,x\r\n")
    assert "not UTF-8" in refusal(folder)


@pytest.mark.parametrize("name", ["../escape.csv", "/etc/evil.csv", "a/../../x.csv", "C:/x.csv"])
def test_a_zip_with_a_path_outside_its_folder_is_refused(tmp_path: Path, name: str):
    path = CsvPackage("1.2").write_zip(tmp_path / "x.zip")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr(zipfile.ZipInfo(name), b"x")
    assert "leads outside its folder" in refusal(path)


def claim_size(path: Path, member: str, size: int) -> None:
    """Rewrite the sizes a zip's headers declare for ``member`` (the data stays small)."""
    data = bytearray(path.read_bytes())
    encoded = member.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            if data[start + name_at : start + name_at + len(encoded)] == encoded:
                data[start + size_at : start + size_at + 4] = struct.pack("<I", size)
            start += 4
    path.write_bytes(bytes(data))


def test_a_zip_claiming_two_gigabytes_is_refused_unread(tmp_path: Path):
    path = CsvPackage("1.2").write_zip(tmp_path / "x.zip")
    claim_size(path, "users.csv", 2_000_000_000)
    assert "2.0 GB unpacked" in refusal(path)


def test_a_member_larger_than_it_claims_is_not_read_past_its_claim(tmp_path: Path):
    path = CsvPackage("1.2").write_zip(tmp_path / "x.zip")
    claim_size(path, "users.csv", 100)
    assert "zip file is damaged" in refusal(path)


def test_a_file_that_is_not_a_zip_is_refused(tmp_path: Path):
    path = tmp_path / "export.zip"
    path.write_text("sourcedId,name\n")
    assert "is not a zip file" in refusal(path)


def test_reading_stops_when_canceled(tmp_path: Path):
    people = [Person(f"p{i}", "A", "B", f"a{i}@d.org") for i in range(30)]
    cancel = threading.Event()
    source = CsvSource(
        CsvPackage("1.2", people).write_zip(tmp_path / "x.zip"), cancel=cancel, page_size=10
    )
    pages = source.user_pages()
    next(pages)
    cancel.set()
    with pytest.raises(CanceledError):
        next(pages)
    source.close()


def test_reading_stops_past_the_size_limit_whatever_the_file_claims(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    folder = CsvPackage("1.1").write_folder(tmp_path / "x")
    monkeypatch.setattr(package_module, "MAX_FILE_BYTES", 400)  # users.csv is larger
    assert "holds more than" in refusal(folder)


def zipped_in_a_folder(
    package: CsvPackage, path: Path, *, mac_extras: bool = False, separator: str = "/"
) -> Path:
    """The package as Windows' and macOS's "compress" make it: its files in a folder (named
    with backslashes by some older Windows tools)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("Roster Export/", b"")
        for name, text in package.files().items():
            archive.writestr(f"Roster Export{separator}{name}", text.encode("utf-8"))
            if mac_extras:
                archive.writestr(f"__MACOSX/Roster Export/._{name}", b"\x00\x05\x16\x07")
        archive.writestr("read me.txt", b"exported nightly")
    return path


@pytest.mark.parametrize(("mac_extras", "separator"), [(False, "/"), (True, "/"), (False, "\\")])
def test_a_zip_of_a_folder_reads_as_the_package_in_it(
    tmp_path: Path, mac_extras: bool, separator: str
):
    path = zipped_in_a_folder(
        CsvPackage("1.2"), tmp_path / "export.zip", mac_extras=mac_extras, separator=separator
    )
    schools, users = read(path)
    assert schools == ["Lincoln Elementary School", "Washington High School"]
    assert [user.sourced_id for user in users] == ["p1", "p2", "p3", "p4", "p5"]


def test_a_zip_holding_two_packages_is_refused_naming_both(tmp_path: Path):
    path = zipped_in_a_folder(CsvPackage("1.2"), tmp_path / "export.zip")
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("Last Year/manifest.csv", CsvPackage("1.2").text("manifest.csv"))
    message = refusal(path)
    assert "more than one OneRoster package" in message
    assert "Roster Export/manifest.csv" in message and "Last Year/manifest.csv" in message
