"""Hand-written GPU dispatches for every GPU row (CUDA, ROCm, Vulkan): group norm in three
passes that each use the whole device.

IREE's own pipeline runs the JAX formulations at ~11% of an H100's copy bandwidth (issue 10):
its reductions give one workgroup per (sample, group) at best. The dispatches here are
written in MLIR (``gpu``/``vector``/``memref``/``scf`` in a ``stream.executable`` with a
``no_pipeline`` ``translation_info``: IREE lowers them to PTX, HSACO or SPIR-V unchanged),
one text for every GPU row with the workgroup and subgroup sizes of the row
(:func:`formulation`). x is viewed as 3-D with N the batch axis 0: channels last as [N, R, C]
(NHWC, NDHWC), channels first as [N, G, L] with L = C/G * R (NCHW, NCDHW).

1. ``stats``: partial sums over tiles, one workgroup per (sample, channel block, row block)
   (channels last) or (sample, group, chunk) (channels first): hundreds to thousands of
   workgroups even at batch 1. Each thread reads 16 bytes at a time along the contiguous
   axis and keeps float32 sums of ``d = x - k`` and ``d^2``, with ``k`` the group's shift,
   the median of five of its elements (``_emit.group_shift``), so no float32 sum holds
   |mean|-sized values (accurate at mean 1e4, as the CPU kernels) and two outliers cannot be
   the shift; a workgroup-memory tree adds up the
   threads. Output: float32 partials, K per sample and entry (W entries: the C channels, or
   the G groups), into a float32 workspace (``_module._Module.ws_shape``).
2. ``combine``: one workgroup per (sample, group) adds up the group's K x (C/G or 1)
   partials: ``m = S1 / M`` (mean - k), ``var = S2 / M - m^2`` (clamped at 0), and writes
   per (sample, channel) ``k``, ``a = gamma * rsqrt(var + eps)`` and ``b = beta - m * a``
   into the same workspace (updated in place).
3. ``apply``: ``y = act((x - k) * a + b)``, elementwise over 16-byte vectors, the
   activation fused; ``x - k`` is exact-ish and small, so the float32 mean itself (whose
   rounding alone is 5e-4 at |mean| 1e4) is never formed.

Static inputs of at most 1 MiB take a fourth form, one dispatch (``-small``, see
:func:`formulation_for`): a workgroup per (sample, group) sums its slab as ``stats`` does,
then normalizes it, re-reading x from cache; three dispatches would cost more in launches
and waits than such an input costs to read.

With ``mean_close_to_zero`` the shift is 0: TF's one-pass sufficient statistics. float16 and
bfloat16 are widened on load and narrowed on store; statistics are float32. x is read twice
and y written once; the second read comes from L2 where x fits there (all SD-UNet and
ResNet shapes on an H100: 50 MB).

SPIR-V (the Vulkan rows, ``-spirv`` formulations) differs in two ways that IREE's SPIR-V code
generation of ``no_pipeline`` dispatches forces: vectors of at most 4 lanes, and y stored
lane by lane (a ``vector.store`` to a storage buffer fails to legalize). Workgroup memory is
accessed by scalars everywhere (the trees).

Every dispatch runs on a 2-D grid, (tiles of one sample, samples): a dynamic batch axis
(``None`` at axis 0) is one module whose workload is the batch size, read from x's dim
(``workgroups(%n: index)``), and the kernels get N again as an operand (at most 65535
samples: the grid's limit on Vulkan). :func:`supports` says which specs get a kernel:
float32/float16/bfloat16, no activation or one of ``_kernels.ACTIVATIONS``, batch axis 0
and every other non-channel axis reduced (the CPU kernels' scope); the rest use the JAX
formulations. The module text is the compiler input, so it is part of every cache key.

The package: ``_select`` (which spec gets which formulation, the tuning constants),
``_emit`` (the emitter helpers, built on the CPU kernels' ``_Emitter``), ``_module`` (the
tiling, the types and the module text; the host function's fixed text is in
``host_small.mlir`` / ``host_static.mlir`` / ``host_dynamic.mlir``), and a module per
dispatch family (``_stats_channels_last``, ``_stats_channels_first``, ``_combine``,
``_apply``, ``_small``). The backward (``op.vjp``) has its own dispatches on the same
workspace scheme: ``_backward`` (selection, text), ``_bwd_module``, ``_bwd_emit``,
``_bwd_dz``, ``_bwd_coef``, ``_bwd_dx``.
"""

from __future__ import annotations

from .._spec import GroupNormSpec
from ._backward import (grad_formulation, grad_module_text, grad_serves_dynamic,  # noqa: F401
                        grad_supports)
from ._module import _Module
from ._select import (_FORM, _MAX_GRID, _MIN_ITERS, formulation,  # noqa: F401
                      formulation_for, is_formulation, layout, serves_dynamic, supports)

# The largest dynamic batch one module serves: the samples are the grid's y axis.
MAX_GRID = _MAX_GRID

__all__ = ["MAX_GRID", "formulation", "formulation_for", "is_formulation", "layout",
           "supports", "serves_dynamic", "module_text", "grad_supports",
           "grad_serves_dynamic", "grad_formulation", "grad_module_text"]


def module_text(spec: GroupNormSpec, form: str) -> str:
    """The MLIR module for ``spec``: ``@main(x, [gamma], [beta]) -> y``, x of ``spec.shape``
    (``?`` at a dynamic axis 0) and ``spec.dtype``, gamma/beta of shape [C]; ``form`` is
    :func:`formulation` of the target row."""
    m = _FORM.match(form)
    if m is None:
        raise ValueError(f"{form!r} is not a GPU kernel formulation")
    kind = layout(spec)
    if kind is None:
        raise ValueError(f"no hand-written GPU kernel for {spec.short_name()}")
    if m.group(4) and not spec.is_static:
        raise ValueError(f"{form!r} needs a static shape, got {spec.short_name()}")
    return _Module(spec, kind, int(m.group(1)), int(m.group(2)), bool(m.group(3)),
                   bool(m.group(4))).text()
