"""iree_gn.compile: the shape-specialized op, dynamic axes, out=, bfloat16 buffers."""

import numpy as np
import pytest

import iree_gn
from iree_gn import _ops
from reference import GRAD_TOL, assert_close, grad_rel_error, ref_group_norm, ref_group_norm_vjp
from targets_for_tests import RUN_TARGETS


def test_compile_and_call(rng):
    op = iree_gn.compile((2, 8, 8, 32), "float32", groups=8, activation="silu")
    assert isinstance(op, iree_gn.CompiledGroupNorm)
    x = rng.standard_normal((2, 8, 8, 32)).astype(np.float32)
    g = rng.standard_normal(32).astype(np.float32)
    b = rng.standard_normal(32).astype(np.float32)
    assert_close(op(x, g, b), ref_group_norm(x, 8, gamma=g, beta=b, activation="silu"),
                 "float32")
    # The compiler input it was built from: here the hand-written llvm-cpu kernel.
    assert "flow.dispatch @gn_kernel::@gn" in op.stablehlo
    assert iree_gn.compile((2, 8, 8, 32), "float32", groups=8, activation="swish") is op


def test_compile_without_params(rng):
    op = iree_gn.compile((3, 16), np.float16, groups=4, reduction_axes=(), center=False,
                         scale=False)
    x = rng.standard_normal((3, 16)).astype(np.float16)
    assert_close(op(x), ref_group_norm(x, 4, reduction_axes=()), "float16")


@pytest.mark.parametrize("batch", [1, 3, 5])
def test_dynamic_batch_serves_every_size_without_recompiling(batch, rng):
    op = iree_gn.compile((None, 6, 6, 32), "float32", groups=8, activation="relu")
    before = dict(_ops.STATS)
    x = rng.standard_normal((batch, 6, 6, 32)).astype(np.float32)
    g = rng.standard_normal(32).astype(np.float32)
    b = rng.standard_normal(32).astype(np.float32)
    y = op(x, g, b)
    assert _ops.STATS["compiled"] == before["compiled"]
    assert_close(y, ref_group_norm(x, 8, gamma=g, beta=b, activation="relu"), "float32")


def test_dynamic_non_leading_axis(rng):
    # (N, T, H, W, C) with both N and T dynamic: each (n, t) keeps its own statistics.
    op = iree_gn.compile((None, None, 4, 4, 16), "float32", groups=4)
    x = rng.standard_normal((2, 3, 4, 4, 16)).astype(np.float32)
    one = np.ones(16, np.float32)
    y = op(x, one, one * 0)
    assert_close(y, ref_group_norm(x, 4), "float32")


def test_dynamic_rejects_wrong_static_dims(rng):
    op = iree_gn.compile((None, 6, 6, 32), "float32", groups=8)
    with pytest.raises(ValueError, match=r"compiled for \(None, 6, 6, 32\)"):
        op(np.zeros((2, 6, 7, 32), np.float32), np.ones(32, np.float32),
           np.zeros(32, np.float32))


def test_out_is_written_in_place(rng):
    op = iree_gn.compile((2, 8, 8, 32), "float32", groups=8)
    x = rng.standard_normal((2, 8, 8, 32)).astype(np.float32)
    out = np.full_like(x, np.nan)
    g, b = np.ones(32, np.float32), np.zeros(32, np.float32)
    assert op(x, g, b, out=out) is out
    assert_close(out, ref_group_norm(x, 8), "float32")


@pytest.mark.parametrize("shape,dynamic,kw", [
    ((5, 16, 6, 7), (None, 16, 6, 7), dict(channels_axis=1, reduction_axes=(2,))),  # a loop
    ((3, 2, 6, 16), (None, None, 6, 16), dict(reduction_axes=(-2,))),               # kernel
])
@pytest.mark.parametrize("view", ["reversed", "shifted"])
def test_out_overlapping_the_input_on_a_dynamic_op(shape, dynamic, kw, view, rng):
    # Blocks of the dynamic axes run one after another: an out that overlaps x (other than
    # as x itself) must not be read back by later blocks, forward or backward.
    op = iree_gn.compile(dynamic, "float32", groups=4, **kw)
    g = rng.standard_normal(16).astype(np.float32)
    b = rng.standard_normal(16).astype(np.float32)
    x = (rng.standard_normal(shape) * 2 + 3).astype(np.float32)
    ref = ref_group_norm(x, 4, gamma=g, beta=b, **kw)
    buf = np.concatenate([x, x[:1]]) if view == "shifted" else x
    xin = buf[:-1] if view == "shifted" else x
    out = buf[1:] if view == "shifted" else x[::-1]
    op(xin, g, b, out=out)
    assert_close(out, ref, "float32")
    dy = rng.standard_normal(shape).astype(np.float32)
    x = (rng.standard_normal(shape) * 2 + 3).astype(np.float32)
    want = ref_group_norm_vjp(x, dy, 4, gamma=g, beta=b, **kw)
    got = op.vjp(x, g, b, dy, out=dy[::-1])
    for a, w in zip(got, want):
        assert grad_rel_error(a, w) < GRAD_TOL["float32"]


def test_bfloat16_roundtrip(rng):
    from iree_gn._runtime import BFLOAT16

    op = iree_gn.compile((2, 4, 4, 16), "bfloat16", groups=4)
    x = rng.standard_normal((2, 4, 4, 16)).astype(BFLOAT16)
    y = op(x, np.ones(16, BFLOAT16), np.zeros(16, BFLOAT16))
    assert y.dtype == BFLOAT16
    assert_close(y, ref_group_norm(x, 4), "bfloat16")


def test_small_calls_see_new_inputs_params_and_outputs(rng):
    # Small inputs take the staged path (argument list built once, parameters and out used
    # in place when aligned): every call must still see the current x, the current contents
    # of the parameter arrays (assigned in place, or new arrays) and write the out it gets.
    shape = (2, 4, 4, 32)
    op = iree_gn.compile(shape, np.float32, groups=8)
    g, b = iree_gn.aligned_array(rng.standard_normal(32).astype(np.float32)), \
        iree_gn.aligned_array(rng.standard_normal(32).astype(np.float32))
    outs = [iree_gn.empty(shape, np.float32), np.empty(shape, np.float32)]
    for i in range(4):
        x = rng.standard_normal(shape).astype(np.float32) * (i + 1) + i
        g[...] = rng.standard_normal(32)  # in place: aliased params must see it
        ub = rng.standard_normal(32).astype(np.float32)  # a new, unaligned array each call
        for out in outs:
            y = op(x, g, ub, out=out)
            assert y is out
            assert_close(y, ref_group_norm(x, 8, gamma=g, beta=ub), "float32")
        y = op(x, g, b)
        assert y is not outs[0] and y is not outs[1]
        assert_close(y, ref_group_norm(x, 8, gamma=g, beta=b), "float32")


def test_results_without_out_are_never_reused_while_referenced(rng):
    # Calls without out= may reuse the memory of an earlier result, but only one that no
    # variable and no view references any more.
    shape = (2, 32, 32, 320)  # over the small-call size: the pooled path
    op = iree_gn.compile(shape, np.float32, groups=32)
    g, b = np.ones(320, np.float32), np.zeros(320, np.float32)
    xs = [rng.standard_normal(shape).astype(np.float32) + i for i in range(4)]
    y0 = op(xs[0], g, b)
    view = op(xs[1], g, b)[1:]  # only a view of the second result is kept
    y2 = op(xs[2], g, b)
    y3 = op(xs[3], g, b)
    for x, y in ((xs[0], y0), (xs[1][1:], view), (xs[2], y2), (xs[3], y3)):
        assert_close(y, ref_group_norm(x, 32), "float32")
    assert not any(np.shares_memory(p, q) for p, q in
                   ((y0, view), (y0, y2), (y0, y3), (view, y2), (view, y3), (y2, y3)))
    kept = {id(y2.base), id(y3.base)}
    del y2
    y4 = op(xs[0], g, b)  # y2's memory is free now: reused, without touching y3
    assert id(y4.base) in kept
    assert_close(y3, ref_group_norm(xs[3], 32), "float32")
    assert_close(y4, ref_group_norm(xs[0], 32), "float32")


def _misaligned(a, by):
    """A copy of ``a`` whose data starts ``by`` bytes past a 64-byte boundary."""
    raw = np.empty(a.nbytes + 128, np.uint8)
    start = (-raw.ctypes.data) % 64 + by
    out = raw[start:start + a.nbytes].view(a.dtype).reshape(a.shape)
    out[...] = a
    return out


@pytest.mark.parametrize("dtype,by", [("float32", 16), ("float32", 4), ("bfloat16", 2)])
def test_unaligned_input_is_read_in_place(dtype, by, rng):
    # Hand-written kernel modules read an unaligned x at a byte offset into the aligned span
    # that holds it (main_off_out): no copy into a scratch buffer, and the current contents
    # of x are seen on every call.
    from iree_gn._runtime import numpy_dtype

    npdt = numpy_dtype(dtype)
    shape = (2, 24, 24, 64)  # 288 KB in float32: over the small-call size
    op = iree_gn.compile(shape, dtype, groups=32)
    g, b = np.ones(64, npdt), np.zeros(64, npdt)
    x = _misaligned(rng.standard_normal(shape).astype(npdt), by)
    assert x.ctypes.data % 64 == by
    module = op._loaded()
    copied = module.copied[0]  # the op is shared with other tests: count from here
    for i in range(3):
        x[...] = (rng.standard_normal(shape) * (i + 1) + i).astype(npdt)
        assert_close(op(x, g, b), ref_group_norm(x, 32), dtype)
    assert module.function_off is not None
    assert module.copied[0] == copied  # x was never copied
    # Read-only arrays are read in place too (the module never writes its inputs).
    x.flags.writeable = False
    assert_close(op(x, g, b), ref_group_norm(x, 32), dtype)
    assert module.copied[0] == copied
    # A strided x is copied, and still right.
    xs = np.repeat(x, 2, axis=2)[:, :, ::2]
    assert_close(op(xs, g, b), ref_group_norm(xs, 32), dtype)
    assert module.copied[0] == copied + 1


def test_unaligned_input_on_a_jax_module_is_copied(rng):
    shape = (2, 24, 24, 64)
    op = iree_gn.compile(shape, "float32", groups=32, activation=lambda t: t * 2)
    x = _misaligned(rng.standard_normal(shape).astype(np.float32), 16)
    assert op._loaded().function_off is None
    assert_close(op(x, np.ones(64, np.float32), np.zeros(64, np.float32)),
                 2 * ref_group_norm(x, 32), "float32")


def _two_scale_input(rng, shape, groups, dtype):
    # Alternate groups of std 0.3 and 2 (NHWC): with epsilon=-0.5, var + eps is about -0.41
    # or +3.5, never near 0, so NaN vs finite is decided by the data, not by rounding.
    x = rng.standard_normal(shape)
    std = np.repeat(np.where(np.arange(groups) % 2, 2.0, 0.3), shape[-1] // groups)
    return (x * std + 1.5).astype(dtype)


def _neg_eps_cases():
    # Every route once (kernel, fused, native, Vulkan's barrier), float16 and float64 where
    # their statistics take another path; both variance algorithms on each.
    small, large = (2, 8, 8, 32), (1, 40, 40, 64)
    by_id = {p.id: p for p in RUN_TARGETS}
    cases = [("llvm-cpu", small, "float32"), ("llvm-cpu", large, "float16"),
             ("llvm-cpu-fused", small, "float32"), ("llvm-cpu-fused", small, "float64"),
             ("llvm-cpu-native", large, "float32"), ("llvm-cpu-native", large, "float64"),
             ("vulkan", small, "float32"), ("vulkan", large, "float16")]
    return [pytest.param(by_id[t].values[0], shape, dtype, marks=by_id[t].marks,
                         id=f"{t}-{'x'.join(map(str, shape))}-{dtype}")
            for t, shape, dtype in cases]


@pytest.mark.parametrize("target,shape,dtype", _neg_eps_cases())
def test_negative_epsilon_as_tf(target, shape, dtype, rng):
    # TF adds any epsilon to the variance: a group whose var + epsilon < 0 gives NaN, the
    # others are normalized with the smaller denominator (PyTorch's samples use -0.5).
    x = _two_scale_input(rng, shape, 8, dtype)
    g = rng.standard_normal(shape[-1]).astype(dtype)
    b = rng.standard_normal(shape[-1]).astype(dtype)
    for one_pass in (False, True):
        op = _ops.get_op(iree_gn.GroupNormSpec.create(
            shape, dtype, groups=8, epsilon=-0.5, mean_close_to_zero=one_pass),
            iree_gn._targets.resolve(target))
        with np.errstate(invalid="ignore"):  # sqrt of a negative: NaN, as wanted
            ref = ref_group_norm(x, 8, gamma=g, beta=b, epsilon=-0.5, one_pass=one_pass)
        y = op(x, g, b)
        nan = np.isnan(ref)
        assert nan.any() and not nan.all()
        np.testing.assert_array_equal(np.isnan(y), nan)
        assert_close(y[~nan], ref[~nan], dtype)


@pytest.mark.parametrize("target,shape,dtype", _neg_eps_cases())
def test_epsilon_past_float32_range_as_tf(target, shape, dtype, rng):
    # Any finite epsilon is accepted; TF casts it to the input's float type, where 1e39 is
    # inf (float32, float16, bfloat16: statistics in float32): rsqrt(var + inf) = 0, y =
    # beta. The kernels' MLIR spelled it "inf.0", which iree-compile refused.
    x = _two_scale_input(rng, shape, 8, dtype)
    b = rng.standard_normal(shape[-1]).astype(dtype)
    op = _ops.get_op(iree_gn.GroupNormSpec.create(shape, dtype, groups=8, epsilon=1e39),
                     iree_gn._targets.resolve(target))
    with np.errstate(over="ignore"):
        want = ref_group_norm(x, 8, beta=b, epsilon=1e39 if dtype == "float64" else np.inf)
    assert_close(op(x, np.ones(shape[-1], dtype), b), want, dtype)


def test_negative_epsilon_channels_first_kernel(rng):
    # The NCHW kernel (a workgroup per sample and group) computes its own rstd.
    x = np.ascontiguousarray(_two_scale_input(rng, (2, 24, 24, 64), 8, "float32")
                             .transpose(0, 3, 1, 2))
    spec = iree_gn.GroupNormSpec.create(x.shape, "float32", groups=8, channels_axis=1,
                                        reduction_axes=(2, 3), epsilon=-0.5)
    assert iree_gn.TARGETS["llvm-cpu"].formulation_for(spec) == "kernel"
    op = _ops.get_op(spec, iree_gn.TARGETS["llvm-cpu"])
    g, b = np.ones(64, np.float32), np.zeros(64, np.float32)
    with np.errstate(invalid="ignore"):
        ref = ref_group_norm(x, 8, channels_axis=1, reduction_axes=(2, 3), epsilon=-0.5)
    y = op(x, g, b)
    nan = np.isnan(ref)
    assert nan.any() and not nan.all()
    np.testing.assert_array_equal(np.isnan(y), nan)
    assert_close(y[~nan], ref[~nan], "float32")


def test_mlir_dtype_names():
    # IREE's names, which NumPy reads otherwise ("f16" as float128) or not at all.
    for name, canonical in [("f16", "float16"), ("f32", "float32"), ("BF16", "bfloat16"),
                            ("f64", "float64"), (np.float16, "float16")]:
        assert iree_gn.GroupNormSpec.create((2, 8, 8, 32), name, groups=8).dtype == canonical
    for name, canonical in [("f16", "float16"), ("bf16", "bfloat16"), ("f64", "float64")]:
        assert str(iree_gn.empty((2, 3), name).dtype) == canonical  # (NumPy: "f16" float128)
    with pytest.raises(TypeError, match="float128"):
        iree_gn.GroupNormSpec.create((2, 8, 8, 32), np.longdouble, groups=8)


def test_gamma_and_beta_by_keyword(rng):
    # A bundle takes bundle(x, gamma=g, beta=b); the compiled op raised "unexpected keyword".
    op = iree_gn.compile((2, 4, 4, 8), groups=2)
    x = rng.standard_normal((2, 4, 4, 8)).astype(np.float32)
    g, b = rng.standard_normal(8).astype(np.float32), rng.standard_normal(8).astype(np.float32)
    assert_close(op(x, gamma=g, beta=b), ref_group_norm(x, 2, gamma=g, beta=b), "float32")
    np.testing.assert_array_equal(op(x, beta=b, gamma=g), op(x, g, b))
    np.testing.assert_array_equal(op(x, g, beta=b), op(x, g, b))
    with pytest.raises(TypeError, match="gamma was given both by position and by keyword"):
        op(x, g, gamma=g)
    with pytest.raises(TypeError, match="beta is required here: the op takes x, gamma, beta"):
        op(x, gamma=g)
    # op.vjp too, dy included
    dy = rng.standard_normal((2, 4, 4, 8)).astype(np.float32)
    want = op.vjp(x, g, b, dy)
    for got in (op.vjp(x, gamma=g, beta=b, dy=dy), op.vjp(x, g, b, dy=dy),
                op.vjp(x, g, dy=dy, beta=b)):
        for w, v in zip(want, got):
            np.testing.assert_array_equal(w, v)
    with pytest.raises(TypeError, match="dy is required here"):
        op.vjp(x, g, beta=b)
    no_beta = iree_gn.compile((2, 4, 4, 8), groups=2, center=False)
    assert_close(no_beta(x, gamma=g), ref_group_norm(x, 2, gamma=g), "float32")
    with pytest.raises(ValueError, match="beta was given, but the op has center=False"):
        no_beta(x, gamma=g, beta=b)
