"""Startup costs, timed in subprocesses, and the call overhead on 1x8x8x32.

A cold compile (fresh cache folder, new process: ``iree_gn.compile``, then a second
configuration and one that no kernel serves in the same process), and a fresh process with a warm disk
cache doing ``import iree_gn`` and its first ``group_norm``. Compared with the issue's
targets (``TARGETS``).
"""

from __future__ import annotations

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time

from . import REPO
from .cases import CASES_BY_NAME, Case, make_inputs
from . import peers
from .harness import Budget, measure, summarize

# The targets (seconds).
TARGETS = {
    "cold_compile_s": 1.0,
    "warm_first_call_s": 0.5,
    "op_call_overhead_s": 10e-6,
    "group_norm_call_overhead_s": 20e-6,
}


_COLD_CHILD = textwrap.dedent("""
    import json, sys, time
    cfg = json.loads(sys.argv[1])
    t0 = time.perf_counter()
    import iree_gn
    t1 = time.perf_counter()
    jax_before = "jax" in sys.modules
    op = iree_gn.compile(cfg["shape"], cfg["dtype"], groups=cfg["groups"],
                         channels_axis=cfg["channels_axis"],
                         reduction_axes=cfg["reduction_axes"], activation=cfg["activation"])
    t2 = time.perf_counter()
    # A second configuration in the same process: JAX is imported already.
    iree_gn.compile(cfg["shape"], cfg["dtype"], groups=cfg["groups"] // 2,
                    channels_axis=cfg["channels_axis"],
                    reduction_axes=cfg["reduction_axes"], activation=cfg["activation"])
    t3 = time.perf_counter()
    jax_by_compile = "jax" in sys.modules
    # A configuration no hand-written kernel serves (statistics over the first reduction
    # axis only, the later ones kept: a layout that would need a transpose): traced with
    # JAX, so this one pays for importing it.
    iree_gn.compile(cfg["shape"], cfg["dtype"], groups=cfg["groups"],
                    channels_axis=cfg["channels_axis"],
                    reduction_axes=tuple(cfg["reduction_axes"])[:1],
                    activation=cfg["activation"])
    t4 = time.perf_counter()
    from iree_gn import _ops
    print(json.dumps({"import_s": t1 - t0, "compile_s": t2 - t1, "second_compile_s": t3 - t2,
                      "jax_compile_s": t4 - t3, "jax_imported_by_import": jax_before,
                      "jax_imported_by_compile": jax_by_compile, "stats": dict(_ops.STATS)}))
""")

_WARM_CHILD = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    cfg = json.loads(sys.argv[1])
    x = np.ones(cfg["shape"], cfg["dtype"])
    t0 = time.perf_counter()
    import iree_gn
    t1 = time.perf_counter()
    y = iree_gn.group_norm(x, groups=cfg["groups"], channels_axis=cfg["channels_axis"],
                           reduction_axes=cfg["reduction_axes"],
                           activation_fn=cfg["activation"])
    t2 = time.perf_counter()
    y = iree_gn.group_norm(x, groups=cfg["groups"], channels_axis=cfg["channels_axis"],
                           reduction_axes=cfg["reduction_axes"],
                           activation_fn=cfg["activation"])
    t3 = time.perf_counter()
    from iree_gn import _ops
    print(json.dumps({"import_s": t1 - t0, "first_call_s": t2 - t1, "second_call_s": t3 - t2,
                      "import_plus_first_call_s": t2 - t0,
                      "jax_imported": "jax" in sys.modules, "stats": dict(_ops.STATS)}))
""")


def _child(code: str, cfg: dict, cache_dir: str, timeout: float = 300) -> dict:
    env = dict(os.environ)
    env["IREE_GN_CACHE_DIR"] = cache_dir
    env["PYTHONPATH"] = REPO + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", code, json.dumps(cfg)], env=env, cwd=REPO,
                       capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"child failed (exit {p.returncode}):\n{p.stderr[-2000:]}")
    out = json.loads(p.stdout.strip().splitlines()[-1])
    out["process_wall_s"] = wall
    return out


def startup(case: Case, cold_runs: int, warm_runs: int) -> dict:
    """Cold compile in a fresh cache folder, then fresh processes on that warm cache."""
    cfg = dict(shape=list(case.shape), dtype=case.dtype, groups=case.groups,
               channels_axis=case.channels_axis, reduction_axes=list(case.reduction_axes),
               activation=case.activation)
    colds, warms = [], []
    for _ in range(cold_runs):
        d = tempfile.mkdtemp(prefix="iree-gn-bench-cache-")
        try:
            colds.append(_child(_COLD_CHILD, cfg, d))
            if not warms:
                for _ in range(warm_runs):
                    warms.append(_child(_WARM_CHILD, cfg, d))
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def med(rows, k):
        return statistics.median(r[k] for r in rows)

    return {
        "case": case.name,
        "cold": colds, "warm": warms,
        "cold_compile_s": med(colds, "compile_s"),
        "second_compile_s": med(colds, "second_compile_s"),
        "jax_compile_s": med(colds, "jax_compile_s"),
        "cold_jax_imported": any(r["jax_imported_by_compile"] for r in colds),
        "cold_process_wall_s": med(colds, "process_wall_s"),
        "warm_import_s": med(warms, "import_s"),
        "warm_first_call_s": med(warms, "import_plus_first_call_s"),
        "warm_process_wall_s": med(warms, "process_wall_s"),
        "warm_jax_imported": any(r["jax_imported"] for r in warms),
    }


def call_overhead(budget: Budget) -> dict:
    """Per-call time on 1x8x8x32 through the compiled op (out=) and through group_norm."""
    case = CASES_BY_NAME["1x8x8x32"]
    x, gamma, beta = make_inputs(case)
    res = {}
    for prepare, key in ((peers.prep_iree_op, "op_call_overhead_s"),
                         (peers.prep_iree_group_norm, "group_norm_call_overhead_s")):
        run, _, _ = prepare(case, x, gamma, beta)
        res[key] = summarize(measure(run, budget))
    return res

