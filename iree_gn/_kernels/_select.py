"""Which specs get a hand-written kernel, and the tuning constants the kernels share."""

from __future__ import annotations

from typing import Optional

from .._spec import GroupNormSpec

# Activations the kernels compute themselves (others, and callables, use the JAX path).
ACTIVATIONS = ("relu", "relu6", "leaky_relu", "silu", "sigmoid", "tanh", "elu", "gelu",
               "gelu_tanh")

# Rows per partial-sum block (channels last).
_BLOCK = 64
# Largest (sample, group) block for channels first: it is re-read from L2 (1-2 MiB per core on
# current x86 and Arm servers; 1 MiB here).
_CF_BLOCK_BYTES = 1 << 20
# Channels first, blocks larger than _CF_BLOCK_BYTES: pieces of at most this size, a workgroup
# each (_channels_first_split). Pieces of 64 KiB to 512 KiB measured alike (min of 60:
# 1x256x128x128 G=4, 2x64x128x128 G=1, 1x64x128x128 G=1); the larger, the fewer partials.
_CF_PIECE_BYTES = 512 << 10
# How far ahead channels-last kernels prefetch x.
_PREFETCH_BYTES = 4096
# How far ahead the channels-first normalize prefetches y.
_CF_PREFETCH_BYTES = 1024
# Workgroups (samples x row blocks) for batch-1 channels last.
_SPLIT_WORKGROUPS = 16
# Channel blocks (see channel_blocks): the largest block a workgroup re-reads, and the
# shortest row piece it may read.
_CL_CHUNK_BYTES = 256 << 10
_MIN_RUN_BYTES = 512
# Calls under this size run on one thread anyway (llvm-cpu's small_bytes).
_SINGLE_THREAD_BYTES = 1 << 20
# Channels last keeps five float32 arrays of its block's channels on the stack; IREE allows
# 32 KiB. Samples with more channels are split into blocks of at most this many (whole
# groups); where no such split exists (a group wider than this), the arrays come from a
# workspace binding instead (_channels_last._ChannelsLast.workspace).
_STACK_BYTES = 32 << 10
_CL_MAX_CHANNELS = 1536
# A workspace block's loops over rows span at most this many channels at a time (sub-blocks),
# so that the scratch they touch stays in L1. Medians of 100, same process, whole blocks /
# 1024 / 512: 2x16x16x4096 G=2 2.44 / 1.71 / 1.60 ms, 4x8x8x2048 G=1 0.355 / 0.289 /
# 0.299 ms, 2x4x4x4096 G=1 0.123 / 0.100 / 0.094 ms (256 and 128 no better; loaded machine).
_CL_SUB_CHANNELS = 512

_ELEM = {"float32": "f32", "float16": "f16", "bfloat16": "bf16"}
_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2}


def _rows(spec: GroupNormSpec) -> int:
    """R: the number of elements per (sample, channel), the product of the reduction axes."""
    r = 1
    for a in spec.reduction_axes:
        r *= spec.shape[a]
    return r


def layout(spec: GroupNormSpec) -> Optional[str]:
    """``"channels_last"``, ``"channels_last_split"``, ``"channels_first"``,
    ``"channels_first_split"`` (a (sample, group) block larger than ``_CF_BLOCK_BYTES``) or
    None: which kernel handles ``spec``, if one does (static, or dynamic on axis 0 only)."""
    if spec.dynamic_axes not in ((), (0,)) or spec.dtype not in _ELEM or spec.rank < 3:
        return None
    if any(d == 0 for d in spec.shape):
        return None
    if spec.activation is not None and spec.activation not in ACTIVATIONS:
        return None
    n, ca, red = spec.rank, spec.channels_axis, tuple(spec.reduction_axes)
    if ca == n - 1 and red == tuple(range(1, n - 1)):
        # One workgroup per sample; batch 1 would run on one core, so it splits the rows,
        # unless the call is small enough to run on the single-threaded driver anyway
        # (_targets.Target.small_bytes), or it has more channels than the stack holds
        # scratch for and splits into channel blocks (the workgroups then). A dynamic batch:
        # a workgroup per sample, and the split for N = 1 in the same module
        # (_channels_last._ChannelsLast.functions).
        if spec.shape[0] is None or spec.shape[0] >= 2 or spec.nbytes < _SINGLE_THREAD_BYTES \
                or (spec.channels > _CL_MAX_CHANNELS and channel_blocks(spec) > 1):
            return "channels_last"
        return "channels_last_split"
    if ca == 1 and red == tuple(range(2, n)):
        if spec.channels // spec.groups * _rows(spec) * _BYTES[spec.dtype] <= _CF_BLOCK_BYTES:
            return "channels_first"
        return "channels_first_split"
    return None


def channel_blocks(spec: GroupNormSpec) -> int:
    """Workgroups per sample for channels last: 1 (whole rows), unless a sample is larger
    than ``_CL_CHUNK_BYTES`` and the fewest channel blocks that fit it keep whole groups,
    whole 16-lane vectors and row pieces of at least ``_MIN_RUN_BYTES``. Then each block
    is re-read from L2 instead of L3: 2x16x16x1280 in 8 blocks of 160 channels measured
    0.24 vs 0.33 ms (medians, same process). Longer chunks or shorter pieces measured slower
    (2x32x32x640 in 2 or 4 blocks, 8x56x56x256 in 4: 1.2-2x). Samples of more than
    ``_CL_MAX_CHANNELS`` channels that this leaves in one block split further where whole
    groups allow (``_stack_blocks``), so that their scratch arrays fit the stack."""
    es, r = _BYTES[spec.dtype], _rows(spec)
    C, cg = spec.channels, spec.channels // spec.groups
    if r * C * es > _CL_CHUNK_BYTES:
        blocks = 2
        while C % blocks == 0:
            cb = C // blocks
            if cb * es < _MIN_RUN_BYTES:
                break
            if cb % cg == 0 and cb % 16 == 0 and r * cb * es <= _CL_CHUNK_BYTES:
                return blocks
            blocks *= 2
    return _stack_blocks(C, cg)


def _stack_blocks(C: int, cg: int) -> int:
    """1, or for more than ``_CL_MAX_CHANNELS`` channels the fewest blocks (a power of two)
    of whole groups whose scratch arrays fit the stack; where whole groups do not allow that
    (a group of more than ``_CL_MAX_CHANNELS`` channels), the most blocks of whole groups, whose
    arrays come from a workspace."""
    blocks = 1
    while C // blocks > _CL_MAX_CHANNELS and C % (2 * blocks) == 0 \
            and (C // (2 * blocks)) % cg == 0:
        blocks *= 2
    return blocks


def split_blocks(spec: GroupNormSpec) -> int:
    """Row blocks per sample for ``_ChannelsLastSplit``: enough for ``_SPLIT_WORKGROUPS``
    workgroups in all, each of at least ``_BLOCK`` rows."""
    return max(1, min(-(-_SPLIT_WORKGROUPS // spec.shape[0]), _rows(spec) // _BLOCK))


def cf_pieces(spec: GroupNormSpec):
    """(K, P) for ``_ChannelsFirstSplit``: each (sample, group) block of L elements in K
    pieces of P elements (the last one shorter), P a multiple of 64 (the sums' vector step)
    and at most ``_CF_PIECE_BYTES``, the pieces as even as that allows."""
    L = spec.channels // spec.groups * _rows(spec)
    es = _BYTES[spec.dtype]
    k = -(-L * es // _CF_PIECE_BYTES)
    p = -(-L // k)
    p = -(-p // 64) * 64
    return -(-L // p), p


def supports(spec: GroupNormSpec) -> bool:
    return layout(spec) is not None


def serves_dynamic(spec: GroupNormSpec) -> bool:
    """Whether one kernel module serves every size of ``spec``'s dynamic axes: axis 0 (the
    batch) is the only one, and a kernel serves the layout. The module then takes
    ``tensor<?x...>`` and runs N x (workgroups per sample), N read from x's dimension."""
    return spec.dynamic_axes == (0,) and layout(spec) is not None
