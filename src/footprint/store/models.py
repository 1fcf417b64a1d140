"""SQLAlchemy models. Schema changes go through Alembic migrations (store/migrations)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Organisation(Base):
    """A police force (by ONS GSS code) or the national coordinator's organisation."""

    __tablename__ = "organisations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(16))  # force | coordinator
    country: Mapped[str | None] = mapped_column(String(40))
    police_uk_id: Mapped[str | None] = mapped_column(String(60))

    users: Mapped[list[User]] = relationship(back_populates="organisation")


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # sign-in (security/credentials.py): an argon2id hash, never the password
    password_hash: Mapped[str | None] = mapped_column(Text)

    organisation: Mapped[Organisation] = relationship(back_populates="users")
    roles: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan")


class UserRole(Base):
    __tablename__ = "user_roles"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    role: Mapped[str] = mapped_column(String(32))


class AuditEntry(Base):
    """Append-only: the services never update or delete a row (see security/audit_chain.py)."""

    __tablename__ = "audit_entries"
    __table_args__ = (  # auditors ask "who touched this record" and "what did this force do"
        Index("ix_audit_entries_record", "record_type", "record_id"),
        Index("ix_audit_entries_organisation", "organisation", "seq"),
    )

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    at: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(80))
    organisation: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(40))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[str] = mapped_column(String(80))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    entry_hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row: the last sequence number and hash. Locking it serialises appends."""

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer)
    last_hash: Mapped[str] = mapped_column(Text)


class SignInLock(Base):
    """Wrong passwords for one account from one source (the client's address), and its lock:
    a lock holds that source back, never the account for everyone."""

    __tablename__ = "sign_in_locks"
    __table_args__ = (UniqueConstraint("user_id", "source", name="uq_sign_in_locks_user_source"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    source: Mapped[str] = mapped_column(String(64))
    failures: Mapped[int] = mapped_column(Integer)  # wrong passwords since the last lock
    locks: Mapped[int] = mapped_column(Integer)  # locks in a row: each doubles the next
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Operation(Base):
    __tablename__ = "operations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16))  # planned | active | closed
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    forces: Mapped[list[Organisation]] = relationship(secondary="operation_forces")


class OperationForce(Base):
    __tablename__ = "operation_forces"

    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"), primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), primary_key=True)


class Referral(Base):
    __tablename__ = "referrals"
    __table_args__ = (UniqueConstraint("source", "report_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"), index=True)
    source: Mapped[str] = mapped_column(String(40))
    report_id: Mapped[str] = mapped_column(String(80))
    incident_type: Mapped[str | None] = mapped_column(String(200))
    incident_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    prior_report_ids: Mapped[list[str]] = mapped_column(JSON)

    identifiers: Mapped[list[ReferralIdentifier]] = relationship(cascade="all, delete-orphan")
    ip_events: Mapped[list[ReferralIpEvent]] = relationship(cascade="all, delete-orphan")
    files: Mapped[list[ReferralFileRow]] = relationship(cascade="all, delete-orphan")
    postcodes: Mapped[list[ReferralPostcode]] = relationship(cascade="all, delete-orphan")


class ReferralIdentifier(Base):
    __tablename__ = "referral_identifiers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(320), index=True)


class ReferralIpEvent(Base):
    __tablename__ = "referral_ip_events"
    __table_args__ = (Index("ix_referral_ip_events_socket", "ip", "port"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    ip: Mapped[str] = mapped_column(String(45))  # indexed with the port
    port: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    event: Mapped[str | None] = mapped_column(String(40))
    possible_proxy: Mapped[bool | None]


class GradedFile:
    """What a file that people grade carries (a referral's file, a seized device's file): the
    detection engine's match or the graders' settled category, and an examiner's decision on
    the match (confirmed, or rejected as a false positive). operations/grading.py and
    operations/grading_queue.py keep them."""

    grade_status: Mapped[str] = mapped_column(String(16), default="ungraded", index=True)
    category: Mapped[str | None] = mapped_column(String(24))
    match_set: Mapped[str | None] = mapped_column(String(120))
    match_record_id: Mapped[str | None] = mapped_column(String(80))
    match_kind: Mapped[str | None] = mapped_column(String(24))  # a signal kind's name
    match_distance: Mapped[int | None] = mapped_column(Integer)
    match_category: Mapped[str | None] = mapped_column(String(24))  # the known record's
    graded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    match_decision: Mapped[str | None] = mapped_column(String(16))  # confirmed | rejected
    decision_reason: Mapped[str | None] = mapped_column(String(400))
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # a rejection's entry in the negative bank; null: named from the file's own id (bank_entry)
    bank_entry: Mapped[str | None] = mapped_column(String(80))
    # an examiner's flags (operations/new_material.py); new_material null: by the rule
    victim_identified: Mapped[bool | None] = mapped_column(Boolean)
    series: Mapped[str | None] = mapped_column(String(200))
    new_material: Mapped[bool | None] = mapped_column(Boolean)


class ReferralFileRow(GradedFile, Base):
    __tablename__ = "referral_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    file_name: Mapped[str | None] = mapped_column(String(400))
    photodna: Mapped[str | None] = mapped_column(Text)
    industry_classification: Mapped[str | None] = mapped_column(String(8))
    uploaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    votes: Mapped[list[GradingVoteRow]] = relationship(
        cascade="all, delete-orphan", order_by="GradingVoteRow.id"
    )
    signals: Mapped[list[ReferralFileSignal]] = relationship(
        cascade="all, delete-orphan", order_by="ReferralFileSignal.kind"
    )

    def signal_values(self) -> dict[str, str]:
        return {s.kind: s.value for s in self.signals}


class ReferralFileSignal(Base):
    """One signal of a referral's file as (kind, value), as in the known-hash store: a new kind
    of signal needs no new column."""

    __tablename__ = "referral_file_signals"
    __table_args__ = (Index("ix_referral_file_signals_value", "kind", "value"),)

    file_id: Mapped[int] = mapped_column(ForeignKey("referral_files.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class GradingVoteRow(Base):
    """A grader's vote on a file, or a supervisor's resolution of a dispute (with a reason)."""

    __tablename__ = "grading_votes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_file_id: Mapped[int | None] = mapped_column(
        ForeignKey("referral_files.id"), index=True
    )
    scan_file_id: Mapped[int | None] = mapped_column(ForeignKey("scan_files.id"), index=True)
    grader: Mapped[str] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(24))
    voted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(16), default="vote")  # vote | resolution
    reason: Mapped[str | None] = mapped_column(String(400))


class ReferralPostcode(Base):
    __tablename__ = "referral_postcodes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    postcode: Mapped[str] = mapped_column(String(8), index=True)  # looked up (deconfliction)


class Subject(Base):
    """One person of interest: the referrals resolved to them, with why each belongs."""

    __tablename__ = "subjects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))  # active | merged
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # allocation (operations/allocation.py): the force area that receives the package
    force_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), index=True)
    allocation_source: Mapped[str | None] = mapped_column(String(16))  # onspd | table | manual
    allocation_detail: Mapped[str | None] = mapped_column(String(400))  # why, or why not yet
    allocated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    force: Mapped[Organisation | None] = relationship()

    referrals: Mapped[list[SubjectReferral]] = relationship(cascade="all, delete-orphan")


class SubjectReferral(Base):
    __tablename__ = "subject_referrals"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(400))


class SubjectMerge(Base):
    """Provenance of a merge, and what undoing it must move back."""

    __tablename__ = "subject_merges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    survivor_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    absorbed_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    reason: Mapped[str] = mapped_column(String(400))
    moved_referral_ids: Mapped[list[int]] = mapped_column(JSON)
    merged_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    merged_by: Mapped[str] = mapped_column(String(80))
    undone_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    undone_by: Mapped[str | None] = mapped_column(String(80))


class PostcodeArea(Base):
    """Postcode -> police force area, from the ONS Postcode Directory or a table the user loads."""

    __tablename__ = "postcode_areas"

    postcode: Mapped[str] = mapped_column(String(8), primary_key=True)  # pcds form, or a district
    pfa: Mapped[str] = mapped_column(String(9))
    source: Mapped[str] = mapped_column(String(16))  # onspd | table


class RiskAssessment(Base):
    """Every assessment of a subject is kept; the newest is the one in force."""

    __tablename__ = "risk_assessments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    factors: Mapped[list[str]] = mapped_column(JSON)
    score: Mapped[int] = mapped_column(Integer)
    band: Mapped[str] = mapped_column(String(16))  # as assessed
    reasons: Mapped[list[str]] = mapped_column(JSON)
    assessed_by: Mapped[str] = mapped_column(String(80))
    assessed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    override_band: Mapped[str | None] = mapped_column(String(16))
    override_reason: Mapped[str | None] = mapped_column(Text)
    override_by: Mapped[str | None] = mapped_column(String(80))
    deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class IntelPackage(Base):
    """An intelligence package: a frozen snapshot issued by the coordinator to one force."""

    __tablename__ = "intel_packages"
    __table_args__ = (  # a force's packages, soonest deadline first (migration 0016)
        Index("ix_intel_packages_force_deadline", "force_id", "deadline", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)  # holder
    status: Mapped[str] = mapped_column(String(16))  # issued | acknowledged
    risk_band: Mapped[str] = mapped_column(String(16), index=True)  # as in the snapshot
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    issued_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    issued_by: Mapped[str] = mapped_column(String(80))
    acknowledged_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    acknowledged_by: Mapped[str | None] = mapped_column(String(80))

    force: Mapped[Organisation] = relationship()


class PackageTransfer(Base):
    __tablename__ = "package_transfers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("intel_packages.id"), index=True)
    from_force: Mapped[str] = mapped_column(String(16))
    to_force: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    transferred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    transferred_by: Mapped[str] = mapped_column(String(80))


class Case(Base):
    """A force's investigation of one subject, opened when the force acknowledges the package."""

    __tablename__ = "cases"
    __table_args__ = (  # a force's cases, soonest deadline first (migration 0027)
        Index("ix_cases_force_deadline", "force_id", "deadline", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    package_id: Mapped[int] = mapped_column(ForeignKey("intel_packages.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"), index=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)
    state: Mapped[str] = mapped_column(String(32))
    opened_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    opened_by: Mapped[str] = mapped_column(String(80))
    position_of_trust: Mapped[bool] = mapped_column(default=False)
    position_of_trust_detail: Mapped[str | None] = mapped_column(Text)
    registered_sex_offender: Mapped[bool] = mapped_column(default=False)
    # the officer in charge (a username of the force); history in case_assignments
    officer: Mapped[str | None] = mapped_column(String(80), index=True)
    # its package's, frozen at issue: kept here so that the case list sorts without a join
    # (migration 0027; None only for a package that had none)
    risk_band: Mapped[str | None] = mapped_column(String(16))
    deadline: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    force: Mapped[Organisation] = relationship()
    events: Mapped[list[CaseEvent]] = relationship(order_by="CaseEvent.id")


class CaseAssignment(Base):
    """Each officer in charge a case has had, in order: reassignment keeps who held it."""

    __tablename__ = "case_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    officer: Mapped[str] = mapped_column(String(80))
    assigned_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    assigned_by: Mapped[str] = mapped_column(String(80))
    reason: Mapped[str | None] = mapped_column(String(400))


class CaseTask(Base):
    """A piece of work on a case with an owner and a due day; done once, never deleted."""

    __tablename__ = "case_tasks"
    __table_args__ = (Index("ix_case_tasks_force_owner_due", "force_id", "owner", "due_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    title: Mapped[str] = mapped_column(String(200))
    owner: Mapped[str] = mapped_column(String(80))
    due_on: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(80))
    done_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    done_by: Mapped[str | None] = mapped_column(String(80))
    done_note: Mapped[str | None] = mapped_column(String(400))

    force: Mapped[Organisation] = relationship()


class CaseEvent(Base):
    """Each step of the workflow, kept: figures count cases that ever reached a state."""

    __tablename__ = "case_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    from_state: Mapped[str | None] = mapped_column(String(32))
    to_state: Mapped[str] = mapped_column(String(32), index=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    by: Mapped[str] = mapped_column(String(80))
    note: Mapped[str | None] = mapped_column(Text)
    happened_on: Mapped[date | None] = mapped_column(Date)  # None: the day it was recorded


class Withdrawable:
    """A record on a case that may be withdrawn with a reason, never edited or deleted
    (operations/withdrawals.py): withdrawn, it stays on the case and leaves the counts."""

    withdrawn_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    withdrawn_by: Mapped[str | None] = mapped_column(String(80))
    withdrawn_reason: Mapped[str | None] = mapped_column(String(400))


class PropertySearch(Withdrawable, Base):
    __tablename__ = "property_searches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    address: Mapped[str] = mapped_column(String(400))
    searched_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(80))


class SeizedDevice(Withdrawable, Base):
    """A seized exhibit; once triaged, the scan's matched files per category feed the charging
    summary."""

    __tablename__ = "seized_devices"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    exhibit_ref: Mapped[str] = mapped_column(String(80))
    description: Mapped[str] = mapped_column(String(400))
    seized_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(80))
    scan_dir: Mapped[str | None] = mapped_column(Text)
    scan_summary_sha256: Mapped[str | None] = mapped_column(String(64))
    scan_counts: Mapped[dict[str, int] | None] = mapped_column(JSON)
    # per charging category: files, distinct, still/moving/other and deleted_files (None: a
    # scan linked before footprint kept it)
    scan_breakdown: Mapped[dict[str, dict[str, Any]] | None] = mapped_column(JSON)

    case: Mapped[Case] = relationship()


class ScanFile(GradedFile, Base):
    """A file of a device's linked triage scan that people act on: a matched file (its match
    confirmed or rejected) or an image or video no set knows (graded by votes). Settled grades
    and rejections change the device's counts, and so the charging summary."""

    __tablename__ = "scan_files"
    __table_args__ = (UniqueConstraint("device_id", "finding_index"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    device_id: Mapped[int] = mapped_column(ForeignKey("seized_devices.id"), index=True)
    finding_index: Mapped[int] = mapped_column(Integer)  # its line in the scan's findings
    path: Mapped[str] = mapped_column(Text)
    media_type: Mapped[str | None] = mapped_column(String(80))
    md5: Mapped[str | None] = mapped_column(String(32))
    pdq: Mapped[str | None] = mapped_column(String(64))
    deleted: Mapped[bool | None] = mapped_column(Boolean)  # None: linked before it was kept

    device: Mapped[SeizedDevice] = relationship()
    votes: Mapped[list[GradingVoteRow]] = relationship(
        cascade="all, delete-orphan", order_by="GradingVoteRow.id"
    )


class Charge(Withdrawable, Base):
    __tablename__ = "charges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    offence: Mapped[str] = mapped_column(String(40))
    images_a: Mapped[int] = mapped_column(Integer)
    images_b: Mapped[int] = mapped_column(Integer)
    images_c: Mapped[int] = mapped_column(Integer)
    charged_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(80))


class Bail(Base):
    """Pre-charge bail: 3 months from the start, extended to 6 and 9 months by senior officers,
    then only by a magistrates' court."""

    __tablename__ = "bail"
    # a force's bail due, soonest first (migration 0017)
    __table_args__ = (Index("ix_bail_force_due", "force_id", "active", "expires_on", "case_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))  # its case's force
    started_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date] = mapped_column(Date, index=True)
    conditions: Mapped[list[str]] = mapped_column(JSON)
    authorised_by: Mapped[str] = mapped_column(String(120))
    active: Mapped[bool] = mapped_column(default=True)
    ended_on: Mapped[date | None] = mapped_column(Date)

    extensions: Mapped[list[BailExtension]] = relationship(order_by="BailExtension.id")


class BailExtension(Base):
    __tablename__ = "bail_extensions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bail_id: Mapped[int] = mapped_column(ForeignKey("bail.id"), index=True)
    stage: Mapped[str] = mapped_column(String(16))  # 6-months | 9-months | court
    expires_on: Mapped[date] = mapped_column(Date)
    authorised_by: Mapped[str] = mapped_column(String(120))
    authority: Mapped[str] = mapped_column(String(60))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(80))


class ChildSafeguarded(Base):
    """Children the suspect lives with or has access to; counted, never named."""

    __tablename__ = "children_safeguarded"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    count: Mapped[int] = mapped_column(Integer)
    age_band: Mapped[str] = mapped_column(String(8))
    relationship_to_subject: Mapped[str] = mapped_column(String(40))
    immediate_risk: Mapped[bool] = mapped_column(default=False)
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_by: Mapped[str] = mapped_column(String(80))


class SafeguardingAction(Base):
    __tablename__ = "safeguarding_actions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    action_on: Mapped[date] = mapped_column(Date)
    owner: Mapped[str] = mapped_column(String(120))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_by: Mapped[str] = mapped_column(String(80))


class Publication(Base):
    """A release of figures, kept whole so later releases can be checked for differencing."""

    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    operation_id: Mapped[int] = mapped_column(ForeignKey("operations.id"), index=True)
    published_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    published_by: Mapped[str] = mapped_column(String(80))
    as_of: Mapped[date] = mapped_column(Date)
    rounded: Mapped[bool] = mapped_column(default=False)
    table: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))


class ApiToken(Base):
    """A machine client's token: only its SHA-256 is kept; revocable."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    label: Mapped[str] = mapped_column(String(120))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    created_by: Mapped[str] = mapped_column(String(80))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_by: Mapped[str | None] = mapped_column(String(80))
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class WebSession(Base):
    """A signed-in browser: only the SHA-256 of its cookie is kept (security/sessions.py)."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    last_seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship()


class Job(Base):
    """Long work started from the web app (a hash-set import): its progress, kept in the
    database so that every server process and a reload show the same, and its outcome."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))  # hashset-import
    title: Mapped[str] = mapped_column(String(400))
    organisation: Mapped[str] = mapped_column(String(16), index=True)  # who may see it
    started_by: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(16))  # running | done | failed
    done: Mapped[int] = mapped_column(Integer, default=0)  # records so far
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
