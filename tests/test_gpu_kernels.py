"""The hand-written GPU dispatches (iree_gn/_gpu_kernels/): which specs they serve, their
numerics on Mesa lavapipe against the float64 reference (every variant: layouts, ranks,
dtypes, activations, one-pass, group sizes 1 and C, odd sizes, mean 1e4, NaN confined to its
group, a dynamic batch), and compiles of the SD-UNet and ResNet shapes for every GPU row."""

import dataclasses

import numpy as np
import pytest

import iree_gn
from iree_gn import _gpu_kernels, _ops, _targets
from iree_gn._runtime import numpy_dtype
from iree_gn._spec import GroupNormSpec
from reference import TOL, assert_close, ref_group_norm, to_f64

GPU_ROWS = [n for n, t in _targets.TARGETS.items() if t.backend != "llvm-cpu"]
LAVAPIPE = _targets.TARGETS["vulkan:llvmpipe"]


@dataclasses.dataclass(frozen=True)
class _TilesOnly(_targets.Target):
    """A row that never takes the one-dispatch form, so that small test shapes exercise
    the three tiled dispatches too (its formulation names differ: no cache mix-up)."""

    def formulation_for(self, spec):
        return super().formulation_for(spec).replace("-small", "")


def _lavapipe(path="default"):
    ok, why = _targets.fits_here(LAVAPIPE)
    if not ok:
        pytest.skip(f"no Mesa lavapipe Vulkan device here ({why}); install mesa-vulkan-drivers")
    if path == "tiles":
        return _TilesOnly(**{f.name: getattr(LAVAPIPE, f.name)
                             for f in dataclasses.fields(LAVAPIPE)})
    return LAVAPIPE


def _small(spec):
    return _gpu_kernels.formulation_for(spec, 256, 8, True).endswith("-small")


def _spec(shape, layout="nhwc", dtype="float32", **kw):
    n = len(shape)
    if layout == "nhwc":
        ca, red = -1, tuple(range(1, n - 1))
    else:
        ca, red = 1, tuple(range(2, n))
    return GroupNormSpec.create(shape, dtype, channels_axis=ca, reduction_axes=red, **kw)


def _inputs(rng, spec, shape, mean=0.0, std=2.0):
    dt = numpy_dtype(spec.dtype)
    C = spec.channels
    x = (mean + std * rng.standard_normal(shape)).astype(dt)
    g = (1 + 0.3 * rng.standard_normal(C)).astype(dt)
    b = (0.3 * rng.standard_normal(C)).astype(dt)
    return x, g, b


def _run_and_check(op, spec, rng, shape=None, mean=0.0, extra_atol=0.0):
    shape = shape or spec.shape
    x, g, b = _inputs(rng, spec, shape, mean)
    args = [a for a, on in ((g, spec.scale), (b, spec.center)) if on]
    y = op(x, *args)
    assert y.shape == x.shape and y.dtype == x.dtype
    ref = ref_group_norm(x, spec.groups, spec.channels_axis, spec.reduction_axes,
                         g if spec.scale else None, b if spec.center else None, spec.epsilon,
                         spec.activation, one_pass=spec.mean_close_to_zero)
    tol = dict(TOL[spec.dtype])
    tol["atol"] += extra_atol
    np.testing.assert_allclose(to_f64(y), ref, **tol)
    return x, y


# ---- which specs get kernels ------------------------------------------------------------
@pytest.mark.parametrize("shape,layout,kw,expect", [
    ((2, 64, 64, 320), "nhwc", {}, "channels_last"),
    ((2, 320, 64, 64), "nchw", {}, "channels_first"),
    ((2, 4, 6, 6, 32), "nhwc", {"groups": 8}, "channels_last"),       # NDHWC
    ((2, 32, 4, 6, 6), "nchw", {"groups": 8}, "channels_first"),      # NCDHW
    ((4, 64), "nhwc", {"groups": 16}, "channels_last"),               # NC: R = 1
    ((None, 64, 64, 320), "nhwc", {}, "channels_last"),               # dynamic batch
    ((2, 8, 8, 64), "nhwc", {"dtype": "bfloat16", "activation": "gelu_tanh"}, "channels_last"),
    ((2, 8, 8, 64), "nhwc", {"dtype": "float64"}, None),               # JAX path
    ((2, 8, 8, 64), "nhwc", {"activation": lambda t: t}, None),        # callables: JAX
    ((70000, 2, 2, 8), "nhwc", {"groups": 4}, None),  # more samples than a grid axis holds
])
def test_which_specs_get_a_kernel(shape, layout, kw, expect):
    spec = _spec(shape, layout, **kw)
    assert _gpu_kernels.layout(spec) == expect
    for name in GPU_ROWS:
        row = _targets.TARGETS[name]
        form = row.formulation_for(spec)
        assert _gpu_kernels.is_formulation(form) == (expect is not None), (name, form)


def test_kept_axis_and_no_batch_layouts_use_jax():
    assert _gpu_kernels.layout(GroupNormSpec.create(
        (2, 3, 8, 8, 16), "float32", groups=4, channels_axis=-1, reduction_axes=(2, 3))) is None
    assert _gpu_kernels.layout(GroupNormSpec.create(
        (8, 8, 32), "float32", groups=8, channels_axis=-1, reduction_axes=(0, 1))) is None
    assert _gpu_kernels.layout(GroupNormSpec.create(
        (2, None, 8, 16), "float32", groups=4, channels_axis=-1, reduction_axes=(2,))) is None


@pytest.mark.vulkan
@pytest.mark.parametrize("dtype", ["float32", "float16", "bfloat16"])
@pytest.mark.parametrize("shape,ca,red", [((128, 5, 3), 0, (2,)), ((2, 128, 5, 3), 1, (3,)),
                                          ((3, 16, 7), 1, ())])
def test_kept_axis_after_the_channels_runs_on_lavapipe(shape, ca, red, dtype, rng):
    # The JAX GPU form of these layouts runs on its channels-last twin (the direct form of
    # 128x5x3 over axis 2 failed to compile: "vector.transfer_read op with rank > 1").
    _lavapipe()
    spec = GroupNormSpec.create(shape, dtype, groups=8, channels_axis=ca, reduction_axes=red,
                                activation="silu")
    x, g, b = _inputs(rng, spec, shape, mean=1.0)
    op = iree_gn.compile(shape, dtype, groups=8, channels_axis=ca, reduction_axes=red,
                         activation="silu", target="vulkan:llvmpipe")
    assert_close(op(x, g, b), ref_group_norm(x, 8, ca, red, g, b, activation="silu"), dtype)


def test_rows_carry_their_subgroup_width():
    sg = {n: _targets.TARGETS[n].gpu_kernel[1] for n in GPU_ROWS}
    assert sg["cuda:sm_90"] == 32 and sg["rocm:gfx942"] == 64 and sg["vulkan:llvmpipe"] == 8
    spec = _spec((2, 8, 8, 64), groups=8)
    text = _gpu_kernels.module_text(spec, _targets.TARGETS["rocm:gfx942"].formulation_for(spec))
    assert "workgroup_size = [256, 1, 1] subgroup_size = 64" in text


def test_module_text_is_deterministic_and_self_describing():
    spec = _spec((2, 64, 64, 64), activation="silu", groups=8)  # over the one-dispatch size
    form = LAVAPIPE.formulation_for(spec)
    assert form == "gpu-kernel-wg256-sg8-spirv"
    a, b = _gpu_kernels.module_text(spec, form), _gpu_kernels.module_text(spec, form)
    assert a == b
    assert spec.short_name() in a.splitlines()[0]
    for fn in ("stats", "combine", "apply"):
        assert f"flow.dispatch @gn_gpu::@{fn}" in a
    with pytest.raises(ValueError, match="no hand-written GPU kernel"):
        _gpu_kernels.module_text(_spec((2, 8, 8, 64), dtype="float64"), form)
    with pytest.raises(ValueError, match="not a GPU kernel formulation"):
        _gpu_kernels.module_text(spec, "split")


@pytest.mark.parametrize("shape,layout,groups", [
    ((16, 128, 128, 320), "nhwc", 32), ((1, 64, 64, 320), "nhwc", 32),
    ((8, 256, 56, 56), "nchw", 32), ((2, 1280, 16, 16), "nchw", 32), ((4, 64), "nhwc", 16),
])
def test_enough_workgroups_for_a_big_gpu(shape, layout, groups):
    # Statistics tiles must fill a GPU of ~100+ SMs even at batch 1-2, as far as tiles of
    # at least _MIN_ITERS 16-byte loads per thread allow (within a factor 2 of rounding).
    spec = _spec(shape, layout, groups=groups)
    m = _gpu_kernels._Module(spec, _gpu_kernels.layout(spec), 256, 32, False)
    work = m.SWPS * shape[0]
    most = int(np.prod(shape)) // (256 * 4 * _gpu_kernels._MIN_ITERS)
    assert work >= min(512, most // 2), work


# ---- numerics on lavapipe ----------------------------------------------------------------
# (shape, layout, groups, dtype, extra options): every kernel variant and its edges.
CASES = [
    ((2, 8, 8, 64), "nhwc", 8, "float32", {}),
    ((2, 64, 8, 8), "nchw", 8, "float32", {}),
    ((2, 4, 6, 6, 32), "nhwc", 8, "float32", {"activation": "gelu"}),       # NDHWC
    ((2, 32, 4, 6, 6), "nchw", 8, "float32", {"activation": "gelu_tanh"}),  # NCDHW
    ((4, 64), "nhwc", 16, "float32", {}),                                   # NC
    ((3, 5, 7), "nchw", 5, "float32", {}),                                  # NCW, odd
    ((3, 7, 5, 15), "nhwc", 3, "float32", {"activation": "relu"}),          # odd C, VL 1
    ((2, 9, 11, 6), "nhwc", 6, "float32", {}),                              # groups C
    ((2, 6, 9, 11), "nchw", 1, "float32", {}),                              # one group
    ((2, 8, 8, 64), "nhwc", 32, "float16", {"activation": "silu"}),
    ((2, 64, 8, 8), "nchw", 32, "bfloat16", {"activation": "sigmoid"}),
    ((2, 8, 8, 96), "nhwc", 4, "bfloat16", {"activation": "elu"}),
    ((2, 96, 5, 5), "nchw", 4, "float16", {"activation": "tanh"}),
    ((2, 8, 8, 64), "nhwc", 8, "float32", {"mean_close_to_zero": True, "activation": "relu6"}),
    ((2, 64, 8, 8), "nchw", 8, "float32", {"mean_close_to_zero": True,
                                           "activation": "leaky_relu"}),
    ((2, 8, 8, 64), "nhwc", 8, "float32", {"center": False}),
    ((2, 64, 8, 8), "nchw", 8, "float32", {"scale": False}),
    ((2, 8, 8, 64), "nhwc", 8, "float16", {"center": False, "scale": False, "epsilon": 1e-3}),
    ((1, 40, 40, 320), "nhwc", 32, "float32", {}),     # several channel and row blocks
    ((1, 320, 40, 40), "nchw", 32, "float32", {}),     # several chunks per group
]


# Each case through the three tiled dispatches, and through the one-dispatch form where the
# default row takes it (small inputs).
PATH_CASES = [(c, path) for c in CASES for path in ("tiles", "small")
              if path == "tiles" or _small(_spec(c[0], c[1], c[3], groups=c[2], **c[4]))]


@pytest.mark.vulkan
@pytest.mark.parametrize("case,path", PATH_CASES,
                         ids=[f"{'x'.join(map(str, c[0]))}-{c[1]}-g{c[2]}-{c[3]}-{CASES.index(c)}"
                              f"-{p}" for c, p in PATH_CASES])
def test_kernels_match_the_reference_on_lavapipe(case, path, rng):
    shape, layout, groups, dtype, kw = case
    t = _lavapipe(path)
    spec = _spec(shape, layout, dtype, groups=groups, **kw)
    form = t.formulation_for(spec)
    assert _gpu_kernels.is_formulation(form) and form.endswith("-small") == (path == "small")
    _run_and_check(_ops.get_op(spec, t), spec, rng)


@pytest.mark.vulkan
@pytest.mark.parametrize("path", ["tiles", "small"])
@pytest.mark.parametrize("layout", ["nhwc", "nchw"])
def test_mean_1e4_keeps_float32_accuracy(layout, path, rng):
    # Shifted sums: at |mean|/std = 1e4 the error stays at the input's own rounding
    # (half an ulp of 1e4 in float32 is 4.9e-4, which the reference sees exactly).
    t = _lavapipe(path)
    shape = (2, 16, 16, 64) if layout == "nhwc" else (2, 64, 16, 16)
    spec = _spec(shape, layout, groups=8)
    x, g, b = _inputs(rng, spec, shape, mean=1e4, std=1.0)
    y = _ops.get_op(spec, t)(x, g, b)
    ref = ref_group_norm(x, 8, spec.channels_axis, spec.reduction_axes, g, b, spec.epsilon)
    assert float(np.abs(to_f64(y) - ref).max()) < 1e-4


@pytest.mark.vulkan
@pytest.mark.parametrize("path", ["tiles", "small"])
@pytest.mark.parametrize("layout", ["nhwc", "nchw"])
def test_nan_stays_in_its_group(layout, path, rng):
    t = _lavapipe(path)
    shape = (2, 8, 8, 64) if layout == "nhwc" else (2, 64, 8, 8)
    spec = _spec(shape, layout, groups=8)
    x, g, b = _inputs(rng, spec, shape)
    ch = 8 * 2 + 3  # a channel of group 2 (8 channels per group)
    x[(1, 3, 4, ch) if layout == "nhwc" else (1, ch, 3, 4)] = np.nan  # one element, sample 1
    y = to_f64(_ops.get_op(spec, t)(x, g, b))
    ygrp = np.moveaxis(y, spec.channels_axis, -1).reshape(2, -1, 8, 8)  # [n, ..., G, cg]
    nan = np.isnan(ygrp).any(axis=(1, 3))
    expect = np.zeros((2, 8), bool)
    expect[1, 2] = True
    assert (nan == expect).all(), nan


@pytest.mark.vulkan
@pytest.mark.parametrize("layout,dtype,act", [("nhwc", "float32", None),
                                              ("nchw", "float16", "silu")])
def test_dynamic_batch_is_one_module(layout, dtype, act, rng, monkeypatch):
    from iree_gn import _bound

    def per_sample_loop(*a, **k):
        raise AssertionError("a GPU-kernel dynamic batch ran the per-sample loop")

    monkeypatch.setattr(_bound.BoundOp, "_run_blocks", per_sample_loop)
    t = _lavapipe()
    shape = (None, 8, 8, 64) if layout == "nhwc" else (None, 64, 8, 8)
    spec = _spec(shape, layout, dtype, groups=8, activation=act)
    assert _gpu_kernels.serves_dynamic(spec, t)
    op = _ops.get_op(spec, t)
    assert op._block is None  # no per-sample loop
    assert _ops._one_module(spec, t) and op._loaded().signature.dynamic_in_module
    for n in (1, 3, 7):
        _run_and_check(op, spec, rng, shape=(n,) + shape[1:])


@pytest.mark.vulkan
def test_dynamic_batch_over_the_grid_limit_is_refused(rng):
    # The samples are the grid's y axis: 65535 workgroups on CUDA and NVIDIA/AMD Vulkan. A
    # larger batch is refused with the limit named, not dispatched (real GPUs would run
    # it truncated or fail inside the driver); the limit itself still runs.
    t = _lavapipe()
    spec = _spec((None, 1, 1, 8), "nhwc", groups=2)
    op = _ops.get_op(spec, t)
    assert op._block is None and op._loaded().signature.max_dynamic == 65535
    g, b = np.ones(8, np.float32), np.zeros(8, np.float32)
    x = rng.standard_normal((65535, 1, 1, 8)).astype(np.float32)
    assert_close(op(x, g, b), ref_group_norm(x, 2), "float32")
    big = np.zeros((65536, 1, 1, 8), np.float32)
    with pytest.raises(ValueError, match="size 65536 on its dynamic axis 0.*at most 65535"):
        op(big, g, b)


# ---- every GPU row compiles the canonical shapes ---------------------------------------
def _canonical(layout, shape, dtype="float32", **kw):
    n, h, w, c = shape
    return _spec((n, h, w, c) if layout == "nhwc" else (n, c, h, w), layout, dtype,
                 groups=32, **kw)


SMALL_MATRIX = [("nhwc", (2, 64, 64, 320), "float16", {"activation": "silu"}),
                ("nchw", (8, 56, 56, 256), "float32", {})]
FULL_MATRIX = [(lay, shp, dt, kw) for lay in ("nhwc", "nchw")
               for shp in ((2, 64, 64, 320), (2, 32, 32, 640), (2, 16, 16, 1280),
                           (8, 56, 56, 256))
               for dt in ("float32", "float16", "bfloat16")
               for kw in ({}, {"activation": "silu"})]


def _compile_check(name, lay, shp, dt, kw):
    t = _targets.TARGETS[name]
    spec = _canonical(lay, shp, dt, **kw)
    assert _gpu_kernels.is_formulation(t.formulation_for(spec))
    op = _ops.get_op(spec, t)
    assert t.marker in op.vmfb


@pytest.mark.parametrize("name", GPU_ROWS)
@pytest.mark.parametrize("lay,shp,dt,kw", SMALL_MATRIX,
                         ids=[f"{m[0]}-{'x'.join(map(str, m[1]))}-{m[2]}" for m in SMALL_MATRIX])
def test_every_gpu_row_compiles_the_unet_and_resnet_shapes(name, lay, shp, dt, kw):
    _compile_check(name, lay, shp, dt, kw)


@pytest.mark.slow
@pytest.mark.parametrize("name", GPU_ROWS)
@pytest.mark.parametrize("lay,shp,dt,kw", FULL_MATRIX,
                         ids=[f"{m[0]}-{'x'.join(map(str, m[1]))}-{m[2]}-{m[3].get('activation')}"
                              for m in FULL_MATRIX])
def test_every_gpu_row_compiles_the_full_matrix(name, lay, shp, dt, kw):
    _compile_check(name, lay, shp, dt, kw)


def test_dynamic_and_one_dispatch_forms_compile_for_every_gpu_row():
    dyn = _spec((None, 16, 16, 64), groups=8, activation="silu")
    small = [_spec((2, 8, 8, 64), groups=8, dtype="float16", activation="gelu"),
             _spec((2, 64, 8, 8), "nchw", groups=8, dtype="bfloat16")]
    for i, name in enumerate(GPU_ROWS):
        t = _targets.TARGETS[name]
        op = _ops.get_op(dyn, t)
        assert op._block is None and t.marker in op.vmfb, name
        spec = small[i % 2]  # each layout on half the rows: the default run stays short
        assert t.formulation_for(spec).endswith("-small")
        assert t.marker in _ops.get_op(spec, t).vmfb, name


def test_public_compile_routes_gpu_rows_to_the_kernels():
    op = iree_gn.compile((2, 8, 8, 64), "float32", groups=8, target="cuda:sm_90")
    assert _gpu_kernels.is_formulation(op.target.formulation_for(op.spec))
    assert b".target sm_90" in op.vmfb


# ---- specs the kernels do not serve: the row's JAX formulation must compile ---------------
def _double(v):  # a user activation (a callable): never served by the kernels
    return v * 2


def _unserved(kind, cg, dtype):
    C = 32 * cg
    if kind == "kept":    # an extra kept axis (NTHWC, statistics per (n, t))
        return GroupNormSpec.create((2, 3, 16, 16, C), dtype, groups=32, channels_axis=-1,
                                    reduction_axes=(2, 3))
    if kind == "nobatch":  # HWC: every non-channel axis reduced
        return GroupNormSpec.create((32, 32, C), dtype, groups=32, channels_axis=-1,
                                    reduction_axes=(0, 1))
    if kind == "middle":  # channels between reduced axes
        return GroupNormSpec.create((2, 16, C, 16), dtype, groups=32, channels_axis=2,
                                    reduction_axes=(1, 3))
    if kind == "callable-nhwc":
        return GroupNormSpec.create((2, 32, 32, C), dtype, groups=32, activation=_double)
    return GroupNormSpec.create((2, C, 32, 32), dtype, groups=32, channels_axis=1,
                                reduction_axes=(2, 3), activation=_double)


UNSERVED_SMALL = [("kept", 10, "float32"), ("nobatch", 5, "float16"),
                  ("callable-nhwc", 30, "float32")]
UNSERVED_FULL = [(k, cg, dt) for k in ("kept", "nobatch", "middle", "callable-nhwc",
                                       "callable-nchw")
                 for cg in (5, 10, 30) for dt in ("float32", "float16", "bfloat16")]


def _compile_unserved(name, kind, cg, dt):
    t = _targets.TARGETS[name]
    spec = _unserved(kind, cg, dt)
    assert not _gpu_kernels.supports(spec)
    op = _ops.get_op(spec, t)
    assert t.marker in op.vmfb


# Every unserved kind on the Vulkan rows (issue 12 item 10), one on the CUDA/ROCm rows.
UNSERVED_DEFAULT = [(n, *u) for n in GPU_ROWS
                    for u in (UNSERVED_SMALL if n.startswith("vulkan:") else UNSERVED_SMALL[:1])]


@pytest.mark.parametrize("name,kind,cg,dt", UNSERVED_DEFAULT,
                         ids=[f"{n}-{k}-cg{c}-{d}" for n, k, c, d in UNSERVED_DEFAULT])
def test_every_gpu_row_compiles_specs_without_kernels(name, kind, cg, dt):
    # Issue 12 item 10: vulkan:ampere/rdna3 failed on channels-last groups of 5, 10, 30.
    _compile_unserved(name, kind, cg, dt)


@pytest.mark.slow
@pytest.mark.parametrize("name", GPU_ROWS)
@pytest.mark.parametrize("kind,cg,dt", UNSERVED_FULL,
                         ids=[f"{k}-cg{c}-{d}" for k, c, d in UNSERVED_FULL])
def test_every_gpu_row_compiles_every_layout_without_kernels(name, kind, cg, dt):
    _compile_unserved(name, kind, cg, dt)


@pytest.mark.vulkan
def test_unserved_specs_are_right_on_lavapipe_with_the_vulkan_formulations(rng):
    # The formulations of vulkan:ampere/rdna3 ("split") and llvmpipe ("barrier") for specs
    # without kernels, run on lavapipe (the only Vulkan device in CI).
    import dataclasses

    base = _lavapipe()
    for form in sorted({_targets.TARGETS[n].formulation for n in GPU_ROWS
                        if n.startswith("vulkan:")}):
        t = dataclasses.replace(base, formulation=form)
        for kind in ("kept", "nobatch"):
            spec = _unserved(kind, 10, "float32")
            _run_and_check(_ops.get_op(spec, t), spec, rng)


def test_gpu_goldens_hold_what_the_gpu_rows_compile():
    # mlir/gpu/ (build_tools/gen_mlir.py; drift-checked by test_mlir_drift.py): the kernel
    # text of canonical shapes, built without JAX by `iree-gn build --from-mlir mlir/gpu`.
    import json
    import os

    folder = os.path.join(os.path.dirname(os.path.dirname(__file__)), "mlir", "gpu")
    stems = sorted(n[:-5] for n in os.listdir(folder) if n.endswith(".json"))
    assert len(stems) == 3
    for stem in stems:
        with open(os.path.join(folder, stem + ".json")) as f:
            side = json.load(f)
        spec = GroupNormSpec.from_json(side["spec"])
        for name in ("cuda:sm_80", "cuda:sm_86", "cuda:sm_89", "cuda:sm_90", "rocm:gfx1100"):
            assert _targets.TARGETS[name].formulation_for(spec) == side["formulation"], name
        with open(os.path.join(folder, stem + ".mlir")) as f:
            assert spec.short_name() in f.readline()


def test_small_inputs_take_one_dispatch():
    small, big = _spec((2, 8, 8, 64), groups=8), _spec((2, 64, 64, 320))
    dyn = _spec((None, 8, 8, 64), groups=8)
    row = _targets.TARGETS["cuda:sm_90"]
    assert row.formulation_for(small) == "gpu-kernel-wg256-sg32-small"
    assert row.formulation_for(big) == row.formulation_for(dyn) == "gpu-kernel-wg256-sg32"
    text = _gpu_kernels.module_text(small, row.formulation_for(small))
    assert text.count("flow.dispatch") == 1 and "@gn_gpu::@small" in text
    with pytest.raises(ValueError, match="needs a static shape"):
        _gpu_kernels.module_text(dyn, "gpu-kernel-wg256-sg32-small")
