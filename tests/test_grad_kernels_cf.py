"""The channels-first backward kernel (``_kernels._bwd_channels_first``) through ``op.vjp``,
against the float64 NumPy reference (``ref_group_norm_vjp``).

Errors are max |got - ref| / max |ref| per cotangent (``grad_rel_error``), with the JAX
route's tolerances (``reference.GRAD_TOL``), which hold for the kernel for the same reasons:
statistics and every sum in float32 over x - m0 (m0 the mean of the block's first 16
elements) or over xhat, never raw x; sums of at most a few thousand terms here, each split
over 16-lane partial sums (float32 2e-5 is >10x the 1e-7..4e-7 measured at every mean);
float16/bfloat16 dx rounded once to 11/8 bits (2e-3 / 1.6e-2; measured 3e-4 / 2.4e-3).
Every test also checks that the kernel route served the op (``_route``), so a spec that
silently fell back to the JAX formulation fails.
"""

import numpy as np
import pytest

import iree_gn
from iree_gn import _grad, _targets
from iree_gn._kernels import ACTIVATIONS
from iree_gn._kernels._backward import grad_layout
from reference import grad_rel_error, ref_group_norm_vjp
from test_grad import GRAD_TOL, _inputs, check

NCHW = dict(channels_axis=1, reduction_axes=(2, 3))


def _spec(shape, dtype="float32", groups=4, **kw):
    """The channels-first spec of ``check``'s arguments (``mean`` is the data's, not the
    spec's)."""
    from iree_gn._spec import GroupNormSpec

    kw.pop("mean", None)
    return GroupNormSpec.create(shape, dtype, groups=groups, channels_axis=1,
                                reduction_axes=tuple(range(2, len(shape))), **kw)


def _route(shape, dtype="float32", groups=4, **kw):
    """Assert the channels-first backward kernel serves this spec."""
    spec = _spec(shape, dtype, groups, **kw)
    assert grad_layout(spec) == "channels_first", spec.short_name()
    assert _grad.formulation(spec, _targets.get("llvm-cpu")) == "kernel", spec.short_name()


def cf_check(rng, shape, dtype="float32", groups=4, compile_shape=None, **kw):
    red = tuple(range(2, len(shape)))
    _route(compile_shape or shape, dtype, groups, **kw)
    return check(rng, shape, dtype, groups=groups, channels_axis=1, reduction_axes=red,
                 compile_shape=compile_shape, **kw)


# C/G * R = 8 * 37: a remainder after the 16-lane vectors, and after the unrolled loop.
SHAPE = (2, 16, 37, 1)


@pytest.mark.parametrize("mean", [0.0, 1e2, 1e4])
@pytest.mark.parametrize("activation", [None, "silu"])
def test_means(rng, mean, activation):
    # Both statistics paths (fused dy sums without an activation; dz sums after the
    # statistics with one) stay float32-accurate at |mean| >> std (std 1).
    cf_check(rng, (2, 16, 16, 16), groups=4, mean=mean, activation=activation)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activations(rng, activation):
    cf_check(rng, SHAPE, activation=activation)


@pytest.mark.parametrize("dtype,activation", [
    ("float16", None), ("bfloat16", "gelu"),
    pytest.param("float16", "gelu", marks=pytest.mark.slow),
    pytest.param("bfloat16", None, marks=pytest.mark.slow)])
def test_dtypes(rng, dtype, activation):
    cf_check(rng, (2, 16, 9, 7), dtype, activation=activation)


@pytest.mark.parametrize("center,scale,activation", [
    (False, True, None), (True, False, "relu"), (False, False, None),
    pytest.param(False, True, "relu", marks=pytest.mark.slow),
    pytest.param(True, False, None, marks=pytest.mark.slow),
    pytest.param(False, False, "relu", marks=pytest.mark.slow)])
def test_center_scale_off(rng, center, scale, activation):
    cf_check(rng, SHAPE, center=center, scale=scale, activation=activation)


@pytest.mark.parametrize("activation", [None, "tanh"])
def test_one_pass_statistics(rng, activation):
    cf_check(rng, SHAPE, mean_close_to_zero=True, activation=activation)


def test_ranks_3_and_5(rng):
    cf_check(rng, (3, 8, 50), groups=2)                       # NCL
    cf_check(rng, (2, 8, 3, 4, 5), groups=4, activation="elu")  # NCDHW


def test_dynamic_batch(rng):
    # One module for every batch size (N read from an operand).
    for n in (1, 3, 7):
        cf_check(rng, (n, 16, 9, 7), compile_shape=(None, 16, 9, 7), activation="silu")


def test_out_buffer(rng):
    shape = (2, 16, 9, 7)
    _route(shape)
    op = iree_gn.compile(shape, "float32", groups=4, **NCHW)
    x, gamma, beta, dy = _inputs(rng, shape, "float32", 16)
    ref = ref_group_norm_vjp(x, dy, 4, 1, (2, 3), gamma, beta)
    for out in (iree_gn.empty(shape, x.dtype), np.empty(shape, x.dtype),
                np.empty((2, 16, 7, 9), x.dtype).transpose(0, 1, 3, 2)):
        dx, dg, db = op.vjp(x, gamma, beta, dy, out=out)
        assert dx is out
        for got, r in zip((dx, dg, db), ref):
            assert grad_rel_error(got, r) < GRAD_TOL["float32"]


def test_block_limit():
    # Blocks up to 16 MiB of x take the kernel (1x512x128x128 in 2 groups: 16 MiB), larger
    # ones the JAX formulation.
    assert grad_layout(_spec((1, 512, 128, 128), groups=2)) == "channels_first"
    assert grad_layout(_spec((1, 64, 256, 256), groups=1, dtype="float16")) == \
        "channels_first"
    assert grad_layout(_spec((1, 64, 256, 257), groups=1)) is None


@pytest.mark.parametrize("activation", [None, "gelu"])
def test_outlier_at_the_shift(rng, activation):
    # The shift m0 is the mean of each block's first 16 elements: a 200-sigma outlier there
    # (at mean 1e4) moves it by ~12 sigma (the block's first element alone as the shift:
    # dx off by 4e-5, measured).
    shape, groups = (2, 16, 16, 16), 4
    _route(shape, activation=activation)
    op = iree_gn.compile(shape, "float32", groups=groups, activation=activation, **NCHW)
    x, gamma, beta, dy = _inputs(rng, shape, "float32", 16, mean=1e4)
    x[:, ::4, 0, 0] += 200  # the first element of every (sample, group) block
    got = op.vjp(x, gamma, beta, dy)
    ref = ref_group_norm_vjp(x, dy, groups, 1, (2, 3), gamma, beta, activation=activation)
    for g, r in zip(got, ref):
        assert grad_rel_error(g, r) < GRAD_TOL["float32"]


def test_block_past_l2(rng):
    # A 2 MiB (sample, group) block: re-read from L3, same numerics.
    cf_check(rng, (1, 64, 128, 128), groups=2, activation="silu", mean=1e2)


@pytest.mark.parametrize("shape,groups,activation", [
    ((2, 4, 3), 4, "relu6"), ((3, 6, 5), 3, None), ((2, 4, 17), 2, "relu6"),
    pytest.param((2, 4, 3), 4, None, marks=pytest.mark.slow),
    pytest.param((2, 4, 17), 2, None, marks=pytest.mark.slow)])
def test_short_blocks(rng, shape, groups, activation):
    # Blocks shorter than a vector (only the scalar loops run; the shift is the first
    # element) and just over one. (Not 2-element groups: there dx is all cancellation,
    # ~3e-3 of its terms, and both routes miss 2e-5 of it: JAX 1.5e-4, kernel 3.6e-4.)
    cf_check(rng, shape, groups=groups, activation=activation)
