"""The hand-written llvm-cpu kernels (iree_gn/_kernels/): which specs they serve, and
their numerics against the float64 reference on the shapes that exercise their edges
(vector remainders, partial row blocks, odd channel counts, multi-threaded calls)."""

import numpy as np
import pytest

import iree_gn
from iree_gn import _bound, _kernels, _targets
from iree_gn._spec import GroupNormSpec
from reference import assert_close, ref_group_norm, to_f64

CPU = _targets.TARGETS["llvm-cpu"]


def _spec(shape, ca=-1, red=None, **kw):
    n = len(shape)
    if red is None:
        red = tuple(range(1, n - 1)) if ca in (-1, n - 1) else tuple(range(2, n))
    return GroupNormSpec.create(shape, kw.pop("dtype", "float32"), channels_axis=ca,
                                reduction_axes=red, **kw)


@pytest.mark.parametrize("shape,ca,kw,expect", [
    ((8, 56, 56, 256), -1, {}, "channels_last"),
    ((2, 4, 6, 6, 32), -1, {"groups": 8}, "channels_last"),
    ((8, 256, 56, 56), 1, {}, "channels_first"),
    ((2, 32, 4, 6, 6), 1, {"groups": 8}, "channels_first"),
    ((2, 8, 8, 64), -1, {"dtype": "bfloat16", "activation": "gelu"}, "channels_last"),
    ((1, 8, 8, 32), -1, {}, "channels_last"),         # batch 1, but a single-thread call
    ((1, 128, 128, 512), -1, {}, "channels_last_split"),  # batch 1, big: rows split
    ((2, 8, 8, 64), -1, {"dtype": "float64"}, "channels_last"),  # f64 statistics
    ((2, 8, 8, 64), -1, {"dtype": "float64", "activation": "gelu"}, "channels_last"),
    ((2, 8, 8, 1024), -1, {"dtype": "float64"}, None),  # f64 scratch: twice the stack
    ((2, 8, 8, 64), -1, {"activation": lambda t: t}, None),  # callables: JAX
    ((2, 8, 8, 2048), -1, {}, "channels_last"),       # blocks of 1024 channels (stack)
    ((1, 16, 16, 2048), -1, {}, "channels_last"),     # batch 1: 8 channel blocks, no split
    ((1, 64, 256, 256), 1, {"groups": 2}, "channels_first_split"),  # blocks > L2: pieces
    ((1, 64, 256, 256), 1, {"groups": 2, "dtype": "float64"}, None),  # f64 pieces: JAX
    ((4, 64), -1, {"reduction_axes": (), "groups": 16}, "channels_last"),  # rank 2: R = 1
])
def test_which_specs_get_a_kernel(shape, ca, kw, expect):
    kw = dict(kw)
    red = kw.pop("reduction_axes", None)
    spec = _spec(shape, ca, red, **kw)
    assert _kernels.layout(spec) == expect
    assert CPU.formulation_for(spec) == ("kernel" if expect else
                                         ("fused" if spec.nbytes < _targets.FUSED_BYTES
                                          else "native"))


@pytest.mark.parametrize("shape,dtype,blocks", [
    ((2, 16, 16, 1280), "float32", 8),   # 1.3 MB samples -> 160 KB blocks
    ((2, 16, 16, 1280), "float16", 4),
    ((2, 8, 8, 1280), "float32", 2),
    ((2, 32, 32, 640), "float32", 1),    # blocks that fit would read 256-byte row pieces
    ((8, 56, 56, 256), "float32", 1),
    ((2, 8, 8, 64), "float32", 1),       # the whole sample fits
])
def test_channel_blocks(shape, dtype, blocks):
    assert _kernels.channel_blocks(_spec(shape, dtype=dtype)) == blocks


def test_kept_axis_and_no_batch_layouts_get_kernels_by_reshape():
    # Kept axes first are more samples (a pure reshape); a kept axis after the channel or
    # a reduction axis would need a transpose and stays on the JAX routes (_select.view).
    assert _kernels.layout(_spec((2, 3, 8, 8, 16), -1, (2, 3), groups=4)) == "channels_last"
    assert _kernels.layout(_spec((8, 8, 32), -1, (0, 1), groups=8)) == "channels_last"
    assert _kernels.layout(_spec((32, 8, 8), 0, (1, 2), groups=8)) == "channels_first"
    assert _kernels.layout(_spec((2, 16, 8, 8), 1, (3,), groups=4)) is None
    assert _kernels.layout(_spec((64, 4), 0, (), groups=16)) is None


def test_cpu_kernels_on_cpu_rows_gpu_kernels_on_gpu_rows():
    # The CPU dispatches (_kernels) serve llvm-cpu rows only; GPU rows take the hand-written
    # GPU dispatches (_gpu_kernels). Either way a kernel-served dynamic batch is one module
    # (_ops._one_module, the one predicate for both).
    from iree_gn import _ops

    spec, dyn = _spec((8, 56, 56, 256)), _spec((None, 56, 56, 256))
    for name, row in _targets.TARGETS.items():
        cpu = row.backend == "llvm-cpu"
        assert row.kernel == cpu, name
        assert bool(row.gpu_kernel) == (not cpu), name
        form = row.formulation_for(spec)
        assert (form == "kernel") if cpu else form.startswith("gpu-kernel"), (name, form)
        assert _ops._one_module(dyn, row), name
        assert not _ops._one_module(_spec((None, None, 4, 4, 16), -1, (2, 3), groups=4), row)


def test_module_text_is_deterministic_and_self_describing():
    spec = _spec((2, 16, 16, 64), activation="silu")
    a, b = _kernels.module_text(spec), _kernels.module_text(spec)
    assert a == b
    assert "stream.executable" in a and "flow.dispatch @gn_kernel::@gn" in a
    assert spec.short_name() in a.splitlines()[0]
    with pytest.raises(ValueError, match="no hand-written kernel"):
        _kernels.module_text(_spec((2, 8, 8, 64), activation=lambda t: t))


# Numerics: (shape, channels_axis, groups, options). Each line names the edge it covers.
CASES = {
    "cl-C-not-multiple-of-16": ((3, 5, 7, 24), -1, 8, {}),         # 8-lane vectors, R=35
    "cl-2-lane": ((2, 9, 9, 6), -1, 3, {}),                         # C=6: 2-lane vectors
    "cl-1-lane": ((2, 4, 5, 5), -1, 5, {}),                         # C=5: scalar code
    "cl-partial-row-block": ((2, 10, 13, 48), -1, 16, {}),           # R=130: 64+64+2 rows
    "cl-5d": ((2, 3, 5, 7, 32), -1, 8, {}),
    "cl-one-pass": ((2, 10, 13, 48), -1, 16, {"mean_close_to_zero": True}),
    "cl-no-params": ((2, 6, 6, 32), -1, 8, {"center": False, "scale": False}),
    "cl-multithread": ((4, 32, 32, 128), -1, 32, {}),                # 2 MB: local-task
    # Samples split into channel blocks that fit in L2 (2 blocks of 640 channels).
    "cl-channel-blocks": ((2, 8, 8, 1280), -1, 32, {}),
    "cl-channel-blocks-one-pass": ((2, 8, 8, 1280), -1, 32, {"mean_close_to_zero": True}),
    # Batch 1 over 1 MB: rows split in 16 blocks of 175 rows (two 64-row sums and a rest).
    "cl-split": ((1, 40, 70, 96), -1, 32, {}),
    "cl-split-8-lane-one-pass": ((1, 100, 120, 24), -1, 8, {"mean_close_to_zero": True}),
    "cl-split-no-beta-silu": ((1, 40, 70, 96), -1, 32, {"center": False,
                                                        "activation_fn": "silu"}),
    "cf-remainders": ((3, 96, 7, 7), 1, 32, {}),                     # L=147: 128 + 19
    "cf-all-scalar": ((2, 48, 5, 3), 1, 16, {}),                     # L=45 < 64
    "cf-one-pass": ((3, 96, 7, 7), 1, 32, {"mean_close_to_zero": True}),
    "cf-only-scale": ((2, 64, 6, 6), 1, 8, {"center": False}),
    "cf-5d": ((2, 32, 3, 5, 7), 1, 8, {}),
    "cf-multithread": ((4, 128, 32, 32), 1, 32, {"activation_fn": "gelu_tanh"}),
}


@pytest.mark.parametrize("case", list(CASES))
def test_kernel_numerics(case, rng):
    shape, ca, groups, kw = CASES[case]
    opts = {("activation" if k == "activation_fn" else k): v for k, v in kw.items()}
    spec = _spec(shape, ca, groups=groups, **opts)
    assert CPU.formulation_for(spec) == "kernel"
    x = (0.3 + 2.0 * rng.standard_normal(shape)).astype(np.float32)
    C = shape[ca]
    g = (1 + 0.5 * rng.standard_normal(C)).astype(np.float32)
    b = (0.5 * rng.standard_normal(C)).astype(np.float32)
    with iree_gn.VariableStore():
        y = iree_gn.group_norm(x, groups=groups, channels_axis=ca,
                               reduction_axes=spec.reduction_axes,
                               param_initializers={"gamma": g, "beta": b}, target="llvm-cpu",
                               **kw)
    ref = ref_group_norm(x, groups, ca, spec.reduction_axes,
                         gamma=g if spec.scale else None, beta=b if spec.center else None,
                         one_pass=spec.mean_close_to_zero, activation=spec.activation)
    assert_close(y, ref, "float32")


@pytest.mark.parametrize("shape,ca", [((2, 16, 16, 64), -1), ((2, 64, 16, 16), 1),
                                      ((1, 64, 64, 64), -1)])
def test_kernel_large_mean_stays_accurate(shape, ca, rng):
    # |mean| = 1e4 >> std: the channels-last kernel sums x minus a per-channel element, the
    # channels-first one x minus a first-pass mean, and neither forms the float32 mean (its
    # rounding alone is 5e-4 here).
    assert _kernels.layout(_spec(shape, ca)) is not None
    x = (1e4 + rng.standard_normal(shape)).astype(np.float32)
    with iree_gn.VariableStore():
        y = iree_gn.group_norm(x, groups=32, channels_axis=ca,
                               reduction_axes=(1, 2) if ca == -1 else (2, 3))
    err = np.abs(to_f64(y) - ref_group_norm(x, 32, ca, (1, 2) if ca == -1 else (2, 3))).max()
    assert err < 1e-4, err


def test_kernel_channel_blocks_float16(rng):
    x = (1.0 + 3.0 * rng.standard_normal((2, 16, 16, 1280))).astype(np.float16)
    with iree_gn.VariableStore():
        y = iree_gn.group_norm(x, groups=32, activation_fn="silu")
    assert_close(y, ref_group_norm(x, 32, activation="silu"), "float16")


def test_kernel_split_float16(rng):
    x = (1.0 + 3.0 * rng.standard_normal((1, 80, 70, 96))).astype(np.float16)
    assert _kernels.layout(_spec(x.shape, dtype="float16")) == "channels_last_split"
    with iree_gn.VariableStore():
        y = iree_gn.group_norm(x, groups=32)
    assert y.dtype == np.float16
    assert_close(y, ref_group_norm(x, 32), "float16")


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_kernel_channels_first_16bit(dtype, rng):
    from iree_gn._runtime import numpy_dtype

    npdt = numpy_dtype(dtype)
    x = (1.0 + 3.0 * rng.standard_normal((2, 64, 9, 9))).astype(npdt)
    with iree_gn.VariableStore():
        y = iree_gn.group_norm(x, groups=32, channels_axis=1, reduction_axes=(2, 3),
                               activation_fn="elu")
    assert y.dtype == npdt
    assert_close(y, ref_group_norm(x, 32, 1, (2, 3), activation="elu"), dtype)


def test_kernel_nan_poisons_only_its_group_channels_first(rng):
    x = rng.standard_normal((2, 64, 4, 4)).astype(np.float32)
    x[1, 5, 2, 3] = np.nan  # sample 1, group 2 (channels 4..5)
    with iree_gn.VariableStore():
        y = iree_gn.group_norm(x, groups=32, channels_axis=1, reduction_axes=(2, 3))
    bad = ~np.isfinite(y)
    expect = np.zeros_like(bad)
    expect[1, 4:6] = True
    np.testing.assert_array_equal(bad, expect)


# Dynamic batch: one module (x is tensor<?x...>, the dispatch's workload is N), every N.
# (shape with None at axis 0, channels_axis, groups, dtype, options). The first cases are
# large enough (> 64 KB at N = 3) for the zero-copy and unaligned (main_off_out) paths.
DYN_CASES = {
    "nhwc": ((None, 16, 16, 64), -1, 16, "float32", {}),
    "nchw": ((None, 64, 16, 16), 1, 16, "float32", {}),
    "nhwc-channel-blocks": ((None, 8, 8, 1280), -1, 32, "float32", {}),
    # A 1 MB sample: N = 1 runs the row split (two dispatches), other N per-sample workgroups.
    "nhwc-batch1-row-split": ((None, 40, 70, 96), -1, 32, "float32", {"activation": "relu"}),
    "nhwc-f16-batch1-row-split-one-pass": ((None, 60, 70, 128), -1, 32, "float16",
                                           {"mean_close_to_zero": True}),
    "ndhwc-f16-silu": ((None, 3, 5, 7, 32), -1, 8, "float16", {"activation": "silu"}),
    "ncdhw-bf16": ((None, 32, 3, 5, 7), 1, 8, "bfloat16", {}),
    "nhwc-one-pass-no-params": ((None, 5, 7, 24), -1, 8, "float32",
                                {"mean_close_to_zero": True, "center": False, "scale": False}),
    "nchw-one-pass-gelu": ((None, 96, 7, 7), 1, 32, "float32",
                           {"mean_close_to_zero": True, "activation": "gelu"}),
}


@pytest.mark.parametrize("case", list(DYN_CASES))
def test_dynamic_batch_runs_one_kernel_module(case, rng, monkeypatch):
    def per_sample_loop(*a, **k):
        raise AssertionError("a kernel-served dynamic batch ran the per-sample loop")

    monkeypatch.setattr(_bound.BoundOp, "_run_blocks", per_sample_loop)

    shape, ca, groups, dtype, kw = DYN_CASES[case]
    spec = _spec(shape, ca, groups=groups, dtype=dtype, **kw)
    assert _kernels.serves_dynamic(spec) and CPU.formulation_for(spec) == "kernel"
    op = iree_gn.compile(shape, dtype, groups=groups, channels_axis=ca,
                         reduction_axes=spec.reduction_axes, **kw)
    # One module whose entry takes any batch: no static block module driven per sample.
    assert op._block is None and op.spec == spec
    assert f"@main(%arg0: tensor<?x" in op.stablehlo
    C = shape[ca]
    np_dt = iree_gn._runtime.numpy_dtype(dtype)
    params = [(1 + 0.5 * rng.standard_normal(C)).astype(np_dt) for _ in range(spec.scale)] + \
        [(0.5 * rng.standard_normal(C)).astype(np_dt) for _ in range(spec.center)]
    gamma = params[0] if spec.scale else None
    beta = params[-1] if spec.center else None
    # Bound with the dynamic axis inside the module; small calls on the small-call driver.
    bo = op._loaded()
    assert bo.signature.dynamic_in_module and bo._in_module
    if CPU.driver_for(0) != CPU.driver:
        assert bo._by_size[1].device.driver == CPU.driver_for(0)
        assert bo._for(0) is bo._by_size[1] and bo._for(CPU.small_bytes) is bo
    for n in (1, 3, 7, 3):  # 3 again: a pooled or staged result of 7 samples is not reused
        x = (0.3 + 2.0 * rng.standard_normal((n,) + shape[1:])).astype(np_dt)
        ref = ref_group_norm(x, groups, ca, spec.reduction_axes, gamma=gamma, beta=beta,
                             one_pass=spec.mean_close_to_zero, activation=spec.activation)
        assert_close(op(x, *params), ref, dtype)
        # x 4 bytes past an aligned address (the offset entry), into out=.
        buf = iree_gn.empty((x.size + 2,), np_dt)
        xu = buf[2:].reshape(x.shape)
        xu[...] = x
        out = iree_gn.empty(x.shape, np_dt)
        assert op(xu, *params, out=out) is out
        assert_close(out, ref, dtype)


def test_dynamic_batch_threads_mixed_sizes(rng):
    # One in-module binding called from several threads with batches of different sizes:
    # each lane keeps buffers per shape and the pool hands out results per shape, so no
    # call may see another size's buffer. Small (local-sync binding) and large (local-task)
    # calls mix: 1x8x8x64 is 16 KB, 40x8x8x64 640 KB, and the largest just over small_bytes.
    import threading

    shape = (None, 8, 8, 64)
    op = iree_gn.compile(shape, "float32", groups=8)
    assert op._block is None
    gamma = (1 + 0.5 * rng.standard_normal(64)).astype(np.float32)
    beta = (0.5 * rng.standard_normal(64)).astype(np.float32)
    xs = {n: (0.3 + 2 * rng.standard_normal((n, 8, 8, 64))).astype(np.float32)
          for n in (1, 3, 40, min(CPU.small_bytes // 16384 + 6, 1024))}
    refs = {n: ref_group_norm(x, 8, -1, (1, 2), gamma=gamma, beta=beta) for n, x in xs.items()}
    errors = []

    def work(k):
        try:
            order = list(xs)[k % 4:] + list(xs)[:k % 4]
            for r in range(3):
                for n in order:
                    out = iree_gn.empty(xs[n].shape, np.float32) if (r + k) % 2 else None
                    y = op(xs[n], gamma, beta, out=out)
                    assert y.shape == xs[n].shape
                    assert_close(y, refs[n], "float32")
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[0]


def test_dynamic_batch_routing():
    # Served by a kernel with only axis 0 dynamic: one module. Anything else: block modules.
    assert _kernels.serves_dynamic(_spec((None, 8, 8, 64)))
    assert _kernels.layout(_spec((None, 128, 128, 512))) == "channels_last"  # no split
    assert not _kernels.serves_dynamic(_spec((2, 8, 8, 64)))
    assert not _kernels.serves_dynamic(
        _spec((None, None, 4, 4, 16), -1, (2, 3), groups=4))
    assert not _kernels.serves_dynamic(_spec((None, 8, 8, 64), activation=lambda t: t))
    assert _kernels.serves_dynamic(_spec((None, 8, 8, 2048)))  # any C (test_kernels_big)
    assert CPU.formulation_for(_spec((None, 8, 8, 64))) == "kernel"
    text = _kernels.module_text(_spec((None, 8, 8, 64)))
    assert "workgroups(%wl: index)" in text and "flow.dispatch @gn_kernel::@gn[%n]" in text
    assert "scf.if %one" not in text  # no batch-1 split for these samples
    # The output's stores stream above the cache limit, chosen in the kernel from N.
    assert "scf.if %stream" in text and "nontemporal = true" in text
    # Samples whose batch-1 op splits rows: the split too, chosen when N = 1.
    text = _kernels.module_text(_spec((None, 40, 70, 96)))
    assert "scf.if %one" in text and "flow.dispatch @gn_kernel::@stats[%n]" in text
    assert "scf.if" not in text.split("func.func public @main(")[1]  # no host control flow
    # Unless both kernels' scratch would not fit the stack together.
    assert _kernels._ChannelsLast(_spec((None, 16, 16, 1536))).split is None
