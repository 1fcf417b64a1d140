"""The embedded known-hash store at scale: import, open-ready-to-match, and lookups.

    .venv/bin/python benchmarks/bench_store.py [--records 1000000] [--pdq-share 0.2] [--no-floor]

Writes a synthetic VICS 2.0 hash set of N records (every record has random MD5 and SHA-1, a share
of them a PDQ), imports it through the normal importer, then reopens the store as a new process
would and times how long it takes until the first match can be made. Beside ijson's parse (the
issue's anchor) it times the store's write path alone on the same records, prepared beforehand:
what bounds the import (skipped with --no-floor, so that an older tree can run this script).
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

import ijson
import numpy as np

from _common import Comparison, peak_rss_mib, report
from footprint.hashsets import ImportOptions, ImportReport, KnownHashStore, SetKind, import_file

BASE = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels/2.0.xml/US/$metadata#Media"


def write_set(path: Path, records: int, pdq_share: float) -> tuple[np.ndarray, np.ndarray]:
    """Digests are random, as real ones are (sequential ones would only ever append to the
    store's key index); returns the MD5s and the PDQ hashes written."""
    rng = np.random.default_rng(7)
    md5s = rng.integers(0, 256, (records, 16), dtype=np.uint8)
    sha1s = rng.integers(0, 256, (records, 20), dtype=np.uint8)
    pdqs = rng.integers(0, 256, (int(records * pdq_share), 32), dtype=np.uint8)
    with path.open("w") as out:
        out.write(json.dumps({"@odata.context": BASE})[:-1] + ', "value": [\n')
        for n in range(records):
            media = {
                "MediaID": n,
                "MD5": md5s[n].tobytes().hex(),
                "SHA1": sha1s[n].tobytes().hex(),
                "Category": n % 5,
                "IsDistributed": "true",
            }
            if n < len(pdqs):
                media["AlternativeHashes"] = [
                    {"HashName": "PDQ", "HashValue": pdqs[n].tobytes().hex()}
                ]
            out.write(("" if n == 0 else ",\n") + json.dumps(media))
        out.write("]}\n")
    return md5s, pdqs


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--pdq-share", type=float, default=0.2)
    parser.add_argument("--dir", type=Path, default=None, help="work folder (default: temp)")
    parser.add_argument(
        "--no-floor", action="store_true", help="skip the write floor (for older trees)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        work = Path(tmp)
        source = work / "set.json"
        started = time.perf_counter()
        md5s, pdqs = write_set(source, args.records, args.pdq_share)
        generate_s = time.perf_counter() - started

        floor_s = ijson_floor(source, args.records)
        store = KnownHashStore(work / "hs.sqlite")
        started, cpu_started = time.perf_counter(), time.process_time()
        import_report = import_file(store, source, "big", ImportOptions())
        import_s = time.perf_counter() - started
        import_cpu_s = time.process_time() - cpu_started
        store.close()
        assert import_report.imported == args.records, import_report.as_dict()

        started = time.perf_counter()
        reopened = KnownHashStore(work / "hs.sqlite")
        matcher, _infos = reopened.open_matcher(["big"])
        open_s = time.perf_counter() - started

        rng = np.random.default_rng(8)
        wanted = rng.integers(0, args.records, 20_000)
        started = time.perf_counter()
        found = sum(bool(matcher.exact.lookup("md5", md5s[n].tobytes().hex())) for n in wanted)
        exact_per_s = len(wanted) / (time.perf_counter() - started)
        assert found == len(wanted)

        queries = [pdqs[i].tobytes().hex() for i in rng.integers(0, len(pdqs), 1000)]
        started = time.perf_counter()
        pdq_hits = sum(bool(matcher.match({"pdq": [q]}).matches) for q in queries)
        pdq_per_s = len(queries) / (time.perf_counter() - started)
        assert pdq_hits == len(queries)
        db_mb = os.path.getsize(work / "hs.sqlite") / 1e6
        reopened.close()
        peak_mib = peak_rss_mib()  # before the floor below holds every record in memory
        floor_write_s = (
            None if args.no_floor else write_floor(source, work / "floor.sqlite", args.records)
        )

    figures = {
        "records": args.records,
        "pdq_records": len(pdqs),
        "generate_seconds": round(generate_s, 1),
        "ijson_floor_seconds": round(floor_s, 1),
        "ijson_floor_records_per_second": round(args.records / floor_s),
        "import_seconds": round(import_s, 1),
        "import_cpu_seconds": round(import_cpu_s, 1),
        "import_records_per_second": round(args.records / import_s),
        "store_mb": round(db_mb, 1),
        "open_ready_to_match_seconds": round(open_s, 2),
        "exact_lookups_per_second": round(exact_per_s),
        "pdq_queries_per_second": round(pdq_per_s, 1),
        "peak_rss_mib": round(peak_mib, 1),
        "write_floor_seconds": floor_write_s and round(floor_write_s, 1),
    }
    rows = comparisons(args.records, floor_s, import_s, floor_write_s)
    report(f"store-{args.records}", figures, rows)


def write_floor(source: Path, store_path: Path, records: int) -> float:
    """What bounds the import: its own write path alone (bulk load, inserts, the signal index,
    the commit), every record read and prepared beforehand, nothing else running."""
    from footprint.hashsets.formats import chosen_format  # here: --no-floor runs older trees
    from footprint.hashsets.reading import read_batches

    options = ImportOptions()
    fmt = chosen_format(source, options)
    batches = list(read_batches(fmt, source, ImportReport(str(source), fmt.name), options, False))
    store = KnownHashStore(store_path)
    started = time.perf_counter()
    with store.writing():
        store.db.execute("BEGIN IMMEDIATE")
        set_id = store.ensure_set("floor", SetKind.KNOWN)
        with store.bulk_load(records):
            written = store.write_prepared(set_id, batches)
        store.db.execute("COMMIT")
    elapsed = time.perf_counter() - started
    store.close()
    assert written == records, written
    return elapsed


def ijson_floor(source: Path, records: int) -> float:
    """The anchor: ijson's C backend building every Media object and nothing else."""
    started = time.perf_counter()
    with source.open("rb") as stream:
        parsed = sum(1 for _ in ijson.items(stream, "value.item"))
    assert parsed == records, parsed
    return time.perf_counter() - started


def comparisons(
    records: int, floor_s: float, import_s: float, floor_write_s: float | None
) -> list[Comparison]:
    work = f"hash-set import, {records:,}-record VICS 2.0"
    rows = [
        Comparison(
            work,
            f"ijson.items floor ({ijson.backend})",
            f"{records / floor_s:,.0f} records/s",
            f"{records / import_s:,.0f} records/s",
            round(floor_s / import_s, 2),
            ">= 0.5x",
            floor_s / import_s >= 0.5,
        )
    ]
    if floor_write_s is not None:
        rows.append(
            Comparison(
                work,
                "the store's write path alone, records prepared beforehand",
                f"{records / floor_write_s:,.0f} records/s",
                f"{records / import_s:,.0f} records/s",
                round(floor_write_s / import_s, 2),
                "none set (what bounds the import)",
                None,
            )
        )
    if records >= 10_000_000:
        rows.append(
            Comparison(
                work,
                f"ijson.items floor ({ijson.backend})",
                f"{floor_s:.0f} s",
                f"{import_s:.0f} s",
                round(floor_s / import_s, 2),
                "10 M in < 180 s",
                import_s < 180,
            )
        )
    return rows


if __name__ == "__main__":
    main()
