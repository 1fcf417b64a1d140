from __future__ import annotations

import pytest

from footprint.hashsets import schemes
from footprint.hashsets.grading import GradeStatus, settle
from footprint.hashsets.model import GradingVote, ImportReport, UnifiedCategory
from footprint.hashsets.schemes import (
    CategoryMapper,
    Scheme,
    parse_category_codes,
    parse_uk_codes,
)

U = UnifiedCategory


@pytest.mark.parametrize(
    ("scheme", "value", "expected"),
    [
        (Scheme.VICS, 0, U.NON_PERTINENT),
        (Scheme.VICS, 1, U.INDECENT_UNCATEGORISED),
        (Scheme.VICS, "2", U.UNCATEGORISED),
        (Scheme.VICS, 3, U.UNCATEGORISED),
        (Scheme.VICS, 4, U.NON_PERTINENT),
        (Scheme.VICS, None, U.UNCATEGORISED),
        (Scheme.DHS, "CAT-0", U.UNCATEGORISED),
        (Scheme.DHS, "CAT-1", U.INDECENT_UNCATEGORISED),
        (Scheme.DHS, 5, U.NON_PERTINENT),
        (Scheme.UK, "A", U.A),
        (Scheme.UK, "b", U.B),
        (Scheme.UK, 3, U.C),
    ],
)
def test_scheme_mapping(scheme: Scheme, value: object, expected: UnifiedCategory) -> None:
    mapper = CategoryMapper(scheme, parse_uk_codes("1=A,2=B,3=C"))
    assert mapper.map(value)[1] is expected


def test_unknown_codes_are_kept_graded_by_the_deployment_or_uncategorised() -> None:
    codes = parse_category_codes("dhs:6=non-pertinent, ncmec:c1=C")
    mapper = CategoryMapper(Scheme.DHS, extra_codes=codes["dhs"])
    assert mapper.map(6) == ("6", U.NON_PERTINENT)  # mapped by the deployment
    assert mapper.map("CAT-9") == ("CAT-9", U.UNCATEGORISED)
    assert mapper.map("purple") == ("purple", U.UNCATEGORISED)
    assert mapper.map("CAT-9")[1] is U.UNCATEGORISED
    report = ImportReport("f", "dhs")
    mapper.report_unknown(report)
    assert [(w.record, w.field) for w in report.warnings] == [(0, "Category"), (0, "Category")]
    assert "'CAT-9' is not defined in the dhs scheme: 2 records kept" in report.warnings[0].reason
    assert "FOOTPRINT_CATEGORY_CODES, e.g. dhs:PURPLE=C" in report.warnings[1].reason
    ncmec = CategoryMapper(Scheme.NCMEC, extra_codes=codes["ncmec"])
    assert [ncmec.map(c)[1] for c in ("A1", "b2", "C1", "D")] == [
        U.INDECENT_UNCATEGORISED,
        U.INDECENT_UNCATEGORISED,
        U.C,
        U.UNCATEGORISED,
    ]


def test_a_value_seen_before_maps_and_counts_as_the_first_time(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The mapper works a value out once: every later record with it still maps the same and
    still counts as undefined; 1, "1" and True stay apart; past the values it keeps, it works
    each one out again."""
    monkeypatch.setattr(schemes, "MAPPED_VALUES_KEPT", 3)
    mapper = CategoryMapper(Scheme.VICS)
    for _ in range(3):
        assert mapper.map(1) == ("1", U.INDECENT_UNCATEGORISED)
        assert mapper.map("1") == ("1", U.INDECENT_UNCATEGORISED)
        assert mapper.map(True) == ("True", U.UNCATEGORISED)  # a flag is not a code
        assert mapper.map("7") == ("7", U.UNCATEGORISED)  # past the kept values
        assert mapper.map(["1"]) == ("['1']", U.UNCATEGORISED)  # unhashable: never kept
    assert mapper.unknown == {"True": 3, "7": 3, "['1']": 3}


def test_category_codes_setting_is_validated() -> None:
    assert parse_category_codes("") == {}
    with pytest.raises(ValueError, match="SCHEME:CODE=CATEGORY"):
        parse_category_codes("mars:1=A")
    with pytest.raises(ValueError, match="SCHEME:CODE=CATEGORY"):
        parse_category_codes("vics:=A")
    with pytest.raises(ValueError, match="CATEGORY must be one of"):
        parse_category_codes("vics:7=D")


def test_uk_codes_setting_is_validated() -> None:
    assert parse_uk_codes(" 10=A, 20=non-pertinent ") == {10: U.A, 20: U.NON_PERTINENT}
    with pytest.raises(ValueError, match="CODE=CATEGORY"):
        parse_uk_codes("1=D")


def vote(grader: str, category: UnifiedCategory) -> GradingVote:
    return GradingVote(grader, category)


def test_three_independent_undisputed_votes_settle() -> None:
    assert settle([]).status is GradeStatus.UNGRADED
    two = settle([vote("g1", U.B), vote("g2", U.B)])
    assert (two.status, two.category) == (GradeStatus.PROVISIONAL, U.B)
    same_grader = settle([vote("g1", U.B), vote("g1", U.B), vote("g2", U.B)])
    assert same_grader.status is GradeStatus.PROVISIONAL  # not independent
    settled = settle([vote("g1", U.B), vote("g2", U.B), vote("g3", U.B)])
    assert (settled.status, settled.category) == (GradeStatus.SETTLED, U.B)
    disputed = settle([vote("g1", U.A), vote("g2", U.B), vote("g3", U.B), vote("g4", U.B)])
    assert disputed.status is GradeStatus.DISPUTED and disputed.category is None
    changed_mind = settle([vote("g1", U.A), vote("g1", U.B), vote("g2", U.B), vote("g3", U.B)])
    assert changed_mind.status is GradeStatus.SETTLED
