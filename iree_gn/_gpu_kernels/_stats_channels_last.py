"""``stats`` for channels last, x as [N, R, C]: a workgroup per (sample, channel block, row
block) of TR x TC threads, each summing VL-lane vectors of its column down its rows; the
thread rows are added up in workgroup memory and row 0 writes one partial per channel."""

from __future__ import annotations

from typing import Tuple

from ._emit import I, J, _Func, _tree, begin_stats, group_shift, sum_loop


def body(m) -> Tuple[_Func, list]:
    VL, xt, pt = m.VL, m.xmem(), m.wsmem()
    f, nn, V = begin_stats(m, "cb")
    prologue(m, f, nn, V)
    sum_loop(m, f, V, "%r0", "%re", m.TR, m.R - 1,
             lambda r: f.load(J, f"%v{r[1:]}", "%x", f"{nn}, {r}, %ch", xt, VL))
    write_partials(m, f, nn, V, lambda j, ch, tag: m.ws_at(f, J, nn, ("%kb", j), ch, tag))
    return f, [("%bx", "%x", xt), ("%bw", "%ws", pt)]


def prologue(m, f: _Func, nn: str, V: str, shift: bool = True) -> None:
    """This thread's column: ``%tc``, ``%tr``, ``%cv1`` (its vector column, maybe past the
    last), ``%ch`` (its first channel); with ``shift`` each lane's shift ``%kv`` (its
    group's ``group_shift``; none with mean_close_to_zero); its rows ``%r0`` to ``%re`` (step
    TR) of row block ``%kb``."""
    VL, TC, xt = m.VL, m.TC, m.xmem()
    e, idx = f.e, f.idx
    e(f"{I}%tc = arith.remui %tid, {idx(TC)} : index")
    e(f"{I}%tr = arith.divui %tid, {idx(TC)} : index")
    e(f"{I}%cv0 = arith.muli %cb, {idx(TC)} : index")
    e(f"{I}%cv1 = arith.addi %cv0, %tc : index")
    # Threads past the last column read a valid column and discard their sums.
    e(f"{I}%cv = arith.minui %cv1, {idx(m.Cv - 1)} : index")
    e(f"{I}%ch = arith.muli %cv, {idx(VL)} : index")
    # The shift: each lane's group's (group_shift).
    ks = []
    for l in range(VL):
        if m.mcz or not shift:
            break
        e(f"{I}%kc{l} = arith.addi %ch, {idx(l)} : index")
        e(f"{I}%kg{l} = arith.divui %kc{l}, {idx(m.cg)} : index")
        e(f"{I}%kf{l} = arith.muli %kg{l}, {idx(m.cg)} : index")
        ks.append(group_shift(m, f, I, f"%ks{l}", nn, f"%kf{l}"))
    if ks:
        e(f"{I}%kv = vector.from_elements {', '.join(ks)} : {V}")
    e(f"{I}%rb0 = arith.muli %kb, {idx(m.RB)} : index")
    e(f"{I}%r0 = arith.addi %rb0, %tr : index")
    e(f"{I}%re0 = arith.addi %rb0, {idx(m.RB)} : index")
    e(f"{I}%re = arith.minui %re0, {idx(m.R)} : index")


def write_partials(m, f: _Func, nn: str, V: str, at, accs=("%acc#0", "%acc#1")) -> None:
    """Add up the thread rows' VL-lane sums ``accs`` ([TR, TC * VL] per sum, in workgroup
    memory) and let thread row 0 store one per live channel: sum ``j`` of channel ``ch``
    at ``%ws[at(j, ch, tag)]`` (the backward's sums take this too)."""
    VL, TC, pt = m.VL, m.TC, m.wsmem()
    e, idx = f.e, f.idx
    # Sum the thread rows: [TR, TC * VL] per statistic.
    sh = f"memref<{m.TR}x{TC * VL}xf32, #gpu.address_space<workgroup>>"
    for j in range(len(accs)):
        e(f"{I}%sh{j + 1} = memref.alloc() : {sh}")
    e(f"{I}%col = arith.muli %tc, {idx(VL)} : index")
    slots = []
    for l in range(VL):
        e(f"{I}%col{l} = arith.addi %col, {idx(l)} : index")
        for j, acc in enumerate(accs):
            e(f"{I}%av{j}_{l} = vector.extract {acc}[{l}] : f32 from {V}")
            e(f"{I}memref.store %av{j}_{l}, %sh{j + 1}[%tr, %col{l}] : {sh}")
            slots.append((f"%sh{j + 1}", sh, "{t}, %col" + str(l)))
    e(f"{I}gpu.barrier")
    _tree(e, I, m.TR, slots, "%tr", idx)
    e(f"{I}%t0 = arith.cmpi eq, %tr, %c0 : index")
    e(f"{I}%live = arith.cmpi ult, %cv1, {idx(m.Cv)} : index")
    e(f"{I}%wr0 = arith.andi %t0, %live : i1")
    e(f"{I}scf.if %wr0 {{")
    for l in range(VL):
        e(f"{J}%cl{l} = arith.addi %ch, {idx(l)} : index")
        for j in range(len(accs)):
            e(f"{J}%o{j}_{l} = memref.load %sh{j + 1}[%c0, %col{l}] : {sh}")
            at_ = at(j, f"%cl{l}", f"p{j}_{l}")
            e(f"{J}memref.store %o{j}_{l}, %ws[{at_}] : {pt}")
    e(f"{I}}}")
