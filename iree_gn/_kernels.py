"""Hand-written llvm-cpu dispatches: group norm that reads x once from memory.

IREE's own pipeline splits group norm into a statistics dispatch and a normalize dispatch
(``_authoring``'s "native" form), so every call reads x twice from DRAM and writes y once:
~3 passes of memory traffic. A fused dispatch that IREE forms itself is scalarized (1x8x8x32
is fine, 8x56x56x256 took 11.5 ms). The kernels here do what PyTorch's CPU kernel does: each
workgroup owns a block of x that it reads once from DRAM, then re-reads from cache to
normalize. They are written in MLIR (``scf``/``vector``/``memref``) inside a
``stream.executable`` and called by ``flow.dispatch``; IREE still lowers them to LLVM for the
target CPU, so every llvm-cpu row (host, x86-64-v3, aarch64) gets them.

x is viewed as 3-D, with N the batch axis 0:

* channels last, x as [N, R, C] (NHWC, NDHWC): one workgroup per sample. Per-channel sums of
  ``x - k`` and ``(x - k)^2`` with ``k`` the sample's first row (the "native" numerics: no
  float32 sum ever holds |mean|-sized values), accumulated per block of ``_BLOCK`` rows and
  then added up (float32 error grows with ``_BLOCK + R / _BLOCK``, not ``R``); the exact
  combine into group moments; then ``y = act((x - k) * a + b)`` per channel with
  ``a = gamma * rsqrt(var + eps)``, ``b = beta - (mean - k) * a``. Rows are read contiguously,
  which the hardware prefetchers follow, and prefetched in software too. A sample whose
  channels split into blocks that fit in L2 gets a workgroup per block (:func:`channel_blocks`).
* channels last with one large sample (``_ChannelsLastSplit``): the same arithmetic over K
  row blocks of the sample, in two dispatches (block sums; then combine and normalize), so
  that every core works (1x16x64x64x64: 3.2 ms vs 4.6 ms for "native").
* channels first, x as [N, G, L] with L = C/G * R (NCHW, NCDHW): one workgroup per (sample,
  group), whose L elements are contiguous. Pass 1: the sum of x -> m0; pass 2 (from cache):
  sums of ``d = x - m0`` and ``d^2``, so ``mean = m0 + E[d]`` and ``var = E[d^2] - E[d]^2``
  carry no cancellation; pass 3: ``y = act((x - m0) * a + b)`` with
  ``b = beta - (mean - m0) * a`` (the float32 mean itself is never formed).

With ``mean_close_to_zero`` all use TF's one-pass sufficient statistics (sums of x and x^2,
``var = E[x^2] - E[x]^2``), as the JAX definition does. Statistics are float32; float16 and
bfloat16 are widened on load and narrowed on store.

:func:`layout` says which specs get a kernel (the rest use the JAX formulations): float32,
float16 or bfloat16; no activation or one of :data:`ACTIVATIONS`; batch axis 0 and every other
non-channel axis reduced; at most ``_CL_MAX_CHANNELS`` channels for channels last (its scratch
lives on the stack), and a group block that fits in L2 for channels first. The module text is
the compiler input, so it is part of every cache key: a change here recompiles.
"""

from __future__ import annotations

from typing import List, Optional

import numpy as np

from ._spec import GroupNormSpec

# Activations the kernels compute themselves (others, and callables, use the JAX path).
ACTIVATIONS = ("relu", "relu6", "leaky_relu", "silu", "sigmoid", "tanh", "elu", "gelu",
               "gelu_tanh")

# Rows per partial-sum block (channels last).
_BLOCK = 64
# Largest (sample, group) block for channels first: it is re-read from L2 (1-2 MiB per core on
# current x86 and Arm servers; 1 MiB here).
_CF_BLOCK_BYTES = 1 << 20
# How far ahead channels-last kernels prefetch x.
_PREFETCH_BYTES = 4096
# How far ahead the channels-first normalize prefetches y.
_CF_PREFETCH_BYTES = 1024
# Workgroups (samples x row blocks) for batch-1 channels last.
_SPLIT_WORKGROUPS = 16
# Channel blocks (see channel_blocks): the largest block a workgroup re-reads, and the
# shortest row piece it may read.
_CL_CHUNK_BYTES = 256 << 10
_MIN_RUN_BYTES = 512
# Calls under this size run on one thread anyway (llvm-cpu's small_bytes).
_SINGLE_THREAD_BYTES = 1 << 20
# Channels last keeps five float32 arrays of C on the stack; IREE allows 32 KiB.
_STACK_BYTES = 32 << 10
_CL_MAX_CHANNELS = 1536

_ELEM = {"float32": "f32", "float16": "f16", "bfloat16": "bf16"}
_BYTES = {"float32": 4, "float16": 2, "bfloat16": 2}


def _rows(spec: GroupNormSpec) -> int:
    """R: the number of elements per (sample, channel), the product of the reduction axes."""
    r = 1
    for a in spec.reduction_axes:
        r *= spec.shape[a]
    return r


def layout(spec: GroupNormSpec) -> Optional[str]:
    """``"channels_last"``, ``"channels_last_split"``, ``"channels_first"`` or None: which
    kernel handles ``spec``, if one does."""
    if spec.dynamic_axes not in ((), (0,)) or spec.dtype not in _ELEM or spec.rank < 3:
        return None
    if any(d == 0 for d in spec.shape):
        return None
    if spec.activation is not None and spec.activation not in ACTIVATIONS:
        return None
    n, ca, red = spec.rank, spec.channels_axis, tuple(spec.reduction_axes)
    if ca == n - 1 and red == tuple(range(1, n - 1)):
        if spec.channels > _CL_MAX_CHANNELS:
            return None
        # One workgroup per sample; batch 1 would run on one core, so it splits the rows,
        # unless the call is small enough to run on the single-threaded driver anyway
        # (_targets.Target.small_bytes). A dynamic batch gets a workgroup per sample (right
        # for any N; the split's block count depends on N).
        if spec.shape[0] is None or spec.shape[0] >= 2 or spec.nbytes < _SINGLE_THREAD_BYTES:
            return "channels_last"
        return "channels_last_split"
    if ca == 1 and red == tuple(range(2, n)):
        if spec.channels // spec.groups * _rows(spec) * _BYTES[spec.dtype] <= _CF_BLOCK_BYTES:
            return "channels_first"
    return None


def channel_blocks(spec: GroupNormSpec) -> int:
    """Workgroups per sample for channels last: 1 (whole rows), unless a sample is larger
    than ``_CL_CHUNK_BYTES`` and the fewest channel blocks that fit it keep whole groups,
    whole 16-lane vectors and row pieces of at least ``_MIN_RUN_BYTES``. Then each block
    is re-read from L2 instead of L3: 2x16x16x1280 in 8 blocks of 160 channels measured
    0.24 vs 0.33 ms (medians, same process). Longer chunks or shorter pieces measured slower
    (2x32x32x640 in 2 or 4 blocks, 8x56x56x256 in 4: 1.2-2x)."""
    es, r = _BYTES[spec.dtype], _rows(spec)
    C, cg = spec.channels, spec.channels // spec.groups
    if r * C * es <= _CL_CHUNK_BYTES:
        return 1
    blocks = 2
    while C % blocks == 0:
        cb = C // blocks
        if cb * es < _MIN_RUN_BYTES:
            break
        if cb % cg == 0 and cb % 16 == 0 and r * cb * es <= _CL_CHUNK_BYTES:
            return blocks
        blocks *= 2
    return 1


def split_blocks(spec: GroupNormSpec) -> int:
    """Row blocks per sample for ``_ChannelsLastSplit``: enough for ``_SPLIT_WORKGROUPS``
    workgroups in all, each of at least ``_BLOCK`` rows."""
    return max(1, min(-(-_SPLIT_WORKGROUPS // spec.shape[0]), _rows(spec) // _BLOCK))


def supports(spec: GroupNormSpec) -> bool:
    return layout(spec) is not None


def serves_dynamic(spec: GroupNormSpec) -> bool:
    """Whether one kernel module serves every size of ``spec``'s dynamic axes: axis 0 (the
    batch) is the only one, and a kernel serves the layout. The module then takes
    ``tensor<?x...>`` and runs N x (workgroups per sample), N read from x's dimension."""
    return spec.dynamic_axes == (0,) and layout(spec) is not None


def module_text(spec: GroupNormSpec) -> str:
    """The MLIR module for ``spec``: ``@main(x, [gamma], [beta]) -> y``, with x of
    ``spec.shape`` and ``spec.dtype`` and gamma/beta of shape [C]."""
    kind = layout(spec)
    if kind is None:
        raise ValueError(f"no hand-written kernel for {spec.short_name()}")
    return {"channels_last": _ChannelsLast, "channels_last_split": _ChannelsLastSplit,
            "channels_first": _ChannelsFirst}[kind](spec).module()


def _f32_literal(v: float) -> str:
    """``v`` rounded to float32, as an MLIR float literal that parses back to that value."""
    r = repr(float(np.float32(v)))
    m, _, ex = r.partition("e")
    if "." not in m:
        m += ".0"
    return m + ("e" + ex if ex else "")


class _Kernel:
    # A dynamic batch's kernel for N = 1 (see _ChannelsLast.functions).
    split: Optional["_ChannelsLastSplit"] = None

    def __init__(self, spec: GroupNormSpec):
        self.spec = spec
        self.et = _ELEM[spec.dtype]
        self.C = spec.channels
        self.G = spec.groups
        self.cg = self.C // self.G
        self.N = spec.shape[0]
        self.R = _rows(spec)
        self.gamma = spec.scale
        self.beta = spec.center
        self.lines: List[str] = []
        self._consts = {}

    @property
    def n_dim(self) -> str:
        """N in a type: the batch size, or ``?`` for a dynamic batch (the kernel then reads
        it from its last operand, ``%nsz``)."""
        return "?" if self.N is None else str(self.N)

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
            self.e(f"{ind}{name} = math.tanh {y} : {ty}")
        elif act == "elu":  # where(y > 0, y, expm1(y)), TF/JAX alpha 1
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
            self.e(f"{ind}{name}_th = math.tanh {name}_sc : {ty}")
            self.e(f"{ind}{name}_p = arith.addf {name}_th, {c(1.0)} : {ty}")
            self.e(f"{ind}{name}_h = arith.mulf {y}, {c(0.5)} : {ty}")
            self.e(f"{ind}{name} = arith.mulf {name}_h, {name}_p : {ty}")
        else:  # sigmoid, silu: 1 / (1 + exp(-y)), times y for silu
            self.e(f"{ind}{name}_ng = arith.negf {y} : {ty}")
            self.e(f"{ind}{name}_ex = math.exp {name}_ng : {ty}")
            self.e(f"{ind}{name}_de = arith.addf {name}_ex, {c(1.0)} : {ty}")
            num = y if act == "silu" else c(1.0)
            self.e(f"{ind}{name} = arith.divf {num}, {name}_de : {ty}")
        return name

    # -- module --------------------------------------------------------------------------
    def params(self):
        """(binding, name) of gamma and beta, those the spec has."""
        return [p for p, on in ((("%bg", "%g"), self.gamma), (("%bb", "%b"), self.beta)) if on]

    def functions(self):
        """The executable's exports: (name, workgroups, [(binding, value, memref type)],
        body lines). One by default: x and the parameters in, y out."""
        xty, pty = self.xmem(), f"memref<{self.C}x{self.et}>"
        binds = [("%bx", "%x", xty)] + [(b, v, pty) for b, v in self.params()] + \
            [("%by", "%y", xty)]
        self.lines = []
        return [("gn", self.per_sample(), binds, self.body())]

    def host(self, xt: str, vt: str, pt: str, res: str = "%yv", ind: str = "    ") -> List[str]:
        """The host function's dispatches, from ``%xv`` (x's buffer, of type ``xt``), its
        byte offset ``%xoff`` and the parameters ``%arg1``.. to ``res`` (of type ``vt``).
        A dynamic batch adds the workload ``[%n]`` and the operand ``%ni`` (N as i32)."""
        n = len(self.params())
        wl, nargs, ntys = self.dyn_operands()
        args = ", ".join(["%xv"] + [f"%arg{i + 1}" for i in range(n)] + ["%xoff"] + nargs)
        tys = ", ".join([xt] + [pt] * n + ["i32"] + ntys)
        return [f"{ind}{res} = flow.dispatch @gn_kernel::@gn{wl}({args}) : ({tys}) -> {vt}"]

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
            f"// Hand-written group norm for {self.spec.short_name()} ({self.kind}); generated"
            " by iree_gn/_kernels.py.",
            "module @group_norm_kernel {",
            *self.executable(),
            *self.hosts(),
            "}",
        ]
        return "\n".join(out) + "\n"

    def executable(self) -> List[str]:
        """``stream.executable @gn_kernel``: the exports and their kernel functions."""
        funcs = self.functions()  # fills self._consts
        consts = []
        for (kind, v), name in sorted(self._consts.items(), key=lambda kv: kv[1]):
            if kind == "index":
                consts.append(f"        {name} = arith.constant {v} : index")
            else:
                consts.append(f"        {name} = arith.constant {_f32_literal(v)} : f32")
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
        """``@main(x, [gamma], [beta]) -> y``, ``@main_off`` (x at a byte offset ``%xoff``
        into a flat buffer: the runtime passes a NumPy array that is not 64-byte aligned, as
        IREE imports only aligned memory, as the aligned buffer that holds it instead of
        copying it) and ``@main_off_out`` (its result in a caller's buffer)."""
        et, dyn = self.et, self.N is None
        nd = "{%n}" if dyn else ""
        rest = "".join(f"x{d}" for d in self.spec.shape[1:])
        ft = f"tensor<{self.n_dim}{rest}x{et}>"
        vt = "tensor<" + self.xmem()[len("memref<"):]
        per = 1
        for d in self.spec.shape[1:]:
            per *= d
        pt = f"tensor<{self.C}x{et}>"
        np_ = len(self.params())
        pargs = [f"%arg{i + 1}: {pt}" for i in range(np_)]
        pnames = ", ".join(f"%arg{i + 1}" for i in range(np_))
        flat = f"tensor<?x{et}>{{%xn}}" if dyn else f"tensor<{self.N * per}x{et}>"
        main = [f"  func.func public @main({', '.join([f'%arg0: {ft}'] + pargs)}) -> {ft} {{",
                "    %xoff = arith.constant 0 : i32"]
        if dyn:
            main += ["    %c0 = arith.constant 0 : index",
                     f"    %n = tensor.dim %arg0, %c0 : {ft}",
                     "    %ni = arith.index_castui %n : index to i32",
                     f"    %per = arith.constant {per} : index",
                     "    %xn = arith.muli %n, %per : index"]
        main += [f"    %xv = flow.tensor.reshape %arg0 : {ft}{nd} -> {flat}",
                 *self.dispatches(flat, vt, pt),
                 f"    %y = flow.tensor.reshape %yv : {vt}{nd} -> {ft}{nd}",
                 f"    return %y : {ft}",
                 "  }"]
        off = [f"  func.func public @main_off({', '.join([f'%xv: tensor<?x{et}>', '%xoff: i32'] + pargs)}) -> {ft} {{",
               "    %c0 = arith.constant 0 : index",
               f"    %xn = tensor.dim %xv, %c0 : tensor<?x{et}>"]
        if dyn:
            # N = (elements of the buffer - elements before x) / elements per sample.
            off += ["    %xob = arith.index_castui %xoff : i32 to index",
                    f"    %es = arith.constant {_BYTES[self.spec.dtype]} : index",
                    "    %xoe = arith.divui %xob, %es : index",
                    "    %xe = arith.subi %xn, %xoe : index",
                    f"    %per = arith.constant {per} : index",
                    "    %n = arith.divui %xe, %per : index",
                    "    %ni = arith.index_castui %n : index to i32"]
        off += [*self.dispatches(f"tensor<?x{et}>{{%xn}}", vt, pt),
                f"    %y = flow.tensor.reshape %yv : {vt}{nd} -> {ft}{nd}",
                f"    return %y : {ft}",
                "  }"]
        off_out = [
            f"  func.func public @main_off_out({', '.join([f'%xv: tensor<?x{et}>', '%xoff: i32'] + pargs)}, "
            f"%out: !hal.buffer {{iree.abi.output = 0 : index}}) -> {ft} {{",
            f"    %y = call @main_off(%xv, %xoff{', ' + pnames if pnames else ''}) : "
            f"({', '.join([f'tensor<?x{et}>', 'i32'] + [pt] * np_)}) -> {ft}",
            f"    return %y : {ft}",
            "  }"]
        return main + off + off_out


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

    def host(self, xt: str, vt: str, pt: str, res: str = "%yv", ind: str = "    ") -> List[str]:
        if self.split is None:
            return super().host(xt, vt, pt, res, ind)
        n = len(self.params())
        pt_ = self.split.part("tensor")
        args = ", ".join(["%xv", "%part"] + [f"%arg{i + 1}" for i in range(n)] + ["%xoff", "%ni"])
        tys = ", ".join([xt, pt_] + [pt] * n + ["i32", "i32"])
        return [f"{ind}%part = flow.dispatch @gn_kernel::@stats[%n](%xv, %xoff, %ni) : "
                f"({xt}, i32, i32) -> {pt_}",
                f"{ind}{res} = flow.dispatch @gn_kernel::@gn[%n]({args}) : ({tys}) -> {vt}"]

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
        d = max(1, round(_PREFETCH_BYTES / row))
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


class _ChannelsFirst(_Kernel):
    kind = "channels first"
    VL, U = 16, 4

    def __init__(self, spec):
        super().__init__(spec)
        self.L = self.cg * self.R

    def xmem(self):
        return f"memref<{self.n_dim}x{self.G}x{self.L}x{self.et}>"

    def per_sample(self):
        return self.G

    def sums(self, I, tag, shift):
        """Sums over the block of ``x - shift`` (shift None: x) and of its square, as float32
        scalars ``%{tag}1`` and ``%{tag}2``: a vector loop with U x VL lanes of partial sums
        and a scalar loop for the remainder."""
        e, VL, U, L = self.e, self.VL, self.U, self.L
        xt, V = self.xmem(), self.vec(self.VL)
        main = L // (VL * U) * (VL * U)
        c0, c1 = self.idx(0), self.idx(1)
        f0 = self.f32(0.0)
        accs = [f"%{tag}a{u}" for u in range(U)] + [f"%{tag}q{u}" for u in range(U)]
        e(f"{I}%{tag}v:{2 * U} = scf.for %i = {c0} to {self.idx(main)} step {self.idx(VL * U)}"
          f" iter_args({', '.join(f'{a} = %zv' for a in accs)}) -> ({', '.join([V] * 2 * U)}) {{")
        J = I + "  "
        outs = []
        for u in range(U):
            at = "%i" if u == 0 else f"%i{u}"
            if u:
                e(f"{J}{at} = arith.addi %i, {self.idx(u * VL)} : index")
            v = self.load(J, f"%v{u}", "%x", f"%n, %gi, {at}", xt, VL)
            if shift is not None:
                e(f"{J}%d{u} = arith.subf {v}, {shift}v : {V}")
                v = f"%d{u}"
            e(f"{J}%na{u} = arith.addf {accs[u]}, {v} : {V}")
            e(f"{J}%nq{u} = math.fma {v}, {v}, {accs[U + u]} : {V}")
            outs += [f"%na{u}"]
        outs += [f"%nq{u}" for u in range(U)]
        e(f"{J}scf.yield {', '.join(outs)} : {', '.join([V] * 2 * U)}")
        e(f"{I}}}")
        for j, name in ((0, "1"), (1, "2")):
            parts = [f"%{tag}v#{j * U + u}" for u in range(U)]
            e(f"{I}%{tag}h{name}a = arith.addf {parts[0]}, {parts[1]} : {V}")
            e(f"{I}%{tag}h{name}b = arith.addf {parts[2]}, {parts[3]} : {V}")
            e(f"{I}%{tag}h{name} = arith.addf %{tag}h{name}a, %{tag}h{name}b : {V}")
            e(f"{I}%{tag}r{name} = vector.reduction <add>, %{tag}h{name} : {V} into f32")
        # remainder
        e(f"{I}%{tag}t:2 = scf.for %i = {self.idx(main)} to {self.idx(L)} step {c1}"
          f" iter_args(%ta = {f0}, %tq = {f0}) -> (f32, f32) {{")
        v = self.load(J, "%s", "%x", "%n, %gi, %i", xt, 0)
        if shift is not None:
            e(f"{J}%sd = arith.subf {v}, {shift} : f32")
            v = "%sd"
        e(f"{J}%sa = arith.addf %ta, {v} : f32")
        e(f"{J}%sq = math.fma {v}, {v}, %tq : f32")
        e(f"{J}scf.yield %sa, %sq : f32, f32")
        e(f"{I}}}")
        e(f"{I}%{tag}1 = arith.addf %{tag}r1, %{tag}t#0 : f32")
        e(f"{I}%{tag}2 = arith.addf %{tag}r2, %{tag}t#1 : f32")

    def body(self) -> List[str]:
        e, VL, L, R, cg = self.e, self.VL, self.L, self.R, self.cg
        xt, V = self.xmem(), self.vec(self.VL)
        I = "        "
        c0, c1 = self.idx(0), self.idx(1)
        fL = self.f32(L)
        f0 = self.f32(0.0)
        e(f"{I}%zv = arith.constant dense<0.0> : {V}")
        e(f"{I}%n = arith.divui %wg, {self.idx(self.G)} : index")
        e(f"{I}%gi = arith.remui %wg, {self.idx(self.G)} : index")
        if self.spec.mean_close_to_zero:
            # TF's one-pass sufficient statistics; the "shift" m0 is 0.
            self.sums(I, "p", None)
            e(f"{I}%rm = arith.divf %p1, {fL} : f32")  # the mean
            e(f"{I}%ex2 = arith.divf %p2, {fL} : f32")
            e(f"{I}%m2 = arith.mulf %rm, %rm : f32")
            e(f"{I}%var0 = arith.subf %ex2, %m2 : f32")
            e(f"{I}%m0 = arith.addf {f0}, {f0} : f32")
        else:
            self.sums(I, "p", None)  # pass 1: m0 (its sum of squares goes unused)
            e(f"{I}%m0 = arith.divf %p1, {fL} : f32")
            e(f"{I}%m0v = vector.broadcast %m0 : f32 to {V}")
            self.sums(I, "q", "%m0")  # pass 2, from cache: residual mean and variance
            e(f"{I}%rm = arith.divf %q1, {fL} : f32")  # mean - m0
            e(f"{I}%ed2 = arith.divf %q2, {fL} : f32")
            e(f"{I}%rm2 = arith.mulf %rm, %rm : f32")
            e(f"{I}%var0 = arith.subf %ed2, %rm2 : f32")
        self.rstd(I, "%var0")
        e(f"{I}%m0w = vector.broadcast %m0 : f32 to {V}")
        e(f"{I}%cbase = arith.muli %gi, {self.idx(cg)} : index")
        main = R // VL * VL
        e(f"{I}scf.for %j = {c0} to {self.idx(cg)} step {c1} {{")
        J = I + "  "
        e(f"{J}%ch = arith.addi %cbase, %j : index")
        # b = beta - (mean - m0) * a: the float32 mean itself is never formed (at |mean| = 1e4
        # its rounding alone would be 5e-4).
        aj, bj = self.scale_shift(J, "%ch", "%rm")
        e(f"{J}%ajv = vector.broadcast {aj} : f32 to {V}")
        e(f"{J}%bjv = vector.broadcast {bj} : f32 to {V}")
        e(f"{J}%base = arith.muli %j, {self.idx(R)} : index")
        e(f"{J}%vend = arith.addi %base, {self.idx(main)} : index")
        e(f"{J}%end = arith.addi %base, {self.idx(R)} : index")
        # y = act((x - m0) * a + b)
        for lanes, lo, hi, step, M, A, B in (
                (VL, "%base", "%vend", self.idx(VL), "%m0w", "%ajv", "%bjv"),
                (0, "%vend", "%end", c1, "%m0", aj, bj)):
            ty = V if lanes else "f32"
            e(f"{J}scf.for %i = {lo} to {hi} step {step} {{")
            K = J + "  "
            t = "v" if lanes else "s"
            if lanes:
                # Prefetch y for ownership: the normalize pass reads x from L2 and its
                # stores otherwise wait for each line of y to come from memory (8x256x56x56:
                # 3.7 -> 2.7 ms; 2x320x64x64: 1.31 -> 0.90 ms, medians).
                d = self.idx(max(VL, _CF_PREFETCH_BYTES // {"f32": 4}.get(self.et, 2)))
                e(f"{K}%pw0 = arith.addi %i, {d} : index")
                e(f"{K}%pw = arith.minui %pw0, {self.idx(L - 1)} : index")
                e(f"{K}memref.prefetch %y[%n, %gi, %pw], write, locality<3>, data : {xt}")
            x = self.load(K, f"%{t}x", "%x", "%n, %gi, %i", xt, lanes)
            e(f"{K}%{t}d = arith.subf {x}, {M} : {ty}")
            e(f"{K}%{t}o = math.fma %{t}d, {A}, {B} : {ty}")
            o = self.activation(K, f"%{t}act", f"%{t}o", ty, lanes)
            self.store(K, f"%{t}y", o, "%y", "%n, %gi, %i", xt, lanes)
            e(f"{J}}}")
        e(f"{I}}}")
        return self.lines


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

    def host(self, xt: str, vt: str, pt: str, res: str = "%yv", ind: str = "    ") -> List[str]:
        n = len(self.params())
        pt_ = self.part("tensor")
        args = ", ".join(["%xv", "%part"] + [f"%arg{i + 1}" for i in range(n)] + ["%xoff"])
        tys = ", ".join([xt, pt_] + [pt] * n + ["i32"])
        return [f"{ind}%part = flow.dispatch @gn_kernel::@stats(%xv, %xoff) : ({xt}, i32) -> {pt_}",
                f"{ind}{res} = flow.dispatch @gn_kernel::@norm({args}) : ({tys}) -> {vt}"]

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
