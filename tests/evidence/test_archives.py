"""Archives inside evidence, built in the test: nested, bombs, encrypted, damaged."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import tarfile
import zipfile
from pathlib import Path

import py7zr
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from footprint.evidence import (
    EvidenceFile,
    Locator,
    WalkProblem,
    archives,
    read_locator,
    walk_evidence,
)
from footprint.hashsets import ImportOptions, KnownHashStore, import_file
from footprint.triage.service import ScanRequest, scan
from footprint.triage.signals_job import SignalOptions
from tests.evidence.disk_fixtures import ext4_image


def picture(seed: int) -> bytes:
    image = Image.new("RGB", (96, 64), (seed * 50 % 256, 120, 30))
    for x in range(0, 96, 12):
        image.paste((x * 2, 255 - x * 2, seed * 30 % 256), (x, 0, x + 6, 64))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def tar_bytes(members: dict[str, bytes], mode: str = "w:gz") -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode=mode) as archive:  # type: ignore[call-overload]
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


def seven_zip(path: Path, members: dict[str, bytes], password: str | None = None) -> Path:
    with py7zr.SevenZipFile(path, "w", password=password) as archive:
        if password:
            archive.set_encrypted_header(False)
        for name, data in members.items():
            archive.writestr(data, name)
    return path


def walked(root: Path) -> tuple[dict[str, EvidenceFile], dict[str, WalkProblem]]:
    files, problems = {}, {}
    for item in walk_evidence([root]):
        where = item.path.removeprefix(str(root))
        if isinstance(item, WalkProblem):
            problems[where] = item
        else:
            files[where] = item
    return files, problems


def test_nested_archives_are_opened_with_bang_paths(tmp_path: Path) -> None:
    inner_7z = seven_zip(tmp_path / "notes.7z", {"diary/today.txt": b"dear diary"})
    tgz = tar_bytes({"camera/photo.png": picture(1), "old.7z": inner_7z.read_bytes()})
    (tmp_path / "evidence").mkdir()
    (tmp_path / "evidence/backup.zip").write_bytes(
        zip_bytes({"phone/pics.tar.gz": tgz, "readme.txt": b"hello"})
    )
    for mode, name in (("w:bz2", "a.tar.bz2"), ("w:xz", "a.tar.xz"), ("w", "a.tar")):
        (tmp_path / "evidence" / name).write_bytes(tar_bytes({"x.txt": name.encode()}, mode))
    files, problems = walked(tmp_path / "evidence")
    assert problems == {}
    contents = {p: read_locator(f.locator) for p, f in files.items() if f.locator.parent}
    assert contents == {
        "/backup.zip!/phone/pics.tar.gz": tgz,
        "/backup.zip!/phone/pics.tar.gz!/camera/photo.png": picture(1),
        "/backup.zip!/phone/pics.tar.gz!/old.7z": inner_7z.read_bytes(),
        "/backup.zip!/phone/pics.tar.gz!/old.7z!/diary/today.txt": b"dear diary",
        "/backup.zip!/readme.txt": b"hello",
        "/a.tar!/x.txt": b"a.tar",
        "/a.tar.bz2!/x.txt": b"a.tar.bz2",
        "/a.tar.xz!/x.txt": b"a.tar.xz",
    }
    assert files["/backup.zip"].container == "zip"
    assert files["/backup.zip!/phone/pics.tar.gz"].container == "tar"
    assert files["/backup.zip!/phone/pics.tar.gz!/old.7z"].container == "7z"


def test_a_zip_bomb_is_a_finding_not_a_full_disk(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.zip"
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive,
        archive.open("zeros.bin", "w", force_zip64=True) as member,
    ):
        for _ in range(80):
            member.write(bytes(1024 * 1024))
    assert bomb.stat().st_size < 1024 * 1024
    files, problems = walked(bomb)
    assert set(files) == {""}  # the archive itself, hashed as a file; nothing inside listed
    assert problems[""].code == archives.ARCHIVE_LIMIT and "bomb" in problems[""].message


def test_a_tar_bomb_is_a_finding_too(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.tar.gz"
    with tarfile.open(bomb, "w:gz", compresslevel=9) as archive:
        info = tarfile.TarInfo("zeros.bin")
        info.size = 80 * 1024 * 1024
        archive.addfile(info, io.BytesIO(bytes(info.size)))
    files, problems = walked(bomb)
    assert set(files) == {""} and problems[""].code == archives.ARCHIVE_LIMIT


def test_entry_and_byte_limits_stop_an_archive(tmp_path: Path, monkeypatch) -> None:
    many = tmp_path / "many.zip"
    many.write_bytes(zip_bytes({f"f{i}.txt": b"x" for i in range(10)}))
    monkeypatch.setattr(archives, "MAX_ENTRIES", 5)
    files, problems = walked(many)
    assert set(files) == {""} and "10 entries" in problems[""].message
    monkeypatch.setattr(archives, "MAX_ENTRIES", 100)
    monkeypatch.setattr(archives, "MAX_TOTAL_BYTES", 9)
    files, problems = walked(many)
    assert set(files) == {""} and "declares 10 bytes" in problems[""].message


def test_encrypted_members_and_archives_are_recorded(tmp_path: Path) -> None:
    data = bytearray(zip_bytes({"secret.png": picture(2), "open.txt": b"plain"}))
    at = 0  # set the "encrypted" flag on secret.png in its local and central headers
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
        at = data.find(signature)
        data[at + offset] |= 0x1
    (tmp_path / "locked.zip").write_bytes(data)
    files, problems = walked(tmp_path / "locked.zip")
    assert set(files) == {"", "!/open.txt"}
    assert problems["!/secret.png"].code == archives.ENCRYPTED
    seven_zip(tmp_path / "locked.7z", {"a.png": picture(3)}, password="s3cret")
    files, problems = walked(tmp_path / "locked.7z")
    assert set(files) == {""} and problems["!/a.png"].code == archives.ENCRYPTED
    with py7zr.SevenZipFile(tmp_path / "hidden.7z", "w", password="s3cret") as archive:
        archive.set_encrypted_header(True)
        archive.writestr(b"names hidden too", "x.txt")
    files, problems = walked(tmp_path / "hidden.7z")
    assert set(files) == {""} and problems[""].code == archives.ENCRYPTED


def test_rar_is_recorded_not_opened(tmp_path: Path) -> None:
    (tmp_path / "a.rar").write_bytes(b"Rar!\x1a\x07\x01\x00" + bytes(64))
    files, problems = walked(tmp_path / "a.rar")
    assert set(files) == {""} and problems[""].code == "unsupported_archive"


def test_a_member_never_yields_more_than_it_declared(tmp_path: Path) -> None:
    data = bytearray(zip_bytes({"a.txt": b"A" * 1000}, zipfile.ZIP_STORED))
    central = data.find(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")  # claims 10 bytes
    (tmp_path / "liar.zip").write_bytes(data)
    files, _ = walked(tmp_path / "liar.zip")
    assert files["!/a.txt"].size == 10
    with contextlib.suppress(OSError):  # a checksum error is also a fair answer
        assert len(read_locator(files["!/a.txt"].locator)) <= 10


def test_a_known_picture_in_a_zip_in_a_disk_image_matches(tmp_path: Path) -> None:
    known = picture(7)
    disk = ext4_image(
        tmp_path / "disk.raw",
        {"home/bob/holiday.zip": zip_bytes({"beach/img.png": known}), "home/bob/x.txt": b"x"},
    )
    csv = tmp_path / "known.csv"
    csv.write_text(f"md5,category\n{hashlib.md5(known).hexdigest()},A\n")
    store = KnownHashStore(tmp_path / "sets.sqlite")
    try:
        import_file(store, csv, "known", ImportOptions())
        summary = scan(store, ScanRequest([disk], ["known"], tmp_path / "out", SignalOptions(), 2))
    finally:
        store.close()
    findings = {
        f["path"].removeprefix(str(disk)): f
        for f in map(json.loads, (tmp_path / "out/findings.jsonl").open())
    }
    hit = findings["!/home/bob/holiday.zip!/beach/img.png"]
    assert [(m["kind"], m["category"]) for m in hit["matches"]] == [("md5", "A")]
    assert hit["locator"]["parent"]["source"] == "disk-image"
    assert summary["matched_files_by_category"]["A"] == 1
    assert {e["container"] for e in summary["evidence"]} == {"disk-image", "zip"}


@pytest.mark.parametrize("source", ["zip", "tar", "7z"])
@pytest.mark.parametrize("ref", ["", "x", "-99", "99999"])
def test_a_member_reference_edited_in_a_findings_file_fails_as_unreadable(
    tmp_path: Path, source: str, ref: str
) -> None:
    archive = tmp_path / "a.bin"
    if source == "zip":
        archive.write_bytes(zip_bytes({"a.txt": b"a"}))
    elif source == "tar":
        archive.write_bytes(tar_bytes({"a.txt": b"a"}))
    else:
        seven_zip(archive, {"a.txt": b"a"})
    with pytest.raises(OSError):
        read_locator(Locator(source, "/a.txt", Locator("folder", str(archive)), ref))


SAMPLES = {
    "zip": zip_bytes({"a/b.txt": b"hello" * 20, "c.png": picture(4)}),
    "tgz": tar_bytes({"a/b.txt": b"hello" * 20, "c.png": picture(4)}),
}


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    sample=st.sampled_from(sorted(SAMPLES)),
    cut=st.integers(min_value=1, max_value=4000),
    flips=st.lists(st.integers(0, 3999), max_size=4),
)
def test_damaged_archives_give_problems_never_a_crash(
    tmp_path: Path, sample: str, cut: int, flips: list[int]
) -> None:
    data = bytearray(SAMPLES[sample][:cut])
    for at in flips:
        if at < len(data):
            data[at] ^= 0xA5
    damaged = tmp_path / f"damaged.{sample}"
    damaged.write_bytes(bytes(data))
    for item in walk_evidence([damaged]):
        assert isinstance(item, EvidenceFile | WalkProblem)
        if isinstance(item, EvidenceFile) and item.locator.parent is not None:
            with contextlib.suppress(OSError):
                assert len(read_locator(item.locator)) <= item.size
