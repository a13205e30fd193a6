"""``apply``: ``y = act((x - k) * a + b)`` over x flat per sample, _APPLY_UNROLL vectors of
AVL lanes per thread (each within one channel's run), k, a and b read from the workspace's
parameter rows (a vector of channels, channels last; a broadcast scalar, channels first)."""

from __future__ import annotations

from typing import Tuple

from ._emit import I, J, _Func, begin, channel_value, store_y, vector_at
from ._select import _APPLY_UNROLL


def body(m) -> Tuple[_Func, list]:
    VL = m.AVL
    V = f"vector<{VL}xf32>"
    ft, qt = m.flatmem(), m.wsmem()
    f, nn = begin(m, "wr")
    e, idx = f.e, f.idx
    e(f"{I}%t0 = arith.muli %wr, {idx(m.AT)} : index")
    e(f"{I}%tb = arith.addi %t0, %tid : index")
    guard = m.Q % m.AT != 0
    for u in range(_APPLY_UNROLL):
        K = I
        e(f"{I}%vi{u} = arith.addi %tb, {idx(u * m.wgs)} : index")
        if guard:
            e(f"{I}%in{u} = arith.cmpi ult, %vi{u}, {idx(m.Q)} : index")
            e(f"{I}scf.if %in{u} {{")
            K = J
        vector_at(m, f, K, f"%vi{u}", f"%at{u}", f"%ch{u}", VL)
        names = []
        for w, nm in ((0, "k"), (1, "a"), (2, "b")):
            if w == 0 and m.mcz:
                names.append(None)
                continue
            at = m.ws_at(f, K, nn, None, f"%ch{u}", f"{nm}{u}{w}")
            names.append(channel_value(m, f, K, f"%{nm}{u}v", at, qt, V))
        x = f.load(K, f"%x{u}", "%x", f"{nn}, %at{u}", ft, VL)
        if names[0] is not None:
            e(f"{K}%d{u} = arith.subf {x}, {names[0]} : {V}")
            x = f"%d{u}"
        e(f"{K}%o{u} = math.fma {x}, {names[1]}, {names[2]} : {V}")
        o = f.activation(K, f"%act{u}", f"%o{u}", V, VL)
        store_y(m, f, K, o, f"{nn}, %at{u}", ft, VL, str(u))
        if guard:
            e(f"{I}}}")
    return f, [("%bx", "%x", ft), ("%bw", "%ws", qt), ("%by", "%y", ft)]
