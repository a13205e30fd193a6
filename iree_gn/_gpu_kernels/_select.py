"""Which specs get the hand-written GPU dispatches, under which formulation name, and the
tuning constants of their tiling."""

from __future__ import annotations

import re
from typing import Optional

from .. import _kernels
from .._spec import GroupNormSpec

_ELEM = {"float32": "f32", "float16": "f16", "bfloat16": "bf16"}
_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2}
# Widest load per thread: 16 bytes (ld.global.v4 / dwordx4 / a 128-bit SPIR-V load).
_LOAD_BYTES = 16
# Aim for this many statistics workgroups (an H100 has 132 SMs: ~8 resident workgroups of
# 256 threads each), but give every thread at least _MIN_ITERS loads.
_TARGET_WORKGROUPS = 1024
_MIN_ITERS = 4
# Apply: vectors per thread; statistics: loads per loop iteration (loads in flight).
_APPLY_UNROLL = 4
_STATS_UNROLL = 4
# Channels-last statistics: at most this many threads along C (the rest go along rows).
_MAX_COLS = 64
# For a dynamic batch, tiles are sized as if the batch were this.
_DYN_BATCH = 2
# Workgroups per grid axis (x: tiles of one sample; y: samples) that every row allows.
_MAX_GRID = 65535

# Inputs up to this size whose (sample, group) slabs are at most _SMALL_SLAB get one
# dispatch (``small``): a workgroup per (sample, group) reads its slab, then re-reads it from
# cache to normalize. Three dispatches cost three launches and two waits, which dominate
# small calls (lavapipe, 1x8x8x256: three dispatches 0.9-1.2 ms, one 0.75 ms, "barrier"
# 0.60 ms; 2x16x16x320: one 12 ms, "barrier" 28 ms; build_tools/device_cuda_lavapipe.py).
_SMALL_BYTES = 1 << 20
_SMALL_SLAB = 64 << 10

_FORM = re.compile(r"^gpu-kernel-wg(\d+)-sg(\d+)(-spirv)?(-small)?$")


def formulation(workgroup_size: int, subgroup_size: int, spirv: bool = False,
                small: bool = False) -> str:
    """The formulation name of a GPU row's kernels (part of the cache key); ``spirv``: the
    row compiles to SPIR-V (Vulkan), which stores lanes one by one (see ``_emit.store_y``);
    ``small``: the one-dispatch form (:func:`formulation_for`)."""
    return (f"gpu-kernel-wg{workgroup_size}-sg{subgroup_size}" + ("-spirv" if spirv else "")
            + ("-small" if small else ""))


def formulation_for(spec: GroupNormSpec, workgroup_size: int, subgroup_size: int,
                    spirv: bool) -> str:
    """The formulation of a GPU row for a spec that :func:`supports`: one dispatch for a
    static input of at most ``_SMALL_BYTES`` with slabs of at most ``_SMALL_SLAB``, else
    the three."""
    small = (spec.is_static and spec.nbytes <= _SMALL_BYTES and
             spec.nbytes // (spec.shape[0] * spec.groups) <= _SMALL_SLAB)
    return formulation(workgroup_size, subgroup_size, spirv, small)


def is_formulation(name: str) -> bool:
    return bool(_FORM.match(name or ""))


def layout(spec: GroupNormSpec) -> Optional[str]:
    """``"channels_last"``, ``"channels_first"`` or None: which kernels serve ``spec``."""
    if spec.dtype not in _ELEM or spec.rank < 2:
        return None
    if any(d is None for d in spec.shape[1:]):
        return None
    if spec.is_static and spec.nbytes == 0:
        return None
    if spec.activation is not None and spec.activation not in _kernels.ACTIVATIONS:
        return None
    # The grid is (tiles of a sample, samples): each count must stay within the 65535
    # workgroups that Vulkan devices allow per grid axis.
    if (spec.shape[0] or 0) > _MAX_GRID or spec.groups > _MAX_GRID or \
            _kernels._rows(spec) * spec.channels > _MAX_GRID * 1024:
        return None
    n, ca, red = spec.rank, spec.channels_axis, tuple(spec.reduction_axes)
    if ca == n - 1 and red == tuple(range(1, n - 1)):
        return "channels_last"
    if ca == 1 and red == tuple(range(2, n)):
        return "channels_first"
    return None


def supports(spec: GroupNormSpec) -> bool:
    return layout(spec) is not None


def serves_dynamic(spec: GroupNormSpec, target) -> bool:
    """Whether ``target`` compiles ``spec`` (dynamic batch axis 0 included) as one module of
    these kernels: the op then needs no per-sample block loop."""
    return bool(getattr(target, "gpu_kernel", None)) and not spec.is_static and supports(spec)


def _vector_lanes(spec: GroupNormSpec, along: int, spirv: bool) -> int:
    """Lanes of the widest load (<= 16 bytes, a power of two) that divides ``along``; SPIR-V
    vectors have at most 4 components (float16 then loads 8 bytes)."""
    v = min(_LOAD_BYTES // _BYTES[spec.dtype], 4 if spirv else 16)
    while along % v:
        v //= 2
    return v
