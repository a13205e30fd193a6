#!/usr/bin/env python3
"""The hand-written GPU kernels against the JAX formulation they replace, on Mesa lavapipe.

    python build_tools/device_cuda_lavapipe.py [--rounds 15] [--shapes 5,6]

Compiles each shape for vulkan:llvmpipe twice (the kernels of iree_gn/_gpu_kernels/, and
the row's old "barrier" formulation), then times both in the same process, device-resident
(inputs uploaded once; one blocking invoke per call: bench/device.py), in interleaved
rounds so both see the same load (bench/harness.py), and prints the medians and their
ratio. lavapipe runs Vulkan on this machine's CPU cores: the figures say nothing about a
real GPU (build_tools/device_cuda.py does that), only that the kernels are not a
regression where CI runs them.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # the bench package

SHAPES = [((2, 64, 64, 320), "nhwc"), ((2, 320, 64, 64), "nchw"), ((8, 56, 56, 256), "nhwc"),
          ((2, 16, 16, 1280), "nhwc"), ((2, 32, 32, 640), "nhwc"),
          # the one-dispatch form (inputs up to 1 MiB)
          ((1, 8, 8, 256), "nhwc"), ((2, 320, 16, 16), "nchw"), ((2, 16, 16, 320), "nhwc")]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--shapes", default=",".join(str(i) for i in range(len(SHAPES))),
                   help="comma-separated indexes into SHAPES (default: all)")
    args = p.parse_args(argv)
    import numpy as np

    from bench import device, harness
    from iree_gn import _ops, _runtime, _targets
    from iree_gn._spec import GroupNormSpec

    t = _targets.resolve("vulkan:llvmpipe")
    ok, why = _targets.fits_here(t)
    if not ok:
        print(f"no lavapipe device here: {why}")
        return 1
    old = dataclasses.replace(t, gpu_kernel=None)  # the row without kernels: "barrier"
    dev = _runtime.Device.get("vulkan")
    rng = np.random.default_rng(0)
    # Each round: a warm-up call, then one timed call of each form in turn (every other
    # round in reverse order), so both see the same load.
    budget = harness.Budget(repeats=args.rounds, seconds=math.inf, min_repeats=args.rounds,
                            warmup_calls=1, warmup_seconds=0.0)
    print(f"{'shape':28s} {'kernels ms':>11s} {'barrier ms':>11s} {'ratio':>6s}")
    for shape, layout in (SHAPES[int(i)] for i in args.shapes.split(",")):
        ca, red = (-1, (1, 2)) if layout == "nhwc" else (1, (2, 3))
        spec = GroupNormSpec.create(shape, "float32", groups=32, channels_axis=ca,
                                    reduction_axes=red)
        x = rng.standard_normal(shape).astype(np.float32)
        g = np.ones(spec.channels, np.float32)
        b = np.zeros(spec.channels, np.float32)
        runs = []
        for name, row in (("kernels", t), ("barrier", old)):
            bo = device.bind(_ops.get_op(spec, row).vmfb, spec, "vulkan")
            runs.append(({"impl": name}, device.resident_call(bo, dev, "float32", (x, g, b))))
        harness.time_rounds(runs, budget, rounds=args.rounds, alternate=True)
        k, o = (r["median_s"] * 1e3 for r, _ in runs)
        print(f"{spec.short_name():28s} {k:11.2f} {o:11.2f} {k / o:6.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
