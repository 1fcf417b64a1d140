"""Regenerate the side-by-side table in docs/performance.md from benchmarks/results/*.json.

    .venv/bin/python benchmarks/table.py [--results benchmarks/results] [--doc docs/performance.md]

Each benchmark script writes its rows (footprint against its anchor, measured in the same run) as
`comparisons` in its JSON. This collects them, in the order of ORDER, and replaces what lies
between the two markers in the document. A result file without rows is left out; a marker missing
from the document is an error, never a silent rewrite of the whole file.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
START = "<!-- bench-table:start (benchmarks/table.py writes this part) -->"
END = "<!-- bench-table:end -->"
# The order: PDQ, search, digests, scan, import; then seized evidence.
ORDER = ["pdq", "matching", "digests", "scan", "repeats", "store", "evidence"]
COLUMNS = [
    "work",
    "anchor",
    "anchor figure",
    "footprint figure",
    "ratio",
    "target",
    "met",
    "machine",
    "load",
    "date",
    "command",
]


def _rank(result: dict[str, Any]) -> tuple[int, str]:
    name = str(result.get("benchmark", ""))
    family = name.split("-")[0]
    return (ORDER.index(family) if family in ORDER else len(ORDER), name)


def load_results(folder: Path) -> list[dict[str, Any]]:
    results = []
    for path in sorted(folder.glob("*.json")):
        try:
            result = json.loads(path.read_text())
        except json.JSONDecodeError as exc:
            raise SystemExit(f"{path}: not JSON ({exc})") from exc
        if result.get("comparisons"):
            results.append(result)
    return sorted(results, key=_rank)


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|").replace("\n", " ")


def render(results: list[dict[str, Any]]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for result in results:
        for row in result["comparisons"]:
            cells = [
                row["work"],
                row["anchor"],
                row["anchor_figure"],
                row["footprint_figure"],
                f"{row['ratio']}x",
                row["target"],
                {True: "**met**", False: "not met", None: "-"}[row["met"]],
                result.get("machine", "?"),
                result.get("load", "?"),
                result.get("date", "?"),
                f"`{result.get('command', '?')}`",
            ]
            lines.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(lines)


def replace_table(document: str, table: str) -> str:
    before, found_start, rest = document.partition(START)
    _old_table, found_end, after = rest.partition(END)
    if not found_start or not found_end:
        raise ValueError(f"the document has no {START!r} ... {END!r} markers")
    return f"{before}{START}\n{table}\n{END}{after}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--results", type=Path, default=HERE / "results")
    parser.add_argument("--doc", type=Path, default=HERE.parent / "docs" / "performance.md")
    args = parser.parse_args()
    results = load_results(args.results)
    if not results:
        raise SystemExit(f"no results with comparisons in {args.results}: run `make bench`")
    try:
        updated = replace_table(args.doc.read_text(), render(results))
    except ValueError as exc:
        raise SystemExit(f"{args.doc}: {exc}") from exc
    args.doc.write_text(updated)
    rows = sum(len(r["comparisons"]) for r in results)
    met = sum(row["met"] is True for r in results for row in r["comparisons"])
    print(f"{args.doc}: {rows} rows from {len(results)} results, {met} met", file=sys.stderr)


if __name__ == "__main__":
    main()
