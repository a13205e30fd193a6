"""Which specs get the hand-written GPU backward dispatches, and their module text.

The math is the CPU backward's (``_kernels._backward``): per (sample, group) of M elements,
``k`` the group's shift (``_emit.group_shift``: a median of five elements; 0 with ``mean_close_to_zero``, whose statistics are then
TF's one-pass sums), ``r = rsqrt(var + eps)``, ``xhat = (x - mean) r``, ``z = xhat gamma +
beta``, ``dz = dy act'(z)``, ``w = gamma dz``::

    dx     = r (w - mean(w) - xhat mean(w xhat)) = A_c dz + B (x - k) + D
    dgamma = sum over n of sum dz xhat,   dbeta = sum over n of sum dz

every float32 sum over ``x - k`` or xhat, never raw x (accurate at mean 1e4). Dispatches
(``_bwd_module``): the forward's ``stats`` and ``combine`` (the shifted statistics), then
``dzsum`` (per (sample, channel) partial sums of dz and dz (x - k), ``_bwd_dz``), ``coef``
(per (sample, group): the parameter-gradient parts and A, B, D, ``_bwd_coef``), ``dx``
(elementwise, ``_bwd_dx``) and ``reduce`` (dgamma/dbeta over the batch); channels last
without an activation forms the statistics and dz sums in one pass. Each reduction's result
is read by a later dispatch, never by the one that forms it across workgroups.

Served: every spec the forward GPU kernels serve (``_select.layout``: channels last or
first, float32/float16/bfloat16, no activation or one of ``_kernels.ACTIVATIONS``), static
or with a dynamic batch axis 0 (one module, the batch a grid axis: at most ``MAX_GRID``).
"""

from __future__ import annotations

from .._spec import GroupNormSpec
from ._bwd_module import _BwdModule
from ._select import formulation, layout


def grad_supports(spec: GroupNormSpec, target) -> bool:
    """Whether ``target`` (a GPU row with ``gpu_kernel``) runs ``spec``'s backward as these
    dispatches."""
    return bool(getattr(target, "gpu_kernel", None)) and layout(spec) is not None


def grad_serves_dynamic(spec: GroupNormSpec, target) -> bool:
    """Whether one backward module serves every batch size of ``spec`` (dynamic axis 0)."""
    return not spec.is_static and grad_supports(spec, target)


def grad_formulation(target) -> str:
    """The formulation name of ``target``'s backward dispatches (part of the cache key)."""
    return formulation(*target.gpu_kernel)


def grad_module_text(spec: GroupNormSpec, target) -> str:
    """The backward module for ``spec`` on ``target``'s row: ``@main(x, [gamma], [beta],
    dy) -> (dx, [dgamma], [dbeta])``, x/dy/dx of the spec's shape (``?`` at a dynamic axis
    0) and dtype, gamma/beta ``[C]`` of the dtype, dgamma/dbeta float32 ``[C]``."""
    kind = layout(spec)
    if kind is None or not getattr(target, "gpu_kernel", None):
        raise ValueError(f"no hand-written GPU backward kernel for {spec.short_name()} on "
                         f"{getattr(target, 'name', target)!r}")
    wgs, sg, spirv = target.gpu_kernel
    return _BwdModule(spec, kind, wgs, sg, spirv).text()
