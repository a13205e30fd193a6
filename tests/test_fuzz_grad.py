"""The seeded fuzzer's configurations (``test_fuzz._case``) through the backward, ``op.vjp``,
against the float64 analytic reference ``reference.ref_group_norm_vjp`` of the already
quantized input, with ``GRAD_TOL`` of ``grad_rel_error`` (error relative to each cotangent's
largest element; justified in reference.py).

Cases the backward cannot be judged on are left out, by rule and not by seed: a group with
var + epsilon <= 0 (a negative epsilon's NaN groups: the forward fuzz checks where, and a
group just above 0 has an unbounded rstd), and groups of fewer than 4 elements
(with 1 or 2 elements dx = r (w - mean w - xhat mean(w xhat)) cancels to rounding noise
whatever the route, so "relative to its largest element" measures nothing).
One-pass cases (``mean_close_to_zero=True``, TF's E[x^2] - E[x]^2) add the error of that
formula itself, as the forward fuzz bounds it: ``ONE_PASS_K * eps_c * sqrt(N) * (1 +
cond)^2`` with cond = max |mean| / sqrt(var + eps) over the groups; ONE_PASS_K = 32 is the
forward's 4 (a 4-sigma random walk of the float32 sums) times 8 for dx's cancellation in
small groups (measured: 96x4x4 over axis 1, groups of 4 at mean 8, dx 1.1e-4 on the CPU
kernel and on lavapipe alike, where 4 * eps_c * sqrt(N) * (1 + cond)^2 = 7.7e-5).

    python -m pytest -q tests/test_fuzz_grad.py                      # the CI seeds
    IREE_GN_FUZZ_N=200 python -m pytest -q -m slow tests/test_fuzz_grad.py   # a long run
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

import iree_gn
from reference import GRAD_TOL, grad_rel_error, ref_group_norm_vjp
from test_fuzz import (EPS_COMPUTE, _activation, _case, _data, _moments, _spec_kwargs,
                       _target, require_vulkan)

N_CI = 16
VULKAN_SEEDS = tuple(range(8))  # seeds in order, not chosen (the judgeable ones run)
ONE_PASS_K = 32
_START = int(os.environ.get("IREE_GN_FUZZ_START", "1000"))
# The fuzzer's callable activation t / (1 + |t|) + t / 2 (test_fuzz._act_callable), derived.
def _callable_grad(y):
    return 1 / (1 + np.abs(y)) ** 2 + 0.5


def _judgeable(cfg, x) -> str:
    """Why a case cannot be judged (see the module docstring), or ""."""
    if cfg["epsilon"] < 0:
        _, var = _moments(cfg, x)
        if np.min(var) + cfg["epsilon"] <= 0.5 * np.min(var):
            return "negative epsilon near a group's variance"
    count = _count(cfg)
    return "" if count >= 4 else f"groups of {count} elements"


def _count(cfg) -> int:
    """Elements per (kept index, group)."""
    shape, ca = cfg["shape"], cfg["channels_axis"] % len(cfg["shape"])
    red = {a % len(shape) for a in cfg["reduction_axes"]}
    return math.prod(shape[a] for a in red) * (shape[ca] // cfg["groups"])


def _check(seed: int, target: str = "llvm-cpu") -> None:
    cfg = _case(seed, target)
    x, gamma, beta = _data(cfg)
    why = _judgeable(cfg, x)
    if why:
        pytest.skip(f"seed {seed}: {why} (module docstring)")
    dy = np.random.default_rng([seed, 0xD7]).standard_normal(x.shape).astype(x.dtype)
    shape = list(cfg["shape"])
    if cfg["dynamic"]:
        shape[cfg["dynamic"]["axis"]] = None
    op = iree_gn.compile(shape, cfg["dtype"], activation=_activation(cfg), target=_target(cfg),
                         **_spec_kwargs(cfg))
    params = [a for a, on in ((gamma, cfg["scale"]), (beta, cfg["center"])) if on]
    got = op.vjp(x, *params, dy)
    callable_act = cfg["activation"] == "callable"
    ref = ref_group_norm_vjp(
        x, dy, cfg["groups"], cfg["channels_axis"], cfg["reduction_axes"],
        gamma if cfg["scale"] else None, beta if cfg["center"] else None, cfg["epsilon"],
        None if callable_act else cfg["activation"], cfg["mean_close_to_zero"],
        act_grad=_callable_grad if callable_act else None)
    names = ["dx"] + (["dgamma"] if cfg["scale"] else []) + (["dbeta"] if cfg["center"] else [])
    refs = [ref[0]] + ([ref[1]] if cfg["scale"] else []) + ([ref[2]] if cfg["center"] else [])
    tol = GRAD_TOL[cfg["dtype"]]
    if cfg["mean_close_to_zero"]:
        mean, var = _moments(cfg, x)
        cond = float(np.max(np.abs(mean) / np.sqrt(var + cfg["epsilon"])))
        tol += ONE_PASS_K * EPS_COMPUTE[cfg["dtype"]] * math.sqrt(_count(cfg)) * (1 + cond) ** 2
    bad = [f"{n}: rel error {grad_rel_error(g, r):.3g} > {tol}"
           for n, g, r in zip(names, got, refs) if not grad_rel_error(g, r) <= tol]
    assert not bad, (f"fuzz grad seed {seed} ({target}, {op.formulation}): {bad}; config: "
                     f"{cfg}")


@pytest.mark.parametrize("seed", range(N_CI))
def test_fuzz_grad(seed):
    _check(seed)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(_START, _START + int(os.environ.get("IREE_GN_FUZZ_N",
                                                                             "200"))))
def test_fuzz_grad_long(seed):
    _check(seed)


@pytest.mark.vulkan
@pytest.mark.parametrize("seed", VULKAN_SEEDS)
def test_fuzz_grad_vulkan(seed):
    require_vulkan()
    _check(seed, "vulkan")
