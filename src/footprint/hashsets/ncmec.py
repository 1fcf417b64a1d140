"""NCMEC's hash-sharing XML (API v2 `entries`): known images and videos shared between members.

A `queryResult` holds `images` and `videos`; each entry (`image`, `video`) has an `id`, the
`member` that shared it, a `timestamp`, an industry `classification` (A1, A2, B1, B2) and its
`fingerprints` (`md5`, `sha1`, `pdna` for PhotoDNA, `pdq`, ...). A `deletedImage` or
`deletedVideo` withdraws an entry: its record leaves the set, unless the file also holds the entry
with a later timestamp (NCMEC does not send entries in time order). Member feedback is not kept.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any
from xml.sax.saxutils import escape, quoteattr

from footprint.errors import RecordError
from footprint.hashsets.model import ImportReport, KnownHash, normalise_hex
from footprint.hashsets.schemes import CategoryMapper
from footprint.inputs import local_name, xml_elements
from footprint.signals.kinds import registered_kind

NAMESPACE = "https://hashsharing.ncmec.org/hashsharing/v2"
ENTRIES = frozenset({"image", "video", "deletedImage", "deletedVideo"})
_SIGNAL_TAGS = {"md5": "md5", "sha1": "sha1", "sha256": "sha256", "sha-256": "sha256"}
PHOTODNA_TAG = "pdna"
# extra fields that carry what the entry said besides its hashes, so that it can go out again
MEMBER, TIMESTAMP, MEDIA, OTHER_FINGERPRINTS = (
    "ncmec:member",
    "ncmec:timestamp",
    "ncmec:type",
    "ncmec:fingerprints",
)


def sniff(head: bytes) -> bool:
    text = head.decode("utf-8", errors="replace").lstrip("\ufeff").lstrip()
    return text.startswith("<") and ("<queryResult" in text or NAMESPACE in text)


def read_ncmec(path: Path, report: ImportReport, mapper: CategoryMapper) -> Iterator[KnownHash]:
    """Each entry as a record; withdrawn entries' ids go into `report.removals`."""
    report.header = {"scheme": str(mapper.scheme)}
    latest: dict[str, str] = {}  # id -> timestamp of the entry this file holds
    withdrawn: dict[str, str] = {}  # id -> timestamp of its withdrawal
    with path.open("rb") as stream:
        for number, entry in enumerate(xml_elements(stream, path.name, ENTRIES), start=1):
            entry_id = (entry.findtext("id") or "").strip()
            stamp = (entry.findtext("timestamp") or "").strip()
            if entry.tag.startswith("deleted"):
                if not entry_id:
                    report.skip(number, "id", f"a {entry.tag} without an id")
                else:
                    withdrawn[entry_id] = max(stamp, withdrawn.get(entry_id, ""))
                continue
            try:
                record = _record(entry, entry_id, stamp, mapper, report, number)
            except RecordError as exc:
                report.skip(number, exc.field, exc.reason)
                continue
            latest[entry_id] = max(stamp, latest.get(entry_id, ""))
            yield record
    mapper.report_unknown(report)
    # ISO 8601 UTC times as NCMEC writes them compare as text
    report.removals = [i for i, at in withdrawn.items() if latest.get(i, "") <= at]


def _record(
    entry: ET.Element,
    entry_id: str,
    stamp: str,
    mapper: CategoryMapper,
    report: ImportReport,
    number: int,
) -> KnownHash:
    if not entry_id:
        raise RecordError("id", f"an {entry.tag} without an id")
    record = KnownHash(record_id=entry_id, source_scheme=str(mapper.scheme))
    record.source_category, record.category = mapper.map(entry.findtext("classification"))
    member = entry.find("member")
    record.extra = {MEDIA: entry.tag}
    if member is not None:
        record.extra[MEMBER] = {"id": member.get("id"), "name": (member.text or "").strip()}
    if stamp:
        record.extra[TIMESTAMP] = stamp
    _read_fingerprints(record, entry.find("fingerprints"), report, number)
    if not record.has_any_hash():
        raise RecordError("fingerprints", "no hash this reader knows (md5, sha1, pdq, pdna, ...)")
    return record


def _read_fingerprints(
    record: KnownHash, fingerprints: ET.Element | None, report: ImportReport, number: int
) -> None:
    others: list[dict[str, Any]] = []
    for print_ in fingerprints if fingerprints is not None else []:
        tag, value = print_.tag, (print_.text or "").strip()
        kind = _SIGNAL_TAGS.get(tag.lower()) or registered_kind(tag.lower())
        if tag.lower() == PHOTODNA_TAG and value:
            record.photodna = value
        elif kind is not None and value:
            try:
                record.signals[kind] = normalise_hex(value, kind) or ""
            except RecordError as exc:
                report.warn(number, f"fingerprints/{tag}", f"{exc.reason}; field dropped")
        else:  # TMK+PDQF, Videntifier: a link to fetch, or a kind no one here reads
            others.append({"tag": tag, "text": value, "attributes": dict(print_.attrib)})
    if others:
        record.extra[OTHER_FINGERPRINTS] = others


# --- export -----------------------------------------------------------------------------------


def write_ncmec(records: Iterable[KnownHash], out: IO[str]) -> int:
    """A `queryResult` with the images first and then the videos (held back until the images are
    out: a set's videos are few). Classifications go out only for records whose category came
    from NCMEC's scale; footprint's own grades have no place in this format."""
    out.write(f'<?xml version="1.0" encoding="UTF-8"?>\n<queryResult xmlns="{NAMESPACE}">\n')
    out.write("  <images>\n")
    videos: list[KnownHash] = []
    count = 0
    for record in records:
        if record.extra.get(MEDIA) == "video":
            videos.append(record)
            continue
        out.write(_entry(record, "image"))
        count += 1
    out.write("  </images>\n  <videos>\n")
    for record in videos:
        out.write(_entry(record, "video"))
    out.write("  </videos>\n</queryResult>\n")
    return count + len(videos)


def _entry(record: KnownHash, tag: str) -> str:
    lines = [f"    <{tag}>"]
    member = record.extra.get(MEMBER)
    if isinstance(member, dict):
        found = {"id": str(member.get("id") or "")}
        lines.append(f"      {_element('member', str(member.get('name') or ''), found)}")
    if record.extra.get(TIMESTAMP):
        lines.append(f"      {_element('timestamp', str(record.extra[TIMESTAMP]))}")
    lines.append(f"      {_element('id', record.record_id or '')}")
    if record.source_scheme == "ncmec" and record.source_category:
        lines.append(f"      {_element('classification', record.source_category)}")
    lines.append("      <fingerprints>")
    lines += [f"        {_element(kind, value)}" for kind, value in record.signals.items()]
    if record.photodna:
        lines.append(f"        {_element(PHOTODNA_TAG, record.photodna)}")
    for other in record.extra.get(OTHER_FINGERPRINTS, []):
        lines.append(f"        {_element(other['tag'], other['text'], other['attributes'])}")
    lines.append("      </fingerprints>")
    lines.append(f"    </{tag}>\n")
    return "\n".join(lines)


def _element(tag: str, text: str, attributes: dict[str, str] | None = None) -> str:
    attrs = "".join(f" {local_name(k)}={quoteattr(str(v))}" for k, v in (attributes or {}).items())
    return f"<{tag}{attrs}>{escape(text)}</{tag}>"
