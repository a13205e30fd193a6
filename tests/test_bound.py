"""BoundOp with modules of several inputs and results (a backward op's shape of call):
``main(x, g, dy) -> (x * g + dy, sum(dy, axis 0))``, static and block-by-block, on the
CPU and on Vulkan, from eight threads, with ``out=`` tuples; and an in-place call."""

import threading

import warnings

import numpy as np
import pytest

import iree_gn
from iree_gn import _bound, _targets
from iree_gn._compiler import compile_text
from targets_for_tests import _param

TWO_RESULTS = """
func.func @main(%x: tensor<4x8xf32>, %g: tensor<8xf32>, %dy: tensor<4x8xf32>)
    -> (tensor<4x8xf32>, tensor<8xf32>) {
  %gb = stablehlo.broadcast_in_dim %g, dims = [1] : (tensor<8xf32>) -> tensor<4x8xf32>
  %m = stablehlo.multiply %x, %gb : tensor<4x8xf32>
  %r = stablehlo.add %m, %dy : tensor<4x8xf32>
  %z = stablehlo.constant dense<0.0> : tensor<f32>
  %s = stablehlo.reduce(%dy init: %z) applies stablehlo.add across dimensions = [0]
      : (tensor<4x8xf32>, tensor<f32>) -> tensor<8xf32>
  return %r, %s : tensor<4x8xf32>, tensor<8xf32>
}
"""

# A block module: batch axis of size 1, run per index for a dynamic batch.
BLOCK = """
func.func @main(%x: tensor<1x8xf32>, %dy: tensor<1x8xf32>) -> (tensor<1x8xf32>, tensor<1x8xf32>) {
  %a = stablehlo.add %x, %dy : tensor<1x8xf32>
  %m = stablehlo.multiply %x, %dy : tensor<1x8xf32>
  return %a, %m : tensor<1x8xf32>, tensor<1x8xf32>
}
"""

TARGETS = [pytest.param("llvm-cpu", id="llvm-cpu"), _param("vulkan")]
Arg = _bound.Arg


def _bind(text, signature, target):
    t = _targets.resolve(target)
    return _bound.BoundOp(compile_text(text, t, "float32"), signature, t)


@pytest.mark.parametrize("target", TARGETS)
def test_several_inputs_and_results(target, rng):
    sig = _bound.Signature(
        inputs=(Arg("x", (4, 8), "float32"), Arg("g", (8,), "float32", cast=True),
                Arg("dy", (4, 8), "float32")),
        results=(Arg("dx", (4, 8), "float32"), Arg("dg", (8,), "float32")))
    op = _bind(TWO_RESULTS, sig, target)
    data = [(rng.standard_normal((4, 8)).astype(np.float32) + i,
             rng.standard_normal(8), rng.standard_normal((4, 8)).astype(">f4"))
            for i in range(8)]

    def want(x, g, dy):
        return x * g.astype(np.float32) + dy, dy.astype(np.float64).sum(0)

    for x, g, dy in data[:2]:
        r, s = op(x, g, dy)
        np.testing.assert_allclose(r, want(x, g, dy)[0], rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(s, want(x, g, dy)[1], rtol=1e-5, atol=1e-5)
    outs = (np.empty((4, 8), np.float32)[:, ::1], np.zeros(16, np.float32)[::2])
    x, g, dy = data[0]
    res = op(x, g, dy, out=outs)
    assert res[0] is outs[0] and res[1] is outs[1]
    np.testing.assert_allclose(outs[1], want(x, g, dy)[1], rtol=1e-5, atol=1e-5)
    assert op(x, g, dy, out=(None, outs[1]))[1] is outs[1]
    with pytest.raises(ValueError, match=r"dy has shape \(4, 9\); expected \(4, 8\)"):
        op(x, g, np.zeros((4, 9), np.float32))
    with pytest.raises(TypeError, match=r"out must hold 2 arrays"):
        op(x, g, dy, out=outs[0])
    wrong = []

    def work(i):
        x, g, dy = data[i]
        for _ in range(20):
            r, s = op(x, g, dy)
            if not np.allclose(r, want(x, g, dy)[0], atol=1e-5) or \
                    not np.allclose(s, want(x, g, dy)[1], atol=1e-4):
                wrong.append(i)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not wrong


@pytest.mark.parametrize("target", TARGETS)
def test_several_results_block_by_block(target, rng):
    sig = _bound.Signature(
        inputs=(Arg("x", (None, 8), "float32"), Arg("dy", (None, 8), "float32")),
        results=(Arg("a", (None, 8), "float32"), Arg("m", (None, 8), "float32")))
    op = _bind(BLOCK, sig, target)
    x, dy = rng.standard_normal((5, 8)).astype(np.float32), rng.standard_normal((5, 8))
    a, m = op(x, dy.astype(np.float32))
    np.testing.assert_allclose(a, x + dy.astype(np.float32), rtol=1e-6)
    np.testing.assert_allclose(m, x * dy.astype(np.float32), rtol=1e-6)
    with pytest.raises(ValueError, match=r"dy has shape \(4, 8\); expected \(5, 8\)"):
        op(x, dy[:4].astype(np.float32))
    e = op(x[:0], dy[:0].astype(np.float32))
    assert e[0].shape == (0, 8) and e[1].shape == (0, 8)


# A module that takes the dynamic axis itself: x + dy and the sum of dy over it.
DYNAMIC = """
func.func @main(%x: tensor<?x8xf32>, %dy: tensor<?x8xf32>) -> (tensor<?x8xf32>, tensor<8xf32>) {
  %a = stablehlo.add %x, %dy : tensor<?x8xf32>
  %z = stablehlo.constant dense<0.0> : tensor<f32>
  %s = stablehlo.reduce(%dy init: %z) applies stablehlo.add across dimensions = [0]
      : (tensor<?x8xf32>, tensor<f32>) -> tensor<8xf32>
  return %a, %s : tensor<?x8xf32>, tensor<8xf32>
}
"""


@pytest.mark.parametrize("target", TARGETS)
def test_dynamic_axis_inside_the_module(target, rng, monkeypatch):
    # dynamic_in_module: one invoke with the whole arrays (a reduction over the axis is then
    # fine), any size on the axis, never the block loop.
    monkeypatch.setattr(_bound.BoundOp, "_run_blocks", None)  # calling it would fail
    sig = _bound.Signature(
        inputs=(Arg("x", (None, 8), "float32"), Arg("dy", (None, 8), "float32")),
        results=(Arg("a", (None, 8), "float32"), Arg("s", (8,), "float32")),
        dynamic_in_module=True)
    op = _bind(DYNAMIC, sig, target)
    for n in (1, 6, 3, 6):
        x = rng.standard_normal((n, 8)).astype(np.float32)
        dy = rng.standard_normal((n, 8)).astype(np.float32)
        a, s = op(x, dy)
        assert a.shape == (n, 8) and s.shape == (8,)
        np.testing.assert_allclose(a, x + dy, rtol=1e-6)
        np.testing.assert_allclose(s, dy.astype(np.float64).sum(0), rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match=r"dy has shape \(4, 8\); expected \(6, 8\)"):
        op(x, dy[:4])


@pytest.mark.parametrize("target", TARGETS)
def test_a_dynamic_size_over_the_modules_limit_is_refused(target, rng):
    # A GPU kernel's samples are a grid axis (65535 workgroups on CUDA/Vulkan): a larger
    # batch must be refused before any dispatch, on the hot path too, never run truncated.
    sig = _bound.Signature(
        inputs=(Arg("x", (None, 8), "float32"), Arg("dy", (None, 8), "float32")),
        results=(Arg("a", (None, 8), "float32"), Arg("s", (8,), "float32")),
        dynamic_in_module=True, max_dynamic=4)
    op = _bind(DYNAMIC, sig, target)
    x = rng.standard_normal((4, 8)).astype(np.float32)
    np.testing.assert_allclose(op(x, x)[0], 2 * x, rtol=1e-6)  # at the limit: runs
    big = rng.standard_normal((5, 8)).astype(np.float32)
    for _ in range(2):
        with pytest.raises(ValueError, match=r"x has size 5 on its dynamic axis 0; this "
                                             r"op's module takes at most 4"):
            op(big, big)


def test_gpu_rows_limit_the_dynamic_batch_of_one_module():
    from iree_gn import _gpu_kernels

    assert _targets.TARGETS["vulkan:ampere"].max_dynamic == _gpu_kernels.MAX_GRID == 65535
    assert _targets.TARGETS["cuda:sm_90"].max_dynamic == 65535
    assert _targets.TARGETS["llvm-cpu"].max_dynamic is None


def test_a_result_that_reduces_a_dynamic_axis_is_refused():
    with pytest.raises(ValueError, match="block by block"):
        _bound.Signature(inputs=(Arg("x", (None, 8), "float32"),),
                         results=(Arg("s", (8,), "float32"),))


# A block module with a per-block partial sum (as a parameter's gradient is).
SUMMED_BLOCK = """
func.func @main(%x: tensor<1x8xf32>, %dy: tensor<1x8xf32>) -> (tensor<1x8xf32>, tensor<8xf32>) {
  %m = stablehlo.multiply %x, %dy : tensor<1x8xf32>
  %s = stablehlo.reshape %dy : (tensor<1x8xf32>) -> tensor<8xf32>
  return %m, %s : tensor<1x8xf32>, tensor<8xf32>
}
"""


def test_a_summed_result_adds_up_the_blocks(rng):
    # Arg(summed=True): the blocks' values added in float64 (here: dy summed over the batch).
    sig = _bound.Signature(
        inputs=(Arg("x", (None, 8), "float32"), Arg("dy", (None, 8), "float32")),
        results=(Arg("m", (None, 8), "float32"), Arg("s", (8,), "float32", summed=True)))
    op = _bind(SUMMED_BLOCK, sig, "llvm-cpu")
    x = rng.standard_normal((5, 8)).astype(np.float32)
    dy = (1e4 + rng.standard_normal((5, 8))).astype(np.float32)
    m, s = op(x, dy)
    np.testing.assert_allclose(m, x * dy, rtol=1e-6)
    np.testing.assert_allclose(s, dy.astype(np.float64).sum(0), rtol=1e-7)
    outs = (np.empty((5, 8), np.float32), np.full(8, np.nan, np.float32))
    res = op(x, dy, out=outs)
    assert res[0] is outs[0] and res[1] is outs[1]
    np.testing.assert_array_equal(outs[1], s)
    e = op(x[:0], dy[:0])  # a sum over no blocks
    assert e[0].shape == (0, 8) and np.array_equal(e[1], np.zeros(8, np.float32))


@pytest.mark.parametrize("shape", [(1, 8, 8, 32), (2, 24, 24, 64)], ids=["small", "large"])
def test_in_place_call(shape, rng):
    # out=x: the module reads x again while it writes y, so the result goes through a copy.
    from reference import assert_close, ref_group_norm

    op = iree_gn.compile(shape, "float32", groups=8)
    x = iree_gn.aligned_array((rng.standard_normal(shape) * 2 + 1).astype(np.float32))
    ref = ref_group_norm(x, 8)
    assert op(x, np.ones(shape[-1], np.float32), np.zeros(shape[-1], np.float32), out=x) is x
    assert_close(x, ref, "float32")


def test_small_calls_reusing_out_buffers(rng):
    # Small calls write into an aligned out (iree_gn.empty) in place through a per-thread
    # argument list that holds only a weak reference: alternating buffers, new contents of
    # x each call, a buffer dropped and another made at the same address, all right.
    import gc
    import weakref

    from reference import assert_close, ref_group_norm

    shape = (1, 8, 8, 32)
    op = iree_gn.compile(shape, "float32", groups=8)
    g, b = np.ones(32, np.float32), np.zeros(32, np.float32)
    outs = [iree_gn.empty(shape, np.float32) for _ in range(5)]
    x = np.empty(shape, np.float32)
    for i in range(30):
        x[...] = rng.standard_normal(shape) * (i + 1) + i
        out = outs[i % 5]
        assert op(x, g, b, out=out) is out
        assert_close(out, ref_group_norm(x, 8), "float32")
        if i % 7 == 6:  # drop one: the op must not keep it, and its successor is written
            w = weakref.ref(outs[i % 5].base)
            outs[i % 5] = out = None
            gc.collect()
            assert w() is None
            outs[i % 5] = iree_gn.empty(shape, np.float32)


def test_one_block_of_a_dynamic_axis_is_the_modules_own_call(rng, monkeypatch):
    # Size 1 on every dynamic axis: one block, run as the module's own call (no block loop);
    # the summed result of one block is that block's value.
    sig = _bound.Signature(
        inputs=(Arg("x", (None, 8), "float32"), Arg("dy", (None, 8), "float32")),
        results=(Arg("m", (None, 8), "float32"), Arg("s", (8,), "float32", summed=True)))
    op = _bind(SUMMED_BLOCK, sig, "llvm-cpu")
    x5 = rng.standard_normal((5, 8)).astype(np.float32)
    dy5 = (1e4 + rng.standard_normal((5, 8))).astype(np.float32)
    m5, s5 = op(x5, dy5)  # 5 blocks
    monkeypatch.setattr(_bound.BoundOp, "_run_blocks", None)  # calling it would fail
    for i in range(5):
        x, dy = x5[i:i + 1], dy5[i:i + 1].astype(">f4")  # checked path too (byte order)
        for args in ((x, dy5[i:i + 1]), (x, dy)):
            m, s = op(*args)
            np.testing.assert_array_equal(m, m5[i:i + 1])
            np.testing.assert_array_equal(s, dy5[i])
    outs = (np.empty((1, 8), np.float32), np.empty(8, np.float32))
    res = op(x5[:1], dy5[:1], out=outs)
    assert res[0] is outs[0] and res[1] is outs[1]
    np.testing.assert_array_equal(outs[1], dy5[0])


def test_small_several_results_reuse_one_argument_list(rng):
    # Small calls of a several-result module on the CPU copy their inputs into the lane's
    # buffers, imported once (one prebuilt list per x shape), and read each result by
    # mapping: every call sees its own inputs, into out= arrays too.
    sig = _bound.Signature(
        inputs=(Arg("x", (4, 8), "float32"), Arg("g", (8,), "float32", cast=True),
                Arg("dy", (4, 8), "float32")),
        results=(Arg("dx", (4, 8), "float32"), Arg("dg", (8,), "float32")))
    op = _bind(TWO_RESULTS, sig, "llvm-cpu")
    outs = (np.empty((4, 8), np.float32), np.empty(8, np.float32))
    for i in range(6):
        x = rng.standard_normal((4, 8)).astype(np.float32)
        g = rng.standard_normal(8).astype(np.float32)
        dy = rng.standard_normal((4, 8)).astype(np.float32)
        res = op(x, g, dy, out=outs if i % 2 else None)
        np.testing.assert_allclose(res[0], x * g + dy, rtol=1e-6, atol=1e-6)
        np.testing.assert_allclose(res[1], dy.sum(0), rtol=1e-5, atol=1e-5)
        assert (res[0] is outs[0]) == bool(i % 2)
    assert list(op._lane().small) == [("many", (4, 8))]


def test_an_out_seen_once_is_copied_into_then_written_in_place(rng):
    # A fresh out every call (the torch adapter's tensors) costs a copy, not an argument
    # list; the same aligned out again gets its own list (written in place).
    from reference import assert_close, ref_group_norm

    shape = (1, 8, 8, 32)
    op = iree_gn.compile(shape, "float32", groups=8)
    g, b = np.ones(32, np.float32), np.zeros(32, np.float32)
    bound = op._loaded()
    out = iree_gn.empty(shape, np.float32)
    for i in range(3):
        x = (rng.standard_normal(shape) * (i + 1)).astype(np.float32)
        assert op(x, g, b, out=out) is out
        assert_close(out, ref_group_norm(x, 8), "float32")
        hit = bound._lane().outs[id(out)]
        assert (hit[1] is _bound._AGAIN) == (i == 0)
    for i in range(3):  # fresh outs
        fresh = iree_gn.empty(shape, np.float32)
        x = rng.standard_normal(shape).astype(np.float32)
        assert op(x, g, b, out=fresh) is fresh
        assert_close(fresh, ref_group_norm(x, 8), "float32")
    # The same out object with its dtype changed in place (now big-endian): its argument
    # list wrote native bytes into it (garbage); it is seen anew.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        out.dtype = np.dtype(">f4")
    x = rng.standard_normal(shape).astype(np.float32)
    assert op(x, g, b, out=out) is out
    assert_close(out, ref_group_norm(x, 8), "float32")


def test_plain_group_norm_memo_keeps_every_rule(rng):
    # group_norm's plain calls skip re-deriving the spec for arguments seen before, keyed by
    # value and type: what a fresh process refuses is refused after a valid call too, and
    # the memo never stands in for a call that records variables.
    from iree_gn import _api, _ops
    from reference import assert_close, ref_group_norm

    x = rng.standard_normal((1, 4, 4, 8)).astype(np.float32)
    for _ in range(2):
        assert_close(iree_gn.group_norm(x, groups=2), ref_group_norm(x, 2), "float32")
    assert any(k[0] == x.shape for k in _api._PLAIN)
    with pytest.raises((TypeError, ValueError), match="groups"):
        iree_gn.group_norm(x, groups=2.0)
    with pytest.raises((TypeError, ValueError), match="center"):
        iree_gn.group_norm(x, groups=2, center=1)
    with pytest.raises(ValueError, match="trainable"):
        iree_gn.group_norm(x, groups=2, trainable=1)
    with iree_gn.VariableStore() as store:
        iree_gn.group_norm(x, groups=2)
        assert [v.name for v in store.variables] == ["GroupNorm/beta", "GroupNorm/gamma"]
    # clear_memory_cache forgets the memo with the ops.
    iree_gn.clear_memory_cache()
    assert not _api._PLAIN
    before = dict(_ops.STATS)
    iree_gn.group_norm(x, groups=2)
    assert _ops.STATS["disk_hits"] + _ops.STATS["compiled"] > \
        before["disk_hits"] + before["compiled"]


@pytest.mark.parametrize("n", [1, 3])
def test_large_several_result_calls_write_result_0_in_place(n, rng, monkeypatch):
    # A backward module exports main_out (dx into a caller buffer, dgamma/dbeta returned):
    # large calls on the CPU write dx into an aligned out in place (no allocation, no copy
    # of dx), block by block for a dynamic batch; any other out gets a copy. Against the
    # float64 reference: float32 sums of 16K elements, 2e-5 of the largest value.
    from reference import ref_group_norm_vjp

    monkeypatch.setattr(_bound.BoundOp, "_run_generic", None)  # calling it would fail
    shape = (n, 16, 32, 32)  # 64 KiB a sample: over the small-call size
    op = iree_gn.compile((None, *shape[1:]), "float32", groups=4, channels_axis=1,
                         reduction_axes=(2, 3), epsilon=1e-5)
    x = iree_gn.aligned_array((rng.standard_normal(shape) * 2 + 3).astype(np.float32))
    dy = iree_gn.aligned_array(rng.standard_normal(shape).astype(np.float32))
    g, b = rng.standard_normal(16).astype(np.float32), rng.standard_normal(16).astype(np.float32)
    ref = ref_group_norm_vjp(x, dy, 4, channels_axis=1, reduction_axes=(2, 3), gamma=g,
                             beta=b, epsilon=1e-5)
    for out in (iree_gn.empty(shape, np.float32), np.empty(shape, np.float32), None):
        got = op.vjp(x, g, b, dy, out=out)
        assert out is None or got[0] is out
        for a, r in zip(got, ref):
            assert np.abs(a - r).max() <= 2e-5 * np.abs(r).max()
    assert op._grad._bound.function_many_out is not None


def _kernel_bound(spec, driver, model):
    """The spec's CPU kernel module, compiled with the llvm-cpu row's flags (``model``
    "coarse-fences", as the row compiles it) or without its execution-model flag (the
    "sync" entry points of modules and bundles built before it), bound on ``driver``."""
    import dataclasses

    from iree_gn._export import stablehlo_text

    t = _targets.resolve("llvm-cpu")
    if model == "sync":
        t = dataclasses.replace(t, flags=tuple(f for f in t.flags if "execution-model" not in f))
    vmfb = compile_text(stablehlo_text(spec, "kernel"), t, spec.dtype)
    return _bound.BoundOp(vmfb, _bound.group_norm_signature(spec), driver)


@pytest.mark.parametrize("model", ["coarse-fences", "sync"])
@pytest.mark.parametrize("driver", ["local-task", "local-sync"])
def test_either_invocation_model_on_either_cpu_driver(driver, model, rng):
    # The CPU rows' modules take a wait and a signal fence (the caller polls for the end of
    # a call); bundles built before take none. Both run on both CPU drivers, small calls
    # (prebuilt argument lists, inline drivers only) and large ones, into out= or not.
    from reference import assert_close, ref_group_norm

    for shape in ((1, 8, 8, 32), (2, 24, 24, 64)):
        spec = iree_gn.GroupNormSpec.create(shape, "float32", groups=8)
        op = _kernel_bound(spec, driver, model)
        assert op._fenced == (model == "coarse-fences")
        g = rng.standard_normal(shape[-1]).astype(np.float32)
        b = rng.standard_normal(shape[-1]).astype(np.float32)
        out = iree_gn.empty(shape, np.float32)
        for i in range(3):
            x = (rng.standard_normal(shape) * 2 + i).astype(np.float32)
            ref = ref_group_norm(x, 8, gamma=g, beta=b, epsilon=spec.epsilon)
            assert_close(op(x, g, b), ref, "float32")
            assert op(x, g, b, out=out) is out
            assert_close(out, ref, "float32")


def test_an_interrupted_wait_ends_the_work_and_the_next_call_runs(rng, monkeypatch):
    # An interrupt while the caller polls: the call waits for the work to end (it reads the
    # caller's arrays) before the interrupt goes up, and the lane's next call gets a new
    # semaphore and the right answer.
    from reference import assert_close, ref_group_norm

    shape = (8, 64, 64, 64)  # 8 MiB: ~1 ms of work, the interrupt comes in microseconds
    op = _kernel_bound(iree_gn.GroupNormSpec.create(shape, "float32", groups=8),
                       "local-task", "coarse-fences")
    x = (rng.standard_normal(shape) + 3).astype(np.float32)
    g, b = np.ones(64, np.float32), np.zeros(64, np.float32)
    op(x, g, b)
    first = op._lane().sem

    def interrupted(sem, value):
        raise KeyboardInterrupt

    monkeypatch.setattr(_bound, "_await", interrupted)
    with pytest.raises(KeyboardInterrupt):
        op(x, g, b)
    assert op._lane().sem is None and first.query() >= 2  # the work had ended
    monkeypatch.undo()
    assert_close(op(x, g, b), ref_group_norm(x, 8), "float32")
    assert op._lane().sem is not None and op._lane().sem is not first
