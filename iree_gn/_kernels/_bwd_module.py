"""What every backward kernel module shares: its host function and the reduction over the
batch of the per-(sample, channel) parameter-gradient partials.

A backward kernel family subclasses :class:`_BwdKernel` (and, to reuse its forward's
emitters, its forward class) and gives:

* ``kind`` (a word for the module's header) and ``serves(spec) -> bool`` (a classmethod:
  the family's own limits on a spec of its layout, e.g. a block that fits in cache);
* ``xmem()``: the memref type x, dy and dx are viewed as by its kernels (N as ``n_dim``:
  ``?`` for a dynamic batch);
* ``part_rows``: P >= 2, the rows of its float32 partials ``part``, ``[N, P, C]``;
* ``grad_functions()``: the kernel functions, as ``_Kernel.functions`` (name, workgroups
  per sample, bindings, body lines);
* ``grad_dispatches(xt, pt)``: the host lines that, from ``%xv`` and ``%dyv`` (x and dy, of
  type ``xt``: ``xmem()`` as a tensor, with ``{%n}`` for a dynamic batch), the parameters
  ``%arg1``.. (``pt``), ``%xoff`` (0, i32) and for a dynamic batch ``%n`` (index, the
  workload) and ``%ni`` (i32), define ``%dxv`` (type ``xt``) and ``%part`` (type
  ``self.part_type("tensor")``).

The partials contract: ``part[n, 0, c]`` = sum of dz over sample n's elements of channel c
(dbeta's part), ``part[n, 1, c]`` = sum of dz * xhat there (dgamma's part); rows 2.. are the
family's scratch. This class adds the ``@reduce`` dispatch (one workgroup: the sums over n,
in float32, in order) and the host function ``@main(x, [gamma], [beta], dy) -> (dx,
[dgamma], [dbeta])`` (``host_grad_static.mlir`` / ``host_grad_dynamic.mlir``), dgamma and
dbeta as ``tensor<Cxf32>``. ``_kernels.grad_module_text`` returns ``module()``; ``_grad``
appends ``main_out`` (``_export.add_out_entry``).
"""

from __future__ import annotations

from typing import List

from ._module import _Kernel, _template


class _BwdKernel(_Kernel):
    part_rows = 2

    @classmethod
    def serves(cls, spec) -> bool:
        return True

    def part_type(self, kind: str = "memref") -> str:
        return f"{kind}<{self.n_dim}x{self.part_rows}x{self.C}xf32>"

    def grad_functions(self):
        raise NotImplementedError

    def grad_dispatches(self, xt: str, pt: str) -> List[str]:
        raise NotImplementedError

    def functions(self):
        self.idx(0)  # (subspans of bindings other than x start at %c0)
        funcs = self.grad_functions()
        if self.gamma or self.beta:
            self.lines = []
            funcs.append(("reduce", 1, self._reduce_binds(), self._reduce_body()))
        return funcs

    def export(self, name: str, per) -> List[str]:
        if name != "reduce":
            return super().export(name, per)
        return [
            f"    stream.executable.export public @{name} workgroups() -> (index, index, index) {{",
            "      %c1 = arith.constant 1 : index",
            "      stream.return %c1, %c1, %c1 : index, index, index",
            "    }",
        ]

    def _outs(self):
        """(binding, value) of the parameter gradients the spec has, in result order."""
        return [p for p, on in ((("%bdg", "%dg"), self.gamma), (("%bdb", "%db"), self.beta))
                if on]

    def _reduce_binds(self):
        ct = f"memref<{self.C}xf32>"
        return [("%bp", "%part", self.part_type())] + [(b, v, ct) for b, v in self._outs()]

    def _reduce_body(self) -> List[str]:
        """dgamma[c] = sum_n part[n, 1, c], dbeta[c] = sum_n part[n, 0, c]."""
        e, I = self.e, "        "
        VL = next(v for v in (16, 8, 4, 2, 1) if self.C % v == 0)
        V = f"vector<{VL}xf32>" if VL > 1 else "f32"
        pm, ct = self.part_type(), f"memref<{self.C}xf32>"
        zero = "%rz" if VL > 1 else self.f32(0.0)
        if VL > 1:
            e(f"{I}%rz = arith.constant dense<0.0> : {V}")
        nn = "%nsz" if self.N is None else self.idx(self.N)
        rows = [(1, "%dg")] if self.gamma else []
        rows += [(0, "%db")] if self.beta else []
        e(f"{I}scf.for %c = {self.idx(0)} to {self.idx(self.C)} step {self.idx(VL)} {{")
        acc = ", ".join(f"%a{w} = {zero}" for w, _ in rows)
        e(f"{I}  %s:{len(rows)} = scf.for %i = {self.idx(0)} to {nn} step {self.idx(1)} "
          f"iter_args({acc}) -> ({', '.join([V] * len(rows))}) {{")
        for w, _ in rows:
            op = "vector.load" if VL > 1 else "memref.load"
            e(f"{I}    %l{w} = {op} %part[%i, {self.idx(w)}, %c] : {pm}"
              + (f", {V}" if VL > 1 else ""))
            e(f"{I}    %u{w} = arith.addf %a{w}, %l{w} : {V}")
        e(f"{I}    scf.yield {', '.join(f'%u{w}' for w, _ in rows)} : {', '.join([V] * len(rows))}")
        e(f"{I}  }}")
        for i, (_, out) in enumerate(rows):
            if VL > 1:
                e(f"{I}  vector.store %s#{i}, {out}[%c] : {ct}, {V}")
            else:
                e(f"{I}  memref.store %s#{i}, {out}[%c] : {ct}")
        e(f"{I}}}")
        return self.lines

    def hosts(self) -> List[str]:
        """``@main`` (host_grad_static.mlir or host_grad_dynamic.mlir) around the family's
        dispatches and the reduction's."""
        et, dyn = self.et, self.N is None
        pt = f"tensor<{self.C}x{et}>"
        np_ = len(self.params())
        vt = "tensor<" + self.xmem()[len("memref<"):]
        ft = f"tensor<{self.n_dim}{''.join(f'x{d}' for d in self.spec.shape[1:])}x{et}>"
        outs = self._outs()
        ct = f"tensor<{self.C}xf32>"
        xt = vt + ("{%n}" if dyn else "")
        lines = self.grad_dispatches(xt, pt)
        if outs:
            pdt = self.part_type("tensor") + ("{%n}" if dyn else "")
            res = ", ".join(v for _, v in outs)
            rt = ", ".join([ct] * len(outs))
            lines.append(f"    {res} = flow.dispatch @gn_kernel::@reduce(%part, %xoff"
                         f"{', %ni' if dyn else ''}) : ({pdt}, i32{', i32' if dyn else ''})"
                         f" -> ({rt})")
        fields = dict(
            ft=ft, vt=vt,
            pargs="".join(f", %arg{i + 1}: {pt}" for i in range(np_)),
            rtypes=f", {ct}" * len(outs),
            rnames="".join(f", {v}" for _, v in outs),
            dispatch="\n".join(lines))
        name = "host_grad_dynamic.mlir" if dyn else "host_grad_static.mlir"
        return _template(name).substitute(fields).rstrip("\n").split("\n")

    def module(self) -> str:
        text = super().module()
        return text.replace("// Hand-written group norm for", "// Hand-written group norm "
                            "backward for", 1)
