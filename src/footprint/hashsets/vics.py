"""Project VIC (VICS) JSON 1.2, 1.3 and 2.0: streaming import of both shapes, and export.

Import is lenient: a UTF-8 byte-order mark, booleans written as strings, upper-case hex, null
categories and headers that contradict the entries are all accepted; every skipped record is
reported with its number, field and reason. The hash-set shape (``value: [Media]``) streams through
ijson's C backend; the case shape (``value: [Case{Media: [...]}]``) is walked event by event so
that a case's media never have to be in memory at once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import ijson

from footprint.errors import RecordError
from footprint.hashsets.model import (
    GradingVote,
    ImportReport,
    KnownHash,
    UnifiedCategory,
    normalise_hex,
    parse_flag,
)
from footprint.hashsets.schemes import CategoryMapper, Scheme
from footprint.inputs import BoundedJson
from footprint.signals.kinds import registered_kind

if TYPE_CHECKING:
    from footprint.hashsets.formats import ImportOptions

# ".../DataModels/1.2.xml/US/$metadata#Media", and the shapes real producers also write:
# no country (".../1.3.xml/$metadata#Media", ".../1.3.xml#Media"), another base (ICMEC's).
CONTEXT_RE = re.compile(
    r"/(?P<version>\d+(?:\.\d+)*)\.xml(?:/(?P<country>[A-Za-z]+))?/?(?:\$metadata)?"
    r"(?:#(?P<kind>\w+))?"
)
CONTEXT_KEYS = ("odata.metadata", "@odata.context", "odata.context", "@odata.metadata")
VICS_BASE = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels"
BOM = b"\xef\xbb\xbf"

# Fields that KnownHash models itself; every other Media field is kept in `extra`.
_CORE_FIELDS = {
    "MediaID",
    "Category",
    "MD5",
    "SHA1",
    "PhotoDNA",
    "AlternativeHashes",
    "VictimIdentified",
    "OffenderIdentified",
    "IsDistributed",
    "Series",
    "DateUpdated",
    "footprint:Category",
    "footprint:SourceScheme",
    "footprint:GradingVotes",
}
_ALT_HASH_FIELDS = {"PDQ": "pdq", "SHA256": "sha256", "SHA-256": "sha256"}
# Producers differ in case ("Md5", "mediaId"): core fields are found whatever their case.
_CANONICAL = {name.lower(): name for name in _CORE_FIELDS}
OTHER_ALTERNATIVE_HASHES = "_other_alternative_hashes"  # names no signal kind reads: kept


def open_without_bom(path: Path) -> BoundedJson:
    """The file's bytes after any byte-order mark, read within bounds (footprint.inputs)."""
    stream = path.open("rb")
    if stream.read(3) != BOM:
        stream.seek(0)
    return BoundedJson(stream, path.name)


def parse_context(text: str | None) -> dict[str, str]:
    if not text:
        return {}
    found = CONTEXT_RE.search(text)
    if not found:
        return {"unparsed": text}
    return {k: v for k, v in found.groupdict().items() if v is not None}


def scheme_for_country(country: str | None) -> Scheme:
    return Scheme.UK if (country or "").upper() == "UK" else Scheme.VICS


def _peek_shape(path: Path) -> tuple[dict[str, str], str]:
    """Read only as far as needed to learn the header and whether value items are cases."""
    header: dict[str, str] = {}
    with open_without_bom(path) as stream:
        for prefix, event, value in ijson.parse(stream):
            if prefix.lower() in CONTEXT_KEYS and event == "string":
                header = {"context": value, **parse_context(value)}
            elif prefix == "value.item" and event == "map_key" and value == "Media":
                return header, "case"
            elif (prefix, event) in (("value.item", "end_map"), ("value", "end_array")):
                return header, "hashset"
    return header, "hashset"


def _iter_case_media(stream: BoundedJson, cases: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """Yield each case's media one at a time; collect the case fields (without Media)."""
    case_builder: ijson.ObjectBuilder | None = None
    media_builder: ijson.ObjectBuilder | None = None
    for prefix, event, value in ijson.parse(stream):
        if prefix == "value.item" and event == "start_map":
            case_builder = ijson.ObjectBuilder()
        if prefix == "value.item.Media.item" and event == "start_map":
            media_builder = ijson.ObjectBuilder()
        if media_builder is not None:
            media_builder.event(event, value)
            if prefix == "value.item.Media.item" and event == "end_map":
                yield media_builder.value
                media_builder = None
            continue
        in_media_list = prefix == "value.item.Media" or prefix.startswith("value.item.Media.")
        if (
            case_builder is not None
            and not in_media_list
            and not (prefix == "value.item" and event == "map_key" and value == "Media")
        ):
            case_builder.event(event, value)
        if prefix == "value.item" and event == "end_map" and case_builder is not None:
            cases.append(case_builder.value)
            case_builder = None


def media_to_known(
    media: object, mapper: CategoryMapper, report: ImportReport, number: int
) -> KnownHash:
    if not isinstance(media, dict):
        raise RecordError("Media", f"expected an object, got {type(media).__name__}")
    extra: dict[str, Any] = {}
    if not media.keys() <= _CORE_FIELDS:  # most files name only core fields, as VICS spells them
        media = {_CANONICAL.get(str(k).lower(), str(k)): v for k, v in media.items()}
        extra = {k: v for k, v in media.items() if k not in _CORE_FIELDS}
    md5 = normalise_hex(media.get("MD5"), "md5")
    record = KnownHash(signals={"md5": md5} if md5 else {}, photodna=_text(media.get("PhotoDNA")))
    record.record_id = _text(media.get("MediaID"))
    record.extra = extra
    _set_signal(record, "sha1", _optional_hex(media.get("SHA1"), "sha1", report, number))
    _read_alternative_hashes(record, media.get("AlternativeHashes"), report, number)
    if not record.has_any_hash():  # VICS keys on MD5; a record with another hash still matches
        raise RecordError("MD5", "missing, and no other hash (SHA1, PhotoDNA, AlternativeHashes)")
    _read_category(record, media, mapper)
    record.victim_identified = parse_flag(media.get("VictimIdentified"), "VictimIdentified")
    record.offender_identified = parse_flag(media.get("OffenderIdentified"), "OffenderIdentified")
    record.distributed = parse_flag(media.get("IsDistributed"), "IsDistributed")
    record.series = _text(media.get("Series"))
    record.date_updated = _text(media.get("DateUpdated"))
    record.votes = _read_votes(media.get("footprint:GradingVotes"))
    return record


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _optional_hex(value: object, name: str, report: ImportReport, number: int) -> str | None:
    """A malformed secondary hash is dropped with a warning; the record still imports."""
    try:
        return normalise_hex(value, name)
    except RecordError as exc:
        report.warn(number, exc.field, f"{exc.reason}; field dropped")
        return None


def _set_signal(record: KnownHash, kind: str, value: str | None) -> None:
    if value:
        record.signals[kind] = value
    else:
        record.signals.pop(kind, None)


def _read_alternative_hashes(
    record: KnownHash, entries: object, report: ImportReport, number: int
) -> None:
    if entries is None:
        return
    if not isinstance(entries, list):
        report.warn(number, "AlternativeHashes", "expected a list; field dropped")
        return
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        name = str(entry.get("HashName", "")).strip().upper()
        target = _ALT_HASH_FIELDS.get(name) or registered_kind(name.lower())
        if target is not None:
            value = _optional_hex(entry.get("HashValue"), target, report, number)
            _set_signal(record, target, value)
        else:
            record.extra.setdefault(OTHER_ALTERNATIVE_HASHES, []).append(entry)


def _read_category(record: KnownHash, media: dict[str, Any], mapper: CategoryMapper) -> None:
    own = media.get("footprint:Category")
    if own is not None:  # our own export: the unified grade and its source scheme, loss-free
        record.category = _unified(own, "footprint:Category")
        record.source_scheme = _text(media.get("footprint:SourceScheme"))
        record.source_category = _text(media.get("Category"))
        return
    record.source_scheme = str(mapper.scheme)
    record.source_category, record.category = mapper.map(media.get("Category"))


def _unified(value: object, field_name: str) -> UnifiedCategory:
    try:
        return UnifiedCategory(str(value))
    except ValueError:
        raise RecordError(field_name, f"not a footprint category: {value!r}") from None


def _read_votes(entries: object) -> list[GradingVote]:
    if not isinstance(entries, list):
        return []
    return [
        GradingVote(
            str(v["grader"]),
            _unified(v["category"], "footprint:GradingVotes"),
            _text(v.get("voted_at")),
        )
        for v in entries
        if isinstance(v, dict) and "grader" in v and "category" in v
    ]


def read_vics(path: Path, report: ImportReport, options: ImportOptions) -> Iterator[KnownHash]:
    header, shape = _peek_shape(path)
    scheme = options.category_scheme
    chosen = scheme or scheme_for_country(header.get("country"))
    report.header = {**header, "shape": shape, "scheme": str(chosen)}
    if (
        scheme is not None
        and header.get("country")
        and scheme_for_country(header["country"]) != scheme
    ):
        report.warn(0, "@odata.context", f"header says {header['country']}, imported as {scheme}")
    mapper = options.mapper(chosen)
    cases: list[dict[str, Any]] = []
    with open_without_bom(path) as stream:
        media_items: Iterable[Any] = (
            _iter_case_media(stream, cases)
            if shape == "case"
            else ijson.items(stream, "value.item", use_float=True)
        )
        count = 0
        for count, media in enumerate(media_items, start=1):
            try:
                yield media_to_known(media, mapper, report, count)
            except RecordError as exc:
                report.skip(count, exc.field, exc.reason)
    mapper.report_unknown(report)
    _check_case_totals(cases, count, report)
    if cases:
        report.header["cases"] = cases


def _check_case_totals(cases: list[dict[str, Any]], count: int, report: ImportReport) -> None:
    declared = [c["TotalMediaFiles"] for c in cases if c.get("TotalMediaFiles") is not None]
    try:
        total = sum(int(d) for d in declared)
    except (TypeError, ValueError):
        report.warn(0, "TotalMediaFiles", f"not a number: {declared!r}")
        return
    if declared and total != count:
        report.warn(0, "TotalMediaFiles", f"header says {total}, file holds {count} media")


# --- export -----------------------------------------------------------------------------------


def known_to_media(record: KnownHash) -> dict[str, Any]:
    media: dict[str, Any] = dict(record.extra)
    media["MediaID"] = _media_id(record.record_id)
    media["MD5"] = record.md5.upper() if record.md5 else None
    media["SHA1"] = record.sha1.upper() if record.sha1 else None
    if record.photodna is not None:
        media["PhotoDNA"] = record.photodna
    alternatives = list(media.pop(OTHER_ALTERNATIVE_HASHES, []))
    for kind, value in record.signals.items():
        if kind not in ("md5", "sha1"):  # the two VICS names as fields of their own
            alternatives.append({"HashName": kind.upper(), "HashValue": value})
    media["AlternativeHashes"] = alternatives
    media["Category"] = _category_code(record.source_category)
    media["footprint:Category"] = str(record.category)
    media["footprint:SourceScheme"] = record.source_scheme
    media["VictimIdentified"] = record.victim_identified
    media["OffenderIdentified"] = record.offender_identified
    media["IsDistributed"] = record.distributed
    media["Series"] = record.series
    media["DateUpdated"] = record.date_updated
    if record.votes:
        media["footprint:GradingVotes"] = [
            {"grader": v.grader, "category": str(v.category), "voted_at": v.voted_at}
            for v in record.votes
        ]
    return media


def _media_id(record_id: str | None) -> int | str | None:
    if record_id is not None and record_id.isdigit():
        return int(record_id)
    return record_id


def _category_code(source_category: str | None) -> int | str | None:
    if source_category is None:
        return None
    return int(source_category) if source_category.lstrip("-").isdigit() else source_category


def write_vics(
    records: Iterable[KnownHash],
    out: IO[str],
    *,
    shape: str = "hashset",
    country: str = "US",
    case: dict[str, Any] | None = None,
    version: str = "2.0",
) -> int:
    """Stream a VICS document (2.0, or 1.3 with its `odata.metadata` header); returns the
    number of media written."""
    kind = "Cases" if shape == "case" else "Media"
    context = f"{VICS_BASE}/{version}.xml/{country}/$metadata#{kind}"
    key = "@odata.context" if version.startswith("2") else "odata.metadata"
    out.write(json.dumps({key: context})[:-1] + ', "value": [')
    if shape == "case":
        head = dict(case or {})
        head.pop("Media", None)
        out.write(json.dumps(head)[:-1] + (', "Media": [' if head else '"Media": ['))
    count = 0
    for count, record in enumerate(records, start=1):
        out.write(("\n" if count == 1 else ",\n") + json.dumps(known_to_media(record)))
    out.write("]}]}\n" if shape == "case" else "]}\n")
    return count
