"""The one-dispatch form (``-small``): a workgroup per (sample, group) sums its slab
(shifted, as ``stats``), then normalizes it, re-reading x from cache."""

from __future__ import annotations

from typing import Tuple

from ._emit import I, J, _Func, begin, group_rstd, group_shift, param_binds, store_y, sum_loop
from ._select import _vector_lanes


def body(m) -> Tuple[_Func, list]:
    cl = m.kind == "channels_last"
    VL = _vector_lanes(m.spec, m.cg if cl else m.R, m.spirv)
    V = f"vector<{VL}xf32>"
    xt = m.xmem()
    cnt, per = m.R * m.cg // VL, m.cg // VL  # vectors: in the slab, per row
    f, _ = begin(m, "gi", V)  # static: the sample is %n
    e, idx = f.e, f.idx
    e(f"{I}%gc = arith.muli %gi, {idx(m.cg)} : index")
    if not m.mcz:
        k = group_shift(m, f, I, "%ks", "%n", "%gc" if cl else "%gi")
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

    sum_loop(m, f, V, "%tid", idx(cnt), m.wgs, cnt - 1,
             lambda i: f.load(J, f"%v{i[1:]}", "%x", at(i, J), xt, VL))
    e(f"{I}%s1 = vector.reduction <add>, %acc#0 : {V} into f32")
    e(f"{I}%s2 = vector.reduction <add>, %acc#1 : {V} into f32")
    group_rstd(m, f, "%s1", "%s2", "%t1", "%t2")
    e(f"{I}%rv = vector.broadcast %rstd : f32 to {V}")
    e(f"{I}%mv = vector.broadcast %m : f32 to {V}")
    e(f"{I}scf.for %i = %tid to {idx(cnt)} step {idx(m.wgs)} {{")
    pos = at("%i", J)
    a, b = (_lane_scale_shift if cl else _channel_scale_shift)(m, f, V, VL, pos)
    x = f.load(J, "%xx", "%x", pos, xt, VL)
    if not m.mcz:
        e(f"{J}%dx = arith.subf {x}, %kv : {V}")
        x = "%dx"
    e(f"{J}%ox = math.fma {x}, {a}, {b} : {V}")
    o = f.activation(J, "%act", "%ox", V, VL)
    store_y(m, f, J, o, pos, xt, VL, "s")
    e(f"{I}}}")
    return f, [("%bx", "%x", xt)] + param_binds(m) + [("%by", "%y", xt)]


def _lane_scale_shift(m, f: _Func, V: str, VL: int, pos: str) -> Tuple[str, str]:
    """Channels last: a = gamma * rstd, b = beta - (mean - k) a, per lane (channel)."""
    e = f.e
    gt = f"memref<{m.C}x{m.et}>"
    ch = pos.rsplit(", ", 1)[1]
    a = "%rv"
    if m.spec.scale:
        gv = f.load(J, "%gv", "%g", ch, gt, VL)
        e(f"{J}%av = arith.mulf {gv}, %rv : {V}")
        a = "%av"
    e(f"{J}%dav = arith.mulf %mv, {a} : {V}")
    if m.spec.center:
        bv = f.load(J, "%bv", "%b", ch, gt, VL)
        e(f"{J}%bo = arith.subf {bv}, %dav : {V}")
    else:
        e(f"{J}%bo = arith.negf %dav : {V}")
    return a, "%bo"


def _channel_scale_shift(m, f: _Func, V: str, VL: int, pos: str) -> Tuple[str, str]:
    """Channels first: the vector lies in one channel, a and b are its scalars, broadcast."""
    e, idx = f.e, f.idx
    e(f"{J}%cr = arith.divui %ai_, {idx(m.R)} : index")
    e(f"{J}%ch = arith.addi %gc, %cr : index")
    sa, sb = f.scale_shift(J, "%ch", "%m")
    e(f"{J}%av = vector.broadcast {sa} : f32 to {V}")
    e(f"{J}%bw = vector.broadcast {sb} : f32 to {V}")
    return "%av", "%bw"
