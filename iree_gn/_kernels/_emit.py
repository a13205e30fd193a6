"""Emission helpers shared by every kernel family: lines, constants, loads and stores that
widen 16-bit floats to float32, the normalize arithmetic and the named activations."""

from __future__ import annotations

from typing import List

import numpy as np

from .._spec import GroupNormSpec
from ._select import _ELEM, _rows


def _f64_literal(v: float) -> str:
    """``v`` as an MLIR float literal that parses back to the same float64."""
    r = repr(float(v))
    m, _, ex = r.partition("e")
    if "." not in m and m not in ("inf", "-inf", "nan"):
        m += ".0"
    return m + ("e" + ex if ex else "")


def _f32_literal(v: float) -> str:
    """``v`` rounded to float32, as an MLIR float literal that parses back to that value."""
    r = repr(float(np.float32(v)))
    m, _, ex = r.partition("e")
    if "." not in m:
        m += ".0"
    return m + ("e" + ex if ex else "")


class _Emitter:
    """Emits the MLIR lines of one kernel function for ``spec`` into ``self.lines``, with the
    constants it uses collected in ``self._consts`` (declared once per function)."""

    def __init__(self, spec: GroupNormSpec):
        self.spec = spec
        # float64 is emitted as float32 (no widening loads or narrowing stores) and every
        # f32 made f64 afterwards (_module._widen): statistics, constants (float64
        # literals) and activations all in float64.
        self.wide = spec.dtype == "float64"
        self.et = "f32" if self.wide else _ELEM[spec.dtype]
        self.C = spec.channels
        self.G = spec.groups
        self.cg = self.C // self.G
        self.N = spec.shape[0]
        self.R = _rows(spec)
        self.gamma = spec.scale
        self.beta = spec.center
        self.lines: List[str] = []
        self._consts = {}

    # -- emission helpers ----------------------------------------------------------------
    def e(self, line: str) -> None:
        self.lines.append(line)

    def idx(self, v: int) -> str:
        self._consts.setdefault(("index", v), f"%c{v}")
        return f"%c{v}"

    def f32(self, v: float) -> str:
        name = "%f" + repr(float(v)).replace(".", "p").replace("-", "m").replace("+", "")
        self._consts.setdefault(("f32", v), name)
        return name

    def vec(self, lanes: int, et: str = "f32") -> str:
        return f"vector<{lanes}x{et}>"

    def load(self, ind, name, mem, idxs, memty, lanes):
        """Load ``lanes`` elements (a scalar when lanes == 0) as float32."""
        if lanes:
            nt, wt = self.vec(lanes, self.et), self.vec(lanes)
            self.e(f"{ind}{name}_r = vector.load {mem}[{idxs}] : {memty}, {nt}")
        else:
            nt, wt = self.et, "f32"
            self.e(f"{ind}{name}_r = memref.load {mem}[{idxs}] : {memty}")
        if self.et == "f32":
            return f"{name}_r"
        self.e(f"{ind}{name} = arith.extf {name}_r : {nt} to {wt}")
        return name

    def store(self, ind, name, val, mem, idxs, memty, lanes):
        if lanes:
            nt, wt = self.vec(lanes, self.et), self.vec(lanes)
        else:
            nt, wt = self.et, "f32"
        if self.et != "f32":
            self.e(f"{ind}{name}_n = arith.truncf {val} : {wt} to {nt}")
            val = f"{name}_n"
        if lanes:
            self.e(f"{ind}vector.store {val}, {mem}[{idxs}] : {memty}, {nt}")
        else:
            self.e(f"{ind}memref.store {val}, {mem}[{idxs}] : {memty}")

    def const_lines(self) -> List[str]:
        """The declarations of the constants used so far (a function's prologue): every
        function declares them all, since SSA values are per function; unused ones fold."""
        out = []
        for (kind, v), name in sorted(self._consts.items(), key=lambda kv: kv[1]):
            lit = f"{v} : index" if kind == "index" else \
                f"{(_f64_literal if self.wide else _f32_literal)(v)} : f32"
            out.append(f"        {name} = arith.constant {lit}")
        return out

    def variance(self, I, s1, s2, count, mean, ex2, sq):
        """``%var0 = E[d^2] - E[d]^2`` from the sums ``s1`` of d and ``s2`` of d^2 over
        ``count`` (an f32 constant's name) elements; ``mean`` (E[d]), ``ex2`` and ``sq``
        (E[d]^2) name the intermediates (the mean is the caller's to use)."""
        self.e(f"{I}{mean} = arith.divf {s1}, {count} : f32")
        self.e(f"{I}{ex2} = arith.divf {s2}, {count} : f32")
        self.e(f"{I}{sq} = arith.mulf {mean}, {mean} : f32")
        self.e(f"{I}%var0 = arith.subf {ex2}, {sq} : f32")

    def rstd(self, I, var0):
        """%rstd = rsqrt(max(var0, 0) + epsilon), float32."""
        self.e(f"{I}%var = arith.maximumf {var0}, {self.f32(0.0)} : f32")
        self.e(f"{I}%ve = arith.addf %var, {self.f32(self.spec.epsilon)} : f32")
        self.e(f"{I}%rstd = math.rsqrt %ve : f32")

    def scale_shift(self, I, ch, d):
        """Names of ``a = rstd * gamma[ch]`` and ``b = beta[ch] - d * a`` (float32 scalars;
        gamma 1 and beta 0 where the spec has none), with ``d`` the mean less the shift."""
        pty = f"memref<{self.C}x{self.et}>"
        a = "%rstd"
        if self.gamma:
            g = self.load(I, "%gj", "%g", ch, pty, 0)
            self.e(f"{I}%aj = arith.mulf %rstd, {g} : f32")
            a = "%aj"
        self.e(f"{I}%da = arith.mulf {d}, {a} : f32")
        if self.beta:
            b = self.load(I, "%bj", "%b", ch, pty, 0)
            self.e(f"{I}%bo = arith.subf {b}, %da : f32")
        else:
            self.e(f"{I}%bo = arith.negf %da : f32")
        return a, "%bo"

    def splat(self, ind, name, scalar, ty):
        self.e(f"{ind}{name} = vector.broadcast {scalar} : f32 to {ty}")
        return name

    def activation(self, ind, name, y, ty, lanes):
        """``act(y)`` in float32 (the JAX functions of ``_activations``)."""
        act = self.spec.activation
        if act is None:
            return y
        splats = {}

        def c(v):
            if not lanes:
                return self.f32(v)
            if v not in splats:
                splats[v] = self.splat(ind, f"{name}_k{len(splats)}", self.f32(v), ty)
            return splats[v]

        if act == "relu":
            self.e(f"{ind}{name} = arith.maximumf {y}, {c(0.0)} : {ty}")
        elif act == "relu6":
            self.e(f"{ind}{name}_lo = arith.maximumf {y}, {c(0.0)} : {ty}")
            self.e(f"{ind}{name} = arith.minimumf {name}_lo, {c(6.0)} : {ty}")
        elif act == "leaky_relu":  # slope 0.2 < 1: max(y, 0.2 y) == where(y >= 0, y, 0.2 y)
            self.e(f"{ind}{name}_s = arith.mulf {y}, {c(0.2)} : {ty}")
            self.e(f"{ind}{name} = arith.maximumf {y}, {name}_s : {ty}")
        elif act == "tanh":
            self.tanh(ind, name, y, ty, c)
        elif act == "elu":  # where(y > 0, y, expm1(y)), TF/JAX alpha 1
            if self.wide:  # expm1(y) = 2t / (1 - t), t = tanh(y / 2), as _activations._elu
                self.e(f"{ind}{name}_mn = arith.minimumf {y}, {c(0.0)} : {ty}")
                self.e(f"{ind}{name}_hf = arith.mulf {name}_mn, {c(0.5)} : {ty}")
                t = self.tanh(ind, f"{name}_t", f"{name}_hf", ty, c)
                self.e(f"{ind}{name}_t2 = arith.addf {t}, {t} : {ty}")
                self.e(f"{ind}{name}_om = arith.subf {c(1.0)}, {t} : {ty}")
                self.e(f"{ind}{name}_em = arith.divf {name}_t2, {name}_om : {ty}")
            else:
                self.e(f"{ind}{name}_em = math.expm1 {y} : {ty}")
            self.e(f"{ind}{name}_gt = arith.cmpf ogt, {y}, {c(0.0)} : {ty}")
            self.e(f"{ind}{name} = arith.select {name}_gt, {y}, {name}_em : "
                   f"{ty.replace('f32', 'i1')}, {ty}")
        elif act == "gelu":  # exact: y/2 (1 + erf(y / sqrt 2))
            self.e(f"{ind}{name}_s = arith.mulf {y}, {c(0.7071067811865476)} : {ty}")
            self.e(f"{ind}{name}_erf = math.erf {name}_s : {ty}")
            self.e(f"{ind}{name}_p = arith.addf {name}_erf, {c(1.0)} : {ty}")
            self.e(f"{ind}{name}_h = arith.mulf {y}, {c(0.5)} : {ty}")
            self.e(f"{ind}{name} = arith.mulf {name}_h, {name}_p : {ty}")
        elif act == "gelu_tanh":  # y/2 (1 + tanh(sqrt(2/pi) (y + 0.044715 y^3)))
            self.e(f"{ind}{name}_y2 = arith.mulf {y}, {y} : {ty}")
            self.e(f"{ind}{name}_y3 = arith.mulf {name}_y2, {y} : {ty}")
            self.e(f"{ind}{name}_in = math.fma {name}_y3, {c(0.044715)}, {y} : {ty}")
            self.e(f"{ind}{name}_sc = arith.mulf {name}_in, {c(0.7978845608028654)} : {ty}")
            th = self.tanh(ind, f"{name}_th", f"{name}_sc", ty, c)
            self.e(f"{ind}{name}_p = arith.addf {th}, {c(1.0)} : {ty}")
            self.e(f"{ind}{name}_h = arith.mulf {y}, {c(0.5)} : {ty}")
            self.e(f"{ind}{name} = arith.mulf {name}_h, {name}_p : {ty}")
        else:  # sigmoid, silu: 1 / (1 + exp(-y)), times y for silu
            self.e(f"{ind}{name}_ng = arith.negf {y} : {ty}")
            self.e(f"{ind}{name}_ex = math.exp {name}_ng : {ty}")
            self.e(f"{ind}{name}_de = arith.addf {name}_ex, {c(1.0)} : {ty}")
            num = y if act == "silu" else c(1.0)
            self.e(f"{ind}{name} = arith.divf {num}, {name}_de : {ty}")
        return name

    def tanh(self, ind, name, y, ty, c):
        """``name = tanh(y)``; float64 as ``_activations._tanh`` computes it (IREE's float64
        ``math.tanh`` calls libm's ``tanh``, which its embedded linker lacks): Cephes'
        rational function below |y| = 0.625, ``(1 - e) / (1 + e)`` with ``e = exp(-2|y|)``
        above, the sign copied back. ``c(v)`` names the constant v in ``ty``."""
        if not self.wide:
            self.e(f"{ind}{name} = math.tanh {y} : {ty}")
            return name
        from .._activations import _TANH_P as p, _TANH_Q as q

        e = self.e
        e(f"{ind}{name}_a = math.absf {y} : {ty}")
        e(f"{ind}{name}_s = arith.mulf {name}_a, {name}_a : {ty}")
        e(f"{ind}{name}_p0 = math.fma {c(p[0])}, {name}_s, {c(p[1])} : {ty}")
        e(f"{ind}{name}_p1 = math.fma {name}_p0, {name}_s, {c(p[2])} : {ty}")
        e(f"{ind}{name}_q0 = arith.addf {name}_s, {c(q[0])} : {ty}")
        e(f"{ind}{name}_q1 = math.fma {name}_q0, {name}_s, {c(q[1])} : {ty}")
        e(f"{ind}{name}_q2 = math.fma {name}_q1, {name}_s, {c(q[2])} : {ty}")
        e(f"{ind}{name}_r = arith.divf {name}_p1, {name}_q2 : {ty}")
        e(f"{ind}{name}_as = arith.mulf {name}_a, {name}_s : {ty}")
        e(f"{ind}{name}_sm = math.fma {name}_as, {name}_r, {name}_a : {ty}")
        e(f"{ind}{name}_m2 = arith.mulf {name}_a, {c(-2.0)} : {ty}")
        e(f"{ind}{name}_ex = math.exp {name}_m2 : {ty}")
        e(f"{ind}{name}_nu = arith.subf {c(1.0)}, {name}_ex : {ty}")
        e(f"{ind}{name}_de = arith.addf {c(1.0)}, {name}_ex : {ty}")
        e(f"{ind}{name}_lg = arith.divf {name}_nu, {name}_de : {ty}")
        e(f"{ind}{name}_lt = arith.cmpf olt, {name}_a, {c(0.625)} : {ty}")
        e(f"{ind}{name}_m = arith.select {name}_lt, {name}_sm, {name}_lg : "
          f"{ty.replace('f32', 'i1')}, {ty}")
        e(f"{ind}{name} = math.copysign {name}_m, {y} : {ty}")
        return name
