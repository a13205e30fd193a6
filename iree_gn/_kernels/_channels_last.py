"""Channels last (NHWC, NDHWC): x as [N, R, C]. A workgroup per sample (or per block of its
channels that fits in L2); batch 1 of a large sample splits its rows (``_ChannelsLastSplit``,
two dispatches). Numerics: see the package docstring."""

from __future__ import annotations

from typing import List

from . import _tuning
from ._module import _Kernel
from ._select import _BLOCK, _STACK_BYTES, channel_blocks, layout, split_blocks


class _ChannelsLast(_Kernel):
    kind = "channels last"

    def __init__(self, spec, blocks=None):
        super().__init__(spec)
        self.blocks = channel_blocks(spec) if blocks is None else blocks
        self.CB = self.C // self.blocks
        # Vector lanes along C: the widest of 16/8/4 that divides it.
        self.VL = next((v for v in (16, 8, 4, 2) if self.CB % v == 0), 1)
        if self.N is None:
            # A dynamic batch whose batch-1 op would split rows carries that split too, for
            # N = 1 (chosen at run time: see dispatches).
            # Both kernels' scratch arrays share the function's stack: channels of 1400 and
            # more leave batch 1 to one workgroup (_STACK_BYTES).
            one = spec.with_shape((1,) + tuple(spec.shape[1:]))
            if layout(one) == "channels_last_split" and \
                    5 * 4 * (self.C + self.CB) <= _STACK_BYTES:
                self.split = _ChannelsLastSplit(one)

    def xmem(self):
        return f"memref<{self.n_dim}x{self.R}x{self.C}x{self.et}>"

    def per_sample(self):
        return self.blocks

    def functions(self):
        """With a batch-1 ``split`` (a dynamic batch of samples large enough that batch 1
        splits rows): ``@stats``, the split's statistics when N = 1 (one idle workgroup
        otherwise), and ``@gn``, the split's normalize when N = 1 and a workgroup per sample
        otherwise. N is tested inside the kernels, not by host control flow: an ``scf.if``
        between dispatches makes IREE write y to a new buffer and copy it into the caller's
        (every N pays a copy of y)."""
        sp = self.split
        if sp is None:
            return super().functions()
        pty, xt = f"memref<{self.C}x{self.et}>", self.xmem()
        params = [(b, v, pty) for b, v in self.params()]
        one_t = sp.xmem()
        sp.lines = []
        stats = sp.stats_body()
        sp.lines = []
        split_norm = sp.norm_body()
        self.lines = []
        mine = self.body()
        self._consts.update(sp._consts)
        one = self.idx(1)

        def branch(binds, body):
            return [self.subspan(b, v, t, "          ") for b, v, t in binds] + \
                ["  " + line for line in body]

        test = [f"        %one = arith.cmpi eq, %nsz, {one} : index", "        scf.if %one {"]
        stats_fn = test + branch([("%bx", "%x", one_t), ("%bp", "%part", sp.part())], stats) \
            + ["        }"]
        gn_fn = test + branch([("%bx", "%x", one_t), ("%bp", "%part", sp.part())] +
                              params +
                              [("%by", "%y", one_t)], split_norm) \
            + ["        } else {"] \
            + branch([("%bx", "%x", xt)] + params + [("%by", "%y", xt)], mine) \
            + ["        }"]
        binds = [("%bx", None, None), ("%bp", None, None)] + \
            [(b, None, None) for b, _ in self.params()] + [("%by", None, None)]
        per = (sp.K, self.blocks)
        return [("stats", per[:1] + (0,), binds[:2], stats_fn), ("gn", per, binds, gn_fn)]

    def host(self, xt: str, vt: str, pt: str) -> List[str]:
        if self.split is None:
            return super().host(xt, vt, pt)
        n = len(self.params())
        pt_ = self.split.part("tensor")
        args = ", ".join(["%xv", "%part"] + [f"%arg{i + 1}" for i in range(n)] + ["%xoff", "%ni"])
        tys = ", ".join([xt, pt_] + [pt] * n + ["i32", "i32"])
        return [f"    %part = flow.dispatch @gn_kernel::@stats[%n](%xv, %xoff, %ni) : "
                f"({xt}, i32, i32) -> {pt_}",
                f"    %yv = flow.dispatch @gn_kernel::@gn[%n]({args}) : ({tys}) -> {vt}"]

    # Pieces shared with _ChannelsLastSplit. x is indexed [%n, row, %ch0 + channel]: the
    # scratch arrays and channel loops span this workgroup's block of CB channels.
    def _setup(self):
        VL = self.VL
        self.st = f"memref<{self.CB}xf32>"
        self.V = self.vec(VL) if VL > 1 else "f32"
        self.lanes = VL if VL > 1 else 0
        if self.lanes:
            self.e(f"        %zv = arith.constant dense<0.0> : {self.V}")
            self.zero = "%zv"
        else:
            self.zero = self.f32(0.0)
        for m in ("k", "s1", "s2", "p1", "p2"):
            self.e(f"        %{m} = memref.alloca() : {self.st}")

    def ld(self, ind, name, mem, at):
        """Load from a float32 scratch array."""
        if self.lanes:
            self.e(f"{ind}{name} = vector.load {mem}[{at}] : {self.st}, {self.V}")
        else:
            self.e(f"{ind}{name} = memref.load {mem}[{at}] : {self.st}")
        return name

    def sto(self, ind, val, mem, at):
        if self.lanes:
            self.e(f"{ind}vector.store {val}, {mem}[{at}] : {self.st}, {self.V}")
        else:
            self.e(f"{ind}memref.store {val}, {mem}[{at}] : {self.st}")

    def chan_loop(self, ind):
        self.e(f"{ind}scf.for %c = {self.idx(0)} to {self.idx(self.CB)} step {self.idx(self.VL)} {{")
        self.e(f"{ind}  %xc = arith.addi %ch0, %c : index")

    def shift(self, I):
        """%k = the sample's first row (0 with mean_close_to_zero)."""
        self.chan_loop(I)
        if self.spec.mean_close_to_zero:
            self.sto(I + "  ", self.zero, "%k", "%c")
        else:
            k0 = self.load(I + "  ", "%k0", "%x", f"%n, {self.idx(0)}, %xc", self.xmem(),
                           self.lanes)
            self.sto(I + "  ", k0, "%k", "%c")
        self.e(f"{I}}}")

    def zero_sums(self, I, names):
        self.chan_loop(I)
        for m in names:
            self.sto(I + "  ", self.zero, m, "%c")
        self.e(f"{I}}}")

    def stats(self, I, lo, hi):
        """Add the per-channel sums of x - k and (x - k)^2 over rows [lo, hi) to %s1, %s2:
        per block of _BLOCK rows into %p1, %p2, then into the totals."""
        e, V, xt = self.e, self.V, self.xmem()
        cB = self.idx(_BLOCK)
        e(f"{I}scf.for %rb = {lo} to {hi} step {cB} {{")
        J = I + "  "
        e(f"{J}%rb_end0 = arith.addi %rb, {cB} : index")
        e(f"{J}%rb_end = arith.minui %rb_end0, {hi} : index")
        self.zero_sums(J, ("%p1", "%p2"))
        e(f"{J}scf.for %r = %rb to %rb_end step {self.idx(1)} {{")
        K = J + "  "
        self.chan_loop(K)
        L_ = K + "  "
        self.prefetch(L_, "%r")
        v = self.load(L_, "%v", "%x", "%n, %r, %xc", xt, self.lanes)
        if self.spec.mean_close_to_zero:
            d = v
        else:
            kk = self.ld(L_, "%kv", "%k", "%c")
            e(f"{L_}%d = arith.subf {v}, {kk} : {V}")
            d = "%d"
        a1 = self.ld(L_, "%a1", "%p1", "%c")
        a2 = self.ld(L_, "%a2", "%p2", "%c")
        e(f"{L_}%n1 = arith.addf {a1}, {d} : {V}")
        e(f"{L_}%n2 = math.fma {d}, {d}, {a2} : {V}")
        self.sto(L_, "%n1", "%p1", "%c")
        self.sto(L_, "%n2", "%p2", "%c")
        e(f"{K}}}")
        e(f"{J}}}")
        self.accumulate(J, (("%s1", "%p1"), ("%s2", "%p2")))
        e(f"{I}}}")

    def prefetch(self, I, r, write=False):
        """Prefetch x's row ``r + D`` (clamped to the sample), D rows ~ _PREFETCH_BYTES ahead,
        and with ``write`` y's too (for ownership: the store then finds its line). Medians,
        same process: 8x56x56x256 3.9 ms with the hardware prefetchers alone, 3.6 with x
        prefetched, 3.4 with y too; 2x64x64x320 1.30 / 1.21 / 1.08 ms. Distances of 1-8 rows
        measured alike."""
        row = self.C * {"f32": 4, "f16": 2, "bf16": 2}[self.et]
        d = max(1, round(_tuning.current().prefetch_bytes / row))
        self.e(f"{I}%pf_r0 = arith.addi {r}, {self.idx(d)} : index")
        self.e(f"{I}%pf_r = arith.minui %pf_r0, {self.idx(self.R - 1)} : index")
        self.e(f"{I}memref.prefetch %x[%n, %pf_r, %xc], read, locality<3>, data : "
               f"{self.xmem()}")
        if write:
            self.e(f"{I}memref.prefetch %y[%n, %pf_r, %xc], write, locality<3>, data : "
                   f"{self.xmem()}")

    def accumulate(self, I, pairs):
        """total += part, per channel, for each (total, part) scratch pair."""
        self.chan_loop(I)
        for i, (tot, part) in enumerate(pairs):
            t = self.ld(I + "  ", f"%ta{i}", tot, "%c")
            q = self.ld(I + "  ", f"%qa{i}", part, "%c")
            self.e(f"{I}  %ua{i} = arith.addf {t}, {q} : {self.V}")
            self.sto(I + "  ", f"%ua{i}", tot, "%c")
        self.e(f"{I}}}")

    def normalize(self, I, lo, hi):
        """y = act((x - k) * a + b) over rows [lo, hi), with a in %p1 and b in %p2."""
        e, V, xt = self.e, self.V, self.xmem()
        e(f"{I}scf.for %r = {lo} to {hi} step {self.idx(1)} {{")
        self.chan_loop(I + "  ")
        K = I + "    "
        self.prefetch(K, "%r", write=True)
        v = self.load(K, "%w", "%x", "%n, %r, %xc", xt, self.lanes)
        av = self.ld(K, "%av", "%p1", "%c")
        bv = self.ld(K, "%bv", "%p2", "%c")
        if not self.spec.mean_close_to_zero:
            kv = self.ld(K, "%kw", "%k", "%c")
            e(f"{K}%dw = arith.subf {v}, {kv} : {V}")
            v = "%dw"
        e(f"{K}%o = math.fma {v}, {av}, {bv} : {V}")
        o = self.activation(K, "%act", "%o", V, self.lanes)
        self.store(K, "%yo", o, "%y", "%n, %r, %xc", xt, self.lanes)
        e(f"{I}  }}")
        e(f"{I}}}")

    def body(self) -> List[str]:
        I = "        "
        nb = self.idx(self.blocks)
        self.e(f"{I}%n = arith.divui %wg, {nb} : index")  # one workgroup per sample and block
        self.e(f"{I}%blk = arith.remui %wg, {nb} : index")
        self.e(f"{I}%ch0 = arith.muli %blk, {self.idx(self.CB)} : index")
        self._setup()
        self.shift(I)
        self.zero_sums(I, ("%s1", "%s2"))
        # Statistics: one read of the sample, row by row.
        self.stats(I, self.idx(0), self.idx(self.R))
        # Group moments -> per-channel a (into p1) and b (into p2).
        self.combine(I)
        self.normalize(I, self.idx(0), self.idx(self.R))
        return self.lines

    def combine(self, I: str) -> None:
        """Per group of cg channels: the exact moments from the per-channel sums (see
        ``_authoring.moments_split``), then a = gamma * rstd and b = beta - (mean - k) * a."""
        e, cg, C, R = self.e, self.cg, self.CB, self.R
        st = f"memref<{C}xf32>"
        c0, c1, cC, ccg = self.idx(0), self.idx(1), self.idx(C), self.idx(cg)
        fM, fcg, fcount = self.f32(R), self.f32(cg), self.f32(R * cg)
        f0, f2 = self.f32(0.0), self.f32(2.0)
        mcz = self.spec.mean_close_to_zero
        e(f"{I}scf.for %cs = {c0} to {cC} step {ccg} {{")
        J = I + "  "
        e(f"{J}%ce = arith.addi %cs, {ccg} : index")
        if mcz:
            for s in ("s1", "s2"):
                e(f"{J}%t{s} = scf.for %j = %cs to %ce step {c1} iter_args(%acc = {f0}) -> (f32) {{")
                e(f"{J}  %l = memref.load %{s}[%j] : {st}")
                e(f"{J}  %acc2 = arith.addf %acc, %l : f32")
                e(f"{J}  scf.yield %acc2 : f32")
                e(f"{J}}}")
            e(f"{J}%mean = arith.divf %ts1, {fcount} : f32")
            e(f"{J}%ex2 = arith.divf %ts2, {fcount} : f32")
            e(f"{J}%m2 = arith.mulf %mean, %mean : f32")
            e(f"{J}%var0 = arith.subf %ex2, %m2 : f32")
            e(f"{J}%negdk = arith.addf %mean, {f0} : f32")  # mean - k with k = 0
        else:
            e(f"{J}%k0 = memref.load %k[%cs] : {st}")
            e(f"{J}%mr = scf.for %j = %cs to %ce step {c1} iter_args(%acc = {f0}) -> (f32) {{")
            e(f"{J}  %s1j = memref.load %s1[%j] : {st}")
            e(f"{J}  %kj = memref.load %k[%j] : {st}")
            e(f"{J}  %chm = arith.divf %s1j, {fM} : f32")
            e(f"{J}  %dk0 = arith.subf %kj, %k0 : f32")
            e(f"{J}  %t = arith.addf %chm, %dk0 : f32")
            e(f"{J}  %acc2 = arith.addf %acc, %t : f32")
            e(f"{J}  scf.yield %acc2 : f32")
            e(f"{J}}}")
            e(f"{J}%mrel = arith.divf %mr, {fcg} : f32")  # mean - k0
            e(f"{J}%ss = scf.for %j = %cs to %ce step {c1} iter_args(%acc = {f0}) -> (f32) {{")
            e(f"{J}  %s1j = memref.load %s1[%j] : {st}")
            e(f"{J}  %s2j = memref.load %s2[%j] : {st}")
            e(f"{J}  %kj = memref.load %k[%j] : {st}")
            e(f"{J}  %dk0 = arith.subf %kj, %k0 : f32")
            e(f"{J}  %dk = arith.subf %dk0, %mrel : f32")  # k_j - mean
            e(f"{J}  %t1 = arith.mulf {f2}, %dk : f32")
            e(f"{J}  %t2 = arith.mulf %t1, %s1j : f32")
            e(f"{J}  %t3 = arith.mulf %dk, %dk : f32")
            e(f"{J}  %t4 = arith.mulf {fM}, %t3 : f32")
            e(f"{J}  %t5 = arith.addf %s2j, %t2 : f32")
            e(f"{J}  %t6 = arith.addf %t5, %t4 : f32")
            e(f"{J}  %acc2 = arith.addf %acc, %t6 : f32")
            e(f"{J}  scf.yield %acc2 : f32")
            e(f"{J}}}")
            e(f"{J}%var0 = arith.divf %ss, {fcount} : f32")
        self.rstd(J, "%var0")
        e(f"{J}scf.for %j = %cs to %ce step {c1} {{")
        K = J + "  "
        e(f"{K}%pc = arith.addi %ch0, %j : index")
        if mcz:
            dk = "%negdk"  # mean - k
        else:
            e(f"{K}%kj = memref.load %k[%j] : {st}")
            e(f"{K}%dk0 = arith.subf %kj, %k0 : f32")
            e(f"{K}%dkj = arith.subf %mrel, %dk0 : f32")  # mean - k_j
            dk = "%dkj"
        aj, bj = self.scale_shift(K, "%pc", dk)
        e(f"{K}memref.store {aj}, %p1[%j] : {st}")
        e(f"{K}memref.store {bj}, %p2[%j] : {st}")
        e(f"{J}}}")
        e(f"{I}}}")


class _ChannelsLastSplit(_ChannelsLast):
    """Channels last for few large samples: each sample's rows in K blocks, one workgroup
    each, so every core works even at batch 1. Two dispatches: ``@stats`` writes each
    block's per-channel sums (shift k: the sample's first row, shared by its blocks) to a
    small [N, K, 2, C] float32 tensor; ``@norm`` adds the K partial sums up, combines them
    (every block redundantly: K x C values), and normalizes its rows. The blocks are
    normalized in reverse order, so the first ones normalized are the last ones read."""

    kind = "channels last, rows split"

    def __init__(self, spec):
        super().__init__(spec, blocks=1)
        self.K = split_blocks(spec)
        self.RB = -(-self.R // self.K)

    def per_sample(self):
        return self.K

    def part(self, kind="memref"):
        return f"{kind}<{self.N}x{self.K}x2x{self.C}xf32>"

    def functions(self):
        xty, pty = self.xmem(), f"memref<{self.C}x{self.et}>"
        self.lines = []
        stats = self.stats_body()
        self.lines = []
        norm = self.norm_body()
        wg = self.per_sample()
        return [
            ("stats", wg, [("%bx", "%x", xty), ("%bp", "%part", self.part())], stats),
            ("norm", wg, [("%bx", "%x", xty), ("%bp", "%part", self.part())] +
             [(b, v, pty) for b, v in self.params()] + [("%by", "%y", xty)], norm),
        ]

    def host(self, xt: str, vt: str, pt: str) -> List[str]:
        n = len(self.params())
        pt_ = self.part("tensor")
        args = ", ".join(["%xv", "%part"] + [f"%arg{i + 1}" for i in range(n)] + ["%xoff"])
        tys = ", ".join([xt, pt_] + [pt] * n + ["i32"])
        return [f"    %part = flow.dispatch @gn_kernel::@stats(%xv, %xoff) : ({xt}, i32) -> {pt_}",
                f"    %yv = flow.dispatch @gn_kernel::@norm({args}) : ({tys}) -> {vt}"]

    def rows(self, I, reverse):
        e, K = self.e, self.idx(self.K)
        e(f"{I}%ch0 = arith.addi {self.idx(0)}, {self.idx(0)} : index")  # all channels
        e(f"{I}%n = arith.divui %wg, {K} : index")
        e(f"{I}%kb0 = arith.remui %wg, {K} : index")
        if reverse:
            e(f"{I}%kb = arith.subi {self.idx(self.K - 1)}, %kb0 : index")
        else:
            e(f"{I}%kb = arith.addi %kb0, {self.idx(0)} : index")
        e(f"{I}%lo = arith.muli %kb, {self.idx(self.RB)} : index")
        e(f"{I}%hi0 = arith.addi %lo, {self.idx(self.RB)} : index")
        e(f"{I}%hi = arith.minui %hi0, {self.idx(self.R)} : index")

    def part_at(self, ind, op, val, j, which):
        pm = self.part()
        at = f"%n, {j}, {self.idx(which)}, %c"
        if op == "load":
            if self.lanes:
                self.e(f"{ind}{val} = vector.load %part[{at}] : {pm}, {self.V}")
            else:
                self.e(f"{ind}{val} = memref.load %part[{at}] : {pm}")
            return val
        if self.lanes:
            self.e(f"{ind}vector.store {val}, %part[{at}] : {pm}, {self.V}")
        else:
            self.e(f"{ind}memref.store {val}, %part[{at}] : {pm}")

    def prologue(self, I, reverse):
        """This workgroup's rows, the scratch arrays, the shift k and zeroed totals."""
        self.rows(I, reverse)
        self._setup()
        self.shift(I)
        self.zero_sums(I, ("%s1", "%s2"))

    def stats_body(self) -> List[str]:
        I = "        "
        self.prologue(I, reverse=False)
        self.stats(I, "%lo", "%hi")
        self.chan_loop(I)
        self.part_at(I + "  ", "store", self.ld(I + "  ", "%o1", "%s1", "%c"), "%kb", 0)
        self.part_at(I + "  ", "store", self.ld(I + "  ", "%o2", "%s2", "%c"), "%kb", 1)
        self.e(f"{I}}}")
        return self.lines

    def norm_body(self) -> List[str]:
        I = "        "
        self.prologue(I, reverse=True)
        self.e(f"{I}scf.for %j = {self.idx(0)} to {self.idx(self.K)} step {self.idx(1)} {{")
        J = I + "  "
        self.chan_loop(J)
        for which, tot in ((0, "%s1"), (1, "%s2")):
            q = self.part_at(J + "  ", "load", f"%q{which}", "%j", which)
            t = self.ld(J + "  ", f"%t{which}", tot, "%c")
            self.e(f"{J}  %u{which} = arith.addf {t}, {q} : {self.V}")
            self.sto(J + "  ", f"%u{which}", tot, "%c")
        self.e(f"{J}}}")
        self.e(f"{I}}}")
        self.combine(I)
        self.normalize(I, "%lo", "%hi")
        return self.lines
