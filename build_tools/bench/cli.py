"""The command line of ``python build_tools/bench.py`` (forward tables, or ``--backward``).

Writes ``results.md``, ``results.json`` and ``chart.png`` (forward) or ``backward.md`` and
``backward.json`` (``--backward``) to ``--out`` (default ``build_tools/bench_results``).
"""

from __future__ import annotations

import argparse
import os
import sys

from . import REPO
from .cases import CASES, CASES_BY_NAME
from .harness import Budget

DESCRIPTION = """\
Benchmark iree_gn's group norm against PyTorch, JAX, onnxruntime and NumPy (issue 5).

One process, the same inputs for every implementation, timed in rounds that visit every
implementation in turn (medians with min-max); every result is checked against the float64
reference of tests/reference.py. Startup costs (cold compile, warm first call) are timed in
subprocesses and call overhead on 1x8x8x32, against the issue's targets. The code is the
package build_tools/bench/ (cases, peers, harness, report, backward).

Usage::

    python build_tools/bench.py [--quick] [--shapes NAME,...] [--repeats N] [--out DIR]
    python build_tools/bench.py --backward [--quick] [--shapes NAME,...]
    python build_tools/bench.py --list
"""


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="few repeats on the small shapes (CI smoke test)")
    p.add_argument("--shapes", help="comma-separated case names (see --list)")
    p.add_argument("--repeats", type=int, help="max timed calls per implementation and shape "
                   "(default 200, --quick 10)")
    p.add_argument("--seconds", type=float, help="time budget per implementation and shape "
                   "(default 2, --quick 0.2)")
    p.add_argument("--out", default=os.path.join(REPO, "build_tools", "bench_results"),
                   help="output folder (default build_tools/bench_results)")
    p.add_argument("--startup-shape", help="case for the compile / first-call timings "
                   "(default 2x64x64x320; --quick: the first selected case)")
    p.add_argument("--no-startup", action="store_true",
                   help="skip the compile and fresh-process timings")
    p.add_argument("--list", action="store_true", help="list the cases and exit")
    p.add_argument("--backward", action="store_true", help="the backward tables instead "
                   "(op.vjp, PyTorch, jax.vjp; forward + backward through torch autograd): "
                   "writes backward.md and backward.json (build_tools/bench/backward.py)")
    return p.parse_args(argv)


def _budget(args) -> Budget:
    budget = Budget(repeats=args.repeats or (10 if args.quick else 200),
                    seconds=args.seconds if args.seconds is not None
                    else (0.2 if args.quick else 2.0))
    if args.quick:
        budget.warmup_calls, budget.warmup_seconds = 2, 0.02
    return budget


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.list:
        for c in CASES:
            print(f"{c.name:20s} {c.note}{'  (quick)' if c.quick else ''}")
        return 0
    if args.shapes:
        unknown = [n for n in args.shapes.split(",") if n not in CASES_BY_NAME]
        if unknown:
            print(f"unknown shape(s) {unknown}; known: {', '.join(CASES_BY_NAME)}",
                  file=sys.stderr)
            return 2
        cases = [CASES_BY_NAME[n] for n in args.shapes.split(",")]
    else:
        cases = [c for c in CASES if c.quick] if args.quick else list(CASES)
    os.makedirs(args.out, exist_ok=True)
    command = " ".join(["python build_tools/bench.py"] + list(
        argv if argv is not None else sys.argv[1:]))

    def log(msg):
        print(msg, flush=True)

    if args.backward:
        from . import backward

        return backward.run(cases, _budget(args), args.out, command, log)
    from . import forward

    return forward.run(cases, _budget(args), args, command, log)
