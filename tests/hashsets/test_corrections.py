"""A person corrects a known record's category or flags with a reason: the history keeps what it
said before, the set's version moves on, and a later import cannot undo it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from footprint.errors import Conflict, Invalid, NotFound
from footprint.hashsets import ImportOptions, KnownHashStore, UnifiedCategory
from footprint.hashsets.corrections import correct_known_record, known_record_history
from footprint.hashsets.service import export_set, import_file
from footprint.security.actor import AccessDenied, Actor
from footprint.security.roles import Role
from tests.hashsets.conftest import records_of
from tests.hashsets.vics_samples import PDQ_A, md5_of, media, write_hashset

ANALYST = Actor("nat.analyst", "NCA", frozenset({Role.ANALYST}))
U = UnifiedCategory


@pytest.fixture
def source(tmp_path: Path, store: KnownHashStore) -> Path:
    items = [
        media(1, AlternativeHashes=[{"HashName": "PDQ", "HashValue": PDQ_A}]),
        media(2, MediaID=7),
        media(3, MediaID=7),  # two records share an id: only a hash tells them apart
    ]
    path = write_hashset(tmp_path / "national.json", items)
    import_file(store, path, "national", ImportOptions())
    return path


def test_a_corrected_category_is_kept_with_its_history_and_outlives_a_reimport(
    store: KnownHashStore, source: Path
) -> None:
    change = correct_known_record(
        ANALYST, store, "national", "1", {"category": "A", "series": "Lighthouse"}, "graded A"
    )
    assert change.version == 2 == store.get_set("national").version
    assert change.before == {
        "category": "indecent-uncategorised",
        "source_scheme": "vics",
        "source_category": "1",
        "series": None,
    }
    assert change.after == {
        "category": "A",
        "source_scheme": "footprint",
        "source_category": "A",
        "series": "Lighthouse",
    }
    assert (change.record.category, change.record.series) == (U.A, "Lighthouse")
    # the file it came from, imported again, fills gaps only: the correction stands
    again = import_file(store, source, "national", ImportOptions())
    assert again.version == 2 and records_of(store, "national")[0].category is U.A
    record, history = known_record_history(store, "national", md5_of(1).upper())
    assert record.category is U.A
    assert [(h.changed_by, h.reason, h.after["category"]) for h in history] == [
        ("nat.analyst", "graded A", "A")
    ]
    out = io.StringIO()
    export_set(store, "national", out)
    exported = json.loads(out.getvalue())["value"][0]
    assert (exported["Category"], exported["footprint:Category"], exported["Series"]) == (
        "A",
        "A",
        "Lighthouse",
    )


def test_records_are_named_by_id_or_by_any_hash(store: KnownHashStore, source: Path) -> None:
    by_pdq = correct_known_record(
        ANALYST, store, "national", PDQ_A, {"victim_identified": True}, "victim named by CEOP"
    )
    assert by_pdq.record.record_id == "1" and by_pdq.after == {"victim_identified": True}
    assert by_pdq.before == {"victim_identified": False}
    with pytest.raises(Invalid, match="2 records of national answer to '7'; name one by a hash"):
        correct_known_record(ANALYST, store, "national", "7", {"distributed": False}, "x")
    by_md5 = correct_known_record(
        ANALYST, store, "national", md5_of(3), {"distributed": None}, "not known to be shared"
    )
    assert by_md5.after == {"distributed": None} and by_md5.before == {"distributed": True}
    with pytest.raises(NotFound, match="no record 'nothing' in set national"):
        correct_known_record(ANALYST, store, "national", "nothing", {"category": "A"}, "x")
    with pytest.raises(NotFound, match="hash set 'elsewhere' not found"):
        correct_known_record(ANALYST, store, "elsewhere", "1", {"category": "A"}, "x")


@pytest.mark.parametrize(
    ("changes", "reason", "said"),
    [
        ({"category": "A"}, "  ", "reason: a correction needs a reason"),
        ({}, "why", "changes: none given"),
        ({"md5": "00"}, "why", "md5: not correctable"),
        ({"category": "D"}, "why", "category: 'D' is not one of"),
        ({"victim_identified": "yes"}, "why", "victim_identified: expected true, false or null"),
        ({"series": "s" * 201}, "why", "series: longer than 200 characters"),
    ],
)
def test_a_bad_correction_is_refused_and_changes_nothing(
    store: KnownHashStore, source: Path, changes: dict[str, object], reason: str, said: str
) -> None:
    with pytest.raises(Invalid, match=said):
        correct_known_record(ANALYST, store, "national", "1", changes, reason)
    assert store.get_set("national").version == 1
    assert known_record_history(store, "national", "1")[1] == []


def test_a_correction_that_changes_nothing_is_refused_without_a_new_version(
    store: KnownHashStore, source: Path
) -> None:
    correct_known_record(ANALYST, store, "national", "1", {"category": "A"}, "graded A")
    with pytest.raises(Conflict, match="already says that"):
        correct_known_record(ANALYST, store, "national", "1", {"category": "A"}, "again")
    assert store.get_set("national").version == 2
    assert len(known_record_history(store, "national", "1")[1]) == 1


def test_only_the_coordinators_people_correct_the_national_sets(
    store: KnownHashStore, source: Path
) -> None:
    examiner = Actor("met.examiner", "E23000001", frozenset({Role.FORENSIC_EXAMINER}))
    with pytest.raises(AccessDenied, match="correcting a known record"):
        correct_known_record(examiner, store, "national", "1", {"category": "A"}, "mine")
    assert records_of(store, "national")[0].category is U.INDECENT_UNCATEGORISED
