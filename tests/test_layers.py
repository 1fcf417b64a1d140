"""The house's layering, checked from the source: the import graph between packages (every import
in every module, read by AST, those inside functions too) has no cycle and runs only down the
table in docs/architecture.md; the interfaces reach the store only through its front door."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "footprint"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
ENTRY_POINTS = {"__init__", "__main__"}  # the package itself and `python -m footprint`
INTERFACES = {"cli", "web"}
STORE_FRONT_DOOR = "footprint.store"


@dataclass(frozen=True, slots=True)
class Import:
    source: str  # the importing module's file, relative to src/footprint
    line: int
    package: str  # the importing package (or top-level module)
    target: str  # the imported module, dotted

    @property
    def target_package(self) -> str:
        return self.target.split(".")[1]

    def __str__(self) -> str:
        return f"{self.source}:{self.line} imports {self.target}"


def layer_table(text: str) -> list[set[str]]:
    """The ```layers block: one line per layer, top first, packages before the '|'."""
    block = re.search(r"```layers\n(.*?)```", text, re.S)
    assert block, "docs/architecture.md has no ```layers block"
    return [set(line.split("|")[0].split()) for line in block.group(1).splitlines() if line.strip()]


def package_of(path: Path) -> str:
    relative = path.relative_to(PACKAGE)
    return relative.parts[0] if len(relative.parts) > 1 else relative.stem


def imports_in(path: Path) -> Iterator[Import]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    source, package = str(path.relative_to(PACKAGE)), package_of(path)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{source}:{node.lineno}: relative import; write it whole"
            names = [node.module or ""]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        for name in names:
            if name.startswith("footprint."):
                yield Import(source, node.lineno, package, name)


def all_imports() -> list[Import]:
    return [found for path in sorted(PACKAGE.rglob("*.py")) for found in imports_in(path)]


def packages() -> set[str]:
    found = {package_of(p) for p in PACKAGE.rglob("*.py")}
    return found - ENTRY_POINTS


def against_the_layers(imports: list[Import], layers: list[set[str]]) -> list[str]:
    """Imports that point up the table or across one line of it."""
    level = {package: n for n, line in enumerate(layers) for package in line}
    wrong = []
    for found in imports:
        source, target = found.package, found.target_package
        if source in ENTRY_POINTS or source == target:
            continue
        if level[target] <= level[source]:
            wrong.append(f"{found} ({source} may import only what lies below it)")
    return wrong


def package_cycles(imports: list[Import]) -> list[list[str]]:
    """Strongly connected groups of more than one package (Tarjan's algorithm)."""
    graph: dict[str, set[str]] = {}
    for found in imports:
        if found.package not in ENTRY_POINTS and found.package != found.target_package:
            graph.setdefault(found.package, set()).add(found.target_package)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                cycles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_every_package_has_its_place_in_the_table() -> None:
    layers = layer_table(ARCHITECTURE.read_text(encoding="utf-8"))
    listed = [p for line in layers for p in line]
    assert len(listed) == len(set(listed)), "a package is listed on two lines"
    assert set(listed) == packages(), "docs/architecture.md's layers differ from src/footprint"


def test_no_cycle_between_packages() -> None:
    assert package_cycles(all_imports()) == []


def test_imports_run_only_down_the_layers() -> None:
    layers = layer_table(ARCHITECTURE.read_text(encoding="utf-8"))
    assert against_the_layers(all_imports(), layers) == []


def test_the_interfaces_reach_the_store_only_through_its_front_door() -> None:
    inside = [
        str(found)
        for found in all_imports()
        if found.package in INTERFACES and found.target.startswith(STORE_FRONT_DOOR + ".")
    ]
    assert inside == []


def test_the_checks_catch_what_they_are_for() -> None:
    """The mechanism itself: an upward import, an import across a line and a cycle are found."""
    layers = [{"web"}, {"operations", "triage"}, {"signals"}]
    planted = [
        Import("signals/a.py", 3, "signals", "footprint.web.app"),  # up
        Import("triage/b.py", 4, "triage", "footprint.operations.cases"),  # across
        Import("operations/c.py", 5, "operations", "footprint.signals.kinds"),  # fine: down
        Import("operations/d.py", 6, "operations", "footprint.triage.scan"),  # across, a cycle
    ]
    wrong = against_the_layers(planted, layers)
    assert [w.split(" ")[0] for w in wrong] == [
        "signals/a.py:3",
        "triage/b.py:4",
        "operations/d.py:6",
    ]
    assert package_cycles(planted) == [["operations", "triage"]]
