"""The backward of group norm for channels first (NCHW, NCDHW, NCL): x and dy as [N, G, L]
with L = C/G * R, a workgroup per (sample, group), whose L elements are contiguous.

Per block (M = L elements, r = rsqrt(var + eps), a_c = r * gamma_c)::

    xhat = (x - mean) r,  z = xhat gamma_c + beta_c,  dz = dy act'(z),  w = gamma_c dz
    dx   = r (w - mean(w) - xhat mean(w xhat)) = a_c dz + K1 (x - m0) + K0
    K1   = -r^2 mean(w xhat),  K0 = r^2 mean(w xhat) (mean - m0) - r mean(w)

and the per-(sample, channel) partials ``part[n, 0, c] = sum dz`` (dbeta's) and
``part[n, 1, c] = sum dz xhat`` (dgamma's), float32 (``_bwd_module``'s contract: its
``@reduce`` dispatch sums them over n).

Passes over the block (x and dy come from memory once; the rest re-read from L2 where a
(sample, group) block of x is within ``_CF_BLOCK_BYTES`` as the forward's, else from L3:
see :meth:`serves`):

1. statistics: sums of ``d = x - m0`` and ``d^2`` -> ``mean - m0`` and
   ``var = E[d^2] - E[d]^2``, with m0 the mean of the block's first 16 elements
   (:meth:`first_mean` says why that is accurate). Without an activation the same pass sums
   ``dy`` and ``dy d`` per channel, so that dgamma's partial is
   ``r (sum dy d - (mean - m0) sum dy)`` and pass 2 is not needed: x and dy are read twice
   and dx written once, the minimum. ``mean_close_to_zero``: m0 = 0, so these are TF's
   one-pass sums of x and x^2, as the forward's;
2. (with an activation) per channel, sums of dz and dz xhat;
   float32 with an activation also stores dz in dx's place (:meth:`keep_dz`);
3. per channel, dx, from x and dz (so stored, or recomputed from dy); dx's lines are
   prefetched for writing as in the forward's normalize.

Statistics and sums are float32; float16/bfloat16 are widened on load and dx narrowed on
store. The activation derivatives are those of ``_activations`` (JAX's, at the kinks too:
relu and relu6 pass no gradient at 0 and 6, leaky_relu the slope 0.2 at 0).
"""

from __future__ import annotations

from typing import List

from ._bwd_module import _BwdKernel
from ._channels_first import _ChannelsFirst
from . import _tuning
from ._select import _BYTES, _rows


class _BwdChannelsFirst(_BwdKernel, _ChannelsFirst):
    kind = "channels first backward"
    # Float32 with an activation: pass 2 keeps dz in dx's place for pass 3 (keep_dz).
    STORE_DZ = True
    # Largest (sample, group) block of x, in units of the forward's _CF_BLOCK_BYTES (see
    # serves).
    BLOCK_FACTOR = 16

    @classmethod
    def serves(cls, spec) -> bool:
        """A (sample, group) block of x of at most 16 MiB (``BLOCK_FACTOR`` x the forward's
        ``_CF_BLOCK_BYTES``). Past L2 the re-reads come from L3, yet the kernel still beat
        the JAX route at every size measured: 1x512x128x128 f32 with 32/16/8/2 groups (1, 2,
        4, 16 MiB blocks; 32 down to 2 workgroups, 2 cores) 21 vs 273, 8.8 vs 45, 18 vs 82,
        24 vs 94 ms (module medians, interleaved, loaded machine)."""
        return spec.channels // spec.groups * _rows(spec) * _BYTES[spec.dtype] \
            <= _tuning.current().cf_block_bytes * cls.BLOCK_FACTOR

    def fused(self) -> bool:
        """Whether the statistics' pass also sums dy and dy d (see the docstring)."""
        return self.spec.activation is None

    def grad_functions(self):
        """One export, ``gn``: x, [gamma], [beta], dy in; dx and the partials out."""
        xty, pty = self.xmem(), f"memref<{self.C}x{self.et}>"
        binds = [("%bx", "%x", xty)] + [(b, v, pty) for b, v in self.params()] + \
            [("%bdy", "%dy", xty), ("%bdx", "%dx", xty), ("%bp", "%part", self.part_type())]
        self.lines = []
        return [("gn", self.per_sample(), binds, self.body())]

    def grad_dispatches(self, xt: str, pt: str) -> List[str]:
        n = len(self.params())
        wl, nargs, ntys = self.dyn_operands()
        args = ", ".join(["%xv"] + [f"%arg{i + 1}" for i in range(n)] + ["%dyv", "%xoff"]
                         + nargs)
        tys = ", ".join([xt] + [pt] * n + [xt, "i32"] + ntys)
        part = self.part_type("tensor") + ("{%n}" if self.N is None else "")
        return [f"    %dxv, %part = flow.dispatch @gn_kernel::@gn{wl}({args}) : ({tys}) -> "
                f"({xt}, {part})"]

    # -- the per-channel loop --------------------------------------------------------------
    def channel_sums(self, I, tag, base, n, elem):
        """Sums of ``n`` per-element terms over one channel's R elements from index ``base``
        (an SSA index): ``elem(J, t, i, lanes, ty)`` emits an element's (vector of ``lanes``,
        or scalar when 0) terms at index ``i`` and returns them, each a value to add or a
        pair to multiply and add. A vector loop (U-fold unrolled, 8 vector accumulators in
        all), a vector loop for the remaining whole vectors, a scalar loop for the rest.
        Returns the names of the n float32 sums."""
        e, VL, R = self.e, self.VL, self.R
        V = self.vec(VL)
        U = max(1, 8 // n)
        main, mid = R // (VL * U) * (VL * U), R // VL * VL
        J = I + "  "
        bounds = []
        for k, v in (("m", main), ("v", mid), ("e", R)):
            e(f"{I}%{tag}{k} = arith.addi {base}, {self.idx(v)} : index")
            bounds.append(f"%{tag}{k}")

        def accumulate(lanes, ty, accs, at):
            out = []
            for k, term in enumerate(elem(J, f"{tag}{at[1:]}", at, lanes, ty)):
                nm = f"%{tag}n{at[1:]}_{k}"
                if isinstance(term, tuple):
                    e(f"{J}{nm} = math.fma {term[0]}, {term[1]}, {accs[k]} : {ty}")
                else:
                    e(f"{J}{nm} = arith.addf {accs[k]}, {term} : {ty}")
                out.append(nm)
            return out

        accs = [f"%{tag}a{u}_{k}" for u in range(U) for k in range(n)]
        e(f"{I}%{tag}u:{U * n} = scf.for %{tag}i = {base} to {bounds[0]} step "
          f"{self.idx(VL * U)} iter_args({', '.join(f'{a} = %zv' for a in accs)}) -> "
          f"({', '.join([V] * U * n)}) {{")
        outs = []
        for u in range(U):
            at = f"%{tag}i"
            if u:
                at = f"%{tag}i{u}"
                e(f"{J}{at} = arith.addi %{tag}i, {self.idx(u * VL)} : index")
            outs += accumulate(VL, V, accs[u * n:(u + 1) * n], at)
        e(f"{J}scf.yield {', '.join(outs)} : {', '.join([V] * U * n)}")
        e(f"{I}}}")
        parts = [f"%{tag}u#{u * n + k}" for u in range(U) for k in range(n)]
        for u in range(1, U):
            for k in range(n):
                nm = f"%{tag}c{u}_{k}"
                e(f"{I}{nm} = arith.addf {parts[k]}, {parts[u * n + k]} : {V}")
                parts[k] = nm
        accs = [f"%{tag}b_{k}" for k in range(n)]
        e(f"{I}%{tag}w:{n} = scf.for %{tag}j = {bounds[0]} to {bounds[1]} step "
          f"{self.idx(VL)} iter_args({', '.join(f'{a} = {p}' for a, p in zip(accs, parts))})"
          f" -> ({', '.join([V] * n)}) {{")
        outs = accumulate(VL, V, accs, f"%{tag}j")
        e(f"{J}scf.yield {', '.join(outs)} : {', '.join([V] * n)}")
        e(f"{I}}}")
        # A tree, not 15 dependent adds: four of these per channel cost more than the loop
        # over a short channel (2x1280x16x16, R = 256: 0.79 -> 0.65 ms, module medians).
        for k in range(n):
            e(f"{I}%{tag}r_{k} = vector.reduction <add>, %{tag}w#{k} fastmath<reassoc> : {V} "
              f"into f32")
        accs = [f"%{tag}s_{k}" for k in range(n)]
        inits = ", ".join(f"{a} = %{tag}r_{k}" for k, a in enumerate(accs))
        e(f"{I}%{tag}t:{n} = scf.for %{tag}k = {bounds[1]} to {bounds[2]} step {self.idx(1)}"
          f" iter_args({inits}) -> ({', '.join(['f32'] * n)}) {{")
        outs = accumulate(0, "f32", accs, f"%{tag}k")
        e(f"{J}scf.yield {', '.join(outs)} : {', '.join(['f32'] * n)}")
        e(f"{I}}}")
        return [f"%{tag}t#{k}" for k in range(n)]

    # -- element terms -----------------------------------------------------------------
    def bcast(self, J, t, s, lanes):
        """The scalar ``s`` as a vector of ``lanes`` (itself when lanes == 0)."""
        if not lanes:
            return s
        self._nsplat = getattr(self, "_nsplat", 0) + 1
        return self.splat(J, f"%{t}{s[1:]}v{self._nsplat}", s, self.vec(lanes))

    def element(self, J, t, i, lanes, ty, with_dy=True):
        """x - m0 and dy at index ``i`` of the block, float32, and z when an activation needs
        it: ``(d, dy, z)`` (only d without ``with_dy``)."""
        xt = self.xmem()
        x = self.load(J, f"%{t}x", "%x", f"%n, %gi, {i}", xt, lanes)
        d = f"%{t}d"
        self.e(f"{J}{d} = arith.subf {x}, {self.bcast(J, t, '%m0', lanes)} : {ty}")
        if not with_dy:
            return d, None, None
        dy = self.load(J, f"%{t}y", "%dy", f"%n, %gi, {i}", xt, lanes)
        z = None
        if self.spec.activation is not None:
            z, (a, b) = f"%{t}z", self.ab  # a_c and b_c (scale_shift)
            self.e(f"{J}{z} = math.fma {d}, {self.bcast(J, t, a, lanes)}, "
                   f"{self.bcast(J, t, b, lanes)} : {ty}")
        return d, dy, z

    # -- the function ------------------------------------------------------------------
    def body(self) -> List[str]:
        e, L = self.e, self.L
        I = "        "
        fL, f0 = self.f32(L), self.f32(0.0)
        e(f"{I}%zv = arith.constant dense<0.0> : {self.vec(self.VL)}")
        e(f"{I}%n = arith.divui %wg, {self.idx(self.G)} : index")
        e(f"{I}%gi = arith.remui %wg, {self.idx(self.G)} : index")
        e(f"{I}%cbase = arith.muli %gi, {self.idx(self.cg)} : index")
        # %rm: mean - m0 (the mean itself with one-pass statistics, m0 = 0)
        if self.spec.mean_close_to_zero:
            e(f"{I}%m0 = arith.addf {f0}, {f0} : f32")
        else:
            self.first_mean(I)
        e(f"{I}%m0v = vector.broadcast %m0 : f32 to {self.vec(self.VL)}")
        if self.fused():
            self.fused_sums(I)
        elif self.spec.mean_close_to_zero:  # TF's one-pass sufficient statistics
            self.sums(I, "p", None)
            self.variance(I, "%p1", "%p2", fL, "%rm", "%ex2", "%m2")
        else:
            self.sums(I, "q", "%m0")
            self.variance(I, "%q1", "%q2", fL, "%rm", "%ed2", "%rm2")
        self.rstd(I, "%var0")
        if self.fused():
            self.fused_partials(I)
        else:
            self.dz_sums(I)
        # dx = a_c dz + K1 d + K0 (see the module docstring)
        e(f"{I}%mw = arith.divf %gm#0, {fL} : f32")
        e(f"{I}%mwx = arith.divf %gm#1, {fL} : f32")
        e(f"{I}%r2 = arith.mulf %rstd, %rstd : f32")
        e(f"{I}%r2m = arith.mulf %r2, %mwx : f32")
        e(f"{I}%k1 = arith.negf %r2m : f32")
        e(f"{I}%rmw = arith.mulf %rstd, %mw : f32")
        e(f"{I}%nrmw = arith.negf %rmw : f32")
        e(f"{I}%k0 = math.fma %r2m, %rm, %nrmw : f32")
        self.dx_pass(I)
        return self.lines

    def first_mean(self, I):
        """``%m0``: the mean of the block's first ``VL`` elements (its first element when the
        block is shorter), in float32.

        The shift of every sum over x (``d = x - m0``): ``var = E[d^2] - E[d]^2`` loses
        ``log2(1 + (m0 - mean)^2 / var)`` bits. Within a block of L elements one element is
        at most ``sqrt(L)`` standard deviations from the mean (a single outlier), 16
        averaged ones ``sqrt(L / 16)``; typical data is a few. The forward's exact float32
        mean costs a pass over x (measured 20-28% of the backward: 2x320x64x64 3.9 -> 2.8
        ms, 8x256x56x56 14.9 -> 12.0 ms, module medians); the JAX route shifts each channel
        by its first element (the same bound per channel)."""
        e = self.e
        if self.L < self.VL:
            m0 = self.load(I, "%m0x", "%x", f"%n, %gi, {self.idx(0)}", self.xmem(), 0)
            e(f"{I}%m0 = arith.addf {m0}, {self.f32(0.0)} : f32")
            return
        v = self.load(I, "%m0x", "%x", f"%n, %gi, {self.idx(0)}", self.xmem(), self.VL)
        e(f"{I}%m0s = vector.reduction <add>, {v} : {self.vec(self.VL)} into f32")
        e(f"{I}%m0 = arith.divf %m0s, {self.f32(self.VL)} : f32")

    def channel_loop(self, I, carried, res="%gm"):
        """Opens ``scf.for %j`` over the group's channels with float32 ``carried`` (names of
        the loop results ``{res}#k``; initial 0), ``%ch`` the channel, ``%base`` its first
        index in the block; returns the body's indent."""
        e, J = self.e, I + "  "
        inits = ", ".join(f"%gc{k} = {self.f32(0.0)}" for k in range(carried))
        e(f"{I}{res}:{carried} = scf.for %j = {self.idx(0)} to {self.idx(self.cg)} step "
          f"{self.idx(1)} iter_args({inits}) -> ({', '.join(['f32'] * carried)}) {{")
        e(f"{J}%ch = arith.addi %cbase, %j : index")
        e(f"{J}%base = arith.muli %j, {self.idx(self.R)} : index")
        return J

    def close_loop(self, I, J, values):
        self.e(f"{J}scf.yield {', '.join(values)} : {', '.join(['f32'] * len(values))}")
        self.e(f"{I}}}")

    def gamma_of(self, J):
        return self.load(J, "%gw", "%g", "%ch", f"memref<{self.C}x{self.et}>", 0) \
            if self.gamma else None

    def store_partials(self, J, sdz, sdzx):
        """``part[n, 0, c] = sum dz``, ``part[n, 1, c] = sum dz xhat``."""
        pm = self.part_type()
        self.e(f"{J}memref.store {sdz}, %part[%n, {self.idx(0)}, %ch] : {pm}")
        self.e(f"{J}memref.store {sdzx}, %part[%n, {self.idx(1)}, %ch] : {pm}")

    def add_weighted(self, J, sdz, sdzx):
        """The loop's carried ``sum gamma_c sdz``, ``sum gamma_c sdzx``, updated."""
        g = self.gamma_of(J)
        if g is None:
            self.e(f"{J}%gw0 = arith.addf %gc0, {sdz} : f32")
            self.e(f"{J}%gw1 = arith.addf %gc1, {sdzx} : f32")
        else:
            self.e(f"{J}%gw0 = math.fma {g}, {sdz}, %gc0 : f32")
            self.e(f"{J}%gw1 = math.fma {g}, {sdzx}, %gc1 : f32")
        return ["%gw0", "%gw1"]

    def dz_sums(self, I):
        """Pass 2: per channel, ``sum dz`` and ``sum dz xhat`` (stored as the partials), and
        ``%gm``: their gamma-weighted sums over the group."""
        e = self.e
        e(f"{I}%nrr0 = arith.mulf %rm, %rstd : f32")
        e(f"{I}%nrr = arith.negf %nrr0 : f32")
        J = self.channel_loop(I, 2)
        self.ab = self.scale_shift(J, "%ch", "%rm")

        def elem(K, t, i, lanes, ty):
            d, dy, z = self.element(K, t, i, lanes, ty)
            dz = self.act_grad(K, f"%{t}dz", z, dy, ty, lanes)
            if self.keep_dz():
                if lanes:
                    self.prefetch_dx(K, i)
                self.store(K, f"%{t}kz", dz, "%dx", f"%n, %gi, {i}", self.xmem(), lanes)
            e(f"{K}%{t}xh = math.fma {d}, {self.bcast(K, t, '%rstd', lanes)}, "
              f"{self.bcast(K, t, '%nrr', lanes)} : {ty}")
            return [dz, (dz, f"%{t}xh")]

        sdz, sdzx = self.channel_sums(J, "s", "%base", 2, elem)
        self.store_partials(J, sdz, sdzx)
        self.close_loop(I, J, self.add_weighted(J, sdz, sdzx))

    def fused_sums(self, I):
        """The statistics' pass without an activation: per channel sums of d, d^2, dy and
        dy d (d = x - m0); the last two kept in the partials' rows 0 and 1 for
        ``fused_partials``."""
        e = self.e
        J = self.channel_loop(I, 2, "%gs")

        def elem(K, t, i, lanes, ty):
            d, dy, _ = self.element(K, t, i, lanes, ty)
            return [d, (d, d), dy, (dy, d)]

        s = self.channel_sums(J, "f", "%base", 4, elem)
        self.store_partials(J, s[2], s[3])
        e(f"{J}%g1 = arith.addf %gc0, {s[0]} : f32")
        e(f"{J}%g2 = arith.addf %gc1, {s[1]} : f32")
        self.close_loop(I, J, ["%g1", "%g2"])
        self.variance(I, "%gs#0", "%gs#1", self.f32(self.L), "%rm", "%ed2", "%rm2")

    def fused_partials(self, I):
        """``sum dy xhat = r (sum dy d - (mean - m0) sum dy)`` per channel from the
        partials' rows 0 and 1 (from ``fused_sums``): row 1 rewritten; ``%gm`` as in
        ``dz_sums``."""
        e, pm = self.e, self.part_type()
        e(f"{I}%nrm = arith.negf %rm : f32")
        J = self.channel_loop(I, 2)
        e(f"{J}%fy = memref.load %part[%n, {self.idx(0)}, %ch] : {pm}")
        e(f"{J}%fyd = memref.load %part[%n, {self.idx(1)}, %ch] : {pm}")
        e(f"{J}%fc = math.fma %nrm, %fy, %fyd : f32")
        e(f"{J}%fx = arith.mulf %fc, %rstd : f32")
        e(f"{J}memref.store %fx, %part[%n, {self.idx(1)}, %ch] : {pm}")
        self.close_loop(I, J, self.add_weighted(J, "%fy", "%fx"))

    def keep_dz(self) -> bool:
        """Whether pass 2 stores dz in dx's place for pass 3, which then reads it instead of
        dy and computes no activation derivative again (float32 dz is exact there; a 16-bit
        dx would round it). 2x320x64x64 silu 11.4 -> 8.4 ms, gelu 18.4 -> 12.0 ms;
        8x256x56x56 silu 25.3 -> 20.8 ms (module medians, interleaved, loaded machine)."""
        return self.STORE_DZ and self.et == "f32" and self.spec.activation is not None

    def prefetch_dx(self, K, i):
        """Prefetch, for writing, the line of dx ``_CF_PREFETCH_BYTES`` ahead of ``i``: its
        stores otherwise wait for each line to come from memory (the forward's normalize)."""
        ahead = max(self.VL, _tuning.current().cf_prefetch_bytes // (4 if self.et == "f32" else 2))
        self._npf = getattr(self, "_npf", 0) + 1
        p = f"%pw{self._npf}"
        self.e(f"{K}{p}a = arith.addi {i}, {self.idx(ahead)} : index")
        self.e(f"{K}{p} = arith.minui {p}a, {self.idx(self.L - 1)} : index")
        self.e(f"{K}memref.prefetch %dx[%n, %gi, {p}], write, locality<3>, data : "
               f"{self.xmem()}")

    def dx_pass(self, I):
        """Pass 3: dx per channel, a vector loop and a scalar one for the remainder; dx's
        lines prefetched for writing ahead of the stores (as the forward's normalize), or
        streamed (``streamed``)."""
        self.streamed(I, 3, self._dx_loops)

    def _dx_loops(self, I):
        e, VL, R, xt = self.e, self.VL, self.R, self.xmem()
        e(f"{I}scf.for %j = {self.idx(0)} to {self.idx(self.cg)} step {self.idx(1)} {{")
        J = I + "  "
        e(f"{J}%ch = arith.addi %cbase, %j : index")
        e(f"{J}%base = arith.muli %j, {self.idx(R)} : index")
        e(f"{J}%vend = arith.addi %base, {self.idx(R // VL * VL)} : index")
        e(f"{J}%end = arith.addi %base, {self.idx(R)} : index")
        self.ab = self.scale_shift(J, "%ch", "%rm")
        for lanes, lo, hi, step in ((VL, "%base", "%vend", VL), (0, "%vend", "%end", 1)):
            ty = self.vec(lanes) if lanes else "f32"
            t = "v" if lanes else "s"
            e(f"{J}scf.for %i = {lo} to {hi} step {self.idx(step)} {{")
            K = J + "  "
            if self.keep_dz():  # dz from pass 2, in dx's place (float32 only: exact)
                d, _, _ = self.element(K, t, "%i", lanes, ty, False)
                dz = self.load(K, f"%{t}kz", "%dx", "%n, %gi, %i", xt, lanes)
            else:
                if lanes and not self.nt:
                    self.prefetch_dx(K, "%i")
                d, dy, z = self.element(K, t, "%i", lanes, ty)
                dz = self.act_grad(K, f"%{t}dz", z, dy, ty, lanes)
            b = self.bcast
            e(f"{K}%{t}lin = math.fma {d}, {b(K, t, '%k1', lanes)}, {b(K, t, '%k0', lanes)}"
              f" : {ty}")
            e(f"{K}%{t}o = math.fma {dz}, {b(K, t, self.ab[0], lanes)}, %{t}lin : {ty}")
            self.store(K, f"%{t}st", f"%{t}o", "%dx", "%n, %gi, %i", xt, lanes, out=True)
            e(f"{J}}}")
        e(f"{I}}}")
