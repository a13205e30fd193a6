"""Smoke tests of the benchmarks (build_tools/bench.py, the build_tools/bench/ package).

The quick run on the smallest shape as CI would (a subprocess, ``--quick`` on 1x8x8x32,
about 10-20 s), forward and backward, checking that the reports exist and that every
iree_gn row is correct; every other entry point (the package run as a folder,
bench_dynamic.py) on a tiny case; and the shared harness and checks in process, including
the CUDA device script's use of them. Peers (torch, onnxruntime, onnx, matplotlib: the
``bench`` extra) are optional: when they are missing the run must still succeed and list
them as missing.
"""

import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = os.path.join(REPO, "build_tools")
BENCH = os.path.join(TOOLS, "bench.py")
if TOOLS not in sys.path:
    sys.path.insert(0, TOOLS)  # `import bench`: the package build_tools/bench/

from bench import cases, harness, report  # noqa: E402
from reference import max_abs_bound, ref_group_norm  # noqa: E402


def _run(*args, timeout=240):
    p = subprocess.run([sys.executable, *args], capture_output=True, text=True,
                       timeout=timeout, cwd=REPO)
    assert p.returncode == 0, f"{args} failed:\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}"
    return p.stdout


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


def test_entry_points_answer():
    # The documented command lines, and the package run as a folder, reach the same CLI.
    assert "--backward" in _run(BENCH, "--help")
    listed = _run(BENCH, "--list")
    assert all(c.name in listed for c in cases.CASES)
    assert _run(os.path.join(TOOLS, "bench"), "--list") == listed
    assert "--loop" in _run(os.path.join(TOOLS, "bench_dynamic.py"), "--help")


def test_bench_dynamic_tiny():
    # The dynamic-batch table on its smallest shape (2x8x8x32), 2 rounds of 2 calls: one
    # line with both medians and their ratio, and the loop and control columns.
    out = _run(os.path.join(TOOLS, "bench_dynamic.py"), "--rounds", "2", "--calls", "2",
               "--shapes", "5", "--loop", "--control")
    (line,) = [ln for ln in out.splitlines() if ln.startswith("nhwc 2x8x8x32")]
    static_ms, dynamic_ms, ratio = (float(v) for v in line.split()[2:5])
    assert static_ms > 0 and dynamic_ms > 0 and 0 < ratio < 1e3  # ms printed rounded
    assert "control" in line and "worst dynamic/static" in out


def _case():
    return cases.Case("t", (2, 4, 4, 8), "test", groups=4, activation="silu")


def test_case_reference_is_the_tests_reference():
    # One float64 reference: a case's reference is tests/reference.py's on its arguments.
    case = _case()
    x, g, b = cases.make_inputs(case)
    want = ref_group_norm(x, 4, -1, (-3, -2), g, b, cases.EPS, "silu")
    np.testing.assert_array_equal(cases.reference_forward(case, x, g, b), want)
    dx, dg, db = cases.reference_backward(case, x, g, b, cases.make_dy(case))
    assert dx.shape == x.shape and dg.shape == db.shape == (8,)


def test_check_forward_flags_errors_over_the_tests_bound():
    ref = np.linspace(-4, 4, 64).reshape(8, 8)
    check = cases.check_forward(ref, "float32")
    bound = max_abs_bound(ref, "float32")
    assert check(ref + 0.5 * bound)["status"] == "ok"
    assert check(ref + 2 * bound)["status"].startswith("ERROR")
    assert check(np.full_like(ref, np.nan))["status"].startswith("ERROR")
    assert cases.check_forward(ref, "float32", slack=1.0)(ref + 0.5)["status"] == "ok"


def test_evaluate_keeps_every_row_and_times_the_good_ones():
    def ok(case, x):
        return (lambda: x), (lambda y: y), "own"

    def wrong(case, x):
        return (lambda: x + 1), (lambda y: y), "own"

    def missing(case, x):
        raise harness.Missing("not installed")

    def broken(case, x):
        raise RuntimeError("boom")

    impls = [harness.Impl(n, f) for n, f in
             (("ok", ok), ("wrong", wrong), ("missing", missing), ("broken", broken))]
    x = np.zeros((4, 4))
    budget = harness.Budget(repeats=4, seconds=1.0, min_repeats=4, warmup_calls=1,
                            warmup_seconds=0.0)
    rows = harness.evaluate(None, impls, (x,), cases.check_forward(x, "float32"), budget)
    assert [r["impl"] for r in rows] == ["ok", "wrong", "missing", "broken"]
    assert [r["status"][:5] for r in rows] == ["ok", "ERROR", "missi", "faile"]
    assert rows[0]["n"] == 4 and rows[0]["min_s"] <= rows[0]["median_s"] <= rows[0]["max_s"]
    assert "median_s" in rows[1] and "median_s" not in rows[2] and "boom" in rows[3]["detail"]


def test_time_rounds_alternates_and_uses_the_given_timer():
    order = []
    runs = [({"impl": k}, (lambda k=k: order.append(k))) for k in "ab"]
    budget = harness.Budget(repeats=4, seconds=1e9, min_repeats=4, warmup_calls=0,
                            warmup_seconds=0.0)
    harness.time_rounds(runs, budget, rounds=2, alternate=True)
    # round 1 a then b, round 2 b then a; each: one warm-up call (at least one), two timed
    assert "".join(order) == "aaabbb" + "bbbaaa"
    assert all(r["n"] == 4 for r, _ in runs)
    times = harness.measure(lambda: None, budget, timer=lambda fn: 0.25)
    assert times == [0.25] * 4


def test_md_table():
    assert report.md_table(["a", "b"], [[1, "x"]]) == ["| a | b |", "|---|---|", "| 1 | x |"]


def test_device_cuda_reuses_the_bench_checks():
    # build_tools/device_cuda.py checks GPU results with the bench's check and the tests'
    # reference: a right answer passes, one off by more than the bound fails.
    spec_ = importlib.util.spec_from_file_location("device_cuda",
                                                   os.path.join(TOOLS, "device_cuda.py"))
    dc = importlib.util.module_from_spec(spec_)
    spec_.loader.exec_module(dc)
    assert dc.cases is cases and dc.harness is harness
    from iree_gn._spec import GroupNormSpec

    spec = GroupNormSpec.create((2, 4, 4, 8), "float32", groups=4)

    def right(x, g, b):
        return ref_group_norm(x, 4, -1, (-3, -2), g, b, spec.epsilon).astype(np.float32)

    rng = np.random.default_rng(0)
    logged = []
    assert dc._check(right, spec, rng, spec.shape, 0.0, logged.append)["ok"]
    bad = dc._check(lambda *a: right(*a) + 1e-2, spec, rng, spec.shape, 0.0, logged.append)
    assert not bad["ok"] and "FAIL" in logged[-1]
    med, lo, hi = dc._ms(lambda: None, 3, warm=1)
    assert 0 <= lo <= med <= hi


@pytest.mark.vulkan
def test_device_cuda_lavapipe_tiny():
    # The lavapipe rehearsal of the GPU kernels' timing (bench.device, harness.time_rounds)
    # on its smallest shape: both forms compile, run and get a median.
    from iree_gn import _targets

    try:
        _targets.resolve("vulkan:llvmpipe")
    except _targets.DeviceNotFound as e:
        pytest.skip(f"no lavapipe device here: {e}")
    out = _run(os.path.join(TOOLS, "device_cuda_lavapipe.py"), "--rounds", "2", "--shapes", "5")
    (line,) = [ln for ln in out.splitlines() if ln.startswith("1x8x8x256-float32")]
    kernels_ms, barrier_ms, ratio = (float(v) for v in line.split()[1:4])
    assert kernels_ms > 0 and barrier_ms > 0 and ratio > 0
