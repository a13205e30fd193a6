"""JAX -> StableHLO text for one spec.

The text is printed without debug locations: locations carry file paths and line numbers
that would change the cache key (and the drift check of ``mlir/``) whenever the source
moves, without changing the program.
"""

from __future__ import annotations

import re
from typing import Optional

from ._spec import GroupNormSpec


# The spec a module was built from, as ``iree.reflection`` metadata of its ``main_out``
# function: the compiled module then states what it computes, and a bundle's loader checks
# the manifest's claim against it (``VmFunction.reflection[SPEC_KEY]`` at runtime).
SPEC_KEY = "iree_gn.spec"
SPEC_FUNCTION = "main_out"
# What the module computes, beside its spec, where it is not the forward op: "grad" for the
# backward (``_backward``), so a bundle cannot pass one off as the other.
OP_KEY = "iree_gn.op"
# The target row a module was compiled for (``Target.prepare`` adds it to the compiler
# input): a bundle's loader refuses a manifest entry that names another row (a module
# swapped between rows of one spec, or a host-CPU module relabelled as a portable row).
TARGET_KEY = "iree_gn.target"


class TraceError(TypeError):
    """The op (usually a user ``activation_fn``) could not be traced by JAX."""


def stablehlo_text(spec: GroupNormSpec, formulation: str = "split") -> str:
    """The compiler input for ``spec``: the JAX definition traced to StableHLO text, or for
    ``formulation="kernel"`` the hand-written module of ``_kernels`` (no JAX needed)."""
    if formulation == "kernel":
        from . import _kernels

        n_args = 1 + int(spec.scale) + int(spec.center)
        return add_out_entry(_kernels.module_text(spec), n_args, tuple(spec.shape), spec.dtype,
                             spec_text=spec.key_text())
    if formulation.startswith("gpu-kernel"):  # the hand-written GPU dispatches
        from . import _gpu_kernels

        n_args = 1 + int(spec.scale) + int(spec.center)
        return add_out_entry(_gpu_kernels.module_text(spec, formulation), n_args,
                             tuple(spec.shape), spec.dtype, spec_text=spec.key_text())
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
    return add_out_entry(text, len(args), tuple(spec.shape), out.dtype,
                         spec_text=spec.key_text())


def _mlir_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def add_out_entry(text: str, n_args: int, shape, dtype, *,
                  spec_text: Optional[str] = None, op: Optional[str] = None) -> str:
    """Append ``main_out``: ``main`` with its (first) result written into a caller's
    ``!hal.buffer``.

    ``iree.abi.output`` makes IREE write the result into that buffer, so a caller that
    imports its NumPy output zero-copy gets the answer with no copy and no allocation.
    ``main`` may return several results (the backward: dx, then the parameters'); the
    buffer takes the first. ``spec_text`` (``GroupNormSpec.key_text()``) goes into its
    reflection as ``SPEC_KEY``, and ``op`` (what the module computes, if not the forward)
    as ``OP_KEY``.
    """
    m = re.search(r"func\.func public @main\((.*?)\)\s*->", text, re.S)
    argtypes = re.findall(r"%\w+: (tensor<[^>]*>)", m.group(1))
    if len(argtypes) != n_args:
        raise RuntimeError(f"could not read main's signature from the exported module: {argtypes}")
    tail = text[m.end():]
    several = re.match(r"\s*\((.*?)\)\s*\{", tail, re.S)
    restypes = re.findall(r"tensor<[^>]*>", several.group(1)) if several else \
        [re.match(r"\s*(tensor<[^>]*>)", tail).group(1)]
    res = restypes[0] if len(restypes) == 1 else f"({', '.join(restypes)})"
    args = ", ".join(f"%a{i}: {t}" for i, t in enumerate(argtypes))
    names = ", ".join(f"%a{i}" for i in range(len(argtypes)))
    refl = ([f"{SPEC_KEY} = {_mlir_string(spec_text)}"] if spec_text is not None else []) + \
        ([f"{OP_KEY} = {_mlir_string(op)}"] if op is not None else [])
    attrs = f" attributes {{iree.reflection = {{{', '.join(refl)}}}}}" if refl else ""
    n = len(restypes)
    call, rets = ("%r", "%r") if n == 1 else (f"%r:{n}", ", ".join(f"%r#{i}" for i in range(n)))
    wrapper = (
        f"  func.func public @{SPEC_FUNCTION}({args}, %out: !hal.buffer "
        f"{{iree.abi.output = 0 : index}}) -> {res}{attrs} {{\n"
        f"    {call} = call @main({names}) : ({', '.join(argtypes)}) -> {res}\n"
        f"    return {rets} : {', '.join(restypes)}\n  }}\n")
    end = text.rstrip().rfind("}")
    return text[:end] + wrapper + text[end:]


def record_target(text: str, target: str) -> str:
    """``text`` with ``TARGET_KEY = target`` added to ``main_out``'s reflection (unchanged
    where ``main_out`` has none, or already records a target)."""
    m = re.search(rf"func\.func public @{SPEC_FUNCTION}\(.*?attributes \{{iree\.reflection = "
                  rf"\{{(?!{re.escape(TARGET_KEY)})", text)
    if m is None or TARGET_KEY + " =" in text[m.start():m.end()]:
        return text
    return text[:m.end()] + f"{TARGET_KEY} = {_mlir_string(target)}, " + text[m.end():]
