"""JAX -> StableHLO text for one spec.

The text is printed without debug locations: locations carry file paths and line numbers
that would change the cache key (and the drift check of ``mlir/``) whenever the source
moves, without changing the program.
"""

from __future__ import annotations

import re

from ._spec import GroupNormSpec


class TraceError(TypeError):
    """The op (usually a user ``activation_fn``) could not be traced by JAX."""


def stablehlo_text(spec: GroupNormSpec, formulation: str = "split") -> str:
    """The compiler input for ``spec``: the JAX definition traced to StableHLO text, or for
    ``formulation="kernel"`` the hand-written module of ``_kernels`` (no JAX needed)."""
    if formulation == "kernel":
        from . import _kernels

        n_args = 1 + int(spec.scale) + int(spec.center)
        return add_out_entry(_kernels.module_text(spec), n_args, tuple(spec.shape), spec.dtype)
    if formulation.startswith("gpu-kernel"):  # h4-gpu: the hand-written GPU dispatches
        from . import _gpu_kernels

        n_args = 1 + int(spec.scale) + int(spec.center)
        return add_out_entry(_gpu_kernels.module_text(spec, formulation), n_args,
                             tuple(spec.shape), spec.dtype)
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
    return add_out_entry(text, len(args), tuple(spec.shape), out.dtype)


def add_out_entry(text: str, n_args: int, shape, dtype) -> str:
    """Append ``main_out``: ``main`` with its result written into a caller's ``!hal.buffer``.

    ``iree.abi.output`` makes IREE write the result into that buffer, so a caller that
    imports its NumPy output zero-copy gets the answer with no copy and no allocation.
    """
    m = re.search(r"func\.func public @main\((.*?)\)\s*->", text, re.S)
    argtypes = re.findall(r"%\w+: (tensor<[^>]*>)", m.group(1))
    if len(argtypes) != n_args:
        raise RuntimeError(f"could not read main's signature from the exported module: {argtypes}")
    res = re.search(r"->\s*\(?(tensor<[^>]*>)", text[m.end() - 2:]).group(1)
    args = ", ".join(f"%a{i}: {t}" for i, t in enumerate(argtypes))
    names = ", ".join(f"%a{i}" for i in range(len(argtypes)))
    wrapper = (
        f"  func.func public @main_out({args}, %out: !hal.buffer {{iree.abi.output = 0 : index}})"
        f" -> {res} {{\n"
        f"    %r = call @main({names}) : ({', '.join(argtypes)}) -> {res}\n"
        f"    return %r : {res}\n  }}\n")
    end = text.rstrip().rfind("}")
    return text[:end] + wrapper + text[end:]
