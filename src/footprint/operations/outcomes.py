"""What a case records after the search (pure): offences, bail clock, safeguarding vocabulary.

Pre-charge bail since October 2022 runs 3 months from the day it starts (that day counted), can
be extended to 6 months by a superintendent and to 9 months by an assistant chief constable or
commander; beyond that only a magistrates' court extends it.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from enum import StrEnum
from typing import TypeVar

from footprint.errors import Invalid

E = TypeVar("E", bound=StrEnum)


class Offence(StrEnum):
    POSSESSION = "possession"  # Criminal Justice Act 1988 s.160, maximum 5 years
    MAKING = "making"  # Protection of Children Act 1978 s.1(1)(a); includes downloading
    DISTRIBUTING = "distributing"  # PCA 1978 s.1(1)(b); peer-to-peer sharing counts
    SHOWING = "showing"  # PCA 1978 s.1(1)(b)
    POSSESSION_WITH_VIEW = "possession-with-view"  # PCA 1978 s.1(1)(c): to distribute or show


OFFENCE_STATUTE = {
    Offence.POSSESSION: "Criminal Justice Act 1988 s.160",
    Offence.MAKING: "Protection of Children Act 1978 s.1(1)(a)",
    Offence.DISTRIBUTING: "Protection of Children Act 1978 s.1(1)(b)",
    Offence.SHOWING: "Protection of Children Act 1978 s.1(1)(b)",
    Offence.POSSESSION_WITH_VIEW: "Protection of Children Act 1978 s.1(1)(c)",
}

# The usual conditions, offered as choices by short name; free text is accepted as well.
USUAL_BAIL_CONDITIONS = {
    "no-home-with-children": "not to live or stay at any address where a child under 18 lives",
    "no-unsupervised-contact": "no unsupervised contact with any child under 18",
    "declared-devices-only": "not to use any internet-enabled device not declared to the police",
    "reside-at-address": "to reside at the bail address",
    "no-schools-or-play-areas": "not to enter any school, nursery or play area",
    "surrender-passport": "to surrender passport",
}


def bail_condition(value: str) -> str:
    """A usual condition by its short name, or the free text as given."""
    return USUAL_BAIL_CONDITIONS.get(value.strip().lower(), value.strip())


class BailStage(StrEnum):
    INITIAL = "3-months"
    SIX_MONTHS = "6-months"
    NINE_MONTHS = "9-months"
    COURT = "court"


BAIL_AUTHORITY = {
    BailStage.INITIAL: "inspector",
    BailStage.SIX_MONTHS: "superintendent",
    BailStage.NINE_MONTHS: "assistant chief constable or commander",
    BailStage.COURT: "magistrates' court",
}
BAIL_REVIEW_DAYS = 14  # bail ending within this many days is due for a supervisor's review
_MONTHS = {BailStage.INITIAL: 3, BailStage.SIX_MONTHS: 6, BailStage.NINE_MONTHS: 9}
_ORDER = list(BailStage)


class OutcomeError(Invalid):
    """Bad outcome input; the message names the field and the reason."""


def check_day(day: date, field: str, today: date, earliest: date, since: str) -> date:
    """A day something happened: not after today, not before `earliest` (`since` says what
    began then). The message names the field, the day and the bound."""
    if day > today:
        raise OutcomeError(
            f"{field}: {day.isoformat()} is in the future (today is {today.isoformat()})"
        )
    if day < earliest:
        raise OutcomeError(f"{field}: {day.isoformat()} is before {since} ({earliest.isoformat()})")
    return day


def add_months(day: date, months: int) -> date:
    """Same day of the month, months later; clamped to the month's last day (31 Jan -> 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def bail_expiry(started_on: date, stage: BailStage) -> date:
    """The last day of bail at a statutory stage; a court sets its own date. A period of months
    "beginning with" a day ends the day before the corresponding date, or on the last day of
    the month when that month has no corresponding date (31 January + 3 months: 30 April)."""
    if stage is BailStage.COURT:
        raise OutcomeError("stage: a court extension needs the date the court set")
    corresponding = add_months(started_on, _MONTHS[stage])
    if corresponding.day != started_on.day:  # clamped: no such day in that month
        return corresponding
    return corresponding - timedelta(days=1)


def next_stage(current: BailStage) -> BailStage:
    """The stage an extension moves to: 3 -> 6 -> 9 months, then the court (repeatedly)."""
    if current is BailStage.COURT:
        return BailStage.COURT
    return _ORDER[_ORDER.index(current) + 1]


def days_left(expires_on: date, today: date) -> int:
    return (expires_on - today).days


def review_due_by(today: date, within_days: int = BAIL_REVIEW_DAYS) -> date:
    """The last expiry day that is due for review today."""
    return today + timedelta(days=within_days)


def stage_after(latest_extension: str | None) -> BailStage:
    """Bail's stage: its latest extension's, or the initial 3 months when never extended (the
    one rule, whether the extensions come as objects or as a column of a query)."""
    return BailStage(latest_extension) if latest_extension else BailStage.INITIAL


class AgeBand(StrEnum):
    UNDER_5 = "0-4"
    FIVE_TO_10 = "5-10"
    ELEVEN_TO_15 = "11-15"
    SIXTEEN_17 = "16-17"


class Relationship(StrEnum):
    OWN_CHILD = "own-child"
    STEPCHILD = "stepchild"
    PARTNERS_CHILD = "partners-child"
    RELATIVE = "relative"
    FAMILY_FRIEND_OR_NEIGHBOUR = "family-friend-or-neighbour"
    THROUGH_WORK_OR_VOLUNTEERING = "through-work-or-volunteering"
    ONLINE_CONTACT = "online-contact"
    OTHER = "other"


class SafeguardingKind(StrEnum):
    SOCIAL_CARE_REFERRAL = "social-care-referral"  # referral to children's social care
    STRATEGY_DISCUSSION = "strategy-discussion"
    LADO_REFERRAL = "lado-referral"  # the suspect works or volunteers with children
    PARENT_CARER_ALERTED = "parent-carer-alerted"
    BAIL_CONDITION_SET = "bail-condition-set"


def choice(kind: type[E], value: str, field: str) -> E:
    """Parse one of an enumeration's values; the error names the field and the choices."""
    try:
        return kind(value.strip().lower())
    except ValueError:
        allowed = ", ".join(k.value for k in kind)
        raise OutcomeError(f"{field}: {value!r} is not one of: {allowed}") from None
