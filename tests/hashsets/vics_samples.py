"""Small VICS documents written the way real exports write them (messy on purpose)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BASE = "http://github.com/VICSDATAMODEL/ProjectVic/DataModels"
PDQ_A = "f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22"


def md5_of(n: int) -> str:
    return f"{n:032x}"


def media(n: int, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "MediaID": n,
        "MD5": md5_of(n).upper(),
        "Category": 1,
        "VictimIdentified": "false",
        "OffenderIdentified": "true",
        "IsDistributed": True,
        "Series": None,
        "Tags": "",
        "MediaSize": 1000 + n,
    }
    record.update(fields)
    return record


def write_hashset(
    path: Path,
    items: list[dict[str, Any]],
    version: str = "2.0",
    country: str = "US",
    bom: bool = False,
) -> Path:
    if version == "2.0":
        head = {"@odata.context": f"{BASE}/2.0.xml/{country}/$metadata#Media"}
    else:
        head = {"odata.metadata": f"{BASE}/{version}.xml/{country}/$metadata#Media"}
    text = json.dumps({**head, "value": items})
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode())
    return path


def write_case(path: Path, items: list[dict[str, Any]], total: int | None = None) -> Path:
    case = {
        "CaseID": "7d2f",
        "CaseNumber": "OP-NOTARISE-0001",
        "ContactName": "Analyst",
        "SourceApplicationName": "SomeTool",
        "TotalMediaFiles": len(items) if total is None else total,
        "Media": items,
    }
    document = {"odata.metadata": f"{BASE}/1.3.xml/US/$metadata#Cases", "value": [case]}
    path.write_text(json.dumps(document, indent=1))
    return path
