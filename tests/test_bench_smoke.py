"""Smoke test of build_tools/bench.py: the quick run on the smallest shape.

It runs the benchmark as CI would (a subprocess, ``--quick`` on 1x8x8x32, about 10-20 s),
then checks that the report and the JSON exist and that every iree_gn row is correct.
Peers (torch, onnxruntime, onnx, matplotlib: the ``bench`` extra) are optional: when they
are missing the run must still succeed and list them as missing.
"""

import json
import os
import subprocess
import sys

BENCH = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                     "build_tools", "bench.py")


def test_bench_quick_smoke(tmp_path):
    out = tmp_path / "bench"
    # IREE_GN_CACHE_DIR (set by conftest) is inherited: the run shares the test cache.
    p = subprocess.run(
        [sys.executable, BENCH, "--quick", "--shapes", "1x8x8x32", "--out", str(out)],
        capture_output=True, text=True, timeout=240)
    assert p.returncode == 0, f"bench.py failed:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"

    md = (out / "results.md").read_text()
    data = json.loads((out / "results.json").read_text())
    assert "shared 2-core machine" in md and "## Targets" in md

    rows = data["rows"]
    assert [r["case"]["name"] for r in rows] == ["1x8x8x32"]
    results = rows[0]["results"]
    ours = [r for r in results if r["ours"]]
    assert {r["impl"] for r in ours} == {"iree_gn op(out=)", "iree_gn group_norm"}
    for r in ours:
        assert r["status"] == "ok", r
        assert r["max_abs_err"] <= 1e-4, r
        assert r["median_s"] > 0 and r["min_s"] <= r["median_s"] <= r["max_s"]
    # Every peer is listed, whether it ran or is missing; none is silently dropped.
    for r in results:
        assert r["status"] in ("ok", "missing", "unsupported", "failed") or \
            r["status"].startswith("ERROR"), r
        assert r["impl"] in md
    for r in results:
        if r["status"] == "missing":
            assert "missing" in md

    assert data["bandwidth"]["roofline_Bps"] > 0
    assert data["overhead"]["op_call_overhead_s"]["median_s"] > 0
    assert "startup" in data, data.get("startup_error")


def test_bench_backward_quick_smoke(tmp_path):
    # The backward tables (issue 11): every iree_gn row right against the float64 reference,
    # every peer listed.
    out = tmp_path / "bench"
    p = subprocess.run(
        [sys.executable, BENCH, "--backward", "--quick", "--shapes", "1x8x8x32",
         "--out", str(out)], capture_output=True, text=True, timeout=240)
    assert p.returncode == 0, f"bench.py --backward failed:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    md = (out / "backward.md").read_text()
    data = json.loads((out / "backward.json").read_text())
    (row,) = data["rows"]
    names = {r["impl"] for r in row["backward"] + row["train"]}
    assert {"iree_gn op.vjp(out=)", "iree_gn.torch NCHW fwd+bwd"} <= names
    for r in row["backward"] + row["train"]:
        assert r["impl"] in md
        if r["ours"] and r["status"] != "missing":  # the adapter rows need torch
            assert r["status"] == "ok" and r["rel_err"] <= 1e-5, r
    assert not (out / "results.md").exists()  # the forward results are left alone
