"""``stats`` for channels first, x as [N, G, L]: a workgroup per (sample, group, chunk of LB
vectors), each thread summing every wgs-th vector of the chunk; a workgroup-memory tree adds
the threads and thread 0 writes the chunk's partial."""

from __future__ import annotations

from typing import Tuple

from ._emit import I, J, _Func, begin_stats, group_shift, sum_loop, wg_sum2


def body(m) -> Tuple[_Func, list]:
    VL, xt, pt = m.VL, m.xmem(), m.wsmem()
    f, nn, V = begin_stats(m, "gi")
    e, idx = f.e, f.idx
    if not m.mcz:
        k = group_shift(m, f, I, "%ks", nn, "%gi")
        e(f"{I}%kv = vector.broadcast {k} : f32 to {V}")
    e(f"{I}%lb0 = arith.muli %kb, {idx(m.LB)} : index")
    e(f"{I}%l0 = arith.addi %lb0, %tid : index")
    e(f"{I}%le0 = arith.addi %lb0, {idx(m.LB)} : index")
    e(f"{I}%le = arith.minui %le0, {idx(m.Lv)} : index")

    def load(i):
        e(f"{J}%at{i[1:]} = arith.muli {i}, {idx(VL)} : index")
        return f.load(J, f"%v{i[1:]}", "%x", f"{nn}, %gi, %at{i[1:]}", xt, VL)

    sum_loop(m, f, V, "%l0", "%le", m.wgs, m.Lv - 1, load)
    e(f"{I}%s1 = vector.reduction <add>, %acc#0 : {V} into f32")
    e(f"{I}%s2 = vector.reduction <add>, %acc#1 : {V} into f32")
    sh = wg_sum2(f, m.wgs, "%s1", "%s2")
    e(f"{I}%t0 = arith.cmpi eq, %tid, %c0 : index")
    e(f"{I}scf.if %t0 {{")
    e(f"{J}%o1 = memref.load %sh1[%c0] : {sh}")
    e(f"{J}%o2 = memref.load %sh2[%c0] : {sh}")
    e(f"{J}memref.store %o1, %ws[{m.ws_at(f, J, nn, ('%kb', 0), '%gi', 'p0')}] : {pt}")
    e(f"{J}memref.store %o2, %ws[{m.ws_at(f, J, nn, ('%kb', 1), '%gi', 'p1')}] : {pt}")
    e(f"{I}}}")
    return f, [("%bx", "%x", xt), ("%bw", "%ws", pt)]
