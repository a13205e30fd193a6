"""The llvm-cpu kernels on every spec they cover beyond NHWC/NCHW with batch axis 0: kept
axes (more samples), no batch axis, ``reduction_axes=()``, float64, small inputs; each op
says which formulation it runs (``op.formulation``), and these tests assert "kernel".
Numerics against the float64 reference (tests/reference.py) at mean 0 and 1e4."""

import numpy as np
import pytest

import iree_gn
from iree_gn import _kernels, _targets
from iree_gn._spec import GroupNormSpec
from reference import assert_close, ref_group_norm

CPU = _targets.TARGETS["llvm-cpu"]

# (shape, channels_axis, reduction_axes, groups): layouts a pure reshape turns into the
# kernels' [S, R, C] or [S, C, R] (kept axes first = samples).
RESHAPED = {
    "NC": ((4, 64), -1, (), 16),
    "NCW": ((3, 32, 20), -2, (-1,), 8),
    "NWC": ((3, 20, 32), -1, (-2,), 8),
    "HWC-no-batch": ((8, 8, 32), -1, (0, 1), 8),
    "CHW-no-batch": ((32, 8, 8), 0, (1, 2), 8),
    "NHWC-extra-axis-kept": ((2, 3, 8, 8, 16), -1, (-3, -2), 4),
    "NCHW-extra-axis-kept": ((2, 3, 16, 8, 8), -3, (-2, -1), 4),
    "NHWC-nothing-reduced": ((2, 5, 32), -1, (), 8),
    "size-1-axes-between": ((1, 16, 1, 1, 31), 1, (0, 2, 4), 4),
    "one-channel-first": ((2, 1, 8, 16), 1, (2, 3), 1),
    "size-1-kept-axis-after-C": ((4, 8, 1, 16), 1, (3,), 4),
}


def _params(rng, C, dtype):
    return ((1 + 0.5 * rng.standard_normal(C)).astype(dtype),
            (0.5 * rng.standard_normal(C)).astype(dtype))


def test_op_says_which_formulation_it_runs():
    assert iree_gn.compile((2, 8, 8, 64), "float32", groups=32).formulation == "kernel"
    # A layout that needs a transpose (H kept after C) runs a JAX route, and says so.
    op = iree_gn.compile((2, 16, 8, 8), "float32", groups=4, channels_axis=1,
                         reduction_axes=(3,))
    assert op.formulation == CPU.formulation_for(op.spec) != "kernel"
    # A dynamic spec that no kernel serves: its static block module's formulation.
    op = iree_gn.compile((None, 16, 8, 8), "float32", groups=4, channels_axis=1,
                         reduction_axes=(3,))
    assert op.formulation == "fused"


# Two-pass statistics at mean 0 and 1e4; one-pass (TF's) only where |mean| << std.
STATS = [(False, 0.0), (False, 1e4), (True, 0.0)]


@pytest.mark.parametrize("mean_close_to_zero,mean", STATS)
@pytest.mark.parametrize("layout", list(RESHAPED))
def test_reshaped_layouts_run_a_kernel(layout, mean_close_to_zero, mean, rng):
    shape, ca, red, groups = RESHAPED[layout]
    op = iree_gn.compile(shape, "float32", groups=groups, channels_axis=ca,
                         reduction_axes=red, mean_close_to_zero=mean_close_to_zero)
    assert op.formulation == "kernel"
    x = (mean + 2.0 * rng.standard_normal(shape)).astype(np.float32)
    g, b = _params(rng, shape[ca], np.float32)
    ref = ref_group_norm(x, groups, ca, red, g, b, one_pass=mean_close_to_zero)
    assert_close(op(x, g, b), ref, "float32")


@pytest.mark.parametrize("layout", ["NC", "NCW", "NWC", "NHWC-extra-axis-kept",
                                    "NCHW-extra-axis-kept"])
def test_reshaped_layouts_take_a_dynamic_batch_in_one_module(layout, rng):
    shape, ca, red, groups = RESHAPED[layout]
    op = iree_gn.compile((None,) + shape[1:], "float32", groups=groups, channels_axis=ca,
                         reduction_axes=red)
    assert op.formulation == "kernel" and _kernels.serves_dynamic(op.spec)
    g, b = _params(rng, shape[ca], np.float32)
    for n in (1, 3):
        x = (1e4 + rng.standard_normal((n,) + shape[1:])).astype(np.float32)
        assert_close(op(x, g, b), ref_group_norm(x, groups, ca, red, g, b), "float32")


def test_views_are_pure_reshapes():
    # [S, R, C] / [S, C, R]: S the kept axes' product (the batch's keep factor for a dynamic
    # batch), R the reduced axes'.
    def v(shape, ca, red, g=4):
        s, keep = _kernels.view(GroupNormSpec.create(shape, "float32", groups=g,
                                                     channels_axis=ca, reduction_axes=red))
        return s.shape, s.channels_axis, keep

    assert v((2, 3, 8, 8, 16), -1, (2, 3)) == ((6, 64, 16), 2, 1)
    assert v((None, 3, 8, 8, 16), -1, (2, 3)) == ((None, 64, 16), 2, 3)
    assert v((8, 8, 32), -1, (0, 1)) == ((1, 64, 32), 2, 1)
    assert v((32, 8, 8), 0, (1, 2)) == ((1, 32, 64), 1, 1)
    assert v((4, 64), -1, ()) == ((4, 1, 64), 2, 1)
    assert _kernels.view(GroupNormSpec.create((2, 16, 8, 8), "float32", groups=4,
                                              channels_axis=1, reduction_axes=(3,))) is None
    # Axes of size 1 go anywhere; so does the channel axis when C = 1.
    assert v((1, 16, 1, 1, 31), 1, (0, 2, 4)) == ((1, 16, 31), 1, 1)
    assert v((2, 1, 8, 16), 1, (2, 3), g=1) == ((2, 128, 1), 2, 1)
    assert v((4, 8, 1, 16), 1, (3,)) == ((4, 8, 16), 1, 1)


# float64: statistics, constants and activations all in float64 (_Emitter.wide). Bound:
# |y - ref| <= 1e-13 (1 + |ref|). The outputs are O(1-5); the shifted two-pass sums of
# <= 4096 float64 terms round at ~n * 2^-53 relative to the deviations' scale, so ~1e-15
# typically (measured max 3e-15 at mean 0 and 1e4) and 1e-12 in the worst ordering; 1e-13
# leaves a wide margin over the measured error yet fails any float32 step (~1e-7).
F64_TOL = dict(rtol=1e-13, atol=1e-13)
F64_LAYOUTS = {"NHWC": ((2, 8, 8, 64), -1, (1, 2), 8),
               "NCHW": ((2, 64, 8, 8), 1, (2, 3), 8),
               "NC": RESHAPED["NC"],
               "NHWC-extra-axis-kept": RESHAPED["NHWC-extra-axis-kept"]}


@pytest.mark.parametrize("mean_close_to_zero,mean", STATS)
@pytest.mark.parametrize("activation", [None, "silu", "tanh", "elu", "gelu", "gelu_tanh"])
@pytest.mark.parametrize("layout", list(F64_LAYOUTS))
def test_float64_kernels(layout, activation, mean_close_to_zero, mean, rng):
    shape, ca, red, groups = F64_LAYOUTS[layout]
    op = iree_gn.compile(shape, "float64", groups=groups, channels_axis=ca,
                         reduction_axes=red, activation=activation,
                         mean_close_to_zero=mean_close_to_zero)
    assert op.formulation == "kernel"
    x = mean + 2.0 * rng.standard_normal(shape)
    g, b = _params(rng, shape[ca], np.float64)
    ref = ref_group_norm(x, groups, ca, red, g, b, activation=activation,
                         one_pass=mean_close_to_zero)
    np.testing.assert_allclose(op(x, g, b), ref, **F64_TOL)


@pytest.mark.parametrize("activation", ["tanh", "elu", "gelu_tanh", "silu"])
def test_float64_activations_keep_relative_accuracy_near_zero(activation):
    # gamma = 0 makes y = act(beta): beta from 1e-14 to 3 (both signs) checks the
    # activation itself to 1e-14 relative. IREE's float64 expm1 is exp(y) - 1 (relative
    # error 5e-5 at y = -1e-12) and its float64 tanh does not link: the kernels compute
    # both as _activations does. (gelu's 1 + erf(y / sqrt 2) cancels for y << 0, in the
    # reference too: test_float64_kernels bounds it absolutely.)
    C = 32
    beta = np.concatenate([np.geomspace(1e-14, 3, C // 2), -np.geomspace(1e-14, 3, C // 2)])
    op = iree_gn.compile((2, 4, 4, C), "float64", groups=8, activation=activation)
    assert op.formulation == "kernel"
    x = np.random.default_rng(1).standard_normal((2, 4, 4, C))
    y = op(x, np.zeros(C), beta)
    ref = ref_group_norm(x, 8, gamma=np.zeros(C), beta=beta, activation=activation)
    np.testing.assert_allclose(y, ref, rtol=1e-14, atol=0)


def test_float64_dynamic_batch_in_one_module(rng):
    op = iree_gn.compile((None, 6, 6, 32), "float64", groups=8, activation="elu")
    assert op.formulation == "kernel" and _kernels.serves_dynamic(op.spec)
    g, b = _params(rng, 32, np.float64)
    for n in (1, 4):
        x = 1e4 + rng.standard_normal((n, 6, 6, 32))
        ref = ref_group_norm(x, 8, gamma=g, beta=b, activation="elu")
        np.testing.assert_allclose(op(x, g, b), ref, **F64_TOL)


def test_tiny_blocks_run_a_kernel_only_in_tiny_inputs():
    # Under 128 elements per group block (channels first) the JAX routes are 2-4x faster
    # (_select._TINY_BYTES), except in inputs of up to 8 KB, where the call's own cost
    # dominates; channels last has no floor (its short samples sum straight into totals).
    def form(shape, ca, red, g):
        return CPU.formulation_for(GroupNormSpec.create(shape, "float32", groups=g,
                                                        channels_axis=ca, reduction_axes=red))

    assert form((4, 64), -1, (), 16) == "kernel"
    assert form((32, 256), -1, (), 32) == "kernel"
    assert form((1024, 4, 256), -1, (1,), 32) == "kernel"
    assert form((3, 32, 20), 1, (2,), 8) == "kernel"
    assert form((1024, 256, 4), 1, (2,), 32) != "kernel"
    assert form((1024, 16, 256), -1, (1,), 32) == "kernel"
    # A dynamic batch keeps the kernel: the alternative is a module call per sample.
    assert _kernels.serves_dynamic(GroupNormSpec.create((None, 64), "float32", groups=16,
                                                        reduction_axes=()))


def test_float64_dynamic_batch_with_the_batch_1_split(rng):
    # 1.5 MB samples: batch 1 splits rows (a second kernel in the module); float64's
    # scratch is twice float32's, and both kernels' must fit the stack.
    op = iree_gn.compile((None, 16, 16, 768), "float64", groups=32)
    assert op.formulation == "kernel" and _kernels.serves_dynamic(op.spec)
    g, b = _params(rng, 768, np.float64)
    for n in (1, 2):
        x = 1e4 + rng.standard_normal((n, 16, 16, 768))
        np.testing.assert_allclose(op(x, g, b), ref_group_norm(x, 32, gamma=g, beta=b),
                                   **F64_TOL)
