"""The hand-written GPU backward dispatches (``iree_gn._gpu_kernels._backward``) through
``op.vjp``: which specs they serve on which rows, their numerics on Mesa lavapipe against the
float64 reference (``ref_group_norm_vjp``: means 0 / 1e2 / 1e4, every kernel activation,
float16/bfloat16, center/scale, one-pass statistics, both layouts, multi-block tilings, a
dynamic batch in one module, ``out=``), and compiles for every GPU row.

Tolerances: ``reference.GRAD_TOL``, the JAX route's (justified there). The dispatches form
the same centered float32 sums (x - k with k the group's first element, never raw x) over
tiles of at most a few thousand elements per thread, combined per (sample, channel) and then
per group, so float32 error stays near the JAX route's; measured errors sit 10-100x under
the tolerances (float32 about 1e-7 relative, also at mean 1e4).
"""

import numpy as np
import pytest

import iree_gn
from iree_gn import _gpu_kernels, _grad, _targets
from iree_gn._spec import GroupNormSpec
from reference import grad_rel_error, ref_group_norm_vjp
from test_grad import GRAD_TOL, _inputs, check

GPU_ROWS = [n for n, t in _targets.TARGETS.items() if t.backend != "llvm-cpu"]
LAVAPIPE = "vulkan:llvmpipe"
NHWC, NCHW = (-1, (1, 2)), (1, (2, 3))


def _lavapipe():
    ok, why = _targets.fits_here(_targets.TARGETS[LAVAPIPE])
    if not ok:
        pytest.skip(f"no Mesa lavapipe Vulkan device here ({why}); install mesa-vulkan-drivers")
    return _targets.TARGETS[LAVAPIPE]


def _spec(shape, layout=NHWC, dtype="float32", groups=4, **kw):
    ca, red = layout
    if len(shape) != 4:
        red = tuple(range(1, len(shape) - 1)) if ca == -1 else tuple(range(2, len(shape)))
    return GroupNormSpec.create(shape, dtype, groups=groups, channels_axis=ca,
                                reduction_axes=red, **kw)


def gpu_check(shape, layout=NHWC, dtype="float32", groups=4, rng=None, **kw):
    """``test_grad.check`` on lavapipe, after asserting that the GPU kernels serve it."""
    t = _lavapipe()
    ca, red = layout
    if len(shape) != 4:
        red = tuple(range(1, len(shape) - 1)) if ca == -1 else tuple(range(2, len(shape)))
    spec_kw = {k: v for k, v in kw.items() if k in ("center", "scale", "activation",
                                                     "mean_close_to_zero")}
    spec = _spec(kw.get("compile_shape") or shape, (ca, red), dtype, groups, **spec_kw)
    assert _gpu_kernels.is_formulation(_grad.formulation(spec, t)), spec
    return check(rng, shape, dtype, groups, ca, red, target=LAVAPIPE, **kw)


# ---- which specs the kernels take ------------------------------------------------------------
def test_every_gpu_row_routes_served_specs_to_the_kernels():
    served = [_spec((2, 6, 5, 16)), _spec((None, 16, 5, 6), NCHW, "bfloat16"),
              _spec((3, 7, 20), groups=5, activation="gelu_tanh")]
    for name in GPU_ROWS:
        t = _targets.TARGETS[name]
        for spec in served:
            form = _grad.formulation(spec, t)
            assert form == _gpu_kernels.formulation(*t.gpu_kernel), (name, spec)
        assert _grad._one_module(served[1], t) and not _grad._one_module(served[0], t)
    # What the kernels do not serve keeps the JAX definition: float64, a callable
    # activation, an extra kept axis; CPU rows keep their own kernels.
    vk = _targets.TARGETS[LAVAPIPE]
    assert _grad.formulation(_spec((2, 6, 5, 16), dtype="float64"), vk) == "barrier-upcast"
    assert _grad.formulation(_spec((2, 6, 5, 16), activation=lambda v: v), vk) == \
        "barrier-upcast"
    kept = GroupNormSpec.create((2, 3, 4, 4, 8), "float32", groups=4, channels_axis=-1,
                                reduction_axes=(2, 3))
    assert _grad.formulation(kept, vk) == "barrier-upcast"
    assert _grad.formulation(_spec((2, 6, 5, 16)), _targets.get("llvm-cpu")) == "kernel"
    with pytest.raises(ValueError, match="no hand-written GPU backward kernel"):
        _gpu_kernels.grad_module_text(kept, vk)


def test_module_is_the_hand_written_one():
    spec = _spec((2, 6, 5, 16), activation="silu")
    text = _gpu_kernels.grad_module_text(spec, _targets.TARGETS["cuda:sm_80"])
    for name in ("stats", "combine", "dzsum", "coef", "dx", "reduce"):
        assert f"stream.executable private @gn_gpu_{name}" in text
    assert "stablehlo." not in text and "flow.dispatch @gn_gpu_dx::@dx" in text
    assert text == _gpu_kernels.grad_module_text(spec, _targets.TARGETS["cuda:sm_80"])
    # Channels last without an activation: statistics and dz sums in one pass over x, dy.
    fused = _gpu_kernels.grad_module_text(_spec((2, 6, 5, 16)), _targets.TARGETS[LAVAPIPE])
    assert "@gn_gpu_dzsum" not in fused and fused.count("flow.dispatch") == 5
    assert "flow.dispatch @gn_gpu_stats::@stats(%xv, %dyv)" in fused


# ---- numerics on lavapipe --------------------------------------------------------------------
@pytest.mark.vulkan
@pytest.mark.parametrize("layout", [NHWC, NCHW], ids=["nhwc", "nchw"])
@pytest.mark.parametrize("mean", [0.0, 1e2, 1e4])
def test_large_means(rng, layout, mean):
    # 2048 elements per group; the shift keeps float32 sums small at any mean.
    shape = (2, 16, 16, 32) if layout == NHWC else (2, 32, 16, 16)
    gpu_check(shape, layout, groups=4, rng=rng, mean=mean)


@pytest.mark.vulkan
@pytest.mark.parametrize("activation", _gpu_kernels._select._kernels.ACTIVATIONS)
def test_activations(rng, activation):
    # Each activation on one layout (alternating), so the default run stays short.
    i = _gpu_kernels._select._kernels.ACTIVATIONS.index(activation)
    layout = (NHWC, NCHW)[i % 2]
    shape = (2, 4, 5, 16) if layout == NHWC else (2, 16, 4, 5)
    gpu_check(shape, layout, rng=rng, activation=activation, mean=0.5)


@pytest.mark.vulkan
@pytest.mark.parametrize("dtype,layout,activation", [
    ("float16", NHWC, None), ("float16", NCHW, "silu"), ("bfloat16", NHWC, "gelu"),
    ("bfloat16", NCHW, None)], ids=["f16-nhwc", "f16-nchw-silu", "bf16-nhwc-gelu",
                                    "bf16-nchw"])
def test_16_bit(rng, dtype, layout, activation):
    shape = (2, 6, 5, 32) if layout == NHWC else (2, 32, 6, 5)
    gpu_check(shape, layout, dtype, groups=8, rng=rng, activation=activation, mean=1e1)


@pytest.mark.vulkan
@pytest.mark.parametrize("center,scale,activation,layout", [
    (False, True, None, NHWC), (True, False, "relu", NCHW), (False, False, None, NCHW),
    (False, True, "tanh", NHWC)])
def test_center_scale_off(rng, center, scale, activation, layout):
    shape = (2, 6, 5, 16) if layout == NHWC else (2, 16, 6, 5)
    gpu_check(shape, layout, rng=rng, center=center, scale=scale, activation=activation)


@pytest.mark.vulkan
@pytest.mark.parametrize("layout,activation", [(NHWC, None), (NCHW, "silu")],
                         ids=["nhwc", "nchw-silu"])
def test_one_pass_statistics(rng, layout, activation):
    # mean_close_to_zero: TF's one-pass moments (sums of x and x^2), as the forward's.
    shape = (2, 6, 5, 16) if layout == NHWC else (2, 16, 6, 5)
    gpu_check(shape, layout, rng=rng, mean_close_to_zero=True, activation=activation)


@pytest.mark.vulkan
@pytest.mark.parametrize("shape,layout,groups", [
    ((1, 64, 32, 64), NHWC, 8),    # row blocks: K > 1 partials per channel
    ((1, 4, 128, 64), NCHW, 2),    # chunks of a channel: K2 > 1 dz partials
    ((2, 3, 4, 5, 8), NHWC, 2),    # NDHWC
    ((3, 20, 7), NCHW, 5),         # NCL (rank 3)
    ((2, 5, 3, 6), NHWC, 3),       # C = 6: 2-lane vectors
    ((2, 15, 3, 5), NCHW, 5),      # odd rows: 1-lane vectors
    ((5, 16), NHWC, 4),            # rank 2: [N, C], one row
], ids=["nhwc-rowblocks", "nchw-chunks", "ndhwc", "ncl", "c6", "nchw-odd", "rank2"])
def test_tilings_and_widths(rng, shape, layout, groups):
    gpu_check(shape, layout, groups=groups, rng=rng, mean=3.0)


@pytest.mark.vulkan
@pytest.mark.parametrize("layout,dtype,activation", [(NHWC, "float32", "gelu"),
                                                     (NHWC, "bfloat16", None),
                                                     (NCHW, "float16", None)])
def test_dynamic_batch_is_one_module(rng, monkeypatch, layout, dtype, activation):
    # One module takes every batch size (the grid's y axis); dgamma/dbeta come out whole.
    from iree_gn import _bound

    def per_sample_loop(*a, **k):
        raise AssertionError("a GPU-kernel dynamic batch ran the per-sample loop")

    monkeypatch.setattr(_bound.BoundOp, "_run_blocks", per_sample_loop)
    shape = (None, 6, 5, 16) if layout == NHWC else (None, 16, 6, 5)
    for n in (1, 3, 7):
        gpu_check((n,) + shape[1:], layout, dtype, rng=rng, compile_shape=shape,
                  activation=activation, mean=1e2)
    op = iree_gn.compile(shape, dtype, groups=4, channels_axis=layout[0],
                         reduction_axes=layout[1], activation=activation, target=LAVAPIPE)
    sig = op._grad._loaded().signature
    assert op._grad._block is None and sig.dynamic_in_module and sig.max_dynamic == 65535


@pytest.mark.vulkan
def test_out_buffer(rng):
    t = _lavapipe()
    shape = (2, 16, 6, 5)
    op = iree_gn.compile(shape, "float32", groups=4, channels_axis=1, reduction_axes=(2, 3),
                         target=t.name)
    x, gamma, beta, dy = _inputs(rng, shape, "float32", 16, 2.0)
    out = np.full(shape, np.nan, np.float32)
    dx, dg, db = op.vjp(x, gamma, beta, dy, out=out)
    ref = ref_group_norm_vjp(x, dy, 4, 1, (2, 3), gamma, beta)
    assert np.shares_memory(dx, out) or np.array_equal(dx, out)
    for got, want in zip((out, dg, db), ref):
        assert grad_rel_error(got, want) <= GRAD_TOL["float32"]


@pytest.mark.vulkan
def test_unserved_specs_keep_the_jax_route(rng):
    # An extra kept axis (statistics per (n, t)): no GPU kernel; the JAX definition runs.
    t = _lavapipe()
    spec = GroupNormSpec.create((2, 3, 4, 4, 8), "float32", groups=4, channels_axis=-1,
                                reduction_axes=(2, 3))
    assert _grad.formulation(spec, t) == "barrier-upcast"
    check(rng, (2, 3, 4, 4, 8), "float32", 4, -1, (2, 3), target=t.name, mean=1e2)


# ---- every GPU row compiles ------------------------------------------------------------------
def _compile(name, spec):
    t = _targets.TARGETS[name]
    assert _gpu_kernels.is_formulation(_grad.formulation(spec, t))
    g = _grad.get_grad(spec, t)
    assert t.marker in g.vmfb, name
    return g


@pytest.mark.parametrize("name", GPU_ROWS)
def test_every_gpu_row_compiles_static_and_dynamic(name):
    # Small shapes (compile time), each row: a static channels-last and a dynamic
    # channels-first module, 16-bit with an activation on alternate rows.
    i = GPU_ROWS.index(name)
    dt, act = (("float16", "silu"), ("bfloat16", None))[i % 2]
    _compile(name, _spec((2, 8, 8, 64), NHWC, dt, groups=8, activation=act))
    g = _compile(name, _spec((None, 64, 8, 8), NCHW, "float32", groups=8, center=i % 3 != 0))
    assert g._block is None


SLOW_MATRIX = [(lay, shp, dt, act) for lay in (NHWC, NCHW)
               for shp in ((2, 64, 64, 320), (None, 16, 16, 1280), (8, 56, 56, 256))
               for dt in ("float32", "float16", "bfloat16") for act in (None, "silu")]


@pytest.mark.slow
@pytest.mark.parametrize("name", GPU_ROWS)
@pytest.mark.parametrize("lay,shp,dt,act", SLOW_MATRIX)
def test_every_gpu_row_compiles_the_unet_and_resnet_shapes(name, lay, shp, dt, act):
    n, h, w, c = shp
    shape = (n, h, w, c) if lay == NHWC else (n, c, h, w)
    _compile(name, _spec(shape, lay, dt, groups=32, activation=act))


@pytest.mark.vulkan
def test_dynamic_batch_over_the_grid_limit_is_refused():
    # The samples are the grid's y axis (65535 workgroups on CUDA and Vulkan): a larger
    # batch is refused with the limit named, before anything is dispatched.
    t = _lavapipe()
    op = iree_gn.compile((None, 1, 1, 8), "float32", groups=2, target=t.name)
    big = np.zeros((65536, 1, 1, 8), np.float32)
    g, b = np.ones(8, np.float32), np.zeros(8, np.float32)
    with pytest.raises(ValueError, match="size 65536 on its dynamic axis 0.*at most 65535"):
        op.vjp(big, g, b, big)


# ---- on a real GPU (the device check; skipped without one) -----------------------------------
def _real_gpu_row():
    for name in GPU_ROWS:
        t = _targets.TARGETS[name]
        if t.family in ("cuda", "rocm") and _targets.fits_here(t)[0]:
            return t
    pytest.skip("no CUDA or ROCm device here that a GPU row fits (run on the GPU machine: "
                "python -m pytest tests/test_gpu_grad_kernels.py -k real_gpu)")


@pytest.mark.parametrize("shape,layout,dtype,kw", [
    ((2, 64, 64, 320), NHWC, "float16", {"activation": "silu"}),
    ((8, 256, 56, 56), NCHW, "float32", {"mean": 1e4}),
    ((2, 32, 32, 640), NHWC, "bfloat16", {}),
    ((2, 640, 32, 32), NCHW, "float16", {"activation": "gelu", "mean_close_to_zero": True}),
    ((7, 16, 16, 1280), NHWC, "float32", {"compile_shape": (None, 16, 16, 1280)}),
], ids=["sd-f16-silu", "resnet-f32-mean1e4", "sd-bf16", "sd-nchw-f16-gelu-onepass",
        "dynamic-f32"])
def test_real_gpu_backward_matches_the_reference(rng, shape, layout, dtype, kw):
    # The lavapipe checks above on a CUDA/ROCm device at the SD-UNet and ResNet shapes
    # (thousands of workgroups: every tiling path), against the float64 reference.
    t = _real_gpu_row()
    ca, red = layout
    check(rng, shape, dtype, 32, ca, red, target=t.name, **kw)
