"""Reading the audit log, for auditors: entries newest first with filters, and the chain's
verification status. A national auditor reads every organisation's entries; a force auditor
reads those made by people of their own force. Reading the log is itself an entry."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select

from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.audit_chain import ChainEntry
from footprint.security.permissions import Action, require
from footprint.store import Database
from footprint.store.models import AuditEntry
from footprint.store.recent import RecentResults

VERIFY_AGE_SECONDS = 300.0  # the whole chain is re-verified at most every five minutes


@dataclass(frozen=True, slots=True)
class AuditFilter:
    actor: str | None = None
    action: str | None = None  # exact, or a prefix ending in "." (e.g. "case.")
    record_type: str | None = None
    record_id: str | None = None


LogEntry = ChainEntry  # what an auditor reads is what the chain hashes


@dataclass(frozen=True, slots=True)
class ChainStatus:
    intact: bool
    entries: int
    verified_at: datetime
    problems: list[str] = field(default_factory=list)  # one line per problem, naming the entry


def _require_auditor(actor: Actor) -> None:
    require(actor, Action.AUDIT_READ)


def read_log(
    db: Database, actor: Actor, wanted: AuditFilter, offset: int = 0, limit: int = 100
) -> list[LogEntry]:
    _require_auditor(actor)
    query = select(AuditEntry)
    if not actor.is_coordinator:
        query = query.where(AuditEntry.organisation == actor.organisation)
    if wanted.actor:
        query = query.where(AuditEntry.actor == wanted.actor)
    if wanted.action:
        if wanted.action.endswith("."):
            query = query.where(AuditEntry.action.startswith(wanted.action, autoescape=True))
        else:
            query = query.where(AuditEntry.action == wanted.action)
    if wanted.record_type:
        query = query.where(AuditEntry.record_type == wanted.record_type)
    if wanted.record_id:
        query = query.where(AuditEntry.record_id == wanted.record_id)
    with db.unit_of_work() as session:
        rows = session.scalars(query.order_by(AuditEntry.seq.desc()).offset(offset).limit(limit))
        entries = [audit.entry_of(r) for r in rows]
        filters = {k: v for k, v in asdict(wanted).items() if v}
        audit.record_read(
            session, actor, "audit.read", "audit", "*", offset=offset, filters=filters
        )
    return entries


_STATUS: RecentResults[ChainStatus] = RecentResults(size=8)


def chain_status(
    db: Database, actor: Actor, max_age_seconds: float = VERIFY_AGE_SECONDS
) -> ChainStatus:
    """The whole chain verified (at most max_age_seconds ago): intact, or every problem named.
    A force auditor learns whether the chain is intact and how many problems, not their
    details, which may name other organisations' entries."""
    _require_auditor(actor)

    def verified() -> ChainStatus:
        with db.unit_of_work() as session:
            checked, problems = audit.verify(session)
        lines = [f"entry {p.seq}: {p.kind}: {p.message}" for p in problems]
        return ChainStatus(not problems, checked, datetime.now(UTC), lines)

    status = _STATUS.get(db.url, max_age_seconds, verified)
    with db.unit_of_work() as session:
        audit.record(session, actor, "audit.verify", "audit", "*", intact=status.intact)
    if actor.is_coordinator or status.intact:
        return status
    hidden = [f"{len(status.problems)} problem(s): the national auditors have the details"]
    return ChainStatus(status.intact, status.entries, status.verified_at, hidden)
