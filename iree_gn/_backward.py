"""The backward pass of group norm, written out explicitly in JAX, and its StableHLO export.

For one (kept index, group) with M elements x_i (C // G channels x the reduction axes),
``r = rsqrt(var + eps)``, ``xhat = (x - mean) * r``, ``z = xhat * gamma + beta`` (the
pre-activation) and an output cotangent ``dy``::

    dz     = dy * act'(z)                        (z recomputed from x, never stored)
    w      = gamma * dz
    dx     = r * (w - mean(w) - xhat * mean(w * xhat))
    dgamma = sum of dz * xhat     over every axis but the channel axis (all samples)
    dbeta  = sum of dz            over every axis but the channel axis

This is the *centered* form: every sum over x runs over ``x - k`` (k a median of five elements of
each channel, combined exactly into group moments as in the forward's "native" statistics)
or over ``xhat``, never over raw x, so float32 keeps its accuracy at any mean (PyTorch's
raw-moment form ``c2 * x + c3`` with ``sum dy * x`` loses it: at mean 1e4 with 32K elements
per group, dgamma 8.1e-3 relative vs 3.5e-7 here, build_tools/grad_accuracy.py).
``mean_close_to_zero=True`` recomputes the forward's own one-pass statistics (TF's
sufficient statistics), so dx is the gradient at the rstd the forward used.

Statistics and sums are in float32 for float16/bfloat16/float32 and float64 for float64;
``dx`` is returned in the input dtype and ``dgamma``/``dbeta`` in the statistics dtype (the
caller casts, after summing the blocks of a dynamic op). Each reduction result passes an
optimization barrier before its consumers: IREE's SPIR-V code generator miscompiles a
dispatch that fuses a reduction with the elementwise op that reads it (IREE_NOTES.md), and on
CPU the barriers cut only tiny per-channel tensors. The shift taken per channel compiles on
CUDA (a shift sliced out of the grouped layout failed there: "failed to distribute").
"""

from __future__ import annotations

from typing import Callable, List

from ._spec import GroupNormSpec


# The longest per-channel sum (rows of the reduction axes) one reduce runs in float32, and
# past it, the longest run along one axis.
_ONE_REDUCE_ROWS = 1 << 14
_ONE_REDUCE_AXIS = 1 << 10


def arg_names(spec: GroupNormSpec) -> List[str]:
    """Arguments of the backward module, in call order: the forward's, then ``dy``."""
    return ["x"] + (["gamma"] if spec.scale else []) + (["beta"] if spec.center else []) + ["dy"]


def result_names(spec: GroupNormSpec) -> List[str]:
    """Results of the backward module: the cotangent of each forward argument, in order."""
    return ["dx"] + (["dgamma"] if spec.scale else []) + (["dbeta"] if spec.center else [])


def build(spec: GroupNormSpec, barrier_upcast: bool = False) -> Callable:
    """``f(x, [gamma], [beta], dy) -> (dx, [dgamma], [dbeta])`` in JAX for a static spec.

    Three passes in x's own layout: per-channel sums of ``x - k`` and its square (k the
    channel's ``median_shift``), combined within groups into exact moments (the forward's
    "native" statistics); per-channel sums of ``dz`` and ``dz * xhat``, which are dbeta
    and dgamma's partials and, weighted by gamma and combined within groups, ``mean(w)``
    and ``mean(w * xhat)``; then the elementwise dx. Only the tiny per-channel tensors are
    grouped: IREE vectorizes reductions along contiguous channels (a grouped reduce with
    C // G = 10 ran 8x slower, _authoring.FORMULATIONS).

    ``barrier_upcast``: widen float16/bfloat16 behind a barrier (the GPU form: without it
    SPIR-V compiles of the upcast ran for many minutes, see _authoring.FORMULATIONS)."""
    import jax
    import jax.numpy as jnp

    from . import _activations
    from ._authoring import (channels_last_twin, kept_after_channels, median_shift,
                             on_channels_last_twin, stat_dtype)

    if not spec.is_static:
        # A symbolic batch traces (no reshape or gather touches x), but IREE 3.13 cannot
        # legalize the dynamic_broadcast_in_dim of the per-channel statistics (?x1x1xC ->
        # ?xHxWxC): dynamic specs run a static block module per index (_grad).
        raise ValueError(f"_backward.build() needs a static shape, got {spec.shape}.")
    if barrier_upcast and kept_after_channels(spec):  # GPU rows (channels_last_twin)
        return on_channels_last_twin(spec, build(channels_last_twin(spec), barrier_upcast))
    act = None if spec.activation is None else _activations.resolve(spec.activation)
    ca, G, C, rank = spec.channels_axis, spec.groups, spec.channels, spec.rank
    red = spec.reduction_axes
    kept = tuple(i for i in range(rank) if i != ca and i not in red)
    pb = tuple(C if i == ca else 1 for i in range(rank))
    M = 1
    for a in red:
        M *= spec.shape[a]
    count = M * (C // G)
    sdt = jnp.dtype(stat_dtype(spec))
    out_dt = jnp.bfloat16 if spec.dtype == "bfloat16" else jnp.dtype(spec.dtype)
    eps = spec.epsilon
    bar = jax.lax.optimization_barrier

    def widen(t):
        t = t.astype(sdt)
        return bar(t) if barrier_upcast and t.dtype != out_dt else t

    def keep_shapes(shape):
        """Per-(kept index, channel) shapes, from x's shape at trace time (kept axes may be
        symbolic): ungrouped, and with the channel axis split into (G, C // G)."""
        keep = tuple(1 if i in red else n for i, n in enumerate(shape))
        return keep, keep[:ca] + (G, C // G) + keep[ca + 1:]

    def sums(a, b):
        """Per-channel sums of two same-shape tensors over the reduction axes (keepdims)."""
        zero = jnp.zeros((), sdt)  # made while tracing: float64 needs the x64 mode
        keep = keep_shapes(a.shape)[0]
        add = lambda p, q: (p[0] + q[0], p[1] + q[1])  # noqa: E731
        # One reduction axis at a time on CPU for long sums, a long axis in blocks: a float32
        # sum's error grows with the terms one accumulator adds, so 512x512 rows sum as 512
        # then 512, not 262,144 in a row (dx 4e-5 off at 1x512x512x32 before, 2.4e-7 after;
        # 1x256x256x32 took 4.2-4.7 vs 12.3 ms), and a sequence of 262,144 as 512 x 512.
        # Shorter sums keep one reduce (2x64x64x320: 4.8 vs 7.7-10 ms split), as do GPU rows
        # (SPIR-V).
        if not barrier_upcast and M > _ONE_REDUCE_ROWS:
            for ax in sorted(red, reverse=True):
                n = a.shape[ax]
                if n > _ONE_REDUCE_AXIS:
                    # A long axis as (n0 / B, B) blocks, B ~ sqrt(n), and its last n - n0
                    # rows apart (a slice: zero padding fails to compile in IREE 3.13, "write
                    # affecting operations on global resources are restricted to workgroup
                    # distributed contexts").
                    blk = 1 << (n.bit_length() // 2)
                    n0 = n - n % blk
                    head = [jax.lax.slice_in_dim(t, 0, n0, axis=ax) for t in (a, b)]
                    split = a.shape[:ax] + (n0 // blk, blk) + a.shape[ax + 1:]
                    h1, h2 = jax.lax.reduce(tuple(t.reshape(split) for t in head),
                                            (zero, zero), add, (ax + 1,))
                    h1, h2 = jax.lax.reduce((h1, h2), (zero, zero), add, (ax,))
                    if n0 < n:
                        tail = [jax.lax.slice_in_dim(t, n0, n, axis=ax) for t in (a, b)]
                        t1, t2 = jax.lax.reduce(tuple(tail), (zero, zero), add, (ax,))
                        h1, h2 = h1 + t1, h2 + t2
                    a, b = h1, h2
                else:
                    a, b = jax.lax.reduce((a, b), (zero, zero), add, (ax,))
                a, b = jnp.expand_dims(a, ax), jnp.expand_dims(b, ax)
        s1, s2 = jax.lax.reduce((a, b), (zero, zero), add, red)
        return s1.reshape(keep), s2.reshape(keep)

    def group_sum(t):
        """Per-channel ``t`` -> its sum over the channel's group, broadcast per channel."""
        keep, gkeep = keep_shapes(t.shape)
        tg = t.reshape(gkeep)
        return jnp.broadcast_to(jnp.sum(tg, axis=ca + 1, keepdims=True), gkeep).reshape(keep)

    def group_first(t):
        keep, gkeep = keep_shapes(t.shape)
        tg = t.reshape(gkeep)
        f = jax.lax.slice_in_dim(tg, 0, 1, axis=ca + 1)
        return jnp.broadcast_to(f, gkeep).reshape(keep)

    def statistics(xf):
        """(k, k - mean, rstd) per (kept index, channel)."""
        if spec.mean_close_to_zero:  # TF's one-pass sufficient statistics, as the forward
            s1, s2 = sums(xf, xf * xf)
            mean = group_sum(s1) / count
            var = jnp.maximum(group_sum(s2) / count - mean * mean, 0)
            return jnp.zeros((), sdt), -mean, jax.lax.rsqrt(var + jnp.asarray(eps, sdt))
        k = median_shift(xf, red)  # (static slices only: a symbolic batch is never in red)
        d = xf - k
        s1, s2 = sums(d, d * d)
        # Relative to each channel's own k (no |mean|-sized float32 sums): the group mean of
        # x - k0 is mean_c(s1 / M + k - k0); sum (x - mean)^2 = sum_c [s2 + 2 dk s1 + M dk^2]
        # with dk = k - mean.
        kk = k - group_first(k)
        dk = kk - group_sum(s1 / M + kk) / (C // G)
        var = jnp.maximum(group_sum(s2 + 2 * dk * s1 + M * dk * dk) / count, 0)
        return k, dk, jax.lax.rsqrt(var + jnp.asarray(eps, sdt))

    def backward(x, *args):
        *params, dy = args
        p = dict(zip(result_names(spec)[1:], params))  # "dgamma" -> gamma, ...
        xf, dyf = widen(x), widen(dy)
        k, dk, r = bar(statistics(xf))
        xhat = ((xf - k) + dk) * r
        g = p["dgamma"].astype(sdt).reshape(pb) if spec.scale else None
        if act is not None:
            z = xhat * g if g is not None else xhat
            if spec.center:
                z = z + p["dbeta"].astype(sdt).reshape(pb)
            _, pull = jax.vjp(act, z)
            dz = pull(dyf)[0]
        else:
            dz = dyf
        sz, szx = bar(sums(dz, dz * xhat))  # dbeta's and dgamma's per (kept, channel) parts
        gw = g.reshape(pb) if g is not None else jnp.ones((), sdt)
        # The products apart from their group sums: lavapipe raced (float16 dx wrong in
        # whole groups, run to run) when they shared one dispatch.
        wsz, wszx = bar((gw * sz, gw * szx))
        mw, mwx = bar((group_sum(wsz) / count, group_sum(wszx) / count))
        w = dz * g if g is not None else dz
        dx = r * (w - mw - xhat * mwx)
        outs = [dx.astype(out_dt)]
        if spec.scale:
            outs.append(jnp.sum(szx, axis=kept).reshape(C) if kept else szx.reshape(C))
        if spec.center:
            outs.append(jnp.sum(sz, axis=kept).reshape(C) if kept else sz.reshape(C))
        return tuple(outs)

    backward.__name__ = "group_norm_vjp"
    return backward


def abstract_args(spec: GroupNormSpec):
    """``jax.ShapeDtypeStruct``s of the backward's arguments (the forward's, then dy)."""
    from ._authoring import abstract_args as fwd_args

    args = fwd_args(spec)
    return args + [args[0]]


def stablehlo_text(spec: GroupNormSpec, barrier_upcast: bool = False) -> str:
    """The backward traced to StableHLO text (no debug locations), plus ``main_out``: the
    same function with ``dx`` written into a caller's ``!hal.buffer``, whose reflection
    records the spec and ``iree_gn.op = "grad"`` (checked when a bundle is loaded)."""
    import jax

    from ._export import TraceError, add_out_entry

    fn = build(spec, barrier_upcast)
    with jax.enable_x64(spec.dtype == "float64"):
        args = abstract_args(spec)
        try:
            # keep_unused: beta does not reach dx without an activation, yet it is an argument.
            text = jax.jit(fn, keep_unused=True).lower(*args).as_text(debug_info=False)
        except Exception as e:
            if spec.portable:
                raise
            raise TraceError(
                f"activation_fn={spec.activation!r} could not be differentiated by JAX: it "
                f"must be a function of one jax array built from jax.numpy / jax.nn "
                f"operations. JAX said: {type(e).__name__}: {e}") from e
    return add_out_entry(text, len(args), tuple(spec.shape), spec.dtype,
                         spec_text=spec.key_text(), op="grad")
