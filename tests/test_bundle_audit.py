"""Bundle fixes from the December audit: --add onto another CPU's host row, manifest edits of
an entry's target/driver, `iree-gn run` on non-.npy inputs, pickled bundles' CPU check,
unwritable -o, `iree-gn inspect` of unloadable bundles, request validation.

Bundles here are tiny and built in this process (jobs=1) through the shared compile cache.
"""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from iree_gn import _bundle, _cpu, deploy
from iree_gn._spec import GroupNormSpec

CLI = [sys.executable, "-c",
       "import sys; from iree_gn.cli import main; sys.exit(main(sys.argv[1:]))"]
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = dict(shape=[2, 4, 4, 8], dtype="float32", groups=4)


def run_cli(*args, **kw):
    return subprocess.run(CLI + [str(a) for a in args], capture_output=True, text=True,
                          cwd=REPO, timeout=600, **kw)


def _item(**kw):
    return _bundle.item_from_json(json.dumps(dict(SPEC, **kw)))


def _build(out, targets, items=None, add=False):
    res = _bundle.build(items or [_item()], targets, str(out), jobs=1, add=add, stream=None)
    assert res.ok, res.failures
    return res


def _manifest(path):
    with open(os.path.join(path, "manifest.json")) as f:
        return json.load(f)


def _write_manifest(path, m):
    with open(os.path.join(path, "manifest.json"), "w") as f:
        json.dump(m, f)


@pytest.fixture(scope="module")
def cpu_bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("audit") / "b"
    _build(out, ["llvm-cpu", "llvm-cpu:x86-64-v3"])
    return str(out)


@pytest.fixture
def copy(cpu_bundle, tmp_path):
    dst = str(tmp_path / "copy")
    shutil.copytree(cpu_bundle, dst)
    return dst


# ---- 1. --add onto a host row built for another CPU ------------------------------------------
def test_add_refuses_a_host_row_built_on_a_cpu_with_other_features(copy):
    m = _manifest(copy)
    m["host"]["cpu"] = "Future CPU"
    m["targets"]["llvm-cpu"]["cpu_features"].append("avx10_2")
    _write_manifest(copy, m)
    before = open(os.path.join(copy, "manifest.json")).read()
    with pytest.raises(deploy.BundleError, match=r"(?s)llvm-cpu modules .*Future CPU.*"
                                                 r"lacks: avx10_2.*without --add.*x86-64-v3"):
        _build(copy, ["llvm-cpu"], [_item(groups=2)], add=True)
    assert open(os.path.join(copy, "manifest.json")).read() == before
    # Through the command line: the usual error line, exit 2, nothing compiled first.
    proc = run_cli("build", "--add", "-o", copy, "--targets", "llvm-cpu:x86-64-v3",
                   "--spec", json.dumps(dict(SPEC, groups=1)))
    assert proc.returncode == 2 and "iree-gn: error: --add:" in proc.stderr, proc.stderr
    assert open(os.path.join(copy, "manifest.json")).read() == before


def test_add_keeps_a_host_row_built_on_a_cpu_with_fewer_features(copy):
    # This CPU's features cover the old modules' needs: the union is this CPU's set.
    m = _manifest(copy)
    m["targets"]["llvm-cpu"]["cpu_features"] = m["targets"]["llvm-cpu"]["cpu_features"][1:]
    _write_manifest(copy, m)
    _build(copy, ["llvm-cpu"], [_item(groups=2)], add=True)
    m = _manifest(copy)
    assert set(m["targets"]["llvm-cpu"]["cpu_features"]) == set(deploy.cpu_features())
    assert len([e for e in m["modules"] if e["target"] == "llvm-cpu"]) == 2
