"""An independent float64 NumPy reference for group norm (TF 1.x contrib semantics).

Written without the package's code: it slices each group out of the channel axis and
takes moments over that slice and the reduction axes, in float64.
"""

import math

import numpy as np

_erf = np.vectorize(math.erf)

ACT_REF = {
    None: lambda y: y,
    "relu": lambda y: np.maximum(y, 0),
    "relu6": lambda y: np.clip(y, 0, 6),
    "silu": lambda y: y / (1 + np.exp(-y)),
    "swish": lambda y: y / (1 + np.exp(-y)),
    "gelu": lambda y: 0.5 * y * (1 + _erf(y / math.sqrt(2))),
    "gelu_tanh": lambda y: 0.5 * y * (1 + np.tanh(math.sqrt(2 / math.pi) * (y + 0.044715 * y**3))),
    "sigmoid": lambda y: 1 / (1 + np.exp(-y)),
    "tanh": np.tanh,
    "elu": lambda y: np.where(y > 0, y, np.expm1(np.minimum(y, 0))),
    "leaky_relu": lambda y: np.where(y > 0, y, 0.2 * y),
}


def to_f64(a):
    a = np.asarray(a)
    if a.dtype.name == "bfloat16":
        a = a.astype(np.float32)
    return a.astype(np.float64)


def ref_group_norm(x, groups, channels_axis=-1, reduction_axes=(-3, -2), gamma=None,
                   beta=None, epsilon=1e-6, activation=None, one_pass=False):
    x = to_f64(x)
    r = x.ndim
    ca = channels_axis % r
    axes = tuple(sorted({a % r for a in reduction_axes} | {ca}))
    C = x.shape[ca]
    cg = C // groups
    y = np.empty_like(x)
    for g in range(groups):
        sl = [slice(None)] * r
        sl[ca] = slice(g * cg, (g + 1) * cg)
        xs = x[tuple(sl)]
        # Centre on one element of each (sample, group): x - k is exact (Sterbenz) when the
        # group's spread is small against its mean, so the float64 reference keeps ~1e-16
        # relative accuracy at any |mean| / std. Forming the float64 mean itself would round
        # it by 1e-16 |mean| and err by 1e-16 |mean| / std in every element (5e-10 at
        # mean 1e4, std 5e-3: as large as the float64 inputs' own errors, found by the fuzzer).
        k = xs[tuple(slice(0, 1) if i in axes else slice(None) for i in range(r))]
        d = xs - k
        m = d.mean(axis=axes, keepdims=True)
        if one_pass:
            mx = xs.mean(axis=axes, keepdims=True)
            v = np.maximum((xs * xs).mean(axis=axes, keepdims=True) - mx * mx, 0)
        else:
            v = ((d - m) ** 2).mean(axis=axes, keepdims=True)
        y[tuple(sl)] = (d - m) / np.sqrt(v + epsilon)
    bshape = [1] * r
    bshape[ca] = C
    if gamma is not None:
        y = y * to_f64(gamma).reshape(bshape)
    if beta is not None:
        y = y + to_f64(beta).reshape(bshape)
    return ACT_REF[activation](y)


# Tolerances against the float64 reference, for outputs of magnitude ~1-5.
# float32: statistics accumulate ~1e4-1e5 terms; with IREE's vectorized (lane-split) sums
#   the relative error of mean/var is ~1e-6, so 1e-4 leaves a wide margin yet catches any
#   wrong element (errors of a wrong group or stride are O(1)).
# float16: the output is rounded to 11 bits (half-ulp 2^-11 relative ~ 4.9e-4, 2e-3 abs at
#   |y|~4); bfloat16: 8 bits (half-ulp 2^-8 relative ~ 3.9e-3).
# float64: computed in float64 end to end.
TOL = {
    "float32": dict(rtol=1e-4, atol=1e-4),
    "float16": dict(rtol=2e-3, atol=2e-3),
    "bfloat16": dict(rtol=1e-2, atol=1e-2),
    "float64": dict(rtol=1e-10, atol=1e-10),
}


def assert_close(y, ref, dtype):
    y64 = to_f64(y)
    np.testing.assert_allclose(y64, ref, **TOL[dtype])


def ref_group_moments(x, groups, channels_axis=-1, reduction_axes=(-3, -2)):
    """Per-element float64 (mean, var) of the group each element belongs to (two-pass).

    The statistics ``ref_group_norm`` normalizes with, broadcast to ``x``'s shape, so that a
    test can state per-element conditioning (|mean| / sqrt(var + epsilon)) and pick
    epsilons on either side of a group's variance.
    """
    x = to_f64(x)
    r = x.ndim
    ca = channels_axis % r
    axes = tuple(sorted({a % r for a in reduction_axes} | {ca}))
    cg = x.shape[ca] // groups
    mean, var = np.empty_like(x), np.empty_like(x)
    for g in range(groups):
        sl = [slice(None)] * r
        sl[ca] = slice(g * cg, (g + 1) * cg)
        xs = x[tuple(sl)]
        m = xs.mean(axis=axes, keepdims=True)
        mean[tuple(sl)] = m
        var[tuple(sl)] = ((xs - m) ** 2).mean(axis=axes, keepdims=True)
    return mean, var


# ---- the backward (issue 11) -------------------------------------------------------------
# d act(y) / dy, written out by hand in float64 (independent of JAX's autodiff).
def _gelu_tanh_grad(y):
    c = math.sqrt(2 / math.pi)
    t = np.tanh(c * (y + 0.044715 * y**3))
    return 0.5 * (1 + t) + 0.5 * y * (1 - t * t) * c * (1 + 3 * 0.044715 * y * y)


def _sig(y):
    return 1 / (1 + np.exp(-y))


ACT_GRAD_REF = {
    None: lambda y: np.ones_like(y),
    "relu": lambda y: (y > 0).astype(np.float64),
    "relu6": lambda y: ((y > 0) & (y < 6)).astype(np.float64),
    "silu": lambda y: _sig(y) * (1 + y * (1 - _sig(y))),
    "swish": lambda y: _sig(y) * (1 + y * (1 - _sig(y))),
    "gelu": lambda y: 0.5 * (1 + _erf(y / math.sqrt(2))) + y * np.exp(-0.5 * y * y) / math.sqrt(
        2 * math.pi),
    "gelu_tanh": _gelu_tanh_grad,
    "sigmoid": lambda y: _sig(y) * (1 - _sig(y)),
    "tanh": lambda y: 1 - np.tanh(y) ** 2,
    "elu": lambda y: np.where(y > 0, 1.0, np.exp(np.minimum(y, 0))),
    "leaky_relu": lambda y: np.where(y > 0, 1.0, 0.2),
}


def ref_group_norm_vjp(x, dy, groups, channels_axis=-1, reduction_axes=(-3, -2), gamma=None,
                       beta=None, epsilon=1e-6, activation=None, one_pass=False,
                       act_grad=None):
    """(dx, dgamma, dbeta) of ``ref_group_norm`` at x for the output cotangent dy, float64.

    Analytic, per group slice: xhat = (x - m) r, z = xhat * gamma + beta,
    dz = dy * act'(z), w = gamma * dz, dx = r (w - mean(w) - xhat mean(w xhat)),
    dgamma = sum dz * xhat, dbeta = sum dz (over every axis but the channel axis).
    dgamma/dbeta are returned even when gamma/beta are None (the caller drops them).
    With one_pass the variance is E[x^2] - E[x]^2 clipped at 0 (the same function of x).
    ``act_grad``: act' for an activation not in ``ACT_GRAD_REF`` (a test's own callable).
    """
    x, dy = to_f64(x), to_f64(dy)
    r = x.ndim
    ca = channels_axis % r
    axes = tuple(sorted({a % r for a in reduction_axes} | {ca}))
    C = x.shape[ca]
    cg = C // groups
    bshape = [1] * r
    bshape[ca] = C
    g = to_f64(gamma).reshape(bshape) if gamma is not None else np.ones(bshape)
    b = to_f64(beta).reshape(bshape) if beta is not None else np.zeros(bshape)
    xhat = np.empty_like(x)
    rstd = np.empty_like(x)
    for gi in range(groups):
        sl = [slice(None)] * r
        sl[ca] = slice(gi * cg, (gi + 1) * cg)
        sl = tuple(sl)
        xs = x[sl]
        m = xs.mean(axis=axes, keepdims=True)
        if one_pass:
            v = np.maximum((xs * xs).mean(axis=axes, keepdims=True) - m * m, 0)
        else:
            v = ((xs - m) ** 2).mean(axis=axes, keepdims=True)
        rs = 1 / np.sqrt(v + epsilon)
        xhat[sl] = (xs - m) * rs
        rstd[sl] = np.broadcast_to(rs, xs.shape)
    dz = dy * (act_grad or ACT_GRAD_REF[activation])(xhat * g + b)
    w = dz * g
    dx = np.empty_like(x)
    for gi in range(groups):
        sl = [slice(None)] * r
        sl[ca] = slice(gi * cg, (gi + 1) * cg)
        sl = tuple(sl)
        ws, xh = w[sl], xhat[sl]
        dx[sl] = rstd[sl] * (ws - ws.mean(axis=axes, keepdims=True)
                             - xh * (ws * xh).mean(axis=axes, keepdims=True))
    other = tuple(i for i in range(r) if i != ca)
    return dx, (dz * xhat).sum(axis=other), dz.sum(axis=other)


def grad_rel_error(got, ref):
    """max |got - ref| / max |ref|: the error relative to the cotangent's scale (elements
    of a gradient near zero have no meaningful elementwise relative error)."""
    ref = np.asarray(ref, np.float64)
    return float(np.abs(to_f64(got) - ref).max() / max(np.abs(ref).max(), 1e-300))


# ---- the bounds the benchmarks and device scripts apply (build_tools/bench/) ----------------
def max_abs_bound(ref, dtype):
    """The largest max |got - ref| that ``assert_close`` accepts for any element of ``ref``:
    ``atol + rtol * max |ref|`` with ``TOL[dtype]``. One number per output, for reports
    that state a single error (the benchmarks, the device check) against the same TOL."""
    tol = TOL[dtype]
    return tol["atol"] + tol["rtol"] * float(np.abs(np.asarray(ref, np.float64)).max())


# Tolerances of grad_rel_error per dtype (the backward, issue 11), justified:
#   float32: the statistics and the three group sums run over <= 2K terms in float32 (relative
#     error ~1e-6 each); dx = r (w - mean w - xhat mean(w xhat)) adds a few roundings, dgamma
#     sums up to 1K products: 2e-5 is ~10x the errors measured (2e-7..2e-6), at every mean.
#   float16 / bfloat16: dx is rounded to 11 / 8 bits (half-ulp relative 4.9e-4 / 3.9e-3 of its
#     largest element); dgamma/dbeta are float32 sums rounded once: 2e-3 / 1.6e-2.
#   float64: computed in float64 end to end: 1e-11.
GRAD_TOL = {"float32": 2e-5, "float16": 2e-3, "bfloat16": 1.6e-2, "float64": 1e-11}
