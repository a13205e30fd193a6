"""Which specs get a hand-written kernel, and the tuning constants the kernels share."""

from __future__ import annotations

from typing import Optional

from .._spec import GroupNormSpec
from . import _tuning

# Activations the kernels compute themselves (others, and callables, use the JAX path).
ACTIVATIONS = ("relu", "relu6", "leaky_relu", "silu", "sigmoid", "tanh", "elu", "gelu",
               "gelu_tanh")

# Rows per partial-sum block (channels last).
_BLOCK = 64
# Tuning from the caches of the machine a module is built for: the kernels read
# _tuning.current() (the names below are its defaults, for the cross targets). Largest
# (sample, group) block for channels first: it is re-read from L2.
_CF_BLOCK_BYTES = _tuning.DEFAULT.cf_block_bytes
# How far ahead channels-last kernels prefetch x.
_PREFETCH_BYTES = _tuning.DEFAULT.prefetch_bytes
# How far ahead the channels-first normalize prefetches y.
_CF_PREFETCH_BYTES = _tuning.DEFAULT.cf_prefetch_bytes
# Workgroups (samples x row blocks) for batch-1 channels last.
_SPLIT_WORKGROUPS = _tuning.DEFAULT.split_workgroups
# Channel blocks (see channel_blocks): the largest block a workgroup re-reads, and the
# shortest row piece it may read.
_CL_CHUNK_BYTES = _tuning.DEFAULT.cl_chunk_bytes
_MIN_RUN_BYTES = 512
# Calls under this size run on one thread anyway (llvm-cpu's small_bytes).
_SINGLE_THREAD_BYTES = 1 << 20
# Channels last keeps five float32 arrays of C on the stack; IREE allows 32 KiB.
_STACK_BYTES = 32 << 10
_CL_MAX_CHANNELS = 1536

_ELEM = {"float32": "f32", "float16": "f16", "bfloat16": "bf16"}
_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2}


def _rows(spec: GroupNormSpec) -> int:
    """R: the number of elements per (sample, channel), the product of the reduction axes."""
    r = 1
    for a in spec.reduction_axes:
        r *= spec.shape[a]
    return r


def layout(spec: GroupNormSpec) -> Optional[str]:
    """``"channels_last"``, ``"channels_last_split"``, ``"channels_first"`` or None: which
    kernel handles ``spec``, if one does (static, or dynamic on axis 0 only)."""
    if spec.dynamic_axes not in ((), (0,)) or spec.dtype not in _ELEM or spec.rank < 3:
        return None
    if any(d == 0 for d in spec.shape):
        return None
    if spec.activation is not None and spec.activation not in ACTIVATIONS:
        return None
    n, ca, red = spec.rank, spec.channels_axis, tuple(spec.reduction_axes)
    if ca == n - 1 and red == tuple(range(1, n - 1)):
        if spec.channels > _CL_MAX_CHANNELS:
            return None
        # One workgroup per sample; batch 1 would run on one core, so it splits the rows,
        # unless the call is small enough to run on the single-threaded driver anyway
        # (_targets.Target.small_bytes). A dynamic batch: a workgroup per sample, and the
        # split for N = 1 in the same module (_channels_last._ChannelsLast.functions).
        if spec.shape[0] is None or spec.shape[0] >= 2 or spec.nbytes < _SINGLE_THREAD_BYTES:
            return "channels_last"
        return "channels_last_split"
    if ca == 1 and red == tuple(range(2, n)):
        if spec.channels // spec.groups * _rows(spec) * _BYTES[spec.dtype] <= \
                _tuning.current().cf_block_bytes:
            return "channels_first"
    return None


def channel_blocks(spec: GroupNormSpec) -> int:
    """Workgroups per sample for channels last: 1 (whole rows), unless a sample is larger
    than ``_CL_CHUNK_BYTES`` and the fewest channel blocks that fit it keep whole groups,
    whole 16-lane vectors and row pieces of at least ``_MIN_RUN_BYTES``. Then each block
    is re-read from L2 instead of L3: 2x16x16x1280 in 8 blocks of 160 channels measured
    0.24 vs 0.33 ms (medians, same process). Longer chunks or shorter pieces measured slower
    (2x32x32x640 in 2 or 4 blocks, 8x56x56x256 in 4: 1.2-2x)."""
    es, r = _BYTES[spec.dtype], _rows(spec)
    C, cg = spec.channels, spec.channels // spec.groups
    chunk = _tuning.current().cl_chunk_bytes
    if r * C * es <= chunk:
        return 1
    blocks = 2
    while C % blocks == 0:
        cb = C // blocks
        if cb * es < _MIN_RUN_BYTES:
            break
        if cb % cg == 0 and cb % 16 == 0 and r * cb * es <= chunk:
            return blocks
        blocks *= 2
    return 1


def split_blocks(spec: GroupNormSpec) -> int:
    """Row blocks per sample for ``_ChannelsLastSplit``: enough for ``_SPLIT_WORKGROUPS``
    workgroups in all, each of at least ``_BLOCK`` rows."""
    wgs = _tuning.current().split_workgroups
    return max(1, min(-(-wgs // spec.shape[0]), _rows(spec) // _BLOCK))


def supports(spec: GroupNormSpec) -> bool:
    return layout(spec) is not None


def serves_dynamic(spec: GroupNormSpec) -> bool:
    """Whether one kernel module serves every size of ``spec``'s dynamic axes: axis 0 (the
    batch) is the only one, and a kernel serves the layout. The module then takes
    ``tensor<?x...>`` and runs N x (workgroups per sample), N read from x's dimension."""
    return spec.dynamic_axes == (0,) and layout(spec) is not None
