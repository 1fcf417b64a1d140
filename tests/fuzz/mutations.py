"""Hypothesis strategies for hostile files: a valid sample mutated, hostile fragments spliced
into it, or noise. Sizes stay small so that a run is quick and memory bounds are meaningful."""

from __future__ import annotations

from hypothesis import strategies as st

# what broke parsers, or would: long numbers, deep nesting, long and odd strings, NULs, BOMs
FRAGMENTS = [
    b"9" * 4400,
    b"-" + b"1" * 5000 + b"e99999",
    b"[" * 5000,
    b"{" * 2000 + b'"a":' * 10,
    b'"' + b"x" * 200_000 + b'"',
    b"\x00" * 64,
    b"\xef\xbb\xbf",
    b"\\u0000\\ud800",
    b"\r\n" * 100,
    b";" * 500,
    b'","' * 500,
    b"SQLite format 3\x00",
]


@st.composite
def _mutated(draw: st.DrawFn, sample: bytes) -> bytes:
    data = bytearray(sample)
    for _ in range(draw(st.integers(1, 6))):
        where = draw(st.integers(0, len(data)))
        how = draw(st.sampled_from(["flip", "insert", "delete", "cut", "repeat", "splice"]))
        if how == "flip" and where < len(data):
            data[where] ^= draw(st.integers(1, 255))
        elif how == "insert":
            data[where:where] = draw(st.binary(min_size=1, max_size=16))
        elif how == "delete":
            del data[where : where + draw(st.integers(1, 64))]
        elif how == "cut":
            del data[where:]
        elif how == "repeat":
            data[where:where] = data[where : where + 256] * draw(st.integers(2, 20))
        else:
            data[where:where] = draw(st.sampled_from(FRAGMENTS))
    return bytes(data)


def hostile_variants(sample: bytes) -> st.SearchStrategy[bytes]:
    return st.one_of(
        _mutated(sample),
        st.sampled_from(FRAGMENTS).map(lambda fragment: sample[:64] + fragment + sample[64:]),
        st.binary(max_size=4096),
    )
