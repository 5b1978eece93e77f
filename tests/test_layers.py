"""The import rule of DESIGN.md: a module imports only from its own layer or those after it, and no two
modules import each other (directly or round a loop). Parsed from the source, lazy imports included."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "crimestat"

# Highest first. A module's layer is its first dotted part below crimestat (crimestat.sources.ons.parser is
# in "sources"); crimestat itself (__init__) and __main__ are the API face.
LAYERS = [
    {"cli", "__init__", "__main__"},
    {"render"},
    {"analyses"},
    {"dataset"},
    {"sources", "releases"},
    {"loaders"},
    {"cache"},
    {"model"},
    {"metrics", "results", "files", "errors", "runtime", "version"},
]


def _layer(module: str) -> int:
    parts = module.split(".")
    key = parts[1] if len(parts) > 1 else "__init__"
    for rank, names in enumerate(LAYERS):
        if key in names:
            return rank
    raise AssertionError(f"{module} is in no layer of DESIGN.md; add its folder to LAYERS")


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1:
            parts = parts[:-1]
        found[".".join(parts)] = path
    return found


def _statements(body: list[ast.stmt]):
    """Every statement in ``body`` and in the blocks inside it (functions, classes, branches, loops, handlers),
    leaving out the body of ``if TYPE_CHECKING:`` (typing-only imports are not run, so they make no cycle).
    Imports are statements, so the expressions in between need not be walked."""
    for node in body:
        yield node
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            yield from _statements(node.orelse)
            continue
        for field in ("body", "orelse", "finalbody"):
            yield from _statements(getattr(node, field, None) or [])
        for inner in (*getattr(node, "handlers", ()), *getattr(node, "cases", ())):
            yield from _statements(inner.body)


def _imports(module: str, path: Path, known: set[str]) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in _statements(tree.body):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                found.add(candidate if candidate in known else target)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
    return {m for m in found if m in known and m != module}


@functools.cache
def _graph() -> dict[str, set[str]]:
    modules = _modules()
    known = set(modules)
    return {m: _imports(m, p, known) for m, p in modules.items()}


def test_no_module_imports_a_higher_layer():
    wrong = [f"{m} ({LAYERS[_layer(m)]}) imports {t} ({LAYERS[_layer(t)]})"
             for m, targets in _graph().items() for t in sorted(targets)
             if _layer(t) < _layer(m) and not (t == "crimestat" and _is_version_only(m))]
    assert wrong == []


def _is_version_only(module: str) -> bool:
    return False


def test_no_import_cycle():
    graph = _graph()
    # A package importing its own submodules (a registry loading its records) is not a loop of ideas;
    # a submodule importing its package's __init__ back is the cycle we look for, so keep both edges.
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert cycles == []


def test_the_top_level_stays_small():
    loose = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(loose) <= 10, loose
    too_long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
                if (n := len(p.read_text(encoding="utf-8").splitlines())) > 500}
    assert too_long == {}
