"""``dx``: ``dx = A dz + B (x - k) + D`` elementwise over x and dy flat per sample, dz
recomputed (``_bwd_emit.d_and_dz``), the forward ``apply``'s tiling (AVL-lane vectors within
one channel's run, _APPLY_UNROLL per thread, here as a loop); A, B, D, k, a, b from the
workspace rows (vectors of channels, channels last; broadcast scalars, channels first)."""

from __future__ import annotations

from typing import Tuple

from ._bwd_emit import ROW_A, ROW_B, ROW_CA, ROW_CB, ROW_CD, ROW_K, d_and_dz
from ._emit import I, J, _Func, begin, channel_value, store_y, vector_at
from ._select import _APPLY_UNROLL


def body(m) -> Tuple[_Func, list]:
    VL = m.AVL
    V = f"vector<{VL}xf32>"
    ft, pt = m.flatmem(), m.wsmem()
    f, nn = begin(m, "wr")
    e, idx = f.e, f.idx
    e(f"{I}%t0 = arith.muli %wr, {idx(m.AT)} : index")
    e(f"{I}%tb = arith.addi %t0, %tid : index")
    e(f"{I}scf.for %u = %c0 to {idx(_APPLY_UNROLL)} step {idx(1)} {{")
    e(f"{J}%uw = arith.muli %u, {idx(m.wgs)} : index")
    e(f"{J}%vi = arith.addi %tb, %uw : index")
    e(f"{J}%in = arith.cmpi ult, %vi, {idx(m.Q)} : index")
    e(f"{J}scf.if %in {{")
    K = J + "  "
    vector_at(m, f, K, "%vi", "%qa", "%ch", VL)
    act = m.spec.activation is not None
    vals = {}
    for row, name, on in ((ROW_K, "k", not m.mcz), (ROW_A, "a", act), (ROW_B, "b", act),
                          (ROW_CA, "ca", True), (ROW_CB, "cb", True), (ROW_CD, "cd", True)):
        if not on:
            vals[name] = None
            continue
        at = m.row_at(f, K, nn, row, "%ch", name)
        vals[name] = channel_value(m, f, K, f"%w{name}", at, pt, V)
    x = f.load(K, "%qx", "%x", f"{nn}, %qa", ft, VL)
    g = f.load(K, "%qg", "%dy", f"{nn}, %qa", ft, VL)
    d, dz = d_and_dz(m, f, K, x, g, V, vals["k"], (vals["a"], vals["b"]) if act else None)
    e(f"{K}%qt = math.fma {vals['cb']}, {d}, {vals['cd']} : {V}")
    e(f"{K}%qo = math.fma {vals['ca']}, {dz}, %qt : {V}")
    store_y(m, f, K, "%qo", f"{nn}, %qa", m.dxmem(), VL, "q")
    e(f"{J}}}")
    e(f"{I}}}")
    return f, [("%bx", "%x", ft), ("%bd", "%dy", ft), ("%bw", "%ws", pt), ("%by", "%y", m.dxmem())]
