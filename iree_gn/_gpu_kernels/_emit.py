"""Emission helpers shared by the GPU dispatch families: a function's body (the CPU
kernels' emitter: constants, widening loads, the fused activations), its common prologue,
workgroup-memory sums, the unrolled statistics loop and the store of y."""

from __future__ import annotations

from typing import List, Optional, Tuple

from .._authoring import shift_points
from .._kernels import _Emitter
from ._select import _STATS_UNROLL

I, J = "        ", "          "  # a body's indentation, and one level in


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


class _Func(_Emitter):
    """One kernel function's body."""


def group_shift(m, f: _Func, ind: str, name: str, nn: str, at: str) -> str:
    """``name``: the shift ``k`` of a group, as float32: the median of x at the
    ``shift_points`` rows of the group's first channel (channels last: ``at`` that channel;
    channels first: ``at`` the group, the rows its slab's first elements; with fewer than 3
    rows, the points of the whole slab), so that no float32 sum holds |mean|-sized values
    and up to two outliers (a "massive activation" at row 0, or at the first and last rows)
    cannot be the shift, as in the CPU kernels (the first element alone: 2.5e-4..3.3e-4
    relative error on lavapipe with x[:, 0] = 1e2..1e4 over N(0, 1) data). Every dispatch
    that needs ``k`` computes it so, from x."""
    cl = m.kind == "channels_last"
    n = m.R if cl or m.R >= 3 else m.cg * m.R
    ks = []
    for i, p in enumerate(shift_points(n)):
        pos = f"{nn}, {f.idx(p)}, {at}" if cl else f"{nn}, {at}, {f.idx(p)}"
        ks.append(f.load(ind, f"{name}{i}", "%x", pos, m.xmem(), 0))
    return f.median(ind, name, ks, "f32")


def vector_at(m, f: _Func, ind: str, vi: str, at: str, ch: str, VL: int) -> None:
    """For vector ``vi`` of the flat x (VL lanes): ``at``, its first element, and ``ch``,
    its (first) channel: channels last, a multiple of VL (SPIR-V proves it aligned);
    channels first, the channel whose rows hold it. The elementwise passes (apply, dx)."""
    e, idx = f.e, f.idx
    e(f"{ind}{at} = arith.muli {vi}, {idx(VL)} : index")
    if m.kind == "channels_last":
        e(f"{ind}{ch}_q = arith.remui {vi}, {idx(m.C // VL)} : index")
        e(f"{ind}{ch} = arith.muli {ch}_q, {idx(VL)} : index")
    else:
        e(f"{ind}{ch} = arith.divui {at}, {idx(m.R)} : index")


def channel_value(m, f: _Func, ind: str, name: str, at: str, wt: str, V: str) -> str:
    """A per-channel workspace value at index ``at`` (see :func:`vector_at`'s ``ch``) as
    the lanes of ``V``: the VL channels' values (channels last) or one value splat
    (channels first). Returns its name."""
    if m.kind == "channels_last":
        f.e(f"{ind}{name} = " + _ld("%ws", at, wt, V))
        return name
    f.e(f"{ind}{name}s = " + _ld("%ws", at, wt, "f32"))
    f.e(f"{ind}{name} = vector.broadcast {name}s : f32 to {V}")
    return name


def begin(m, tile: str, V: Optional[str] = None) -> Tuple[_Func, str]:
    """A dispatch body's prologue: ``%zv`` (a zero of type ``V``, if given), the sample
    ``(nn)`` from the grid's y and this workgroup's tile ``%<tile>`` from its x. Returns the
    function and the sample's name (``%nn`` for a dynamic batch, whose ``%n`` is N)."""
    f = _Func(m.spec)
    f.idx(0)
    if V:
        f.e(f"{I}%zv = arith.constant dense<0.0> : {V}")
    f.e(f"{I}{m.nn} = hal.interface.workgroup.id[1] : index")
    f.e(f"{I}%{tile} = arith.addi %wg, %c0 : index")
    return f, m.nn


def begin_stats(m, outer: str) -> Tuple[_Func, str, str]:
    """A ``stats`` body's prologue: :func:`begin` with the tile split into ``%<outer>`` (the
    channel block or the group) and ``%kb`` (the row block or chunk, of K). Returns the
    function, the sample's name and the vector type of VL float32 lanes."""
    V = f"vector<{m.VL}xf32>"
    f, nn = begin(m, "wr", V)
    f.e(f"{I}%{outer} = arith.divui %wr, {f.idx(m.K)} : index")
    f.e(f"{I}%kb = arith.remui %wr, {f.idx(m.K)} : index")
    return f, nn, V


def wg_sum2(f: _Func, wgs: int, s1: str, s2: str) -> str:
    """Sum the threads' scalars ``s1`` and ``s2`` into ``%sh1[0]``, ``%sh2[0]`` (workgroup
    memory of type returned)."""
    e = f.e
    sh = f"memref<{wgs}xf32, #gpu.address_space<workgroup>>"
    e(f"{I}%sh1 = memref.alloc() : {sh}")
    e(f"{I}%sh2 = memref.alloc() : {sh}")
    e(f"{I}memref.store {s1}, %sh1[%tid] : {sh}")
    e(f"{I}memref.store {s2}, %sh2[%tid] : {sh}")
    e(f"{I}gpu.barrier")
    _tree(e, I, wgs, [("%sh1", sh, "{t}"), ("%sh2", sh, "{t}")], "%tid", f.idx)
    return sh


def group_rstd(m, f: _Func, s1: str, s2: str, t1: str, t2: str) -> None:
    """``%m`` (mean - k) and ``%rstd`` of a (sample, group) from the threads' partial sums
    ``s1`` of ``d = x - k`` and ``s2`` of d^2 (over its C/G * R elements in all), added up
    in workgroup memory into ``t1`` and ``t2``."""
    sh = wg_sum2(f, m.wgs, s1, s2)
    f.e(f"{I}{t1} = memref.load %sh1[%c0] : {sh}")
    f.e(f"{I}{t2} = memref.load %sh2[%c0] : {sh}")
    f.variance(I, t1, t2, f.f32(float(m.cg * m.R)), "%m", "%ed2", "%m2")
    f.rstd(I, "%var0")


def sum_loop(m, f: _Func, V: str, lo: str, hi: str, step: int, last: int, load) -> None:
    """``%acc#0``, ``%acc#1``: this thread's sums of ``d = x - k`` and ``d^2`` over the
    indices lo, lo + step, ... < hi, _STATS_UNROLL loads per iteration (independent
    loads in flight); indices past ``hi`` load a valid element (clamped to ``last``)
    and add zero. ``load(index) -> value`` emits one widened load."""
    e, idx, U = f.e, f.idx, _STATS_UNROLL
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
        if not m.mcz:
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


def store_y(m, f: _Func, K: str, o: str, at: str, yt: str, VL: int, tag: str) -> None:
    """Store the float32 vector ``o`` at ``%y[at]`` (narrowed to the element type)."""
    e, idx = f.e, f.idx
    if not m.spirv:
        f.store(K, f"%y{tag}", o, "%y", at, yt, VL)
        return
    # IREE's SPIR-V code generation of a no_pipeline dispatch cannot lower a
    # vector.store to a storage buffer ("failed to legalize unresolved source
    # materialization"): store lanes.
    if m.et != "f32":
        e(f"{K}%y{tag}n = arith.truncf {o} : vector<{VL}xf32> to vector<{VL}x{m.et}>")
        o = f"%y{tag}n"
    head, last = at.rsplit(", ", 1)
    for l in range(VL):
        e(f"{K}%y{tag}e{l} = vector.extract {o}[{l}] : {m.et} from "
          f"vector<{VL}x{m.et}>")
        e(f"{K}%y{tag}i{l} = arith.addi {last}, {idx(l)} : index")
        e(f"{K}memref.store %y{tag}e{l}, %y[{head}, %y{tag}i{l}] : {yt}")


def param_binds(m) -> list:
    """(binding, value, memref type) of gamma and beta, those the spec has."""
    gt = f"memref<{m.C}x{m.et}>"
    return [(b, v, gt) for b, v, on in (("%bg", "%g", m.spec.scale),
                                         ("%bb", "%b", m.spec.center)) if on]
