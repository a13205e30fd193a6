"""Hand-written llvm-cpu dispatches: group norm that reads x once from memory.

IREE's own pipeline splits group norm into a statistics dispatch and a normalize dispatch
(``_authoring``'s "native" form), so every call reads x twice from DRAM and writes y once:
~3 passes of memory traffic. A fused dispatch that IREE forms itself is scalarized (1x8x8x32
is fine, 8x56x56x256 took 11.5 ms). The kernels here do what PyTorch's CPU kernel does: each
workgroup owns a block of x that it reads once from DRAM, then re-reads from cache to
normalize. They are written in MLIR (``scf``/``vector``/``memref``) inside a
``stream.executable`` and called by ``flow.dispatch``; IREE still lowers them to LLVM for the
target CPU, so every llvm-cpu row (host, x86-64-v3, aarch64) gets them.

x is viewed as 3-D (:func:`view`: a pure reshape; the kept axes, which come first, are the
samples N, so a kept extra axis, no batch axis or ``reduction_axes=()`` all fit):

* channels last, x as [N, R, C] (NHWC, NDHWC): one workgroup per sample. Per-channel sums of
  ``x - k`` and ``(x - k)^2`` with ``k`` per channel the median of five of the sample's rows (``shift_points``) (the "native" numerics: no
  float32 sum ever holds |mean|-sized values), accumulated per block of ``_BLOCK`` rows and
  then added up (float32 error grows with ``_BLOCK + R / _BLOCK``, not ``R``); the exact
  combine into group moments; then ``y = act((x - k) * a + b)`` per channel with
  ``a = gamma * rsqrt(var + eps)``, ``b = beta - (mean - k) * a``. Rows are read contiguously,
  which the hardware prefetchers follow, and prefetched in software too. A sample whose
  channels split into blocks that fit in L2 gets a workgroup per block (:func:`channel_blocks`).
* channels last with one large sample (``_ChannelsLastSplit``): the same arithmetic over K
  row blocks of the sample, in two dispatches (block sums; then combine and normalize), so
  that every core works (1x16x64x64x64: 3.2 ms vs 4.6 ms for "native").
* channels first, x as [N, G, L] with L = C/G * R (NCHW, NCDHW): one workgroup per (sample,
  group), whose L elements are contiguous. Pass 1: m0 = k + mean(x - k), k a median of three
  elements (``_ChannelsFirst.shifted_mean``); pass 2 (from cache):
  sums of ``d = x - m0`` and ``d^2``, so ``mean = m0 + E[d]`` and ``var = E[d^2] - E[d]^2``
  carry no cancellation; pass 3: ``y = act((x - m0) * a + b)`` with
  ``b = beta - (mean - m0) * a`` (the float32 mean itself is never formed).
* channels first with blocks larger than L2 (``_ChannelsFirstSplit``): each block in pieces
  that fit L2, a workgroup each, two dispatches: per piece the exact two-pass sums (its own
  mean as the shift), then the exact (Chan) combine of the pieces and the normalize of each
  piece.

With ``mean_close_to_zero`` all use TF's one-pass sufficient statistics (sums of x and x^2,
``var = E[x^2] - E[x]^2``), as the JAX definition does. Statistics are float32 (float64 for
float64 inputs); float16 and bfloat16 are widened on load and narrowed on store.

:func:`layout` says which specs get a kernel (the rest use the JAX formulations): float32,
float16, bfloat16 or float64 (float64 statistics; its tanh, expm1 and erf computed in the
kernel, as IREE's do not link, cancel or lower); no activation or one of
:data:`ACTIVATIONS`; any layout that :func:`view` reshapes to the 3-D forms above; blocks
large enough to pay a workgroup (or tiny inputs). Any number of channels: channels last
keeps its per-channel scratch on the stack for blocks of up to ``_CL_MAX_CHANNELS``
channels (whole groups; half that for float64) and in a workspace (a result of the
dispatch that the host never reads) for wider float32-statistics groups, whose row loops
then go over sub-blocks of channels; channels first splits blocks larger than L2 into
pieces (float32 statistics). The measured reasons for what stays on JAX are in ``_select``.

A dynamic batch (``None`` at axis 0, :func:`serves_dynamic`) gets one module: the host
functions take ``tensor<?x...>``, the dispatch's workload is N (x's dimension 0) and the kernel
reads N from an operand, so one module serves every batch size. Channels last runs a
workgroup per sample; where batch 1 would split rows, the module carries that split too, and
the kernels (not host control flow, which makes IREE copy y) pick it when N = 1.

The package: ``_select`` (which spec gets which kernel, the tuning constants), ``_emit`` (the
emitter helpers), ``_module`` (a kernel's executable and host functions; the host functions'
fixed text is in ``host_static.mlir`` / ``host_dynamic.mlir``), and a module per layout family
(``_channels_last``, ``_channels_first``, ``_channels_first_split``). The backward's kernels:
``_backward`` (which spec gets which, the module text), ``_bwd_module`` (their shared host
function and reduction) and a module per layout family (``_bwd_channels_last``,
``_bwd_channels_first``). The module text is the compiler input, so it is
part of every cache key: a change here recompiles.
"""

from __future__ import annotations

from .._spec import GroupNormSpec
from ._channels_first import _ChannelsFirst
from ._channels_first_split import _ChannelsFirstSplit
from ._channels_last import _ChannelsLast, _ChannelsLastSplit
from ._emit import _Emitter, _f32_literal  # noqa: F401 (helpers for other kernel families)
from ._module import _Kernel  # noqa: F401
from ._select import (ACTIVATIONS, _rows, cf_pieces, channel_blocks,  # noqa: F401
                      layout, serves_dynamic, split_blocks, supports, view)
from ._backward import (grad_layout, grad_module_text, grad_serves_dynamic,  # noqa: F401
                        grad_supports)

__all__ = ["ACTIVATIONS", "layout", "view", "supports", "serves_dynamic", "channel_blocks",
           "split_blocks", "module_text", "grad_layout", "grad_supports", "grad_serves_dynamic",
           "grad_module_text"]


def module_text(spec: GroupNormSpec) -> str:
    """The MLIR module for ``spec``: ``@main(x, [gamma], [beta]) -> y``, with x of
    ``spec.shape`` and ``spec.dtype`` and gamma/beta of shape [C]."""
    kind = layout(spec)
    if kind is None:
        raise ValueError(f"no hand-written kernel for {spec.short_name()}")
    v, keep = view(spec)
    k = {"channels_last": _ChannelsLast, "channels_last_split": _ChannelsLastSplit,
         "channels_first": _ChannelsFirst,
         "channels_first_split": _ChannelsFirstSplit}[kind](v)
    k.outer, k.keep = spec, keep
    return k.module()
