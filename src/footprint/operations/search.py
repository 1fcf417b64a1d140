"""One search box across the operation: a number finds the case, package, subject and referral
of that number; text finds an exhibit by its reference, a referral by its report id, and
every referral and subject an identifier, postcode, IP address or file hash appears in (the
look-ups of deconfliction, guessed from the shape of what was typed). Each record is found only
where the reader may see it (a force its own cases, packages, subjects and exhibits; referrals
are the coordinator's); the search and each look-up it makes are audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from footprint.errors import Invalid
from footprint.geo.postcodes import normalise_postcode
from footprint.operations.identifiers import IdentifierKind, normalise_ip
from footprint.operations.resolution import SubjectStatus
from footprint.operations.scoping import held_by
from footprint.operations.subjects import IP, POSTCODE, lookup_identifier
from footprint.security import audit
from footprint.security.actor import Actor
from footprint.security.permissions import Action, allows
from footprint.store import Database
from footprint.store.models import Case, IntelPackage, Organisation, Referral, SeizedDevice, Subject

QUERY_CHARS = 320
_NUMBER = re.compile(r"^(?:(case|package|subject|referral)\s*)?#?\s*(\d{1,10})$", re.IGNORECASE)
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_PHONE = re.compile(r"^\+?[\d\s().-]{7,20}$")
_HEX_KINDS = {32: ("md5",), 40: ("sha1",), 64: ("sha256", "pdq")}
# a single word that is nothing else: a name someone goes by, an account, a device
_NAME_KINDS = (IdentifierKind.SCREEN_NAME, IdentifierKind.ESP_ACCOUNT, IdentifierKind.DEVICE_ID)


@dataclass(frozen=True, slots=True)
class SearchHit:
    kind: str  # case | package | subject | referral | exhibit | identifier
    label: str
    link: str | None  # the page to open, where the reader may open it
    detail: str


def search(db: Database, actor: Actor, text: str) -> list[SearchHit]:
    """Everything the reader may see that the text names."""
    query = " ".join(text.split())
    if not query:
        raise Invalid("q: say what to look for (a number, a reference, an identifier)")
    if len(query) > QUERY_CHARS:
        raise Invalid(f"q: at most {QUERY_CHARS} characters")
    hits: list[SearchHit] = []
    with audit.reading(db) as session:
        number = _NUMBER.match(query)
        if number:
            hits += _by_number(
                session, actor, (number.group(1) or "").lower(), int(number.group(2))
            )
        hits += _exhibits(session, actor, query)
        hits += _report_ids(session, actor, query)
        audit.record_read(session, actor, "search", "search", "*", q=query, hits=len(hits))
    for kind, value in lookup_kinds(query):
        try:
            found_all = lookup_identifier(db, actor, kind, value)
        except ValueError:
            continue  # only its shape made it look like one ("@" is no e-mail address)
        for found in found_all:
            hits.append(
                SearchHit(
                    "identifier",
                    f"{kind} in {found.referral}",
                    f"/subjects/{found.subject_id}" if found.subject_id else None,
                    f"operation {found.operation}"
                    + (f", subject {found.subject_id}" if found.subject_id else ""),
                )
            )
    return hits


def lookup_kinds(query: str) -> list[tuple[str, str]]:
    """The look-ups the text could be, from its shape: (kind, value) pairs."""
    if not query:
        return []
    if "@" in query:
        return [(IdentifierKind.EMAIL, query)]
    if query.lower().startswith(("http://", "https://")):
        return [(IdentifierKind.PROFILE_URL, query)]
    for kind, normalise in ((IP, normalise_ip), (POSTCODE, normalise_postcode)):
        try:
            return [(kind, normalise(query, "q"))]
        except ValueError:
            pass
    if _HEX.match(query) and len(query) in _HEX_KINDS:
        return [(kind, query.lower()) for kind in _HEX_KINDS[len(query)]]
    if _PHONE.match(query) and sum(c.isdigit() for c in query) >= 7:
        return [(IdentifierKind.PHONE, query)]
    if " " in query or _NUMBER.match(query):
        return []
    return [
        (kind, query)
        for kind in (
            IdentifierKind.SCREEN_NAME,
            IdentifierKind.ESP_ACCOUNT,
            IdentifierKind.DEVICE_ID,
        )
    ]


# records a force holds, found by number: (kind, model, what the hit says of it)
_HELD: tuple[tuple[str, Any, Any], ...] = (
    ("case", Case, Case.state),
    ("package", IntelPackage, IntelPackage.status),
)


def _by_number(session: Session, actor: Actor, wanted: str, number: int) -> list[SearchHit]:
    """The records of that number the reader may see; `wanted` keeps to one kind."""
    hits = []
    coordinator = actor.is_coordinator
    bounds: dict[str, Any] = {"force": actor.organisation}
    for kind, model, what in _HELD:
        if wanted in ("", kind):
            row = session.execute(
                select(what, Organisation.code)
                .join(Organisation, Organisation.id == model.force_id)
                .where(model.id == number, *held_by(model.force_id, coordinator)),
                bounds,
            ).first()
            if row:
                link = f"/{kind}s/{number}"
                hits.append(SearchHit(kind, f"{kind} {number}", link, _held(row)))
    if wanted in ("", "subject"):
        subject = session.execute(
            select(Subject.status, func.coalesce(Organisation.code, "not allocated"))
            .outerjoin(Organisation, Organisation.id == Subject.force_id)
            .where(
                Subject.id == number,
                Subject.status == SubjectStatus.ACTIVE,  # a merged one lives on in its survivor
                *held_by(Subject.force_id, coordinator),
            ),
            bounds,
        ).first()
        if subject:
            hits.append(
                SearchHit("subject", f"subject {number}", f"/subjects/{number}", _held(subject))
            )
    if wanted in ("", "referral") and allows(actor, Action.REFERRAL_READ):
        referral = session.get(Referral, number)
        if referral is not None:
            hits.append(_referral_hit(referral))
    return hits


def _held(row: Any) -> str:
    what, force = row
    return f"{what} · {force}"


def _exhibits(session: Session, actor: Actor, query: str) -> list[SearchHit]:
    """Seized devices by exhibit reference, in any case, on the reader's cases."""
    rows = session.execute(
        select(
            SeizedDevice.id,
            SeizedDevice.case_id,
            SeizedDevice.exhibit_ref,
            SeizedDevice.description,
        )
        .join(Case, Case.id == SeizedDevice.case_id)
        .where(
            func.lower(SeizedDevice.exhibit_ref) == query.lower(),
            *held_by(Case.force_id, actor.is_coordinator),
        )
        .order_by(SeizedDevice.id)
        .limit(50),
        {"force": actor.organisation},
    )
    return [
        SearchHit(
            "exhibit",
            f"exhibit {ref}",
            f"/cases/{case_id}/devices/{device_id}",
            f"{about}, case {case_id}",
        )
        for device_id, case_id, ref, about in rows
    ]


def _report_ids(session: Session, actor: Actor, query: str) -> list[SearchHit]:
    """Referrals by the report id their source gave them (the coordinator's people)."""
    if not allows(actor, Action.REFERRAL_READ):
        return []
    rows = session.scalars(
        select(Referral).where(Referral.report_id == query).order_by(Referral.id).limit(50)
    )
    return [_referral_hit(r) for r in rows]


def _referral_hit(referral: Referral) -> SearchHit:
    return SearchHit(
        "referral",
        f"referral {referral.id} ({referral.source} {referral.report_id})",
        f"/referrals/{referral.id}",
        referral.incident_type or "",
    )
