"""Device-resident IREE calls, shared by the device scripts (``device_cuda.py``,
``device_cuda_lavapipe.py``): a module bound as ops and bundles bind it, inputs uploaded
once, one blocking invoke per call; and CUDA-event timing for ``harness.measure``.

Imports only ``iree.runtime`` (and torch for CUDA events) when called: the GPU machine has
the runtime and no compiler.
"""

from __future__ import annotations

from typing import Any, Callable, Sequence


def bind(vmfb: bytes, spec, runner):
    """The module bound as ops and bundles bind it (``_bound.BoundOp``): ``bo(x, g, b)``;
    ``bo.context``/``bo.function`` for raw invokes. ``runner``: a target row or a driver
    name. A dynamic spec here is a one-module kernel (its batch inside the module): only the
    GPU kernels compile those."""
    from iree_gn import _bound

    sig = _bound.group_norm_signature(spec, dynamic_in_module=not spec.is_static)
    return _bound.BoundOp(vmfb, sig, runner)


def resident_call(bo, device, dtype: str, arrays: Sequence[Any]) -> Callable[[], None]:
    """``call()``: one blocking invoke of ``bo``'s function on ``arrays``, uploaded to
    ``device`` (``_runtime.Device``) once, here; the result stays on the device."""
    import iree.runtime as rt

    args = rt.VmVariantList(len(arrays))
    for a in arrays:
        args.push_ref(device.to_device(a, dtype))

    def call():
        bo.context.invoke(bo.function, args, rt.VmVariantList(1))
    return call


def cuda_event_time(fn: Callable[[], Any]) -> float:
    """Seconds of GPU time between CUDA events recorded around one call of ``fn``."""
    import torch

    a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    a.record()
    fn()
    b.record()
    b.synchronize()
    return a.elapsed_time(b) * 1e-3
