#!/usr/bin/env python3
"""Dynamic-batch op against the static op of the same shape (issue 13).

``compile((None, ...))`` must cost no more than ``compile((N, ...))`` for the same input:
<= 1.1x (median per call, ``op(x, gamma, beta, out=out)``). Both ops live in one process and
are timed in interleaved rounds (each round: warm-up calls, then a share of timed calls of
each op in turn), so both see the same drift of load on a shared machine. With ``--loop``
the per-sample route (a batch-1 module called once per sample, what a dynamic batch ran
before the kernels took one) is timed too.

Usage::

    python build_tools/bench_dynamic.py [--rounds 7] [--calls 10] [--shapes 0,2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

import iree_gn  # noqa: E402

# (name, shape, channels_axis, reduction_axes): the bench shapes of issue 13.
SHAPES = [
    ("nhwc 8x56x56x256", (8, 56, 56, 256), -1, (1, 2)),
    ("nhwc 6x32x32x640", (6, 32, 32, 640), -1, (1, 2)),
    ("nchw 16x64x16x16", (16, 64, 16, 16), 1, (2, 3)),
    ("nhwc 4096x8x8x32", (4096, 8, 8, 32), -1, (1, 2)),
    ("nhwc 1x64x64x320", (1, 64, 64, 320), -1, (1, 2)),  # batch 1: the row split
    ("nhwc 2x8x8x32", (2, 8, 8, 32), -1, (1, 2)),  # small: the single-threaded driver
]


def _ops(shape, ca, red, control):
    kw = dict(groups=32, channels_axis=ca, reduction_axes=red)
    static = iree_gn.compile(shape, "float32", **kw)
    dynamic = iree_gn.compile((None,) + shape[1:], "float32", **kw)
    ops = {"static": static, "dynamic": dynamic}
    if control:  # the same static module loaded again: the harness's own noise floor
        from iree_gn import _ops as ops_mod

        ops["static again"] = ops_mod.CompiledGroupNorm(static.spec, static.target,
                                                        static.vmfb, static.key, None)
    # The old route: the batch-1 module bound with the batch as a block axis (run per sample).
    from iree_gn import _bound, _ops as ops_mod

    block = ops_mod.get_op(static.spec.with_shape((1,) + shape[1:]), static.target)
    loop = _bound.BoundOp(block.vmfb, _bound.group_norm_signature(dynamic.spec), static.target)
    ops["per-sample loop"] = lambda x, g, b, out: loop(x, g, b, out=out)
    return ops


def _time(fn, calls):
    ts = []
    for _ in range(calls):
        t0 = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t0)
    return ts


def bench(shape, ca, red, rounds, calls, loop, control=False):
    rng = np.random.default_rng(0)
    x = (0.3 + 2 * rng.standard_normal(shape)).astype(np.float32)
    C = shape[ca]
    g = (1 + 0.5 * rng.standard_normal(C)).astype(np.float32)
    b = (0.5 * rng.standard_normal(C)).astype(np.float32)
    ops = _ops(shape, ca, red, control)
    if not loop:
        ops.pop("per-sample loop", None)
    outs = {k: iree_gn.empty(shape, np.float32) for k in ops}
    for k, op in ops.items():
        op(x, g, b, out=outs[k])
    # Same answer (the numerics are the tests' business: tests/test_kernels.py).
    np.testing.assert_allclose(outs["dynamic"], outs["static"], rtol=1e-5, atol=1e-5)
    times = {k: [] for k in ops}
    for r in range(rounds):
        order = list(ops.items())
        for k, op in (order if r % 2 == 0 else order[::-1]):  # neither always goes first
            out = outs[k]
            for _ in range(2):
                op(x, g, b, out=out)
            times[k] += _time(lambda: op(x, g, b, out=out), calls)
            time.sleep(0.01)
    return ({k: statistics.median(v) for k, v in times.items()},
            {k: min(v) for k, v in times.items()})


def main(argv=None):
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
        m, lo = bench(shape, ca, red, a.rounds, a.calls, a.loop, a.control)
        r = m["dynamic"] / m["static"]
        worst = max(worst, r)
        line = f"{name:<20} {m['static'] * 1e3:>10.3f} {m['dynamic'] * 1e3:>11.3f} {r:>6.2f}"
        if "per-sample loop" in m:
            line += (f" {m['per-sample loop'] * 1e3:>9.3f} "
                     f"{m['per-sample loop'] / m['static']:>6.2f}")
        if "static again" in m:
            line += f"  control {m['static again'] / m['static']:.2f}"
        # Minima too: on a loaded machine they show the ops' own cost better than medians.
        line += f"   (min {lo['static'] * 1e3:.3f} / {lo['dynamic'] * 1e3:.3f})"
        print(line, flush=True)
    print(f"# worst dynamic/static: {worst:.2f} (goal <= 1.10); "
          f"load average after {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
