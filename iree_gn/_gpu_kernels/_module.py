"""One spec's GPU module for one GPU row: the tiling of its dispatches, the types of x, the
workspace and y, and the module text (the executable's exports and function prologues here,
the dispatch bodies from a module per family, the host function from a template)."""

from __future__ import annotations

from typing import List, Optional, Tuple

from .. import _kernels
from .._kernels._module import _template
from .._spec import GroupNormSpec
from . import _apply, _combine, _small, _stats_channels_first, _stats_channels_last
from ._emit import _Func
from ._select import (_APPLY_UNROLL, _DYN_BATCH, _ELEM, _MAX_COLS, _MIN_ITERS,
                      _TARGET_WORKGROUPS, _vector_lanes)


class _Module:
    """The three dispatches (or the one-dispatch form) and the host function for one spec
    and one GPU row."""

    def __init__(self, spec: GroupNormSpec, kind: str, wgs: int, sg: int, spirv: bool,
                 small: bool = False):
        self.spec, self.kind, self.wgs, self.sg, self.spirv = spec, kind, wgs, sg, spirv
        self.small = small
        self.et = _ELEM[spec.dtype]
        self.dyn = spec.shape[0] is None
        self.N = spec.shape[0]
        self.C, self.G = spec.channels, spec.groups
        self.cg = self.C // self.G
        self.R = _kernels._rows(spec)
        self.mcz = spec.mean_close_to_zero
        nb = self.N if not self.dyn else _DYN_BATCH
        if kind == "channels_last":
            self._plan_channels_last(nb)
        else:
            self._plan_channels_first(nb)
        # apply: x flat per sample, vectors that stay within one channel's run
        self.AVL = _vector_lanes(spec, self.C if kind == "channels_last" else self.R, spirv)
        self.Q = self.R * self.C // self.AVL  # vectors per sample
        self.AT = self.wgs * _APPLY_UNROLL  # vectors per workgroup
        self.AWPS = -(-self.Q // self.AT)

    # -- tiling --------------------------------------------------------------------------
    def _plan_channels_last(self, nb: int) -> None:
        self.VL = _vector_lanes(self.spec, self.C, self.spirv)
        self.Cv = self.C // self.VL  # vector columns
        # Threads along C: a power of two that divides the vector columns (every thread
        # busy: float16 C=320 is 40 columns, 8 threads x 5 blocks), at least 8 for 128-byte
        # row pieces; else the smallest power of two that covers them (the rest idle).
        tc = next((t for t in (64, 32, 16, 8) if t <= _MAX_COLS and self.Cv % t == 0), None)
        if tc is None:
            tc = 1
            while tc < min(self.Cv, _MAX_COLS):
                tc *= 2
        self.TC = min(tc, self.wgs)
        self.TR = self.wgs // self.TC
        self.CBK = -(-self.Cv // self.TC)  # channel blocks
        most = max(1, self.R // (self.TR * _MIN_ITERS))
        want = -(-_TARGET_WORKGROUPS // (nb * self.CBK))
        k = max(1, min(want, most))
        rb = -(-self.R // k)
        self.RB = -(-rb // self.TR) * self.TR  # rows per block: whole thread rows
        self.K = -(-self.R // self.RB)
        self.W = self.C  # partial entries per sample: one per channel
        self.E = self.cg  # entries per group
        self.SWPS = self.CBK * self.K  # statistics workgroups per sample

    def _plan_channels_first(self, nb: int) -> None:
        self.L = self.cg * self.R
        self.VL = _vector_lanes(self.spec, self.L, self.spirv)
        self.Lv = self.L // self.VL
        most = max(1, self.Lv // (self.wgs * _MIN_ITERS))
        want = -(-_TARGET_WORKGROUPS // (nb * self.G))
        self.K = max(1, min(want, most))
        self.LB = -(-self.Lv // self.K)  # vectors per chunk
        self.K = -(-self.Lv // self.LB)
        self.W = self.G
        self.E = 1
        self.SWPS = self.G * self.K

    # -- types ---------------------------------------------------------------------------
    @property
    def nn(self) -> str:
        """A dispatch's name for its sample (``%n`` is N itself for a dynamic batch)."""
        return "%n" if not self.dyn else "%nn"

    def dim(self) -> str:
        return "?" if self.dyn else str(self.N)

    def dims(self) -> str:
        return "{%n}" if self.dyn else ""

    def xshape(self) -> str:
        if self.kind == "channels_last":
            return f"{self.dim()}x{self.R}x{self.C}"
        return f"{self.dim()}x{self.G}x{self.L}"

    def flat_shape(self) -> str:
        return f"{self.dim()}x{self.R * self.C}"

    def ws_shape(self) -> str:
        """The float32 workspace, per sample: the partials [K, 2, W], then k, a, b [3, C]
        (channels last: rows of C, [2K + 3, C], so vector accesses stay row-aligned). One
        tensor, updated in place by ``combine``: two transient tensors would share one
        allocation, and SPIR-V code generation of the second's non-zero binding offset
        fails ("failed to legalize unresolved target materialization")."""
        if self.kind == "channels_last":  # rows of C: every vector access is row-aligned
            return f"{self.dim()}x{2 * self.K + 3}x{self.C}"
        return f"{self.dim()}x{2 * self.K * self.W + 3 * self.C}"

    def xmem(self) -> str:
        return f"memref<{self.xshape()}x{self.et}>"

    def flatmem(self) -> str:
        return f"memref<{self.flat_shape()}x{self.et}>"

    def wsmem(self) -> str:
        return f"memref<{self.ws_shape()}xf32>"

    def ws_at(self, f: _Func, ind: str, nn: str, part: Optional[Tuple[str, int]], w: str,
              tag: str) -> str:
        """Indices into the workspace of partial ``part = (kb, which)`` of entry ``w``, or
        with ``part`` None of parameter row ``which`` (0 k, 1 a, 2 b) of channel ``w``."""
        e, idx = f.e, f.idx
        kb, which = part if part else (None, int(tag[-1]))
        if self.kind == "channels_last":
            if part:
                e(f"{ind}%r{tag}0 = arith.muli {kb}, {idx(2)} : index")
                e(f"{ind}%r{tag} = arith.addi %r{tag}0, {idx(which)} : index")
                return f"{nn}, %r{tag}, {w}"
            return f"{nn}, {idx(2 * self.K + which)}, {w}"
        if part:
            e(f"{ind}%r{tag}0 = arith.muli {kb}, {idx(2 * self.W)} : index")
            e(f"{ind}%r{tag}1 = arith.addi %r{tag}0, {w} : index")
            e(f"{ind}%r{tag} = arith.addi %r{tag}1, {idx(which * self.W)} : index")
        else:
            e(f"{ind}%r{tag} = arith.addi {w}, {idx(2 * self.K * self.W + which * self.C)}"
              " : index")
        return f"{nn}, %r{tag}"

    # -- module --------------------------------------------------------------------------
    def functions(self) -> list:
        """(name, workgroups per sample, (body, bindings)) of each dispatch."""
        if self.small:
            return [("small", self.G, _small.body(self))]
        stats = (_stats_channels_last if self.kind == "channels_last"
                 else _stats_channels_first).body(self)
        return [("stats", self.SWPS, stats), ("combine", self.G, _combine.body(self)),
                ("apply", self.AWPS, _apply.body(self))]

    def header(self, f: _Func, name: str, binds) -> List[str]:
        """The function signature, its bindings and the workgroup/thread ids."""
        ops = ", ".join(f"{b}: !stream.binding" for b, _, _ in binds)
        if self.dyn:
            ops += ", %n_i32: i32"
        ti = (f"#iree_codegen.translation_info<pipeline = #iree_codegen.no_pipeline "
              f"workgroup_size = [{self.wgs}, 1, 1] subgroup_size = {self.sg}>")
        out = [f"      func.func @{name}({ops}) attributes {{translation_info = {ti}}} {{"]
        out += f.const_lines()
        if self.dyn:
            out.append("        %n = arith.index_castui %n_i32 : i32 to index")
        out.append("        %wg = hal.interface.workgroup.id[0] : index")
        out.append("        %tid = gpu.thread_id x")
        for b, v, t in binds:
            d = self.dims() if t.startswith("memref<?") else ""
            out.append(f"        {v} = stream.binding.subspan {b}[%c0] : !stream.binding -> "
                       f"{t}{d}")
        return out

    def export(self, name: str, per_sample: int) -> List[str]:
        """The export of ``@name``: a grid of ``per_sample`` x N workgroups (N from the
        workload for a dynamic batch)."""
        if self.dyn:
            return [
                f"    stream.executable.export public @{name} workgroups(%n: index) -> "
                "(index, index, index) {",
                f"      %per = arith.constant {per_sample} : index",
                "      %c1 = arith.constant 1 : index",
                "      stream.return %per, %n, %c1 : index, index, index",
                "    }"]
        return [
            f"    stream.executable.export public @{name} workgroups() -> (index, index, index) {{",
            f"      %w = arith.constant {per_sample} : index",
            f"      %n = arith.constant {self.N} : index",
            "      %c1 = arith.constant 1 : index",
            "      stream.return %w, %n, %c1 : index, index, index",
            "    }"]

    def text(self) -> str:
        funcs = self.functions()
        out = [
            # The file named here moved into the package _gpu_kernels/; the line stays as it
            # was, since the module text is part of every cache key and of the goldens.
            f"// Hand-written GPU group norm for {self.spec.short_name()} "
            f"({self.kind.replace('_', ' ')}, workgroup {self.wgs}, subgroup {self.sg}); "
            "generated by iree_gn/_gpu_kernels.py.",
            "module @group_norm_gpu {",
            "  stream.executable private @gn_gpu {",
        ]
        for name, per, _ in funcs:
            out += self.export(name, per)
        out.append("    builtin.module {")
        for name, _, (f, binds) in funcs:
            out += self.header(f, name, binds)
            out += f.lines
            out += ["        return", "      }"]
        out += ["    }", "  }"]
        return "\n".join(out) + "\n" + self.host()

    def host(self) -> str:
        """``@main`` (host_small.mlir, host_static.mlir or host_dynamic.mlir)."""
        spec = self.spec
        full = "x".join("?" if d is None else str(d) for d in spec.shape)
        pt = f"tensor<{self.C}x{self.et}>"
        nparams = int(spec.scale) + int(spec.center)
        name = ("host_small.mlir" if self.small else
                "host_dynamic.mlir" if self.dyn else "host_static.mlir")
        text = _template(name, __file__).substitute(
            ft=f"tensor<{full}x{self.et}>", vt=f"tensor<{self.xshape()}x{self.et}>",
            flat=f"tensor<{self.flat_shape()}x{self.et}>", ws=f"tensor<{self.ws_shape()}xf32>",
            pargs="".join(f", %arg{i + 1}: {pt}" for i in range(nparams)),
            pnames="".join(f", %arg{i + 1}" for i in range(nparams)),
            ptypes=f", {pt}" * nparams)
        return text.rstrip("\n") + "\n"
