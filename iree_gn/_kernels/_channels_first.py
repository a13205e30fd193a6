"""Channels first (NCHW, NCDHW): x as [N, G, L], a workgroup per (sample, group), whose L
elements are contiguous. Numerics: see the package docstring."""

from __future__ import annotations

from typing import List

from . import _tuning
from ._module import _Kernel


class _ChannelsFirst(_Kernel):
    kind = "channels first"
    VL, U = 16, 4

    def __init__(self, spec):
        super().__init__(spec)
        self.L = self.cg * self.R

    def xmem(self):
        return f"memref<{self.n_dim}x{self.G}x{self.L}x{self.et}>"

    def per_sample(self):
        return self.G

    def sums(self, I, tag, shift, lo=None, hi=None):
        """Sums over the block (or its elements [lo, hi), index values) of ``x - shift``
        (shift None: x) and of its square, as float32 scalars ``%{tag}1`` and ``%{tag}2``: a
        vector loop with U x VL lanes of partial sums and a scalar loop for the remainder."""
        e, VL, U, L = self.e, self.VL, self.U, self.L
        xt, V = self.xmem(), self.vec(self.VL)
        c0, c1 = self.idx(0), self.idx(1)
        if lo is None:
            lo, hi, main = c0, self.idx(L), self.idx(L // (VL * U) * (VL * U))
        else:
            main = f"%{tag}main"
            e(f"{I}%{tag}len = arith.subi {hi}, {lo} : index")
            e(f"{I}%{tag}rem = arith.remui %{tag}len, {self.idx(VL * U)} : index")
            e(f"{I}%{tag}main = arith.subi {hi}, %{tag}rem : index")
        f0 = self.f32(0.0)
        accs = [f"%{tag}a{u}" for u in range(U)] + [f"%{tag}q{u}" for u in range(U)]
        e(f"{I}%{tag}v:{2 * U} = scf.for %i = {lo} to {main} step {self.idx(VL * U)}"
          f" iter_args({', '.join(f'{a} = %zv' for a in accs)}) -> ({', '.join([V] * 2 * U)}) {{")
        J = I + "  "
        outs = []
        for u in range(U):
            at = "%i" if u == 0 else f"%i{u}"
            if u:
                e(f"{J}{at} = arith.addi %i, {self.idx(u * VL)} : index")
            v = self.load(J, f"%v{u}", "%x", f"%n, %gi, {at}", xt, VL)
            if shift is not None:
                e(f"{J}%d{u} = arith.subf {v}, {shift}v : {V}")
                v = f"%d{u}"
            e(f"{J}%na{u} = arith.addf {accs[u]}, {v} : {V}")
            e(f"{J}%nq{u} = math.fma {v}, {v}, {accs[U + u]} : {V}")
            outs += [f"%na{u}"]
        outs += [f"%nq{u}" for u in range(U)]
        e(f"{J}scf.yield {', '.join(outs)} : {', '.join([V] * 2 * U)}")
        e(f"{I}}}")
        for j, name in ((0, "1"), (1, "2")):
            parts = [f"%{tag}v#{j * U + u}" for u in range(U)]
            e(f"{I}%{tag}h{name}a = arith.addf {parts[0]}, {parts[1]} : {V}")
            e(f"{I}%{tag}h{name}b = arith.addf {parts[2]}, {parts[3]} : {V}")
            e(f"{I}%{tag}h{name} = arith.addf %{tag}h{name}a, %{tag}h{name}b : {V}")
            e(f"{I}%{tag}r{name} = vector.reduction <add>, %{tag}h{name} : {V} into f32")
        # remainder
        e(f"{I}%{tag}t:2 = scf.for %i = {main} to {hi} step {c1}"
          f" iter_args(%ta = {f0}, %tq = {f0}) -> (f32, f32) {{")
        v = self.load(J, "%s", "%x", "%n, %gi, %i", xt, 0)
        if shift is not None:
            e(f"{J}%sd = arith.subf {v}, {shift} : f32")
            v = "%sd"
        e(f"{J}%sa = arith.addf %ta, {v} : f32")
        e(f"{J}%sq = math.fma {v}, {v}, %tq : f32")
        e(f"{J}scf.yield %sa, %sq : f32, f32")
        e(f"{I}}}")
        e(f"{I}%{tag}1 = arith.addf %{tag}r1, %{tag}t#0 : f32")
        e(f"{I}%{tag}2 = arith.addf %{tag}r2, %{tag}t#1 : f32")

    def shifted_mean(self, I, lo, hi, count):
        """Pass 1: ``%m0 = k + sum(x - k) / count`` over the block's elements [lo, hi)
        (index values; ``count`` their number as a float32 value), ``k`` the median of its
        first, middle and last elements: a value from the bulk of the data, so that the sums
        hold deviations, not |mean|-sized values (its sum of squares goes unused). The plain
        float32 sum of x erred by ~500 std on groups of 64K elements at mean 3e7, std 1 (every
        add rounding at the sum's size), and the variance of pass 2, shifted by that m0, by
        5% (errors of 7.4 in y); now 4e-7."""
        e, V = self.e, self.vec(self.VL)
        e(f"{I}%kmid0 = arith.addi {lo}, {hi} : index")
        e(f"{I}%kmid = arith.divui %kmid0, {self.idx(2)} : index")
        e(f"{I}%klast = arith.subi {hi}, {self.idx(1)} : index")
        ks = [self.load(I, f"%k{i}", "%x", f"%n, %gi, {at}", self.xmem(), 0)
              for i, at in enumerate((lo, "%kmid", "%klast"))]
        self.median3(I, "%k", ks, "f32")
        e(f"{I}%kv = vector.broadcast %k : f32 to {V}")
        self.sums(I, "p", "%k", *((lo, hi) if lo != self.idx(0) else ()))
        e(f"{I}%pdm = arith.divf %p1, {count} : f32")
        e(f"{I}%m0 = arith.addf %k, %pdm : f32")

    def body(self) -> List[str]:
        e, VL, L, R, cg = self.e, self.VL, self.L, self.R, self.cg
        xt, V = self.xmem(), self.vec(self.VL)
        I = "        "
        c0, c1 = self.idx(0), self.idx(1)
        fL = self.f32(L)
        f0 = self.f32(0.0)
        e(f"{I}%zv = arith.constant dense<0.0> : {V}")
        e(f"{I}%n = arith.divui %wg, {self.idx(self.G)} : index")
        e(f"{I}%gi = arith.remui %wg, {self.idx(self.G)} : index")
        if self.spec.mean_close_to_zero:
            # TF's one-pass sufficient statistics; the "shift" m0 is 0.
            self.sums(I, "p", None)
            self.variance(I, "%p1", "%p2", fL, "%rm", "%ex2", "%m2")  # %rm: the mean
            e(f"{I}%m0 = arith.addf {f0}, {f0} : f32")
        else:
            self.shifted_mean(I, c0, self.idx(L), fL)  # pass 1: m0
            e(f"{I}%m0v = vector.broadcast %m0 : f32 to {V}")
            self.sums(I, "q", "%m0")  # pass 2, from cache: residual mean and variance
            self.variance(I, "%q1", "%q2", fL, "%rm", "%ed2", "%rm2")  # %rm: mean - m0
        self.rstd(I, "%var0")
        e(f"{I}%m0w = vector.broadcast %m0 : f32 to {V}")
        e(f"{I}%cbase = arith.muli %gi, {self.idx(cg)} : index")
        main = R // VL * VL
        e(f"{I}scf.for %j = {c0} to {self.idx(cg)} step {c1} {{")
        J = I + "  "
        e(f"{J}%ch = arith.addi %cbase, %j : index")
        # b = beta - (mean - m0) * a: the float32 mean itself is never formed (at |mean| = 1e4
        # its rounding alone would be 5e-4).
        aj, bj = self.scale_shift(J, "%ch", "%rm")
        self.splat(J, "%ajv", aj, V)
        self.splat(J, "%bjv", bj, V)
        e(f"{J}%base = arith.muli %j, {self.idx(R)} : index")
        e(f"{J}%vend = arith.addi %base, {self.idx(main)} : index")
        e(f"{J}%end = arith.addi %base, {self.idx(R)} : index")
        self.streamed(J, 2, lambda K: self.normalize(K, "%base", "%vend", "%end", aj, bj))
        e(f"{I}}}")
        return self.lines

    def normalize(self, J, lo, vend, end, aj, bj):
        """y = act((x - m0) * a + b) over elements [lo, end) of the block: VL lanes up to
        ``vend``, then scalars; ``%m0w``/``%m0`` the shift, ``aj``/``bj`` float32 scalars
        and ``%ajv``/``%bjv`` their splats."""
        e, VL, L = self.e, self.VL, self.L
        xt, V = self.xmem(), self.vec(self.VL)
        c1 = self.idx(1)
        for lanes, lo, hi, step, M, A, B in (
                (VL, lo, vend, self.idx(VL), "%m0w", "%ajv", "%bjv"),
                (0, vend, end, c1, "%m0", aj, bj)):
            ty = V if lanes else "f32"
            e(f"{J}scf.for %i = {lo} to {hi} step {step} {{")
            K = J + "  "
            t = "v" if lanes else "s"
            if lanes and not self.nt:
                # Prefetch y for ownership: the normalize pass reads x from L2 and its
                # stores otherwise wait for each line of y to come from memory (8x256x56x56:
                # 3.7 -> 2.7 ms; 2x320x64x64: 1.31 -> 0.90 ms, medians).
                d = self.idx(max(VL, _tuning.current().cf_prefetch_bytes //
                                 {"f32": 4}.get(self.et, 2)))
                e(f"{K}%pw0 = arith.addi %i, {d} : index")
                e(f"{K}%pw = arith.minui %pw0, {self.idx(L - 1)} : index")
                e(f"{K}memref.prefetch %y[%n, %gi, %pw], write, locality<3>, data : {xt}")
            x = self.load(K, f"%{t}x", "%x", "%n, %gi, %i", xt, lanes)
            e(f"{K}%{t}d = arith.subf {x}, {M} : {ty}")
            e(f"{K}%{t}o = math.fma %{t}d, {A}, {B} : {ty}")
            o = self.activation(K, f"%{t}act", f"%{t}o", ty, lanes)
            self.store(K, f"%{t}y", o, "%y", "%n, %gi, %i", xt, lanes, out=True)
            e(f"{J}}}")
