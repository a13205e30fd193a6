"""Which specs get a hand-written kernel, and the tuning constants the kernels share."""

from __future__ import annotations

import dataclasses
from typing import Optional, Tuple

from .._spec import GroupNormSpec
from . import _tuning

# Activations the kernels compute themselves (others, and callables, use the JAX path).
# A callable is not fused into a kernel's module: tried as the kernel's y mapped by the
# traced JAX function in the same module, IREE makes the JAX part its own dispatch (it
# cannot fuse into a hand-written one), a second pass over y. Measured (medians, same
# process, quick-GELU t * sigmoid(1.702 t)): 1x8x8x32 13.4 us vs 14.9 for the "fused" JAX
# route, 2x16x16x64 55-68 vs 51-52 us, 2x64x64x320 12-20 ms vs 2.8-3.6 ms for "native",
# and wrong results on some shapes (2x32x32x64) that were not investigated further.
ACTIVATIONS = ("relu", "relu6", "leaky_relu", "silu", "sigmoid", "tanh", "elu", "gelu",
               "gelu_tanh")

# Rows per partial-sum block (channels last).
_BLOCK = 64
# Tuning from the caches of the machine a module is built for: the kernels read
# _tuning.current() (the names below are its defaults, for the cross targets). Largest
# (sample, group) block for channels first: it is re-read from L2.
_CF_BLOCK_BYTES = _tuning.DEFAULT.cf_block_bytes
# Channels first, blocks larger than the L2 block: pieces of at most cf_piece_bytes (L2 / 2),
# a workgroup each (_channels_first_split). Pieces of 64 KiB to 512 KiB measured alike (min
# of 60: 1x256x128x128 G=4, 2x64x128x128 G=1, 1x64x128x128 G=1); the larger, the fewer
# partials.
_CF_PIECE_BYTES = _tuning.DEFAULT.cf_piece_bytes
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
# Tiny blocks go to the JAX routes, except in inputs of up to _TINY_BYTES (where the call's
# own cost dominates). Channels first with blocks of fewer than _CF_MIN_BLOCK elements runs
# scalar loops (its vectors are 64 wide): NCW 1024x256x4 16.0 / 3.8 ms (kernel / JAX, medians
# of 5 rounds; again after the merge with the wide-channel kernels 10.0 / 5.3 ms),
# 1024x256x16 (128) 1.11x, 256x256x64 (512) 0.22x; 3x32x20 (7.7 KB) 8 / 11 us. Channels last
# has no such floor (_CL_MIN_ROWS = 1): since samples of at most 64 rows sum straight into
# their totals, its kernel is as fast or faster at any row count (medians of 15 rounds,
# loaded 2-core VM, kernel / JAX: 1024x1x256 0.82 / 1.39 ms, 1024x4x256 1.44 / 3.40 ms,
# 2x2x2x2048 20.1 / 19.0 us, 32x256 17.9 / 15.6 us: within the noise of one module timed
# twice, +-20%); before that change, 1024x4x256 measured 3.97 / 1.73 ms.
_TINY_BYTES = 8 << 10
_CL_MIN_ROWS = 1
_CF_MIN_BLOCK = 128

# float64 kernels are the float32 ones with every f32 type made f64 (_module._widen):
# float64 statistics, as the JAX definition computes them.
_ELEM = {"float32": "f32", "float16": "f16", "bfloat16": "bf16", "float64": "f64"}
_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2, "float64": 8}


def _rows(spec: GroupNormSpec) -> int:
    """R: the number of elements per (sample, channel), the product of the reduction axes."""
    r = 1
    for a in spec.reduction_axes:
        r *= spec.shape[a]
    return r


def view(spec: GroupNormSpec) -> Optional[Tuple[GroupNormSpec, int]]:
    """``(v, keep)``: ``spec`` as the rank-3 spec ``v`` a kernel runs, by a pure reshape of x,
    or None where x's layout needs a transpose. ``v`` is [S, R, C] (channels last: the
    channel axis last, the reduction axes just before it) or [S, C, R] (channels first: the
    reduction axes just after the channel axis), where the kept axes (neither channel nor
    reduced) all come first: S is their product (1 with no batch axis; a kept axis is just
    more samples, each with its own statistics) and R the reduction axes' (1 for
    ``reduction_axes=()``). A dynamic axis 0 gives S = None, ``keep`` samples per index of
    axis 0 (the product of the other kept axes; 1 for a static spec). Axes of size 1 (and
    the channel axis when C = 1) may be anywhere.

    Layouts that would need a transpose (a kept axis after the channel or a reduction axis,
    such as NCHW reduced over W only, or CN with the channel axis first) use the JAX routes:
    what a kernel saves over IREE's own pipeline is at most one pass over memory (the
    "native" route reads x twice and writes y once, a kernel reads it once and writes it
    once), and transposing x in and y out costs two read+write passes. Measured (64-byte
    aligned x, min of 3 medians, kernel on the transposed copy + two NumPy transposes):
    NCHW 8x256x56x56 H kept: JAX "native" 24.2 ms vs 8.0 + 14.7 ms; NHWC 8x56x56x256 W
    kept: 9.3 vs 5.3 + 11.9 ms; CN 256x4096: 1.7 vs 5.4 + 6.7 ms."""
    n, ca, red, shape = spec.rank, spec.channels_axis, spec.reduction_axes, spec.shape
    if spec.dynamic_axes not in ((), (0,)):
        return None
    # Axes of size 1 may sit anywhere (moving one is a reshape), the channel axis too when
    # C = 1: only the order of the other axes matters.
    order = [a for a in range(n) if shape[a] != 1]
    kept = [a for a in order if a != ca and a not in red]
    k = len(kept)
    if order[:k] != kept or (spec.dynamic_axes and kept[:1] != [0]):
        return None
    rest = order[k:]  # the reduced axes and the channel axis (unless C = 1)
    if ca not in rest or rest[-1] == ca:
        last = True
    elif rest[0] == ca:
        last = False
    else:
        return None
    size = 1
    for a in kept[1:] if spec.dynamic_axes else kept:
        size *= shape[a]
    s, keep = (None, size) if spec.dynamic_axes else (size, 1)
    r = _rows(spec)
    c = spec.channels
    shape, ca3 = ((s, r, c), 2) if last else ((s, c, r), 1)
    v = dataclasses.replace(spec, shape=shape, channels_axis=ca3, reduction_axes=(3 - ca3,))
    return v, keep


def layout(spec: GroupNormSpec) -> Optional[str]:
    """``"channels_last"``, ``"channels_last_split"``, ``"channels_first"``,
    ``"channels_first_split"`` (a (sample, group) block larger than ``_CF_BLOCK_BYTES``) or
    None: which kernel handles ``spec``, if one does (static, or dynamic on axis 0 only), run
    on its rank-3 :func:`view`."""
    if spec.dtype not in _ELEM or any(d == 0 for d in spec.shape):
        return None
    if spec.activation is not None and spec.activation not in ACTIVATIONS:
        return None
    vk = view(spec)
    if vk is None:
        return None
    spec = vk[0]
    # A dynamic batch keeps its kernel: without one it runs a module call per sample (N =
    # 1024: NCW Nx256x4 19.0 ms vs 46.6 ms, NC Nx256 1.5 ms vs 41.0 ms).
    if spec.is_static and spec.nbytes > _TINY_BYTES:
        blk = _rows(spec) if spec.channels_axis == 2 else \
            spec.channels // spec.groups * _rows(spec)
        if blk < (_CL_MIN_ROWS if spec.channels_axis == 2 else _CF_MIN_BLOCK):
            return None
    if spec.channels_axis == 2:
        # The stack scratch holds statistics: float64's take twice float32's bytes (the
        # channel blocks and workspaces of wider samples are float32-only).
        if spec.dtype == "float64" and spec.channels > _CL_MAX_CHANNELS // 2:
            return None
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
    if spec.channels // spec.groups * _rows(spec) * _BYTES[spec.dtype] <= \
            _tuning.current().cf_block_bytes:
        return "channels_first"
    # The pieces' two-dispatch form is float32-statistics only.
    return None if spec.dtype == "float64" else "channels_first_split"
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
    chunk = _tuning.current().cl_chunk_bytes
    if r * C * es > chunk:
        blocks = 2
        while C % blocks == 0:
            cb = C // blocks
            if cb * es < _MIN_RUN_BYTES:
                break
            if cb % cg == 0 and cb % 16 == 0 and r * cb * es <= chunk:
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
    wgs = _tuning.current().split_workgroups
    return max(1, min(-(-wgs // spec.shape[0]), _rows(spec) // _BLOCK))


def cf_pieces(spec: GroupNormSpec):
    """(K, P) for ``_ChannelsFirstSplit``: each (sample, group) block of L elements in K
    pieces of P elements (the last one shorter), P a multiple of 64 (the sums' vector step)
    and at most ``_CF_PIECE_BYTES``, the pieces as even as that allows."""
    L = spec.channels // spec.groups * _rows(spec)
    es = _BYTES[spec.dtype]
    k = -(-L * es // _tuning.current().cf_piece_bytes)
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
