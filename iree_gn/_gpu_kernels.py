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
   axis and keeps float32 sums of ``d = x - k`` and ``d^2``, with ``k`` the group's first
   element (``x[n, 0, g*C/G]`` / ``x[n, g, 0]``), so no float32 sum holds |mean|-sized
   values (accurate at mean 1e4, as the CPU kernels); a workgroup-memory tree adds up the
   threads. Output: float32 partials, K per sample and entry (W entries: the C channels, or
   the G groups), into a float32 workspace (:meth:`_Module.ws_shape`).
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
"""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from . import _kernels
from ._spec import GroupNormSpec

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
    row compiles to SPIR-V (Vulkan), which stores lanes one by one (see ``_Module.apply``);
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


def _vector_lanes(spec: GroupNormSpec, along: int, spirv: bool) -> int:
    """Lanes of the widest load (<= 16 bytes, a power of two) that divides ``along``; SPIR-V
    vectors have at most 4 components (float16 then loads 8 bytes)."""
    v = min(_LOAD_BYTES // _BYTES[spec.dtype], 4 if spirv else 16)
    while along % v:
        v //= 2
    return v


def _tree(e, ind: str, wgs: int, slots: List[Tuple[str, str, str]], tid: str, idx) -> None:
    """Sum ``wgs`` threads' float32 values in workgroup memory (a halving tree with
    barriers; scalar accesses only, which every backend lowers). ``slots``: (buffer, type,
    index format with ``{t}`` for the thread) of each value; the caller has filled them and
    passed a barrier; afterwards thread 0's slots hold the sums."""
    stride = wgs // 2
    while stride >= 1:
        e(f"{ind}%tl{stride} = arith.cmpi ult, {tid}, {idx(stride)} : index")
        e(f"{ind}scf.if %tl{stride} {{")
        e(f"{ind}  %to{stride} = arith.addi {tid}, {idx(stride)} : index")
        for i, (buf, bty, at) in enumerate(slots):
            mine, other = at.format(t=tid), at.format(t=f"%to{stride}")
            e(f"{ind}  %ta{stride}_{i} = memref.load {buf}[{mine}] : {bty}")
            e(f"{ind}  %tb{stride}_{i} = memref.load {buf}[{other}] : {bty}")
            e(f"{ind}  %ts{stride}_{i} = arith.addf %ta{stride}_{i}, %tb{stride}_{i} : f32")
            e(f"{ind}  memref.store %ts{stride}_{i}, {buf}[{mine}] : {bty}")
        e(f"{ind}}}")
        e(f"{ind}gpu.barrier")
        stride //= 2


def _ld(buf: str, at: str, bty: str, ty: str) -> str:
    if ty.startswith("vector"):
        return f"vector.load {buf}[{at}] : {bty}, {ty}"
    return f"memref.load {buf}[{at}] : {bty}"


class _Func(_kernels._Kernel):
    """One kernel function's body (the CPU kernels' emission helpers: constants,
    widening loads, the fused activations)."""

    def __init__(self, spec: GroupNormSpec):
        super().__init__(spec)
        self.lines = []

    def consts(self) -> List[str]:
        out = []
        for (kind, v), name in sorted(self._consts.items(), key=lambda kv: kv[1]):
            lit = f"{v} : index" if kind == "index" else f"{_kernels._f32_literal(v)} : f32"
            out.append(f"        {name} = arith.constant {lit}")
        return out


class _Module:
    """The three dispatches and the host function for one spec and one GPU row."""

    def __init__(self, spec: GroupNormSpec, kind: str, wgs: int, sg: int, spirv: bool,
                 small: bool = False):
        self.spec, self.kind, self.wgs, self.sg, self.spirv = spec, kind, wgs, sg, spirv
        self.small = small
        self.et = _ELEM[spec.dtype]
        self.dyn = spec.shape[0] is None
        self.N = spec.shape[0]
        self.C, self.G = spec.channels, spec.groups
        self.cg = self.C // self.G
        self.R = _kernels._rows(spec)
        self.mcz = spec.mean_close_to_zero
        nb = self.N if not self.dyn else _DYN_BATCH
        if kind == "channels_last":
            self._plan_channels_last(nb)
        else:
            self._plan_channels_first(nb)
        # apply: x flat per sample, vectors that stay within one channel's run
        self.AVL = _vector_lanes(spec, self.C if kind == "channels_last" else self.R, spirv)
        self.Q = self.R * self.C // self.AVL  # vectors per sample
        self.AT = self.wgs * _APPLY_UNROLL  # vectors per workgroup
        self.AWPS = -(-self.Q // self.AT)

    # -- tiling --------------------------------------------------------------------------
    def _plan_channels_last(self, nb: int) -> None:
        self.VL = _vector_lanes(self.spec, self.C, self.spirv)
        self.Cv = self.C // self.VL  # vector columns
        # Threads along C: a power of two that divides the vector columns (every thread
        # busy: float16 C=320 is 40 columns, 8 threads x 5 blocks), at least 8 for 128-byte
        # row pieces; else the smallest power of two that covers them (the rest idle).
        tc = next((t for t in (64, 32, 16, 8) if t <= _MAX_COLS and self.Cv % t == 0), None)
        if tc is None:
            tc = 1
            while tc < min(self.Cv, _MAX_COLS):
                tc *= 2
        self.TC = min(tc, self.wgs)
        self.TR = self.wgs // self.TC
        self.CBK = -(-self.Cv // self.TC)  # channel blocks
        most = max(1, self.R // (self.TR * _MIN_ITERS))
        want = -(-_TARGET_WORKGROUPS // (nb * self.CBK))
        k = max(1, min(want, most))
        rb = -(-self.R // k)
        self.RB = -(-rb // self.TR) * self.TR  # rows per block: whole thread rows
        self.K = -(-self.R // self.RB)
        self.W = self.C  # partial entries per sample: one per channel
        self.E = self.cg  # entries per group
        self.SWPS = self.CBK * self.K  # statistics workgroups per sample

    def _plan_channels_first(self, nb: int) -> None:
        self.L = self.cg * self.R
        self.VL = _vector_lanes(self.spec, self.L, self.spirv)
        self.Lv = self.L // self.VL
        most = max(1, self.Lv // (self.wgs * _MIN_ITERS))
        want = -(-_TARGET_WORKGROUPS // (nb * self.G))
        self.K = max(1, min(want, most))
        self.LB = -(-self.Lv // self.K)  # vectors per chunk
        self.K = -(-self.Lv // self.LB)
        self.W = self.G
        self.E = 1
        self.SWPS = self.G * self.K

    # -- types ---------------------------------------------------------------------------
    def dim(self) -> str:
        return "?" if self.dyn else str(self.N)

    def xshape(self) -> str:
        if self.kind == "channels_last":
            return f"{self.dim()}x{self.R}x{self.C}"
        return f"{self.dim()}x{self.G}x{self.L}"

    def ty(self, kind: str, shape: str, et: str) -> str:
        return f"{kind}<{shape}x{et}>"

    def ws_shape(self) -> str:
        """The float32 workspace, per sample: the partials [K, 2, W], then k, a, b [3, C]
        (channels last: rows of C, [2K + 3, C], so vector accesses stay row-aligned). One
        tensor, updated in place by ``combine``: two transient tensors would share one
        allocation, and SPIR-V code generation of the second's non-zero binding offset
        fails ("failed to legalize unresolved target materialization")."""
        if self.kind == "channels_last":  # rows of C: every vector access is row-aligned
            return f"{self.dim()}x{2 * self.K + 3}x{self.C}"
        return f"{self.dim()}x{2 * self.K * self.W + 3 * self.C}"

    def ws_at(self, f: _Func, ind: str, nn: str, part: Optional[Tuple[str, int]], w: str,
              tag: str) -> str:
        """Indices into the workspace of partial ``part = (kb, which)`` of entry ``w``, or
        with ``part`` None of parameter row ``which`` (0 k, 1 a, 2 b) of channel ``w``."""
        e, idx = f.e, f.idx
        kb, which = part if part else (None, int(tag[-1]))
        if self.kind == "channels_last":
            if part:
                e(f"{ind}%r{tag}0 = arith.muli {kb}, {idx(2)} : index")
                e(f"{ind}%r{tag} = arith.addi %r{tag}0, {idx(which)} : index")
                return f"{nn}, %r{tag}, {w}"
            return f"{nn}, {idx(2 * self.K + which)}, {w}"
        if part:
            e(f"{ind}%r{tag}0 = arith.muli {kb}, {idx(2 * self.W)} : index")
            e(f"{ind}%r{tag}1 = arith.addi %r{tag}0, {w} : index")
            e(f"{ind}%r{tag} = arith.addi %r{tag}1, {idx(which * self.W)} : index")
        else:
            e(f"{ind}%r{tag} = arith.addi {w}, {idx(2 * self.K * self.W + which * self.C)}"
              " : index")
        return f"{nn}, %r{tag}"

    def flat_shape(self) -> str:
        return f"{self.dim()}x{self.R * self.C}"

    def dims(self) -> str:
        return "{%n}" if self.dyn else ""

    # -- pieces --------------------------------------------------------------------------
    def header(self, f: _Func, name: str, binds) -> List[str]:
        """The function signature, its bindings and the workgroup/thread ids."""
        ops = ", ".join(f"{b}: !stream.binding" for b, _, _ in binds)
        if self.dyn:
            ops += ", %n_i32: i32"
        ti = (f"#iree_codegen.translation_info<pipeline = #iree_codegen.no_pipeline "
              f"workgroup_size = [{self.wgs}, 1, 1] subgroup_size = {self.sg}>")
        out = [f"      func.func @{name}({ops}) attributes {{translation_info = {ti}}} {{"]
        out += f.consts()
        if self.dyn:
            out.append("        %n = arith.index_castui %n_i32 : i32 to index")
        out.append("        %wg = hal.interface.workgroup.id[0] : index")
        out.append("        %tid = gpu.thread_id x")
        for b, v, t in binds:
            d = self.dims() if t.startswith("memref<?") else ""
            out.append(f"        {v} = stream.binding.subspan {b}[%c0] : !stream.binding -> "
                       f"{t}{d}")
        return out

    def sum_loop(self, f: _Func, I: str, V: str, lo: str, hi: str, step: int, last: int,
                 load) -> None:
        """``%acc#0``, ``%acc#1``: this thread's sums of ``d = x - k`` and ``d^2`` over the
        indices lo, lo + step, ... < hi, _STATS_UNROLL loads per iteration (independent
        loads in flight); indices past ``hi`` load a valid element (clamped to ``last``)
        and add zero. ``load(index) -> value`` emits one widened load."""
        e, idx, U = f.e, f.idx, _STATS_UNROLL
        J = I + "  "
        e(f"{I}%acc:2 = scf.for %i = {lo} to {hi} step {idx(step * U)} iter_args(%a1 = %zv, "
          f"%a2 = %zv) -> ({V}, {V}) {{")
        s1, s2 = "%a1", "%a2"
        for u in range(U):
            at = "%i"
            if u:
                e(f"{J}%iu{u} = arith.addi %i, {idx(u * step)} : index")
                e(f"{J}%ok{u} = arith.cmpi ult, %iu{u}, {hi} : index")
                e(f"{J}%ic{u} = arith.minui %iu{u}, {idx(last)} : index")
                at = f"%ic{u}"
            v = load(at)
            if not self.mcz:
                e(f"{J}%d{u} = arith.subf {v}, %kv : {V}")
                v = f"%d{u}"
            if u:
                e(f"{J}%z{u} = arith.select %ok{u}, {v}, %zv : {V}")
                v = f"%z{u}"
            e(f"{J}%s1_{u} = arith.addf {s1}, {v} : {V}")
            e(f"{J}%s2_{u} = math.fma {v}, {v}, {s2} : {V}")
            s1, s2 = f"%s1_{u}", f"%s2_{u}"
        e(f"{J}scf.yield {s1}, {s2} : {V}, {V}")
        e(f"{I}}}")

    def stats_cl(self) -> Tuple[List[str], list]:
        f = _Func(self.spec)
        e, idx = f.e, f.idx
        I = "        "
        VL, TC = self.VL, self.TC
        V = f"vector<{VL}xf32>"
        xt = self.ty("memref", self.xshape(), self.et)
        pt = self.ty("memref", self.ws_shape(), "f32")
        idx(0)
        e(f"{I}%zv = arith.constant dense<0.0> : {V}")
        nn = "%n" if not self.dyn else "%nn"
        e(f"{I}{nn} = hal.interface.workgroup.id[1] : index")
        e(f"{I}%wr = arith.addi %wg, %c0 : index")
        e(f"{I}%cb = arith.divui %wr, {idx(self.K)} : index")
        e(f"{I}%kb = arith.remui %wr, {idx(self.K)} : index")
        e(f"{I}%tc = arith.remui %tid, {idx(TC)} : index")
        e(f"{I}%tr = arith.divui %tid, {idx(TC)} : index")
        e(f"{I}%cv0 = arith.muli %cb, {idx(TC)} : index")
        e(f"{I}%cv1 = arith.addi %cv0, %tc : index")
        # Threads past the last column read a valid column and discard their sums.
        e(f"{I}%cv = arith.minui %cv1, {idx(self.Cv - 1)} : index")
        e(f"{I}%ch = arith.muli %cv, {idx(VL)} : index")
        # The shift: each lane's group's first element (row 0).
        ks = []
        for l in range(VL):
            if self.mcz:
                break
            e(f"{I}%kc{l} = arith.addi %ch, {idx(l)} : index")
            e(f"{I}%kg{l} = arith.divui %kc{l}, {idx(self.cg)} : index")
            e(f"{I}%kf{l} = arith.muli %kg{l}, {idx(self.cg)} : index")
            ks.append(f.load(I, f"%ks{l}", "%x", f"{nn}, %c0, %kf{l}", xt, 0))
        if ks:
            e(f"{I}%kv = vector.from_elements {', '.join(ks)} : {V}")
        e(f"{I}%rb0 = arith.muli %kb, {idx(self.RB)} : index")
        e(f"{I}%r0 = arith.addi %rb0, %tr : index")
        e(f"{I}%re0 = arith.addi %rb0, {idx(self.RB)} : index")
        e(f"{I}%re = arith.minui %re0, {idx(self.R)} : index")
        J = I + "  "
        self.sum_loop(f, I, V, "%r0", "%re", self.TR, self.R - 1,
                      lambda r: f.load(J, f"%v{r[1:]}", "%x", f"{nn}, {r}, %ch", xt, VL))
        # Sum the thread rows: [TR, TC * VL] per statistic.
        sh = f"memref<{self.TR}x{TC * VL}xf32, #gpu.address_space<workgroup>>"
        e(f"{I}%sh1 = memref.alloc() : {sh}")
        e(f"{I}%sh2 = memref.alloc() : {sh}")
        e(f"{I}%col = arith.muli %tc, {idx(VL)} : index")
        slots = []
        for l in range(VL):
            e(f"{I}%col{l} = arith.addi %col, {idx(l)} : index")
            for j in (0, 1):
                e(f"{I}%av{j}_{l} = vector.extract %acc#{j}[{l}] : f32 from {V}")
                e(f"{I}memref.store %av{j}_{l}, %sh{j + 1}[%tr, %col{l}] : {sh}")
                slots.append((f"%sh{j + 1}", sh, "{t}, %col" + str(l)))
        e(f"{I}gpu.barrier")
        _tree(e, I, self.TR, slots, "%tr", idx)
        e(f"{I}%t0 = arith.cmpi eq, %tr, %c0 : index")
        e(f"{I}%live = arith.cmpi ult, %cv1, {idx(self.Cv)} : index")
        e(f"{I}%wr0 = arith.andi %t0, %live : i1")
        e(f"{I}scf.if %wr0 {{")
        for l in range(VL):
            e(f"{J}%cl{l} = arith.addi %ch, {idx(l)} : index")
            for j in (0, 1):
                e(f"{J}%o{j}_{l} = memref.load %sh{j + 1}[%c0, %col{l}] : {sh}")
                at = self.ws_at(f, J, nn, ("%kb", j), f"%cl{l}", f"p{j}_{l}")
                e(f"{J}memref.store %o{j}_{l}, %ws[{at}] : {pt}")
        e(f"{I}}}")
        return f, [("%bx", "%x", xt), ("%bw", "%ws", pt)]

    def stats_cf(self) -> Tuple[List[str], list]:
        f = _Func(self.spec)
        e, idx = f.e, f.idx
        I, J = "        ", "          "
        VL = self.VL
        V = f"vector<{VL}xf32>"
        xt = self.ty("memref", self.xshape(), self.et)
        pt = self.ty("memref", self.ws_shape(), "f32")
        idx(0)
        nn = "%n" if not self.dyn else "%nn"
        e(f"{I}%zv = arith.constant dense<0.0> : {V}")
        e(f"{I}{nn} = hal.interface.workgroup.id[1] : index")
        e(f"{I}%wr = arith.addi %wg, %c0 : index")
        e(f"{I}%gi = arith.divui %wr, {idx(self.K)} : index")
        e(f"{I}%kb = arith.remui %wr, {idx(self.K)} : index")
        if not self.mcz:
            k = f.load(I, "%ks", "%x", f"{nn}, %gi, %c0", xt, 0)
            e(f"{I}%kv = vector.broadcast {k} : f32 to {V}")
        e(f"{I}%lb0 = arith.muli %kb, {idx(self.LB)} : index")
        e(f"{I}%l0 = arith.addi %lb0, %tid : index")
        e(f"{I}%le0 = arith.addi %lb0, {idx(self.LB)} : index")
        e(f"{I}%le = arith.minui %le0, {idx(self.Lv)} : index")

        def load(i):
            e(f"{J}%at{i[1:]} = arith.muli {i}, {idx(VL)} : index")
            return f.load(J, f"%v{i[1:]}", "%x", f"{nn}, %gi, %at{i[1:]}", xt, VL)

        self.sum_loop(f, I, V, "%l0", "%le", self.wgs, self.Lv - 1, load)
        e(f"{I}%s1 = vector.reduction <add>, %acc#0 : {V} into f32")
        e(f"{I}%s2 = vector.reduction <add>, %acc#1 : {V} into f32")
        sh = f"memref<{self.wgs}xf32, #gpu.address_space<workgroup>>"
        e(f"{I}%sh1 = memref.alloc() : {sh}")
        e(f"{I}%sh2 = memref.alloc() : {sh}")
        e(f"{I}memref.store %s1, %sh1[%tid] : {sh}")
        e(f"{I}memref.store %s2, %sh2[%tid] : {sh}")
        e(f"{I}gpu.barrier")
        _tree(e, I, self.wgs, [("%sh1", sh, "{t}"), ("%sh2", sh, "{t}")], "%tid", idx)
        e(f"{I}%t0 = arith.cmpi eq, %tid, %c0 : index")
        e(f"{I}scf.if %t0 {{")
        e(f"{J}%o1 = memref.load %sh1[%c0] : {sh}")
        e(f"{J}%o2 = memref.load %sh2[%c0] : {sh}")
        e(f"{J}memref.store %o1, %ws[{self.ws_at(f, J, nn, ('%kb', 0), '%gi', 'p0')}] : {pt}")
        e(f"{J}memref.store %o2, %ws[{self.ws_at(f, J, nn, ('%kb', 1), '%gi', 'p1')}] : {pt}")
        e(f"{I}}}")
        return f, [("%bx", "%x", xt), ("%bw", "%ws", pt)]

    def combine(self) -> Tuple[List[str], list]:
        f = _Func(self.spec)
        e, idx = f.e, f.idx
        I, J = "        ", "          "
        xt = self.ty("memref", self.xshape(), self.et)
        pt = qt = self.ty("memref", self.ws_shape(), "f32")
        gt = f"memref<{self.C}x{self.et}>"
        idx(0)
        nn = "%n" if not self.dyn else "%nn"
        f0 = f.f32(0.0)
        e(f"{I}{nn} = hal.interface.workgroup.id[1] : index")
        e(f"{I}%gi = arith.addi %wg, %c0 : index")
        e(f"{I}%e0 = arith.muli %gi, {idx(self.E)} : index")
        # This thread's share of the group's K x E partials.
        e(f"{I}%acc:2 = scf.for %i = %tid to {idx(self.K * self.E)} step {idx(self.wgs)} "
          f"iter_args(%a1 = {f0}, %a2 = {f0}) -> (f32, f32) {{")
        e(f"{J}%kb = arith.divui %i, {idx(self.E)} : index")
        e(f"{J}%j = arith.remui %i, {idx(self.E)} : index")
        e(f"{J}%w = arith.addi %e0, %j : index")
        e(f"{J}%p1 = memref.load %ws[{self.ws_at(f, J, nn, ('%kb', 0), '%w', 'p0')}] : {pt}")
        e(f"{J}%p2 = memref.load %ws[{self.ws_at(f, J, nn, ('%kb', 1), '%w', 'p1')}] : {pt}")
        e(f"{J}%b1 = arith.addf %a1, %p1 : f32")
        e(f"{J}%b2 = arith.addf %a2, %p2 : f32")
        e(f"{J}scf.yield %b1, %b2 : f32, f32")
        e(f"{I}}}")
        sh = f"memref<{self.wgs}xf32, #gpu.address_space<workgroup>>"
        e(f"{I}%sh1 = memref.alloc() : {sh}")
        e(f"{I}%sh2 = memref.alloc() : {sh}")
        e(f"{I}memref.store %acc#0, %sh1[%tid] : {sh}")
        e(f"{I}memref.store %acc#1, %sh2[%tid] : {sh}")
        e(f"{I}gpu.barrier")
        _tree(e, I, self.wgs, [("%sh1", sh, "{t}"), ("%sh2", sh, "{t}")], "%tid", idx)
        e(f"{I}%s1 = memref.load %sh1[%c0] : {sh}")
        e(f"{I}%s2 = memref.load %sh2[%c0] : {sh}")
        fM = f.f32(float(self.cg * self.R))
        e(f"{I}%m = arith.divf %s1, {fM} : f32")  # mean - k
        e(f"{I}%ed2 = arith.divf %s2, {fM} : f32")
        e(f"{I}%m2 = arith.mulf %m, %m : f32")
        e(f"{I}%var0 = arith.subf %ed2, %m2 : f32")
        f.rstd(I, "%var0")
        if self.mcz:
            k = f0
        else:
            at = (f"{nn}, %c0, %gc" if self.kind == "channels_last" else f"{nn}, %gi, %c0")
            e(f"{I}%gc = arith.muli %gi, {idx(self.cg)} : index")
            k = f.load(I, "%k", "%x", at, xt, 0)
        e(f"{I}%cbase = arith.muli %gi, {idx(self.cg)} : index")
        e(f"{I}scf.for %j = %tid to {idx(self.cg)} step {idx(self.wgs)} {{")
        e(f"{J}%ch = arith.addi %cbase, %j : index")
        a, b = f.scale_shift(J, "%ch", "%m")
        for w, val in enumerate((k, a, b)):
            e(f"{J}memref.store {val}, %ws[{self.ws_at(f, J, nn, None, '%ch', f'q{w}')}] : {qt}")
        e(f"{I}}}")
        binds = [("%bx", "%x", xt), ("%bw", "%ws", pt)]
        if self.spec.scale:
            binds.append(("%bg", "%g", gt))
        if self.spec.center:
            binds.append(("%bb", "%b", gt))
        return f, binds

    def apply(self) -> Tuple[List[str], list]:
        f = _Func(self.spec)
        e, idx = f.e, f.idx
        I, J = "        ", "          "
        VL = self.AVL
        V = f"vector<{VL}xf32>"
        ft = self.ty("memref", self.flat_shape(), self.et)
        qt = self.ty("memref", self.ws_shape(), "f32")
        idx(0)
        nn = "%n" if not self.dyn else "%nn"
        e(f"{I}{nn} = hal.interface.workgroup.id[1] : index")
        e(f"{I}%wr = arith.addi %wg, %c0 : index")
        e(f"{I}%t0 = arith.muli %wr, {idx(self.AT)} : index")
        e(f"{I}%tb = arith.addi %t0, %tid : index")
        guard = self.Q % self.AT != 0
        for u in range(_APPLY_UNROLL):
            K = I
            e(f"{I}%vi{u} = arith.addi %tb, {idx(u * self.wgs)} : index")
            if guard:
                e(f"{I}%in{u} = arith.cmpi ult, %vi{u}, {idx(self.Q)} : index")
                e(f"{I}scf.if %in{u} {{")
                K = J
            e(f"{K}%at{u} = arith.muli %vi{u}, {idx(VL)} : index")
            if self.kind == "channels_last":
                # the vector's first channel, as a multiple of VL (SPIR-V proves it aligned)
                e(f"{K}%cq{u} = arith.remui %vi{u}, {idx(self.C // VL)} : index")
                e(f"{K}%ch{u} = arith.muli %cq{u}, {idx(VL)} : index")
            else:
                e(f"{K}%ch{u} = arith.divui %at{u}, {idx(self.R)} : index")
            names = []
            for w, nm in ((0, "k"), (1, "a"), (2, "b")):
                if w == 0 and self.mcz:
                    names.append(None)
                    continue
                at = self.ws_at(f, K, nn, None, f"%ch{u}", f"{nm}{u}{w}")
                e(f"{K}%{nm}{u}s = " + (_ld("%ws", at, qt, V) if self.kind == "channels_last"
                                          else _ld("%ws", at, qt, "f32")))
                if self.kind == "channels_first":
                    e(f"{K}%{nm}{u}v = vector.broadcast %{nm}{u}s : f32 to {V}")
                    names.append(f"%{nm}{u}v")
                else:
                    names.append(f"%{nm}{u}s")
            x = f.load(K, f"%x{u}", "%x", f"{nn}, %at{u}", ft, VL)
            if names[0] is not None:
                e(f"{K}%d{u} = arith.subf {x}, {names[0]} : {V}")
                x = f"%d{u}"
            e(f"{K}%o{u} = math.fma {x}, {names[1]}, {names[2]} : {V}")
            o = f.activation(K, f"%act{u}", f"%o{u}", V, VL)
            self.store_y(f, K, o, f"{nn}, %at{u}", ft, VL, str(u))
            if guard:
                e(f"{I}}}")
        return f, [("%bx", "%x", ft), ("%bw", "%ws", qt), ("%by", "%y", ft)]

    def store_y(self, f: _Func, K: str, o: str, at: str, yt: str, VL: int, tag: str) -> None:
        """Store the float32 vector ``o`` at ``%y[at]`` (narrowed to the element type)."""
        e, idx = f.e, f.idx
        if not self.spirv:
            f.store(K, f"%y{tag}", o, "%y", at, yt, VL)
            return
        # IREE's SPIR-V code generation of a no_pipeline dispatch cannot lower a
        # vector.store to a storage buffer ("failed to legalize unresolved source
        # materialization"): store lanes.
        if self.et != "f32":
            e(f"{K}%y{tag}n = arith.truncf {o} : vector<{VL}xf32> to vector<{VL}x{self.et}>")
            o = f"%y{tag}n"
        head, last = at.rsplit(", ", 1)
        for l in range(VL):
            e(f"{K}%y{tag}e{l} = vector.extract {o}[{l}] : {self.et} from "
              f"vector<{VL}x{self.et}>")
            e(f"{K}%y{tag}i{l} = arith.addi {last}, {idx(l)} : index")
            e(f"{K}memref.store %y{tag}e{l}, %y[{head}, %y{tag}i{l}] : {yt}")

    def small_body(self) -> Tuple[List[str], list]:
        """The one-dispatch form: a workgroup per (sample, group) sums its slab (shifted, as
        ``stats``), then normalizes it, re-reading x from cache."""
        f = _Func(self.spec)
        e, idx = f.e, f.idx
        I, J = "        ", "          "
        cl = self.kind == "channels_last"
        VL = _vector_lanes(self.spec, self.cg if cl else self.R, self.spirv)
        V = f"vector<{VL}xf32>"
        xt = self.ty("memref", self.xshape(), self.et)
        gt = f"memref<{self.C}x{self.et}>"
        cnt, per = self.R * self.cg // VL, self.cg // VL  # vectors: in the slab, per row
        idx(0)
        e(f"{I}%zv = arith.constant dense<0.0> : {V}")
        e(f"{I}%n = hal.interface.workgroup.id[1] : index")
        e(f"{I}%gi = arith.addi %wg, %c0 : index")
        e(f"{I}%gc = arith.muli %gi, {idx(self.cg)} : index")
        if not self.mcz:
            k = f.load(I, "%ks", "%x", "%n, %c0, %gc" if cl else "%n, %gi, %c0", xt, 0)
            e(f"{I}%kv = vector.broadcast {k} : f32 to {V}")

        def at(i, K):
            t = i.lstrip("%")
            if cl:
                e(f"{K}%r{t} = arith.divui {i}, {idx(per)} : index")
                e(f"{K}%j{t} = arith.remui {i}, {idx(per)} : index")
                e(f"{K}%o{t} = arith.muli %j{t}, {idx(VL)} : index")
                e(f"{K}%c{t}_ = arith.addi %gc, %o{t} : index")
                return f"%n, %r{t}, %c{t}_"
            e(f"{K}%a{t}_ = arith.muli {i}, {idx(VL)} : index")
            return f"%n, %gi, %a{t}_"

        self.sum_loop(f, I, V, "%tid", idx(cnt), self.wgs, cnt - 1,
                      lambda i: f.load(J, f"%v{i[1:]}", "%x", at(i, J), xt, VL))
        e(f"{I}%s1 = vector.reduction <add>, %acc#0 : {V} into f32")
        e(f"{I}%s2 = vector.reduction <add>, %acc#1 : {V} into f32")
        sh = f"memref<{self.wgs}xf32, #gpu.address_space<workgroup>>"
        e(f"{I}%sh1 = memref.alloc() : {sh}")
        e(f"{I}%sh2 = memref.alloc() : {sh}")
        e(f"{I}memref.store %s1, %sh1[%tid] : {sh}")
        e(f"{I}memref.store %s2, %sh2[%tid] : {sh}")
        e(f"{I}gpu.barrier")
        _tree(e, I, self.wgs, [("%sh1", sh, "{t}"), ("%sh2", sh, "{t}")], "%tid", idx)
        e(f"{I}%t1 = memref.load %sh1[%c0] : {sh}")
        e(f"{I}%t2 = memref.load %sh2[%c0] : {sh}")
        fM = f.f32(float(self.cg * self.R))
        e(f"{I}%m = arith.divf %t1, {fM} : f32")  # mean - k
        e(f"{I}%ed2 = arith.divf %t2, {fM} : f32")
        e(f"{I}%m2 = arith.mulf %m, %m : f32")
        e(f"{I}%var0 = arith.subf %ed2, %m2 : f32")
        f.rstd(I, "%var0")
        e(f"{I}%rv = vector.broadcast %rstd : f32 to {V}")
        e(f"{I}%mv = vector.broadcast %m : f32 to {V}")
        e(f"{I}scf.for %i = %tid to {idx(cnt)} step {idx(self.wgs)} {{")
        pos = at("%i", J)
        if cl:  # a = gamma * rstd, b = beta - (mean - k) a, per lane
            ch = pos.rsplit(", ", 1)[1]
            a = "%rv"
            if self.spec.scale:
                gv = f.load(J, "%gv", "%g", ch, gt, VL)
                e(f"{J}%av = arith.mulf {gv}, %rv : {V}")
                a = "%av"
            e(f"{J}%dav = arith.mulf %mv, {a} : {V}")
            if self.spec.center:
                bv = f.load(J, "%bv", "%b", ch, gt, VL)
                e(f"{J}%bo = arith.subf {bv}, %dav : {V}")
            else:
                e(f"{J}%bo = arith.negf %dav : {V}")
            b = "%bo"
        else:  # the vector lies in one channel
            e(f"{J}%cr = arith.divui %ai_, {idx(self.R)} : index")
            e(f"{J}%ch = arith.addi %gc, %cr : index")
            sa, sb = f.scale_shift(J, "%ch", "%m")
            e(f"{J}%av = vector.broadcast {sa} : f32 to {V}")
            e(f"{J}%bw = vector.broadcast {sb} : f32 to {V}")
            a, b = "%av", "%bw"
        x = f.load(J, "%xx", "%x", pos, xt, VL)
        if not self.mcz:
            e(f"{J}%dx = arith.subf {x}, %kv : {V}")
            x = "%dx"
        e(f"{J}%ox = math.fma {x}, {a}, {b} : {V}")
        o = f.activation(J, "%act", "%ox", V, VL)
        self.store_y(f, J, o, pos, xt, VL, "s")
        e(f"{I}}}")
        binds = [("%bx", "%x", xt)]
        if self.spec.scale:
            binds.append(("%bg", "%g", gt))
        if self.spec.center:
            binds.append(("%bb", "%b", gt))
        return f, binds + [("%by", "%y", xt)]

    # -- module --------------------------------------------------------------------------
    def export(self, name: str, per_sample: int) -> List[str]:
        if self.dyn:
            return [
                f"    stream.executable.export public @{name} workgroups(%n: index) -> "
                "(index, index, index) {",
                f"      %per = arith.constant {per_sample} : index",
                "      %c1 = arith.constant 1 : index",
                "      stream.return %per, %n, %c1 : index, index, index",
                "    }"]
        return [
            f"    stream.executable.export public @{name} workgroups() -> (index, index, index) {{",
            f"      %w = arith.constant {per_sample} : index",
            f"      %n = arith.constant {self.N} : index",
            "      %c1 = arith.constant 1 : index",
            "      stream.return %w, %n, %c1 : index, index, index",
            "    }"]

    def text(self) -> str:
        if self.small:
            funcs = [("small", self.G, self.small_body())]
        else:
            stats = self.stats_cl() if self.kind == "channels_last" else self.stats_cf()
            funcs = [("stats", self.SWPS, stats), ("combine", self.G, self.combine()),
                     ("apply", self.AWPS, self.apply())]
        spec = self.spec
        full = "x".join("?" if d is None else str(d) for d in spec.shape)
        ft = f"tensor<{full}x{self.et}>"
        d = self.dims()
        xv = f"tensor<{self.xshape()}x{self.et}>"
        flat = f"tensor<{self.flat_shape()}x{self.et}>"
        ws = f"tensor<{self.ws_shape()}xf32>"
        pt = f"tensor<{self.C}x{self.et}>"
        nparams = int(spec.scale) + int(spec.center)
        pargs = [f"%arg{i + 1}: {pt}" for i in range(nparams)]
        pnames = [f"%arg{i + 1}" for i in range(nparams)]
        out = [
            f"// Hand-written GPU group norm for {spec.short_name()} "
            f"({self.kind.replace('_', ' ')}, workgroup {self.wgs}, subgroup {self.sg}); "
            "generated by iree_gn/_gpu_kernels.py.",
            "module @group_norm_gpu {",
            "  stream.executable private @gn_gpu {",
        ]
        for name, per, _ in funcs:
            out += self.export(name, per)
        out.append("    builtin.module {")
        for name, _, (f, binds) in funcs:
            body = f.lines
            out += self.header(f, name, binds)
            out += body
            out += ["        return", "      }"]
        out += ["    }", "  }"]
        wl = "[%n]" if self.dyn else ""
        ni = ", %ni" if self.dyn else ""
        nt = ", i32" if self.dyn else ""
        host = [f"  func.func public @main({', '.join([f'%arg0: {ft}'] + pargs)}) -> {ft} {{"]
        if self.dyn:
            host += ["    %c0 = arith.constant 0 : index",
                     f"    %n = tensor.dim %arg0, %c0 : {ft}",
                     "    %ni = arith.index_cast %n : index to i32"]
        if self.small:
            host += [
                f"    %xv = flow.tensor.reshape %arg0 : {ft} -> {xv}",
                f"    %yv = flow.dispatch @gn_gpu::@small({', '.join(['%xv'] + pnames)}) : "
                f"({', '.join([xv] + [pt] * nparams)}) -> {xv}",
                f"    %y = flow.tensor.reshape %yv : {xv} -> {ft}",
                f"    return %y : {ft}", "  }", "}"]
            return "\n".join(out + host) + "\n"
        host += [
            f"    %xv = flow.tensor.reshape %arg0 : {ft}{d} -> {xv}{d}",
            f"    %xf = flow.tensor.reshape %arg0 : {ft}{d} -> {flat}{d}",
            f"    %ws0 = flow.dispatch @gn_gpu::@stats{wl}(%xv{ni}) : ({xv}{d}{nt}) -> {ws}{d}",
            f"    %ws = flow.dispatch @gn_gpu::@combine{wl}("
            f"{', '.join(['%xv', '%ws0'] + pnames)}{ni}) : "
            f"({', '.join([xv + d, ws + d] + [pt] * nparams)}{nt}) -> %ws0{d}",
            f"    %yf = flow.dispatch @gn_gpu::@apply{wl}(%xf, %ws{ni}) : "
            f"({flat}{d}, {ws}{d}{nt}) -> {flat}{d}",
            f"    %y = flow.tensor.reshape %yf : {flat}{d} -> {ft}{d}",
            f"    return %y : {ft}",
            "  }",
            "}",
        ]
        return "\n".join(out + host) + "\n"
