"""A kernel module: the ``stream.executable`` of a kernel's functions and the host functions
that dispatch them (templates: the host wrapper's text is fixed, the dispatches vary)."""

from __future__ import annotations

import functools
import os
import re
import string
from typing import List, Optional

from .._spec import GroupNormSpec
from ._emit import _Emitter
from ._select import _BYTES


def _widen(text: str) -> str:
    """A float64 module from the float32 one (``_Emitter.wide``): every ``f32`` type made
    ``f64`` (SSA names such as ``%f32p0`` stay as they are)."""
    return re.sub(r"(?<![%\w])f32\b|(?<=x)f32\b", "f64", text)


@functools.lru_cache(maxsize=None)
def _template(name: str, beside: str = __file__) -> string.Template:
    """A host template in the folder of ``beside`` (this file's by default; the GPU kernels
    pass theirs), less its leading ``//`` comment lines."""
    with open(os.path.join(os.path.dirname(os.path.abspath(beside)), name)) as f:
        lines = f.read().split("\n")
    while lines and lines[0].startswith("//"):
        lines.pop(0)
    return string.Template("\n".join(lines))


class _Kernel(_Emitter):
    """One kernel family's module. Subclasses give ``xmem()`` (x's memref type),
    ``per_sample()`` (workgroups per sample) and ``body()`` (the function's lines), or
    ``functions()`` for several functions."""

    # A dynamic batch's kernel for N = 1 (see _ChannelsLast.functions).
    split: Optional["_Kernel"] = None
    # The user's spec, where ``spec`` is its rank-3 view (``_select.view``): x's type in the
    # host functions; and the view's samples per index of x's axis 0 (a dynamic batch).
    outer: Optional[GroupNormSpec] = None
    keep: int = 1

    @property
    def n_dim(self) -> str:
        """N in a type: the batch size, or ``?`` for a dynamic batch (the kernel then reads
        it from its last operand, ``%nsz``)."""
        return "?" if self.N is None else str(self.N)

    def params(self):
        """(binding, name) of gamma and beta, those the spec has."""
        return [p for p, on in ((("%bg", "%g"), self.gamma), (("%bb", "%b"), self.beta)) if on]

    def functions(self):
        """The executable's exports: (name, workgroups per sample (see ``export``),
        [(binding, value or None (no subspan), memref type)], body lines). One by default: x
        and the parameters in, y out."""
        xty, pty = self.xmem(), f"memref<{self.C}x{self.et}>"
        binds = [("%bx", "%x", xty)] + [(b, v, pty) for b, v in self.params()] + \
            [("%by", "%y", xty)]
        self.lines = []
        return [("gn", self.per_sample(), binds, self.body())]

    def host(self, xt: str, vt: str, pt: str) -> List[str]:
        """The host function's dispatches, from ``%xv`` (x's buffer, of type ``xt``), its
        byte offset ``%xoff`` and the parameters ``%arg1``.. to ``%yv`` (of type ``vt``).
        A dynamic batch adds the workload ``[%n]`` and the operand ``%ni`` (N as i32)."""
        n = len(self.params())
        wl, nargs, ntys = self.dyn_operands()
        args = ", ".join(["%xv"] + [f"%arg{i + 1}" for i in range(n)] + ["%xoff"] + nargs)
        tys = ", ".join([xt] + [pt] * n + ["i32"] + ntys)
        return [f"    %yv = flow.dispatch @gn_kernel::@gn{wl}({args}) : ({tys}) -> {vt}"]

    def dispatches(self, xt: str, vt: str, pt: str) -> List[str]:
        """``%yv`` (of type ``vt``, with ``{%n}`` for a dynamic batch) from x."""
        return self.host(xt, vt + ("{%n}" if self.N is None else ""), pt)

    def dyn_operands(self):
        """(workload, extra operands, their types) of a dispatch: none for a static batch;
        for a dynamic one the workload ``[%n]`` (the export's workgroup count is computed
        from it) and N again as an operand, since the kernel sees only its operands."""
        if self.N is None:
            return "[%n]", ["%ni"], ["i32"]
        return "", [], []

    def module(self) -> str:
        out = [
            f"// Hand-written group norm for {(self.outer or self.spec).short_name()} "
            f"({self.kind}); generated"
            " by iree_gn/_kernels/.",
            "module @group_norm_kernel {",
            *self.executable(),
            *self.hosts(),
            "}",
        ]
        return _widen("\n".join(out) + "\n") if self.wide else "\n".join(out) + "\n"

    def executable(self) -> List[str]:
        """``stream.executable @gn_kernel``: the exports and their kernel functions."""
        funcs = self.functions()  # fills self._consts
        consts = self.const_lines()
        out = ["  stream.executable private @gn_kernel {"]
        for name, per, _, _ in funcs:
            out += self.export(name, per)
        out.append("    builtin.module {")
        dyn = self.N is None
        for name, _, binds, body in funcs:
            out.append(f"      func.func @{name}(" + ", ".join(
                f"{b}: !stream.binding" for b, _, _ in binds) + ", %xoff: i32"
                + (", %ni: i32" if dyn else "") + ") {")
            # Every function gets every constant (SSA values are per function); the unused
            # ones fold away.
            out += consts
            out.append("        %wg = hal.interface.workgroup.id[0] : index")
            out.append("        %xoffb = arith.index_castui %xoff : i32 to index")
            if dyn:
                out.append("        %nsz = arith.index_castui %ni : i32 to index")
            out += [self.subspan(b, v, t) for b, v, t in binds if v is not None]
            out += body
            out += ["        return", "      }"]
        return out + ["    }", "  }"]

    @staticmethod
    def subspan(b: str, v: str, t: str, ind: str = "        ") -> str:
        """``v``: binding ``b`` as a memref of type ``t`` (x at its byte offset)."""
        return (f"{ind}{v} = stream.binding.subspan {b}[{'%xoffb' if v == '%x' else '%c0'}]"
                f" : !stream.binding -> {t}{'{%nsz}' if '<?x' in t else ''}")

    def export(self, name: str, per) -> List[str]:
        """The export of ``@name``: ``per`` workgroups per sample, N x ``per`` in all (N from
        the dispatch's workload for a dynamic batch); ``per = (k, p)``: k workgroups when
        N = 1, else N x p."""
        if isinstance(per, tuple):
            return [
                f"    stream.executable.export public @{name} workgroups(%wl: index) -> (index, index, index) {{",
                f"      %k = arith.constant {per[0]} : index",
                f"      %per = arith.constant {per[1]} : index",
                "      %c1 = arith.constant 1 : index",
                "      %nw = arith.muli %wl, %per : index",
                "      %one = arith.cmpi eq, %wl, %c1 : index",
                "      %n = arith.select %one, %k, %nw : index",
                "      stream.return %n, %c1, %c1 : index, index, index",
                "    }",
            ]
        if self.N is None:
            return [
                f"    stream.executable.export public @{name} workgroups(%wl: index) -> (index, index, index) {{",
                f"      %per = arith.constant {per} : index",
                "      %n = arith.muli %wl, %per : index",
                "      %c1 = arith.constant 1 : index",
                "      stream.return %n, %c1, %c1 : index, index, index",
                "    }",
            ]
        return [
            f"    stream.executable.export public @{name} workgroups() -> (index, index, index) {{",
            f"      %n = arith.constant {self.N * per} : index",
            "      %c1 = arith.constant 1 : index",
            "      stream.return %n, %c1, %c1 : index, index, index",
            "    }",
        ]

    def hosts(self) -> List[str]:
        """``@main``, ``@main_off`` and ``@main_off_out`` (host_static.mlir or
        host_dynamic.mlir), around this kernel's dispatches."""
        et, dyn = self.et, self.N is None
        per = self.per_n  # elements per sample of the view
        outer = (self.outer or self.spec).shape
        pt = f"tensor<{self.C}x{et}>"
        np_ = len(self.params())
        vt = "tensor<" + self.xmem()[len("memref<"):]
        fields = dict(
            ft="tensor<" + "".join(f"{'?' if d is None else d}x" for d in outer) + f"{et}>",
            vt=vt, et=et, per=per, keep=self.keep, es=_BYTES[self.spec.dtype],
            pargs="".join(f", %arg{i + 1}: {pt}" for i in range(np_)),
            pnames="".join(f", %arg{i + 1}" for i in range(np_)),
            ptypes=f", {pt}" * np_)
        off = "\n".join(self.dispatches(f"tensor<?x{et}>{{%xn}}", vt, pt))
        if dyn:
            text = _template("host_dynamic.mlir").substitute(fields, dispatch=off)
        else:
            flat = f"tensor<{self.N * per}x{et}>"
            text = _template("host_static.mlir").substitute(
                fields, flat=flat, dispatch_off=off,
                dispatch_main="\n".join(self.dispatches(flat, vt, pt)))
        return text.rstrip("\n").split("\n")
