"""Subjects: resolving an operation's referrals into people, merges with provenance, undo, and
identifier look-ups for deconfliction."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import DateTime, Integer, String, Table, TextualSelect, select, text
from sqlalchemy.orm import Session

from footprint.errors import RecordError
from footprint.hashsets.model import normalise_signal
from footprint.operations.assessments import visible_subject
from footprint.operations.identifiers import (
    STRONG_KINDS,
    IdentifierKind,
    normalise_identifier,
    normalise_ip,
    normalise_postcode,
)
from footprint.operations.resolution import (
    DEFAULT_IP_WINDOW,
    Link,
    ReferralKeys,
    SubjectStatus,
    components,
    find_links,
)
from footprint.operations.scoping import scoped_unit_of_work
from footprint.operations.service import get_operation
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.permissions import Action, require
from footprint.store import Database
from footprint.store.bulk import Row, bulk_stage, insert_rows, reserve_ids
from footprint.store.database import aware_utc, chunks
from footprint.store.models import (
    Operation,
    Referral,
    ReferralFileRow,
    ReferralFileSignal,
    ReferralIdentifier,
    ReferralIpEvent,
    ReferralPostcode,
    Subject,
    SubjectMerge,
    SubjectReferral,
)

REASON_LIMIT = 400


@dataclass(slots=True)
class ResolutionReport:
    subjects_created: int = 0
    merges: int = 0
    referrals_attached: int = 0


BATCH = 5_000


@dataclass(slots=True)
class _Batch:
    """New referrals, and how they link to each other and to subjects that already exist."""

    keys: list[ReferralKeys]
    links: list[Link]  # between new referrals
    hits: list[tuple[int, int, str]]  # (new referral, existing subject, reason)


def _new_keys(session: Session, ids: list[int]) -> list[ReferralKeys]:
    """The batch's identifiers and IP events. Read by id range, which the referral_id indexes
    serve without an IN list of thousands; rows of referrals outside the batch (already
    resolved, or another operation's) are dropped here."""
    connection = session.connection()  # Core rows: the ORM's result handling cost more
    wanted, low, high = set(ids), ids[0], ids[-1]
    sources = {
        rid: source
        for rid, source in connection.execute(
            select(Referral.id, Referral.source).where(Referral.id.between(low, high))
        ).all()  # one fetch, not one per row
        if rid in wanted
    }
    identifiers: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for referral_id, kind, value in connection.execute(
        select(
            ReferralIdentifier.referral_id, ReferralIdentifier.kind, ReferralIdentifier.value
        ).where(ReferralIdentifier.referral_id.between(low, high))
    ).all():
        if referral_id in wanted:
            identifiers[referral_id].add((kind, value))
    events: dict[int, list[tuple[str, int | None, datetime]]] = defaultdict(list)
    for referral_id, ip, port, at in connection.execute(
        select(
            ReferralIpEvent.referral_id,
            ReferralIpEvent.ip,
            ReferralIpEvent.port,
            ReferralIpEvent.at,
        ).where(ReferralIpEvent.referral_id.between(low, high))
    ).all():
        if referral_id in wanted:
            events[referral_id].append((ip, port, aware_utc(at)))
    return [  # .get: indexing the defaultdicts would add an entry per referral without any
        ReferralKeys(
            rid, sources[rid], frozenset(identifiers.get(rid, ())), tuple(events.get(rid, ()))
        )
        for rid in ids
    ]


def _identifier_hits(
    session: Session, operation_id: int, keys: list[ReferralKeys]
) -> list[tuple[int, int, str]]:
    """New referrals sharing a strong identifier with a referral that already has a subject."""
    wanted: dict[str, list[int]] = defaultdict(list)
    for referral in keys:
        for key in referral.strong_keys():
            wanted[key].append(referral.referral_id)
    values = {value for k in keys for kind, value in k.identifiers if kind in STRONG_KINDS}
    hits = []
    connection = session.connection()
    for chunk in chunks(sorted(values)):
        rows = connection.execute(
            select(
                ReferralIdentifier.kind,
                ReferralIdentifier.value,
                Referral.source,
                SubjectReferral.subject_id,
                Referral.operation_id,
            )
            .join(Referral, Referral.id == ReferralIdentifier.referral_id)
            .join(SubjectReferral, SubjectReferral.referral_id == Referral.id)
            .where(ReferralIdentifier.value.in_(chunk))  # the operation is checked below, so
            # that the planner starts from the value index, not from the operation's referrals
        )
        for kind, value, source, subject_id, operation in rows:
            if operation != operation_id:
                continue
            found = ReferralKeys(0, source, frozenset({(kind, value)}))
            for key in found.strong_keys():
                hits += [(rid, subject_id, key) for rid in wanted.get(key, ())]
    return hits


def _socket_hits(
    session: Session, operation_id: int, keys: list[ReferralKeys], window: timedelta
) -> list[tuple[int, int, str]]:
    """New referrals seen on the same IP address and port, within the window, as a referral
    that already has a subject."""
    seen: dict[tuple[str, int], list[tuple[datetime, int]]] = defaultdict(list)
    for referral in keys:
        for ip, port, at in referral.ip_events:
            if port is not None:
                seen[(ip, port)].append((at, referral.referral_id))
    hits = []
    connection = session.connection()
    seconds = int(window.total_seconds())
    for chunk in chunks(sorted(seen), 200):
        rows = connection.execute(_sockets_query(len(chunk)), _socket_params(chunk))
        for ip, port, at, subject_id, operation in rows:
            if operation != operation_id:
                continue
            for new_at, rid in seen.get((ip, port or 0), []):
                if abs(new_at - aware_utc(at)) <= window:
                    hits.append((rid, subject_id, f"ip:{ip}:{port} within {seconds}s"))
    return hits


@lru_cache(maxsize=8)  # built once per size: parsing 400 bind names each time cost seconds
def _sockets_query(count: int) -> TextualSelect:
    """Existing IP events on any of `count` (ip, port) pairs. One (ip = ? AND port = ?) per pair:
    SQLite and PostgreSQL then use the (ip, port) index for each, where SQLite scans the table
    for a row-value IN list. Written as text because building 200 expressions per query cost
    more than the query."""
    pairs = " OR ".join(f"(e.ip = :ip{n} AND e.port = :port{n})" for n in range(count))
    return text(
        "SELECT e.ip, e.port, e.at, s.subject_id, r.operation_id FROM referral_ip_events e "
        "JOIN subject_referrals s ON s.referral_id = e.referral_id "
        f"JOIN referrals r ON r.id = e.referral_id WHERE {pairs}"
    ).columns(
        ip=String,
        port=Integer,
        at=DateTime(timezone=True),
        subject_id=Integer,
        operation_id=Integer,
    )


def _socket_params(chunk: list[tuple[str, int]]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for n, (ip, port) in enumerate(chunk):
        params[f"ip{n}"], params[f"port{n}"] = ip, port
    return params


def _clip(text: str) -> str:
    return text if len(text) <= REASON_LIMIT else text[: REASON_LIMIT - 1] + "…"


def _separated(session: Session) -> set[frozenset[int]]:
    """Subject pairs a person has pulled apart (an undone merge): never merged again."""
    rows = session.execute(
        select(SubjectMerge.survivor_id, SubjectMerge.absorbed_id).where(
            SubjectMerge.undone_at.is_not(None)
        )
    )
    return {frozenset(pair) for pair in rows}


@bulk_stage
def resolve_subjects(
    db: Database,
    actor: Actor,
    operation_name: str,
    ip_window: timedelta = DEFAULT_IP_WINDOW,
    progress: Callable[[int], None] | None = None,
) -> ResolutionReport:
    """Resolve the referrals that have no subject yet, a batch per transaction: each joins the
    subject it links to, merges the subjects it bridges, or starts a new one. Work already done
    is never redone, so a rerun after a crash carries on."""
    require(actor, Action.SUBJECT_RESOLVE)
    report = ResolutionReport()
    after = done = 0
    while True:
        with db.unit_of_work() as session:
            operation = get_operation(session, actor, operation_name)
            ids = list(
                session.scalars(
                    select(Referral.id)
                    .outerjoin(SubjectReferral, SubjectReferral.referral_id == Referral.id)
                    .where(
                        Referral.operation_id == operation.id,
                        Referral.id > after,
                        SubjectReferral.id.is_(None),
                    )
                    .order_by(Referral.id)
                    .limit(BATCH)
                )
            )
            if not ids:
                return report
            after = ids[-1]
            keys = _new_keys(session, ids)
            batch = _Batch(
                keys,
                find_links(keys, ip_window),
                _identifier_hits(session, operation.id, keys)
                + _socket_hits(session, operation.id, keys, ip_window),
            )
            _settle(session, actor, operation.id, batch, report)
        done += len(ids)
        if progress is not None:
            progress(done)  # referrals resolved so far


def _settle(
    session: Session, actor: Actor, operation_id: int, batch: _Batch, report: ResolutionReport
) -> None:
    """Group the batch with the subjects it touches (a subject is node -id), then write."""
    reasons: dict[int, list[str]] = defaultdict(list)
    edges = []
    for link in batch.links:
        edges.append((link.first, link.second))
        reasons[link.first].append(link.reason)
        reasons[link.second].append(link.reason)
    bridged: dict[int, list[str]] = defaultdict(list)
    for referral_id, subject_id, reason in batch.hits:
        edges.append((referral_id, -subject_id))
        reasons[referral_id].append(reason)
        bridged[subject_id].append(reason)
    separated = _separated(session) if batch.hits else set()
    now = datetime.now(UTC)
    groups = components([k.referral_id for k in batch.keys], edges)
    fresh = sum(1 for members in groups if members[0] > 0)  # no existing subject (node < 0)
    created = _new_subjects(session, operation_id, fresh, now)
    new_ids = iter(created)  # in the order of the groups that need one
    attach: list[Row] = []
    for members in groups:
        subject_ids = sorted(-node for node in members if node < 0)
        survivor = subject_ids[0] if subject_ids else next(new_ids)
        for other in subject_ids[1:]:
            if frozenset({survivor, other}) not in separated:
                _merge(session, actor, survivor, other, bridged[other], now)
                report.merges += 1
        for referral_id in sorted(node for node in members if node > 0):
            why = "; ".join(dict.fromkeys(reasons[referral_id])) or "first referral of the subject"
            attach.append((survivor, referral_id, _clip(why)))
    insert_rows(session.connection(), _SUBJECT_REFERRALS, _ATTACH_COLUMNS, attach)
    report.subjects_created += len(created)
    report.referrals_attached += len(attach)
    audit.record(
        session,
        actor,
        "subject.resolve",
        "operation",
        operation_id,
        created=created,
        referrals=[referral_id for _subject, referral_id, _why in attach],
    )


_SUBJECTS = cast(Table, Subject.__table__)
_SUBJECT_REFERRALS = cast(Table, SubjectReferral.__table__)
_ATTACH_COLUMNS = ("subject_id", "referral_id", "reason")


def _new_subjects(session: Session, operation_id: int, count: int, now: datetime) -> list[int]:
    connection = session.connection()
    ids = reserve_ids(connection, _SUBJECTS, count)
    insert_rows(
        connection,
        _SUBJECTS,
        ("id", "operation_id", "status", "created_at"),
        [(subject_id, operation_id, SubjectStatus.ACTIVE, now) for subject_id in ids],
    )
    return ids


def _merge(
    session: Session,
    actor: Actor,
    survivor_id: int,
    absorbed_id: int,
    bridge: list[str],
    now: datetime,
) -> None:
    absorbed = session.get_one(Subject, absorbed_id)
    moved = sorted(sr.referral_id for sr in absorbed.referrals)
    why = _clip("; ".join(dict.fromkeys(bridge)) or "linked referrals")
    for row in list(absorbed.referrals):
        row.subject_id = survivor_id
    absorbed.status, absorbed.merged_into_id = SubjectStatus.MERGED, survivor_id
    merge = SubjectMerge(
        survivor_id=survivor_id,
        absorbed_id=absorbed_id,
        reason=why,
        moved_referral_ids=moved,
        merged_at=now,
        merged_by=actor.username,
    )
    session.add(merge)
    session.flush()
    session.expire(absorbed, ["referrals"])
    audit.record(
        session,
        actor,
        "subject.merge",
        "subject",
        survivor_id,
        absorbed=absorbed_id,
        merge=merge.id,
        reason=why,
    )


def undo_merge(db: Database, actor: Actor, merge_id: int) -> None:
    """Give the absorbed subject its referrals back; the two are never merged again."""
    require(actor, Action.SUBJECT_UNMERGE, f"merge {merge_id}")
    with db.unit_of_work() as session:
        _undo(session, actor, merge_id, None)


def undo_subject_merge(db: Database, actor: Actor, subject_id: int, merge_id: int) -> None:
    """The same from the subject page: the subject must be visible to the actor (another
    force's reads as missing) and the merge must be one into it."""
    with scoped_unit_of_work(db, actor, "subject", subject_id) as session:
        visible_subject(session, actor, subject_id)
        require(actor, Action.SUBJECT_UNMERGE, f"merge {merge_id}")
        _undo(session, actor, merge_id, subject_id)


def _undo(session: Session, actor: Actor, merge_id: int, survivor_id: int | None) -> None:
    merge = session.get(SubjectMerge, merge_id)
    if merge is None or merge.undone_at is not None or survivor_id not in (None, merge.survivor_id):
        raise LookupError(f"merge {merge_id}: not found, or already undone")
    absorbed = session.get_one(Subject, merge.absorbed_id)
    absorbed.status, absorbed.merged_into_id = SubjectStatus.ACTIVE, None
    rows = session.scalars(
        select(SubjectReferral).where(
            SubjectReferral.referral_id.in_(merge.moved_referral_ids),
            SubjectReferral.subject_id == merge.survivor_id,
        )
    )
    for row in rows:
        row.subject_id = absorbed.id
    merge.undone_at, merge.undone_by = datetime.now(UTC), actor.username
    audit.record(
        session,
        actor,
        "subject.unmerge",
        "subject",
        merge.survivor_id,
        merge=merge_id,
        restored=absorbed.id,
    )


@dataclass(frozen=True, slots=True)
class IdentifierHit:
    operation: str
    subject_id: int | None
    referral: str  # source:report_id


# What a person can look up across every operation: the identifiers, and what else a referral
# holds that names someone or something (where they are, an address they used, a file they had).
POSTCODE, IP = "postcode", "ip"
FILE_HASH_KINDS = ("md5", "sha1", "sha256", "pdq")  # a referral's files, by an exact value
LOOKUP_KINDS = (*(str(k) for k in IdentifierKind), POSTCODE, IP, *FILE_HASH_KINDS)


def _referrals_with(kind: str, value: str) -> tuple[str, Any]:
    """The value as stored, and a select of the ids of the referrals that hold it."""
    if kind == POSTCODE:
        wanted = normalise_postcode(value, "value")
        return wanted, select(ReferralPostcode.referral_id).where(
            ReferralPostcode.postcode == wanted
        )
    if kind == IP:
        wanted = normalise_ip(value, "value")
        return wanted, select(ReferralIpEvent.referral_id).where(ReferralIpEvent.ip == wanted)
    if kind in FILE_HASH_KINDS:
        wanted = normalise_signal(value, kind, "value") or ""
        return wanted, (
            select(ReferralFileRow.referral_id)
            .join(ReferralFileSignal, ReferralFileSignal.file_id == ReferralFileRow.id)
            .where(ReferralFileSignal.kind == kind, ReferralFileSignal.value == wanted)
        )
    wanted = normalise_identifier(kind, value, "value")
    return wanted, select(ReferralIdentifier.referral_id).where(
        ReferralIdentifier.kind == kind, ReferralIdentifier.value == wanted
    )


def lookup_identifier(db: Database, actor: Actor, kind: str, value: str) -> list[IdentifierHit]:
    """Deconfliction: every referral and subject an identifier, postcode, IP address or file
    hash appears in, in every operation and force. Anyone may ask; every look-up is audited."""
    if kind not in LOOKUP_KINDS:
        raise RecordError("kind", f"{kind!r} is not one of {', '.join(LOOKUP_KINDS)}")
    wanted, holding = _referrals_with(kind, value)
    with db.unit_of_work() as session:
        rows = session.execute(
            select(Operation.name, SubjectReferral.subject_id, Referral.source, Referral.report_id)
            .select_from(Referral)
            .join(Operation, Operation.id == Referral.operation_id)
            .outerjoin(SubjectReferral, SubjectReferral.referral_id == Referral.id)
            .where(Referral.id.in_(holding))
            .order_by(Operation.name, Referral.source, Referral.report_id)
        ).all()
        hits = [
            IdentifierHit(name, subject_id, f"{source}:{report_id}")
            for name, subject_id, source, report_id in rows
        ]
        audit.record_read(
            session, actor, "identifier.lookup", "identifier", f"{kind}:{wanted}", hits=len(hits)
        )
    return hits
