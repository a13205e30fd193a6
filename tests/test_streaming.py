"""Streaming (non-temporal) stores of the output in the CPU kernels (``_Emitter.streamed``):
taken where x and its output (forward) or x, dy and dx (backward) outgrow the last-level
cache, by a test of N inside the kernel for a dynamic batch. The machine is seen here as one
with a 1 MiB L3, so that small inputs take the streaming form; every result is checked
against the float64 reference (tolerances: ``reference.TOL`` / ``GRAD_TOL``), and the module
text is checked to hold the form the test means to exercise."""

import contextlib

import numpy as np
import pytest

import iree_gn
from iree_gn import _build, _kernels
from iree_gn._kernels import _tuning as cpu
from iree_gn._runtime import numpy_dtype as _np_dtype
from reference import assert_close, ref_group_norm
from test_grad import check


@contextlib.contextmanager
def host_with_l3(monkeypatch, l3: int):
    """This machine seen with an L3 of ``l3`` bytes, nothing else changed; compiled ops are
    forgotten before and after (their memory cache does not key the tuning; the disk cache
    does)."""
    here = cpu.host()
    small = cpu.from_machine({"l1d": here.l1d, "l2": here.l2, "l3": l3}, here.cores,
                             here.vreg_bytes)
    _build.clear_memory_cache()
    monkeypatch.setattr(cpu, "host", lambda: small)
    try:
        yield small
    finally:
        _build.clear_memory_cache()


@pytest.fixture
def small_l3(monkeypatch):
    """A 1 MiB L3: streaming from 1 MiB of arrays."""
    with host_with_l3(monkeypatch, 1 << 20) as small:
        yield small


def _text(spec, grad=False):
    with cpu.using("llvm-cpu"):
        return (_kernels.grad_module_text if grad else _kernels.module_text)(spec)


def _create(shape, ca=-1, red=None, **kw):
    red = red or (tuple(range(1, len(shape) - 1)) if ca == -1 else tuple(range(2, len(shape))))
    return iree_gn.GroupNormSpec.create(shape, kw.pop("dtype", "float32"),
                                        groups=kw.pop("groups", 8), channels_axis=ca,
                                        reduction_axes=red, **kw)


def test_limit_follows_the_cache(small_l3):
    assert small_l3.stream_bytes == 1 << 20 and cpu.DEFAULT.stream_bytes == 32 << 20
    assert f"stream={1 << 20}" in small_l3.key_text()
    # 2 x 512 KiB is not over the limit; 2 x 1 MiB is.
    assert "nontemporal" not in _text(_create((2, 16, 16, 256)))
    assert "nontemporal" in _text(_create((4, 16, 16, 256)))
    # The cross targets keep the default limit: the same spec does not stream there.
    with cpu.using("llvm-cpu:aarch64"):
        assert "nontemporal" not in _kernels.module_text(_create((4, 16, 16, 256)))


# (shape, channels axis, groups, dtype, activation, layout the kernel picks)
FORWARD = [
    ((4, 16, 16, 256), -1, 8, "float32", None, "channels_last"),
    ((1, 64, 64, 128), -1, 32, "float32", "silu", "channels_last_split"),
    ((2, 16, 16, 1280), -1, 32, "float32", None, "channels_last"),  # channel blocks
    ((4, 64, 32, 32), 1, 32, "float32", "gelu", "channels_first"),
    ((1, 64, 128, 128), 1, 2, "float32", None, "channels_first_split"),
    ((2, 32, 32, 320), -1, 32, "float16", "silu", "channels_last"),
    ((2, 320, 32, 32), 1, 32, "bfloat16", None, "channels_first"),
    # Rows and channels that leave the vectors less aligned than their width.
    ((8, 64, 30, 30), 1, 8, "float32", "relu", "channels_first"),
    ((16, 32, 32, 20), -1, 4, "float32", None, "channels_last"),
    ((16, 32, 33, 24), -1, 4, "float16", None, "channels_last"),
    # float64: the float32 kernel widened, its streaming stores too.
    ((4, 16, 16, 128), -1, 8, "float64", "tanh", "channels_last"),
    ((16, 32, 16, 16), 1, 8, "float64", None, "channels_first"),
]


@pytest.mark.parametrize("shape,ca,groups,dtype,act,layout", FORWARD)
def test_forward_streams(small_l3, rng, shape, ca, groups, dtype, act, layout):
    spec = _create(shape, ca, groups=groups, dtype=dtype, activation=act)
    assert _kernels.layout(spec) == layout
    assert "nontemporal = true" in _text(spec)
    red = spec.reduction_axes
    op = iree_gn.compile(shape, dtype, groups=groups, channels_axis=ca, reduction_axes=red,
                         activation=act)
    C = shape[ca]
    x = (rng.standard_normal(shape) * 2 + 3).astype(_np_dtype(dtype))
    g = rng.standard_normal(C).astype(_np_dtype(dtype))
    b = rng.standard_normal(C).astype(_np_dtype(dtype))
    ref = ref_group_norm(x, groups, ca, red, g, b, activation=act)
    assert_close(op(x, g, b), ref, dtype)
    out = iree_gn.empty(shape, _np_dtype(dtype))
    assert op(x, g, b, out=out) is out
    assert_close(out, ref, dtype)


@pytest.mark.parametrize("sample,ca", [((16, 32, 256), -1), ((64, 32, 32), 1)])
def test_dynamic_batch_picks_the_form_per_call(small_l3, rng, sample, ca):
    # One module; a sample is 512 KiB, so N = 1 keeps cached stores and N >= 2 streams.
    spec = _create((None,) + sample, ca, groups=8)
    text = _text(spec)
    assert "scf.if %stream" in text and "nontemporal = true" in text
    red = spec.reduction_axes
    op = iree_gn.compile((None,) + sample, groups=8, channels_axis=ca, reduction_axes=red)
    C = sample[0] if ca == 1 else sample[-1]
    g, b = rng.standard_normal(C).astype(np.float32), rng.standard_normal(C).astype(np.float32)
    for n in (1, 3, 2):
        x = (rng.standard_normal((n,) + sample) + 1e2).astype(np.float32)
        assert_close(op(x, g, b), ref_group_norm(x, 8, ca, red, g, b), "float32")


@pytest.mark.parametrize("shape,ca,act,compile_shape", [
    ((4, 16, 16, 256), -1, None, None),
    ((4, 16, 16, 256), -1, "silu", (None, 16, 16, 256)),
    ((1, 64, 64, 128), -1, "gelu", None),  # batch 1: rows split over workgroups
    ((4, 64, 32, 32), 1, None, None),
    ((4, 64, 32, 32), 1, "silu", (None, 64, 32, 32)),  # dz kept in dx's place, then dx
])
def test_backward_streams(small_l3, rng, shape, ca, act, compile_shape):
    red = tuple(range(1, len(shape) - 1)) if ca == -1 else tuple(range(2, len(shape)))
    spec = _create(compile_shape or shape, ca, groups=8, activation=act)
    assert "nontemporal = true" in _text(spec, grad=True)
    check(rng, shape, "float32", 8, ca, red, activation=act, mean=1e2,
          compile_shape=compile_shape)
