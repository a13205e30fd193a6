"""The package's import graph: no cycles; the runtime side imports without JAX or the IREE
compiler, and the compile side says what to install when they are missing."""

import ast
import os
import subprocess
import sys

PKG = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "iree_gn")


def _imports(path: str, modules: set) -> set:
    deps = set()
    for node in ast.walk(ast.parse(open(path, encoding="utf-8").read())):
        if isinstance(node, ast.ImportFrom):
            if node.level == 1:
                names = [node.module] if node.module else [a.name for a in node.names]
            elif node.level == 0 and (node.module or "").startswith("iree_gn"):
                parts = node.module.split(".")
                names = parts[1:2] or [a.name for a in node.names] + ["__init__"]
            else:
                continue
            deps.update(n.split(".")[0] for n in names)
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("iree_gn"):
                    deps.add((a.name.split(".") + ["__init__"])[1])
    return deps & modules


def import_graph() -> dict:
    """module -> the package modules it imports (anywhere in the file, lazily or not)."""
    modules = {f[:-3] for f in os.listdir(PKG) if f.endswith(".py")}
    return {m: _imports(os.path.join(PKG, m + ".py"), modules) - {m} for m in modules}


def find_cycle(graph: dict):
    state = {}

    def visit(m, path):
        state[m] = "open"
        for d in sorted(graph[m]):
            if state.get(d) == "open":
                return path[path.index(d):] + [d]
            if d not in state:
                found = visit(d, path + [d])
                if found:
                    return found
        state[m] = "done"
        return None

    for m in sorted(graph):
        if m not in state:
            found = visit(m, [m])
            if found:
                return found
    return None


def test_finds_a_cycle_when_there_is_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_package_has_no_import_cycles():
    graph = import_graph()
    assert {"cli", "_bundle_cli", "_targets", "_devices"} <= set(graph)
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " -> ".join(cycle)
