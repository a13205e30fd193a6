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


def _centered(xs, axes):
    """(mean, xs - mean) over ``axes``, the difference accurate relative to the spread.

    ``xs - xs.mean()`` alone is not: the float64 mean is rounded (and summed) with an error
    of ~2^-53 |mean|, which at |mean| >> std is a large relative error in every centered
    value (5.6e-10 at mean 1e4, std 1e-3). Refined once (corrected two-pass): ``d = xs - m``
    is exact wherever |mean| >> spread (Sterbenz: xs within a factor 2 of m) and otherwise
    rounds relative to |d| ~ spread; ``mean(d)`` is then the mean's residual, and
    ``d - mean(d)`` errs by float64 rounding of spread-sized values only.
    """
    m = xs.mean(axis=axes, keepdims=True)
    d = xs - m
    return m, d - d.mean(axis=axes, keepdims=True)


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
        m, d = _centered(xs, axes)
        if one_pass:
            v = np.maximum((xs * xs).mean(axis=axes, keepdims=True) - m * m, 0)
        else:
            v = (d * d).mean(axis=axes, keepdims=True)
        y[tuple(sl)] = d / np.sqrt(v + epsilon)
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
        m, d = _centered(xs, axes)
        mean[tuple(sl)] = m
        var[tuple(sl)] = (d * d).mean(axis=axes, keepdims=True)
    return mean, var
