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
  * ``mean_close_to_zero=False`` (default): two-pass moments, mean first, then the mean of
    squared deviations, both taken on ``x - s`` where ``s`` is one element of the group
    (a shift that keeps float32 sums small). Accurate for any mean.
  * ``mean_close_to_zero=True``: one-pass sufficient statistics (sum, sum of squares),
    ``var = E[x^2] - E[x]^2``. Fewer dependent passes, but the subtraction cancels
    catastrophically when |mean| >> std (see tests/test_numerics.py for measured numbers).

The normalize step is written as one fused multiply-add per element,
``y = x * a + b`` with ``a = gamma * rsqrt(var + eps)`` and ``b = beta - mean * a``
computed per (sample, channel), which is what lets IREE emit a single elementwise pass.
"""

from __future__ import annotations

from typing import Callable, List

from ._spec import GroupNormSpec

# Formulations: how the statistics are separated from the normalize pass.
#   "fused":   let the compiler fuse statistics and normalize as it sees fit (CPU).
#   "barrier": jax.lax.optimization_barrier between statistics and normalize, so the
#              reduction and the elementwise pass are separate dispatches. IREE's SPIR-V
#              codegen miscompiles the fused reduce-then-subtract dispatch on some devices
#              (see IREE_NOTES.md), so GPU targets use this form.
FORMULATIONS = ("fused", "barrier")


def param_names(spec: GroupNormSpec) -> List[str]:
    """Names of the parameter arguments after ``x``, in call order."""
    return (["gamma"] if spec.scale else []) + (["beta"] if spec.center else [])


def stat_dtype(spec: GroupNormSpec) -> str:
    return "float64" if spec.dtype == "float64" else "float32"


def build(spec: GroupNormSpec, formulation: str = "fused") -> Callable:
    """Return ``f(x, [gamma], [beta]) -> y`` in JAX for a static ``spec``."""
    import jax
    import jax.numpy as jnp

    from . import _activations

    if formulation not in FORMULATIONS:
        raise ValueError(f"formulation={formulation!r}; known: {FORMULATIONS}.")
    if not spec.is_static:
        raise ValueError(f"build() needs a static shape, got {spec.shape}.")
    act = _activations.resolve(spec.activation)
    ca, G = spec.channels_axis, spec.groups
    C = spec.channels
    before = list(spec.shape[:ca])
    after = list(spec.shape[ca + 1:])
    grouped_shape = tuple(before + [G, C // G] + after)
    # The moments axes in the grouped layout: the within-group channel axis plus the
    # reduction axes shifted past the inserted group axis.
    moments_axes = tuple(sorted([ca + 1] + [a if a < ca else a + 1 for a in spec.reduction_axes]))
    param_bcast = tuple([1] * len(before) + [G, C // G] + [1] * len(after))
    sdt = jnp.dtype(stat_dtype(spec))
    out_dt = jnp.dtype(spec.dtype) if spec.dtype != "bfloat16" else jnp.bfloat16
    count = 1
    for a in moments_axes:
        count *= grouped_shape[a]
    names = param_names(spec)

    def group_norm(x, *params):
        p = dict(zip(names, params))
        xg = x.reshape(grouped_shape).astype(sdt)
        if spec.mean_close_to_zero:
            s = jnp.sum(xg, axis=moments_axes, keepdims=True)
            ss = jnp.sum(xg * xg, axis=moments_axes, keepdims=True)
            mean = s / count
            var = jnp.maximum(ss / count - mean * mean, 0)
        else:
            # Shifted two-pass: subtracting one element of the group first makes the sums
            # small when |mean| >> std, so float32 accumulation keeps its precision (plain
            # two-pass errs by ~7e-3 at mean 1e4, std 1; shifted by ~1e-6).
            shift = xg[tuple(slice(0, 1) if i in moments_axes else slice(None)
                             for i in range(len(grouped_shape)))]
            xg = xg - shift
            mean = jnp.mean(xg, axis=moments_axes, keepdims=True)
            var = jnp.mean(jnp.square(xg - mean), axis=moments_axes, keepdims=True)
        rstd = jax.lax.rsqrt(var + jnp.asarray(spec.epsilon, sdt))
        if formulation == "barrier":
            mean, rstd = jax.lax.optimization_barrier((mean, rstd))
        a = rstd
        if "gamma" in p:
            a = a * p["gamma"].astype(sdt).reshape(param_bcast)
        b = -mean * a
        if "beta" in p:
            b = b + p["beta"].astype(sdt).reshape(param_bcast)
        y = act(xg * a + b)
        return y.astype(out_dt).reshape(spec.shape)

    group_norm.__name__ = "group_norm"
    return group_norm


def abstract_args(spec: GroupNormSpec):
    """``jax.ShapeDtypeStruct``s of the call's arguments."""
    import jax
    import jax.numpy as jnp

    dt = jnp.dtype(spec.dtype) if spec.dtype != "bfloat16" else jnp.bfloat16
    args = [jax.ShapeDtypeStruct(spec.shape, dt)]
    args += [jax.ShapeDtypeStruct(spec.param_shape, dt) for _ in param_names(spec)]
    return args
