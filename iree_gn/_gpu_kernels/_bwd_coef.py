"""``coef``: a workgroup per (sample, group) adds up each channel's dz partials (K2 of each
sum), writes the sample's parameter-gradient parts ``sum dz`` (dbeta's) and
``sum dz xhat = r (sum dz (x - k) - (mean - k) sum dz)`` (dgamma's), sums them weighted by
gamma over the group (mean(w) and mean(w xhat), w = gamma dz, M = C/G R elements), and
writes the coefficients of ``dx = A dz + B (x - k) + D``::

    A_c = r gamma_c,   B = -r^2 mean(w xhat),   D = -B (mean - k) - r mean(w)

into the workspace rows of ``_bwd_emit``."""

from __future__ import annotations

from typing import Tuple

from ._bwd_emit import ROW_CA, ROW_CB, ROW_CD, ROW_DB, ROW_DG, ROW_DZ, ROW_M, ROW_R
from ._emit import I, J, _Func, begin, wg_sum2

K2_ = "            "  # two levels in


def body(m) -> Tuple[_Func, list]:
    pt, gt = m.wsmem(), f"memref<{m.C}x{m.et}>"
    f, nn = begin(m, "gi")
    e, idx = f.e, f.idx
    f0 = f.f32(0.0)
    e(f"{I}%gc = arith.muli %gi, {idx(m.cg)} : index")
    e(f"{I}%r = memref.load %ws[{m.row_at(f, I, nn, ROW_R, '%gc', 'r')}] : {pt}")
    e(f"{I}%mk = memref.load %ws[{m.row_at(f, I, nn, ROW_M, '%gc', 'm')}] : {pt}")
    e(f"{I}%acc:2 = scf.for %j = %tid to {idx(m.cg)} step {idx(m.CT)} "
      f"iter_args(%u1 = {f0}, %u2 = {f0}) -> (f32, f32) {{")
    e(f"{J}%ch = arith.addi %gc, %j : index")
    e(f"{J}%s:2 = scf.for %kb = %c0 to {idx(m.K2)} step {idx(1)} "
      f"iter_args(%p0 = {f0}, %p1 = {f0}) -> (f32, f32) {{")
    e(f"{K2_}%rw0 = arith.muli %kb, {idx(2)} : index")
    e(f"{K2_}%rw = arith.addi %rw0, {idx(ROW_DZ)} : index")
    e(f"{K2_}%rv = arith.addi %rw, {idx(1)} : index")
    e(f"{K2_}%l0 = memref.load %ws[{m.row_at(f, K2_, nn, '%rw', '%ch', 'l0')}] : {pt}")
    e(f"{K2_}%l1 = memref.load %ws[{m.row_at(f, K2_, nn, '%rv', '%ch', 'l1')}] : {pt}")
    e(f"{K2_}%n0 = arith.addf %p0, %l0 : f32")
    e(f"{K2_}%n1 = arith.addf %p1, %l1 : f32")
    e(f"{K2_}scf.yield %n0, %n1 : f32, f32")
    e(f"{J}}}")
    # dgamma's part: r (sum dz (x - k) - (mean - k) sum dz)
    e(f"{J}%mz = arith.mulf %mk, %s#0 : f32")
    e(f"{J}%cz = arith.subf %s#1, %mz : f32")
    e(f"{J}%dg = arith.mulf %r, %cz : f32")
    e(f"{J}memref.store %s#0, %ws[{m.row_at(f, J, nn, ROW_DB, '%ch', 'db')}] : {pt}")
    e(f"{J}memref.store %dg, %ws[{m.row_at(f, J, nn, ROW_DG, '%ch', 'dg')}] : {pt}")
    if m.spec.scale:
        g = f.load(J, "%gm", "%g", "%ch", gt, 0)
        e(f"{J}%v1 = math.fma {g}, %s#0, %u1 : f32")
        e(f"{J}%v2 = math.fma {g}, %dg, %u2 : f32")
    else:
        e(f"{J}%v1 = arith.addf %s#0, %u1 : f32")
        e(f"{J}%v2 = arith.addf %dg, %u2 : f32")
    e(f"{J}scf.yield %v1, %v2 : f32, f32")
    e(f"{I}}}")
    sh = wg_sum2(f, m.CT, "%acc#0", "%acc#1")
    cnt = f.f32(float(m.cg * m.R))
    e(f"{I}%t1 = memref.load %sh1[%c0] : {sh}")
    e(f"{I}%t2 = memref.load %sh2[%c0] : {sh}")
    e(f"{I}%mw = arith.divf %t1, {cnt} : f32")
    e(f"{I}%mwx = arith.divf %t2, {cnt} : f32")
    e(f"{I}%r2 = arith.mulf %r, %r : f32")
    e(f"{I}%nb = arith.mulf %r2, %mwx : f32")
    e(f"{I}%cb = arith.negf %nb : f32")  # B
    e(f"{I}%rmw = arith.mulf %r, %mw : f32")
    e(f"{I}%bm = arith.mulf %nb, %mk : f32")  # -B (mean - k)
    e(f"{I}%cd = arith.subf %bm, %rmw : f32")  # D
    e(f"{I}scf.for %j = %tid to {idx(m.cg)} step {idx(m.CT)} {{")
    e(f"{J}%ch = arith.addi %gc, %j : index")
    a = "%r"
    if m.spec.scale:
        g = f.load(J, "%gn", "%g", "%ch", gt, 0)
        e(f"{J}%ca = arith.mulf %r, {g} : f32")
        a = "%ca"
    for row, val, tag in ((ROW_CA, a, "ca"), (ROW_CB, "%cb", "cb"), (ROW_CD, "%cd", "cd")):
        e(f"{J}memref.store {val}, %ws[{m.row_at(f, J, nn, row, '%ch', tag)}] : {pt}")
    e(f"{I}}}")
    binds = [("%bw", "%ws", pt)] + ([("%bg", "%g", gt)] if m.spec.scale else [])
    return f, binds
