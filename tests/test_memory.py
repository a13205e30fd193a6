"""An op holds nothing of the caller's and runs in flat memory (issue 12, defect 3).

Before the one call path an op kept the caller's last x alive (its import cache) and its
last results (the pool, unbounded by size): after a 168 MB call and ``del x, y``, 327 MB
stayed resident. Now imports of caller arrays live for one call and the pool keeps only
results of at most 16 MB (64 MB in all).
"""

import ctypes
import gc
import os
import weakref

import numpy as np
import pytest

import iree_gn
from reference import assert_close, ref_group_norm

_PAGE = os.sysconf("SC_PAGE_SIZE")


try:  # glibc keeps freed heap memory below its (adaptive, up to 64 MB) trim threshold
    _trim = ctypes.CDLL("libc.so.6").malloc_trim
except (OSError, AttributeError):  # pragma: no cover - not glibc
    _trim = None


def rss_mb() -> float:
    """Resident memory, after returning the allocator's free heap to the OS (memory that
    nothing holds must not count as held)."""
    gc.collect()
    if _trim is not None:
        _trim(0)
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE / 2**20


def _unaligned(a):
    raw = np.empty(a.nbytes + 64, np.uint8)
    start = (-raw.ctypes.data) % 64 + 16
    return raw[start:start + a.nbytes].view(a.dtype).reshape(a.shape)


FORMS = ["plain", "aligned", "unaligned", "readonly", "strided"]


def _form(name, a):
    """``a`` as a caller may pass it (each form takes another path through the op)."""
    if name == "aligned":
        return iree_gn.aligned_array(a)
    if name == "unaligned":
        u = _unaligned(a)
        u[...] = a
        return u
    if name == "readonly":
        a = a.copy()
        a.flags.writeable = False
        return a
    if name == "strided":
        return np.repeat(a, 2, axis=-1)[..., ::2]
    return a


@pytest.mark.parametrize("shape", [(1, 8, 8, 32), (2, 24, 24, 64), (None, 8, 8, 32)],
                         ids=["small", "large", "dynamic"])
@pytest.mark.parametrize("form", FORMS)
def test_nothing_of_the_callers_is_held(shape, form, rng):
    op = iree_gn.compile(shape, "float32", groups=8)
    shape = tuple(3 if d is None else d for d in shape)
    x = _form(form, rng.standard_normal(shape).astype(np.float32))
    g = _form(form, np.ones(shape[-1], np.float32))
    b = _form(form, np.zeros(shape[-1], np.float32))
    out = _form("aligned" if form == "readonly" else form, np.zeros(shape, np.float32))
    held = [weakref.ref(a.base if a.base is not None else a) for a in (x, g, b, out)]
    assert_close(op(x, g, b, out=out), ref_group_norm(x, 8), "float32")
    y = op(x, g, b)
    del x, g, b, out, y
    gc.collect()
    assert [w() is None for w in held] == [True] * 4


@pytest.mark.parametrize("shape", [(1, 8, 8, 32), (2, 24, 24, 64)], ids=["small", "large"])
def test_flat_memory_over_2000_calls_with_fresh_arrays(shape, rng):
    op = iree_gn.compile(shape, "float32", groups=8)
    base = rng.standard_normal(shape).astype(np.float32)
    g, b = np.ones(shape[-1], np.float32), np.zeros(shape[-1], np.float32)

    def calls(n):
        for i in range(n):
            x = base + np.float32(i % 7)  # a fresh array each call
            y = op(x, g, b)
            out = np.empty(shape, np.float32)
            op(x, g + 0, b, out=out)
        return y

    calls(200)  # warm: lanes, pool, allocator arenas
    before = rss_mb()
    y = calls(2000)
    grown = rss_mb() - before
    assert_close(y, ref_group_norm(base + np.float32(1999 % 7), 8), "float32")
    assert grown < 10, f"RSS grew {grown:.1f} MB over 2,000 calls"


def test_big_input_and_result_are_released(rng):
    # 64 MB in, 64 MB out: over the pool's per-result bound, so nothing stays once the
    # caller drops them.
    shape = (4, 128, 128, 256)
    op = iree_gn.compile(shape, "float32", groups=32)
    g, b = np.ones(256, np.float32), np.zeros(256, np.float32)
    small = rng.standard_normal((1, 128, 128, 256)).astype(np.float32)
    ref = ref_group_norm(small, 32)
    for _ in range(2):
        before = rss_mb()
        x = np.repeat(small, 4, axis=0)
        y = op(x, g, b)
        assert rss_mb() - before > 100  # both were resident
        assert_close(y[1:2], ref, "float32")
        del x, y
        left = rss_mb() - before
        print(f"RSS {before:.0f} MB before, {left:.1f} MB more after del x, y")
        assert left < 16, f"{left:.0f} MB still resident after del x, y"
