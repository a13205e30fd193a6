"""Eight threads calling one op get their own results, on every route.

Each thread normalizes its own data (its own scale and offset, so a result that belongs to
another thread is off by O(1)) in every form a caller may pass: contiguous, read-only,
strided, unaligned, with unaligned or read-only parameters, into its own ``out`` (aligned or
strided). Every result must equal, bit for bit, what a single thread got for the same input
(the modules' reductions are split the same way on every call), and that must match the
float64 reference. Before the one call path, the shared staging buffers and import cache
gave about half of such calls another thread's result (issue 12, defect 1).
"""

import threading

import numpy as np
import pytest

import iree_gn
from reference import assert_close, ref_group_norm
from targets_for_tests import CPU_FUSED, CPU_NATIVE, _param

THREADS = 8
ROUNDS = 2
# kernel: the hand-written dispatches (default llvm-cpu row); fused/native: JAX routes.
ROUTES = [pytest.param("llvm-cpu", id="kernel"), pytest.param(CPU_FUSED, id="fused"),
          pytest.param(CPU_NATIVE, id="native"), _param("vulkan")]
# small: staged through per-thread buffers (<= 64 KB); large: imported in place or copied;
# dynamic: the block module run per batch index.
SHAPES = {"small": ((1, 8, 8, 32), None), "large": ((2, 24, 24, 64), None),
          "dynamic": ((3, 8, 8, 32), (None, 8, 8, 32))}


def _unaligned(a, by=16):
    raw = np.empty(a.nbytes + 128, np.uint8)
    start = (-raw.ctypes.data) % 64 + by
    out = raw[start:start + a.nbytes].view(a.dtype).reshape(a.shape)
    out[...] = a
    return out


def _readonly(a):
    a = a.copy()
    a.flags.writeable = False
    return a


def _strided(a):
    big = np.zeros(a.shape[:-1] + (2 * a.shape[-1],), a.dtype)
    big[..., ::2] = a
    return big[..., ::2]


FORMS = {  # name -> (x, gamma, beta) -> the call arguments in that form
    "contiguous": lambda x, g, b: (x, g, b),
    "readonly": lambda x, g, b: (_readonly(x), _readonly(g), _readonly(b)),
    "strided": lambda x, g, b: (_strided(x), _strided(g), b),
    "unaligned": lambda x, g, b: (_unaligned(x), _unaligned(g, 4), _unaligned(b, 8)),
}
OUTS = {
    "new": lambda shape: None,
    "aligned": lambda shape: iree_gn.empty(shape, np.float32),
    "strided": lambda shape: _strided(np.zeros(shape, np.float32)),
}


def _run_threads(work):
    errors, barrier = [], threading.Barrier(THREADS)

    def run(i):
        try:
            barrier.wait()
            work(i)
        except Exception as e:  # reported below, with the thread
            errors.append(f"thread {i}: {type(e).__name__}: {e}")

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return errors


@pytest.mark.parametrize("size", list(SHAPES))
@pytest.mark.parametrize("target", ROUTES)
def test_threads_get_their_own_results(target, size, rng):
    shape, compiled = SHAPES[size]
    op = iree_gn.compile(compiled or shape, "float32", groups=8, target=target)
    C = shape[-1]
    data = []
    for i in range(THREADS):  # each thread's own numbers: a mix-up is off by O(1) or more
        x = (rng.standard_normal(shape) * (i + 1) + 3 * i).astype(np.float32)
        g = (rng.standard_normal(C) + i).astype(np.float32)
        b = (rng.standard_normal(C) - i).astype(np.float32)
        ref = ref_group_norm(x, 8, gamma=g, beta=b)
        want = op(x, g, b).copy()  # single-threaded
        assert_close(want, ref, "float32")
        data.append((x, g, b, want))
    wrong = []

    def work(i):
        x, g, b, want = data[i]
        for r in range(ROUNDS):
            for form, make in FORMS.items():
                for oname, mk_out in OUTS.items():
                    out = mk_out(shape)
                    y = op(*make(x, g, b), out=out)
                    if out is not None and y is not out:
                        wrong.append(f"thread {i} {form}/{oname}: result is not out")
                    if not np.array_equal(y, want):
                        err = float(np.max(np.abs(y.astype(np.float64) - want)))
                        wrong.append(f"thread {i} round {r} {form}/out={oname}: max error {err}")

    errors = _run_threads(work)
    assert not errors, errors
    assert not wrong, f"{len(wrong)} wrong of {THREADS * ROUNDS * len(FORMS) * len(OUTS)}:\n" \
        + "\n".join(wrong[:10])


def test_threads_on_the_issue_shape():
    # The shape of the report: 2x64x64x320 on the kernel route, read-only and strided x.
    shape = (2, 64, 64, 320)
    op = iree_gn.compile(shape, "float32", groups=32)
    rng = np.random.default_rng(12)
    g, b = np.ones(320, np.float32), np.zeros(320, np.float32)
    xs = [(rng.standard_normal(shape) * (i + 1) + i).astype(np.float32) for i in range(THREADS)]
    want = [op(x, g, b).copy() for x in xs]
    assert_close(want[3], ref_group_norm(xs[3], 32), "float32")
    wrong = []

    def work(i):
        for form in (_readonly, _strided):
            y = op(form(xs[i]), g, b)
            if not np.array_equal(y, want[i]):
                wrong.append((i, form.__name__))

    assert not _run_threads(work)
    assert not wrong


def test_threads_on_a_bundle(tmp_path):
    # Bundles run the same BoundOp; one bundle object shared by eight threads.
    from iree_gn import _bundle
    from iree_gn.deploy import load_bundle

    spec = '{"shape": [null, 8, 8, 32], "dtype": "float32", "groups": 8}'
    res = _bundle.build([_bundle.item_from_json(spec)], ["llvm-cpu"], str(tmp_path / "b"),
                        stream=None)
    assert not res.failures, res.failures
    gn = load_bundle(str(tmp_path / "b"))
    rng = np.random.default_rng(5)
    xs = [(rng.standard_normal((2, 8, 8, 32)) * (i + 1) + i).astype(np.float32)
          for i in range(THREADS)]
    want = [ref_group_norm(x, 8) for x in xs]
    wrong = []

    def work(i):
        for _ in range(ROUNDS):
            for x in (xs[i], _readonly(xs[i]), _strided(xs[i]), _unaligned(xs[i])):
                try:
                    assert_close(gn(x), want[i], "float32")
                except AssertionError:
                    wrong.append(i)

    assert not _run_threads(work)
    assert not wrong
