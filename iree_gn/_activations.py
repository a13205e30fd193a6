"""Activation functions fused into the compiled op, by name.

Names are stable across processes (they go into cache keys and bundle manifests);
callables are accepted too but only live in one process. The semantics follow TF 1.x:
``gelu`` is the exact erf form (``tf.nn.gelu`` default), ``leaky_relu`` uses TF's default
slope 0.2. This module imports JAX only when a function is resolved, so validating a
spec on the runtime-only path needs no JAX.
"""

from __future__ import annotations

from typing import Any, Callable

# name -> builder of the JAX function (called lazily, with jax imported).
def _table() -> dict:
    import jax
    import jax.numpy as jnp

    return {
        "relu": jax.nn.relu,
        "relu6": jax.nn.relu6,
        "silu": jax.nn.silu,
        "swish": jax.nn.silu,
        "gelu": lambda x: jax.nn.gelu(x, approximate=False),
        "gelu_tanh": lambda x: jax.nn.gelu(x, approximate=True),
        "sigmoid": jax.nn.sigmoid,
        "tanh": jnp.tanh,
        "elu": jax.nn.elu,
        "leaky_relu": lambda x: jax.nn.leaky_relu(x, negative_slope=0.2),
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
        if name not in ACTIVATIONS:
            raise ValueError(
                f"activation_fn={activation!r} is not a known activation name; known: "
                f"{', '.join(ACTIVATIONS)} (or pass a JAX-traceable callable)."
            )
        return _ALIASES.get(name, name)
    if callable(activation):
        return activation
    raise TypeError(
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
