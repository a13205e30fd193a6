"""Which specs get a hand-written llvm-cpu backward kernel, and its module text.

The backward of group norm (``iree_gn/_backward.py`` has the math): per (sample, group) of
M elements with the shift k (each channel's median of five rows, ``_ChannelsLast.shift``; 0 with ``mean_close_to_zero``,
whose statistics are then TF's one-pass sums of x and x^2, as the forward's),
``r = rsqrt(var + eps)``, ``xhat = (x - mean) r``, ``z = xhat gamma + beta``,
``dz = dy act'(z)``, ``w = gamma dz`` and::

    dx     = r (w - mean(w) - xhat mean(w xhat))
           = A_c dz + B (x - k_c) + D_c,   A_c = r gamma_c, B = -r^2 mean(w xhat),
                                           D_c = -B (mean - k_c) - r mean(w)
    dgamma = sum over n of part[n, 1, :],  part[n, 1, c] = sum dz xhat = r (sum dz (x - k_c)
                                                            - (mean - k_c) sum dz)
    dbeta  = sum over n of part[n, 0, :],  part[n, 0, c] = sum dz

All sums run over ``x - k`` (never raw x) in float32, so the accuracy holds at any mean.
Without an activation one read of x and dy gives every sum (statistics and dz sums at
once), a second writes dx: 5 tensor transfers. With one, dz needs the statistics first: a
statistics pass over x, a pass over x and dy for the dz sums, then dx (re-read from cache
where a workgroup's block fits there).

A backward kernel class (one per layout family; the dict :data:`_KERNELS`) subclasses
``_bwd_module._BwdKernel`` (its docstring is the contract: ``kind``, ``serves(spec)``,
``xmem()``, ``part_rows``, ``grad_functions()``, ``grad_dispatches()``). Constructed as
``cls(spec)`` for a spec of its layout that ``serves`` accepts (static, or a dynamic batch
axis 0), its ``module()`` is the whole MLIR module: ``@main(x, [gamma], [beta], dy) ->
(dx, [dgamma], [dbeta])`` with x, dy, dx of the spec's shape and dtype (``tensor<?x...>``
for a dynamic batch), gamma/beta ``tensor<Cxet>`` and dgamma/dbeta ``tensor<Cxf32>`` summed
over the whole batch. Families: ``"channels_last"`` (x as [N, R, C],
``_bwd_channels_last``); ``"channels_first"`` (x as [N, G, L]) is added by its own module.
"""

from __future__ import annotations

from typing import Optional

from .._spec import GroupNormSpec
from ._bwd_channels_first import _BwdChannelsFirst
from ._bwd_channels_last import _BwdChannelsLast
from ._select import _CL_MAX_CHANNELS, _ELEM, ACTIVATIONS

# layout family -> backward kernel class.
_KERNELS = {"channels_last": _BwdChannelsLast, "channels_first": _BwdChannelsFirst}


def _family(spec: GroupNormSpec) -> Optional[str]:
    """The layout family of ``spec`` as the kernels view x, or None: float32/float16/
    bfloat16, rank >= 3, a static shape or a dynamic batch axis 0, no empty axis, no
    activation or one of ``ACTIVATIONS``, every non-channel axis but 0 reduced."""
    # float64: the forward kernels widen to float64 statistics (_module._widen); the
    # backward kernels are float32-statistics only, so float64 keeps the JAX route.
    if spec.dynamic_axes not in ((), (0,)) or spec.dtype not in _ELEM or spec.rank < 3 \
            or spec.dtype == "float64":
        return None
    if any(d == 0 for d in spec.shape):
        return None
    if spec.activation is not None and spec.activation not in ACTIVATIONS:
        return None
    n, ca, red = spec.rank, spec.channels_axis, tuple(spec.reduction_axes)
    if ca == n - 1 and red == tuple(range(1, n - 1)):
        # Its scratch arrays live on the stack, as the forward's.
        return "channels_last" if spec.channels <= _CL_MAX_CHANNELS else None
    if ca == 1 and red == tuple(range(2, n)):
        return "channels_first"
    return None


def grad_layout(spec: GroupNormSpec) -> Optional[str]:
    """The backward kernel family that serves ``spec`` (a key of ``_KERNELS``), or None
    (the JAX formulation of ``iree_gn._backward`` serves it)."""
    kind = _family(spec)
    if kind is None or kind not in _KERNELS or not _KERNELS[kind].serves(spec):
        return None
    return kind


def grad_supports(spec: GroupNormSpec) -> bool:
    return grad_layout(spec) is not None


def grad_serves_dynamic(spec: GroupNormSpec) -> bool:
    """Whether one backward kernel module serves every size of ``spec``'s dynamic axes
    (axis 0, the batch, is the only one): the module takes ``tensor<?x...>``."""
    return spec.dynamic_axes == (0,) and grad_layout(spec) is not None


def grad_module_text(spec: GroupNormSpec) -> str:
    """The backward kernel module for ``spec`` (see the module docstring)."""
    kind = grad_layout(spec)
    if kind is None:
        raise ValueError(f"no hand-written backward kernel for {spec.short_name()}")
    return _KERNELS[kind](spec).module()
