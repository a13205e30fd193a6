"""``combine``: a workgroup per (sample, group) adds up the group's K x E partials, then
writes per channel of the group ``k``, ``a = gamma * rstd`` and ``b = beta - (mean - k) a``
into the workspace's parameter rows (in place)."""

from __future__ import annotations

from typing import Tuple

from ._emit import I, J, _Func, begin, group_rstd, group_shift, param_binds


def body(m) -> Tuple[_Func, list]:
    xt, pt = m.xmem(), m.wsmem()
    f, nn = begin(m, "gi")
    e, idx = f.e, f.idx
    f0 = f.f32(0.0)
    e(f"{I}%e0 = arith.muli %gi, {idx(m.E)} : index")
    # This thread's share of the group's K x E partials.
    e(f"{I}%acc:2 = scf.for %i = %tid to {idx(m.K * m.E)} step {idx(m.wgs)} "
      f"iter_args(%a1 = {f0}, %a2 = {f0}) -> (f32, f32) {{")
    e(f"{J}%kb = arith.divui %i, {idx(m.E)} : index")
    e(f"{J}%j = arith.remui %i, {idx(m.E)} : index")
    e(f"{J}%w = arith.addi %e0, %j : index")
    e(f"{J}%p1 = memref.load %ws[{m.ws_at(f, J, nn, ('%kb', 0), '%w', 'p0')}] : {pt}")
    e(f"{J}%p2 = memref.load %ws[{m.ws_at(f, J, nn, ('%kb', 1), '%w', 'p1')}] : {pt}")
    e(f"{J}%b1 = arith.addf %a1, %p1 : f32")
    e(f"{J}%b2 = arith.addf %a2, %p2 : f32")
    e(f"{J}scf.yield %b1, %b2 : f32, f32")
    e(f"{I}}}")
    group_rstd(m, f, "%acc#0", "%acc#1", "%s1", "%s2")
    if m.mcz:
        k = f0
    else:
        e(f"{I}%gc = arith.muli %gi, {idx(m.cg)} : index")
        k = group_shift(m, f, I, "%k", nn, "%gc" if m.kind == "channels_last" else "%gi")
    e(f"{I}%cbase = arith.muli %gi, {idx(m.cg)} : index")
    e(f"{I}scf.for %j = %tid to {idx(m.cg)} step {idx(m.wgs)} {{")
    e(f"{J}%ch = arith.addi %cbase, %j : index")
    a, b = f.scale_shift(J, "%ch", "%m")
    # The backward (_bwd_module) also keeps rstd and mean - k per channel, rows 3 and 4.
    extra = ("%rstd", "%m") if getattr(m, "grad", False) else ()
    for w, val in enumerate((k, a, b) + extra):
        e(f"{J}memref.store {val}, %ws[{m.ws_at(f, J, nn, None, '%ch', f'q{w}')}] : {pt}")
    e(f"{I}}}")
    return f, [("%bx", "%x", xt), ("%bw", "%ws", pt)] + param_binds(m)
