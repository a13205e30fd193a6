"""Emission helpers shared by every kernel family: lines, constants, loads and stores that
widen 16-bit floats to float32, the normalize arithmetic and the named activations."""

from __future__ import annotations

import math
from typing import List

import numpy as np

from .._spec import GroupNormSpec
from . import _tuning
from ._select import _BYTES, _ELEM, ACTIVATIONS, _rows


def _f64_literal(v: float) -> str:
    """``v`` as an MLIR float literal that parses back to the same float64."""
    r = repr(float(v))
    m, _, ex = r.partition("e")
    if "." not in m and m not in ("inf", "-inf", "nan"):
        m += ".0"
    return m + ("e" + ex if ex else "")


def _f32_literal(v: float) -> str:
    """``v`` rounded to float32, as an MLIR float literal that parses back to that value:
    past float32's range (an epsilon of 1e39, which TF's float32 cast makes inf) the bits in
    hex, as MLIR spells inf."""
    with np.errstate(over="ignore"):
        f = np.float32(v)
    if not np.isfinite(f):
        return f"0x{int(f.view(np.uint32)):08X}"
    r = repr(float(f))
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
        # x's elements per index of axis 0 (a sample, or several where axes are kept).
        self.per_n = math.prod(spec.shape[1:])
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

    # Whether the output's stores being emitted stream (see streamed).
    nt = False

    def streamed(self, I: str, tensors: int, emit) -> None:
        """``emit(indent)``: loops that write the output, with ``store(..., out=True)``
        streaming (non-temporal: around the caches, no read for ownership) where the call's
        ``tensors`` arrays of x's size (x and y: 2) total more than the last-level cache
        (``_tuning`` ``stream_bytes``): their lines would only evict the x a later pass or
        call re-reads. A dynamic batch tests N at run time (both forms emitted). A fence
        ends the streaming form: its stores are weakly ordered. Medians, iree-benchmark-module,
        streaming / cached stores: 8x56x56x256 1.6-2.3 / 2.9-3.5 ms, NCHW 8x256x56x56
        1.1-1.3 / 2.6 ms, 1x128x128x512 2.2-2.8 / 4.3-4.4 ms; and below the limit
        2x64x64x320 0.64-0.72 / 0.56-0.63 ms, 2x32x32x640 0.42-0.50 / 0.33-0.36 ms."""
        per = _BYTES[self.spec.dtype] * tensors * self.per_n
        limit = _tuning.current().stream_bytes
        if self.N is not None:
            self.nt = self.N * per > limit
            emit(I)
            if self.nt:
                self.e(f"{I}llvm.fence seq_cst")
            self.nt = False
            return
        self.e(f"{I}%stream = arith.cmpi ugt, %nsz, {self.idx(limit // per)} : index")
        self.e(f"{I}scf.if %stream {{")
        self.nt = True
        emit(I + "  ")
        self.e(f"{I}  llvm.fence seq_cst")
        self.nt = False
        self.e(f"{I}}} else {{")
        emit(I + "  ")
        self.e(f"{I}}}")

    def store(self, ind, name, val, mem, idxs, memty, lanes, out=False):
        """Store float32 ``val`` as the element type; ``out``: a store of the output,
        streaming inside :meth:`streamed`'s streaming form."""
        if out and self.nt and lanes:
            n = len(idxs.split(","))
            nt = self.vec(lanes, self.et)
            if self.et != "f32":
                self.e(f"{ind}{name}_n = arith.truncf {val} : {self.vec(lanes)} to {nt}")
                val = f"{name}_n"
            # The generic form: vector.store's custom syntax has no place for the property.
            self.e(f'{ind}"vector.store"({val}, {mem}, {idxs}) <{{nontemporal = true}}> : '
                   f'({nt}, {memty}{", index" * n}) -> ()')
            return
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

    def median3(self, J, name, ks, ty):
        """``name`` = the median of the three values ``ks`` of type ``ty`` (NaN if any is
        NaN): the kernels' shift, a value from the bulk of the data that one outlier cannot
        be (see ``_ChannelsLast.shift``)."""
        a, b, c = ks
        self.e(f"{J}{name}_lo = arith.minimumf {a}, {b} : {ty}")
        self.e(f"{J}{name}_hi = arith.maximumf {a}, {b} : {ty}")
        self.e(f"{J}{name}_mc = arith.minimumf {name}_hi, {c} : {ty}")
        self.e(f"{J}{name} = arith.maximumf {name}_lo, {name}_mc : {ty}")
        return name

    def median(self, J, name, ks, ty):
        """``name`` = the median of the 1, 3 or 5 values ``ks`` (``shift_points``' count; NaN
        if any is NaN). Of five: the median of the fifth and the middle two of the first
        four (max of the pairs' minima, min of their maxima), which two outliers anywhere
        cannot move out of the bulk."""
        if len(ks) == 1:
            return ks[0]
        if len(ks) == 5:
            a, b, c, d, x = ks
            for n, (op, p, q) in enumerate((("minimumf", a, b), ("minimumf", c, d),
                                            ("maximumf", a, b), ("maximumf", c, d))):
                self.e(f"{J}{name}_q{n} = arith.{op} {p}, {q} : {ty}")
            self.e(f"{J}{name}_m2 = arith.maximumf {name}_q0, {name}_q1 : {ty}")
            self.e(f"{J}{name}_m3 = arith.minimumf {name}_q2, {name}_q3 : {ty}")
            ks = [f"{name}_m2", f"{name}_m3", x]
        return self.median3(J, name, ks, ty)

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

    def consts(self, ind, name, ty, lanes):
        """``c(v)``: the constant v in ``ty``: the f32 constant for a scalar (``lanes`` 0),
        else a splat named after ``name``, emitted at its first use (the caller's region
        owns it)."""
        splats = {}

        def c(v):
            if not lanes:
                return self.f32(v)
            if v not in splats:
                splats[v] = self.splat(ind, f"{name}_k{len(splats)}", self.f32(v), ty)
            return splats[v]

        return c

    def activation(self, ind, name, y, ty, lanes):
        """``act(y)`` in float32 (the JAX functions of ``_activations``)."""
        act = self.spec.activation
        if act is None:
            return y
        c = self.consts(ind, name, ty, lanes)
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
            erf = self.erf_scaled(ind, name, y, ty, c)
            self.e(f"{ind}{name}_p = arith.addf {erf}, {c(1.0)} : {ty}")
            self.e(f"{ind}{name}_h = arith.mulf {y}, {c(0.5)} : {ty}")
            self.e(f"{ind}{name} = arith.mulf {name}_h, {name}_p : {ty}")
        elif act == "gelu_tanh":  # y/2 (1 + tanh(sqrt(2/pi) (y + 0.044715 y^3)))
            _, th = self.gelu_tanh_t(ind, name, y, ty, c)
            self.e(f"{ind}{name}_p = arith.addf {th}, {c(1.0)} : {ty}")
            self.e(f"{ind}{name}_h = arith.mulf {y}, {c(0.5)} : {ty}")
            self.e(f"{ind}{name} = arith.mulf {name}_h, {name}_p : {ty}")
        else:  # sigmoid, silu: 1 / (1 + exp(-y)), times y for silu
            de = self.sigmoid_den(ind, name, y, ty, c)
            num = y if act == "silu" else c(1.0)
            self.e(f"{ind}{name} = arith.divf {num}, {de} : {ty}")
        return name

    def act_grad(self, ind, name, z, dy, ty, lanes):
        """``name = dy * act'(z)`` (``dy`` itself without an activation), ``z`` and ``dy``
        float32 of type ``ty`` (float64 where widened, with :meth:`tanh` and :meth:`erf64`
        as in :meth:`activation`): the derivatives JAX takes of ``_activations``'
        functions, at the kinks too (relu and relu6 pass no gradient at 0 and 6, leaky_relu
        the slope 0.2 at 0, as TF and PyTorch). Every name derives from ``name``, so that several (the rows of
        an unrolled loop) live in one region. Returns ``name``."""
        act = self.spec.activation
        if act is None:
            return dy
        e, c, it = self.e, self.consts(ind, name, ty, lanes), ty.replace("f32", "i1")
        if act in ("relu", "relu6", "leaky_relu", "elu"):  # where(on, dy, off)
            e(f"{ind}{name}_on = arith.cmpf ogt, {z}, {c(0.0)} : {ty}")
            on = f"{name}_on"
            if act == "relu6":  # jax.nn.relu6: gradient only where 0 < z < 6
                e(f"{ind}{name}_lt = arith.cmpf olt, {z}, {c(6.0)} : {ty}")
                e(f"{ind}{name}_in = arith.andi {name}_on, {name}_lt : {it}")
                on = f"{name}_in"
            off = c(0.0)
            if act == "leaky_relu":
                e(f"{ind}{name}_off = arith.mulf {dy}, {c(0.2)} : {ty}")
                off = f"{name}_off"
            elif act == "elu":
                # z <= 0: exp(z) (expm1's derivative), of min(z, 0): a large z, whose
                # branch is not taken, gives no inf (no inf * 0 = NaN if selects become
                # arithmetic)
                e(f"{ind}{name}_mn = arith.minimumf {z}, {c(0.0)} : {ty}")
                e(f"{ind}{name}_ex = math.exp {name}_mn : {ty}")
                e(f"{ind}{name}_off = arith.mulf {dy}, {name}_ex : {ty}")
                off = f"{name}_off"
            e(f"{ind}{name} = arith.select {on}, {dy}, {off} : {it}, {ty}")
            return name
        d = f"{name}_d"  # act'(z)
        if act in ("sigmoid", "silu"):  # s (1 - s); silu: s (1 + z (1 - s))
            de = self.sigmoid_den(ind, name, z, ty, c)
            e(f"{ind}{name}_s = arith.divf {c(1.0)}, {de} : {ty}")
            e(f"{ind}{name}_1s = arith.subf {c(1.0)}, {name}_s : {ty}")
            if act == "sigmoid":
                e(f"{ind}{d} = arith.mulf {name}_s, {name}_1s : {ty}")
            else:
                e(f"{ind}{name}_p = math.fma {z}, {name}_1s, {c(1.0)} : {ty}")
                e(f"{ind}{d} = arith.mulf {name}_s, {name}_p : {ty}")
        elif act == "tanh":  # 1 - t^2
            t = self.tanh(ind, f"{name}_t", z, ty, c)
            e(f"{ind}{name}_nt = arith.negf {t} : {ty}")
            e(f"{ind}{d} = math.fma {name}_nt, {t}, {c(1.0)} : {ty}")
        elif act == "gelu":  # (1 + erf(z / sqrt 2)) / 2 + z exp(-z^2 / 2) / sqrt(2 pi)
            erf = self.erf_scaled(ind, name, z, ty, c)
            e(f"{ind}{name}_cdf = math.fma {erf}, {c(0.5)}, {c(0.5)} : {ty}")
            # -z^2 / 2 from z^2 (exact halving), not from the rounded z / sqrt 2
            e(f"{ind}{name}_z2 = arith.mulf {z}, {z} : {ty}")
            e(f"{ind}{name}_h2 = arith.mulf {name}_z2, {c(-0.5)} : {ty}")
            e(f"{ind}{name}_ex = math.exp {name}_h2 : {ty}")
            e(f"{ind}{name}_pdf = arith.mulf {name}_ex, {c(0.3989422804014327)} : {ty}")
            e(f"{ind}{d} = math.fma {z}, {name}_pdf, {name}_cdf : {ty}")
        elif act == "gelu_tanh":
            # y = z/2 (1 + t), t = tanh(u), u = s (z + 0.044715 z^3), s = sqrt(2/pi):
            # y' = (1 + t)/2 + z/2 (1 - t^2) s (1 + 3 * 0.044715 z^2)
            z2, t = self.gelu_tanh_t(ind, name, z, ty, c)
            e(f"{ind}{name}_h = math.fma {t}, {c(0.5)}, {c(0.5)} : {ty}")
            e(f"{ind}{name}_nt = arith.negf {t} : {ty}")
            e(f"{ind}{name}_se = math.fma {name}_nt, {t}, {c(1.0)} : {ty}")
            e(f"{ind}{name}_p = math.fma {z2}, {c(3 * 0.044715)}, {c(1.0)} : {ty}")
            e(f"{ind}{name}_ps = arith.mulf {name}_p, {c(0.7978845608028654 / 2)} : {ty}")
            e(f"{ind}{name}_zt = arith.mulf {z}, {name}_se : {ty}")
            e(f"{ind}{d} = math.fma {name}_zt, {name}_ps, {name}_h : {ty}")
        else:
            raise ValueError(f"no backward kernel for activation_fn={act!r}: the kernels "
                             f"know {', '.join(ACTIVATIONS)}")
        e(f"{ind}{name} = arith.mulf {dy}, {d} : {ty}")
        return name

    # -- pieces of activation and act_grad (the same values in the forward and backward) --
    def sigmoid_den(self, ind, name, y, ty, c):
        """``{name}_de = 1 + exp(-y)`` (sigmoid(y) = 1 / it); returns its name."""
        self.e(f"{ind}{name}_ng = arith.negf {y} : {ty}")
        self.e(f"{ind}{name}_ex = math.exp {name}_ng : {ty}")
        self.e(f"{ind}{name}_de = arith.addf {name}_ex, {c(1.0)} : {ty}")
        return f"{name}_de"

    def erf_scaled(self, ind, name, y, ty, c):
        """``{name}_erf = erf(y / sqrt 2)`` (:meth:`erf64` where widened); returns its name."""
        self.e(f"{ind}{name}_s = arith.mulf {y}, {c(0.7071067811865476)} : {ty}")
        if self.wide:
            return self.erf64(ind, f"{name}_erf", f"{name}_s", ty, c)
        self.e(f"{ind}{name}_erf = math.erf {name}_s : {ty}")
        return f"{name}_erf"

    def gelu_tanh_t(self, ind, name, y, ty, c):
        """``y^2`` and ``t = tanh(sqrt(2/pi) (y + 0.044715 y^3))``: their names."""
        self.e(f"{ind}{name}_y2 = arith.mulf {y}, {y} : {ty}")
        self.e(f"{ind}{name}_y3 = arith.mulf {name}_y2, {y} : {ty}")
        self.e(f"{ind}{name}_in = math.fma {name}_y3, {c(0.044715)}, {y} : {ty}")
        self.e(f"{ind}{name}_sc = arith.mulf {name}_in, {c(0.7978845608028654)} : {ty}")
        return f"{name}_y2", self.tanh(ind, f"{name}_th", f"{name}_sc", ty, c)

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

    def poly(self, ind, name, x, coeffs, monic, ty, c):
        """``name`` = the polynomial of ``x`` with ``coeffs`` (highest power first; with a
        leading 1 before them when ``monic``), by Horner's rule in fma steps."""
        if monic:
            self.e(f"{ind}{name}0 = arith.addf {x}, {c(coeffs[0])} : {ty}")
        else:
            self.e(f"{ind}{name}0 = math.fma {c(coeffs[0])}, {x}, {c(coeffs[1])} : {ty}")
        rest = coeffs[1:] if monic else coeffs[2:]
        for i, v in enumerate(rest):
            self.e(f"{ind}{name}{i + 1} = math.fma {name}{i}, {x}, {c(v)} : {ty}")
        return f"{name}{len(rest)}"

    def erf64(self, ind, name, x, ty, c):
        """``name = erf(x)`` in float64 (IREE 3.13 cannot lower float64 ``math.erf`` on
        llvm-cpu): Cephes' ``ndtr.c``, ``x T(x^2) / U(x^2)`` for |x| < 1, else
        ``sign(x) (1 - erfc(|x|))`` with ``erfc(a) = exp(-a^2) P(a) / Q(a)`` (a < 8) or
        ``R(a) / S(a)``: ~4e-16 relative below 1, erfc ~2e-15 relative up to a = 8."""
        e = self.e
        e(f"{ind}{name}_a = math.absf {x} : {ty}")
        e(f"{ind}{name}_x2 = arith.mulf {x}, {x} : {ty}")
        t = self.poly(ind, f"{name}_t", f"{name}_x2", _ERF_T, False, ty, c)
        u = self.poly(ind, f"{name}_u", f"{name}_x2", _ERF_U, True, ty, c)
        e(f"{ind}{name}_xt = arith.mulf {x}, {t} : {ty}")
        e(f"{ind}{name}_sm = arith.divf {name}_xt, {u} : {ty}")
        pp = self.poly(ind, f"{name}_p", f"{name}_a", _ERFC_P, False, ty, c)
        qq = self.poly(ind, f"{name}_q", f"{name}_a", _ERFC_Q, True, ty, c)
        rr = self.poly(ind, f"{name}_r", f"{name}_a", _ERFC_R, False, ty, c)
        ss = self.poly(ind, f"{name}_s", f"{name}_a", _ERFC_S, True, ty, c)
        e(f"{ind}{name}_pq = arith.divf {pp}, {qq} : {ty}")
        e(f"{ind}{name}_rs = arith.divf {rr}, {ss} : {ty}")
        i1 = ty.replace("f32", "i1")
        e(f"{ind}{name}_lt8 = arith.cmpf olt, {name}_a, {c(8.0)} : {ty}")
        e(f"{ind}{name}_ra = arith.select {name}_lt8, {name}_pq, {name}_rs : {i1}, {ty}")
        e(f"{ind}{name}_nx2 = arith.negf {name}_x2 : {ty}")
        e(f"{ind}{name}_ex = math.exp {name}_nx2 : {ty}")
        e(f"{ind}{name}_ec = arith.mulf {name}_ex, {name}_ra : {ty}")
        e(f"{ind}{name}_om = arith.subf {c(1.0)}, {name}_ec : {ty}")
        e(f"{ind}{name}_lg = math.copysign {name}_om, {x} : {ty}")
        e(f"{ind}{name}_lt1 = arith.cmpf olt, {name}_a, {c(1.0)} : {ty}")
        e(f"{ind}{name} = arith.select {name}_lt1, {name}_sm, {name}_lg : {i1}, {ty}")
        return name


# Cephes ndtr.c (erf, erfc), highest power first; U, Q, S have an implied leading 1.
_ERF_T = (9.60497373987051638749E0, 9.00260197203842689217E1, 2.23200534594684319226E3,
          7.00332514112805075473E3, 5.55923013010394962768E4)
_ERF_U = (3.35617141647503099647E1, 5.21357949780152679795E2, 4.59432382970980127987E3,
          2.26290000613890934246E4, 4.92673942608635921086E4)
_ERFC_P = (2.46196981473530512524E-10, 5.64189564831068821977E-1, 7.46321056442269912687E0,
           4.86371970985681366614E1, 1.96520832956077098242E2, 5.26445194995477358631E2,
           9.34528527171957607540E2, 1.02755188689515710272E3, 5.57535335369399327526E2)
_ERFC_Q = (1.32281951154744992508E1, 8.67072140885989742329E1, 3.54937778887819891062E2,
           9.75708501743205489753E2, 1.82390916687909736289E3, 2.24633760818710981792E3,
           1.65666309194161350182E3, 5.57535340817727675546E2)
_ERFC_R = (5.64189583547755073984E-1, 1.27536670759978104416E0, 5.01905042251180477414E0,
           6.16021097993053585195E0, 7.40974269950448939160E0, 2.97886665372100240670E0)
_ERFC_S = (2.26052863220117276590E0, 9.39603524938001434673E0, 1.20489539808096656605E1,
           1.70814450747565897222E1, 9.60896809063285878198E0, 3.36907645100081516050E0)
