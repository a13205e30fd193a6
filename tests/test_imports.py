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


# Hides the compile side ([compile] extra) as a runtime-only install lacks it.
_BLOCKER = r"""
import importlib.abc, sys
class _Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in ("jax", "jaxlib") or name.split(".")[:2] == ["iree", "compiler"]:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
sys.meta_path.insert(0, _Block())
"""


def _runtime_only(code: str, tmp_path, *args):
    env = dict(os.environ, IREE_GN_CACHE_DIR=str(tmp_path / "cold-cache"),
               PYTHONPATH=os.path.dirname(PKG))
    return subprocess.run([sys.executable, "-c", _BLOCKER + code, *args], env=env,
                          capture_output=True, text=True, timeout=120)


def test_runtime_only_install_imports_and_says_what_to_install(tmp_path):
    code = r"""
import numpy as np, iree_gn, iree_gn.deploy
for call in (lambda: iree_gn.group_norm(np.ones((2, 4, 4, 8), np.float32), groups=2),
             lambda: iree_gn.group_norm(np.ones((2, 40, 40, 8), np.float64), groups=2),
             lambda: iree_gn.compile((2, 4, 4, 8), "float32", groups=2)):
    try:
        call()
        print("RAN")
    except iree_gn.CompilerNotInstalled as e:
        assert isinstance(e, ModuleNotFoundError)
        print("OK", e)
"""
    r = _runtime_only(code, tmp_path)
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert len(lines) == 3 and all(line.startswith("OK") for line in lines), r.stdout
    for line in lines:
        assert "pip install -e '.[compile]'" in line and "iree_gn.deploy" in line


def test_runtime_only_cli_has_no_traceback(tmp_path):
    code = "import sys; from iree_gn.cli import main; sys.exit(main(sys.argv[1:]))"
    r = _runtime_only(code, tmp_path, "demo")
    assert r.returncode == 1 and "Traceback" not in r.stderr, r.stderr
    assert "[compile]" in r.stderr


def test_runtime_only_vjp_of_a_pickled_op_says_what_to_install(tmp_path):
    # A 'spawn' worker gets a pickled op (module bytes, no compiler); its backward module
    # must be built, which needs the compile side.
    import pickle

    import iree_gn

    op = iree_gn.compile((None, 4, 4, 8), "float32", groups=2)
    (tmp_path / "op.pkl").write_bytes(pickle.dumps(op))
    code = r"""
import pickle, sys, numpy as np, iree_gn
op = pickle.loads(open(sys.argv[1], "rb").read())
x = np.ones((2, 4, 4, 8), np.float32)
op(x, np.ones(8, np.float32), np.zeros(8, np.float32))
try:
    op.vjp(x, np.ones(8, np.float32), np.zeros(8, np.float32), x)
    print("RAN")
except iree_gn.CompilerNotInstalled as e:
    print("OK", e)
"""
    r = _runtime_only(code, tmp_path, str(tmp_path / "op.pkl"))
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("OK op.vjp of") and "[compile]" in r.stdout, r.stdout
