"""The compiled backward op: ``op.vjp(x, [gamma], [beta], dy) -> (dx, [dgamma], [dbeta])``.

``get_grad(spec, target)`` is the one way a backward op comes to exist: memory, then the
disk cache by a spec-level lookup key, then trace (``_backward``), export and compile.
Its cache keys are the forward's parts plus ``("op", "grad")``, so a backward module never
answers for a forward one (the lookup key already covers this package's source, this
module and ``_backward`` included: ``_cache.source_digest``).

It is called through the one call path, ``_bound.BoundOp`` (checks, conversions, threads,
byte order, ``out=``), with :func:`grad_signature`. A dynamic spec runs a static *block*
module (each dynamic axis of size 1) over every index of its dynamic axes: dx block by
block, dgamma/dbeta (sums over all samples) added up over the blocks in float64
(``Arg.summed``). :func:`from_module` makes one from a bundle's module, runtime-only.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, Optional, Tuple

import numpy as np

from . import _cache
from ._backward import arg_names, result_names
from ._compiler import compile_flags, compile_text
from ._spec import GroupNormSpec
from ._targets import Target

_MEMORY: Dict[Tuple[GroupNormSpec, str], "CompiledGroupNormGrad"] = {}
_LOCK = threading.Lock()
STATS = {"traced": 0, "compiled": 0, "disk_hits": 0, "memory_hits": 0}
_KEY_PART = ("op", "grad")


def _barrier_upcast(target: Target) -> bool:
    # The GPU code generators want float16/bfloat16 widened behind a barrier (_authoring).
    return target.backend != "llvm-cpu"


def grad_signature(spec: GroupNormSpec):
    """``main(x, [gamma], [beta], dy) -> (dx, [dgamma], [dbeta])`` for ``spec``: ``x``/``dy``
    of the spec's shape and dtype, parameters ``[C]`` (cast from any real dtype); ``dx`` in
    the input dtype, ``dgamma``/``dbeta`` in the statistics dtype (float32, float64 for
    float64), summed over the blocks of a dynamic spec (``Arg.summed``)."""
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
                     call=f"{', '.join(names)} (scale={spec.scale}, center={spec.center})")


class CompiledGroupNormGrad:
    """The backward of a :class:`CompiledGroupNorm`, compiled for one spec and target.

    ``grad(x, [gamma], [beta], dy, out=None) -> (dx, [dgamma], [dbeta])``: the arguments of
    the forward plus the output cotangent ``dy`` (x's shape and dtype); the cotangent of
    each argument in the same order, in the input dtype. ``dx`` is written into ``out``
    when given (a writable array of x's shape and dtype, any strides). Safe from any thread.

    Attributes:
      spec, target, key, vmfb, path: as :class:`CompiledGroupNorm` (``target`` is None for a
        bundle's module, which runs on ``runner``: a target row or a driver name).
    """

    def __init__(self, spec: GroupNormSpec, target: Optional[Target], vmfb: bytes, key: str,
                 path: Optional[str], block: Optional["CompiledGroupNormGrad"] = None,
                 runner: Any = None):
        self.spec, self.target, self.vmfb, self.key, self.path = spec, target, vmfb, key, path
        self._block = block  # for dynamic specs: the static op whose module runs the blocks
        self._runner = runner
        self._bound = None  # the _bound.BoundOp, made on the first call
        self._bind_lock = threading.Lock()

    def __repr__(self) -> str:
        where = self.target.name if self.target is not None else \
            getattr(self._runner, "name", self._runner)
        return (f"CompiledGroupNormGrad({self.spec.short_name()}, target={where!r}, "
                f"key={self.key[:12]})")

    def _loaded(self):
        """The :class:`_bound.BoundOp` that runs this op (made once)."""
        with self._bind_lock:
            if self._bound is None:
                runner = self._runner if self._runner is not None else self.target
                if self._runner is None and self.target.driver is None:
                    raise RuntimeError(
                        f"target {self.target.name!r} is compile-only on this machine: no "
                        f"IREE runtime driver here runs its backward module.")
                from ._bound import BoundOp

                # A dynamic spec runs its static block module (each None axis of size 1).
                self._bound = BoundOp(self.vmfb, grad_signature(self.spec), runner)
            return self._bound

    @property
    def stablehlo(self) -> str:
        """The StableHLO text this backward was compiled from (re-traced if not on disk)."""
        if self._block is not None:
            return self._block.stablehlo
        if self.path:
            try:
                with open(self.path[:-5] + ".mlir") as f:
                    return f.read()
            except OSError:
                pass
        if self.target is None:
            raise RuntimeError("a bundle's backward module: its StableHLO is the bundle's "
                               ".mlir file named in the manifest (grad_modules).")
        from . import _backward

        return self.target.prepare(_backward.stablehlo_text(self.spec,
                                                            _barrier_upcast(self.target)))

    def __call__(self, x, *args, out: Optional[np.ndarray] = None):
        """Checks, conversions, threads, byte order, dynamic axes: see ``_bound.BoundOp``."""
        bound = self._bound or self._loaded()
        n = len(bound.signature.results)
        res = bound(x, *args, out=None if out is None else (out,) + (None,) * (n - 1))
        if n == 1:
            return (res,)
        dx = res[0]
        return (dx, *[r.astype(dx.dtype, copy=False) for r in res[1:]])


def get_grad(spec: GroupNormSpec, target: Target, *,
             cache: Optional[_cache.DiskCache] = None) -> CompiledGroupNormGrad:
    """The compiled backward for (spec, target), from memory, disk, or a fresh compile."""
    mkey = (spec, target)
    op = _MEMORY.get(mkey)
    if op is not None:
        STATS["memory_hits"] += 1
        return op
    if spec.dtype == "float64" and not target.f64:
        raise TypeError(f"dtype float64 is not supported on target {target.name!r}, whose "
                        f"devices lack native float64; use float32, or target 'llvm-cpu'.")
    with _LOCK:
        op = _MEMORY.get(mkey)
        if op is None:
            cache = cache or _cache.DiskCache()
            if spec.is_static:
                op = _build_static(spec, target, cache)
            else:
                bspec = spec.with_shape([1 if d is None else d for d in spec.shape])
                block = _MEMORY.get((bspec, target)) or _build_static(bspec, target, cache)
                _MEMORY[(bspec, target)] = block
                op = CompiledGroupNormGrad(spec, target, block.vmfb, block.key, block.path,
                                           block)
            _MEMORY[mkey] = op
    return op


def _build_static(spec: GroupNormSpec, target: Target, cache: _cache.DiskCache
                  ) -> CompiledGroupNormGrad:
    flags = compile_flags(target, spec.dtype)
    form = "barrier-upcast" if _barrier_upcast(target) else "plain"
    lookup = None
    if spec.portable:
        lookup = _cache.make_key(_cache.lookup_key_parts(
            spec.key_text(), target.name, flags, form) + [_KEY_PART])
        hit = cache.lookup(lookup)
        if hit is not None:
            data = cache.load(hit[0], target.name)
            if data is not None:
                STATS["disk_hits"] += 1
                return CompiledGroupNormGrad(spec, target, data, hit[0],
                                             cache.entry_paths(hit[0], target.name)[0])
    from . import _backward

    text = target.prepare(_backward.stablehlo_text(spec, _barrier_upcast(target)))
    STATS["traced"] += 1
    key = _cache.make_key(_cache.content_key_parts(text, spec.key_text(), target.name, flags)
                          + [_KEY_PART])
    data = cache.load(key, target.name)
    if data is None:
        data = compile_text(text, target, spec.dtype)
        STATS["compiled"] += 1
    else:
        STATS["disk_hits"] += 1
    path = cache.store(key, target.name, data, {"spec_name": spec.short_name() + "-grad",
                                               "flags": list(flags)},
                       lookup_key=lookup, stablehlo=text)
    return CompiledGroupNormGrad(spec, target, data, key, path)


def from_module(spec: GroupNormSpec, vmfb: bytes, runner: Any, key: str = ""
                ) -> CompiledGroupNormGrad:
    """A backward op from a compiled module's bytes, runtime-only (the deploy side): ``vmfb``
    is the static module for ``spec`` with each dynamic axis of size 1; ``runner`` is a
    target row (``driver_for``) or a runtime driver name."""
    return CompiledGroupNormGrad(spec, None, vmfb, key, None, runner=runner)


def vjp(op, x, *args, out: Optional[np.ndarray] = None):
    """``op.vjp``: the backward of the compiled forward ``op`` (same spec and target)."""
    grad = op.__dict__.get("_grad")
    if grad is None:
        grad = op._grad = get_grad(op.spec, op.target)
    return grad(x, *args, out=out)
