"""``dzsum``: per (sample, channel) partial sums of ``dz`` and ``dz (x - k)`` into the
workspace's dz rows (``_bwd_emit``), dz recomputed from x, dy and the forward's per-channel
``k``, ``a``, ``b`` (z = (x - k) a + b).

Channels last takes the forward's ``stats`` tiling (a workgroup per (sample, channel block,
row block), TR x TC threads, VL lanes of channels each) and its write of per-channel
partials. Channels first views a sample as [C, R] and gives each (sample, channel, chunk of
RB2 vectors) a workgroup: the sums are per channel, and a group's L elements span C/G
channels."""

from __future__ import annotations

from typing import Tuple

from ._bwd_emit import ROW_A, ROW_B, ROW_DZ, ROW_K, d_and_dz
from ._emit import I, J, _Func, _ld, begin, begin_stats, wg_sum2
from ._stats_channels_last import prologue, write_partials


def _params(m, f: _Func, nn: str, ch: str, V: str, vector: bool):
    """k (None with mean_close_to_zero) and (a, b) (None without an activation) of channel
    ``ch``, as V vectors: loaded as vectors (channels last) or broadcast scalars."""
    e, pt, act = f.e, m.wsmem(), m.spec.activation is not None
    out = {}
    for row, name, on in ((ROW_K, "k", not m.mcz), (ROW_A, "a", act), (ROW_B, "b", act)):
        if not on:
            out[name] = None
            continue
        at = m.row_at(f, I, nn, row, ch, f"p{name}")
        e(f"{I}%p{name} = " + _ld("%ws", at, pt, V if vector else "f32"))
        if not vector:
            e(f"{I}%p{name}v = vector.broadcast %p{name} : f32 to {V}")
        out[name] = f"%p{name}" + ("" if vector else "v")
    ab = (out["a"], out["b"]) if act else None
    return out["k"], ab


def _dz_rows(m, f: _Func) -> Tuple[str, str]:
    """The dz partial rows of block %kb: 10 + 2 kb and 11 + 2 kb."""
    e, idx = f.e, f.idx
    e(f"{I}%dr00 = arith.muli %kb, {idx(2)} : index")
    e(f"{I}%dr0 = arith.addi %dr00, {idx(ROW_DZ)} : index")
    e(f"{I}%dr1 = arith.addi %dr0, {idx(1)} : index")
    return "%dr0", "%dr1"


def _loop(m, f: _Func, VL: int, V: str, lo: str, hi: str, step: int, at, kv, ab) -> None:
    """``%acc#0``, ``%acc#1``: this thread's sums of dz and dz (x - k) over lo, lo + step,
    ... < hi; ``at(i)`` gives the indices of x and dy at loop index ``%i``."""
    e, xt = f.e, m.xmem()
    e(f"{I}%acc:2 = scf.for %i = {lo} to {hi} step {f.idx(step)} iter_args(%q1 = %zv, "
      f"%q2 = %zv) -> ({V}, {V}) {{")
    pos = at("%i")
    x = f.load(J, "%qx", "%x", pos, xt, VL)
    g = f.load(J, "%qg", "%dy", pos, xt, VL)
    d, dz = d_and_dz(m, f, J, x, g, V, kv, ab)
    e(f"{J}%qs1 = arith.addf %q1, {dz} : {V}")
    e(f"{J}%qs2 = math.fma {dz}, {d}, %q2 : {V}")
    e(f"{J}scf.yield %qs1, %qs2 : {V}, {V}")
    e(f"{I}}}")


def body(m) -> Tuple[_Func, list]:
    if m.kind == "channels_last":
        f = _channels_last(m)
    else:
        f = _channels_first(m)
    xt = m.xmem()
    return f, [("%bx", "%x", xt), ("%bd", "%dy", xt), ("%bw", "%ws", m.wsmem())]


def _channels_last(m) -> _Func:
    VL = m.VL
    f, nn, V = begin_stats(m, "cb")
    prologue(m, f, nn, V, shift=False)
    kv, ab = _params(m, f, nn, "%ch", V, True)
    rows = _dz_rows(m, f)
    _loop(m, f, VL, V, "%r0", "%re", m.TR, lambda i: f"{nn}, {i}, %ch", kv, ab)
    write_partials(m, f, nn, V, lambda j, ch, tag: m.row_at(f, J, nn, rows[j], ch, tag))
    return f


def fused_body(m) -> Tuple[_Func, list]:
    """Channels last without an activation (dz = dy needs no statistics): ``stats`` and
    ``dzsum`` in one pass over x and dy, four sums per channel (d = x - k, d^2, dy,
    dy d; k the lane's group's shift, as ``combine`` takes it): x and dy read twice
    in all, dx written once."""
    VL, xt = m.VL, m.xmem()
    f, nn, V = begin_stats(m, "cb")
    e = f.e
    prologue(m, f, nn, V)
    rows = _dz_rows(m, f)
    e(f"{I}%acc:4 = scf.for %i = %r0 to %re step {f.idx(m.TR)} iter_args(%q1 = %zv, "
      f"%q2 = %zv, %q3 = %zv, %q4 = %zv) -> ({V}, {V}, {V}, {V}) {{")
    x = f.load(J, "%qx", "%x", f"{nn}, %i, %ch", xt, VL)
    g = f.load(J, "%qg", "%dy", f"{nn}, %i, %ch", xt, VL)
    d = x
    if not m.mcz:
        e(f"{J}%qd = arith.subf {x}, %kv : {V}")
        d = "%qd"
    e(f"{J}%qs1 = arith.addf %q1, {d} : {V}")
    e(f"{J}%qs2 = math.fma {d}, {d}, %q2 : {V}")
    e(f"{J}%qs3 = arith.addf %q3, {g} : {V}")
    e(f"{J}%qs4 = math.fma {g}, {d}, %q4 : {V}")
    e(f"{J}scf.yield %qs1, %qs2, %qs3, %qs4 : {V}, {V}, {V}, {V}")
    e(f"{I}}}")

    def at(j, ch, tag):
        if j < 2:
            return m.ws_at(f, J, nn, ("%kb", j), ch, tag)
        return m.row_at(f, J, nn, rows[j - 2], ch, tag)

    write_partials(m, f, nn, V, at, tuple(f"%acc#{j}" for j in range(4)))
    return f, [("%bx", "%x", xt), ("%bd", "%dy", xt), ("%bw", "%ws", m.wsmem())]


def _channels_first(m) -> _Func:
    VL = m.DVL
    V = f"vector<{VL}xf32>"
    f, nn = begin(m, "wr", V)
    e, idx = f.e, f.idx
    e(f"{I}%ci = arith.divui %wr, {idx(m.K2)} : index")
    e(f"{I}%kb = arith.remui %wr, {idx(m.K2)} : index")
    e(f"{I}%gi = arith.divui %ci, {idx(m.cg)} : index")
    e(f"{I}%cj = arith.remui %ci, {idx(m.cg)} : index")
    e(f"{I}%cb = arith.muli %cj, {idx(m.R)} : index")  # the channel's offset in its group
    kv, ab = _params(m, f, nn, "%ci", V, False)
    rows = _dz_rows(m, f)
    e(f"{I}%lb0 = arith.muli %kb, {idx(m.RB2)} : index")
    e(f"{I}%l0 = arith.addi %lb0, %tid : index")
    e(f"{I}%le0 = arith.addi %lb0, {idx(m.RB2)} : index")
    e(f"{I}%le = arith.minui %le0, {idx(m.Rv)} : index")

    def at(i):
        e(f"{J}%qo = arith.muli {i}, {idx(VL)} : index")
        e(f"{J}%qp = arith.addi %cb, %qo : index")
        return f"{nn}, %gi, %qp"

    _loop(m, f, VL, V, "%l0", "%le", m.DT, at, kv, ab)
    e(f"{I}%s1 = vector.reduction <add>, %acc#0 : {V} into f32")
    e(f"{I}%s2 = vector.reduction <add>, %acc#1 : {V} into f32")
    sh = wg_sum2(f, m.DT, "%s1", "%s2")
    pt = m.wsmem()
    e(f"{I}%t0 = arith.cmpi eq, %tid, %c0 : index")
    e(f"{I}scf.if %t0 {{")
    for j in (0, 1):
        e(f"{J}%o{j} = memref.load %sh{j + 1}[%c0] : {sh}")
        e(f"{J}memref.store %o{j}, %ws[{m.row_at(f, J, nn, rows[j], '%ci', f'o{j}')}] : {pt}")
    e(f"{I}}}")
    return f
