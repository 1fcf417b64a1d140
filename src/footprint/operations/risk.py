"""A transparent, configurable risk assessor with the published four-step structure of police
triage tools (previous behaviour, access to children, current behavioural facilitators, other
factors). It is footprint's own scoring, not KIRAT, whose weights are not public: every weight,
threshold and deadline comes from a `RiskModel` the deployment may replace, and every band comes
with the list of reasons that produced it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path


class Band(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    VERY_HIGH = "very-high"


# factor -> (step, description); the steps are the published structure
FACTORS: dict[str, tuple[str, str]] = {
    "sexual_offence_conviction": ("previous behaviour", "previous conviction for a sexual offence"),
    "sexual_offence_allegation": ("previous behaviour", "previous allegation of a sexual offence"),
    "registered_sex_offender": ("previous behaviour", "registered sex offender"),
    "lives_with_children": ("access to children", "lives with children"),
    "access_to_other_children": (
        "access to children",
        "access to children of family, friends or neighbours",
    ),
    "position_of_trust": ("access to children", "works or volunteers with children"),
    "grooming": ("current facilitators", "grooming"),
    "incitement": ("current facilitators", "incitement of a child"),
    "producing_images": ("current facilitators", "producing indecent images"),
    "sexual_communication": ("current facilitators", "sexual communication with a child"),
    "distribution": ("current facilitators", "distributing indecent images"),
    "category_a_images": ("current facilitators", "category A images"),
    "other_convictions": ("other factors", "other convictions"),
    "domestic_abuse": ("other factors", "domestic abuse"),
    "substance_misuse": ("other factors", "substance misuse"),
}


# Factors that the evidence decides, never a person's form: a subject has category A images
# when a file of theirs is graded A (matched by a known set or settled by graders).
EVIDENCE_FACTORS = frozenset({"category_a_images"})
TYPED_FACTORS = {name: about for name, about in FACTORS.items() if name not in EVIDENCE_FACTORS}


@dataclass(frozen=True, slots=True)
class RiskModel:
    """Weights, band thresholds and action deadlines: all configurable."""

    weights: dict[str, int] = field(
        default_factory=lambda: {
            "sexual_offence_conviction": 4,
            "sexual_offence_allegation": 2,
            "registered_sex_offender": 4,
            "lives_with_children": 4,
            "access_to_other_children": 3,
            "position_of_trust": 4,
            "grooming": 5,
            "incitement": 5,
            "producing_images": 6,
            "sexual_communication": 5,
            "distribution": 2,
            "category_a_images": 1,
            "other_convictions": 1,
            "domestic_abuse": 2,
            "substance_misuse": 1,
        }
    )
    # the least score for each band above low
    thresholds: dict[Band, int] = field(
        default_factory=lambda: {Band.MEDIUM: 3, Band.HIGH: 7, Band.VERY_HIGH: 11}
    )
    # any of these factors alone puts the subject in at least this band (access plus facilitator)
    floors: dict[str, Band] = field(default_factory=lambda: {"producing_images": Band.HIGH})
    deadline_days: dict[Band, int] = field(
        default_factory=lambda: {Band.VERY_HIGH: 1, Band.HIGH: 7, Band.MEDIUM: 28, Band.LOW: 90}
    )

    @classmethod
    def from_toml(cls, path: Path) -> RiskModel:
        """[weights] factor = n; [thresholds] medium/high/very-high = n; [floors] factor = band;
        [deadline_days] band = n. Missing tables keep the defaults; unknown names are errors."""
        with path.open("rb") as stream:
            table = tomllib.load(stream)
        base = cls()
        weights = {**base.weights, **table.get("weights", {})}
        unknown = set(weights) - set(FACTORS) | set(table.get("floors", {})) - set(FACTORS)
        if unknown:
            raise ValueError(f"{path}: unknown risk factor(s) {', '.join(sorted(unknown))}")
        try:
            thresholds = {
                **base.thresholds,
                **{Band(k): int(v) for k, v in table.get("thresholds", {}).items()},
            }
            floors = {**base.floors, **{k: Band(v) for k, v in table.get("floors", {}).items()}}
            days = {
                **base.deadline_days,
                **{Band(k): int(v) for k, v in table.get("deadline_days", {}).items()},
            }
        except ValueError as exc:
            raise ValueError(f"{path}: {exc}") from None
        return cls({k: int(v) for k, v in weights.items()}, thresholds, floors, days)


ORDER = [Band.LOW, Band.MEDIUM, Band.HIGH, Band.VERY_HIGH]


@dataclass(frozen=True, slots=True)
class Assessment:
    band: Band
    score: int
    reasons: tuple[str, ...]  # every factor that counted, by step, with its weight

    def deadline(self, model: RiskModel, from_time: datetime) -> datetime:
        return from_time + timedelta(days=model.deadline_days[self.band])


def assess(factors: set[str], model: RiskModel | None = None) -> Assessment:
    model = model or RiskModel()
    unknown = factors - set(FACTORS)
    if unknown:
        raise ValueError(
            f"factors: unknown {', '.join(sorted(unknown))} (known: {', '.join(FACTORS)})"
        )
    reasons = []
    score = 0
    for name, (step, description) in FACTORS.items():  # listed in the order of the four steps
        if name in factors:
            weight = model.weights.get(name, 0)
            score += weight
            reasons.append(f"{step}: {description} (+{weight})")
    band = Band.LOW
    for candidate in ORDER[1:]:
        if score >= model.thresholds[candidate]:
            band = candidate
    for name in factors:
        floor = model.floors.get(name)
        if floor is not None and ORDER.index(floor) > ORDER.index(band):
            band = floor
            reasons.append(f"floor: {FACTORS[name][1]} means at least {floor}")
    reasons.append(f"score {score}: {band}")
    return Assessment(band, score, tuple(reasons))
