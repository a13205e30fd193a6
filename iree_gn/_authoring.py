"""The group-norm op, defined once in JAX.

Group Normalization (Wu & He, 2018, https://arxiv.org/abs/1803.08494), with the semantics of
TF 1.x ``tf.contrib.layers.group_norm``: the channel axis of size C is split into
(G, C // G); for every index of the remaining axes that are *not* reduction axes (the batch
axis, or any extra axis) and every group g,

    mean = E[x],  var = E[(x - mean)^2]      over (C // G channels of g) x reduction_axes
    y    = act((x - mean) * rsqrt(var + epsilon) * gamma[c] + beta[c])

``gamma``/``beta`` have shape ``[C]``. Statistics are taken in float32 for float16,
bfloat16 and float32 inputs and in float64 for float64 inputs; the variance is clipped at
zero; the result is cast back to the input dtype.

Two variance algorithms, as in TF:
  * ``mean_close_to_zero=False`` (default): exact moments from sums of ``x - k``, ``k`` one
    element per channel (CPU), one per group ("fused") or a first-pass mean (GPU), so
    float32 sums never hold |mean|-sized values: accurate for any mean (max error ~1e-6
    at mean 1e4, std 1, on every formulation).
  * ``mean_close_to_zero=True``: TF's one-pass sufficient statistics (sum, sum of squares),
    ``var = E[x^2] - E[x]^2``. The subtraction cancels catastrophically when |mean| >> std
    (see ``group_norm``'s docstring for measured numbers).

The normalize step is one multiply-add per element on ``x - k``:
``y = (x - k) * a + b`` with ``a = gamma * rsqrt(var + eps)`` and ``b = beta - (mean - k) * a``
per (sample, channel), a clean elementwise pass.
"""

from __future__ import annotations

from typing import Callable, List

from ._spec import GroupNormSpec

# Formulations: how the statistics are separated from the normalize pass.
#   "barrier": the form proven right on IREE's GPU code generators (Vulkan on lavapipe, CUDA):
#              a first mean m0, then one variadic reduce of (x - m0) and its square, then
#              optimization barriers so that no dispatch fuses a reduction with the subtract
#              that reads it. IREE's SPIR-V codegen miscompiles such fused dispatches (NaN or
#              errors of 1-1000 on lavapipe, IREE_NOTES.md); the residual mean of x - m0 keeps
#              float32 exact at |mean| >> std (2e-7..4e-5 at mean 1e4). float16/bfloat16 are
#              upcast behind a barrier too: without it SPIR-V compiles ran for >15 minutes or
#              overflowed the 32 KB of shared memory.
#   "split":   per-channel sums (one variadic reduce: sum and sum of squares of x - shift,
#              one read of x), the outermost reduction axis split into K chunks so that even
#              one sample spreads over every core, an exact combine of the per-channel sums
#              into group moments, then one multiply-add per element; all in the grouped
#              layout (..., G, C // G, ...). Proven on CUDA (sm_80/sm_90, 40/40 configs).
#   "native":  the same arithmetic in x's own layout: the reduce and the normalize see the
#              channel axis whole (NHWC: rows of C contiguous channels), and only the tiny
#              combine is grouped. On llvm-cpu IREE vectorizes the NHWC reduce along C with
#              no masked remainder (C // G = 40 made the grouped reduce 8x slower on
#              2x16x16x1280: 1.03 ms vs 0.12 ms for that dispatch, build_tools/bench.py).
#   "fused":   the textbook two-pass form (group mean, then the mean of squared deviations,
#              then the normalize) with no barriers, which IREE fuses into ONE dispatch, one
#              workgroup per sample. For small inputs a call costs what its dispatches cost:
#              on 1x8x8x32 the raw invoke is 6-9 us vs 11 us for "native"'s five dispatches
#              (local-sync). The sums run on x minus a value of its group (median_shift), so float32
#              stays exact at |mean| >> std (5e-7 at mean 1e4 vs 1e-3..7e-3 unshifted); the
#              shift is one more read of x inside the same dispatch.
FORMULATIONS = ("barrier", "split", "native", "fused")


def param_names(spec: GroupNormSpec) -> List[str]:
    """Names of the parameter arguments after ``x``, in call order."""
    return (["gamma"] if spec.scale else []) + (["beta"] if spec.center else [])


def shift_points(n: int) -> tuple:
    """The positions, along an axis of ``n`` elements, whose median is the statistics'
    shift: the midpoints of five equal strata (five points: the median of five values is
    one of the bulk's as long as at most two of them are outliers, wherever they lie), three
    points (0, n/2, n-1) for 3 <= n < 5, the first element below that. Shared by every route
    (``median_shift``, the CPU and GPU kernels): with three points, two outliers at the
    first and last positions (a first and a last "massive" token) became the shift, and
    channels last erred 1.7e-4 (x = N(0, 1), 1e2 at both) to 1.8e-3 (1e4, 1x256x256x32)."""
    if n >= 5:
        return tuple((2 * i + 1) * n // 10 for i in range(5))
    return tuple(sorted({0, n // 2, n - 1})) if n >= 3 else (0,)


def median_shift(t, axes):
    """The shift of the centered sums (kept as size-1 ``axes``): per index of the other
    axes, the median of ``t`` at the ``shift_points`` of the longest static axis of
    ``axes``, index 0 on the others; ``t``'s first element there where no static axis has
    three points. A value from the bulk of the data, so that float32 sums of ``t - shift``
    hold deviations, and one that up to two outliers (a "massive activation" at index 0, or
    at the first and the last) cannot be: the first element alone erred 2e-3..4e-3
    (relative to max |y|) on "native" with x[:, 0] = 1e2..1e4 over N(0, 1) data. The
    kernels take the same median."""
    import jax.numpy as jnp

    base = [slice(0, 1) if i in axes else slice(None) for i in range(t.ndim)]
    long = [(t.shape[a], a) for a in axes if isinstance(t.shape[a], int) and t.shape[a] >= 3]
    if not long:
        return t[tuple(base)]
    n, a = max(long)
    pts = []
    for p in shift_points(n):
        sl = list(base)
        sl[a] = slice(p, p + 1)
        pts.append(t[tuple(sl)])
    if len(pts) == 5:  # median of 5 = the median of the fifth and the middle two of four
        lo = jnp.maximum(jnp.minimum(pts[0], pts[1]), jnp.minimum(pts[2], pts[3]))
        hi = jnp.minimum(jnp.maximum(pts[0], pts[1]), jnp.maximum(pts[2], pts[3]))
        pts = [lo, hi, pts[4]]
    lo, hi = jnp.minimum(pts[0], pts[1]), jnp.maximum(pts[0], pts[1])
    return jnp.maximum(lo, jnp.minimum(hi, pts[2]))


def kept_after_channels(spec: GroupNormSpec) -> bool:
    """Whether an axis after the channel axis is kept (neither channels nor reduced)."""
    return any(i > spec.channels_axis and i not in spec.reduction_axes
               for i in range(spec.rank))


def channels_last_twin(spec: GroupNormSpec) -> GroupNormSpec:
    """``spec`` with its channel axis moved last (``jnp.moveaxis(x, ca, -1)``'s layout).

    The GPU forms of a spec with ``kept_after_channels`` run on this twin between two
    transposes (:func:`on_channels_last_twin`): IREE's SPIR-V code of the direct form failed
    to compile ("vector.transfer_read op with rank > 1", 128x5x3 channels 0 over axis 2) or,
    for the backward, ran and gave dx/dgamma wrong by O(1) on lavapipe, run to run ((8, 15)
    channels 0 over nothing, (8, 15, 2) over axis 2, NCHW over W only...); the twin's forms
    are right (tests/test_grad.py's and tests/test_gpu_kernels.py's Vulkan layouts)."""
    import dataclasses

    ca, rank = spec.channels_axis, spec.rank
    perm = [i for i in range(rank) if i != ca] + [ca]
    act = spec.activation
    if act is not None and not isinstance(act, str):
        act = _in_layout(act, ca)
    return dataclasses.replace(
        spec, shape=tuple(spec.shape[i] for i in perm), channels_axis=rank - 1,
        reduction_axes=tuple(sorted(perm.index(a) for a in spec.reduction_axes)),
        activation=act)


def _in_layout(fn: Callable, ca: int) -> Callable:
    """A callable activation for the channels-last twin that applies ``fn`` in the user's
    layout (channels back at ``ca``), as TF's activation_fn sees the output."""
    import functools

    @functools.wraps(fn)
    def act(t):
        import jax.numpy as jnp

        return jnp.moveaxis(fn(jnp.moveaxis(t, -1, ca)), ca, -1)

    return act


def on_channels_last_twin(spec: GroupNormSpec, inner: Callable) -> Callable:
    """``inner`` (built for ``channels_last_twin(spec)``) as a function of ``spec``'s layout:
    every argument of x's rank (x, and the backward's dy) moved channels last behind an
    optimization barrier (fused into the statistics' dispatch, the transpose failed to
    compile as the direct form did: float32 128x5x3), every result of that rank moved back;
    the parameters and their cotangents ([C]) pass as they are."""
    import jax
    import jax.numpy as jnp

    ca, rank = spec.channels_axis, spec.rank

    def back(t):
        return jnp.moveaxis(t, -1, ca) if t.ndim == rank else t

    def twin(*args):
        out = inner(*[jax.lax.optimization_barrier(jnp.moveaxis(a, ca, -1))
                      if a.ndim == rank else a for a in args])
        return tuple(map(back, out)) if isinstance(out, tuple) else back(out)

    twin.__name__ = getattr(inner, "__name__", "twin")
    return twin


def stat_dtype(spec: GroupNormSpec) -> str:
    return "float64" if spec.dtype == "float64" else "float32"


def build(spec: GroupNormSpec, formulation: str = "split") -> Callable:
    """Return ``f(x, [gamma], [beta]) -> y`` in JAX for a static ``spec``."""
    import jax
    import jax.numpy as jnp

    from . import _activations

    if formulation not in FORMULATIONS:
        raise ValueError(f"formulation={formulation!r}; known: {FORMULATIONS}.")
    if not spec.is_static:
        raise ValueError(f"build() needs a static shape, got {spec.shape}.")
    if formulation == "barrier" and kept_after_channels(spec):  # see channels_last_twin
        return on_channels_last_twin(spec, build(channels_last_twin(spec), formulation))
    act = _activations.resolve(spec.activation)
    # A callable sees what TF's activation_fn sees, the output in x's shape (not the grouped
    # layout: a softmax over channels was one per group); named ones are elementwise.
    own_shape = spec.activation is not None and not isinstance(spec.activation, str)
    ca, G = spec.channels_axis, spec.groups
    C = spec.channels
    before = list(spec.shape[:ca])
    after = list(spec.shape[ca + 1:])
    grouped_shape = tuple(before + [G, C // G] + after)
    red_g = tuple(a if a < ca else a + 1 for a in spec.reduction_axes)
    # The moments axes in the grouped layout: the within-group channel axis plus the
    # reduction axes shifted past the inserted group axis.
    moments_axes = tuple(sorted((ca + 1,) + red_g))
    param_bcast = tuple([1] * len(before) + [G, C // G] + [1] * len(after))
    native_bcast = tuple([1] * len(before) + [C] + [1] * len(after))
    sdt = jnp.dtype(stat_dtype(spec))
    out_dt = jnp.dtype(spec.dtype) if spec.dtype != "bfloat16" else jnp.bfloat16
    count = 1
    for a in moments_axes:
        count *= grouped_shape[a]
    names = param_names(spec)
    eps = spec.epsilon

    def _stat_eps(v, dt):
        # In the statistics' dtype; past its range inf, as TF's cast makes it (silently).
        import numpy as np

        with np.errstate(over="ignore"):
            return jnp.asarray(v, dt)

    def first(t, axes):
        # The element at index 0 of ``axes`` (kept as size-1 axes).
        return t[tuple(slice(0, 1) if i in axes else slice(None) for i in range(t.ndim))]

    def moments_split(t, red):
        """(k, mean - k, var) with keepdims, from per-channel sums of t - k.

        ``t`` is x in the formulation's layout (``x``'s own, or grouped) and ``red``
        the reduction axes in that layout; the results have ``t``'s rank with ``red`` size 1.
        """
        # Split the outermost reduction axis into K chunks: the partial sums have K times
        # more independent rows, which is what lets IREE use every core for batch 1.
        M = count // (C // G)  # elements per channel per kept index
        K = 1
        if red:
            r0 = red[0]
            n0 = t.shape[r0]
            for k in _split_factors(M * C):
                if n0 % k == 0:
                    K = k
                    break
        if K > 1:
            ts = t.reshape(t.shape[:r0] + (K, n0 // K) + t.shape[r0 + 1:])
            red_s = tuple(a if a < r0 else a + 1 for a in red)  # r0 -> its inner part
            k_axes = red_s + (r0,)
        else:
            ts, red_s, k_axes = t, red, red
        # Widen after the reshape, and the shift apart from the sums, so that each convert
        # has one user and IREE fuses it into the reduce: no float32 copy of a float16 x.
        if spec.mean_close_to_zero:
            shift = None  # TF's one-pass sufficient statistics: plain sums of x and x^2
            d = ts.astype(sdt)
        else:
            shift = median_shift(ts, k_axes).astype(sdt)  # per (kept index, channel)
            d = ts.astype(sdt) - shift
        zero = jnp.zeros((), sdt)
        s1, s2 = jax.lax.reduce((d, d * d), (zero, zero),
                                lambda p, q: (p[0] + q[0], p[1] + q[1]), red_s)
        if K > 1:
            # Reduce the K partial sums in a separate dispatch.
            s1, s2 = jax.lax.optimization_barrier((s1, s2))
            kpos = r0 - sum(1 for a in red_s if a < r0)
            s1, s2 = s1.sum(axis=kpos), s2.sum(axis=kpos)
        # The combine works on the grouped kept shape: channel axis -> (G, C // G).
        keep_t = tuple(1 if i in red else n for i, n in enumerate(t.shape))
        gkeep = tuple(1 if i in red_g else n for i, n in enumerate(grouped_shape))
        s1, s2 = s1.reshape(gkeep), s2.reshape(gkeep)
        cg = ca + 1
        if shift is None:
            mean = jnp.sum(s1, axis=cg, keepdims=True) / count
            var = jnp.sum(s2, axis=cg, keepdims=True) / count - mean * mean
            return (jnp.zeros((), sdt), jnp.broadcast_to(mean, gkeep).reshape(keep_t),
                    jnp.broadcast_to(jnp.maximum(var, 0), gkeep).reshape(keep_t))
        k = shift.reshape(gkeep)
        # Everything relative to the per-channel shift k: the group mean of x - k is
        # mean_c(s1/M + k - k0) taken against the channel's own k, so that no float32 sum
        # ever holds |mean|-sized values.
        ch = s1 / M  # mean of x - k per channel
        m_rel = jnp.mean(ch + (k - first(k, (cg,))), axis=cg, keepdims=True)  # mean - k0
        dk = (k - first(k, (cg,))) - m_rel  # k - mean, per channel
        # sum over the group of (x - mean)^2 = sum_c [s2 + 2 (k - mean) s1 + M (k - mean)^2]
        ss = jnp.sum(s2 + 2 * dk * s1 + M * dk * dk, axis=cg, keepdims=True)
        var = jnp.broadcast_to(jnp.maximum(ss / count, 0), gkeep)
        return k.reshape(keep_t), (-dk).reshape(keep_t), var.reshape(keep_t)

    def normalize_barrier(xg):
        """(centered x, rstd) for the GPU form (see "barrier" above)."""
        zero = jnp.zeros((), sdt)
        if spec.mean_close_to_zero:
            m0 = jnp.zeros((1,) * xg.ndim, sdt)  # TF's one-pass sums of x and x^2
        else:
            m0 = jax.lax.optimization_barrier(jnp.mean(xg, axis=moments_axes, keepdims=True))
        d = xg - m0
        s1, s2 = jax.lax.reduce((d, d * d), (zero, zero),
                                lambda p, q: (p[0] + q[0], p[1] + q[1]), moments_axes)
        keep = tuple(1 if i in moments_axes else n for i, n in enumerate(grouped_shape))
        r = s1.reshape(keep) / count
        var = jnp.maximum(s2.reshape(keep) / count - r * r, 0)
        rstd = jax.lax.rsqrt(var + _stat_eps(eps, sdt))
        m0, r, rstd = jax.lax.optimization_barrier((m0, r, rstd))
        return (xg - m0) - r, rstd

    def group_norm(x, *params):
        p = dict(zip(names, params))
        if formulation == "fused":
            xg = x.astype(sdt).reshape(grouped_shape)
            if spec.mean_close_to_zero:
                # TF's one-pass sufficient statistics
                mean = jnp.mean(xg, axis=moments_axes, keepdims=True)
                var = jnp.mean(xg * xg, axis=moments_axes, keepdims=True) - mean * mean
                d = xg - mean
            else:
                # Shifted by a value from the group (median_shift), so that the sums hold
                # deviations, never |mean|-sized values (a float32 sum of x itself errs by
                # ~1e-3 at |mean|/std = 1e4); x - k is exact for x near k.
                d = xg - median_shift(xg, moments_axes)
                d = d - jnp.mean(d, axis=moments_axes, keepdims=True)
                var = jnp.mean(jnp.square(d), axis=moments_axes, keepdims=True)
            y = d * jax.lax.rsqrt(jnp.maximum(var, 0) + _stat_eps(eps, sdt))
            if "gamma" in p:
                y = y * p["gamma"].astype(sdt).reshape(param_bcast)
            if "beta" in p:
                y = y + p["beta"].astype(sdt).reshape(param_bcast)
            return finish(y)
        if formulation == "barrier":
            xf = x.astype(sdt)
            if x.dtype != sdt:
                xf = jax.lax.optimization_barrier(xf)
            centered, rstd = normalize_barrier(xf.reshape(grouped_shape))
            y = centered * rstd
            if "gamma" in p:
                y = y * p["gamma"].astype(sdt).reshape(param_bcast)
            if "beta" in p:
                y = y + p["beta"].astype(sdt).reshape(param_bcast)
            return finish(y)
        # "split"/"native": y = (x - k) * a + b with k the per-channel shift,
        # a = gamma * rstd and b = beta - (mean - k) * a, so the multiply-add never cancels
        # |mean|-sized terms.
        if formulation == "native":
            # float16/bfloat16: the reduce widens x in registers (its vector sizes are fixed
            # by _tuning.retune; without it 2.2 ms for the reduce of 2x64x64x320).
            t, red, pb = x, spec.reduction_axes, native_bcast
        else:
            t, red, pb = x.reshape(grouped_shape).astype(sdt), red_g, param_bcast
        k, m_minus_k, var = moments_split(t, red)
        a = jax.lax.rsqrt(var + _stat_eps(eps, sdt))
        if "gamma" in p:
            a = a * p["gamma"].astype(sdt).reshape(pb)
        b = -m_minus_k * a
        if "beta" in p:
            b = b + p["beta"].astype(sdt).reshape(pb)
        # Keeps the normalize pass one clean elementwise dispatch over x.
        if formulation == "native":
            # The barrier holds x itself: the normalize widens float16/bfloat16 in registers
            # rather than reading the float32 copy (half the bytes).
            xb, k, a, b = jax.lax.optimization_barrier((x, k, a, b))
            t = xb.astype(sdt)
        else:
            t, k, a, b = jax.lax.optimization_barrier((t, k, a, b))
        return finish((t - k) * a + b)

    def finish(y):
        """act(y) in x's shape and dtype (``own_shape``: the callable applied in it)."""
        if own_shape:
            y = y.reshape(spec.shape)
        return act(y).astype(out_dt).reshape(spec.shape)

    group_norm.__name__ = "group_norm"
    return group_norm


def _split_factors(n: int):
    """Chunk counts to try for the "split" formulation, best first, by tensor size."""
    if n >= (1 << 22):
        return (16, 8, 4, 2, 1)
    if n >= (1 << 19):
        return (4, 2, 1)
    return (1,)


def abstract_args(spec: GroupNormSpec):
    """``jax.ShapeDtypeStruct``s of the call's arguments."""
    import jax
    import jax.numpy as jnp

    dt = jnp.dtype(spec.dtype) if spec.dtype != "bfloat16" else jnp.bfloat16
    args = [jax.ShapeDtypeStruct(spec.shape, dt)]
    args += [jax.ShapeDtypeStruct(spec.param_shape, dt) for _ in param_names(spec)]
    return args
