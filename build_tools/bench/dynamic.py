"""Dynamic-batch op against the static op of the same shape (issue 13).

``compile((None, ...))`` must cost no more than ``compile((N, ...))`` for the same input:
<= 1.1x (median per call, ``op(x, gamma, beta, out=out)``). Both ops live in one process and
are timed in interleaved rounds (``harness.time_rounds``: each round, warm-up calls then a
share of timed calls of each op in turn, every other round in reverse order), so both see
the same drift of load on a shared machine. With ``--loop`` the per-sample route (a batch-1
module called once per sample, what a dynamic batch ran before the kernels took one) is
timed too; with ``--control`` a second copy of the static op (the harness's noise floor).

Usage::

    python build_tools/bench_dynamic.py [--rounds 7] [--calls 10] [--shapes 0,2]
"""

from __future__ import annotations

import argparse
import math
import os

import numpy as np

from . import REPO  # noqa: F401  (the checkout's iree_gn)
from .cases import random_inputs
from .harness import Budget, time_rounds

# (name, shape, channels_axis, reduction_axes): the bench shapes of issue 13.
SHAPES = [
    ("nhwc 8x56x56x256", (8, 56, 56, 256), -1, (1, 2)),
    ("nhwc 6x32x32x640", (6, 32, 32, 640), -1, (1, 2)),
    ("nchw 16x64x16x16", (16, 64, 16, 16), 1, (2, 3)),
    ("nhwc 4096x8x8x32", (4096, 8, 8, 32), -1, (1, 2)),
    ("nhwc 1x64x64x320", (1, 64, 64, 320), -1, (1, 2)),  # batch 1: the row split
    ("nhwc 2x8x8x32", (2, 8, 8, 32), -1, (1, 2)),  # small: the single-threaded driver
]


def _ops(shape, ca, red, control: bool, loop: bool) -> dict:
    import iree_gn
    from iree_gn import _bound, _ops as ops_mod

    kw = dict(groups=32, channels_axis=ca, reduction_axes=red)
    static = iree_gn.compile(shape, "float32", **kw)
    dynamic = iree_gn.compile((None,) + shape[1:], "float32", **kw)
    ops = {"static": static, "dynamic": dynamic}
    if control:  # the same static module loaded again: the harness's own noise floor
        ops["static again"] = ops_mod.CompiledGroupNorm(static.spec, static.target,
                                                        static.vmfb, static.key, None)
    if loop:  # the old route: the batch-1 module bound with the batch as a block axis
        block = ops_mod.get_op(static.spec.with_shape((1,) + shape[1:]), static.target)
        bo = _bound.BoundOp(block.vmfb, _bound.group_norm_signature(dynamic.spec),
                            static.target)
        ops["per-sample loop"] = lambda x, g, b, out: bo(x, g, b, out=out)
    return ops


def bench(shape, ca, red, rounds: int, calls: int, loop: bool, control: bool = False) -> dict:
    """``{op name: row}`` with the median, min, max and n of each op's calls."""
    import iree_gn

    rng = np.random.default_rng(0)
    x, g, b = random_inputs(rng, shape, ca, "float32", mean=0.3, std=2.0, spread=0.5)
    ops = _ops(shape, ca, red, control, loop)
    outs = {k: iree_gn.empty(shape, np.float32) for k in ops}
    for k, op in ops.items():
        op(x, g, b, out=outs[k])
    # Same answer (the numerics are the tests' business: tests/test_kernels.py).
    np.testing.assert_allclose(outs["dynamic"], outs["static"], rtol=1e-5, atol=1e-5)
    rows = {k: {"impl": k, "status": "ok"} for k in ops}
    runs = [(rows[k], (lambda op=op, out=outs[k]: op(x, g, b, out=out))) for k, op in ops.items()]
    n = rounds * calls
    time_rounds(runs, Budget(repeats=n, seconds=math.inf, min_repeats=n, warmup_calls=2,
                             warmup_seconds=0.0), rounds=rounds, alternate=True)
    return rows


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--calls", type=int, default=10)
    ap.add_argument("--shapes", default=",".join(str(i) for i in range(len(SHAPES))))
    ap.add_argument("--loop", action="store_true", help="time the per-sample route too")
    ap.add_argument("--control", action="store_true",
                    help="time a second copy of the static op (the noise floor of a ratio)")
    a = ap.parse_args(argv)
    print(f"# medians of {a.rounds} x {a.calls} calls, op(x, gamma, beta, out=out), float32, "
          f"g32; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'shape':<20} {'static ms':>10} {'dynamic ms':>11} {'ratio':>6}"
          + (f" {'loop ms':>9} {'ratio':>6}" if a.loop else ""))
    worst = 0.0
    for i in map(int, a.shapes.split(",")):
        name, shape, ca, red = SHAPES[i]
        rows = bench(shape, ca, red, a.rounds, a.calls, a.loop, a.control)
        m = {k: r["median_s"] for k, r in rows.items()}
        r = m["dynamic"] / m["static"]
        worst = max(worst, r)
        line = f"{name:<20} {m['static'] * 1e3:>10.3f} {m['dynamic'] * 1e3:>11.3f} {r:>6.2f}"
        if "per-sample loop" in m:
            line += (f" {m['per-sample loop'] * 1e3:>9.3f} "
                     f"{m['per-sample loop'] / m['static']:>6.2f}")
        if "static again" in m:
            line += f"  control {m['static again'] / m['static']:.2f}"
        # Minima too: on a loaded machine they show the ops' own cost better than medians.
        line += (f"   (min {rows['static']['min_s'] * 1e3:.3f} / "
                 f"{rows['dynamic']['min_s'] * 1e3:.3f})")
        print(line, flush=True)
    print(f"# worst dynamic/static: {worst:.2f} (goal <= 1.10); "
          f"load average after {os.getloadavg()[0]:.1f}")
    return 0
