"""Channels last (NHWC, NDHWC): x as [N, R, C]. A workgroup per sample (or per block of its
channels that fits in L2); batch 1 of a large sample splits its rows (``_ChannelsLastSplit``,
two dispatches). Numerics: see the package docstring."""

from __future__ import annotations

from typing import List

from .._authoring import shift_points
from . import _tuning
from ._module import _Kernel
from ._select import (_BLOCK, _BYTES, _CL_MAX_CHANNELS, _CL_SUB_CHANNELS,
                      _STACK_BYTES, channel_blocks, layout, split_blocks)

# The per-channel scratch arrays of a workgroup, in the order of a workspace's axis 2.
_SCRATCH = ("k", "s1", "s2", "p1", "p2")


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
            # more leave batch 1 to one workgroup (_STACK_BYTES), unless both kernels take
            # theirs from workspaces (groups of more than _CL_MAX_CHANNELS channels).
            one = spec.with_shape((1,) + tuple(spec.shape[1:]))
            if layout(one) == "channels_last_split" and \
                    (5 * (8 if self.wide else 4) * (self.C + self.CB) <= _STACK_BYTES
                     or self.workspace):
                self.split = _ChannelsLastSplit(one)

    def xmem(self):
        return f"memref<{self.n_dim}x{self.R}x{self.C}x{self.et}>"

    def per_sample(self):
        return self.blocks

    @property
    def workspace(self) -> bool:
        """Whether the scratch arrays come from a workspace (a second result of the
        dispatch, [N, blocks, 5, CB] float32, never read by the host) instead of the stack:
        a block of more than ``_CL_MAX_CHANNELS`` channels (a group that wide, or a sample
        with no split into whole groups) would overflow IREE's 32 KiB stack limit."""
        return self.CB > _CL_MAX_CHANNELS

    # This workgroup's slice of the workspace, [N, workgroups per sample, 5, CB].
    _ws_at = "%n, %blk"

    def wsmem(self, kind="memref"):
        return f"{kind}<{self.n_dim}x{self.per_sample()}x{len(_SCRATCH)}x{self.CB}xf32>"

    def functions(self):
        """With a batch-1 ``split`` (a dynamic batch of samples large enough that batch 1
        splits rows): ``@stats``, the split's statistics when N = 1 (one idle workgroup
        otherwise), and ``@gn``, the split's normalize when N = 1 and a workgroup per sample
        otherwise. N is tested inside the kernels, not by host control flow: an ``scf.if``
        between dispatches makes IREE write y to a new buffer and copy it into the caller's
        (every N pays a copy of y)."""
        sp = self.split
        if sp is None:
            funcs = super().functions()
            if self.workspace:  # y, then the workspace: results follow the operands
                name, per, binds, body = funcs[0]
                funcs = [(name, per, binds + [("%bw", "%ws", self.wsmem())], body)]
            return funcs
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

        # Workspaces: one binding per dispatch, viewed per branch (see host).
        ws_sp, ws_me, ws = [], [], []
        if self.workspace:
            ws_sp, ws_me = [("%bw", "%ws", sp.wsmem())], [("%bw", "%ws", self.wsmem())]
            ws = [("%bw", None, None)]
        test = [f"        %one = arith.cmpi eq, %nsz, {one} : index", "        scf.if %one {"]
        stats_fn = test + branch([("%bx", "%x", one_t), ("%bp", "%part", sp.part())] + ws_sp,
                                 stats) + ["        }"]
        gn_fn = test + branch([("%bx", "%x", one_t), ("%bp", "%part", sp.part())] +
                              params +
                              [("%by", "%y", one_t)] + ws_sp, split_norm) \
            + ["        } else {"] \
            + branch([("%bx", "%x", xt)] + params + [("%by", "%y", xt)] + ws_me, mine) \
            + ["        }"]
        binds = [("%bx", None, None), ("%bp", None, None)] + \
            [(b, None, None) for b, _ in self.params()] + [("%by", None, None)]
        per = (sp.K, self.blocks)
        return [("stats", per[:1] + (0,), binds[:2] + ws, stats_fn),
                ("gn", per, binds + ws, gn_fn)]

    def host(self, xt: str, vt: str, pt: str) -> List[str]:
        if self.split is None:
            lines = super().host(xt, vt, pt)
            if self.workspace:
                wt = self.wsmem("tensor") + ("{%n}" if self.N is None else "")
                lines = [lines[0].replace("%yv =", "%yv, %ws =").replace(
                    f"-> {vt}", f"-> ({vt}, {wt})")]
            return lines
        n = len(self.params())
        pt_ = self.split.part("tensor")
        args = ", ".join(["%xv", "%part"] + [f"%arg{i + 1}" for i in range(n)] + ["%xoff", "%ni"])
        tys = ", ".join([xt, pt_] + [pt] * n + ["i32", "i32"])
        lines, st, gt, s_ws, g_ws = [], pt_, vt, "", ""
        if self.workspace:
            # @stats's workspace is the split's ([1, K, 5, C]); @gn's serves either branch:
            # max(N, K) x 5C floats, the per-sample kernel's [N, blocks, 5, CB] at any N and
            # the split's at N = 1.
            lines = [f"    %wsk = arith.constant {self.split.K} : index",
                     "    %wsm = arith.maxui %n, %wsk : index",
                     f"    %ws5c = arith.constant {5 * self.C} : index",
                     "    %wsz = arith.muli %wsm, %ws5c : index"]
            st, gt = f"({pt_}, {self.split.wsmem('tensor')})", f"({vt}, tensor<?xf32>{{%wsz}})"
            s_ws, g_ws = ", %ws0", ", %ws1"
        return lines + [
            f"    %part{s_ws} = flow.dispatch @gn_kernel::@stats[%n](%xv, %xoff, %ni) : "
            f"({xt}, i32, i32) -> {st}",
            f"    %yv{g_ws} = flow.dispatch @gn_kernel::@gn[%n]({args}) : ({tys}) -> {gt}"]

    # Pieces shared with _ChannelsLastSplit. x is indexed [%n, row, %ch0 + channel]: the
    # scratch arrays and channel loops span this workgroup's block of CB channels.
    def _setup(self):
        VL = self.VL
        self.st = f"memref<{self.CB}xf32>"
        if self.workspace:
            self.st = f"memref<{self.CB}xf32, strided<[1], offset: ?>>"
        self.V = self.vec(VL) if VL > 1 else "f32"
        self.lanes = VL if VL > 1 else 0
        if self.lanes:
            self.e(f"        %zv = arith.constant dense<0.0> : {self.V}")
            self.zero = "%zv"
        else:
            self.zero = self.f32(0.0)
        for i, m in enumerate(_SCRATCH):
            if self.workspace:
                self.e(f"        %{m} = memref.subview %ws[{self._ws_at}, {i}, 0] [1, 1, 1, "
                       f"{self.CB}] [1, 1, 1, 1] : {self.wsmem()} to {self.st}")
            else:
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
        lo, hi = self._cl or (self.idx(0), self.idx(self.CB))
        self.e(f"{ind}scf.for %c = {lo} to {hi} step {self.idx(self.VL)} {{")
        self.e(f"{ind}  %xc = arith.addi %ch0, %c : index")

    # The channel loops' bounds: None (the block's CB channels) or a sub-block's (SSA values).
    _cl = None

    @property
    def SB(self) -> int:
        """Channels per sub-block: a workspace block's rows are summed and normalized
        ``_CL_SUB_CHANNELS`` channels or fewer at a time, so that the scratch arrays those
        loops touch stay in L1 (the whole block's are 5 x 4 x CB bytes, over 30 KB)."""
        if not self.workspace:
            return self.CB
        top = _CL_SUB_CHANNELS - _CL_SUB_CHANNELS % self.VL
        return next(d for d in range(top, 0, -self.VL) if self.CB % d == 0)

    def sub_blocks(self, I, emit) -> None:
        """``emit(indent)`` once per sub-block of SB channels, the channel loops spanning it
        (once, over the whole block, where SB = CB)."""
        if self.SB == self.CB:
            emit(I)
            return
        self.e(f"{I}scf.for %sb = {self.idx(0)} to {self.idx(self.CB)} step {self.idx(self.SB)} {{")
        self.e(f"{I}  %sbe = arith.addi %sb, {self.idx(self.SB)} : index")
        self._cl = ("%sb", "%sbe")
        emit(I + "  ")
        self._cl = None
        self.e(f"{I}}}")

    def shift(self, I):
        """%k = per channel, the median of x at the sample's ``shift_points`` rows (0 with
        mean_close_to_zero): a value from the bulk of the data, so that the float32 sums of
        x - k hold deviations, not |mean|-sized values, and up to two outliers cannot be the
        shift. The first row alone erred 3e-4..1e-3 (relative to max |y|) with a "massive
        activation" x[:, 0] = 1e2..1e4 over N(0, 1) data; the median, 1e-6."""
        self.chan_loop(I)
        J = I + "  "
        if self.spec.mean_close_to_zero:
            self.sto(J, self.zero, "%k", "%c")
        else:
            ks = [self.load(J, f"%k{i}", "%x", f"%n, {self.idx(r)}, %xc", self.xmem(),
                            self.lanes) for i, r in enumerate(shift_points(self.R))]
            k = self.median(J, "%km", ks, self.V)
            self.sto(J, k, "%k", "%c")
        self.e(f"{I}}}")

    def zero_sums(self, I, names):
        self.chan_loop(I)
        for m in names:
            self.sto(I + "  ", self.zero, m, "%c")
        self.e(f"{I}}}")

    def stats(self, I, lo, hi):
        """Add the per-channel sums of x - k and (x - k)^2 over rows [lo, hi) to %s1, %s2:
        per block of _BLOCK rows into %p1, %p2, then into the totals; a sample of at most
        _BLOCK rows straight into the totals (min of 300: 2x1x1x4096, 32 groups, 22 -> 15 us;
        2x2x2x4096 39 -> 37 us)."""
        self.by_form(I, "%reg_s", lo, hi, self.reg_sums, self.row_stats)

    def row_stats(self, I, lo, hi):
        """``stats`` in the per-row form."""
        if (lo, hi) == (self.idx(0), self.idx(self.R)) and self.R <= _BLOCK:
            self.sub_blocks(I, lambda J: self.row_sums(J, lo, hi, ("%s1", "%s2")))
            return

        def block(J):
            self.zero_sums(J, ("%p1", "%p2"))
            self.row_sums(J, "%rb", "%rb_end", ("%p1", "%p2"))
            self.accumulate(J, (("%s1", "%p1"), ("%s2", "%p2")))

        self.row_blocks(I, lo, hi, block)

    # Vectors of channels a register chunk holds at most (see reg_vectors).
    UNROLL = 8

    def reg_vectors(self) -> int:
        """Vectors per register chunk (0: the per-row loops, for scalar lanes): the largest
        of UNROLL..1 dividing the sub-block's vectors. A chunk's shift, sums (or a, b) stay
        in registers while the loop runs down _BLOCK rows, so each vector of x costs one
        load, not three loads and two stores of scratch arrays (the per-row form's L1
        traffic, the bound of these kernels at ~30 GB/s a core). iree-benchmark-module,
        local-sync, 2x32x32x640: 0.50 ms per-row, 0.35 register sums, 0.28-0.33 with the
        normalize in chunks too. Chunks of 8 vectors beat 4 (8x56x56x256 1.15x vs 1.3x the
        per-row form's time, forced); software prefetch of the chunk's next rows, near or a
        row block ahead, measured slower (2x64x64x320 1.3-1.5x)."""
        if not self.lanes or not self.UNROLL:
            return 0
        nv = self.SB // self.VL
        per = self.VL * (8 if self.wide else 4)  # a vector's bytes
        top = max(1, min(self.UNROLL, _tuning.current().reg_chunk_bytes // per))
        return next(u for u in range(top, 0, -1) if nv % u == 0)

    def by_form(self, I, tag, lo, hi, reg, row) -> None:
        """A pass over rows [lo, hi): ``reg(indent, U)`` per block of rows [%rb, %rb_end)
        (register chunks of U vectors) where they pay, else ``row(indent, lo, hi)`` (the
        per-row form; always under streaming stores, which are written in row order). A
        chunk that spans the block's channels pays always (it reads x in the per-row
        form's order); a narrower one walks each block of rows once per chunk,
        which pays while x comes from the caches (x up to ``_tuning`` ``cl_reg_bytes``),
        not from memory, and with chunks of 4 vectors or more (medians, same process,
        per-row / chunks: 2x32x32x640 0.33 / 0.29-0.31 ms, 2x16x16x1280 0.23-0.25 / 0.20,
        2x48x48x320 0.32 / 0.29 ms; but 2x64x64x320 0.55 / 0.69, 8x28x28x512 0.77 / 1.22,
        8x56x56x256 2.0-2.4 / 2.5-3.2 ms; x86-64-v3 code, chunks of 2: 2x32x32x640 0.37 /
        0.46). A dynamic batch tests N (both forms emitted; ``tag`` names the test)."""
        U = self.reg_vectors() if not self.nt else 0

        def chunks(J):
            self.row_blocks(J, lo, hi, lambda K: reg(K, U))

        if U and U == self.SB // self.VL:
            chunks(I)
            return
        if U < 4:  # (AVX2's 16 registers: chunks of 2 vectors, 1.1-1.25x the per-row time)
            row(I, lo, hi)
            return
        per = _BYTES[self.spec.dtype] * self.per_n
        limit = _tuning.current().cl_reg_bytes
        if self.N is not None:
            chunks(I) if self.N * per <= limit else row(I, lo, hi)
            return
        self.e(f"{I}{tag} = arith.cmpi ule, %nsz, {self.idx(limit // per)} : index")
        self.e(f"{I}scf.if {tag} {{")
        chunks(I + "  ")
        self.e(f"{I}}} else {{")
        row(I + "  ", lo, hi)
        self.e(f"{I}}}")

    def chunk_loop(self, ind, U) -> List[str]:
        """A loop over the channels in chunks of U vectors: %cu{u} the u-th vector's scratch
        index, %xcu{u} its channel in x; returns the vectors' shifts k (none with
        mean_close_to_zero), loaded in the loop."""
        lo, hi = self._cl or (self.idx(0), self.idx(self.CB))
        self.e(f"{ind}scf.for %cu = {lo} to {hi} step {self.idx(self.VL * U)} {{")
        for u in range(U):
            self.e(f"{ind}  %cu{u} = arith.addi %cu, {self.idx(u * self.VL)} : index")
            self.e(f"{ind}  %xcu{u} = arith.addi %ch0, %cu{u} : index")
        if self.spec.mean_close_to_zero:
            return []
        return [self.ld(ind + "  ", f"%kr{u}", "%k", f"%cu{u}") for u in range(U)]

    def chunk_xk(self, ind, u, ks) -> str:
        """x - k of the chunk's u-th vector at row %r (x itself where ``ks`` is empty)."""
        v = self.load(ind, f"%v{u}", "%x", f"%n, %r, %xcu{u}", self.xmem(), self.lanes)
        if not ks:
            return v
        self.e(f"{ind}%d{u} = arith.subf {v}, {ks[u]} : {self.V}")
        return f"%d{u}"

    def reg_sums(self, J, U) -> None:
        """%s1, %s2 += the per-channel sums of x - k and (x - k)^2 over rows [%rb, %rb_end)
        (at most _BLOCK: the float32 partials in registers are as long as the per-row
        form's %p1, %p2), U vectors of channels at a time."""
        e, V = self.e, self.V
        ks = self.chunk_loop(J, U)
        K = J + "  "
        tys = ", ".join([V] * (2 * U))
        init = ", ".join([f"%ra{u} = {self.zero}" for u in range(U)] +
                         [f"%rq{u} = {self.zero}" for u in range(U)])
        e(f"{K}%rs:{2 * U} = scf.for %r = %rb to %rb_end step {self.idx(1)} iter_args({init})"
          f" -> ({tys}) {{")
        L_ = K + "  "
        for u in range(U):
            d = self.chunk_xk(L_, u, ks)
            e(f"{L_}%na{u} = arith.addf %ra{u}, {d} : {V}")
            e(f"{L_}%nq{u} = math.fma {d}, {d}, %rq{u} : {V}")
        e(f"{L_}scf.yield " + ", ".join([f"%na{u}" for u in range(U)] +
                                         [f"%nq{u}" for u in range(U)]) + f" : {tys}")
        e(f"{K}}}")
        for j, tot in enumerate(("%s1", "%s2")):
            for u in range(U):
                t = self.ld(K, f"%ts{j}_{u}", tot, f"%cu{u}")
                e(f"{K}%us{j}_{u} = arith.addf {t}, %rs#{j * U + u} : {V}")
                self.sto(K, f"%us{j}_{u}", tot, f"%cu{u}")
        e(f"{J}}}")

    def reg_norm(self, J, U) -> None:
        """y = act((x - k) * a + b) over rows [%rb, %rb_end), U vectors of channels at a time
        with their k, a, b in registers."""
        e, V, xt = self.e, self.V, self.xmem()
        ks = self.chunk_loop(J, U)
        K = J + "  "
        avs = [self.ld(K, f"%ar{u}", "%p1", f"%cu{u}") for u in range(U)]
        bvs = [self.ld(K, f"%br{u}", "%p2", f"%cu{u}") for u in range(U)]
        e(f"{K}scf.for %r = %rb to %rb_end step {self.idx(1)} {{")
        L_ = K + "  "
        for u in range(U):
            v = self.chunk_xk(L_, u, ks)
            e(f"{L_}%o{u} = math.fma {v}, {avs[u]}, {bvs[u]} : {V}")
            o = self.activation(L_, f"%act{u}", f"%o{u}", V, self.lanes)
            self.store(L_, f"%yo{u}", o, "%y", f"%n, %r, %xcu{u}", xt, self.lanes, out=True)
        e(f"{K}}}")
        e(f"{J}}}")

    def row_blocks(self, I, lo, hi, emit) -> None:
        """``emit(indent)`` per block [%rb, %rb_end) of _BLOCK rows of [lo, hi), and per
        sub-block of its channels."""
        e, cB = self.e, self.idx(_BLOCK)
        e(f"{I}scf.for %rb = {lo} to {hi} step {cB} {{")
        J = I + "  "
        e(f"{J}%rb_end0 = arith.addi %rb, {cB} : index")
        e(f"{J}%rb_end = arith.minui %rb_end0, {hi} : index")
        self.sub_blocks(J, emit)
        e(f"{I}}}")

    def row_sums(self, J, lo, hi, into):
        """Add the per-channel sums of x - k and (x - k)^2 over rows [lo, hi) to the scratch
        arrays ``into``."""
        e, V, xt = self.e, self.V, self.xmem()
        t1, t2 = into
        e(f"{J}scf.for %r = {lo} to {hi} step {self.idx(1)} {{")
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
        a1 = self.ld(L_, "%a1", t1, "%c")
        a2 = self.ld(L_, "%a2", t2, "%c")
        e(f"{L_}%n1 = arith.addf {a1}, {d} : {V}")
        e(f"{L_}%n2 = math.fma {d}, {d}, {a2} : {V}")
        self.sto(L_, "%n1", t1, "%c")
        self.sto(L_, "%n2", t2, "%c")
        e(f"{K}}}")
        e(f"{J}}}")

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
        """y = act((x - k) * a + b) over rows [lo, hi), with a in %p1 and b in %p2 (per
        block of rows and sub-block of channels where SB < CB)."""
        self.by_form(I, "%reg_n", lo, hi, self.reg_norm, self.row_norm)

    def row_norm(self, I, lo, hi):
        """``normalize`` in the per-row form."""
        if self.SB == self.CB:
            self.norm_rows(I, lo, hi)
        else:
            self.row_blocks(I, lo, hi, lambda J: self.norm_rows(J, "%rb", "%rb_end"))

    def norm_rows(self, I, lo, hi):
        e, V, xt = self.e, self.V, self.xmem()
        e(f"{I}scf.for %r = {lo} to {hi} step {self.idx(1)} {{")
        self.chan_loop(I + "  ")
        K = I + "    "
        self.prefetch(K, "%r", write=not self.nt)
        v = self.load(K, "%w", "%x", "%n, %r, %xc", xt, self.lanes)
        av = self.ld(K, "%av", "%p1", "%c")
        bv = self.ld(K, "%bv", "%p2", "%c")
        if not self.spec.mean_close_to_zero:
            kv = self.ld(K, "%kw", "%k", "%c")
            e(f"{K}%dw = arith.subf {v}, {kv} : {V}")
            v = "%dw"
        e(f"{K}%o = math.fma {v}, {av}, {bv} : {V}")
        o = self.activation(K, "%act", "%o", V, self.lanes)
        self.store(K, "%yo", o, "%y", "%n, %r, %xc", xt, self.lanes, out=True)
        e(f"{I}  }}")
        e(f"{I}}}")

    def block_start(self, I: str) -> None:
        """The workgroup's sample ``%n`` and first channel ``%ch0`` (a workgroup per sample
        and channel block), its scratch set up and the shift ``k`` read: the start of the
        forward's body and of the backward's (``_bwd_channels_last``)."""
        nb = self.idx(self.blocks)
        self.e(f"{I}%n = arith.divui %wg, {nb} : index")
        self.e(f"{I}%blk = arith.remui %wg, {nb} : index")
        self.e(f"{I}%ch0 = arith.muli %blk, {self.idx(self.CB)} : index")
        self._setup()
        self.shift(I)

    def body(self) -> List[str]:
        I = "        "
        self.block_start(I)
        self.zero_sums(I, ("%s1", "%s2"))
        # Statistics: one read of the sample, row by row.
        self.stats(I, self.idx(0), self.idx(self.R))
        # Group moments -> per-channel a (into p1) and b (into p2).
        self.combine(I)
        self.streamed(I, 2, lambda J: self.normalize(J, self.idx(0), self.idx(self.R)))
        return self.lines

    def combine(self, I: str) -> None:
        """Per group of cg channels: the exact moments from the per-channel sums (see
        ``_authoring.moments_split``), then a = gamma * rstd and b = beta - (mean - k) * a,
        vectorized over the group's channels (GL lanes, the widest of 16/8/4/2 dividing cg;
        scalars otherwise): at few rows per sample the combine is most of the work
        (2x1x1x4096, 32 groups: 33 us with scalar loops)."""
        e, cg, C, R = self.e, self.cg, self.CB, self.R
        st = self.st
        GL = next((v for v in (16, 8, 4, 2) if cg % v == 0), 0)
        W = self.vec(GL) if GL else "f32"
        c0, cC, ccg, cstep = self.idx(0), self.idx(C), self.idx(cg), self.idx(max(GL, 1))
        f0, f2 = self.f32(0.0), self.f32(2.0)
        fcg, fcount = self.f32(cg), self.f32(R * cg)
        mcz = self.spec.mean_close_to_zero

        def ld(ind, name, mem, at):
            if GL:
                e(f"{ind}{name} = vector.load {mem}[{at}] : {st}, {W}")
            else:
                e(f"{ind}{name} = memref.load {mem}[{at}] : {st}")
            return name

        def splat(ind, name, v):
            return self.splat(ind, name, v, W) if GL else v

        def group_sum(J, name, terms):
            """%name = the sum over the group's channels of terms(ind) (a value of type W)."""
            zero = "%zg" if GL else f0
            e(f"{J}%{name}v = scf.for %j = %cs to %ce step {cstep} iter_args(%acc = {zero})"
              f" -> ({W}) {{")
            t = terms(J + "  ")
            e(f"{J}  %acc2 = arith.addf %acc, {t} : {W}")
            e(f"{J}  scf.yield %acc2 : {W}")
            e(f"{J}}}")
            if GL:
                e(f"{J}%{name} = vector.reduction <add>, %{name}v : {W} into f32")
            else:
                e(f"{J}%{name} = arith.addf %{name}v, {f0} : f32")

        if GL:
            e(f"{I}%zg = arith.constant dense<0.0> : {W}")
        e(f"{I}scf.for %cs = {c0} to {cC} step {ccg} {{")
        J = I + "  "
        e(f"{J}%ce = arith.addi %cs, {ccg} : index")
        if mcz:
            group_sum(J, "ts1", lambda K: ld(K, "%l", "%s1", "%j"))
            group_sum(J, "ts2", lambda K: ld(K, "%l", "%s2", "%j"))
            e(f"{J}%mean = arith.divf %ts1, {fcount} : f32")
            e(f"{J}%ex2 = arith.divf %ts2, {fcount} : f32")
            e(f"{J}%m2 = arith.mulf %mean, %mean : f32")
            e(f"{J}%var0 = arith.subf %ex2, %m2 : f32")
        else:
            e(f"{J}%k0 = memref.load %k[%cs] : {self.st}")
            k0 = splat(J, "%k0v", "%k0")
            fM = splat(J, "%fMv", self.f32(R))

            def mean_terms(K):  # s1_j / R + (k_j - k0): channel j's mean less k0
                ld(K, "%s1j", "%s1", "%j")
                ld(K, "%kj", "%k", "%j")
                e(f"{K}%chm = arith.divf %s1j, {fM} : {W}")
                e(f"{K}%dk0 = arith.subf %kj, {k0} : {W}")
                e(f"{K}%t = arith.addf %chm, %dk0 : {W}")
                return "%t"

            group_sum(J, "mr", mean_terms)
            e(f"{J}%mrel = arith.divf %mr, {fcg} : f32")  # mean - k0
            mrel = splat(J, "%mrelv", "%mrel")
            two = splat(J, "%f2v", f2)

            def var_terms(K):  # s2_j + 2 (k_j - mean) s1_j + R (k_j - mean)^2
                ld(K, "%s1j", "%s1", "%j")
                ld(K, "%s2j", "%s2", "%j")
                ld(K, "%kj", "%k", "%j")
                e(f"{K}%dk0 = arith.subf %kj, {k0} : {W}")
                e(f"{K}%dk = arith.subf %dk0, {mrel} : {W}")  # k_j - mean
                e(f"{K}%t1 = arith.mulf {two}, %dk : {W}")
                e(f"{K}%t2 = arith.mulf %t1, %s1j : {W}")
                e(f"{K}%t3 = arith.mulf %dk, %dk : {W}")
                e(f"{K}%t4 = arith.mulf {fM}, %t3 : {W}")
                e(f"{K}%t5 = arith.addf %s2j, %t2 : {W}")
                e(f"{K}%t6 = arith.addf %t5, %t4 : {W}")
                return "%t6"

            group_sum(J, "ss", var_terms)
            e(f"{J}%var0 = arith.divf %ss, {fcount} : f32")
        self.rstd(J, "%var0")
        self.scale_shift_group(J, GL, W, ld, splat)
        e(f"{I}}}")

    def scale_shift_group(self, J, GL, W, ld, splat):
        """Per channel j of the group: p1[j] = a = rstd * gamma, p2[j] = b = beta - (mean -
        k_j) * a (with mean_close_to_zero, k = 0)."""
        e, pty = self.e, f"memref<{self.C}x{self.et}>"
        e(f"{J}scf.for %j = %cs to %ce step {self.idx(max(GL, 1))} {{")
        K = J + "  "
        e(f"{K}%pc = arith.addi %ch0, %j : index")
        if self.spec.mean_close_to_zero:
            dk = splat(K, "%meanv", "%mean")  # mean - 0
        else:
            ld(K, "%kj", "%k", "%j")
            e(f"{K}%dk0 = arith.subf %kj, {'%k0v' if GL else '%k0'} : {W}")
            e(f"{K}%dkj = arith.subf {'%mrelv' if GL else '%mrel'}, %dk0 : {W}")  # mean - k_j
            dk = "%dkj"
        a = splat(K, "%rstdv", "%rstd")
        if self.gamma:
            g = self.load(K, "%gj", "%g", "%pc", pty, GL)
            e(f"{K}%aj = arith.mulf {a}, {g} : {W}")
            a = "%aj"
        e(f"{K}%da = arith.mulf {dk}, {a} : {W}")
        if self.beta:
            b = self.load(K, "%bj", "%b", "%pc", pty, GL)
            e(f"{K}%bo = arith.subf {b}, %da : {W}")
        else:
            e(f"{K}%bo = arith.negf %da : {W}")
        for v, m in ((a, "%p1"), ("%bo", "%p2")):
            if GL:
                e(f"{K}vector.store {v}, {m}[%j] : {self.st}, {W}")
            else:
                e(f"{K}memref.store {v}, {m}[%j] : {self.st}")
        e(f"{J}}}")


class _ChannelsLastSplit(_ChannelsLast):
    """Channels last for few large samples: each sample's rows in K blocks, one workgroup
    each, so every core works even at batch 1. Two dispatches: ``@stats`` writes each
    block's per-channel sums (shift k: the sample's ``shift``, shared by its blocks) to a
    small [N, K, 2, C] float32 tensor; ``@norm`` adds the K partial sums up, combines them
    (every block redundantly: K x C values), and normalizes its rows. The blocks are
    normalized in reverse order, so the first ones normalized are the last ones read.
    Batch 1 with a group wider than ``_CL_MAX_CHANNELS`` channels (no channel blocks) splits
    too, its scratch from workspaces: 1x32x32x2048 G=1 1.6 ms vs 2.3 ms in one workgroup
    (min of 40; medians 4.0 / 8.0 ms on a loaded machine)."""

    kind = "channels last, rows split"
    _ws_at = "%n, %kb"

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
        # More than _CL_MAX_CHANNELS channels: each dispatch's scratch from its own workspace.
        ws = [("%bw", "%ws", self.wsmem())] if self.workspace else []
        return [
            ("stats", wg, [("%bx", "%x", xty), ("%bp", "%part", self.part())] + ws, stats),
            ("norm", wg, [("%bx", "%x", xty), ("%bp", "%part", self.part())] +
             [(b, v, pty) for b, v in self.params()] + [("%by", "%y", xty)] + ws, norm),
        ]

    def host(self, xt: str, vt: str, pt: str) -> List[str]:
        n = len(self.params())
        pt_ = self.part("tensor")
        args = ", ".join(["%xv", "%part"] + [f"%arg{i + 1}" for i in range(n)] + ["%xoff"])
        tys = ", ".join([xt, pt_] + [pt] * n + ["i32"])
        ws, part, y = "", pt_, vt
        if self.workspace:
            ws, part, y = ", %ws{}", f"({pt_}, {self.wsmem('tensor')})", \
                f"({vt}, {self.wsmem('tensor')})"
        return [f"    %part{ws.format(0)} = flow.dispatch @gn_kernel::@stats(%xv, %xoff) : "
                f"({xt}, i32) -> {part}",
                f"    %yv{ws.format(1)} = flow.dispatch @gn_kernel::@norm({args}) : ({tys}) -> {y}"]

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
        self.streamed(I, 2, lambda J: self.normalize(J, "%lo", "%hi"))
        return self.lines
