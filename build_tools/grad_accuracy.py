#!/usr/bin/env python3
"""Accuracy of the float32 backward at large means: iree_gn's op.vjp against PyTorch's.

One NCHW input of 1x256x64x64 with 32 groups (32K elements per group), std 1, at mean 0,
1e2 and 1e4; both in float32, both against the float64 analytic reference of
tests/reference.py. The error is max |got - ref| / max |ref| per cotangent. PyTorch's CPU
backward uses the raw-moment form (``sum dy * x``, ``c2 * x + c3``), iree_gn the centered,
shifted one (iree_gn/_backward.py).

    python build_tools/grad_accuracy.py
"""

from __future__ import annotations

import os
import sys

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [REPO, os.path.join(REPO, "tests")]

import iree_gn  # noqa: E402
from reference import grad_rel_error, ref_group_norm_vjp  # noqa: E402

SHAPE, GROUPS, EPS = (1, 256, 64, 64), 32, 1e-5


def main() -> int:
    import argparse

    argparse.ArgumentParser(description=__doc__.split("\n\n")[0]).parse_args()
    import torch

    op = iree_gn.compile(SHAPE, "float32", groups=GROUPS, channels_axis=1,
                         reduction_axes=(2, 3), epsilon=EPS)
    rng = np.random.default_rng(0)
    print(f"{'mean':>8}  {'impl':8} {'dx':>9} {'dgamma':>9} {'dbeta':>9}")
    for mean in (0.0, 1e2, 1e4):
        x = (mean + rng.standard_normal(SHAPE)).astype(np.float32)
        dy = rng.standard_normal(SHAPE).astype(np.float32)
        gamma = (1 + 0.5 * rng.standard_normal(SHAPE[1])).astype(np.float32)
        beta = (0.5 * rng.standard_normal(SHAPE[1])).astype(np.float32)
        ref = ref_group_norm_vjp(x, dy, GROUPS, 1, (2, 3), gamma, beta, epsilon=EPS)
        ours = op.vjp(x, gamma, beta, dy)
        xt = torch.from_numpy(x).requires_grad_()
        gt, bt = torch.from_numpy(gamma).requires_grad_(), torch.from_numpy(beta).requires_grad_()
        y = torch.nn.functional.group_norm(xt, GROUPS, gt, bt, EPS)
        theirs = [t.numpy() for t in torch.autograd.grad(y, (xt, gt, bt), torch.from_numpy(dy))]
        for name, got in (("iree_gn", ours), ("torch", theirs)):
            errs = [grad_rel_error(g, r) for g, r in zip(got, ref)]
            print(f"{mean:8.0e}  {name:8} " + " ".join(f"{e:9.1e}" for e in errs))
    return 0


if __name__ == "__main__":
    sys.exit(main())
