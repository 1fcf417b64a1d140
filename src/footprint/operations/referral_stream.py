"""Reading a referrals file: its format, its documents one by one, each parsed into the rows it
becomes, or the reason it cannot be taken in.

Parsing costs about as much as storing, so for a large file it is done by a worker process while
this one writes to the database. Work crosses the process boundary as plain strings and tuples
(parsed dataclasses cost many times more to pickle than to make).
"""

from __future__ import annotations

import csv
import gc
import json
import multiprocessing
import os
import xml.etree.ElementTree as ET
from collections import deque
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

import ijson

from footprint.errors import RecordError
from footprint.inputs import BoundedJson, InputRefused, check_json_text, xml_elements
from footprint.operations.cybertip_xml import (
    FILE_DETAILS,
    REPORT,
    parse_cybertip_report,
    report_id_of,
)
from footprint.operations.referral_format import ParsedReferral, parse_p2p_row, parse_referral
from footprint.processes import die_with_parent
from footprint.store.bulk import BULK_COLLECTOR_THRESHOLDS

CHUNK = 1_000  # documents sent to the worker at a time
IN_FLIGHT = 8  # chunks handed to the worker ahead: more than a stored batch, so it never idles
WORKER_FROM_BYTES = 4 * 1024 * 1024  # smaller files are parsed in-process (a worker starts in ~1 s)


class Incoming(NamedTuple):
    """One referral as the rows it becomes, without ids (see operations/intake._insert)."""

    key: tuple[str, str]  # (source, report_id)
    referral: tuple[str | None, datetime | None, list[str]]  # incident type, at, prior ids
    identifiers: list[tuple[str, str]]  # (kind, value)
    ip_events: list[tuple[str, int | None, datetime, str | None, bool | None]]
    files: list[tuple[Any, ...]]  # intake._FILE_COLUMNS after id, referral_id, grade_status,
    # then the file's signals as {kind: value}
    postcodes: list[str]


def detect_format(path: Path) -> str:
    with path.open("rb") as stream:
        head = stream.read(65536).decode("utf-8", errors="replace").lstrip("\ufeff").lstrip()
    if head.startswith("<"):
        return "cybertip-xml"
    if head.startswith("["):
        return "json-array"
    if head.startswith("{"):
        first_line = head.splitlines()[0]
        try:
            check_json_text(first_line, path.name)
            first = json.loads(first_line)
        except ValueError:  # not JSON on its own (or beyond bounds: the reading will say)
            return "json-object"  # an object spread over several lines
        return "json-object" if isinstance(first, dict) and "referrals" in first else "json-lines"
    return "p2p-csv"


class MalformedFile(Exception):
    """The file breaks off (not JSON, not UTF-8, broken CSV); what came before it still counts."""


def _documents(path: Path, fmt: str) -> Iterator[tuple[int, Any]]:
    """(record number, raw document), ending with a MalformedFile where the file breaks."""
    number = 0
    try:
        for number, document in _raw_documents(path, fmt):
            yield number, document
    except (ijson.JSONError, UnicodeDecodeError, csv.Error) as exc:
        yield number + 1, MalformedFile(f"{path}: {exc}")
    except InputRefused as exc:  # MalformedXml too
        yield number + 1, MalformedFile(str(exc))


def _raw_documents(path: Path, fmt: str) -> Iterator[tuple[int, Any]]:
    """JSON Lines come as text (decoded with the parsing) and are numbered by line, as are CSV
    rows; JSON arrays and objects by item."""
    if fmt == "p2p-csv":
        with path.open(newline="", encoding="utf-8-sig") as stream:
            reader = csv.DictReader(stream)
            _require_p2p_columns(path, reader.fieldnames)
            for row in reader:
                yield (
                    reader.line_num,
                    {k.strip().lower(): (v or "").strip() for k, v in row.items() if k},
                )
        return
    if fmt == "json-lines":
        with path.open(encoding="utf-8-sig") as stream:
            for number, line in enumerate(stream, start=1):
                if line.strip():
                    yield number, line
        return
    if fmt == "cybertip-xml":
        yield from _xml_reports(path)
        return
    prefix = "item" if fmt == "json-array" else "referrals.item"
    with path.open("rb") as raw:
        if raw.read(3) != b"\xef\xbb\xbf":
            raw.seek(0)
        bounded = BoundedJson(raw, path.name)
        yield from enumerate(ijson.items(bounded, prefix, use_float=True), start=1)


MAX_XML_REPORTS = 100_000  # an XML file is held whole (its file details may follow its reports)


def _xml_reports(path: Path) -> Iterator[tuple[int, Any]]:
    """Each `report` as XML text, with the `fileDetails` that name it from outside it put inside
    it; a fileDetails naming no report in the file comes as an ("orphan", id) to refuse."""
    reports: list[ET.Element] = []
    outside: dict[str | None, list[ET.Element]] = {}
    with path.open("rb") as raw:
        wanted = frozenset({REPORT, FILE_DETAILS})
        for element in xml_elements(raw, path.name, wanted):
            if element.tag == REPORT:
                reports.append(element)
            else:
                outside.setdefault(report_id_of(element), []).append(element)
            if len(reports) > MAX_XML_REPORTS:
                raise MalformedFile(f"{path}: more than {MAX_XML_REPORTS:,} reports: split it")
    for number, report in enumerate(reports, start=1):
        report.extend(outside.pop(report_id_of(report), []))
        yield number, ET.tostring(report)
    for number, orphan in enumerate(outside, start=len(reports) + 1):
        yield number, ("orphan", orphan)


P2P_COLUMNS = ("ip", "port", "timestamp")  # and one of md5, sha1, sha256


def _require_p2p_columns(path: Path, header: Sequence[str] | None) -> None:
    """A file that is neither JSON nor a P2P observation CSV (XML, say) is refused whole,
    saying what it looked like, rather than read as a CSV of nothing."""
    names = {(name or "").strip().lower() for name in header or []}
    if set(P2P_COLUMNS) <= names and names & {"md5", "sha1", "sha256"}:
        return
    first = ",".join(header or [])[:80]
    raise MalformedFile(
        f"{path}: not a referrals file: not JSON, and not a P2P observation CSV (its first line "
        f"{first!r} lacks the columns {', '.join(P2P_COLUMNS)} and a hash: md5, sha1 or sha256)"
    )


def _incoming(p: ParsedReferral) -> Incoming:
    return Incoming(
        (p.source, p.report_id),
        (p.incident_type, p.incident_at, p.prior_report_ids),
        [(i.kind, i.value) for i in p.identifiers],
        [(e.ip, e.port, e.at, e.event, e.possible_proxy) for e in p.ip_events],
        [
            (
                f.file_name,
                f.photodna,
                f.industry_classification,
                f.uploaded_at,
                f.signals,
            )
            for f in p.files
        ],
        list(dict.fromkeys(p.postcodes)),
    )


def _parse(fmt: str, document: Any) -> Incoming:
    if fmt == "p2p-csv":
        return _incoming(parse_p2p_row(document))
    if fmt == "cybertip-xml":
        return _incoming(_parse_xml_report(document))
    if isinstance(document, str):
        try:
            check_json_text(document, "line")
        except InputRefused as exc:
            raise RecordError("line", str(exc).removeprefix("line: ")) from None
        try:
            document = json.loads(document)
        except json.JSONDecodeError as exc:
            raise RecordError("line", f"not JSON: {exc.msg}") from None
    return _incoming(parse_referral(document))


def _parse_xml_report(document: bytes | tuple[str, str | None]) -> ParsedReferral:
    if isinstance(document, tuple):
        raise RecordError(
            "fileDetails/reportId", f"names report {document[1]!r}, which this file does not hold"
        )
    # our own serialisation of an element already read safely: it cannot hold a DTD
    return parse_cybertip_report(ET.fromstring(document))


Outcome = tuple[
    int, tuple[Any, ...] | RecordError | MalformedFile
]  # a plain tuple pickles at half the cost


def _parse_chunk(fmt: str, documents: list[tuple[int, Any]]) -> list[Outcome]:
    """The worker's job (and the in-process one): each document parsed, or why it cannot be."""
    outcomes: list[Outcome] = []
    for number, document in documents:
        if isinstance(document, MalformedFile):
            outcomes.append((number, document))
            continue
        try:
            outcomes.append((number, tuple(_parse(fmt, document))))
        except RecordError as exc:
            outcomes.append((number, exc))
    return outcomes


def _chunked(documents: Iterator[tuple[int, Any]]) -> Iterator[list[tuple[int, Any]]]:
    chunk: list[tuple[int, Any]] = []
    for item in documents:
        chunk.append(item)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _worker_started() -> None:
    """The worker only ever parses: collect garbage as seldom as a bulk stage does (~25% faster).
    It dies with the import that started it."""
    die_with_parent()
    gc.set_threshold(*BULK_COLLECTOR_THRESHOLDS)


def _in_worker(fmt: str, chunks: Iterator[list[tuple[int, Any]]]) -> Iterator[list[Outcome]]:
    """Chunks parsed by one worker process, a few ahead, handed back in file order."""
    # spawn: a fresh interpreter, safe beside threads (the web server's, for one)
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(
        max_workers=1, mp_context=context, initializer=_worker_started
    ) as worker:
        pending: deque[Future[list[Outcome]]] = deque()
        for chunk in chunks:
            pending.append(worker.submit(_parse_chunk, fmt, chunk))
            if len(pending) > IN_FLIGHT:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()


def use_worker(path: Path) -> bool:
    return (os.cpu_count() or 1) > 1 and path.stat().st_size >= WORKER_FROM_BYTES


def parsed_referrals(
    path: Path, fmt: str, worker: bool | None = None
) -> Iterator[tuple[int, Incoming | RecordError]]:
    """(record number, the referral's rows or why it was refused), in file order; raises
    MalformedFile where the file breaks, after everything before that point."""
    chunks = _chunked(_documents(path, fmt))
    parsed = (
        _in_worker(fmt, chunks)
        if (use_worker(path) if worker is None else worker)
        else (_parse_chunk(fmt, chunk) for chunk in chunks)
    )
    for outcomes in parsed:
        for number, outcome in outcomes:
            if isinstance(outcome, MalformedFile):
                raise outcome
            yield number, outcome if isinstance(outcome, RecordError) else Incoming._make(outcome)
