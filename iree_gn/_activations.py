"""Activation functions fused into the compiled op, by name.

Names are stable across processes (they go into cache keys and bundle manifests);
callables are accepted too but only live in one process. The semantics follow TF 1.x:
``gelu`` is the exact erf form (``tf.nn.gelu`` default), ``leaky_relu`` uses TF's default
slope 0.2. This module imports JAX only when a function is resolved, so validating a
spec on the runtime-only path needs no JAX.
"""

from __future__ import annotations

from typing import Any, Callable, List

from ._errors import ArgumentTypeError

# Cephes' rational approximation of tanh on |x| < 0.625: tanh(x) = x + x s P(s) / Q(s),
# s = x^2 (relative error 2.8e-16 against long double, measured over 5e5 points).
_TANH_P = (-9.64399179425052238628e-1, -9.92877231001918586564e1, -1.61468768441708447952e3)
_TANH_Q = (1.12811678491632931402e2, 2.23548839060100448583e3, 4.84406305325125486048e3)


def _tanh(x):
    """tanh that compiles for float64 on llvm-cpu, to ~3e-16 relative.

    IREE lowers float64 ``tanh`` to a call of libm's ``tanh``, which its embedded linker
    lacks (``iree-lld: undefined symbol: tanh``). ``exp`` is expanded in place and exact to
    2e-16, but its float64 ``expm1`` is ``exp(x) - 1`` (relative error 1e-4 at x = 1e-12),
    so: for ``a = |x| >= 0.625``, ``(1 - e) / (1 + e)`` with ``e = exp(-2a)`` (no overflow,
    no cancellation: ``e <= 0.29``; 1 at infinity); below, Cephes' rational function (full
    relative accuracy down to the smallest subnormal). The sign is copied back
    (``tanh(-0) = -0``); NaN stays NaN. Other dtypes keep ``jnp.tanh``.
    """
    import jax.numpy as jnp

    if x.dtype != jnp.float64:
        return jnp.tanh(x)
    a = jnp.abs(x)
    s = a * a
    p, q = _TANH_P, _TANH_Q
    small = a + a * s * (((p[0] * s + p[1]) * s + p[2]) / (((s + q[0]) * s + q[1]) * s + q[2]))
    e = jnp.exp(-2 * a)
    return jnp.copysign(jnp.where(a < 0.625, small, (1 - e) / (1 + e)), x)


def _gelu_tanh(x):
    """``jax.nn.gelu(x, approximate=True)``; for float64 its formula with :func:`_tanh`."""
    import math

    import jax
    import jax.numpy as jnp

    if x.dtype != jnp.float64:
        return jax.nn.gelu(x, approximate=True)
    return x * (0.5 * (1 + _tanh(math.sqrt(2 / math.pi) * (x + 0.044715 * (x ** 3)))))


def _elu(x):
    """``jax.nn.elu``; for float64, ``expm1(y) = 2t / (1 - t)`` with ``t = tanh(y / 2)``
    (no cancellation for ``y <= 0``), as IREE's float64 ``expm1`` is ``exp(y) - 1``
    (relative error 5e-5 at y = -1e-12)."""
    import jax
    import jax.numpy as jnp

    if x.dtype != jnp.float64:
        return jax.nn.elu(x)
    t = _tanh(jnp.minimum(x, 0) / 2)
    return jnp.where(x > 0, x, 2 * t / (1 - t))


def _leaky_relu(x):
    """TF's ``tf.nn.leaky_relu`` (slope 0.2): its gradient takes the slope at 0, as TF's
    LeakyReluGrad (``features > 0``) and PyTorch do; ``jax.nn.leaky_relu`` (``x >= 0``)
    would take 1 there, e.g. for every element of a constant group with beta 0."""
    import jax.numpy as jnp

    return jnp.where(x > 0, x, 0.2 * x)


# name -> builder of the JAX function (called lazily, with jax imported).
def _table() -> dict:
    import jax

    return {
        "relu": jax.nn.relu,
        "relu6": jax.nn.relu6,
        "silu": jax.nn.silu,
        "swish": jax.nn.silu,
        "gelu": lambda x: jax.nn.gelu(x, approximate=False),
        "gelu_tanh": _gelu_tanh,
        "sigmoid": jax.nn.sigmoid,
        "tanh": _tanh,
        "elu": _elu,
        "leaky_relu": _leaky_relu,
    }


ACTIVATIONS = (
    "relu", "relu6", "silu", "swish", "gelu", "gelu_tanh", "sigmoid", "tanh", "elu",
    "leaky_relu",
)

# Aliases collapse to one canonical name so that they share compiled modules.
_ALIASES = {"swish": "silu"}


def canonical(activation: Any):
    """Validate ``activation``: None, a known name (canonicalized), or a callable."""
    if activation is None:
        return None
    if isinstance(activation, str):
        name = activation.lower()
        if name == "none":  # the CLI's and a TOML config's spelling (TOML has no null)
            return None
        if name not in ACTIVATIONS:
            raise ValueError(
                f"activation_fn={activation!r} is not a known activation name; known: "
                f"{', '.join(ACTIVATIONS)} (or pass a JAX-traceable callable)."
            )
        return _ALIASES.get(name, name)
    if callable(activation):
        try:
            hash(activation)
        except TypeError:
            # The callable is part of the op's cache key, as jax.jit's function is.
            raise ArgumentTypeError(
                f"activation_fn must be hashable (it keys the compiled op, as jax.jit's "
                f"function does), got an unhashable {type(activation).__name__} "
                f"{activation!r}; define __hash__ or pass a function.") from None
        return activation
    raise ArgumentTypeError(
        f"activation_fn must be None, an activation name or a callable, got "
        f"{activation!r} ({type(activation).__name__})."
    )


def resolve(activation: Any) -> Callable:
    """The JAX function for a canonical activation (identity for None)."""
    if activation is None:
        return lambda x: x
    if isinstance(activation, str):
        return _table()[activation]
    return activation


# Primitives that act element by element (broadcast_in_dim: a constant's, such as a
# per-channel slope); calls are looked into. Anything else (reductions, slices, pads,
# gathers, transposes, contractions...) may combine elements.
_ELEMENTWISE = frozenset("""
    abs acos acosh add and asin asinh atan atan2 atanh broadcast_in_dim cbrt ceil clamp
    convert_element_type copy copy_p cos cosh digamma div eq erf erf_inv erfc exp exp2 expm1
    floor ge gt igamma integer_pow is_finite le lgamma log log1p logistic lt max min mul ne
    neg nextafter not or pow reduce_precision rem round rsqrt select_n sign sin sinh sqrt
    square stop_gradient sub tan tanh xor
""".split())
_CALLS = frozenset("jit pjit closed_call core_call custom_jvp_call custom_vjp_call "
                   "custom_vjp_call_jaxpr remat checkpoint".split())


def non_elementwise_primitives(fn: Callable, shape, dtype: str = "float32") -> List[str]:
    """The primitives of ``fn`` (traced on ``shape``) not known to act element by element
    (``_ELEMENTWISE``; calls looked into): reductions, slices, contractions... Empty for an
    elementwise function."""
    import jax

    closed = jax.make_jaxpr(fn)(jax.ShapeDtypeStruct(tuple(shape), dtype))
    found, todo = set(), [closed.jaxpr]
    while todo:
        for eqn in todo.pop().eqns:
            name = eqn.primitive.name
            if name not in _ELEMENTWISE and name not in _CALLS:
                found.add(name)
            for p in eqn.params.values():
                for sub in (p if isinstance(p, (list, tuple)) else [p]):
                    inner = getattr(sub, "jaxpr", sub)
                    if hasattr(inner, "eqns"):
                        todo.append(inner)
    return sorted(found)
