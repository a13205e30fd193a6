"""The compiled backward op: ``op.vjp(x, [gamma], [beta], dy) -> (dx, [dgamma], [dbeta])``.

``get_grad(spec, target)`` is the one way a backward op comes to exist: memory, then the
disk cache by a spec-level lookup key, then trace (``_backward``), export and compile: the
one build path of ``_build`` (shared with the forward), given this module's ``_Kind``.
Its cache keys are the forward's parts plus ``("op", "grad")``, so a backward module never
answers for a forward one (the lookup key already covers this package's source, this
module and ``_backward`` included: ``_cache.source_digest``).

Its formulation (:func:`formulation`): ``"kernel"`` on rows with hand-written CPU kernels
where one serves the spec (``_kernels.grad_supports``: the module of ``_kernels._backward``,
x and dy read twice, dx written once); on GPU rows the hand-written GPU dispatches where they
serve it (``_gpu_kernels.grad_supports``, named by ``_gpu_kernels.grad_formulation``:
``gpu-kernel-wg..-sg..``, dynamic batch up to ``Target.max_dynamic``); else the JAX
definition of ``_backward``.

It is called through the one call path, ``_bound.BoundOp`` (checks, conversions, threads,
byte order, ``out=``), with :func:`grad_signature`. A dynamic batch axis 0 that a kernel
serves (``_kernels.grad_serves_dynamic``) runs one module for every batch size, dgamma and
dbeta summed inside it. Other dynamic specs run a static *block* module (each dynamic axis
of size 1) over every index of their dynamic axes: dx block by block, dgamma/dbeta (sums
over all samples) added up over the blocks in float64 (``Arg.summed``). :func:`from_module`
makes one from a bundle's module (always a block module), runtime-only.
"""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from . import _build, _cache, _gpu_kernels, _kernels
from ._backward import arg_names, result_names
from ._compile_side import compile_side
from ._runtime import BFLOAT16
from ._spec import ArgumentTypeError, GroupNormSpec
from ._targets import Target

# The backward's own counters (``_ops.STATS`` counts forward ops only).
STATS = {"traced": 0, "compiled": 0, "disk_hits": 0, "memory_hits": 0}
_KEY_PART = ("op", "grad")


def _barrier_upcast(target: Target) -> bool:
    # The GPU code generators want float16/bfloat16 widened behind a barrier (_authoring).
    return target.backend != "llvm-cpu"


def grad_signature(spec: GroupNormSpec, dynamic_in_module: bool = False,
                   max_dynamic: Optional[int] = None):
    """``main(x, [gamma], [beta], dy) -> (dx, [dgamma], [dbeta])`` for ``spec``: ``x``/``dy``
    of the spec's shape and dtype, parameters ``[C]`` (cast from any real dtype); ``dx`` in
    the input dtype, ``dgamma``/``dbeta`` in the statistics dtype (float32, float64 for
    float64): with ``dynamic_in_module`` (the module takes the dynamic batch itself) whole
    from the module, else summed over the blocks of a dynamic spec; sums over the samples
    either way (``Arg.summed``: zeros for an empty batch)."""
    from ._bound import Arg, Signature

    shape, pshape = tuple(spec.shape), tuple(spec.param_shape)
    sdt = "float64" if spec.dtype == "float64" else "float32"
    names = arg_names(spec)
    inputs = [Arg("x", shape, spec.dtype)]
    inputs += [Arg(n, pshape, spec.dtype, cast=True) for n in names[1:-1]]
    inputs.append(Arg("dy", shape, spec.dtype))
    results = [Arg("dx", shape, spec.dtype)]
    results += [Arg(n, pshape, sdt, summed=True) for n in result_names(spec)[1:]]
    return Signature(tuple(inputs), tuple(results),
                     call=f"{', '.join(names)} (scale={spec.scale}, center={spec.center})",
                     dynamic_in_module=dynamic_in_module,
                     max_dynamic=max_dynamic if dynamic_in_module else None)


def formulation(spec: GroupNormSpec, target: Target) -> str:
    """``"kernel"`` (``_kernels.grad_module_text``) where this row has CPU kernels and one
    serves ``spec``; the GPU kernels' name (``_gpu_kernels.grad_module_text``) on GPU rows
    where they serve it; else ``"barrier-upcast"`` (GPU rows) or ``"plain"``: ``_backward``."""
    if target.kernel and _kernels.grad_supports(spec):
        return "kernel"
    if _gpu_kernels.grad_supports(spec, target):  # GPU rows: _gpu_kernels._backward
        return _gpu_kernels.grad_formulation(target)
    return "barrier-upcast" if _barrier_upcast(target) else "plain"


def _check_gpu_callable(spec: GroupNormSpec, target: Target) -> None:
    """Refuse the GPU backward of a callable activation that combines elements: IREE 3.13's
    SPIR-V code of it returned wrong gradients, different run to run (a softmax over the
    channels of NCHW data on lavapipe: dx off by 1.0, or NaN), or failed to compile (a
    channel mean subtracted); the forward is right, and llvm-cpu runs the backward."""
    from . import _activations

    act = spec.activation
    if act is None or isinstance(act, str):
        return
    mixing = _activations.non_elementwise_primitives(
        act, [1 if d is None else d for d in spec.shape])
    if mixing:
        raise ValueError(
            f"op.vjp of activation_fn={act!r} on target {target.name!r}: the callable may "
            f"combine elements (it uses {', '.join(mixing)}), and IREE 3.13's GPU code of "
            f"such a backward gave wrong gradients; compile the op for 'llvm-cpu' for its "
            f"vjp (the forward runs on {target.name!r}), or use an elementwise activation.")


def _one_module(spec: GroupNormSpec, target: Target) -> bool:
    """Whether one module serves every size of ``spec``'s dynamic axes (a kernel's batch)."""
    return bool(target.kernel and _kernels.grad_serves_dynamic(spec)) or \
        _gpu_kernels.grad_serves_dynamic(spec, target)


def _text(spec: GroupNormSpec, target: Target) -> str:
    from . import _backward

    form = formulation(spec, target)
    if form != "kernel" and not _gpu_kernels.is_formulation(form):
        if _barrier_upcast(target):
            _check_gpu_callable(spec, target)
        return target.prepare(_backward.stablehlo_text(spec, _barrier_upcast(target)))
    from ._export import add_out_entry

    module = (_kernels.grad_module_text(spec) if form == "kernel" else
              _gpu_kernels.grad_module_text(spec, target))
    text = add_out_entry(module, len(arg_names(spec)),
                         tuple(spec.shape), spec.dtype, spec_text=spec.key_text(), op="grad")
    return target.prepare(text)


class CompiledGroupNormGrad(_build._CompiledOp):
    """The backward of a :class:`CompiledGroupNorm`, compiled for one spec and target.

    ``grad(x, [gamma], [beta], dy, out=None) -> (dx, [dgamma], [dbeta])``: the arguments of
    the forward plus the output cotangent ``dy`` (x's shape and dtype); the cotangent of
    each argument in the same order: ``dx`` in the input dtype, ``dgamma``/``dbeta`` in the
    dtype of the gamma/beta given when that is a floating dtype (else the input dtype). ``dx`` is written into ``out``
    when given (a writable array of x's shape and dtype, any strides). Safe from any thread.

    Attributes:
      spec, target, key, vmfb, path: as :class:`CompiledGroupNorm` (``target`` is None for a
        bundle's module, which runs on ``runner``: a target row or a driver name).
    """

    # Built on the one build path (_build.get): its cache keys are the forward's parts plus
    # _KEY_PART; a dynamic spec runs one kernel module (_one_module) or its static block
    # module.
    _KIND = _build._Kind(
        name="grad", formulation=formulation, text=_text, key_parts=(_KEY_PART,),
        suffix="-grad", one_module=_one_module, stats=STATS)
    _NO_DRIVER = ("target {name!r} is compile-only on this machine: no IREE runtime driver "
                  "here runs its backward module.")

    def __init__(self, spec: GroupNormSpec, target: Optional[Target], vmfb: bytes, key: str,
                 path: Optional[str], block: Optional["CompiledGroupNormGrad"] = None,
                 runner: Any = None):
        super().__init__(spec, target, vmfb, key, path, block)
        self._runner = runner

    def __repr__(self) -> str:
        where = self.target.name if self.target is not None else \
            getattr(self._runner, "name", self._runner)
        return (f"CompiledGroupNormGrad({self.spec.short_name()}, target={where!r}, "
                f"key={self.key[:12]})")

    def _signature(self):
        # A dynamic spec runs one module that takes its batch (no block; never a bundle's:
        # those are block modules), or its static block module (each None axis of size 1).
        if self._runner is not None:  # a bundle's module: its manifest said (from_module)
            return grad_signature(self.spec, self._dynamic_in_module, self._max_dynamic)
        return grad_signature(self.spec, dynamic_in_module=self._block is None and
                              not self.spec.is_static, max_dynamic=self.target.max_dynamic)

    def __call__(self, x, *args, out: Optional[np.ndarray] = None):
        """Checks, conversions, threads, byte order, dynamic axes: see ``_bound.BoundOp``."""
        bound = self._bound or self._loaded()
        n = len(bound.signature.results)
        if out is not None and not isinstance(out, np.ndarray):  # (dx's, passed as a tuple)
            raise ArgumentTypeError(
                f"out (for dx) must be a writable numpy.ndarray of x's shape and dtype (any "
                f"strides), got {type(out).__name__} {out!r:.60}.")
        res = bound(x, *args, out=None if out is None else (out,) + (None,) * (n - 1))
        if n == 1:
            return (res,)
        dx = res[0]
        return (dx, *[r.astype(_cotangent_dtype(p, dx.dtype), copy=False)
                      for r, p in zip(res[1:], args[:-1])])


def _cotangent_dtype(param, default: np.dtype) -> np.dtype:
    """A parameter's cotangent takes the parameter's own floating dtype (a float32 gamma of
    a bfloat16 op gets the float32 sums, not their bfloat16 rounding); the input dtype for
    anything else (a list, an integer array)."""
    try:
        dt = np.dtype(param.dtype)
    except (AttributeError, TypeError):
        return default
    if dt == BFLOAT16:
        return dt
    return dt.newbyteorder("=") if dt.kind == "f" else default  # results are native


def get_grad(spec: GroupNormSpec, target: Target, *,
             cache: Optional[_cache.DiskCache] = None) -> CompiledGroupNormGrad:
    """The compiled backward for (spec, target), from memory, disk, or a fresh compile."""
    return _build.get(spec, target, cache, CompiledGroupNormGrad)


def _build_static(spec: GroupNormSpec, target: Target, cache: _cache.DiskCache
                  ) -> CompiledGroupNormGrad:
    return _build.build_static(spec, target, cache, CompiledGroupNormGrad)


def from_module(spec: GroupNormSpec, vmfb: bytes, runner: Any, key: str = "", *,
                dynamic_in_module: bool = False, max_dynamic: Optional[int] = None
                ) -> CompiledGroupNormGrad:
    """A backward op from a compiled module's bytes, runtime-only (the deploy side): ``vmfb``
    is the module for ``spec`` that takes its dynamic axes itself (``dynamic_in_module``: a
    kernel's batch, at most ``max_dynamic``) or the static one with each dynamic axis of
    size 1; ``runner`` is a target row (``driver_for``) or a runtime driver name."""
    op = CompiledGroupNormGrad(spec, None, vmfb, key, None, runner=runner)
    op._dynamic_in_module = dynamic_in_module and not spec.is_static
    op._max_dynamic = max_dynamic
    return op


def vjp(op, x, *args, out: Optional[np.ndarray] = None):
    """``op.vjp``: the backward of the compiled forward ``op`` (same spec and target)."""
    grad = op.__dict__.get("_grad")
    if grad is None:
        with compile_side(f"op.vjp of {op.spec.short_name()} on {op.target.name}"):
            grad = op._grad = get_grad(op.spec, op.target)
    return grad(x, *args, out=out)
