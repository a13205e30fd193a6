#!/usr/bin/env python3
"""Benchmark iree_gn's group norm against PyTorch, JAX, onnxruntime and NumPy (issue 5).

One process, the same inputs for every implementation. The timed calls of a shape are spread
over ``ROUNDS`` rounds; in each round every implementation in turn gets a few warm-up calls,
then its share of up to ``--repeats`` individually timed calls (capped by a time budget),
then a 10 ms pause (so that PyTorch's OpenMP threads stop spinning before the next one runs).
So every implementation sees the same drift of load on a shared machine, and the median with
the min-max spread is reported. Every result is checked against a
float64 reference (max abs error; rows over the dtype's tolerance are flagged).

iree_gn is timed two ways:

* ``iree_gn op(out=)``: ``op = iree_gn.compile(...)`` called as ``op(x, gamma, beta, out=out)``
  with a preallocated output, the fastest path the API offers;
* ``iree_gn group_norm``: ``iree_gn.group_norm(x, ...)``, NumPy in and NumPy out, with its
  variables (``gamma``/``beta``) in a reused scope.

Peers are optional (``pip install -e .[bench]``); a missing one shows as ``missing``. Each
peer gets the same semantic problem: an NHWC (channels-last) input is handed to PyTorch and
onnxruntime as an NCHW-transposed copy made outside the timed region (PyTorch also gets it
in ``channels_last`` memory format, which is the NHWC bytes themselves); NumPy and JAX work
on the input's own layout. A fused activation is part of iree_gn's, JAX's and onnxruntime's
graphs; PyTorch and NumPy apply it as a separate (in-place) step.

The machine's memory bandwidth (read: ``np.sum``; copy: ``np.copyto``, counted as read +
write) turns each time into a fraction of the roofline: bytes that must move (the input
read once, the output written once) / copy bandwidth / time. A same-size ``np.copyto`` per
shape is the practical floor (inputs of 2-34 MB stay partly in L3).

Startup costs are timed in subprocesses: a cold compile (fresh cache folder) and a fresh
process with a warm disk cache doing ``import iree_gn`` and its first call. Call overhead
is timed on 1x8x8x32. All are compared with the issue's targets.

Usage::

    python build_tools/bench.py [--quick] [--shapes NAME,...] [--repeats N] [--out DIR]
    python build_tools/bench.py --list

Writes ``results.md``, ``results.json`` and ``chart.png`` to ``--out``
(default ``build_tools/bench_results``).
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime
import gc
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
import zlib
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

EPS = 1e-6

# Max abs error against the float64 reference allowed per dtype, for outputs of magnitude
# up to ~5 (inputs ~N(0.5, 1), gamma ~1 +- 0.1, beta ~ +-0.1). float32: statistics over
# up to ~1e6 terms; f16/bf16: the output itself is rounded to 11/8 bits (half-ulp at 4:
# 2e-3 / 1.6e-2), and peers that compute in the low precision lose a little more.
TOL = {"float32": 1e-3, "float16": 1e-2, "bfloat16": 6e-2}

# The targets (seconds).
TARGETS = {
    "cold_compile_s": 1.0,
    "warm_first_call_s": 0.5,
    "op_call_overhead_s": 10e-6,
    "group_norm_call_overhead_s": 20e-6,
}


# ------------------------------------------------------------------------------------------
# Cases
# ------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Case:
    """One benchmark problem: a group norm configuration and its inputs' shape and dtype."""

    name: str
    shape: Tuple[int, ...]
    note: str
    dtype: str = "float32"
    groups: int = 32
    channels_axis: int = -1
    reduction_axes: Tuple[int, ...] = (-3, -2)
    activation: Optional[str] = None
    quick: bool = False

    @property
    def layout(self) -> str:
        r = len(self.shape)
        ca = self.channels_axis % r
        if ca == r - 1:
            return "NDHWC" if r == 5 else "NHWC"
        if ca == 1:
            return "NCDHW" if r == 5 else "NCHW"
        return f"C at axis {ca}"

    def kwargs(self) -> dict:
        return dict(groups=self.groups, channels_axis=self.channels_axis,
                    reduction_axes=self.reduction_axes)


NCHW = dict(channels_axis=-3, reduction_axes=(-2, -1))

CASES: List[Case] = [
    Case("1x8x8x32", (1, 8, 8, 32), "call overhead", quick=True),
    Case("8x56x56x256", (8, 56, 56, 256), "ResNet-50 stage 1"),
    Case("2x64x64x320", (2, 64, 64, 320), "SD UNet, 64x64 level"),
    Case("2x32x32x640", (2, 32, 32, 640), "SD UNet, 32x32 level"),
    Case("2x16x16x1280", (2, 16, 16, 1280), "SD UNet, 16x16 level", quick=True),
    Case("1x128x128x512", (1, 128, 128, 512), "SD VAE decoder, batch 1"),
    Case("1x16x64x64x64", (1, 16, 64, 64, 64), "5-D volume (NDHWC)",
         reduction_axes=(-4, -3, -2)),
    Case("2x320x64x64-nchw", (2, 320, 64, 64), "SD UNet 64x64, NCHW input", **NCHW),
    Case("8x256x56x56-nchw", (8, 256, 56, 56), "ResNet-50 stage 1, NCHW input", **NCHW),
    Case("2x64x64x320-f16", (2, 64, 64, 320), "float16", dtype="float16"),
    Case("2x64x64x320-bf16", (2, 64, 64, 320), "bfloat16", dtype="bfloat16"),
    Case("2x64x64x320-silu", (2, 64, 64, 320), "fused SiLU", activation="silu"),
]
CASES_BY_NAME = {c.name: c for c in CASES}


def np_dtype(name: str) -> np.dtype:
    if name == "bfloat16":
        import ml_dtypes

        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)


def make_inputs(case: Case):
    """Inputs with a nonzero mean (0.5) so that a wrong mean shows; reproducible per case."""
    rng = np.random.default_rng(zlib.crc32(case.name.encode()))
    dt = np_dtype(case.dtype)
    x = (rng.standard_normal(case.shape, dtype=np.float32) + 0.5).astype(dt)
    c = case.shape[case.channels_axis]
    gamma = (1.0 + 0.1 * rng.standard_normal(c, dtype=np.float32)).astype(dt)
    beta = (0.1 * rng.standard_normal(c, dtype=np.float32)).astype(dt)
    return x, gamma, beta


# ------------------------------------------------------------------------------------------
# Geometry shared by the reference and the NumPy / JAX peers
# ------------------------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class Geometry:
    """The group view of a case: the channel axis split into (groups, channels per group)."""

    shape: Tuple[int, ...]
    split_shape: Tuple[int, ...]  # shape with C replaced by (G, C // G)
    stat_axes: Tuple[int, ...]    # axes of split_shape to reduce over
    param_shape: Tuple[int, ...]  # broadcast shape of gamma/beta against the input
    to_cfirst: Optional[Tuple[int, ...]]  # permutation to (N, C, spatial...), None if none

    @classmethod
    def of(cls, case: Case) -> "Geometry":
        shape = tuple(case.shape)
        r = len(shape)
        ca = case.channels_axis % r
        red = sorted(a % r for a in case.reduction_axes)
        c = shape[ca]
        split = shape[:ca] + (case.groups, c // case.groups) + shape[ca + 1:]
        stat = tuple(a if a < ca else a + 1 for a in red) + (ca + 1,)
        pshape = tuple(c if a == ca else 1 for a in range(r))
        batch = [a for a in range(r) if a != ca and a not in red]
        perm = tuple(batch + [ca] + red) if len(batch) == 1 and batch[0] == 0 else None
        return cls(shape, split, tuple(sorted(stat)), pshape, perm)

    def inverse(self) -> Tuple[int, ...]:
        return tuple(int(i) for i in np.argsort(self.to_cfirst))


def reference(case: Case, x, gamma, beta) -> np.ndarray:
    """float64 group norm, two-pass moments (TF contrib semantics)."""
    geo = Geometry.of(case)
    xs = np.asarray(x, dtype=np.float64).reshape(geo.split_shape)
    m = xs.mean(axis=geo.stat_axes, keepdims=True)
    v = ((xs - m) ** 2).mean(axis=geo.stat_axes, keepdims=True)
    y = ((xs - m) / np.sqrt(v + EPS)).reshape(geo.shape)
    y = y * np.asarray(gamma, np.float64).reshape(geo.param_shape) + \
        np.asarray(beta, np.float64).reshape(geo.param_shape)
    if case.activation == "silu":
        y = y / (1.0 + np.exp(-y))
    elif case.activation is not None:
        raise ValueError(f"no reference for activation {case.activation!r}")
    return y


# ------------------------------------------------------------------------------------------
# Implementations. Each ``prepare(case, x, gamma, beta)`` does all setup outside the timed
# region and returns (run, to_ref_layout, layout): ``run()`` is the timed call and returns
# the result; ``to_ref_layout(result)`` turns it into a float64 array in the input's layout.
# ------------------------------------------------------------------------------------------
class Missing(Exception):
    """The peer's package is not installed."""


class Unsupported(Exception):
    """The peer cannot express this case (layout, dtype)."""


def _f64(a) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype.kind == "V" or a.dtype.name == "bfloat16":
        a = a.astype(np.float32)
    return a.astype(np.float64)


def prep_iree_op(case, x, gamma, beta):
    import iree_gn

    op = iree_gn.compile(case.shape, case.dtype, activation=case.activation, **case.kwargs())
    # Device-resident: buffers the runtime imports zero-copy (64-byte aligned), made once.
    xa, ga, ba = (iree_gn.aligned_array(a) for a in (x, gamma, beta))
    out = iree_gn.empty(x.shape, x.dtype)
    form = op.target.formulation_for(op.spec)
    return (lambda: op(xa, ga, ba, out=out)), _f64, \
        f"{case.layout} (input's own), compiled op ({form}), aligned buffers " \
        f"(iree_gn.empty), out="


def prep_iree_group_norm(case, x, gamma, beta):
    import iree_gn

    scope = f"bench/{case.name}"
    kw = dict(activation_fn=case.activation, scope=scope, reuse=iree_gn.AUTO_REUSE,
              param_initializers={"gamma": gamma, "beta": beta}, **case.kwargs())

    def run():
        return iree_gn.group_norm(x, **kw)

    run()  # creates the scope's variables (gamma, beta) from the initializers
    return run, _f64, f"{case.layout} (input's own), NumPy in / NumPy out"


def _torch():
    try:
        import torch
    except ImportError as e:
        raise Missing(f"torch not installed ({e})") from e
    return torch


def _to_torch(torch, a: np.ndarray):
    if a.dtype.name == "bfloat16":
        return torch.from_numpy(np.ascontiguousarray(a).view(np.int16)).view(torch.bfloat16)
    return torch.from_numpy(np.ascontiguousarray(a))


def _torch_common(case, x, gamma, beta, channels_last: bool):
    torch = _torch()
    geo = Geometry.of(case)
    if geo.to_cfirst is None:
        raise Unsupported("torch group_norm needs (N, C, spatial...) with all spatial reduced")
    xc = np.ascontiguousarray(np.transpose(x, geo.to_cfirst))  # outside the timed region
    t = _to_torch(torch, xc)
    native = geo.to_cfirst == tuple(range(len(case.shape)))
    if channels_last:
        fmt = {4: torch.channels_last, 5: torch.channels_last_3d}.get(t.dim())
        if fmt is None:
            raise Unsupported(f"no channels_last format for rank {t.dim()}")
        t = t.contiguous(memory_format=fmt)
        layout = "channels_last " + ("copy made outside timing" if native
                                     else f"(the {case.layout} bytes themselves)")
    else:
        layout = ("NCHW" if t.dim() == 4 else "NCDHW") + (
            " (input's own)" if native else ", transposed copy made outside timing")
    g, b = _to_torch(torch, gamma), _to_torch(torch, beta)
    F = torch.nn.functional
    silu = case.activation == "silu"

    def run():
        with torch.inference_mode():
            y = F.group_norm(t, case.groups, g, b, EPS)
            return F.silu(y, inplace=True) if silu else y

    inv = geo.inverse()

    def back(y):
        return np.transpose(y.to(torch.float64).numpy(), inv)

    if silu:
        layout += "; SiLU as a separate in-place op"
    return run, back, layout


def prep_torch_nchw(case, x, gamma, beta):
    return _torch_common(case, x, gamma, beta, channels_last=False)


def prep_torch_cl(case, x, gamma, beta):
    return _torch_common(case, x, gamma, beta, channels_last=True)


def jax_group_norm(case):
    """``gn(x, gamma, beta)``: group norm in jax.numpy (two-pass moments) for ``case``."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError as e:
        raise Missing(f"jax not installed ({e})") from e
    geo = Geometry.of(case)
    low = case.dtype in ("float16", "bfloat16")

    def gn(x, gamma, beta):
        xf = x.astype(jnp.float32) if low else x
        xs = xf.reshape(geo.split_shape)
        m = jnp.mean(xs, axis=geo.stat_axes, keepdims=True)
        v = jnp.mean(jnp.square(xs - m), axis=geo.stat_axes, keepdims=True)
        y = ((xs - m) * jax.lax.rsqrt(v + EPS)).reshape(geo.shape)
        y = y * gamma.astype(xf.dtype).reshape(geo.param_shape) + \
            beta.astype(xf.dtype).reshape(geo.param_shape)
        if case.activation == "silu":
            y = jax.nn.silu(y)
        return y.astype(x.dtype)

    return gn


def prep_jax(case, x, gamma, beta):
    gn = jax_group_norm(case)
    import jax

    f = jax.jit(gn)
    xj, gj, bj = (jax.device_put(a) for a in (x, gamma, beta))
    f(xj, gj, bj).block_until_ready()  # compile outside the timed region
    return (lambda: f(xj, gj, bj).block_until_ready()), (lambda y: _f64(np.asarray(y))), \
        f"{case.layout} (input's own), jnp GN, device arrays"


def _onnx_type(onnx, dtype: str):
    return {"float32": onnx.TensorProto.FLOAT, "float16": onnx.TensorProto.FLOAT16,
            "bfloat16": onnx.TensorProto.BFLOAT16}[dtype]


def _ort_session(case, build_nodes, x, gamma, beta):
    try:
        import onnx
        from onnx import helper
        import onnxruntime as ort
    except ImportError as e:
        raise Missing(f"onnxruntime/onnx not installed ({e})") from e
    geo = Geometry.of(case)
    if geo.to_cfirst is None:
        raise Unsupported("ONNX GroupNormalization needs (N, C, spatial...)")
    xc = np.ascontiguousarray(np.transpose(x, geo.to_cfirst))  # outside the timed region
    et = _onnx_type(onnx, case.dtype)
    c = xc.shape[1]
    nodes, inits = build_nodes(onnx, helper, et, xc.shape, c)
    y_name = nodes[-1].output[0]
    if case.activation == "silu":
        nodes += [helper.make_node("Sigmoid", [y_name], ["sig"]),
                  helper.make_node("Mul", [y_name, "sig"], ["y_act"])]
        y_name = "y_act"
    elif case.activation is not None:
        raise Unsupported(f"activation {case.activation!r}")
    graph = helper.make_graph(
        nodes, "gn",
        [helper.make_tensor_value_info("x", et, list(xc.shape)),
         helper.make_tensor_value_info("scale", et, [c]),
         helper.make_tensor_value_info("bias", et, [c])],
        [helper.make_tensor_value_info(y_name, et, list(xc.shape))],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    model.ir_version = 10  # what onnxruntime 1.2x reads
    onnx.checker.check_model(model)
    try:
        sess = ort.InferenceSession(model.SerializeToString(),
                                    providers=["CPUExecutionProvider"])
        feeds = {"x": xc, "scale": gamma, "bias": beta}
        sess.run([y_name], feeds)
    except Exception as e:  # ORT raises its own exception types for missing kernels
        raise Unsupported(f"onnxruntime: {str(e).splitlines()[0][:160]}") from e
    inv = geo.inverse()
    return (lambda: sess.run([y_name], feeds)[0]), (lambda y: np.transpose(_f64(y), inv)), \
        "NCHW" if len(case.shape) == 4 else "NCDHW"


def prep_ort_gn(case, x, gamma, beta):
    def nodes(onnx, helper, et, shape, c):
        return [helper.make_node("GroupNormalization", ["x", "scale", "bias"], ["y"],
                                 num_groups=case.groups, epsilon=EPS)], []

    run, back, layout = _ort_session(case, nodes, x, gamma, beta)
    return run, back, f"{layout} (transposed copy outside timing if NHWC), opset 21, NumPy I/O"


def prep_ort_instnorm(case, x, gamma, beta):
    # The pattern torch.onnx used to export GroupNorm: reshape to (N, G, -1), instance norm
    # with unit scale, reshape back, then the per-channel affine.
    def nodes(onnx, helper, et, shape, c):
        from onnx import numpy_helper

        dt = np_dtype(case.dtype)
        g = case.groups
        rest = [1] * (len(shape) - 2)
        inits = [
            numpy_helper.from_array(np.array([shape[0], g, -1], np.int64), "grouped_shape"),
            numpy_helper.from_array(np.array(shape, np.int64), "orig_shape"),
            numpy_helper.from_array(np.array([c] + rest, np.int64), "param_shape"),
            numpy_helper.from_array(np.ones(g, dt), "ones_g"),
            numpy_helper.from_array(np.zeros(g, dt), "zeros_g"),
        ]
        return [
            helper.make_node("Reshape", ["x", "grouped_shape"], ["xg"]),
            helper.make_node("InstanceNormalization", ["xg", "ones_g", "zeros_g"], ["ng"],
                             epsilon=EPS),
            helper.make_node("Reshape", ["ng", "orig_shape"], ["n"]),
            helper.make_node("Reshape", ["scale", "param_shape"], ["scale_b"]),
            helper.make_node("Reshape", ["bias", "param_shape"], ["bias_b"]),
            helper.make_node("Mul", ["n", "scale_b"], ["ns"]),
            helper.make_node("Add", ["ns", "bias_b"], ["y"]),
        ], inits

    run, back, layout = _ort_session(case, nodes, x, gamma, beta)
    return run, back, f"{layout}, Reshape+InstanceNormalization+affine, NumPy I/O"


def prep_numpy(case, x, gamma, beta):
    geo = Geometry.of(case)
    low = case.dtype in ("float16", "bfloat16")
    g32 = gamma.astype(np.float32).reshape(geo.param_shape)
    b32 = beta.astype(np.float32).reshape(geo.param_shape)
    silu = case.activation == "silu"

    def run():
        xf = x.astype(np.float32) if low else x
        xs = xf.reshape(geo.split_shape)
        m = xs.mean(axis=geo.stat_axes, keepdims=True, dtype=np.float32)
        d = xs - m
        v = np.mean(np.square(d), axis=geo.stat_axes, keepdims=True)
        d *= 1.0 / np.sqrt(v + np.float32(EPS))
        y = d.reshape(geo.shape)
        y *= g32
        y += b32
        if silu:
            y *= 1.0 / (1.0 + np.exp(-y))
        return y.astype(x.dtype) if low else y

    return run, _f64, f"{case.layout} (input's own), float32 two-pass"


@dataclasses.dataclass(frozen=True)
class Impl:
    name: str
    prepare: Callable
    ours: bool = False


IMPLS: List[Impl] = [
    Impl("iree_gn op(out=)", prep_iree_op, ours=True),
    Impl("iree_gn group_norm", prep_iree_group_norm, ours=True),
    Impl("torch NCHW", prep_torch_nchw),
    Impl("torch channels_last", prep_torch_cl),
    Impl("jax.jit", prep_jax),
    Impl("ort GroupNormalization", prep_ort_gn),
    Impl("ort InstanceNorm pattern", prep_ort_instnorm),
    Impl("numpy", prep_numpy),
]


# ------------------------------------------------------------------------------------------
# Timing
# ------------------------------------------------------------------------------------------
@dataclasses.dataclass
class Budget:
    repeats: int      # at most this many timed calls
    seconds: float    # ... and stop once this much time was spent (at least min_repeats)
    min_repeats: int = 5
    warmup_calls: int = 3
    warmup_seconds: float = 0.1


def measure(fn: Callable[[], Any], budget: Budget) -> List[float]:
    """Warm up, then time calls one by one; returns the per-call times in seconds."""
    t_end = time.perf_counter() + budget.warmup_seconds
    for i in range(1000):
        fn()
        if i + 1 >= budget.warmup_calls and time.perf_counter() >= t_end:
            break
    times: List[float] = []
    gc_was = gc.isenabled()
    gc.disable()
    try:
        t_stop = time.perf_counter() + budget.seconds
        clock = time.perf_counter
        while len(times) < budget.repeats:
            t0 = clock()
            fn()
            times.append(clock() - t0)
            if len(times) >= budget.min_repeats and clock() >= t_stop:
                break
    finally:
        if gc_was:
            gc.enable()
    return times


def summarize(times: Sequence[float]) -> dict:
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
            "n": len(times)}


def bandwidth(nbytes: int = 256 << 20, reps: int = 7) -> dict:
    """Read (np.sum) and copy (np.copyto, read + write counted) bandwidth, bytes/s.

    Single-threaded as NumPy runs them, and with one thread per core over halves of the
    arrays (NumPy releases the GIL in both), best of ``reps``. Arrays of ``nbytes`` (256 MiB)
    are far beyond L3.
    """
    n = nbytes // 4
    a = np.ones(n, np.float32)
    b = np.empty_like(a)
    b.fill(0)  # fault the pages in
    ncores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    def threaded(work, k):
        if k == 1:
            t0 = time.perf_counter()
            work(0, n)
            return time.perf_counter() - t0
        chunk = -(-n // k)
        ts = [threading.Thread(target=work, args=(i * chunk, min(n, (i + 1) * chunk)))
              for i in range(k)]
        t0 = time.perf_counter()
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return time.perf_counter() - t0

    def read(lo, hi):
        np.sum(a[lo:hi])

    def copy(lo, hi):
        np.copyto(b[lo:hi], a[lo:hi])

    res = {"array_bytes": nbytes, "reps": reps, "threads": ncores}
    for name, work, moved in (("read", read, nbytes), ("copy", copy, 2 * nbytes)):
        for k, label in ((1, "1t"), (ncores, "all")):
            best = min(threaded(work, k) for _ in range(reps))
            res[f"{name}_{label}_Bps"] = moved / best
    # The roofline uses the best copy bandwidth: the most the machine was seen to move.
    res["roofline_Bps"] = max(res["copy_1t_Bps"], res["copy_all_Bps"])
    return res


# ------------------------------------------------------------------------------------------
# Startup (subprocesses)
# ------------------------------------------------------------------------------------------
_COLD_CHILD = textwrap.dedent("""
    import json, sys, time
    cfg = json.loads(sys.argv[1])
    t0 = time.perf_counter()
    import iree_gn
    t1 = time.perf_counter()
    jax_before = "jax" in sys.modules
    op = iree_gn.compile(cfg["shape"], cfg["dtype"], groups=cfg["groups"],
                         channels_axis=cfg["channels_axis"],
                         reduction_axes=cfg["reduction_axes"], activation=cfg["activation"])
    t2 = time.perf_counter()
    # A second configuration in the same process: JAX is imported already.
    iree_gn.compile(cfg["shape"], cfg["dtype"], groups=cfg["groups"] // 2,
                    channels_axis=cfg["channels_axis"],
                    reduction_axes=cfg["reduction_axes"], activation=cfg["activation"])
    t3 = time.perf_counter()
    jax_by_compile = "jax" in sys.modules
    # A configuration without a hand-written kernel (float64): traced with JAX, so this
    # one pays for importing it.
    iree_gn.compile(cfg["shape"], "float64", groups=cfg["groups"],
                    channels_axis=cfg["channels_axis"],
                    reduction_axes=cfg["reduction_axes"], activation=cfg["activation"])
    t4 = time.perf_counter()
    from iree_gn import _ops
    print(json.dumps({"import_s": t1 - t0, "compile_s": t2 - t1, "second_compile_s": t3 - t2,
                      "jax_compile_s": t4 - t3, "jax_imported_by_import": jax_before,
                      "jax_imported_by_compile": jax_by_compile, "stats": dict(_ops.STATS)}))
""")

_WARM_CHILD = textwrap.dedent("""
    import json, sys, time
    import numpy as np
    cfg = json.loads(sys.argv[1])
    x = np.ones(cfg["shape"], cfg["dtype"])
    t0 = time.perf_counter()
    import iree_gn
    t1 = time.perf_counter()
    y = iree_gn.group_norm(x, groups=cfg["groups"], channels_axis=cfg["channels_axis"],
                           reduction_axes=cfg["reduction_axes"],
                           activation_fn=cfg["activation"])
    t2 = time.perf_counter()
    y = iree_gn.group_norm(x, groups=cfg["groups"], channels_axis=cfg["channels_axis"],
                           reduction_axes=cfg["reduction_axes"],
                           activation_fn=cfg["activation"])
    t3 = time.perf_counter()
    from iree_gn import _ops
    print(json.dumps({"import_s": t1 - t0, "first_call_s": t2 - t1, "second_call_s": t3 - t2,
                      "import_plus_first_call_s": t2 - t0,
                      "jax_imported": "jax" in sys.modules, "stats": dict(_ops.STATS)}))
""")


def _child(code: str, cfg: dict, cache_dir: str, timeout: float = 300) -> dict:
    env = dict(os.environ)
    env["IREE_GN_CACHE_DIR"] = cache_dir
    env["PYTHONPATH"] = REPO + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-c", code, json.dumps(cfg)], env=env, cwd=REPO,
                       capture_output=True, text=True, timeout=timeout)
    wall = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"child failed (exit {p.returncode}):\n{p.stderr[-2000:]}")
    out = json.loads(p.stdout.strip().splitlines()[-1])
    out["process_wall_s"] = wall
    return out


def startup(case: Case, cold_runs: int, warm_runs: int) -> dict:
    """Cold compile in a fresh cache folder, then fresh processes on that warm cache."""
    cfg = dict(shape=list(case.shape), dtype=case.dtype, groups=case.groups,
               channels_axis=case.channels_axis, reduction_axes=list(case.reduction_axes),
               activation=case.activation)
    colds, warms = [], []
    for _ in range(cold_runs):
        d = tempfile.mkdtemp(prefix="iree-gn-bench-cache-")
        try:
            colds.append(_child(_COLD_CHILD, cfg, d))
            if not warms:
                for _ in range(warm_runs):
                    warms.append(_child(_WARM_CHILD, cfg, d))
        finally:
            shutil.rmtree(d, ignore_errors=True)

    def med(rows, k):
        return statistics.median(r[k] for r in rows)

    return {
        "case": case.name,
        "cold": colds, "warm": warms,
        "cold_compile_s": med(colds, "compile_s"),
        "second_compile_s": med(colds, "second_compile_s"),
        "jax_compile_s": med(colds, "jax_compile_s"),
        "cold_jax_imported": any(r["jax_imported_by_compile"] for r in colds),
        "cold_process_wall_s": med(colds, "process_wall_s"),
        "warm_import_s": med(warms, "import_s"),
        "warm_first_call_s": med(warms, "import_plus_first_call_s"),
        "warm_process_wall_s": med(warms, "process_wall_s"),
        "warm_jax_imported": any(r["jax_imported"] for r in warms),
    }


def call_overhead(budget: Budget) -> dict:
    """Per-call time on 1x8x8x32 through the compiled op (out=) and through group_norm."""
    case = CASES_BY_NAME["1x8x8x32"]
    x, gamma, beta = make_inputs(case)
    res = {}
    for impl, key in ((IMPLS[0], "op_call_overhead_s"),
                      (IMPLS[1], "group_norm_call_overhead_s")):
        run, _, _ = impl.prepare(case, x, gamma, beta)
        res[key] = summarize(measure(run, budget))
    return res


# ------------------------------------------------------------------------------------------
# Running the cases
# ------------------------------------------------------------------------------------------
# Rounds per shape (see the module docstring).
ROUNDS = 8


def run_case(case: Case, impls: Sequence[Impl], budget: Budget, bw: dict,
             log: Callable[[str], None]) -> dict:
    x, gamma, beta = make_inputs(case)
    ref = reference(case, x, gamma, beta)
    tol = TOL[case.dtype]
    moved = 2 * x.nbytes  # read the input once, write the output once
    dst = np.empty_like(x)
    copy = summarize(measure(lambda: np.copyto(dst, x), budget))
    roof_s = moved / bw["roofline_Bps"]
    row = {"case": dataclasses.asdict(case), "bytes_moved": moved, "copy": copy,
           "roofline_s": roof_s, "tolerance": tol, "results": []}
    log(f"{case.name}: copy {copy['median_s'] * 1e3:.3f} ms, roofline "
        f"{roof_s * 1e3:.3f} ms")
    runs = []  # (result row, run) of the implementations that prepared and ran
    for impl in impls:
        r = {"impl": impl.name, "ours": impl.ours}
        try:
            run, back, layout = impl.prepare(case, x, gamma, beta)
            r["layout"] = layout
            err = float(np.max(np.abs(back(run()) - ref)))
            r["max_abs_err"] = err
            r["status"] = "ok" if err <= tol else f"ERROR > tol ({tol:g})"
            runs.append((r, run))
        except Missing as e:
            r["status"] = "missing"
            r["detail"] = str(e)
        except Unsupported as e:
            r["status"] = "unsupported"
            r["detail"] = str(e)
        except Exception as e:  # a failing implementation is a result, not a crash
            r["status"] = "failed"
            r["detail"] = f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"
        row["results"].append(r)
    time_rounds(runs, budget)
    for r, _ in runs:
        if "median_s" in r:
            r["roofline_frac"] = roof_s / r["median_s"]
            r["x_copy"] = r["median_s"] / copy["median_s"]
    for r in row["results"]:
        if "median_s" in r:
            log(f"  {r['impl']:26s} {r['median_s'] * 1e3:9.3f} ms  "
                f"[{r['min_s'] * 1e3:.3f}-{r['max_s'] * 1e3:.3f}] n={r['n']} "
                f"err={r['max_abs_err']:.2e} {r['status']}")
        else:
            log(f"  {r['impl']:26s} {r['status']}: {r.get('detail', '')}")
    return row


def time_rounds(runs, budget: Budget) -> None:
    """Time each ``(result row, run)`` over ROUNDS rounds that visit every implementation in
    turn; add the summary (median, min, max, n) to its row, or mark it failed."""
    rounds = 1 if budget.repeats < 2 * ROUNDS else ROUNDS
    share = Budget(repeats=-(-budget.repeats // rounds), seconds=budget.seconds / rounds,
                   min_repeats=max(1, budget.min_repeats // rounds),
                   warmup_calls=budget.warmup_calls,
                   warmup_seconds=budget.warmup_seconds / rounds)
    times = {id(r): [] for r, _ in runs}
    for _ in range(rounds):
        for r, run in runs:
            try:
                times[id(r)] += measure(run, share)
            except Exception as e:
                r["status"] = "failed"
                r["detail"] = f"{type(e).__name__}: {str(e)[:200]}"
            time.sleep(0.01)
    for r, _ in runs:
        if times[id(r)] and r["status"] != "failed":
            r.update(summarize(times[id(r)]))


# ------------------------------------------------------------------------------------------
# Machine and versions
# ------------------------------------------------------------------------------------------
def machine_info() -> dict:
    from importlib import metadata

    def cpuinfo(key):
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith(key):
                        return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return None

    def read(path):
        try:
            with open(path) as f:
                return f.read().strip()
        except OSError:
            return None

    def version(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "missing"

    flags = (cpuinfo("flags") or "").split()
    mem = None
    for line in (read("/proc/meminfo") or "").splitlines():
        if line.startswith("MemTotal"):
            mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    info = {
        "cpu": cpuinfo("model name") or platform.processor(),
        "cpu_features": [f for f in ("avx2", "fma", "avx512f", "avx512bw", "avx512_bf16",
                                     "avx512fp16", "amx_tile") if f in flags],
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "l3": read("/sys/devices/system/cpu/cpu0/cache/index3/size"),
        "memory": mem,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {n: version(n) for n in (
            "numpy", "iree-base-runtime", "iree-base-compiler", "jax", "jaxlib", "ml_dtypes",
            "torch", "onnxruntime", "onnx", "matplotlib")},
        "openblas_env": {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                                    "OMP_NUM_THREADS") if k in os.environ},
    }
    try:
        import iree_gn

        info["versions"]["iree_gn"] = iree_gn.__version__
    except Exception:
        pass
    try:
        import torch

        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        pass
    return info


# ------------------------------------------------------------------------------------------
# Reports
# ------------------------------------------------------------------------------------------
def _ms(s: Optional[float]) -> str:
    if s is None:
        return "-"
    ms = s * 1e3
    return f"{ms:.4f}" if ms < 0.1 else f"{ms:.3f}" if ms < 10 else f"{ms:.1f}"


def _us(s: float) -> str:
    return f"{s * 1e6:.1f} us"


def write_markdown(path: str, data: dict) -> None:
    m, bw = data["machine"], data["bandwidth"]
    L = []
    L.append("# iree_gn group norm benchmark")
    L.append("")
    L.append(f"Generated by `{data['command']}` on {data['date']}.")
    L.append("")
    L.append("> **Run on a shared 2-core machine** while other developers were compiling "
             f"(load average {data['load_start'][0]:.2f} at the start, "
             f"{data['load_end'][0]:.2f} at the end): the numbers are noisy and the spreads "
             "wide. Rerun on a quiet machine before drawing fine conclusions.")
    L.append("")
    L.append("## Machine")
    L.append("")
    v = m["versions"]
    L.append(f"- CPU: {m['cpu']} ({', '.join(m['cpu_features'])}), {m['cores_usable']} "
             f"usable cores, L3 {m['l3']}, memory {m['memory']}")
    L.append(f"- {m['platform']}, Python {m['python']}")
    L.append("- " + ", ".join(f"{k} {val}" for k, val in v.items()))
    if "torch_threads" in m:
        L.append(f"- torch threads: {m['torch_threads']}; IREE llvm-cpu runs on `local-task` "
                 "(one worker per core); onnxruntime and XLA use their default thread pools; "
                 "NumPy is single-threaded")
    L.append(f"- OpenBLAS/OMP environment: {m['openblas_env'] or 'none set'} (no peer here "
             "calls BLAS)")
    L.append(f"- Bandwidth ({bw['array_bytes'] >> 20} MiB arrays, best of {bw['reps']}): "
             f"read (np.sum) "
             f"{bw['read_1t_Bps'] / 1e9:.1f} GB/s on 1 thread, {bw['read_all_Bps'] / 1e9:.1f} "
             f"GB/s on {bw['threads']}; copy (np.copyto, read + write) "
             f"{bw['copy_1t_Bps'] / 1e9:.1f} / {bw['copy_all_Bps'] / 1e9:.1f} GB/s. "
             f"Roofline uses {bw['roofline_Bps'] / 1e9:.1f} GB/s.")
    L.append("")

    L.append("## Targets (issue 5)")
    L.append("")
    L.append("| what | measured | target | met |")
    L.append("|---|---|---|---|")
    su = data.get("startup")
    ov = data.get("overhead")

    def trow(what, val, target, fmt):
        ok = "yes" if val <= target else "**no**"
        L.append(f"| {what} | {fmt(val)} | <= {fmt(target)} | {ok} |")

    if su:
        trow(f"cold compile of {su['case']} (fresh cache, new process; `iree_gn.compile`; "
             f"JAX imported: {'yes' if su['cold_jax_imported'] else 'no'})",
             su["cold_compile_s"], TARGETS["cold_compile_s"], lambda s: f"{s:.2f} s")
        L.append(f"| ... a second configuration in the same process | "
                 f"{su['second_compile_s']:.2f} s | | |")
        L.append(f"| ... then float64 (no hand-written kernel: traced with JAX, including "
                 f"importing it) | {su['jax_compile_s']:.2f} s | | |")
        trow(f"warm disk cache, fresh process: `import iree_gn` + first `group_norm` "
             f"({su['case']})", su["warm_first_call_s"], TARGETS["warm_first_call_s"],
             lambda s: f"{s:.3f} s")
        L.append(f"| ... whole process wall time (Python start, NumPy, import, call; JAX "
                 f"imported: {'yes' if su['warm_jax_imported'] else 'no'}) | "
                 f"{su['warm_process_wall_s']:.3f} s | | |")
    else:
        L.append("| startup | not measured (--no-startup) | | |")
    if ov:
        for key, label in (("op_call_overhead_s", "call overhead, 1x8x8x32, `op(x, g, b, out=)`"),
                           ("group_norm_call_overhead_s",
                            "call overhead, 1x8x8x32, `group_norm(x)`")):
            s = ov[key]
            ok = "yes" if s["median_s"] <= TARGETS[key] else "**no**"
            L.append(f"| {label} (median; min-max {_us(s['min_s'])}-{_us(s['max_s'])}) | "
                     f"{_us(s['median_s'])} | <= {_us(TARGETS[key])} | {ok} |")
    L.append("")

    names = [i.name for i in IMPLS]
    for key, title, text in (
            ("median_s", "Summary: median ms per call",
             "Best of each row in bold. `iree/best peer` is `iree_gn op(out=)` over the fastest "
             "peer (< 1 means iree_gn is faster). `copy` is a same-size `np.copyto`. Each "
             f"shape's calls are timed in {ROUNDS} rounds that visit every implementation in "
             "turn, so all see the same drift of load."),
            ("min_s", "Best case: min ms per call",
             "The fastest single call: less disturbed by other load on a shared machine than "
             "the median, but optimistic.")):
        L.append(f"## {title}")
        L.append("")
        L.append(text)
        L.append("")
        L.append("| shape | MB in | copy | " + " | ".join(names) + " | iree/best peer |")
        L.append("|---|---|---|" + "---|" * len(names) + "---|")
        for row in data["rows"]:
            res = {r["impl"]: r for r in row["results"]}
            timed = [r[key] for r in row["results"] if key in r and r["status"] == "ok"]
            best = min(timed) if timed else None
            cells = []
            for n in names:
                r = res.get(n)
                if r is None:
                    cells.append("-")
                elif key not in r:
                    cells.append(r["status"])
                else:
                    c = _ms(r[key])
                    if r["status"] != "ok":
                        c += " (ERR)"
                    elif r[key] == best:
                        c = f"**{c}**"
                    cells.append(c)
            peers = [r[key] for r in row["results"] if not r["ours"] and key in r
                     and r["status"] == "ok"]
            ours = res.get(names[0], {}).get(key)
            ratio = f"{ours / min(peers):.2f}" if peers and ours else "-"
            L.append(f"| {row['case']['name']} | {row['bytes_moved'] / 2 / 1e6:.2f} | "
                     f"{_ms(row['copy'][key])} | " + " | ".join(cells) + f" | {ratio} |")
        L.append("")

    L.append("## Details")
    L.append("")
    L.append("`% roofline` = (input bytes + output bytes) / copy bandwidth / median time; it can "
             "pass 100% for inputs that fit in L3. `x copy` = median / same-size copy time. "
             "Tolerance on max abs error vs the float64 reference: " +
             ", ".join(f"{k} {v:g}" for k, v in TOL.items()) + ".")
    L.append("")
    L.append("| shape | implementation | layout / path | median ms | min-max ms | n | x copy | "
             "% roofline | max abs err | status |")
    L.append("|---|---|---|---|---|---|---|---|---|---|")
    for row in data["rows"]:
        c = row["case"]
        label = f"{c['name']} ({c['note']})"
        for r in row["results"]:
            if "median_s" in r:
                L.append(f"| {label} | {r['impl']} | {r['layout']} | {_ms(r['median_s'])} | "
                         f"{_ms(r['min_s'])}-{_ms(r['max_s'])} | {r['n']} | "
                         f"{r['x_copy']:.1f} | {100 * r['roofline_frac']:.0f}% | "
                         f"{r['max_abs_err']:.1e} | {r['status']} |")
            else:
                L.append(f"| {label} | {r['impl']} | {r.get('layout', '-')} | - | - | - | - | "
                         f"- | - | {r['status']}: {r.get('detail', '')} |")
            label = ""
    L.append("")
    if data.get("chart"):
        L.append(f"![time per shape and % of roofline]({os.path.basename(data['chart'])})")
    else:
        L.append(f"Chart not drawn: {data.get('chart_error', 'matplotlib missing')}.")
    L.append("")
    with open(path, "w") as f:
        f.write("\n".join(L))


def write_chart(path: str, data: dict) -> Optional[str]:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as e:
        return f"matplotlib missing ({e})"
    rows = data["rows"]
    names = [i.name for i in IMPLS]
    shapes = [r["case"]["name"] for r in rows]
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(max(10, 1.3 * len(shapes) + 4), 10),
                                   gridspec_kw={"height_ratios": [3, 2]})
    width = 0.8 / (len(names) + 1)
    xs = np.arange(len(shapes))
    cmap = plt.get_cmap("tab10")
    for j, n in enumerate(["copy (floor)"] + names):
        def ms(row, key, j=j, n=n):
            if j == 0:
                return row["copy"][key] * 1e3
            r = next((r for r in row["results"] if r["impl"] == n), None)
            return r[key] * 1e3 if r and key in r else np.nan

        vals = [ms(row, "median_s") for row in rows]
        mins = [ms(row, "min_s") for row in rows]
        color = "lightgray" if j == 0 else cmap(j - 1)
        pos = xs + (j - len(names) / 2) * width
        ax1.bar(pos, vals, width, label=n, color=color,
                edgecolor="black" if j in (1, 2) else None, linewidth=0.5)
        ax1.plot(pos, mins, "k.", markersize=3, label="min" if j == 0 else None)
    ax1.set_yscale("log")
    ax1.set_ylabel("median ms per call (log)")
    ax1.set_xticks(xs)
    ax1.set_xticklabels(shapes, rotation=30, ha="right", fontsize=8)
    ax1.legend(fontsize=7, ncol=3)
    ax1.set_title("Group norm, median time per call (bars; dots: min), lower is better; "
                  "missing bars: peer missing or unsupported", fontsize=9)
    ax1.grid(axis="y", which="both", alpha=0.3)
    for j, n in enumerate(names[:2]):
        vals = []
        for row in rows:
            r = next((r for r in row["results"] if r["impl"] == n), None)
            vals.append(100 * r["roofline_frac"] if r and "roofline_frac" in r else np.nan)
        ax2.bar(xs + (j - 0.5) * 0.35, vals, 0.35, label=n, color=cmap(j))
    ax2.plot(xs, [100 * r["roofline_s"] / r["copy"]["median_s"] for r in rows], "k_",
             markersize=18, label="same-size np.copyto")
    ax2.axhline(100, color="gray", linestyle="--", linewidth=0.8)
    ax2.set_ylabel("% of memory roofline")
    ax2.set_xticks(xs)
    ax2.set_xticklabels(shapes, rotation=30, ha="right", fontsize=8)
    ax2.legend(fontsize=7)
    ax2.set_title(f"iree_gn: (bytes in + out) / {data['bandwidth']['roofline_Bps'] / 1e9:.1f} "
                  "GB/s / time (above 100%: the data sat in L3)", fontsize=9)
    ax2.grid(axis="y", alpha=0.3)
    fig.suptitle(f"{data['machine']['cpu']}, {data['machine']['cores_usable']} cores "
                 f"(shared machine, noisy)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return None


# ------------------------------------------------------------------------------------------
# Main
# ------------------------------------------------------------------------------------------
def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--quick", action="store_true",
                   help="few repeats on the small shapes (CI smoke test)")
    p.add_argument("--shapes", help="comma-separated case names (see --list)")
    p.add_argument("--repeats", type=int, help="max timed calls per implementation and shape "
                   "(default 200, --quick 10)")
    p.add_argument("--seconds", type=float, help="time budget per implementation and shape "
                   "(default 2, --quick 0.2)")
    p.add_argument("--out", default=os.path.join(REPO, "build_tools", "bench_results"),
                   help="output folder (default build_tools/bench_results)")
    p.add_argument("--startup-shape", help="case for the compile / first-call timings "
                   "(default 2x64x64x320; --quick: the first selected case)")
    p.add_argument("--no-startup", action="store_true",
                   help="skip the compile and fresh-process timings")
    p.add_argument("--list", action="store_true", help="list the cases and exit")
    p.add_argument("--backward", action="store_true", help="the backward tables instead "
                   "(op.vjp, PyTorch, jax.vjp; forward + backward through torch autograd): "
                   "writes backward.md and backward.json (build_tools/bench_backward.py)")
    return p.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.list:
        for c in CASES:
            print(f"{c.name:20s} {c.note}{'  (quick)' if c.quick else ''}")
        return 0
    if args.shapes:
        unknown = [n for n in args.shapes.split(",") if n not in CASES_BY_NAME]
        if unknown:
            print(f"unknown shape(s) {unknown}; known: {', '.join(CASES_BY_NAME)}",
                  file=sys.stderr)
            return 2
        cases = [CASES_BY_NAME[n] for n in args.shapes.split(",")]
    else:
        cases = [c for c in CASES if c.quick] if args.quick else list(CASES)
    budget = Budget(repeats=args.repeats or (10 if args.quick else 200),
                    seconds=args.seconds if args.seconds is not None
                    else (0.2 if args.quick else 2.0))
    if args.quick:
        budget.warmup_calls, budget.warmup_seconds = 2, 0.02
    os.makedirs(args.out, exist_ok=True)

    def log(msg):
        print(msg, flush=True)

    if args.backward:
        import bench_backward

        command = " ".join(["python build_tools/bench.py"] + list(
            argv if argv is not None else sys.argv[1:]))
        return bench_backward.run(cases, budget, args.out, command, log)

    data: Dict[str, Any] = {
        "command": " ".join(["python build_tools/bench.py"] + list(
            argv if argv is not None else sys.argv[1:])),
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "load_start": os.getloadavg(),
        "budget": dataclasses.asdict(budget),
        "tolerance": TOL,
        "targets": TARGETS,
    }
    data["machine"] = machine_info()
    log(f"machine: {data['machine']['cpu']}, {data['machine']['cores_usable']} cores")
    data["bandwidth"] = bandwidth(64 << 20, 3) if args.quick else bandwidth()
    bw = data["bandwidth"]
    log(f"bandwidth: read {bw['read_1t_Bps'] / 1e9:.1f}/{bw['read_all_Bps'] / 1e9:.1f} GB/s, "
        f"copy {bw['copy_1t_Bps'] / 1e9:.1f}/{bw['copy_all_Bps'] / 1e9:.1f} GB/s (1t/all)")

    if not args.no_startup:
        sc = CASES_BY_NAME[args.startup_shape] if args.startup_shape else (
            cases[0] if args.quick else CASES_BY_NAME["2x64x64x320"])
        log(f"startup timings on {sc.name} (subprocesses)...")
        try:
            data["startup"] = startup(sc, 1 if args.quick else 3, 1 if args.quick else 5)
            s = data["startup"]
            log(f"  cold compile {s['cold_compile_s']:.2f} s (second config "
                f"{s['second_compile_s']:.2f} s); warm import+first call "
                f"{s['warm_first_call_s']:.3f} s, process {s['warm_process_wall_s']:.2f} s")
        except Exception as e:
            data["startup_error"] = str(e)
            log(f"  startup timing failed: {e}")
    ov_budget = Budget(repeats=200 if args.quick else 5000, seconds=0.3 if args.quick else 3.0)
    data["overhead"] = call_overhead(ov_budget)
    log("call overhead: op(out=) {} / group_norm {}".format(
        _us(data["overhead"]["op_call_overhead_s"]["median_s"]),
        _us(data["overhead"]["group_norm_call_overhead_s"]["median_s"])))

    data["rows"] = []
    for case in cases:
        data["rows"].append(run_case(case, IMPLS, budget, bw, log))
        gc.collect()
    data["load_end"] = os.getloadavg()

    chart = os.path.join(args.out, "chart.png")
    err = write_chart(chart, data)
    if err:
        data["chart_error"] = err
        data["chart"] = None
    else:
        data["chart"] = chart
    write_markdown(os.path.join(args.out, "results.md"), data)
    out_json = dict(data)
    if out_json.get("chart"):
        out_json["chart"] = os.path.basename(out_json["chart"])
    with open(os.path.join(args.out, "results.json"), "w") as f:
        json.dump(out_json, f, indent=1, default=str)
    log(f"wrote {args.out}/results.md, results.json" + ("" if err else ", chart.png"))
    bad = [(row["case"]["name"], r["impl"]) for row in data["rows"] for r in row["results"]
           if r["ours"] and r["status"] != "ok"]
    if bad:
        log(f"iree_gn rows not ok: {bad}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
