"""SQLAlchemy models. Schema changes go through Alembic migrations (store/migrations)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
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

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    ip: Mapped[str] = mapped_column(String(45), index=True)
    port: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    event: Mapped[str | None] = mapped_column(String(40))
    possible_proxy: Mapped[bool | None]


class ReferralFileRow(Base):
    __tablename__ = "referral_files"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    file_name: Mapped[str | None] = mapped_column(String(400))
    md5: Mapped[str | None] = mapped_column(String(32))
    sha1: Mapped[str | None] = mapped_column(String(40))
    sha256: Mapped[str | None] = mapped_column(String(64))
    pdq: Mapped[str | None] = mapped_column(String(64))
    photodna: Mapped[str | None] = mapped_column(Text)
    industry_classification: Mapped[str | None] = mapped_column(String(8))
    uploaded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # grading (operations/grading.py): matched by the detection engine, or queued for people
    grade_status: Mapped[str] = mapped_column(String(16), default="ungraded", index=True)
    category: Mapped[str | None] = mapped_column(String(24))
    match_set: Mapped[str | None] = mapped_column(String(120))
    match_record_id: Mapped[str | None] = mapped_column(String(80))
    match_kind: Mapped[str | None] = mapped_column(String(8))
    match_distance: Mapped[int | None] = mapped_column(Integer)
    graded_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    votes: Mapped[list[GradingVoteRow]] = relationship(cascade="all, delete-orphan")


class GradingVoteRow(Base):
    __tablename__ = "grading_votes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_file_id: Mapped[int] = mapped_column(ForeignKey("referral_files.id"), index=True)
    grader: Mapped[str] = mapped_column(String(80))
    category: Mapped[str] = mapped_column(String(24))
    voted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ReferralPostcode(Base):
    __tablename__ = "referral_postcodes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    referral_id: Mapped[int] = mapped_column(ForeignKey("referrals.id"), index=True)
    postcode: Mapped[str] = mapped_column(String(8))


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

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"), index=True)
    force_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"), index=True)  # holder
    status: Mapped[str] = mapped_column(String(16))  # issued | acknowledged
    snapshot: Mapped[dict[str, Any]] = mapped_column(JSON)
    deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))
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
