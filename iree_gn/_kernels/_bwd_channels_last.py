"""Channels last backward (NHWC, NDHWC, NLC): x, dy and dx as [N, R, C], a workgroup per
sample (or per block of its channels that fits in L2, as the forward's ``channel_blocks``).
The math and the passes: ``_kernels._backward``'s docstring.

Per workgroup: five float32 stack arrays of its CB channels (the forward's ``_setup``): the
shift ``%k`` and four more, which hold first the per-block partial sums (added into the
totals every ``_BLOCK`` rows, so float32 error grows with ``_BLOCK + R / _BLOCK``, not R),
then the per-channel coefficients of the later passes (``%s1`` a = r gamma, ``%s2`` b =
beta - (mean - k) a, ``%p1`` B, ``%p2`` D). The totals live in ``part`` ([N, 4, C] float32):
rows 0 and 1 the dz sums (dbeta's and dgamma's parts, see ``_bwd_module``), rows 2 and 3 the
sums of x - k and (x - k)^2, then r and mean - k per channel.

Few samples (fewer workgroups than ``_SPLIT_BELOW``, calls of 1 MB or more): each
sample's rows in K blocks, a workgroup each, as the forward's ``_ChannelsLastSplit``, so
that every core works. Dispatches: ``@bstats`` writes each block's partial sums (shift k:
the sample's ``shift``, shared by its blocks) to ``pa`` ([N, K, 4, C] float32); with an
activation ``@bdz`` adds them up per block (redundantly: K x C values), combines, and writes
its block's dz sums and the statistics to ``pb``; ``@bwd`` adds up the dz sums and writes dx
for its rows, its totals in its own rows of ``sc`` (a scratch result), and block 0 its
sample's dgamma/dbeta parts. A dynamic batch carries both forms in one module and picks at
run time, inside the kernels (``k_lines``: no host control flow).
"""

from __future__ import annotations

from typing import List

from ._bwd_module import _BwdKernel
from ._channels_last import _ChannelsLast
from . import _tuning
from ._select import _BLOCK, _BYTES, _SINGLE_THREAD_BYTES, _STACK_BYTES

# Rows split into blocks only below this many workgroups (samples x channel blocks): a
# workgroup per sample re-reads its sample from cache, the split's second dispatch from
# memory (one thread: 8x56x56x256 8.9 ms unsplit, 11.4 ms in 2 row blocks; 2x64x64x320 3.2
# vs 3.5 ms), which more cores at work repay only when very few would work unsplit.
_SPLIT_BELOW = 4

# Rows per step of the passes where a workgroup's block of x fits in L2 (_CL_CHUNK_BYTES,
# the forward's channel blocks): the stack sums and coefficients are loaded (and stored)
# once per _UNROLL rows. One thread, 2x16x16x1280 f32 (blocks of 160 KB): 0.30 ms vs 0.44
# for 1 row a step; for blocks streamed from memory (2x64x64x320) 1 row a step measured
# faster (3.6-4.6 vs 4.8-5.8 ms, 6 runs each).
_UNROLL = 4


class _BwdChannelsLast(_BwdKernel, _ChannelsLast):
    kind = "channels last backward"
    part_rows = 4

    def __init__(self, spec, blocks=None):
        _ChannelsLast.__init__(self, spec, blocks)
        self.split = None  # (the forward's batch-1 row split: the backward has its own)
        # Where pat() finds the totals: part[%n, row, c] (a workgroup per sample).
        self.tot = ("%part", self.part_type(), "%n")
        self.unroll = _UNROLL if self.R * self.CB * _BYTES[spec.dtype] <= _tuning.current().cl_chunk_bytes else 1
        # K: row blocks per sample (1: a workgroup per sample or channel block; None: a
        # dynamic batch, chosen at run time), up to kmax.
        self.kmax = max(1, min(_tuning.current().split_workgroups, self.R // _BLOCK))
        per = self.R * self.C * _BYTES[spec.dtype]
        self.nmin = -(-_SINGLE_THREAD_BYTES // per)  # samples that make a call of 1 MB
        self.K = 1
        if self.kmax >= 2 and blocks is None:
            if self.N is None:
                if 5 * 4 * (self.C + self.CB) <= _STACK_BYTES:  # both forms' stack arrays
                    self.K = None
            elif self.N >= self.nmin and self.N * self.blocks < _SPLIT_BELOW:
                self.K = min(-(-_tuning.current().split_workgroups // self.N), self.kmax)
        self.sp = None if self.K == 1 else _BwdChannelsLast(spec, blocks=1)
        if self.sp is not None:
            self.sp.K = self.K
            self.sp.tot = None

    # -- the module's pieces -----------------------------------------------------------------
    def grad_functions(self):
        xty, pty = self.xmem(), f"memref<{self.C}x{self.et}>"
        params = [(b, v, pty) for b, v in self.params()]
        binds = [("%bx", "%x", xty)] + params + \
            [("%bdy", "%dy", xty), ("%bdx", "%dx", xty), ("%bp", "%part", self.part_type())]
        self.lines = []
        if self.sp is None:
            return [("bwd", self.per_sample(), binds, self.body())]
        sp, dyn, act = self.sp, self.K is None, self.spec.activation is not None
        pa = self.pa_type()
        mine = self.body() if dyn else []
        bodies = sp.split_bodies()
        self._consts.update(sp._consts)
        funcs = [("bstats", ("split", 0), [("%bx", "%x", xty), ("%bdy", "%dy", xty),
                                           ("%bpa", "%pa", pa)], bodies[0])]
        if act:
            funcs.append(("bdz", ("split", 0), [("%bx", "%x", xty)] + params +
                          [("%bdy", "%dy", xty), ("%bpa", "%pa", pa), ("%bpb", "%pb", pa)],
                          bodies[1]))
        funcs.append(("bwd", ("split", self.blocks),
                      [("%bx", "%x", xty)] + params + [("%bdy", "%dy", xty),
                                                       ("%bpa", "%pb" if act else "%pa", pa)] +
                      binds[-2:] + [("%bsc", "%sc", pa)], bodies[-1]))
        if not dyn:
            return funcs
        # Both forms in each function, picked at run time from N (%nsz).
        out = []
        for i, (name, per, b, body) in enumerate(funcs):
            lines = self.k_lines("%nsz", "        ") + ["        scf.if %split {"] + \
                ["  " + ln for ln in body]
            if name == "bwd":
                lines += ["        } else {"] + ["  " + ln for ln in mine]
            out.append((name, per, b, lines + ["        }"]))
        return out

    def pa_type(self, kind="memref"):
        k = self.kmax if self.K is None else self.K
        return f"{kind}<{self.n_dim}x{k}x4x{self.C}xf32>"

    def k_lines(self, nv, ind):
        """%K, the row blocks per sample for N = ``nv`` (K N ~ _SPLIT_WORKGROUPS), and
        %split (K > 1): few workgroups (N x channel blocks < _SPLIT_BELOW) in a call of 1 MB
        or more. The same lines in
        the export's workgroup count and in the kernels."""
        c = lambda name, v: f"{ind}%kq_{name} = arith.constant {v} : index"  # noqa: E731
        return [c("s1", _tuning.current().split_workgroups - 1), c("s", _SPLIT_BELOW), c("max", self.kmax),
                c("nmin", self.nmin), c("nb", self.blocks), c("one", 1),
                f"{ind}%kq_num = arith.addi {nv}, %kq_s1 : index",
                f"{ind}%kq_q = arith.divui %kq_num, {nv} : index",
                f"{ind}%kq_k = arith.minui %kq_q, %kq_max : index",
                f"{ind}%kq_w = arith.muli {nv}, %kq_nb : index",
                f"{ind}%kq_few = arith.cmpi ult, %kq_w, %kq_s : index",
                f"{ind}%kq_big = arith.cmpi uge, {nv}, %kq_nmin : index",
                f"{ind}%split = arith.andi %kq_few, %kq_big : i1",
                f"{ind}%K = arith.select %split, %kq_k, %kq_one : index"]

    def export(self, name: str, per) -> List[str]:
        if not (isinstance(per, tuple) and per[0] == "split"):
            return super().export(name, per)
        head = f"    stream.executable.export public @{name} workgroups("
        if self.K is not None:  # static: K workgroups per sample
            return [head + ") -> (index, index, index) {",
                    f"      %n = arith.constant {self.N * self.K} : index",
                    "      %c1 = arith.constant 1 : index",
                    "      stream.return %n, %c1, %c1 : index, index, index", "    }"]
        return [head + "%wl: index) -> (index, index, index) {",
                *self.k_lines("%wl", "      "),
                f"      %per = arith.constant {per[1]} : index",
                "      %c1 = arith.constant 1 : index",
                "      %ns = arith.muli %wl, %K : index",
                "      %nu = arith.muli %wl, %per : index",
                "      %n = arith.select %split, %ns, %nu : index",
                "      stream.return %n, %c1, %c1 : index, index, index", "    }"]

    def grad_dispatches(self, xt: str, pt: str) -> List[str]:
        n = len(self.params())
        wl, nargs, ntys = self.dyn_operands()
        ps, pts = [f"%arg{i + 1}" for i in range(n)], [pt] * n
        dyn = "{%n}" if self.N is None else ""
        partt = self.part_type("tensor") + dyn

        def call(res, name, args, tys, rtys):
            return (f"    {res} = flow.dispatch @gn_kernel::@{name}{wl}("
                    f"{', '.join(args + ['%xoff'] + nargs)}) : "
                    f"({', '.join(tys + ['i32'] + ntys)}) -> ({', '.join(rtys)})")

        if self.sp is None:
            return [call("%dxv, %part", "bwd", ["%xv"] + ps + ["%dyv"], [xt] + pts + [xt],
                         [xt, partt])]
        pat_ = self.pa_type("tensor") + dyn
        out = [call("%pa", "bstats", ["%xv", "%dyv"], [xt, xt], [pat_])]
        src = "%pa"
        if self.spec.activation is not None:
            out.append(call("%pb", "bdz", ["%xv"] + ps + ["%dyv", "%pa"],
                            [xt] + pts + [xt, pat_], [pat_]))
            src = "%pb"
        out.append(call("%dxv, %part, %sc", "bwd", ["%xv"] + ps + ["%dyv", src],
                        [xt] + pts + [xt, pat_], [xt, partt, pat_]))
        return out

    # -- helpers -----------------------------------------------------------------------------
    def pat(self, ind, op, row, val=None, ch="%xc", scalar=False):
        """Load (returns the name) or store ``val`` at the totals' ``row``, channel ``ch``:
        ``part[%n, row, ch]`` (a workgroup per sample) or a per-block array's."""
        mem, pm, pre = self.tot
        at = f"{pre}, {self.idx(row)}, {ch}"
        vec = self.lanes and not scalar
        ty = f" : {pm}, {self.V}" if vec else f" : {pm}"
        if op == "load":
            self.e(f"{ind}{val} = {'vector' if vec else 'memref'}.load {mem}[{at}]{ty}")
            return val
        self.e(f"{ind}{'vector' if vec else 'memref'}.store {val}, {mem}[{at}]{ty}")

    def pf(self, I, r, mems, n=1):
        """Prefetch rows ``r + D`` .. ``r + D + n - 1`` (clamped) of each of ``mems`` (name,
        write), D rows about _PREFETCH_BYTES ahead (the forward's distance; see
        ``_ChannelsLast.prefetch``). Every row of an unrolled step: one of 4 measured 4.7-5.0
        vs 3.6-4.3 ms for 1 row a step (2x64x64x320, one thread)."""
        d = max(1, round(_tuning.current().prefetch_bytes / (self.C * {"f32": 4, "f16": 2, "bf16": 2}[self.et])))
        for i in range(n):
            self.e(f"{I}%pf_r0_{i} = arith.addi {r}, {self.idx(d + i)} : index")
            self.e(f"{I}%pf_r_{i} = arith.minui %pf_r0_{i}, {self.idx(self.R - 1)} : index")
            for m, w in mems:
                self.e(f"{I}memref.prefetch {m}[%n, %pf_r_{i}, %xc], {'write' if w else 'read'}"
                       f", locality<3>, data : {self.xmem()}")

    def xk(self, K, r="%r", sfx=""):
        """v = x - k at (%n, r, %xc) (x itself with mean_close_to_zero: k = 0); ``sfx``
        tells apart the names of unrolled rows."""
        v = self.load(K, f"%xv{sfx}", "%x", f"%n, {r}, %xc", self.xmem(), self.lanes)
        if self.spec.mean_close_to_zero:
            return v
        kk = self.ld(K, "%kv", "%k", "%c") if sfx in ("", "_0") else "%kv"
        self.e(f"{K}%xd{sfx} = arith.subf {v}, {kk} : {self.V}")
        return f"%xd{sfx}"

    # -- passes ------------------------------------------------------------------------------
    def sums_pass(self, I, what, lo=None, hi=None):
        """Per-channel sums over the rows into part's rows, per _BLOCK rows via the stack.
        ``what``: "stats" (x - k and its square, rows 2, 3), "dy" (stats, and dy and
        dy (x - k) into rows 0, 1: no activation), "dz" (dz and dz (x - k), rows 0, 1)."""
        e, V = self.e, self.V
        accs = {"stats": [("%s1", 2), ("%s2", 3)], "dz": [("%p1", 0), ("%p2", 1)]}.get(
            what, [("%p1", 0), ("%p2", 1), ("%s1", 2), ("%s2", 3)])
        cB = self.idx(_BLOCK)
        lo, hi = lo or self.idx(0), hi or self.idx(self.R)
        e(f"{I}scf.for %rb = {lo} to {hi} step {cB} {{")
        J = I + "  "
        e(f"{J}%rb_end0 = arith.addi %rb, {cB} : index")
        e(f"{J}%rb_end = arith.minui %rb_end0, {hi} : index")
        self.zero_sums(J, [m for m, _ in accs])
        # _UNROLL rows at a time (the stack sums loaded and stored once for them).
        self.row_steps(J, "%rb", "%rb_end", "%rb",
                       lambda L, n: self.sums_rows(L, what, accs, n))
        self.chan_loop(J)
        for i, (m, row) in enumerate(accs):
            t = self.pat(J + "  ", "load", row, f"%ta{i}")
            q = self.ld(J + "  ", f"%qa{i}", m, "%c")
            e(f"{J}  %ua{i} = arith.addf {t}, {q} : {V}")
            self.pat(J + "  ", "store", row, f"%ua{i}")
        e(f"{J}}}")
        e(f"{I}}}")

    def row_steps(self, I, lo, hi, tag, emit) -> None:
        """``emit(indent, n)`` inside the channel loop for rows [lo, hi): ``self.unroll``
        rows a step (``n`` of them from %r), then the remaining rows one by one."""
        e, U = self.e, self.idx(self.unroll)
        e(f"{I}{tag}_n = arith.subi {hi}, {lo} : index")
        e(f"{I}{tag}_u = arith.divui {tag}_n, {U} : index")
        e(f"{I}{tag}_un = arith.muli {tag}_u, {U} : index")
        e(f"{I}{tag}_mid = arith.addi {lo}, {tag}_un : index")
        for lo_, hi_, step, n in ((lo, f"{tag}_mid", U, self.unroll),
                                  (f"{tag}_mid", hi, self.idx(1), 1)):
            e(f"{I}scf.for %r = {lo_} to {hi_} step {step} {{")
            self.chan_loop(I + "  ")
            emit(I + "    ", n)
            e(f"{I}  }}")
            e(f"{I}}}")

    def rows(self, K, n):
        """[(suffix, row)] of the ``n`` rows from %r (their names defined here)."""
        out = []
        for i in range(n):
            sfx = f"_{i}" if n > 1 else ""
            if i:
                self.e(f"{K}%r{sfx} = arith.addi %r, {self.idx(i)} : index")
            out.append((sfx, f"%r{sfx}" if i else "%r"))
        return out

    def sums_rows(self, L, what, accs, n):
        """The sums' updates for rows %r .. %r + n - 1 at channels %xc."""
        e, V = self.e, self.V
        self.pf(L, "%r", [("%x", False)] + ([] if what == "stats" else [("%dy", False)]), n)
        if what == "dz":
            a, b = self.ld(L, "%ca", "%s1", "%c"), self.ld(L, "%cb", "%s2", "%c")
        terms = {m: [] for m, _ in accs}
        for sfx, r in self.rows(L, n):
            v = self.xk(L, r, sfx)
            if what != "stats":
                g = self.load(L, f"%gv{sfx}", "%dy", f"%n, {r}, %xc", self.xmem(), self.lanes)
                if what == "dz":
                    e(f"{L}%z{sfx} = math.fma {v}, {a}, {b} : {V}")
                    g = self.act_grad(L, f"%dz{sfx}", f"%z{sfx}", g, V, self.lanes)
                terms.get("%p1", []).append(g)
                terms.get("%p2", []).append(("fma", g, v))
            terms.get("%s1", []).append(v)
            terms.get("%s2", []).append(("fma", v, v))
        for i, (m, _) in enumerate(accs):
            t = self.ld(L, f"%q{i}", m, "%c")
            for j, val in enumerate(terms[m]):
                u = f"%u{i}_{j}"
                if isinstance(val, tuple):
                    e(f"{L}{u} = math.fma {val[1]}, {val[2]}, {t} : {V}")
                else:
                    e(f"{L}{u} = arith.addf {t}, {val} : {V}")
                t = u
            self.sto(L, t, m, "%c")

    def dx_pass(self, I, lo=None, hi=None):
        """dx = A dz + B (x - k) + D over rows [lo, hi), dz = dy act'((x - k) a + b),
        a = A in %s1, b in %s2; _UNROLL rows a step (the coefficients loaded once for
        them), then the rest one by one. First row to last, like the hardware prefetchers
        and ``pf`` (last to first measured 4.7 vs 3.2 ms, 2x64x64x320 on one thread)."""
        self.streamed(I, 3, lambda J: self._dx_loops(J, lo or self.idx(0),
                                                     hi or self.idx(self.R)))

    def _dx_loops(self, I, lo, hi):
        self.row_steps(I, lo, hi, "%dr", self.dx_rows)

    def dx_rows(self, K, n):
        """dx for rows %r .. %r + n - 1 at channels %xc."""
        e, V = self.e, self.V
        self.pf(K, "%r", [("%x", False), ("%dy", False)] + [("%dx", True)] * (not self.nt), n)
        a = self.ld(K, "%av", "%s1", "%c")
        if self.spec.activation is not None:
            b = self.ld(K, "%bv", "%s2", "%c")
        bb, dd = self.ld(K, "%Bv", "%p1", "%c"), self.ld(K, "%Dv", "%p2", "%c")
        for sfx, r in self.rows(K, n):
            v = self.xk(K, r, sfx)
            g = self.load(K, f"%gv{sfx}", "%dy", f"%n, {r}, %xc", self.xmem(), self.lanes)
            if self.spec.activation is not None:
                e(f"{K}%z{sfx} = math.fma {v}, {a}, {b} : {V}")
                g = self.act_grad(K, f"%dz{sfx}", f"%z{sfx}", g, V, self.lanes)
            e(f"{K}%t0{sfx} = math.fma {v}, {bb}, {dd} : {V}")
            e(f"{K}%o{sfx} = math.fma {g}, {a}, %t0{sfx} : {V}")
            self.store(K, f"%dxo{sfx}", f"%o{sfx}", "%dx", f"%n, {r}, %xc", self.xmem(),
                       self.lanes, out=True)

    # -- the per-group combines --------------------------------------------------------------
    def group_loop(self, I):
        self.e(f"{I}scf.for %cs = {self.idx(0)} to {self.idx(self.CB)} step {self.idx(self.cg)} {{")
        self.e(f"{I}  %ce = arith.addi %cs, {self.idx(self.cg)} : index")

    def chan_sum(self, J, name, terms):
        """``name`` = the sum over the group's channels %j of the value ``terms(K)`` emits
        (it gets %pc, the channel in x, and %j, the one in the stack arrays)."""
        e = self.e
        e(f"{J}{name} = scf.for %j = %cs to %ce step {self.idx(1)} iter_args(%acc = "
          f"{self.f32(0.0)}) -> (f32) {{")
        e(f"{J}  %pc = arith.addi %ch0, %j : index")
        t = terms(J + "  ")
        e(f"{J}  %acc2 = arith.addf %acc, {t} : f32")
        e(f"{J}  scf.yield %acc2 : f32")
        e(f"{J}}}")

    def combine_stats(self, I):
        """Per group: r, and per channel mean - k, into part rows 2 and 3 (the sums there
        are read first); with an activation a and b of z = (x - k) a + b into %s1, %s2."""
        e, st, R, cg = self.e, self.st, self.R, self.cg
        fM, fcg, fcount = self.f32(R), self.f32(cg), self.f32(R * cg)
        self.group_loop(I)
        J = I + "  "
        if self.spec.mean_close_to_zero:
            self.chan_sum(J, "%ts1", lambda K: self.pat(K, "load", 2, "%l1", "%pc", True))
            self.chan_sum(J, "%ts2", lambda K: self.pat(K, "load", 3, "%l2", "%pc", True))
            self.variance(J, "%ts1", "%ts2", fcount, "%mean", "%ex2", "%m2")
        else:
            e(f"{J}%k0 = memref.load %k[%cs] : {st}")

            def rel_mean(K):  # s1_j / M + k_j - k0
                s1 = self.pat(K, "load", 2, "%s1j", "%pc", True)
                e(f"{K}%kj = memref.load %k[%j] : {st}")
                e(f"{K}%chm = arith.divf {s1}, {fM} : f32")
                e(f"{K}%dk0 = arith.subf %kj, %k0 : f32")
                e(f"{K}%t = arith.addf %chm, %dk0 : f32")
                return "%t"

            def sq_dev(K):  # s2_j + 2 dk s1_j + M dk^2, dk = k_j - mean
                s1 = self.pat(K, "load", 2, "%s1j", "%pc", True)
                s2 = self.pat(K, "load", 3, "%s2j", "%pc", True)
                e(f"{K}%kj = memref.load %k[%j] : {st}")
                e(f"{K}%dk0 = arith.subf %kj, %k0 : f32")
                e(f"{K}%dk = arith.subf %dk0, %mrel : f32")
                e(f"{K}%t1 = arith.mulf {self.f32(2.0)}, %dk : f32")
                e(f"{K}%t2 = math.fma %t1, {s1}, {s2} : f32")
                e(f"{K}%t3 = arith.mulf %dk, %dk : f32")
                e(f"{K}%t = math.fma {fM}, %t3, %t2 : f32")
                return "%t"

            self.chan_sum(J, "%mr", rel_mean)
            e(f"{J}%mrel = arith.divf %mr, {fcg} : f32")  # mean - k0
            self.chan_sum(J, "%ss", sq_dev)
            e(f"{J}%var0 = arith.divf %ss, {fcount} : f32")
        self.rstd(J, "%var0")
        e(f"{J}scf.for %j = %cs to %ce step {self.idx(1)} {{")
        K = J + "  "
        e(f"{K}%pc = arith.addi %ch0, %j : index")
        if self.spec.mean_close_to_zero:
            dk = "%mean"
        else:
            e(f"{K}%kj = memref.load %k[%j] : {st}")
            e(f"{K}%dk0 = arith.subf %kj, %k0 : f32")
            e(f"{K}%dkj = arith.subf %mrel, %dk0 : f32")  # mean - k_j
            dk = "%dkj"
        self.pat(K, "store", 2, "%rstd", "%pc", True)
        self.pat(K, "store", 3, dk, "%pc", True)
        if self.spec.activation is not None:
            a, b = self.scale_shift(K, "%pc", dk)
            e(f"{K}memref.store {a}, %s1[%j] : {st}")
            e(f"{K}memref.store {b}, %s2[%j] : {st}")
        e(f"{J}}}")
        e(f"{I}}}")

    def combine_dz(self, I):
        """Per group, from the dz sums (rows 0, 1), r and mean - k (rows 2, 3): row 1 becomes
        dgamma's part r (sum dz (x-k) - (mean-k) sum dz); then mean(w) and mean(w xhat), and
        the coefficients of dx: A = r gamma into %s1, B into %p1, D into %p2."""
        e, st, pty = self.e, self.st, f"memref<{self.C}x{self.et}>"
        fcount = self.f32(self.R * self.cg)
        self.group_loop(I)
        J = I + "  "
        e(f"{J}%pc0 = arith.addi %ch0, %cs : index")
        r = self.pat(J, "load", 2, "%rg", "%pc0", True)
        e(f"{J}%sw:2 = scf.for %j = %cs to %ce step {self.idx(1)} iter_args(%aw = "
          f"{self.f32(0.0)}, %awx = {self.f32(0.0)}) -> (f32, f32) {{")
        K = J + "  "
        e(f"{K}%pc = arith.addi %ch0, %j : index")
        sz = self.pat(K, "load", 0, "%szj", "%pc", True)
        szx = self.pat(K, "load", 1, "%szxj", "%pc", True)
        dk = self.pat(K, "load", 3, "%dkj", "%pc", True)
        e(f"{K}%ndk = arith.negf {dk} : f32")
        e(f"{K}%cz = math.fma %ndk, {sz}, {szx} : f32")
        e(f"{K}%dgj = arith.mulf {r}, %cz : f32")
        self.pat(K, "store", 1, "%dgj", "%pc", True)
        if self.gamma:
            gj = self.load(K, "%gj", "%g", "%pc", pty, 0)
            e(f"{K}%aw2 = math.fma {gj}, {sz}, %aw : f32")
            e(f"{K}%awx2 = math.fma {gj}, %dgj, %awx : f32")
        else:
            e(f"{K}%aw2 = arith.addf %aw, {sz} : f32")
            e(f"{K}%awx2 = arith.addf %awx, %dgj : f32")
        e(f"{K}scf.yield %aw2, %awx2 : f32, f32")
        e(f"{J}}}")
        e(f"{J}%mw = arith.divf %sw#0, {fcount} : f32")
        e(f"{J}%mwx = arith.divf %sw#1, {fcount} : f32")
        e(f"{J}%rr = arith.mulf {r}, {r} : f32")
        e(f"{J}%rrm = arith.mulf %rr, %mwx : f32")
        e(f"{J}%Bg = arith.negf %rrm : f32")  # B = -r^2 mean(w xhat)
        e(f"{J}%rmw = arith.mulf {r}, %mw : f32")
        e(f"{J}scf.for %j = %cs to %ce step {self.idx(1)} {{")
        e(f"{K}%pc = arith.addi %ch0, %j : index")
        dk = self.pat(K, "load", 3, "%dkj", "%pc", True)
        e(f"{K}%Dj0 = arith.mulf %rrm, {dk} : f32")  # D = r^2 mean(w xhat) (mean - k) - r mean(w)
        e(f"{K}%Dj = arith.subf %Dj0, %rmw : f32")
        e(f"{K}memref.store %Bg, %p1[%j] : {st}")
        e(f"{K}memref.store %Dj, %p2[%j] : {st}")
        if self.spec.activation is None:  # (with one, a = r gamma is in %s1 already)
            if self.gamma:
                gj = self.load(K, "%gj", "%g", "%pc", pty, 0)
                e(f"{K}%Aj = arith.mulf {r}, {gj} : f32")
                e(f"{K}memref.store %Aj, %s1[%j] : {st}")
            else:
                e(f"{K}memref.store {r}, %s1[%j] : {st}")
        e(f"{J}}}")
        e(f"{I}}}")

    def body(self) -> List[str]:
        I = "        "
        self.block_start(I)
        self.chan_loop(I)
        for row in range(4):
            self.pat(I + "  ", "store", row, self.zero)
        self.e(f"{I}}}")
        if self.spec.activation is None:
            self.sums_pass(I, "dy")
            self.combine_stats(I)
        else:
            self.sums_pass(I, "stats")
            self.combine_stats(I)
            self.sums_pass(I, "dz")
        self.combine_dz(I)
        self.dx_pass(I)
        return self.lines

    # -- the row split ------------------------------------------------------------------------
    def split_bodies(self) -> List[List[str]]:
        """The bodies of ``@bstats``, ``@bdz`` (with an activation) and ``@bwd`` with each
        sample's rows in K blocks (this object has one channel block)."""
        I, act, pa = "        ", self.spec.activation is not None, self.pa_type()
        out = []

        def start(tot):
            self.lines = []
            self.tot = (tot, pa, "%n, %kb")
            self.split_rows(I)
            self._setup()
            self.shift(I)

        start("%pa")
        self.zero_rows(I, (2, 3) if act else (0, 1, 2, 3))
        self.sums_pass(I, "stats" if act else "dy", "%lo", "%hi")
        out.append(self.lines)
        if act:
            start("%pb")
            self.gather(I, "%pa", (2, 3))
            self.combine_stats(I)
            self.zero_rows(I, (0, 1))
            self.sums_pass(I, "dz", "%lo", "%hi")
            out.append(self.lines)
        start("%sc")
        if act:
            self.gather(I, "%pb", (0, 1))
            self.gather(I, "%pb", (2, 3), own=True)  # r and mean - k: the block's own copy
            self.ab_from_stats(I)
        else:
            self.gather(I, "%pa", (0, 1, 2, 3))
            self.combine_stats(I)
        self.combine_dz(I)
        self.dx_pass(I, "%lo", "%hi")
        self.publish(I)
        out.append(self.lines)
        return out

    def split_rows(self, I):
        """%n, %kb (the row block), its rows [%lo, %hi), all channels (%ch0 = 0)."""
        e = self.e
        K = "%K" if self.K is None else self.idx(self.K)
        e(f"{I}%ch0 = arith.addi {self.idx(0)}, {self.idx(0)} : index")
        e(f"{I}%n = arith.divui %wg, {K} : index")
        e(f"{I}%kb = arith.remui %wg, {K} : index")
        if self.K is None:
            e(f"{I}%rbn = arith.addi {K}, {self.idx(self.R - 1)} : index")
            e(f"{I}%RB = arith.divui %rbn, {K} : index")
            RB = "%RB"
        else:
            RB = self.idx(-(-self.R // self.K))
        e(f"{I}%lo = arith.muli %kb, {RB} : index")
        e(f"{I}%hi0 = arith.addi %lo, {RB} : index")
        e(f"{I}%hi = arith.minui %hi0, {self.idx(self.R)} : index")

    def zero_rows(self, I, rows):
        self.chan_loop(I)
        for row in rows:
            self.pat(I + "  ", "store", row, self.zero)
        self.e(f"{I}}}")

    def gather(self, I, src, rows, own=False):
        """The totals' ``rows`` = the sums over the sample's K blocks of ``src``'s (a
        [N, K, 4, C] array), or with ``own`` this block's values."""
        e, V, pm = self.e, self.V, self.pa_type()
        K = "%K" if self.K is None else self.idx(self.K)
        op = "vector.load" if self.lanes else "memref.load"
        ty = f"{pm}, {V}" if self.lanes else pm
        self.chan_loop(I)
        J = I + "  "
        for row in rows:
            if own:
                e(f"{J}%g{row} = {op} {src}[%n, %kb, {self.idx(row)}, %xc] : {ty}")
            else:
                e(f"{J}%g{row} = scf.for %j = {self.idx(0)} to {K} step {self.idx(1)} "
                  f"iter_args(%ga = {self.zero}) -> ({V}) {{")
                e(f"{J}  %gl = {op} {src}[%n, %j, {self.idx(row)}, %xc] : {ty}")
                e(f"{J}  %gs = arith.addf %ga, %gl : {V}")
                e(f"{J}  scf.yield %gs : {V}")
                e(f"{J}}}")
            self.pat(J, "store", row, f"%g{row}")
        e(f"{I}}}")

    def ab_from_stats(self, I):
        """a = r gamma and b = beta - (mean - k) a into %s1, %s2, from r and mean - k in
        the totals' rows 2, 3."""
        e, st = self.e, self.st
        self.group_loop(I)
        J = I + "  "
        e(f"{J}%pc0 = arith.addi %ch0, %cs : index")
        self.pat(J, "load", 2, "%rstd", "%pc0", True)
        e(f"{J}scf.for %j = %cs to %ce step {self.idx(1)} {{")
        K = J + "  "
        e(f"{K}%pc = arith.addi %ch0, %j : index")
        dk = self.pat(K, "load", 3, "%dkj", "%pc", True)
        a, b = self.scale_shift(K, "%pc", dk)
        e(f"{K}memref.store {a}, %s1[%j] : {st}")
        e(f"{K}memref.store {b}, %s2[%j] : {st}")
        e(f"{J}}}")
        e(f"{I}}}")

    def publish(self, I):
        """Block 0 of each sample writes its dz sums (dbeta's, dgamma's parts) to part."""
        e = self.e
        e(f"{I}%first = arith.cmpi eq, %kb, {self.idx(0)} : index")
        e(f"{I}scf.if %first {{")
        self.chan_loop(I + "  ")
        tot = self.tot
        for row in (0, 1):
            v = self.pat(I + "    ", "load", row, f"%pv{row}")
            self.tot = ("%part", self.part_type(), "%n")
            self.pat(I + "    ", "store", row, v)
            self.tot = tot
        e(f"{I}  }}")
        e(f"{I}}}")
