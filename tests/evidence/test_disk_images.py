"""Disk images as evidence: every container, volume system and file system of the issue, read
through dfVFS and the Sleuth Kit, read-only, with paths any forensic tool finds."""

from __future__ import annotations

import contextlib
import hashlib
import io
import json
import struct
import zlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from footprint.evidence import EvidenceFile, Locator, WalkProblem, read_locator, walk_evidence
from footprint.evidence.disk_images import verify_ewf
from footprint.hashsets import KnownHashStore
from footprint.triage.findings import thumbnail
from footprint.triage.outputs import locator_of
from footprint.triage.service import ScanRequest, scan
from footprint.triage.signals_job import SignalOptions
from tests.conftest import SHARED
from tests.evidence.disk_fixtures import (
    converted,
    exfat_image,
    ext4_image,
    fat_image,
    ntfs_image,
    partitioned,
    split,
)

CONFORMANCE = SHARED / "conformance" / "evidence"

# The README's table: every ext2, ISO 9660 and HFS+ image holds these (path, MD5, SHA-256).
README_FILES = {
    "/a_directory/a_file": (
        "85bebf486af24792085f769afa46717d",
        "4a49638d0e1055fd9e4c17fef7fdf4d6ccf892b6d9c2f64164203c4bfb0ec92d",
    ),
    "/a_directory/another_file": (
        "d54ff73404ed6041a3bd66850b061bff",
        "c7fbc0e821c0871805a99584c6a384533909f68a6bbe9a2a687d28d9f3b10c16",
    ),
    "/passwords.txt": (
        "39cb097008d17660abd0539891a672af",
        "02a2a6af2f1ecf4720d7d49d640f0d0a269a7ec733e41973bdd34f09dad0e252",
    ),
}
SYSLOG = {
    "/Windows/System32/config/syslog": (
        "8b32710e60ce9f650b8b4dcc2b3ee927",
        "0420b023f8dc1b71ff25191ce4ce88d10028f99f99f7c21532611f4c273aeae9",
    )
}
# What macOS itself left on the HFS+ volume beside the README's files: its file-system event
# log, and a_resourcefork (empty data fork; its 17-byte resource fork is a stream of its own).
HFS_EXTRA = {
    "/.fseventsd/00000000171494cb",
    "/.fseventsd/00000000171494cc",
    "/.fseventsd/fseventsd-uuid",
    "/a_directory/a_resourcefork",
    "/a_directory/a_resourcefork/..namedfork/rsrc",
}
CONFORMANCE_IMAGES = {
    "ext2.E01": README_FILES,
    "ext2.split.E01": README_FILES,
    "ext2.qcow2": README_FILES,
    "ext2.vhd": README_FILES,
    "ext2.vmdk": README_FILES,
    "iso9660.raw": {p.upper(): d for p, d in README_FILES.items()},
    "hfsplus.raw": README_FILES,
    "windows_volume.qcow2": SYSLOG,
}


def inside(root: Path) -> tuple[dict[str, EvidenceFile], list[WalkProblem]]:
    """Files found inside the container at `root` by path within it, and the problems."""
    files, problems = {}, []
    for item in walk_evidence([root]):
        if isinstance(item, WalkProblem):
            problems.append(item)
        elif item.locator.parent is not None:
            assert item.path.startswith(f"{root}!/")
            files[item.path.removeprefix(f"{root}!")] = item
    return files, problems


@pytest.mark.parametrize("image", sorted(CONFORMANCE_IMAGES))
def test_each_conformance_image_lists_exactly_its_files(image: str) -> None:
    files, problems = inside(CONFORMANCE / image)
    expected = CONFORMANCE_IMAGES[image]
    extra = HFS_EXTRA if image == "hfsplus.raw" else set()
    assert set(files) == set(expected) | extra
    for path, (md5, sha256) in expected.items():
        data = read_locator(files[path].locator)
        assert (hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest()) == (md5, sha256)
        assert files[path].size == len(data) and files[path].flags == ()
    # the symbolic link is reported, not followed (ISO 9660 and NTFS images have none)
    links = {p.path.removeprefix(f"{CONFORMANCE / image}!") for p in problems}
    assert links == (set() if image.startswith(("iso", "windows")) else {"/a_link"})


def test_the_second_segment_of_a_split_e01_is_not_opened_by_itself() -> None:
    walked = [i for i in walk_evidence([CONFORMANCE]) if isinstance(i, EvidenceFile)]
    containers = {Path(i.path).name: i.container for i in walked if i.locator.parent is None}
    assert containers["ext2.split.E01"] == "disk-image"
    assert containers["ext2.split.E02"] is None
    assert containers["README.md"] is None


def test_e01_acquisition_hash_is_verified_and_tampering_is_reported(tmp_path: Path) -> None:
    good = verify_ewf(str(CONFORMANCE / "ext2.E01"))
    assert good["verified"] is True and good["stored"]["md5"] == good["computed"]["md5"]
    split_e01 = verify_ewf(str(CONFORMANCE / "ext2.split.E01"))
    assert split_e01["verified"] is True  # read over both segments
    data = bytearray((CONFORMANCE / "ext2.E01").read_bytes())
    at = data.find(bytes.fromhex(good["stored"]["md5"]))
    data[at] ^= 0xFF  # the stored hash changed, its section checksum made to agree
    data[at + 32 : at + 36] = struct.pack("<I", zlib.adler32(bytes(data[at : at + 32])))
    (tmp_path / "altered.E01").write_bytes(data)
    altered = verify_ewf(str(tmp_path / "altered.E01"))
    assert altered["verified"] is False and altered["computed"] == good["computed"]


def test_scanning_the_conformance_folder_reports_evidence_digests_and_verification(
    tmp_path: Path,
) -> None:
    store = KnownHashStore(tmp_path / "sets.sqlite")
    before = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in CONFORMANCE.iterdir()}
    try:
        summary = scan(store, ScanRequest([CONFORMANCE], [], tmp_path / "out", SignalOptions(), 2))
    finally:
        store.close()
    after = {p.name: (p.stat().st_mtime_ns, p.read_bytes()) for p in CONFORMANCE.iterdir()}
    assert before == after  # read-only: not a byte nor a time changed
    evidence = {Path(e["path"]).name: e for e in summary["evidence"]}
    assert set(evidence) == set(CONFORMANCE_IMAGES)
    e01 = evidence["ext2.E01"]
    raw = (CONFORMANCE / "ext2.E01").read_bytes()
    assert e01["digests"]["sha256"] == hashlib.sha256(raw).hexdigest()
    assert e01["format"] == "EWF" and e01["acquisition"]["verified"] is True
    assert (
        evidence["ext2.qcow2"]["format"] == "QCOW" and "acquisition" not in evidence["ext2.qcow2"]
    )
    findings = [json.loads(line) for line in (tmp_path / "out/findings.jsonl").open()]
    named = {f["path"].removeprefix(str(CONFORMANCE) + "/"): f for f in findings}
    assert (
        named["ext2.vmdk!/a_directory/a_file"]["signals"]["md5"]
        == README_FILES["/a_directory/a_file"][0]
    )
    assert named["ext2.E01!/passwords.txt"]["locator"]["parent"]["path"] == str(
        CONFORMANCE / "ext2.E01"
    )
    assert summary["files"] == len(findings)
    report = (tmp_path / "out/report.html").read_text()
    assert "Evidence opened" in report and "verified (md5)" in report
    assert f"<code>{CONFORMANCE / 'ext2.split.E01'}</code>" in report


def _png(seed: int) -> bytes:
    image = Image.new("RGB", (64, 48), (seed * 40 % 256, 90, 160))
    for x in range(0, 64, 8):
        image.paste((255 - x * 3, x * 4, seed * 20 % 256), (x, 0, x + 4, 48))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@pytest.fixture(scope="module")
def disks(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """GPT (FAT with a deleted picture, ext4), MBR (NTFS with a hidden stream, exFAT), and the
    GPT disk split into three raw segments."""
    folder = tmp_path_factory.mktemp("disks")
    fat = fat_image(
        folder / "fat.img",
        {"DCIM/keep.png": _png(1), "DCIM/gone.png": _png(2)},
        deleted=("DCIM/gone.png",),
    )
    ext = ext4_image(folder / "ext.img", {"home/alice/Pictures/x.png": _png(3)})
    ntfs = ntfs_image(
        folder / "ntfs.img", {"notes.txt": b"nothing here"}, {"notes.txt:secret.png": _png(4)}
    )
    exfat = exfat_image(folder / "exfat.img")
    disks = {
        "gpt": partitioned(folder / "laptop.raw", "gpt", [fat, ext]),
        "mbr": partitioned(folder / "usb.raw", "dos", [ntfs, exfat]),
    }
    disks["split"] = split(disks["gpt"], 3)[0]
    return disks


def test_gpt_disk_lists_both_partitions_and_flags_the_deleted_picture(
    disks: dict[str, Path],
) -> None:
    files, _ = inside(disks["gpt"])
    assert set(files) == {"/p1/DCIM/keep.png", "/p1/DCIM/_one.png", "/p2/home/alice/Pictures/x.png"}
    deleted = files["/p1/DCIM/_one.png"]  # FAT keeps all but the first letter of the name
    assert deleted.flags == ("deleted",)
    assert read_locator(deleted.locator) == _png(2)  # its clusters are still there
    assert read_locator(files["/p2/home/alice/Pictures/x.png"].locator) == _png(3)
    assert files["/p1/DCIM/keep.png"].flags == ()


def test_mbr_disk_with_ntfs_stream_and_empty_exfat(disks: dict[str, Path]) -> None:
    files, problems = inside(disks["mbr"])
    assert set(files) == {"/p1/notes.txt", "/p1/notes.txt:secret.png"}
    assert read_locator(files["/p1/notes.txt:secret.png"].locator) == _png(4)
    assert problems == []


def test_split_raw_image_opens_from_its_first_segment(disks: dict[str, Path]) -> None:
    files, _ = inside(disks["split"])
    assert {p: read_locator(f.locator) for p, f in files.items()} == {
        p: read_locator(f.locator) for p, f in inside(disks["gpt"])[0].items()
    }


@pytest.mark.parametrize(
    ("fmt", "options"),
    [
        ("qcow2", ""),
        ("vpc", ""),  # VHD, dynamic: a header at the start
        ("vpc", "subformat=fixed"),  # VHD, fixed: the raw disk and a footer at the end
        ("vhdx", ""),
        ("vmdk", ""),
        ("vmdk", "subformat=streamOptimized"),
    ],
)
def test_virtual_disks_hold_what_the_raw_disk_holds(
    disks: dict[str, Path], fmt: str, options: str
) -> None:
    virtual = converted(disks["gpt"], fmt, options)
    expected = {p: read_locator(f.locator) for p, f in inside(disks["gpt"])[0].items()}
    files, problems = inside(virtual)
    assert {p: read_locator(f.locator) for p, f in files.items()} == expected
    assert files["/p1/DCIM/_one.png"].flags == ("deleted",)
    assert problems == []


def test_a_picture_inside_a_disk_image_is_drawn_through_the_resolver(
    disks: dict[str, Path], tmp_path: Path
) -> None:
    store = KnownHashStore(tmp_path / "sets.sqlite")
    try:
        summary = scan(store, ScanRequest([disks["gpt"]], [], tmp_path / "out", SignalOptions(), 1))
    finally:
        store.close()
    assert summary["files_flagged"] == {"deleted": 1}
    findings = [json.loads(line) for line in (tmp_path / "out/findings.jsonl").open()]
    picture = next(f for f in findings if f["path"].endswith("!/p2/home/alice/Pictures/x.png"))
    assert picture["media_type"] == "image/png" and "pdq" in picture["signals"]
    with Image.open(io.BytesIO(thumbnail(locator_of(picture), reveal=False))) as drawn:
        assert drawn.mode == "L" and max(drawn.size) <= 160


@pytest.mark.parametrize("ref", ["", "|", "|x", "/p9|12", "|12|nope", "|99999999", "|2|128:"])
def test_a_locator_edited_in_a_findings_file_fails_as_unreadable(ref: str) -> None:
    image = Locator("folder", str(CONFORMANCE / "ext2.E01"))
    with pytest.raises(OSError):
        read_locator(Locator("disk-image", "/passwords.txt", image, ref))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.integers(min_value=0, max_value=12121), flip=st.integers(0, 12121))
def test_damaged_images_give_problems_never_a_crash(tmp_path: Path, cut: int, flip: int) -> None:
    data = bytearray((CONFORMANCE / "ext2.E01").read_bytes())
    if flip < len(data):
        data[flip] ^= 0x5A
    damaged = tmp_path / "damaged.E01"
    damaged.write_bytes(bytes(data[: max(cut, 1)]))
    for item in walk_evidence([damaged]):  # every item is a file or a problem, nothing raises
        assert isinstance(item, EvidenceFile | WalkProblem)
        if isinstance(item, EvidenceFile) and item.locator.parent is not None:
            with contextlib.suppress(OSError):  # the scan records it as unreadable
                read_locator(item.locator)
