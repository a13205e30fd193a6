"""A seeded fuzzer: random group-norm configurations, every call path, float64 reference.

One seed gives one configuration (``_case(seed)``: rank 2-5, any channel axis and set of
reduction axes, groups from the divisors of C, odd and size-1 axes, every dtype and
activation, center/scale, epsilon 0/small/large/negative, both variance algorithms, mean
offsets up to 1e4 and scales 1e-3..1e3, a CPU route), so one IREE compile, and that op is
then driven through every call path (``PATHS``: the op, ``out=`` aligned/plain/unaligned,
unaligned/strided/transposed/read-only/big-endian inputs, ``group_norm`` with and without
variables, reuse, threads, a dynamic axis, validation after a warm call). Each result is
checked against ``reference.ref_group_norm`` computed from the already-quantized input.

    python -m pytest -q tests/test_fuzz.py                   # the CI seeds (0..N_CI-1)
    IREE_GN_FUZZ_N=1000 python -m pytest -q -m slow tests/test_fuzz.py     # the long run
    python tests/test_fuzz.py SEED [--vulkan]                # one case, every path printed
    python tests/test_fuzz.py --summarize LOG.jsonl          # counts of a logged run

``IREE_GN_FUZZ_LOG=FILE`` appends one JSON line per case (config, each path's status and
error); ``IREE_GN_FUZZ_START`` moves the long run's first seed (default 1000).
"""

from __future__ import annotations

import concurrent.futures
import json
import math
import os
import sys
import tempfile
import time

if __name__ == "__main__":  # run standalone: keep the user's cache out of it
    os.environ.setdefault("IREE_GN_CACHE_DIR", os.environ.get(
        "IREE_GN_TEST_CACHE") or tempfile.mkdtemp(prefix="iree-gn-fuzz-"))
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import pytest  # noqa: E402

import iree_gn  # noqa: E402
from reference import ACT_REF, TOL, ref_group_moments, ref_group_norm, to_f64  # noqa: E402

N_CI = 60                      # the default run: seeds 0..N_CI-1, taken in order, not chosen
VULKAN_SEEDS = (0, 1, 2)       # the lavapipe variant (its own draw: no float64, small sizes)

DTYPES = ("float32", "float16", "bfloat16", "float64")
CHANNELS = (1, 2, 3, 4, 5, 6, 8, 9, 12, 15, 16, 20, 24, 32, 48, 64, 96, 128)
SIZES = (1, 1, 2, 3, 4, 5, 7, 8, 9, 13, 16, 17, 31, 32)
SIZES_BIG = (2, 7, 16, 17, 31, 32, 48, 64)
OFFSETS = (0.0, 0.5, 3.0, 100.0, 1e3, 1e4)
# Large means weigh more: accuracy at |mean| >> std is a promise of the README that only
# some routes keep (two-pass cases; one-pass ones are capped below).
OFFSET_WEIGHTS = (0.2, 0.1, 0.1, 0.15, 0.15, 0.3)
# Statistics are computed in float32 for 16-bit inputs, in float64 for float64.
EPS_COMPUTE = {"float32": 2.0 ** -23, "float16": 2.0 ** -23, "bfloat16": 2.0 ** -23,
               "float64": 2.0 ** -52}
# |offset| / scale is capped per input dtype so that the quantized input still has a
# spread (bfloat16 has 8 significant bits: at 1e4 its spacing is 64, every element of a
# std-1 group would round to one value and the group would be degenerate, not hard).
RATIO_CAP = {"float32": 1e7, "float64": 1e7, "float16": 256.0, "bfloat16": 32.0}
# One-pass variance (mean_close_to_zero=True, TF's sufficient statistics) is legitimately
# inaccurate when |mean| >> std (relative variance error ~ eps * (mean/std)^2): only
# two-pass cases get large offsets; one-pass ones keep |offset| <= 10 * scale.
ONE_PASS_RATIO_CAP = 10.0
ONE_PASS_UNTESTABLE = 0.05


# ---- the tolerance --------------------------------------------------------------------------
# Per element, with cond = |mean_g| / sqrt(var_g + epsilon) of the element's group (from the
# float64 reference moments of the quantized input) and eps_c the compute precision:
#
#   bound = LIP * (TOL.atol * G + extra) + TOL.rtol * |ref|,      G = max(1, max |gamma|)
#
# two-pass: extra = C_TWO_PASS * eps_c * cond * G, C_TWO_PASS = 1/16. Derivation: the
#   default variance is computed on data shifted by an element k of the group (README: "max
#   error 1e-6 at mean 1e4"). x - k is exact (Sterbenz: x and k within a factor 2 once
#   |mean| >> std), so every sum, the mean and variance of the shifted data and the
#   normalized (x - k) - (m - k) carry rounding relative to std, not to |mean|: no term
#   grows with cond. An unshifted form must round the mean itself to eps_c, an error of up to
#   eps_c/2 * |mean| in x - m, i.e. eps_c/2 * cond in y. C_TWO_PASS = 1/16 < 1/2 leaves a margin
#   for combining per-channel shifts, yet fails a route that rounds the mean (issue 12 item 4:
#   1.3e-3..6.6e-3 at cond 1e4 in float32, where this bound is ~1.7e-4).
# one-pass: extra = 4 * eps_c * sqrt(N) * (1 + cond)^2 * G * max(1, |ref|): E[x^2] - E[x]^2
#   sums N positive terms of size ~mean^2 + var; a float32 sum errs ~eps_c * sqrt(N) relative
#   (random walk; 4x for a 4-sigma margin), which the subtraction turns into a relative
#   variance error of eps_c * sqrt(N) * (1 + cond)^2, and y errs by half that, relatively.
#   Where that relative error could pass ONE_PASS_UNTESTABLE (5%: a small group with a tiny
#   spread) the element is not tested at all; TF's own formula is garbage there.
# TOL (reference.py) covers the rounding of statistics over up to 64K terms and of the output
#   to the dtype. LIP = 1.5 bounds the slope of every activation used (gelu 1.13, callable 1.5).
# Positions where var + epsilon < 0 must be NaN (as in TF), and only those.
C_TWO_PASS = 1.0 / 16
LIP = 1.5


def _act_callable(t):
    # A JAX callable (not a name): traced into the module; slope <= 1.5.
    import jax.numpy as jnp

    return t / (1 + jnp.abs(t)) + 0.5 * t


ACT_REF = dict(ACT_REF, callable=lambda y: y / (1 + np.abs(y)) + 0.5 * y)


def _np_dtype(name):
    if name == "bfloat16":
        import ml_dtypes

        return np.dtype(ml_dtypes.bfloat16)
    return np.dtype(name)


# ---- configurations -------------------------------------------------------------------------
def _pick(rng, seq, p=None):
    return seq[int(rng.choice(len(seq), p=p))]


def _layout(rng):
    rank = int(rng.integers(2, 6))
    ca = int(rng.integers(rank))
    others = [a for a in range(rank) if a != ca]
    kind = _pick(rng, ("kernel", "random", "none", "all"), p=[0.35, 0.4, 0.1, 0.15])
    if kind == "kernel" and ca != 0:   # what the hand-written CPU kernels serve
        red = [a for a in others if a != 0]
    elif kind == "none":
        red = []
    elif kind == "all":
        red = list(others)
    else:
        red = [a for a in others if rng.random() < 0.5]
    # Axes as the user may write them: negative half the time.
    red = [a - rank if rng.random() < 0.5 else a for a in red]
    ca_w = ca - rank if rng.random() < 0.5 else ca
    return rank, ca, ca_w, tuple(int(a) for a in rng.permutation(red)) if red else ()


def _shape(rng, rank, ca, limit):
    # A quarter of the cases fill their limit (the sizes where calls overlap in threads and
    # the CPU routes change), the rest stay small so that compiles dominate the run.
    sizes = SIZES_BIG if rng.random() < 0.25 else SIZES
    shape = [int(_pick(rng, sizes)) for _ in range(rank)]
    shape[ca] = int(_pick(rng, CHANNELS))
    while math.prod(shape) > limit:
        i = max((a for a in range(rank) if a != ca), key=lambda a: shape[a])
        shape[i] = (shape[i] + 1) // 2
    return tuple(shape)


def _case(seed: int, target: str = "llvm-cpu") -> dict:
    """The configuration of one seed (a JSON-able dict; epsilon depends on its data)."""
    rng = np.random.default_rng([seed, 0x67E, 1 if target == "vulkan" else 0])
    rank, ca, ca_w, red = _layout(rng)
    limit = _pick(rng, (512, 2048, 16384, 65536), p=[0.25, 0.3, 0.25, 0.2])
    if target == "vulkan":
        limit = min(limit, 8192)
    shape = _shape(rng, rank, ca, limit)
    C = shape[ca]
    dtypes = DTYPES if target != "vulkan" else DTYPES[:3]  # Vulkan rows have no float64
    dtype = _pick(rng, dtypes, p=[0.4, 0.2, 0.2, 0.2] if len(dtypes) == 4 else None)
    one_pass = bool(rng.random() < 0.3)
    scale_x = 1.0 if rng.random() < 0.4 else float(10 ** rng.uniform(-3, 3))
    offset = float(_pick(rng, OFFSETS, p=OFFSET_WEIGHTS)) * (1 if rng.random() < 0.5 else -1)
    cap = min(RATIO_CAP[dtype], ONE_PASS_RATIO_CAP if one_pass else math.inf)
    if abs(offset) > cap * scale_x:
        offset = math.copysign(cap * scale_x * float(rng.uniform(0.3, 1.0)), offset)
    kept = [a for a in range(rank) if a != ca and a not in {r % rank for r in red}]
    dyn = None
    if kept and rng.random() < 0.4:
        dyn = dict(axis=int(_pick(rng, kept)),
                   sizes=[int(s) for s in rng.choice(np.arange(1, 6), 2, replace=False)])
    cfg = dict(
        seed=seed, target=target, shape=shape, dtype=dtype,
        groups=int(_pick(rng, [g for g in range(1, C + 1) if C % g == 0])),
        channels_axis=ca_w, reduction_axes=red,
        center=bool(rng.random() < 0.7), scale=bool(rng.random() < 0.7),
        activation=_pick(rng, (None, None, None) + tuple(iree_gn.ACTIVATIONS) + ("callable",)),
        mean_close_to_zero=one_pass, offset=offset, scale_x=scale_x,
        epsilon_kind=_pick(rng, ("default", "zero", "small", "large", "negative"),
                           p=[0.3, 0.15, 0.15, 0.15, 0.25]),
        route=_pick(rng, ("default", "fused", "native"), p=[0.6, 0.2, 0.2])
        if target == "llvm-cpu" else target,
        dynamic=dyn, views=dict(strided_axis=int(rng.integers(rank)),
                                perm=[int(a) for a in rng.permutation(rank)],
                                bad_arg=_pick(rng, ("groups", "center", "mean_close_to_zero",
                                                    "channels_axis"))),
    )
    x, _, _ = _data(cfg)
    cfg["epsilon"], cfg["epsilon_kind"] = _pick_epsilon(cfg, x, rng)
    return cfg


def _data(cfg):
    """x, gamma, beta of a case, already in its dtype (the reference reads these)."""
    rng = np.random.default_rng([cfg["seed"], 0xDA7A])
    shape, dt = cfg["shape"], _np_dtype(cfg["dtype"])
    ca = cfg["channels_axis"] % len(shape)
    C = shape[ca]
    bshape = [1] * len(shape)
    bshape[ca] = C
    chan = 0.5 * rng.standard_normal(C).reshape(bshape)  # channels of a group differ in mean
    x = cfg["offset"] + cfg["scale_x"] * (rng.standard_normal(shape) + chan)
    gamma = 1 + 0.5 * rng.standard_normal(C)
    beta = 0.5 * rng.standard_normal(C)
    return x.astype(dt), gamma.astype(dt), beta.astype(dt)


def _moments(cfg, x):
    return ref_group_moments(x, cfg["groups"], cfg["channels_axis"], cfg["reduction_axes"])


def _pick_epsilon(cfg, x, rng):
    """Epsilon of the drawn kind; 0 and negative only where every group is well away from
    var + epsilon = 0 (there y is ill-conditioned, not wrong)."""
    kind = cfg["epsilon_kind"]
    if kind == "default":
        return 1e-6, kind
    if kind == "small":
        return float(_pick(rng, (1e-12, 1e-9, 1e-5))), kind
    if kind == "large":
        return float(_pick(rng, (0.1, 1.0, 100.0))), kind
    mean, var = _moments(cfg, x)
    v = np.unique(var)
    # The computed variance errs relatively by ~eps_c*sqrt(N) (two-pass), times (1+cond)^2
    # (one-pass); keep it under 1% for a zero or negative epsilon.
    n = _stat_count(cfg)
    cond = np.abs(mean) / np.sqrt(np.maximum(var, 1e-300))
    rel = 4 * EPS_COMPUTE[cfg["dtype"]] * math.sqrt(n) * (
        (1 + cond) ** 2 if cfg["mean_close_to_zero"] else 1 + C_TWO_PASS * cond)
    if v[0] <= 0 or rel.max() > 0.01 or (cfg["dtype"] in ("float16", "bfloat16") and n < 4):
        return 1e-6, kind + "->default (degenerate group)"
    if kind == "zero":
        return 0.0, kind
    # negative: all groups positive, some NaN (between two variances >= 1.5x apart), all NaN
    choices = [-0.5 * float(v[0]), -2.0 * float(v[-1])]
    gaps = [i for i in range(len(v) - 1) if v[i + 1] >= 1.5 * v[i]]
    if gaps:
        i = _pick(rng, gaps)
        choices.append(-math.sqrt(float(v[i]) * float(v[i + 1])))
    return float(_pick(rng, choices)), kind


def _stat_count(cfg):
    """Elements per statistic: the group's channels x the reduction axes."""
    shape, rank = cfg["shape"], len(cfg["shape"])
    n = shape[cfg["channels_axis"] % rank] // cfg["groups"]
    for a in cfg["reduction_axes"]:
        n *= shape[a % rank]
    return n


# ---- reference and comparison ---------------------------------------------------------------
def _spec_kwargs(cfg):
    return dict(groups=cfg["groups"], channels_axis=cfg["channels_axis"],
                reduction_axes=cfg["reduction_axes"], center=cfg["center"],
                scale=cfg["scale"], epsilon=cfg["epsilon"],
                mean_close_to_zero=cfg["mean_close_to_zero"])


def _activation(cfg):
    return _act_callable if cfg["activation"] == "callable" else cfg["activation"]


def _expected(cfg, x, gamma, beta, params=True):
    """(reference, per-element bound) for x; params=False: gamma ones, beta zeros."""
    g = gamma if params and cfg["scale"] else None
    b = beta if params and cfg["center"] else None
    with np.errstate(invalid="ignore", divide="ignore"):
        y = ref_group_norm(x, cfg["groups"], cfg["channels_axis"], cfg["reduction_axes"],
                           g, b, cfg["epsilon"], None, cfg["mean_close_to_zero"])
        ref = ACT_REF[cfg["activation"]](y)
        mean, var = _moments(cfg, x)
        cond = np.abs(mean) / np.sqrt(var + cfg["epsilon"])
    G = max(1.0, float(np.abs(to_f64(g)).max())) if g is not None else 1.0
    eps_c, tol = EPS_COMPUTE[cfg["dtype"]], TOL[cfg["dtype"]]
    if cfg["mean_close_to_zero"]:
        rel = 4 * eps_c * math.sqrt(_stat_count(cfg)) * (1 + cond) ** 2
        extra = rel * G * np.maximum(1, np.abs(ref))
    else:
        rel, extra = 0.0, C_TWO_PASS * eps_c * cond * G
    bound = LIP * (tol["atol"] * G + extra) + tol["rtol"] * np.abs(ref)
    # One-pass groups whose variance may legitimately err by over 5% (a small group with a
    # tiny spread: TF's formula can even go negative there) are not tested (bound inf).
    return ref, np.where(rel > ONE_PASS_UNTESTABLE, np.inf, bound)


class Mismatch(AssertionError):
    pass


def _compare(y, x, ref, bound, dtype):
    """Max |y - ref| where both are finite; raises Mismatch with the worst element."""
    # Either byte order is the input's dtype (a big-endian input may give a big-endian y).
    if not isinstance(y, np.ndarray) or y.shape != x.shape or (
            y.dtype.newbyteorder("=") != _np_dtype(dtype)):
        raise Mismatch(f"result {type(y).__name__} {getattr(y, 'shape', '')} "
                       f"{getattr(y, 'dtype', '')}; expected {x.shape} {dtype}")
    y64 = to_f64(y)
    tested = np.isfinite(bound) | np.isnan(ref)
    nan_ref, nan_y = np.isnan(ref) & tested, np.isnan(y64) & tested
    if (nan_ref != nan_y).any():
        i = np.unravel_index(np.argmax(nan_ref != nan_y), x.shape)
        raise Mismatch(f"NaN positions differ: {int((nan_ref & ~nan_y).sum())} expected NaN "
                       f"not NaN, {int((nan_y & ~nan_ref).sum())} unexpected NaN; e.g. at "
                       f"{tuple(int(a) for a in i)}: got {y64[i]!r}, expected {ref[i]!r}")
    ok = ~nan_ref & tested
    if not ok.any():
        return None  # nothing testable (all NaN, or untestable one-pass groups)
    err = np.where(ok, np.abs(y64 - np.where(ok, ref, 0)), 0)
    err = np.where(np.isfinite(err), err, np.inf)
    excess = err / np.where(ok, bound, 1)
    i = np.unravel_index(np.argmax(excess), x.shape)
    if excess[i] > 1:
        raise Mismatch(f"max |error| {err.max():.3g}; worst at {tuple(int(a) for a in i)}: got "
                       f"{y64[i]!r}, expected {ref[i]!r}, bound {bound[i]:.3g}; "
                       f"{int((excess > 1).sum())} of {x.size} elements out of bound")
    return float(err.max())


# ---- input variants -------------------------------------------------------------------------
def _unaligned(a):
    """A C-contiguous copy at a byte offset that is a multiple of the itemsize, never of 64."""
    buf = np.empty(a.nbytes + 192, np.uint8)
    off = (-buf.ctypes.data) % 64 + a.dtype.itemsize
    v = buf[off:off + a.nbytes].view(a.dtype).reshape(a.shape)
    v[...] = a
    return v


def _strided(a, axis):
    """A view of a with stride 2 elements along ``axis`` (an axis > 1 where there is one)."""
    axis %= a.ndim
    big = [i for i in range(a.ndim) if a.shape[i] > 1]
    if big and a.shape[axis] == 1:
        axis = big[axis % len(big)]
    shp = list(a.shape)
    shp[axis] *= 2
    sl = [slice(None)] * a.ndim
    sl[axis] = slice(None, None, 2)
    v = np.zeros(shp, a.dtype)[tuple(sl)]
    v[...] = a
    return v


def _transposed(a, perm):
    if list(perm) == sorted(perm):
        perm = perm[::-1]
    return np.ascontiguousarray(a.transpose(perm)).transpose(np.argsort(perm))


def _readonly(a):
    a = a.copy()
    a.flags.writeable = False
    return a


def _big_endian(a):
    return a.astype(a.dtype.newbyteorder(">"))


# ---- the call paths -------------------------------------------------------------------------
def _target(cfg):
    if cfg["route"] in ("default", "vulkan"):
        return cfg["target"]
    from targets_for_tests import CPU_FUSED, CPU_NATIVE  # the rows test_numerics forces too

    return CPU_FUSED if cfg["route"] == "fused" else CPU_NATIVE


def _gn(cfg, x, gamma=None, beta=None, **kw):
    init = {}
    if gamma is not None:
        init = {"gamma": gamma, "beta": beta}
    return iree_gn.group_norm(x, activation_fn=_activation(cfg), target=_target(cfg),
                              param_initializers=init or None, **_spec_kwargs(cfg), **kw)


def _paths(cfg, op, x, gamma, beta):
    """name -> thunk giving (result, the x it normalized, params used?) for each call path."""
    p = [a for a, on in ((gamma, cfg["scale"]), (beta, cfg["center"])) if on]
    v = cfg["views"]

    def out_call(out):
        def run():
            y = op(x, *p, out=out)
            if y is not out:
                raise Mismatch("op(out=) did not return out")
            return out, x, True
        return run

    def scoped():
        with iree_gn.VariableStore():
            y1 = _gn(cfg, x, gamma, beta, scope="fz")
            y2 = _gn(cfg, x, gamma, beta, scope="fz", reuse=True)  # the reuse fast path
            y3 = _gn(cfg, x, gamma, beta, scope="fz", reuse=iree_gn.AUTO_REUSE)
        for y in (y1, y2):
            if not np.array_equal(to_f64(y), to_f64(y3), equal_nan=True):
                raise Mismatch("group_norm with reuse=True / AUTO_REUSE differs from the "
                               "first call on the same variables")
        return y1, x, True

    def gn_out():
        out = iree_gn.empty(x.shape, x.dtype)
        with iree_gn.VariableStore():
            y = _gn(cfg, x, gamma, beta, out=out)
        if y is not out:
            raise Mismatch("group_norm(out=) did not return out")
        return out, x, True

    pr = [_readonly(a) for a in p]
    paths = {
        "op": lambda: (op(x, *p), x, True),
        "op-out-aligned": out_call(iree_gn.empty(x.shape, x.dtype)),
        "op-out-plain": out_call(np.empty(x.shape, x.dtype)),
        "op-out-unaligned": out_call(_unaligned(np.empty(x.shape, x.dtype))),
        "op-x-unaligned": lambda: (op(_unaligned(x), *[_unaligned(a) for a in p]), x, True),
        "op-x-strided": lambda: (op(_strided(x, v["strided_axis"]), *[a[::-1].copy()[::-1]
                                                                       for a in p]), x, True),
        "op-x-transposed": lambda: (op(_transposed(x, v["perm"]), *p), x, True),
        "op-readonly": lambda: (op(_readonly(x), *pr), x, True),
        "gn-scope": scoped,
        "gn-plain": lambda: (_gn(cfg, x), x, False),
        "gn-out": gn_out,
    }
    if cfg["dtype"] != "bfloat16":  # NumPy has no big-endian bfloat16
        be = [_big_endian(a) for a in p]
        paths["op-bigendian"] = lambda: (op(_big_endian(x), *be), x, True)

        def be_held():
            # Native params, and two earlier results still held by the caller, so that the
            # op must allocate this result (a byte-swapped one must not stay in its pool).
            held = [op(x, *p), op(x, *p)]
            y = op(_big_endian(x), *p)
            del held
            return y, x, True
        paths["op-bigendian-x"] = be_held
        paths["gn-bigendian"] = lambda: (_gn(cfg, _big_endian(x), *(
            (_big_endian(gamma), _big_endian(beta)))), x, True)
        paths["op-after-bigendian"] = lambda: (op(x, *p), x, True)
    return paths


def _thread_inputs(cfg, x, gamma, beta, i):
    """Thread i's own (x, gamma, beta): x rolled along a non-channel axis (the same group
    variances, so the epsilon stays well-conditioned) and scaled/shifted parameters, so
    that a result handed to the wrong thread is seen."""
    ca = cfg["channels_axis"] % x.ndim
    axes = [a for a in range(x.ndim) if a != ca and x.shape[a] > 1]
    xi = np.roll(x, i, axis=axes[i % len(axes)]) if axes else x.copy()
    dt = x.dtype
    gi = (to_f64(gamma) * (1 + 0.125 * i)).astype(dt)
    bi = (to_f64(beta) + 0.25 * i).astype(dt)
    return xi, gi, bi


def _threads(cfg, op, x, gamma, beta):
    """8 threads, released together, each calling the op 6 times on its own data and its
    own kind of input (plain, read-only, strided, unaligned, with unaligned parameters)."""
    import threading

    kinds = ("plain", "readonly", "strided", "unaligned")
    makers = (np.copy, _readonly, lambda a: _strided(a, cfg["views"]["strided_axis"]),
              _unaligned)
    data = [_thread_inputs(cfg, x, gamma, beta, i) for i in range(8)]
    calls = []
    for i, (xi, gi, bi) in enumerate(data):
        p = [a for a, on in ((gi, cfg["scale"]), (bi, cfg["center"])) if on]
        calls.append([(makers[i % 4](xi), [makers[i % 4](a) for a in p]) for _ in range(6)])
    start = threading.Barrier(8)

    def worker(i):
        start.wait(timeout=120)
        return [op(xc, *pc) for xc, pc in calls[i]]

    with concurrent.futures.ThreadPoolExecutor(8) as ex:
        ys = list(ex.map(worker, range(8)))
    worst, bad = 0.0, []
    for i, yi in enumerate(ys):
        ref, bound = _expected(cfg, *data[i])
        for y in yi:
            try:
                worst = max(worst, _compare(y, data[i][0], ref, bound, cfg["dtype"]) or 0.0)
            except Mismatch as e:
                bad.append(f"thread {i} ({kinds[i % 4]} inputs): {e}")
    if bad:
        raise Mismatch(f"{len(bad)} of 48 threaded calls wrong; " + bad[0])
    return worst


def _dynamic(cfg, x, gamma, beta, rng):
    d = cfg["dynamic"]
    shape = list(cfg["shape"])
    shape[d["axis"]] = None
    op = iree_gn.compile(shape, cfg["dtype"], activation=_activation(cfg), target=_target(cfg),
                         **_spec_kwargs(cfg))
    p = [a for a, on in ((gamma, cfg["scale"]), (beta, cfg["center"])) if on]
    worst = 0.0
    for n in d["sizes"]:
        xd = np.take(x, rng.integers(0, x.shape[d["axis"]], n), axis=d["axis"])
        ref, bound = _expected(cfg, xd, gamma, beta)
        worst = max(worst, _compare(op(xd, *p), xd, ref, bound, cfg["dtype"]) or 0.0)
        xs = _strided(xd, cfg["views"]["strided_axis"])
        worst = max(worst, _compare(op(xs, *p), xd, ref, bound, cfg["dtype"]) or 0.0)
    return worst


_BAD = {"groups": float, "center": int, "mean_close_to_zero": int, "channels_axis": float}


def _validation(cfg, x):
    """An argument of the wrong type after a warm call must get the answer a fresh
    validation gives (GroupNormSpec.create), not the cached spec's."""
    name = cfg["views"]["bad_arg"]
    kw = _spec_kwargs(cfg)
    kw[name] = _BAD[name](kw[name])
    try:
        iree_gn.GroupNormSpec.create(x.shape, cfg["dtype"], activation=_activation(cfg), **kw)
        fresh = None
    except (ValueError, TypeError) as e:
        fresh = type(e).__name__
    kw["activation_fn"] = _activation(cfg)
    try:
        with iree_gn.VariableStore():
            iree_gn.group_norm(x, target=_target(cfg), **kw)
        warm = None
    except (ValueError, TypeError) as e:
        warm = type(e).__name__
    if fresh != warm:
        raise Mismatch(f"group_norm({name}={kw[name]!r}) after a valid call: "
                       f"{warm or 'accepted'}; a fresh GroupNormSpec.create: {fresh or 'accepted'}")
    return 0.0


def _out_strided(cfg, op, x, p, ref, bound):
    """A non-contiguous out=: rejected with ValueError (the documented rule) or filled right."""
    out = _strided(np.empty(x.shape, x.dtype), cfg["views"]["strided_axis"])
    if out.flags.c_contiguous:
        return "n/a"
    try:
        op(x, *p, out=out)
    except ValueError:
        return "rejected"
    _compare(out, x, ref, bound, cfg["dtype"])
    return "accepted"


def _run(cfg) -> list:
    """Run every path of a case; a list of dicts (path, status, err or error message)."""
    x, gamma, beta = _data(cfg)
    p = [a for a, on in ((gamma, cfg["scale"]), (beta, cfg["center"])) if on]
    ref, bound = _expected(cfg, x, gamma, beta)
    results = []

    def record(name, fn):
        try:
            err = fn()
            results.append(dict(path=name, status="ok", err=err))
        except Mismatch as e:
            results.append(dict(path=name, status="wrong", msg=str(e)))
        except Exception as e:  # noqa: BLE001 - every failure is a finding, recorded
            first = (str(e).strip().splitlines() or [""])[0][:300]
            results.append(dict(path=name, status="error", msg=f"{type(e).__name__}: {first}"))

    try:
        op = iree_gn.compile(x.shape, cfg["dtype"], activation=_activation(cfg),
                             target=_target(cfg), **_spec_kwargs(cfg))
    except Exception as e:  # noqa: BLE001
        first = (str(e).strip().splitlines() or [""])[0][:300]
        return [dict(path="compile", status="error", msg=f"{type(e).__name__}: {first}")]
    strided_out = {}

    def out_strided(key):
        def run():
            strided_out[key] = _out_strided(cfg, op, x, p, ref, bound)
            if key == "later" and strided_out.get("first") not in (None, strided_out[key]):
                raise Mismatch(f"non-contiguous out= {strided_out['first']} on the op's first "
                               f"call, {strided_out[key]} later")
            return 0.0
        return run

    paths = _paths(cfg, op, x, gamma, beta)
    extra = {
        "validation": lambda: _validation(cfg, x),
        "op-out-strided-later": out_strided("later"),
        "threads": lambda: _threads(cfg, op, x, gamma, beta),
    }
    if cfg["dynamic"]:
        extra["dynamic"] = lambda: _dynamic(cfg, x, gamma, beta,
                                            np.random.default_rng(cfg["seed"]))

    def checked(thunk):
        def run():
            y, xr, params = thunk()
            r, b = (ref, bound) if params else _expected(cfg, xr, gamma, beta, params=False)
            return _compare(y, xr, r, b, cfg["dtype"])
        return run

    record("op-out-strided-first", out_strided("first"))
    # Byte-swapped inputs last: a defect there may poison the op's later calls, which
    # op-after-bigendian then shows as its own finding.
    for name, thunk in paths.items():
        if "bigendian" not in name:
            record(name, checked(thunk))
    for name, fn in extra.items():
        record(name, fn)
    for name, thunk in paths.items():
        if "bigendian" in name:
            record(name, checked(thunk))
    return results


def _describe(cfg) -> str:
    return json.dumps(cfg, default=str)


def _check(seed: int, target: str = "llvm-cpu") -> None:
    cfg = _case(seed, target)
    t0 = time.perf_counter()
    results = _run(cfg)
    log = os.environ.get("IREE_GN_FUZZ_LOG")
    if log:
        with open(log, "a") as f:
            f.write(json.dumps(dict(cfg=cfg, results=results,
                                    seconds=round(time.perf_counter() - t0, 3)),
                               default=str) + "\n")
    bad = [r for r in results if r["status"] != "ok"]
    if bad:
        lines = [f"fuzz seed {seed} ({target}): {len(bad)} of {len(results)} call paths failed",
                 f"config: {_describe(cfg)}",
                 f"reproduce: python tests/test_fuzz.py {seed}"
                 + (" --vulkan" if target == "vulkan" else "")]
        lines += [f"  {r['path']}: {r['status']}: {r['msg']}" for r in bad]
        pytest.fail("\n".join(lines), pytrace=False)


# ---- the tests ------------------------------------------------------------------------------
@pytest.mark.parametrize("seed", range(N_CI))
def test_fuzz(seed):
    _check(seed)


_START = int(os.environ.get("IREE_GN_FUZZ_START", "1000"))


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(_START, _START + int(os.environ.get("IREE_GN_FUZZ_N",
                                                                             "1000"))))
def test_fuzz_long(seed):
    _check(seed)


def require_vulkan() -> None:
    """Skip (with the reason) where no Vulkan device is here."""
    from iree_gn import _targets

    try:
        _targets.resolve("vulkan")
    except _targets.DeviceNotFound as e:
        pytest.skip(f"no Vulkan device here (CI installs Mesa lavapipe): {e}")


@pytest.mark.vulkan
@pytest.mark.parametrize("seed", VULKAN_SEEDS)
def test_fuzz_vulkan(seed):
    require_vulkan()
    _check(seed, "vulkan")


def test_fuzzer_catches_a_wrong_result():
    # The comparison is not vacuous: one wrong element, or a NaN where none is due, fails it.
    cfg = _case(0)
    x, gamma, beta = _data(cfg)
    ref, bound = _expected(cfg, x, gamma, beta)
    y = np.asarray(np.where(np.isnan(ref), 0, ref)).astype(x.dtype)
    y.flat[x.size // 2] += 0.25 + 2 * float(np.abs(to_f64(y)).max())
    with pytest.raises(Mismatch):
        _compare(y, x, ref, bound, cfg["dtype"])
    assert _compare(np.asarray(ref).astype(x.dtype), x, ref, bound, cfg["dtype"]) >= 0


# ---- standalone: one case, or a summary of a logged run -------------------------------------
def _signature(r) -> str:
    """A failure's class: its path, status and message with the numbers taken out."""
    import re

    msg = re.sub(r"/tmp/\S+|\(\w+ inputs\)", "", r.get("msg", ""))
    msg = re.sub(r"0x[0-9a-f]+|[-+]?\d[\d.e+-]*", "#", msg)
    msg = re.sub(r"\(#, #[^)]*\)|\[[^\]]*\]", "#", msg)
    return f"{r['path']}: {r['status']}: {msg[:140]}"


def summarize(path) -> str:
    """Markdown counts of a logged run: cases, failures by class, max error per dtype."""
    cases = [json.loads(line) for line in open(path) if line.strip()]
    classes, worst, failed = {}, {}, 0
    for c in cases:
        cfg, bad = c["cfg"], [r for r in c["results"] if r["status"] != "ok"]
        failed += bool(bad)
        for r in bad:
            classes.setdefault(_signature(r), []).append(cfg)
        for r in c["results"]:
            if r["status"] == "ok" and isinstance(r.get("err"), float):
                k = (cfg["dtype"], "one-pass" if cfg["mean_close_to_zero"] else "two-pass",
                     "<= 100" if abs(cfg["offset"]) <= 100 * cfg["scale_x"] else "> 100")
                if r["err"] > worst.get(k, (0,))[0]:
                    worst[k] = (r["err"], cfg["seed"], r["path"])
    out = [f"cases: {len(cases)}, with a failure: {failed}, seconds: "
           f"{sum(c['seconds'] for c in cases):.0f}", "",
           "| failures (cases) | class | seeds | smallest config |", "|---|---|---|---|"]
    for sig, cfgs in sorted(classes.items(), key=lambda kv: -len(kv[1])):
        small = min(cfgs, key=lambda cf: math.prod(cf["shape"]))
        desc = {k: small[k] for k in ("shape", "dtype", "groups", "channels_axis",
                                      "reduction_axes", "activation", "epsilon", "route")}
        seeds = ", ".join(f"{c['seed']}{'v' if c['target'] == 'vulkan' else ''}" for c in cfgs[:6])
        out.append(f"| {len(cfgs)} | `{sig}` | {seeds} "
                   f"| `{json.dumps(desc)}` |")
    out += ["", "| dtype | variance | abs(offset)/scale | max abs error (passing paths) | "
            "seed, path |", "|---|---|---|---|---|"]
    for (dt, var, ratio), (e, seed, p) in sorted(worst.items()):
        out.append(f"| {dt} | {var} | {ratio} | {e:.3g} | {seed}, {p} |")
    return "\n".join(out)


def _main(argv):
    if argv and argv[0] == "--summarize":
        print(summarize(argv[1]))
        return 0
    seed = int(argv[0])
    target = "vulkan" if "--vulkan" in argv else "llvm-cpu"
    cfg = _case(seed, target)
    print(_describe(cfg))
    for r in _run(cfg):
        print(f"{r['path']:24s} {r['status']:6s} {r.get('msg', r.get('err'))}")
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
