"""The hand-written llvm-cpu backward kernels (``iree_gn._kernels._backward``) against the
float64 NumPy reference (``ref_group_norm_vjp``), through ``op.vjp``.

Tolerances: ``reference.GRAD_TOL``, the JAX route's, justified there: the kernels compute the
same centered sums in float32 (every sum over x - k or xhat, never raw x), in blocks of
``_BLOCK`` rows added into per-(sample, channel) totals, so float32 error grows with
``_BLOCK + R / _BLOCK`` terms rather than R; dgamma/dbeta add N float32 partials. Measured
errors sit 10-100x under the tolerances (float32: 1e-7..1e-6 relative, also at mean 1e4).
"""


import numpy as np
import pytest

import iree_gn
from iree_gn import _grad, _kernels, _targets
from reference import grad_rel_error, ref_group_norm_vjp
from test_grad import GRAD_TOL, _inputs, check, check_threads

KERNEL_ACTIVATIONS = _kernels.ACTIVATIONS


def _spec(shape, dtype="float32", groups=4, **kw):
    red = tuple(range(1, len(shape) - 1))
    return iree_gn.GroupNormSpec.create(shape, dtype, groups=groups, channels_axis=-1,
                                        reduction_axes=red, **kw)


def cl_check(rng, shape, dtype="float32", groups=4, **kw):
    """``check`` for channels last x (every non-channel axis but 0 reduced), after asserting
    that the kernel route serves it."""
    spec = _spec(kw.get("compile_shape") or shape, dtype, groups,
                 **{k: v for k, v in kw.items() if k in ("center", "scale", "activation",
                                                           "mean_close_to_zero")})
    assert _grad.formulation(spec, _targets.get("llvm-cpu")) == "kernel", spec
    return check(rng, shape, dtype, groups, -1, tuple(range(1, len(shape) - 1)), **kw)


# ---- which specs the kernels take --------------------------------------------------------------
def test_kernel_route_selection():
    cpu, vk = _targets.get("llvm-cpu"), _targets.get("vulkan:llvmpipe")
    for shape in [(2, 6, 5, 16), (2, 3, 4, 5, 8), (3, 7, 20), (None, 6, 5, 16)]:
        assert _grad.formulation(_spec(shape), cpu) == "kernel", shape
    assert _kernels.grad_serves_dynamic(_spec((None, 6, 5, 16)))
    # What no kernel takes keeps the JAX definition: float64, a callable activation,
    # channels over the stack's limit.
    assert _grad.formulation(_spec((2, 6, 5, 16), "float64"), cpu) == "plain"
    assert _grad.formulation(_spec((2, 6, 5, 16), activation=lambda v: v), cpu) == "plain"
    assert _grad.formulation(_spec((1, 2, 2, 2048), groups=32), cpu) == "plain"
    # (a GPU row: its own hand-written backward, tests/test_gpu_grad_kernels.py)
    assert _grad.formulation(_spec((2, 6, 5, 16)), vk) == "gpu-kernel-wg256-sg8-spirv"
    with pytest.raises(ValueError, match="no hand-written backward kernel"):
        _kernels.grad_module_text(_spec((2, 6, 5, 16), "float64"))


def test_module_is_the_kernel():
    # The compiled module is the hand-written one (its executable and the reduction), traced
    # once: the JAX backward is not involved.
    spec = _spec((2, 6, 5, 16))
    before = dict(_grad.STATS)
    g = _grad.get_grad(spec, _targets.get("llvm-cpu"))
    text = g.stablehlo
    assert "stream.executable private @gn_kernel" in text and "@reduce" in text
    assert "stablehlo." not in text
    assert _grad.STATS["traced"] <= before["traced"] + 1


# ---- numerics ------------------------------------------------------------------------------------
@pytest.mark.parametrize("mean", [0.0, 1e2, 1e4])
def test_large_means(rng, mean):
    # 8192 elements per group (R = 1024 rows: 16 blocks of partial sums); std 1.
    cl_check(rng, (2, 32, 32, 64), groups=8, mean=mean)


@pytest.mark.parametrize("activation", KERNEL_ACTIVATIONS)
def test_activations(rng, activation):
    cl_check(rng, (2, 4, 5, 16), activation=activation)


@pytest.mark.parametrize("dtype,activation", [("float16", None), ("bfloat16", None),
                                              ("float16", "silu"), ("bfloat16", "gelu")])
def test_16_bit(rng, dtype, activation):
    cl_check(rng, (2, 6, 5, 16), dtype, activation=activation, mean=1e1)


@pytest.mark.parametrize("center,scale,activation", [(False, True, None), (True, False, None),
                                                     (False, False, "relu"),
                                                     (False, True, "tanh")])
def test_center_scale_off(rng, center, scale, activation):
    cl_check(rng, (2, 6, 5, 16), center=center, scale=scale, activation=activation)


@pytest.mark.parametrize("activation", [None, "silu"])
def test_one_pass_statistics(rng, activation):
    # mean_close_to_zero: TF's one-pass moments (sums of x and x^2), as the forward's.
    cl_check(rng, (2, 6, 5, 16), mean_close_to_zero=True, activation=activation)


@pytest.mark.parametrize("shape,groups", [
    ((2, 3, 4, 5, 8), 2),   # NDHWC
    ((3, 7, 20), 5),        # NLC (rank 3)
    ((2, 5, 3, 15), 5),     # C = 15: scalar code (no vector width divides it)
    ((2, 5, 3, 6), 3),      # C = 6: 2-lane vectors
    ((2, 16, 16, 320), 32),  # a sample over 256 KB: two channel blocks per sample
])
def test_layouts_and_widths(rng, shape, groups):
    cl_check(rng, shape, groups=groups, mean=3.0)


def test_dynamic_batch_one_module(rng):
    # One module takes every batch size; dgamma/dbeta come out of it whole.
    before = dict(_grad.STATS)
    op = iree_gn.compile((None, 6, 5, 16), "float32", groups=4, channels_axis=-1,
                         reduction_axes=(1, 2), activation="gelu")
    for n in (1, 3, 7):
        cl_check(rng, (n, 6, 5, 16), compile_shape=(None, 6, 5, 16), activation="gelu",
                 mean=1e2)
    g = op._grad
    assert g._block is None and g._loaded().signature.dynamic_in_module
    assert _grad.STATS["traced"] <= before["traced"] + 1
    # Channel blocks with a dynamic batch.
    for n in (1, 2):
        cl_check(rng, (n, 16, 16, 320), groups=32, compile_shape=(None, 16, 16, 320))


# ---- the row split (few large samples: K row blocks per sample) ------------------------------
def _row_blocks(shape, dtype="float32", groups=8):
    from iree_gn._kernels._bwd_channels_last import _BwdChannelsLast

    return _BwdChannelsLast(_spec(shape, dtype, groups)).K


@pytest.mark.parametrize("activation,mcz,mean,dtype", [
    (None, False, 1e4, "float32"), ("silu", False, 1e2, "float32"),
    ("relu", True, 0.0, "float32"), ("gelu_tanh", False, 0.0, "float16"),
    (None, False, 1e1, "bfloat16")])
def test_row_split(rng, activation, mcz, mean, dtype):
    # 1 MB samples (f32): batch 1 in 16 row blocks, batch 2 of 16-bit samples in 8.
    shape = (1, 64, 64, 64) if dtype == "float32" else (2, 64, 64, 64)
    assert _row_blocks(shape, dtype) == (16 if dtype == "float32" else 8)
    cl_check(rng, shape, dtype, groups=8, activation=activation, mean_close_to_zero=mcz,
             mean=mean)


def test_row_split_center_scale_off(rng):
    cl_check(rng, (1, 64, 64, 64), groups=8, center=False, activation="tanh")
    cl_check(rng, (1, 64, 64, 64), groups=8, scale=False, center=False)


@pytest.mark.parametrize("activation", [None, "elu"])
def test_row_split_dynamic_batch(rng, activation):
    # One module: the kernels pick rows split (N < 16) or a workgroup per sample at run time.
    assert _row_blocks((None, 64, 64, 64)) is None
    for n in (1, 2, 5, 16):
        cl_check(rng, (n, 64, 64, 64), groups=8, compile_shape=(None, 64, 64, 64),
                 activation=activation, mean=1e2)


# ---- calling conventions ---------------------------------------------------------------------
@pytest.mark.parametrize("shape", [(2, 16, 16, 32), (None, 16, 16, 32)])
def test_out_buffer(rng, shape):
    op = iree_gn.compile(shape, "float32", groups=8)
    real = (3, 16, 16, 32) if shape[0] is None else shape
    x, gamma, beta, dy = _inputs(rng, real, "float32", 32)
    ref = ref_group_norm_vjp(x, dy, 8, gamma=gamma, beta=beta)
    for out in (iree_gn.empty(x.shape, x.dtype), np.empty(x.shape, x.dtype),
                np.empty((32,) + x.shape[:-1], x.dtype).transpose(1, 2, 3, 0)):
        dx, dg, db = op.vjp(x, gamma, beta, dy, out=out)
        assert dx is out
        for got, r in zip((dx, dg, db), ref):
            assert grad_rel_error(got, r) < GRAD_TOL["float32"]


def test_results_not_reused_while_held(rng):
    # dx comes from a pool of result arrays (main_out): one the caller still holds is never
    # written by a later call.
    op = iree_gn.compile((2, 16, 16, 32), "float32", groups=8)
    a = _inputs(rng, (2, 16, 16, 32), "float32", 32)
    b = _inputs(rng, (2, 16, 16, 32), "float32", 32)
    first = op.vjp(*a)
    keep = first[0].copy()
    second = op.vjp(*b)
    assert not np.shares_memory(first[0], second[0])
    np.testing.assert_array_equal(first[0], keep)


def test_large_unaligned_inputs_are_staged_safely(rng):
    # x and dy over 16 MB, not 64-byte aligned: copied into staging buffers not kept
    # between calls, which must live until the module has run (they were freed first:
    # SIGSEGV). The same answer as from aligned copies of the same values.
    shape = (6, 56, 56, 256)  # (19 MB: crashed without the fix; 17 MB did not)
    op = iree_gn.compile(shape, "float32", groups=32)
    n = int(np.prod(shape))

    def unaligned(a):
        buf = iree_gn.empty((n + 4,), np.float32)
        u = buf[4:].reshape(shape)  # 16 bytes past a 64-byte boundary
        u[...] = a
        return u

    x, gamma, beta, dy = _inputs(rng, shape, "float32", 256)
    xa, dya = iree_gn.empty(shape, np.float32), iree_gn.empty(shape, np.float32)
    xa[...], dya[...] = x, dy
    want = op.vjp(xa, gamma, beta, dya)
    for _ in range(2):
        got = op.vjp(unaligned(x), gamma, beta, unaligned(dy))
        for g, w in zip(got, want):
            np.testing.assert_array_equal(g, w)


def test_threads():
    # Concurrent calls of one kernel op (dynamic batch: several sizes at once) give every
    # thread its own right answer.
    check_threads(iree_gn.compile((None, 8, 8, 16), "float32", groups=4),
                  [(1 + i, 8, 8, 16) for i in range(4)])


# ---- the long sweep -------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize("activation", (None,) + KERNEL_ACTIVATIONS)
@pytest.mark.parametrize("mean_close_to_zero", [False, True])
def test_sweep(rng, dtype, activation, mean_close_to_zero):
    cl_check(rng, (3, 9, 7, 24), dtype, groups=6, activation=activation,
             mean_close_to_zero=mean_close_to_zero, mean=0.0 if mean_close_to_zero else 1e2)
