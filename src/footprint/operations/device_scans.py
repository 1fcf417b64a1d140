"""Triage scans of seized devices, as a force reviews them: the scans its examiners may link
(finished scans under `<scans_dir>/<force code>/`), a device's scan summary and filtered
findings, and thumbnails of its files for the roles allowed to see imagery.

Every read is audited under the case; every thumbnail drawn is audited with the file and whether
it was revealed. Another force's device reads as "not found"."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from footprint.errors import Conflict
from footprint.hashsets.model import SEVERITY, UnifiedCategory
from footprint.operations.case_view import (
    CaseView,
    add_to_case,
    case_view,
    checked_day,
    held_case,
    writable_case,
)
from footprint.operations.outcomes import OutcomeError
from footprint.operations.scan_files import TakenFiles, take_scan_files
from footprint.operations.scoping import require_visible, scoped_unit_of_work
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.permissions import Action, allows, require
from footprint.store import Database
from footprint.store.models import Case, SeizedDevice
from footprint.triage.export import ExportCounts, Included, export_scan
from footprint.triage.findings import FindingRow, Shown, finding_at, select_findings, thumbnail
from footprint.triage.outputs import FINDINGS, SUMMARY, ScanOutputs, locator_of


@dataclass(frozen=True, slots=True)
class DeviceScanView:
    case_id: int
    device_id: int
    exhibit_ref: str
    description: str
    scan: str | None  # the scan folder's name; None until one is linked
    summary: dict[str, Any] = field(default_factory=dict)
    summary_unchanged: bool = True  # summary.json is the one hashed when the scan was linked
    findings: list[FindingRow] = field(default_factory=list)
    matching: int = 0  # findings that pass the filters (the page holds at most `limit`)
    may_see_imagery: bool = False
    may_export: bool = False  # the scan, for a review tool (export_device_scan)


def record_device(
    db: Database, actor: Actor, case_id: int, exhibit_ref: str, description: str, seized_on: date
) -> CaseView:
    with scoped_unit_of_work(db, actor, "case", case_id) as session:
        case = writable_case(session, actor, case_id, Action.DEVICE_RECORD)
        add_device(session, actor, case, exhibit_ref, description, seized_on)
        return case_view(session, case)


def add_device(
    session: Session,
    actor: Actor,
    case: Case,
    exhibit_ref: str,
    description: str,
    seized_on: date,
) -> SeizedDevice:
    """A seized device on the case, in the caller's transaction (the actor may record one)."""
    if not exhibit_ref.strip():
        raise OutcomeError("exhibit_ref: a seized device needs its exhibit reference")
    checked_day(session, case, seized_on, "seized_on")
    duplicate = session.scalar(
        select(SeizedDevice).where(
            SeizedDevice.case_id == case.id,
            SeizedDevice.exhibit_ref == exhibit_ref.strip(),
            SeizedDevice.withdrawn_at.is_(None),  # withdrawn in error: recorded again
        )
    )
    if duplicate is not None:
        raise OutcomeError(f"exhibit_ref {exhibit_ref!r}: already recorded on case {case.id}")
    device = SeizedDevice(
        case_id=case.id,
        exhibit_ref=exhibit_ref.strip(),
        description=description.strip(),
        seized_on=seized_on,
        recorded_by=actor.username,
    )
    add_to_case(session, actor, case, device, "case.device")
    return device


def read_scan_counts(scan_dir: Path) -> tuple[dict[str, int], str]:
    """Matched files per category from a finished triage scan, with the summary's SHA-256."""
    outputs = ScanOutputs(scan_dir)
    if not outputs.summary.is_file() or not outputs.manifest.is_file():
        raise OutcomeError(f"scan_dir {scan_dir}: not a footprint scan output (no {SUMMARY})")
    if not outputs.complete():
        raise OutcomeError(f"scan_dir {scan_dir}: the scan has not finished; resume it first")
    if not outputs.findings.is_file():
        raise OutcomeError(f"scan_dir {scan_dir}: not a footprint scan output (no {FINDINGS})")
    raw = outputs.summary.read_bytes()
    by_category = json.loads(raw)["matched_files_by_category"]
    counts = {str(category): int(by_category.get(category, 0)) for category in SEVERITY}
    return counts, hashlib.sha256(raw).hexdigest()


@dataclass(frozen=True, slots=True)
class LinkedScan:
    """A scan linked to a device: the case as it stands, and the scan's files taken as rows
    (with what people decided on the scan linked before that they took)."""

    case: CaseView
    taken: TakenFiles


def link_device_scan(db: Database, actor: Actor, device_id: int, scan_dir: Path) -> CaseView:
    """Attach a triage scan to a seized device; its counts feed the case's charging summary."""
    return link_scan(db, actor, device_id, scan_dir).case


def link_scan(db: Database, actor: Actor, device_id: int, scan_dir: Path) -> LinkedScan:
    """`link_device_scan`, saying what the link took (for a caller that tells the examiner)."""
    counts, digest = read_scan_counts(scan_dir)
    with scoped_unit_of_work(db, actor, "device", device_id) as session:
        device = session.get(SeizedDevice, device_id)
        if device is None:
            raise LookupError(f"device {device_id}: not found")
        case_id = device.case_id
        case = session.get_one(Case, case_id)
        require_visible(actor, case.force.code, f"device {device_id}")  # names no case
        require(actor, Action.DEVICE_RECORD, f"case {case_id}")
        taken = attach_scan(session, actor, device, scan_dir, counts, digest)
        return LinkedScan(case_view(session, case), taken)


def attach_scan(
    session: Session,
    actor: Actor,
    device: SeizedDevice,
    scan_dir: Path,
    counts: dict[str, int],
    digest: str,
) -> TakenFiles:
    """Link a read scan (read_scan_counts) to a device, in the caller's transaction (the actor
    may record on its case): its files become rows to act on, its counts the device's."""
    _refuse_second_exhibit(session, device, scan_dir.resolve())
    device.scan_dir, device.scan_summary_sha256 = str(scan_dir.resolve()), digest
    taken = take_scan_files(session, device, scan_dir)
    audit.record(
        session,
        actor,
        "case.device-scan",
        "case",
        device.case_id,
        device=device.id,
        summary=digest,
        files_to_act_on=taken.files,
        matched=counts,
        carried=taken.carried,
    )
    return taken


def _refuse_second_exhibit(session: Session, device: SeizedDevice, scan_dir: Path) -> None:
    """One scan is one exhibit's: linked to a second, its files would count twice in charging."""
    other = session.scalar(
        select(SeizedDevice).where(
            SeizedDevice.scan_dir == str(scan_dir),
            SeizedDevice.id != device.id,
            SeizedDevice.withdrawn_at.is_(None),  # a withdrawn device frees its scan
        )
    )
    if other is not None:
        raise Conflict(
            f"scan {scan_dir.name}: already linked to exhibit {other.exhibit_ref} of case "
            f"{other.case_id}; a scan belongs to one exhibit"
        )


def force_scans(scans_dir: Path, force: str) -> list[str]:
    """Finished scans a force's examiners may link: folders under the force's own folder."""
    folder = scans_dir / force
    if not folder.is_dir():
        return []
    return sorted(scan.name for scan in folder.iterdir() if ScanOutputs(scan).complete())


def linkable_scans(db: Database, actor: Actor, scans_dir: Path, case_id: int) -> list[str]:
    """The finished scans of the case's force not yet linked to an exhibit, for linking to one of
    its devices (a scan is one exhibit's)."""
    with scoped_unit_of_work(db, actor, "case", case_id) as session:
        force = held_case(session, actor, case_id).force.code
        folder = (scans_dir / force).resolve()
        linked = set(
            session.scalars(
                select(SeizedDevice.scan_dir).where(
                    SeizedDevice.scan_dir.like(f"{folder}{os.sep}%"),
                    SeizedDevice.withdrawn_at.is_(None),
                )
            )
        )
        audit.record_read(session, actor, "case.scans-list", "case", case_id)
    return [name for name in force_scans(scans_dir, force) if str(folder / name) not in linked]


def link_named_scan(
    db: Database, actor: Actor, scans_dir: Path, case_id: int, device_id: int, scan: str
) -> CaseView:
    """Link one of the case's force's finished scans, named as `force_scans` lists it."""
    with scoped_unit_of_work(db, actor, "case", case_id) as session:
        case, _device = _device_of(session, actor, case_id, device_id)
        force = case.force.code
    if scan not in force_scans(scans_dir, force):  # a bare name: no path leaves the folder
        raise ValueError(f"scan: {scan!r} is not a finished scan of {force}")
    return link_device_scan(db, actor, device_id, scans_dir / force / scan)


def _device_of(
    session: Session, actor: Actor, case_id: int, device_id: int
) -> tuple[Case, SeizedDevice]:
    case = held_case(session, actor, case_id)
    device = session.get(SeizedDevice, device_id)
    if device is None or device.case_id != case_id:
        raise LookupError(f"device {device_id}: not found on case {case_id}")
    return case, device


def _device_view(actor: Actor, device: SeizedDevice) -> DeviceScanView:
    """The device, its scan's name if one is linked, and whether the actor may see imagery."""
    return DeviceScanView(
        device.case_id,
        device.id,
        device.exhibit_ref,
        device.description,
        Path(device.scan_dir).name if device.scan_dir else None,
        may_see_imagery=allows(actor, Action.IMAGERY_VIEW),
        may_export=allows(actor, Action.DEVICE_EXPORT),
    )


def _summary(device: SeizedDevice) -> tuple[dict[str, Any], bool]:
    """The scan's summary and whether it is the one hashed when linked; a scan folder no
    longer on this server reads as an empty summary that has changed."""
    try:
        raw = ScanOutputs(Path(str(device.scan_dir))).summary.read_bytes()
    except OSError:
        return {}, False
    return json.loads(raw), hashlib.sha256(raw).hexdigest() == device.scan_summary_sha256


def export_device_scan(
    db: Database,
    actor: Actor,
    case_id: int,
    device_id: int,
    out: IO[str],
    fmt: str = "vics",
    include: Included = Included.MEDIA,
    uk_codes: Mapping[int, UnifiedCategory] | None = None,
) -> ExportCounts:
    """The device's linked scan for a review tool (triage/export.py; a VICS case named after
    the exhibit by default), audited under the case with what went out. A summary changed since
    the scan was linked is refused: what would go out is not what was examined."""
    with scoped_unit_of_work(db, actor, "case", case_id) as session:
        _case, device = _device_of(session, actor, case_id, device_id)
        require(actor, Action.DEVICE_EXPORT, f"case {case_id}")
        if not device.scan_dir:
            raise Conflict(f"device {device_id}: no scan linked to export")
        if not _summary(device)[1]:
            raise Conflict(
                f"device {device_id}: the scan summary on disk no longer matches the digest "
                "recorded when it was linked; re-examine before exporting"
            )
        counts = export_scan(
            Path(device.scan_dir),
            out,
            fmt,
            include=include,
            case_number=device.exhibit_ref,
            uk_codes=uk_codes,
        )
        audit.record(
            session,
            actor,
            "case.scan-export",
            "case",
            case_id,
            device=device_id,
            format=fmt,
            include=str(include),
            records=counts.records,
            files=counts.files,
        )
        return counts


def device_scan(
    db: Database,
    actor: Actor,
    case_id: int,
    device_id: int,
    shown: Shown = Shown.MATCHED,
    category: str | None = None,
    text: str = "",
    offset: int = 0,
    limit: int = 100,
) -> DeviceScanView:
    with scoped_unit_of_work(db, actor, "case", case_id) as session:
        _case, device = _device_of(session, actor, case_id, device_id)
        view = _device_view(actor, device)
        if device.scan_dir:
            scan_dir = Path(device.scan_dir)
            summary, unchanged = _summary(device)
            rows: list[FindingRow] = []
            matching = 0
            if ScanOutputs(scan_dir).findings.is_file():
                rows, matching = select_findings(scan_dir, shown, category, text, offset, limit)
            view = replace(
                view, summary=summary, summary_unchanged=unchanged, findings=rows, matching=matching
            )
        audit.record_read(
            session, actor, "case.scan-read", "case", case_id, device=device_id, shown=str(shown)
        )
        return view


def device_finding(
    db: Database, actor: Actor, case_id: int, device_id: int, index: int
) -> tuple[DeviceScanView, dict[str, Any]]:
    """One finding of the device's scan, whole (hashes, signals, matches), with the device."""
    with scoped_unit_of_work(db, actor, "case", case_id) as session:
        _case, device = _device_of(session, actor, case_id, device_id)
        if not device.scan_dir:
            raise LookupError(f"device {device_id}: no triage scan linked")
        finding = finding_at(Path(device.scan_dir), index)
        view = _device_view(actor, device)
        audit.record_read(
            session, actor, "case.finding-read", "case", case_id, device=device_id, finding=index
        )
        return view, finding


def finding_thumbnail(
    db: Database, actor: Actor, case_id: int, device_id: int, index: int, reveal: bool
) -> bytes:
    """A seized file's picture for an examiner: greyscale, blurred unless `reveal`; audited."""
    with scoped_unit_of_work(db, actor, "case", case_id) as session:
        _case, device = _device_of(session, actor, case_id, device_id)
        require(actor, Action.IMAGERY_VIEW, f"case {case_id}")
        if not device.scan_dir or not ScanOutputs(Path(device.scan_dir)).findings.is_file():
            raise LookupError(f"device {device_id}: no triage scan linked")
        finding = finding_at(Path(device.scan_dir), index)
        if not (finding.get("media_type") or "").startswith("image/"):
            raise LookupError(f"finding {index}: not an image")
        picture = thumbnail(locator_of(finding), reveal)
        audit.record_read(
            session,
            actor,
            "case.imagery-view",
            "case",
            case_id,
            device=device_id,
            finding=index,
            path=finding["path"],
            revealed=reveal,
        )
        return picture
