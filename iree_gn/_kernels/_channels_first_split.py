"""Channels first with (sample, group) blocks larger than L2 (``_CF_BLOCK_BYTES``): x as
[N, G, L], each block in K pieces of P elements (``cf_pieces``), a workgroup per piece, two
dispatches, for a static or a dynamic batch.

``@stats``: per piece j of n_j elements, its mean m_j (pass 1, on x shifted by a median of
three of its elements: ``_ChannelsFirst.shifted_mean``), then, from L2, the
sums q1 and q2 of ``x - m_j`` (pass 2), written as ``(m_j, d_j = q1 / n_j, M2_j = q2 - q1 d_j)``
to a [N, G, K, 3] float32 tensor. With ``mean_close_to_zero``: one pass of sums of x and x^2
(TF's sufficient statistics, per piece), m_j = 0. One pass of sums shifted by the piece's
first element measured 1.2-1.3x faster (min of 60, same process: 2x64x128x128 G=1 0.33 vs
0.42 ms, 1x64x128x128 G=1 0.16 vs 0.20 ms; 1x256x128x128 G=4 alike) but fails where that
element is an outlier: at mean 1e4, std 1, with every piece starting at mean + z, max error
4e-5 (z = 5), 9e-3 (z = 50), 1.1 (z = 500); this form: 4e-6, 4e-5, 5e-5.

``@norm``: per piece p, the exact combine of the K pieces (Chan, Golub & LeVeque), relative to
its own shift m_p::

    t_j = (m_j - m_p) + d_j            dm  = sum_j n_j t_j / L          (mean - m_p)
    var = sum_j (M2_j + n_j (t_j - dm)^2) / L

then ``y = act((x - m_p) * a + b)`` with ``a = gamma * rsqrt(var + eps)``,
``b = beta - dm * a`` for each channel the piece touches. No float32 sum holds a
|mean|-sized value and the float32 mean is never formed (m_j - m_p is exact where the pieces'
means are within a factor 2, as at |mean| >> std). Pieces are normalized in the reverse order
of the statistics pass, so the first ones normalized are the last ones read (still cached).
"""

from __future__ import annotations

from typing import List

from ._channels_first import _ChannelsFirst
from ._select import cf_pieces


class _ChannelsFirstSplit(_ChannelsFirst):
    kind = "channels first, pieces"

    def __init__(self, spec):
        super().__init__(spec)
        self.K, self.P = cf_pieces(spec)

    def per_sample(self):
        return self.G * self.K

    def part(self, kind="memref"):
        return f"{kind}<{self.n_dim}x{self.G}x{self.K}x3xf32>"

    def functions(self):
        xty, pty = self.xmem(), f"memref<{self.C}x{self.et}>"
        part = ("%bp", "%part", self.part())
        self.lines = []
        stats = self.stats_body()
        self.lines = []
        norm = self.norm_body()
        wg = self.per_sample()
        return [("stats", wg, [("%bx", "%x", xty), part], stats),
                ("norm", wg, [("%bx", "%x", xty), part] +
                 [(b, v, pty) for b, v in self.params()] + [("%by", "%y", xty)], norm)]

    def host(self, xt: str, vt: str, pt: str) -> List[str]:
        n = len(self.params())
        wl, nargs, ntys = self.dyn_operands()
        pt_ = self.part("tensor") + ("{%n}" if self.N is None else "")
        sargs, stys = ", ".join(["%xv", "%xoff"] + nargs), ", ".join([xt, "i32"] + ntys)
        args = ", ".join(["%xv", "%part"] + [f"%arg{i + 1}" for i in range(n)] + ["%xoff"] +
                         nargs)
        tys = ", ".join([xt, pt_] + [pt] * n + ["i32"] + ntys)
        return [f"    %part = flow.dispatch @gn_kernel::@stats{wl}({sargs}) : ({stys}) -> {pt_}",
                f"    %yv = flow.dispatch @gn_kernel::@norm{wl}({args}) : ({tys}) -> {vt}"]

    def piece(self, I: str, reverse: bool) -> None:
        """%n, %gi, %pj: this workgroup's sample, group and piece (workgroups in reverse
        order with ``reverse``); %lo, %hi its elements; %cntf their count (float32)."""
        e, per = self.e, self.idx(self.G * self.K)
        w = "%wg"
        if reverse:
            if self.N is None:
                e(f"{I}%wtot = arith.muli %nsz, {per} : index")
                e(f"{I}%wlast = arith.subi %wtot, {self.idx(1)} : index")
                last = "%wlast"
            else:
                last = self.idx(self.N * self.G * self.K - 1)
            e(f"{I}%wrev = arith.subi {last}, %wg : index")
            w = "%wrev"
        e(f"{I}%n = arith.divui {w}, {per} : index")
        e(f"{I}%wr0 = arith.remui {w}, {per} : index")
        e(f"{I}%gi = arith.divui %wr0, {self.idx(self.K)} : index")
        e(f"{I}%pj = arith.remui %wr0, {self.idx(self.K)} : index")
        e(f"{I}%lo = arith.muli %pj, {self.idx(self.P)} : index")
        e(f"{I}%hi0 = arith.addi %lo, {self.idx(self.P)} : index")
        e(f"{I}%hi = arith.minui %hi0, {self.idx(self.L)} : index")
        e(f"{I}%cnt = arith.subi %hi, %lo : index")
        e(f"{I}%cnti = arith.index_castui %cnt : index to i32")
        e(f"{I}%cntf = arith.uitofp %cnti : i32 to f32")

    def stats_body(self) -> List[str]:
        e, V, I = self.e, self.vec(self.VL), "        "
        f0 = self.f32(0.0)
        e(f"{I}%zv = arith.constant dense<0.0> : {V}")
        self.piece(I, reverse=False)
        if self.spec.mean_close_to_zero:
            self.sums(I, "p", None, "%lo", "%hi")  # TF's one pass
            e(f"{I}%m0 = arith.addf {f0}, {f0} : f32")
            s1, s2 = "%p1", "%p2"
        else:
            self.shifted_mean(I, "%lo", "%hi", "%cntf")  # pass 1
            e(f"{I}%m0v = vector.broadcast %m0 : f32 to {V}")
            self.sums(I, "q", "%m0", "%lo", "%hi")  # pass 2, from L2
            s1, s2 = "%q1", "%q2"
        e(f"{I}%dl = arith.divf {s1}, %cntf : f32")
        e(f"{I}%cq = arith.mulf {s1}, %dl : f32")
        e(f"{I}%m2 = arith.subf {s2}, %cq : f32")
        pm = self.part()
        for i, v in enumerate(("%m0", "%dl", "%m2")):
            e(f"{I}memref.store {v}, %part[%n, %gi, %pj, {self.idx(i)}] : {pm}")
        return self.lines

    def combine(self, I: str) -> None:
        """%dm (mean - m_p) and %rstd from the K pieces' (m_j, d_j, M2_j)."""
        e, pm, K = self.e, self.part(), self.K
        c0, c1, c2 = self.idx(0), self.idx(1), self.idx(2)
        f0, fP = self.f32(0.0), self.f32(self.P)
        fLast, fL = self.f32(self.L - (K - 1) * self.P), self.f32(self.L)
        for tag in ("s", "v"):
            e(f"{I}%{tag}sum = scf.for %j = {c0} to {self.idx(K)} step {c1} "
              f"iter_args(%{tag}acc = {f0}) -> (f32) {{")
            J = I + "  "
            e(f"{J}%mj = memref.load %part[%n, %gi, %j, {c0}] : {pm}")
            e(f"{J}%dj = memref.load %part[%n, %gi, %j, {c1}] : {pm}")
            e(f"{J}%lastj = arith.cmpi eq, %j, {self.idx(K - 1)} : index")
            e(f"{J}%nj = arith.select %lastj, {fLast}, {fP} : f32")
            e(f"{J}%tj0 = arith.subf %mj, %m0 : f32")
            e(f"{J}%tj = arith.addf %tj0, %dj : f32")
            if tag == "s":
                e(f"{J}%snext = math.fma %nj, %tj, %sacc : f32")
            else:
                e(f"{J}%m2j = memref.load %part[%n, %gi, %j, {c2}] : {pm}")
                e(f"{J}%uj = arith.subf %tj, %dm : f32")
                e(f"{J}%wj = arith.mulf %nj, %uj : f32")
                e(f"{J}%vj = math.fma %wj, %uj, %m2j : f32")
                e(f"{J}%vnext = arith.addf %vacc, %vj : f32")
            e(f"{J}scf.yield %{tag}next : f32")
            e(f"{I}}}")
            if tag == "s":
                e(f"{I}%dm = arith.divf %ssum, {fL} : f32")
        e(f"{I}%var0 = arith.divf %vsum, {fL} : f32")
        self.rstd(I, "%var0")

    def norm_body(self) -> List[str]:
        e, V, I, R = self.e, self.vec(self.VL), "        ", self.R
        c1 = self.idx(1)
        self.piece(I, reverse=True)
        e(f"{I}%m0 = memref.load %part[%n, %gi, %pj, {self.idx(0)}] : {self.part()}")
        e(f"{I}%m0w = vector.broadcast %m0 : f32 to {V}")
        self.combine(I)
        # The channels [%clo, %chi) of the group that the piece's elements belong to.
        e(f"{I}%clo = arith.divui %lo, {self.idx(R)} : index")
        e(f"{I}%hil = arith.subi %hi, {c1} : index")
        e(f"{I}%chl = arith.divui %hil, {self.idx(R)} : index")
        e(f"{I}%chi = arith.addi %chl, {c1} : index")
        e(f"{I}%cbase = arith.muli %gi, {self.idx(self.cg)} : index")
        e(f"{I}scf.for %j = %clo to %chi step {c1} {{")
        J = I + "  "
        e(f"{J}%ch = arith.addi %cbase, %j : index")
        aj, bj = self.scale_shift(J, "%ch", "%dm")
        self.splat(J, "%ajv", aj, V)
        self.splat(J, "%bjv", bj, V)
        e(f"{J}%jb = arith.muli %j, {self.idx(R)} : index")
        e(f"{J}%je = arith.addi %jb, {self.idx(R)} : index")
        e(f"{J}%base = arith.maxui %jb, %lo : index")
        e(f"{J}%end = arith.minui %je, %hi : index")
        e(f"{J}%seg = arith.subi %end, %base : index")
        e(f"{J}%segr = arith.remui %seg, {self.idx(self.VL)} : index")
        e(f"{J}%vend = arith.subi %end, %segr : index")
        self.streamed(J, 2, lambda K: self.normalize(K, "%base", "%vend", "%end", aj, bj))
        e(f"{I}}}")
        return self.lines
