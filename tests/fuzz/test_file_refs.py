"""A file reference ("referral:<id>", "scan:<id>") from any text: a FileRef, or a GradingError
that names the text; never another exception. And a selection of them: bounded in size."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from footprint.operations.graded_files import (
    MAX_FILES_PER_CALL,
    FileRef,
    GradingError,
    Origin,
    parse_refs,
)

near_miss = st.builds(
    lambda origin, sep, number: f"{origin}{sep}{number}",
    st.sampled_from(["scan", "referral", "Scan", "file", "", "scan "]),
    st.sampled_from([":", "::", "", " : "]),
    st.one_of(st.integers(-(2**40), 2**40).map(str), st.text(max_size=12)),
)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(st.one_of(st.text(max_size=60), near_miss))
def test_any_text_is_a_file_or_a_named_refusal(text: str) -> None:
    try:
        ref = FileRef.parse(text)
    except GradingError as exc:
        assert repr(text) in str(exc)
        return
    assert ref.origin in tuple(Origin) and 0 < ref.id < 2**31
    assert FileRef.parse(str(ref)) == ref  # what it prints reads back the same


def test_a_selection_is_bounded_and_deduplicated() -> None:
    assert parse_refs(["scan:2", "scan:1", "scan:2"]) == [
        FileRef(Origin.SCAN, 1),
        FileRef(Origin.SCAN, 2),
    ]
    with pytest.raises(GradingError, match="at most"):
        parse_refs([f"scan:{n}" for n in range(1, MAX_FILES_PER_CALL + 2)])
