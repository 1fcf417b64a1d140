"""Untrusted files read within bounds: no file may crash, hang or exhaust the process.

XML goes through defusedxml with no DTD allowed (so no entity can expand or reach outside), one
element at a time, within a nesting bound.

JSON is the dangerous one. ijson's C parser crashed the process (a segmentation fault) on an
integer of ~4,400 digits, and its prefixes take memory that grows with the square of the
nesting depth (an 80 KB file of brackets took 4 GB). `BoundedJson` wraps the byte stream a
parser reads from and refuses, before the parser sees them, bytes that nest deeper than any
format we read needs or hold a number longer than any real one. It looks only at the bytes
outside strings, a chunk at a time, with numpy, so it costs little next to the parsing.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from typing import Protocol

import defusedxml.ElementTree as DefusedET
import numpy as np
from defusedxml import DefusedXmlException

from footprint.errors import Invalid

MAX_JSON_DEPTH = 32  # VICS cases need 6 levels, referrals 5
MAX_NUMBER_DIGITS = 100  # a number with more digits in a row is refused (MediaID needs 20)

_ESCAPED = re.compile(rb"\\.", re.DOTALL)
_LONG_NUMBER = re.compile(rb"[0-9]{%d}" % (MAX_NUMBER_DIGITS + 1))
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = np.zeros(256, dtype=np.int64)  # a bracket's effect on the depth
_STEP[list(b"[{")] = 1
_STEP[list(b"]}")] = -1


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


class InputRefused(Invalid):
    """A file beyond the bounds: the message says where and why, and nothing of it is kept."""


class BoundedJson:
    """A binary stream (what ijson reads) that raises InputRefused on nesting deeper than
    `max_depth` or a run of more than MAX_NUMBER_DIGITS digits outside a string. A number
    split across two reads is seen in pieces, so the longest that can pass has twice the
    bound: still far below what breaks a parser."""

    def __init__(self, raw: Readable, name: str, max_depth: int = MAX_JSON_DEPTH) -> None:
        self._raw, self._name, self._max_depth = raw, name, max_depth
        self._depth = 0
        self._offset = 0
        self._in_string = False
        self._escape_pending = False

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._check(data)
        self._offset += len(data)
        return data

    def close(self) -> None:
        self._raw.close()

    def __enter__(self) -> BoundedJson:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _check(self, data: bytes) -> None:
        if self._escape_pending and data:
            data = data[1:]  # the character a backslash at the end of the last read escaped
        cleaned = _ESCAPED.sub(b"", data)
        self._escape_pending = cleaned.endswith(b"\\")
        parts = cleaned.split(b'"')
        outside = b" ".join(parts[1 if self._in_string else 0 :: 2])
        if (len(parts) - 1) % 2:
            self._in_string = not self._in_string
        if _LONG_NUMBER.search(outside):
            self._refuse(f"a number of more than {MAX_NUMBER_DIGITS} digits")
        brackets = np.frombuffer(outside.translate(None, _NOT_BRACKETS), dtype=np.uint8)
        if not brackets.size:
            return
        depths = self._depth + np.cumsum(_STEP[brackets])
        if int(depths.max()) > self._max_depth:
            self._refuse(f"nesting deeper than {self._max_depth} levels")
        self._depth = int(depths[-1])

    def _refuse(self, what: str) -> None:
        raise InputRefused(f"{self._name}: {what} near byte {self._offset:,}; not read")


def check_json_text(text: str, name: str) -> None:
    """The same bounds for one JSON document held as text (a JSON Lines line)."""
    BoundedJson(io.BytesIO(text.encode("utf-8", errors="replace")), name).read()


# --- XML ----------------------------------------------------------------------------------------

MAX_XML_DEPTH = 32  # a CyberTipline report needs 6 levels, NCMEC's hash sharing 5


class MalformedXml(InputRefused):
    """Not well-formed XML: where, and what the parser said."""


def local_name(tag: object) -> str:
    """A tag without its namespace: NCMEC's files put every element in one, which says nothing
    the element's name does not."""
    return str(tag).rpartition("}")[2]


def xml_elements(
    stream: Readable, name: str, wanted: frozenset[str], max_depth: int = MAX_XML_DEPTH
) -> Iterator[ET.Element]:
    """Each element whose local name is `wanted` (not one nested in another wanted), whole, with
    namespaces taken off every tag, and detached from the document once yielded so that a file of
    any length streams. A DTD (and so any entity: the billion laughs, external files) is refused,
    as is nesting deeper than `max_depth`."""
    parents: list[ET.Element] = []
    inside = 0  # how many of `parents` are wanted: their children are kept for them
    try:
        for event, element in DefusedET.iterparse(stream, events=("start", "end"), forbid_dtd=True):
            if event == "start":
                element.tag = local_name(element.tag)
                parents.append(element)
                inside += element.tag in wanted
                if len(parents) > max_depth:
                    raise InputRefused(f"{name}: nesting deeper than {max_depth} levels; not read")
                continue
            parents.pop()
            if element.tag in wanted:
                inside -= 1
            if inside == 0 and parents:
                parents[-1].remove(element)  # yielded, or of no use: either way, let it go
            if element.tag in wanted and inside == 0:
                yield element
    except ET.ParseError as exc:
        raise MalformedXml(f"{name}: not well-formed XML ({exc})") from None
    except DefusedXmlException:
        raise InputRefused(
            f"{name}: declares a DTD or entities, which a file from outside may not; not read"
        ) from None
