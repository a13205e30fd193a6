"""The channels-last forward's register chunks (``_ChannelsLast.by_form``): channel chunks
whose shift, sums (or a, b) stay in registers down the rows, taken where the chunk spans a
block's channels or x fits ``_tuning`` ``cl_reg_bytes``, the per-row form otherwise, and for
a dynamic batch by a test of N inside the kernel. The machine is seen here as one with a
4 MiB L3 (chunks up to 1 MiB of x, streaming stores from 4 MiB of x and y), so that small
inputs take each form; every result is checked against the float64 reference (``TOL``), and
the module text is checked to hold the form the test means to exercise."""

import numpy as np
import pytest

import iree_gn
from iree_gn import _kernels
from iree_gn._kernels import _tuning as cpu
from iree_gn._runtime import numpy_dtype as _np_dtype
from reference import assert_close, ref_group_norm
from test_streaming import host_with_l3

_CHUNKS = "iter_args(%ra0"  # the register sums' loop


@pytest.fixture
def l3_4m(monkeypatch):
    """A 4 MiB L3: register chunks up to 1 MiB of x."""
    with host_with_l3(monkeypatch, 4 << 20) as small:
        yield small


def _spec(shape, **kw):
    return iree_gn.GroupNormSpec.create(shape, kw.pop("dtype", "float32"),
                                        groups=kw.pop("groups", 8), channels_axis=-1,
                                        reduction_axes=tuple(range(1, len(shape) - 1)), **kw)


def _text(spec):
    with cpu.using("llvm-cpu"):
        return _kernels.module_text(spec)


def _check(shape, rng, dtype="float32", groups=8, act=None, mcz=False, compile_shape=None):
    red = tuple(range(1, len(shape) - 1))
    op = iree_gn.compile(compile_shape or shape, dtype, groups=groups, reduction_axes=red,
                         activation=act, mean_close_to_zero=mcz)
    C = shape[-1]
    nd = _np_dtype(dtype)
    x = (rng.standard_normal(shape) * 2 + (0 if mcz else 3)).astype(nd)
    g, b = rng.standard_normal(C).astype(nd), rng.standard_normal(C).astype(nd)
    ref = ref_group_norm(x, groups, -1, red, g, b, activation=act)
    assert_close(op(x, g, b), ref, dtype)
    out = iree_gn.empty(shape, nd)
    assert op(x, g, b, out=out) is out
    assert_close(out, ref, dtype)


def test_limit_follows_the_cache(l3_4m):
    assert l3_4m.cl_reg_bytes == 1 << 20 and cpu.DEFAULT.cl_reg_bytes == 8 << 20
    assert f"cl_reg={1 << 20}" in l3_4m.key_text()
    # C = 256: chunks of 8 of its 16 vectors. 512 KiB of x takes them, 2 MiB does not.
    assert _CHUNKS in _text(_spec((2, 16, 16, 256)))
    assert _CHUNKS not in _text(_spec((8, 16, 16, 256)))
    # Chunks of fewer than 4 vectors (C = 176: 11, in chunks of 1) only where they span.
    assert _CHUNKS not in _text(_spec((2, 16, 16, 176)))
    # A chunk spanning the channels (C = 64: 4 vectors) at any size.
    assert _CHUNKS in _text(_spec((64, 16, 16, 64)))
    # The cross targets: the default limit, their ISAs' registers (AVX2 16 x 32 bytes, NEON
    # 32 x 16): chunks of 2 float32 vectors, taken only where they span the channels.
    for name in ("llvm-cpu:aarch64", "llvm-cpu:x86-64-v3"):
        with cpu.using(name):
            assert cpu.current().vreg_bytes == 512 and cpu.current().cl_reg_bytes == 8 << 20
            assert _CHUNKS not in _kernels.module_text(_spec((2, 16, 16, 256)))
            assert _CHUNKS in _kernels.module_text(_spec((8, 16, 16, 32)))


def test_vector_registers_from_cpu_flags(tmp_path):
    info = tmp_path / "cpuinfo"
    for flags, want in (("fpu sse2 avx avx2 avx512f avx512bw", 2048),
                        ("fpu sse2 avx avx2 fma", 512), ("fpu sse2", 256)):
        info.write_text(f"processor\t: 0\nflags\t\t: {flags}\n")
        assert cpu.read_vreg_bytes(str(info)) == want
    assert cpu.read_vreg_bytes(str(tmp_path / "missing")) == cpu.DEFAULT.vreg_bytes
    assert f"vregs={cpu.host().vreg_bytes}" in cpu.host().key_text()


# (shape, groups, dtype, activation, mean_close_to_zero): each in the register form.
CASES = [
    ((2, 16, 16, 256), 8, "float32", None, False),     # chunks of 8 of 16 vectors
    ((2, 16, 16, 320), 32, "float32", "silu", False),  # 20 vectors: chunks of 5
    ((2, 9, 7, 112), 8, "float32", None, False),       # 7 vectors, one chunk; odd rows
    ((2, 8, 8, 96), 8, "float32", "relu", True),       # 6 vectors; mean_close_to_zero
    ((3, 16, 16, 40), 4, "float32", None, False),      # 8-lane vectors (40 = 5 x 8)
    ((2, 16, 16, 256), 8, "float16", "gelu", False),
    ((2, 16, 16, 256), 8, "bfloat16", None, False),
    ((2, 8, 8, 128), 8, "float64", "tanh", False),     # 4 of 16 lanes' f64 at a time
    ((1, 32, 32, 128), 32, "float32", None, False),    # batch 1: the rows split
    ((2, 8, 8, 1280), 32, "float32", None, False),     # 2 channel blocks
    ((1, 8, 8, 4096), 1, "float32", None, False),      # a workspace's sub-blocks
]


@pytest.mark.parametrize("shape,groups,dtype,act,mcz", CASES)
def test_register_chunks(l3_4m, rng, shape, groups, dtype, act, mcz):
    assert _CHUNKS in _text(_spec(shape, groups=groups, dtype=dtype, activation=act,
                                  mean_close_to_zero=mcz))
    _check(shape, rng, dtype, groups, act, mcz)


def test_dynamic_batch_picks_the_form_per_call(l3_4m, rng):
    # A sample of 256 KiB, 16 vectors of channels: N <= 4 takes the chunks, 5..8 the
    # per-row form with cached stores, N >= 9 the streaming stores.
    text = _text(_spec((None, 16, 16, 256)))
    assert "scf.if %reg_s" in text and "scf.if %reg_n" in text and "scf.if %stream" in text
    for n in (1, 2, 4, 5, 8, 9, 12):
        _check((n, 16, 16, 256), rng, compile_shape=(None, 16, 16, 256))
