"""One spec's GPU backward module for one GPU row: the forward's ``stats`` and ``combine``
(which also keeps r and mean - k), then ``dzsum``, ``coef``, ``dx`` and ``reduce``, over one
float32 workspace (rows: ``_bwd_emit``), and the host function ``@main(x, [gamma], [beta],
dy) -> (dx, [dgamma], [dbeta])`` (the CPU backward's host templates, ``_kernels``), an
executable per dispatch.

Transfers: x read three times (statistics, dz sums, dx) and dy twice, dx written once; the
later reads come from L2 where x fits there. Channels last without an activation sums the
statistics and dz in one pass (``_bwd_dz.fused_body``): x and dy read twice, dx written once,
the minimum. ``reduce``: a thread per channel adds the N samples' parts in order (dgamma,
dbeta in float32), into the workspace, whence the host slices them."""

from __future__ import annotations

from typing import List

from .._kernels._module import _template
from . import _bwd_coef, _bwd_dx, _bwd_dz, _combine
from ._bwd_emit import ROW_DB, ROW_DG, ROW_DZ, ROW_PG
from ._emit import I, J, _Func
from ._module import _Module
from ._select import _DYN_BATCH, _MIN_ITERS, _TARGET_WORKGROUPS, _vector_lanes


class _BwdModule(_Module):
    grad = True  # combine also writes rows 3 (r) and 4 (mean - k)

    def __init__(self, spec, kind: str, wgs: int, sg: int, spirv: bool):
        super().__init__(spec, kind, wgs, sg, spirv, False)
        if kind == "channels_last":  # dz sums on the statistics' tiles
            self.K2, self.DWPS = self.K, self.SWPS
        else:  # a sample as [C, R]: (channel, chunk of RB2 vectors) per workgroup
            nb = self.N if not self.dyn else _DYN_BATCH
            self.DVL = _vector_lanes(spec, self.R, spirv)
            self.Rv = self.R // self.DVL
            most = max(1, self.Rv // (wgs * _MIN_ITERS))
            want = -(-_TARGET_WORKGROUPS // (nb * self.C))
            k2 = max(1, min(want, most))
            self.RB2 = -(-self.Rv // k2)
            self.K2 = -(-self.Rv // self.RB2)
            self.DWPS = self.C * self.K2
        self.rows = ROW_DZ + 2 * self.K2  # rows of C after the statistics partials
        # Channels last without an activation: statistics and dz sums in one pass.
        self.fused = kind == "channels_last" and spec.activation is None
        # Threads of the dispatches whose work per workgroup can be small: coef (C/G
        # channels) and channels-first dzsum (RB2 vectors). Idle threads still wait at every
        # level of a workgroup-memory tree (lavapipe runs them all on the CPU).
        self.CT = _threads(self.cg, wgs, sg)
        self.DT = _threads(self.RB2, wgs, sg) if kind != "channels_last" else wgs

    def ws_shape(self) -> str:
        if self.kind == "channels_last":
            return f"{self.dim()}x{2 * self.K + self.rows}x{self.C}"
        return f"{self.dim()}x{2 * self.K * self.W + self.rows * self.C}"

    def dxmem(self) -> str:
        """dx's memref: with a dynamic batch and parameter gradients, SPIR-V finds dx at a
        dynamic offset in the results' allocation, and its code generation fails on a
        memref type without one there (and on one with it where the offset is 0): "failed
        to legalize unresolved target materialization". The LLVM GPU backends take either."""
        if not (self.spirv and self.dyn and self._outs()):
            return self.flatmem()
        return f"memref<{self.flat_shape()}x{self.et}, strided<[{self.R * self.C}, 1], offset: ?>>"

    def row_at(self, f: _Func, ind: str, nn: str, row, ch: str, tag: str) -> str:
        """Indices into the workspace of ``row`` (an int, or an index value) of channel
        ``ch``: rows of C follow the statistics partials (2K rows, or 2KG values)."""
        e, idx = f.e, f.idx
        if self.kind == "channels_last":
            if isinstance(row, int):
                return f"{nn}, {idx(2 * self.K + row)}, {ch}"
            e(f"{ind}%x{tag} = arith.addi {row}, {idx(2 * self.K)} : index")
            return f"{nn}, %x{tag}, {ch}"
        base = 2 * self.K * self.W
        if isinstance(row, int):
            e(f"{ind}%x{tag} = arith.addi {ch}, {idx(base + row * self.C)} : index")
            return f"{nn}, %x{tag}"
        e(f"{ind}%x{tag}0 = arith.muli {row}, {idx(self.C)} : index")
        e(f"{ind}%x{tag}1 = arith.addi %x{tag}0, {ch} : index")
        e(f"{ind}%x{tag} = arith.addi %x{tag}1, {idx(base)} : index")
        return f"{nn}, %x{tag}"

    # -- module --------------------------------------------------------------------------
    def _outs(self):
        """(row, binding, value) of the parameter gradients the spec has, in result order."""
        return [o for o, on in (((ROW_DG, "%bdg", "%dg"), self.spec.scale),
                                ((ROW_DB, "%bdb", "%db"), self.spec.center)) if on]

    def functions(self) -> list:
        if self.fused:
            funcs = [("stats", self.SWPS, _bwd_dz.fused_body(self)),
                     ("combine", self.G, _combine.body(self))]
        else:
            funcs = super().functions()[:2]  # stats, combine
            funcs.append(("dzsum", self.DWPS, _bwd_dz.body(self)))
        funcs += [("coef", self.G, _bwd_coef.body(self)),
                  ("dx", self.AWPS, _bwd_dx.body(self))]
        if self._outs():
            funcs.append(("reduce", -(-self.C // self.wgs), self._reduce()))
        return funcs

    def export(self, name: str, per_sample: int) -> List[str]:
        if name != "reduce":
            return super().export(name, per_sample)
        arg = "%n: index" if self.dyn else ""
        return [
            f"    stream.executable.export public @{name} workgroups({arg}) -> "
            "(index, index, index) {",
            f"      %per = arith.constant {per_sample} : index",
            "      %c1 = arith.constant 1 : index",
            "      stream.return %per, %c1, %c1 : index, index, index",
            "    }"]

    def _reduce(self):
        """Row 10 + i of sample 0: the sum over n of the i-th parameter gradient's row (9:
        dgamma, 8: dbeta), a thread per channel, in place. (Results of their own would share
        an allocation with dx, and SPIR-V code generation fails on a binding at an offset
        there: "unresolved target materialization"; the host slices these rows out.)"""
        f = _Func(self.spec)
        f.idx(0)  # (the bindings' subspans start at %c0)
        outs = self._outs()
        e, idx, pt = f.e, f.idx, self.wsmem()
        f0 = f.f32(0.0)
        e(f"{I}%cw = arith.muli %wg, {idx(self.wgs)} : index")
        e(f"{I}%c = arith.addi %cw, %tid : index")
        e(f"{I}%live = arith.cmpi ult, %c, {idx(self.C)} : index")
        e(f"{I}scf.if %live {{")
        n = "%n" if self.dyn else idx(self.N)
        init = ", ".join(f"%a{i} = {f0}" for i in range(len(outs)))
        tys = ", ".join(["f32"] * len(outs))
        e(f"{J}%s:{len(outs)} = scf.for %i = %c0 to {n} step {idx(1)} iter_args({init}) "
          f"-> ({tys}) {{")
        K = J + "  "
        for i, (row, _, _) in enumerate(outs):
            e(f"{K}%l{i} = memref.load %ws[{self.row_at(f, K, '%i', row, '%c', f'r{i}')}] "
              f": {pt}")
            e(f"{K}%b{i} = arith.addf %a{i}, %l{i} : f32")
        e(f"{K}scf.yield {', '.join(f'%b{i}' for i in range(len(outs)))} : {tys}")
        e(f"{J}}}")
        for i in range(len(outs)):
            e(f"{J}memref.store %s#{i}, %ws[{self.row_at(f, J, '%c0', ROW_PG + i, '%c', f'w{i}')}]"
              f" : {pt}")
        e(f"{I}}}")
        return f, [("%bw", "%ws", pt)]

    def _slice_param(self, v: str, i: int, ws: str, d: str) -> list:
        """Host lines: ``v`` (tensor<Cxf32>) = row 10 + i of sample 0 of the workspace."""
        C, ct = self.C, f"tensor<{self.C}xf32>"
        if self.kind == "channels_last":
            at = f"%s0, %sr{i}, %s0 for %s1, %s1, %sc"
            st, r = f"tensor<1x1x{C}xf32>", 2 * self.K + ROW_PG + i
        else:
            at = f"%s0, %sr{i} for %s1, %sc"
            st, r = f"tensor<1x{C}xf32>", 2 * self.K * self.W + (ROW_PG + i) * C
        return [f"    %sr{i} = arith.constant {r} : index",
                f"    {v}2 = flow.tensor.slice %ws4[{at}] : {ws}{d} -> {st}",
                f"    {v} = flow.tensor.reshape {v}2 : {st} -> {ct}"]

    def text(self) -> str:
        """The module: an executable per dispatch. (One executable shares its SPIR-V
        binding variables among its functions, and ``dzsum``'s dy and ``stats``' workspace
        in the same slot fail to lower with a dynamic batch: "'spirv.mlir.addressof' op
        result type mismatch with the referenced global variable's type".)"""
        out = [f"// Hand-written GPU group norm backward for {self.spec.short_name()} "
               f"({self.kind.replace('_', ' ')}, workgroup {self.wgs}, subgroup {self.sg}); "
               "generated by iree_gn/_gpu_kernels/_bwd_module.py.",
               "module @group_norm_gpu_grad {"]
        threads = {"coef": self.CT, "dzsum": self.DT}
        for name, per, (f, binds) in self.functions():
            out.append(f"  stream.executable private @gn_gpu_{name} {{")
            out += self.export(name, per)
            out.append("    builtin.module {")
            head = self.header(f, name, binds)
            head[0] = head[0].replace(f"workgroup_size = [{self.wgs}, 1, 1]",
                                      f"workgroup_size = [{threads.get(name, self.wgs)}, 1, 1]")
            out += head
            out += f.lines
            out += ["        return", "      }", "    }", "  }"]
        return "\n".join(out) + "\n" + self.host()

    def host(self) -> str:
        """``@main`` from the CPU backward's host templates (``_kernels``), the dispatch
        lines here."""
        spec, dyn, et = self.spec, self.dyn, self.et
        full = "x".join("?" if d is None else str(d) for d in spec.shape)
        ft = f"tensor<{full}x{et}>"
        vt, flat = f"tensor<{self.xshape()}x{et}>", f"tensor<{self.flat_shape()}x{et}>"
        ws, ct = f"tensor<{self.ws_shape()}xf32>", f"tensor<{self.C}xf32>"
        pt = f"tensor<{self.C}x{et}>"
        nparams = int(spec.scale) + int(spec.center)
        d = "{%n}" if dyn else ""
        wl, ni, nt = ("[%n]", ", %ni", ", i32") if dyn else ("", "", "")
        pn = "".join(f", %arg{i + 1}" for i in range(nparams))
        gn = ", %arg1" if spec.scale else ""

        def call(res, name, args, tys, rt):
            return (f"    {res} = flow.dispatch @gn_gpu_{name}::@{name}{wl}({args}{ni}) : "
                    f"({tys}{nt}) -> {rt}")

        fx = self.fused  # stats also takes dy; no dzsum
        lines = [
            f"    %xf = flow.tensor.reshape %arg0 : {ft}{d} -> {flat}{d}",
            f"    %dyf = flow.tensor.reshape %dy : {ft}{d} -> {flat}{d}",
            call("%ws0", "stats", "%xv, %dyv" if fx else "%xv",
                 f"{vt}{d}, {vt}{d}" if fx else f"{vt}{d}", f"{ws}{d}"),
            call("%ws1", "combine", f"%xv, %ws0{pn}", f"{vt}{d}, {ws}{d}" + f", {pt}" * nparams,
                 f"%ws0{d}")]
        if not fx:
            lines.append(call("%ws2", "dzsum", "%xv, %dyv, %ws1", f"{vt}{d}, {vt}{d}, {ws}{d}",
                              f"%ws1{d}"))
        w = "%ws1" if fx else "%ws2"
        lines += [
            call("%ws3", "coef", f"{w}{gn}", f"{ws}{d}" + (f", {pt}" if gn else ""), f"{w}{d}"),
            call("%dxf", "dx", "%xf, %dyf, %ws3", f"{flat}{d}, {flat}{d}, {ws}{d}", f"{flat}{d}"),
            f"    %dxv = flow.tensor.reshape %dxf : {flat}{d} -> {vt}{d}",
        ]
        outs = self._outs()
        if outs:
            lines.append(call("%ws4", "reduce", "%ws3", f"{ws}{d}", f"%ws3{d}"))
            lines += [f"    %s{i} = arith.constant {i} : index" for i in (0, 1)]
            lines.append(f"    %sc = arith.constant {self.C} : index")
            for i, (_, _, v) in enumerate(outs):
                lines += self._slice_param(v, i, ws, d)
        fields = dict(
            ft=ft, vt=vt, pargs="".join(f", %arg{i + 1}: {pt}" for i in range(nparams)),
            rtypes=f", {ct}" * len(outs), rnames="".join(f", {v}" for _, _, v in outs),
            dispatch="\n".join(lines))
        name = "host_grad_dynamic.mlir" if dyn else "host_grad_static.mlir"
        return _template(name).substitute(fields).rstrip("\n") + "\n}\n"


def _threads(work: int, wgs: int, sg: int) -> int:
    """A workgroup's threads for ``work`` items: the power of two that covers them, within
    [subgroup, wgs]."""
    t = sg
    while t < min(work, wgs):
        t *= 2
    return min(t, wgs)
