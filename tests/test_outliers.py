"""One outlier where the statistics take their shift: a "massive activation" (1e2..1e4 over
N(0, 1) data) at the first position of every reduction (row 0 of each channel), as the
first token or pixel of a feature map can hold, and two (first and last, or middle). Every
route takes its shift as a median of five points (``_authoring.shift_points``:
``_ChannelsLast.shift``, ``_gpu_kernels._emit.group_shift``, ``_authoring.median_shift``),
so the shifted float32 sums stay exact; with the first element as the shift they erred
3e-4..4e-3, with a median of three (first, middle, last) 1.7e-4..1.8e-3 at two outliers. Checked against the float64 reference with the usual
tolerances (``reference.TOL``, ``GRAD_TOL``)."""

import numpy as np
import pytest

import iree_gn
from iree_gn import _grad, _ops
from reference import GRAD_TOL, assert_close, grad_rel_error, ref_group_norm, \
    ref_group_norm_vjp
from test_gpu_kernels import _lavapipe


def _inputs(rng, shape, ca, red, value, mean=0.0, where=("first",)):
    """x = N(mean, 1) with ``value + mean`` at the ``where`` positions of every reduction:
    "first", "middle", "last" (row-major over the reduction axes)."""
    x = (rng.standard_normal(shape) + mean).astype(np.float32)
    sizes = [shape[a] for a in red]
    n = int(np.prod(sizes))
    for w in where:
        row = {"first": 0, "middle": n // 2, "last": n - 1}[w]
        at = [slice(None)] * len(shape)
        for a, i in zip(red, np.unravel_index(row, sizes)):
            at[a] = int(i)
        x[tuple(at)] = value + mean
    C = shape[ca]
    g = (1 + 0.1 * rng.standard_normal(C)).astype(np.float32)
    b = rng.standard_normal(C).astype(np.float32)
    return x, g, b


# (shape, channels axis, reduction axes, groups, forward formulation on llvm-cpu)
CPU = [
    ((2, 64, 64, 32), -1, (1, 2), 8, "kernel"),            # channels last
    ((1, 128, 128, 64), -1, (1, 2), 8, "kernel"),          # batch 1: rows split
    ((2, 16, 16, 1280), -1, (1, 2), 32, "kernel"),         # channel blocks
    ((2, 4, 4, 2048), -1, (1, 2), 1, "kernel"),            # scratch in a workspace
    ((3, 4096, 64), -1, (1,), 8, "kernel"),                # a sequence [N, T, C]
    ((2, 32, 64, 64), 1, (2, 3), 8, "kernel"),             # channels first
    ((64, 2, 64, 32), -1, (0, 2), 8, "native"),            # a transposing layout: JAX
]


@pytest.mark.parametrize("value", [1e2, 1e4])
@pytest.mark.parametrize("shape,ca,red,groups,form", CPU)
def test_cpu_forward(rng, shape, ca, red, groups, form, value):
    op = iree_gn.compile(shape, groups=groups, channels_axis=ca, reduction_axes=red)
    assert op.formulation == form
    x, g, b = _inputs(rng, shape, ca, red, value)
    assert_close(op(x, g, b), ref_group_norm(x, groups, ca, red, g, b), "float32")


# Two outliers: a first and a last (or middle) "massive" token or pixel. With a median of
# three points (first, middle, last) both became the shift: channels last erred 1.7e-4
# (1e2) to 1.8e-3 (1e4 on 1x256x256x32); the median of five points holds.
TWO = [("first", "last"), ("first", "middle"), ("middle", "last")]


@pytest.mark.parametrize("where", TWO, ids="+".join)
@pytest.mark.parametrize("shape,ca,red,groups,form", CPU)
def test_cpu_forward_two_outliers(rng, shape, ca, red, groups, form, where):
    op = iree_gn.compile(shape, groups=groups, channels_axis=ca, reduction_axes=red)
    assert op.formulation == form
    x, g, b = _inputs(rng, shape, ca, red, 1e4, where=where)
    assert_close(op(x, g, b), ref_group_norm(x, groups, ca, red, g, b), "float32")


@pytest.mark.parametrize("shape,ca,red,groups,form", [CPU[0], CPU[1], CPU[6]])
def test_cpu_backward_two_outliers(rng, shape, ca, red, groups, form):
    op = iree_gn.compile(shape, groups=groups, channels_axis=ca, reduction_axes=red)
    x, g, b = _inputs(rng, shape, ca, red, 1e4, where=("first", "last"))
    dy = rng.standard_normal(shape).astype(np.float32)
    got = op.vjp(x, g, b, dy)
    ref = ref_group_norm_vjp(x, dy, groups, ca, red, g, b)
    for name, a, r in zip(("dx", "dgamma", "dbeta"), got, ref):
        assert grad_rel_error(a, r) <= GRAD_TOL["float32"], name


def test_cpu_forward_dynamic_batch_and_large_mean(rng):
    # The outlier over data of mean 1e4: the shift must come from the bulk (the mean) too.
    op = iree_gn.compile((None, 32, 32, 64), groups=8)
    for n in (1, 3):
        x, g, b = _inputs(rng, (n, 32, 32, 64), -1, (1, 2), 1e3, mean=1e4)
        assert_close(op(x, g, b), ref_group_norm(x, 8, -1, (1, 2), g, b), "float32")


@pytest.mark.parametrize("shape,ca,red,groups,form", [CPU[0], CPU[1], CPU[5], CPU[6]])
def test_cpu_backward(rng, shape, ca, red, groups, form):
    op = iree_gn.compile(shape, groups=groups, channels_axis=ca, reduction_axes=red,
                         activation="silu")
    assert _grad.formulation(op.spec, op.target) == ("plain" if form == "native" else "kernel")
    x, g, b = _inputs(rng, shape, ca, red, 1e4)
    dy = rng.standard_normal(shape).astype(np.float32)
    got = op.vjp(x, g, b, dy)
    ref = ref_group_norm_vjp(x, dy, groups, ca, red, g, b, activation="silu")
    for name, a, r in zip(("dx", "dgamma", "dbeta"), got, ref):
        assert grad_rel_error(a, r) <= GRAD_TOL["float32"], name


@pytest.mark.vulkan
@pytest.mark.parametrize("path", ["tiles", "small"])
@pytest.mark.parametrize("shape,ca,red", [((2, 64, 64, 32), -1, (1, 2)),
                                          ((2, 32, 64, 64), 1, (2, 3))])
def test_gpu_forward_and_backward(rng, shape, ca, red, path):
    spec = iree_gn.GroupNormSpec.create(shape, "float32", groups=8, channels_axis=ca,
                                        reduction_axes=red)
    op = _ops.get_op(spec, _lavapipe(path))
    assert op.formulation.startswith("gpu-kernel")
    assert op.formulation.endswith("-small") == (path == "small")
    x, g, b = _inputs(rng, shape, ca, red, 1e4)
    assert_close(op(x, g, b), ref_group_norm(x, 8, ca, red, g, b), "float32")
    x2, _, _ = _inputs(rng, shape, ca, red, 1e4, where=("first", "last"))
    assert_close(op(x2, g, b), ref_group_norm(x2, 8, ca, red, g, b), "float32")
    if path == "tiles":  # (the backward's dispatches are the tiled forward's and its own)
        dy = rng.standard_normal(shape).astype(np.float32)
        got = op.vjp(x, g, b, dy)
        for a, r in zip(got, ref_group_norm_vjp(x, dy, 8, ca, red, g, b)):
            assert grad_rel_error(a, r) <= GRAD_TOL["float32"]


@pytest.mark.parametrize("groups,mean,std", [(8, 3e7, 1.0), (1, 1e6, 0.05)],
                         ids=["64K-element groups", "pieces"])
def test_channels_first_large_groups_far_from_zero(rng, groups, mean, std):
    # Channels first, groups of 64K elements (one workgroup each) and of 512K (in pieces),
    # |mean| >> std: pass 1's shift was the float32 sum of x / L, off by ~500 std at mean
    # 3e7 (every add rounded at the sum's size), and the variance of the sums shifted by it
    # 5% low: y erred by 7.4 (pieces: 0.5). Now a median shifts pass 1 too.
    shape = (1, 128, 64, 64)
    x = (mean + std * rng.standard_normal(shape)).astype(np.float32)
    op = iree_gn.compile(shape, "float32", groups=groups, channels_axis=1,
                         reduction_axes=(2, 3))
    assert op.formulation == "kernel"
    g, b = np.ones(128, np.float32), np.zeros(128, np.float32)
    assert_close(op(x, g, b), ref_group_norm(x, groups, 1, (2, 3)), "float32")
