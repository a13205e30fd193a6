"""JAX -> StableHLO text for one spec.

The text is printed without debug locations: locations carry file paths and line numbers
that would change the cache key (and the drift check of ``mlir/``) whenever the source
moves, without changing the program.
"""

from __future__ import annotations

from ._spec import GroupNormSpec


class TraceError(TypeError):
    """The op (usually a user ``activation_fn``) could not be traced by JAX."""


def stablehlo_text(spec: GroupNormSpec, formulation: str = "fused") -> str:
    """Trace the JAX definition for ``spec`` and return its StableHLO module as text."""
    import jax

    from . import _authoring

    fn = _authoring.build(spec, formulation)
    # float64 needs JAX's x64 mode for the trace only; elsewhere JAX stays in its default.
    with jax.enable_x64(spec.dtype == "float64"):
        args = _authoring.abstract_args(spec)
        try:
            lowered = jax.jit(fn).lower(*args)
            text = lowered.as_text(debug_info=False)
        except Exception as e:  # a user activation that is not JAX-traceable lands here
            if spec.portable:
                raise
            raise TraceError(
                f"activation_fn={spec.activation!r} could not be traced by JAX: it must be a "
                f"function of one jax array built from jax.numpy / jax.nn operations "
                f"(for example jax.nn.relu or lambda x: jnp.maximum(x, 0)). JAX said: "
                f"{type(e).__name__}: {e}"
            ) from e
    out = lowered.out_info
    if getattr(out, "shape", None) != tuple(spec.shape):
        raise TraceError(
            f"activation_fn={spec.activation!r} changed the output shape from {spec.shape} "
            f"to {getattr(out, 'shape', out)}: an activation must be elementwise."
        )
    return text
