"""Compiled group-norm ops: build (trace, export, compile) or fetch from the caches, and call.

``get_op(spec, target)`` is the one way an op comes to exist. It looks in memory, then on
disk by the spec-level lookup key (no JAX needed), and only then traces the JAX definition,
exports StableHLO and runs ``iree-compile``.
"""

from __future__ import annotations

import threading
from typing import Dict, Optional, Tuple

import numpy as np

from . import _cache, _gpu_kernels, _kernels
from ._compiler import compile_flags, compile_text
from ._spec import GroupNormSpec
from ._targets import Target

_MEMORY: Dict[Tuple[GroupNormSpec, str], "CompiledGroupNorm"] = {}
_LOCK = threading.Lock()

# Counters that tests and benchmarks read to prove where an op came from.
STATS = {"traced": 0, "compiled": 0, "disk_hits": 0, "memory_hits": 0}


def _as_array(value, arg: str) -> np.ndarray:
    """NumPy view of an array-like (see ``_bound.as_host_array``), in native byte order:
    ``group_norm`` makes its variables in x's dtype, and a big-endian one would not match a
    later native call ("specified dtype float32 and found dtype float32")."""
    from ._bound import as_host_array

    a = as_host_array(value, arg)
    if not a.dtype.isnative:
        a = a.astype(a.dtype.newbyteorder("="))
    return a


class CompiledGroupNorm:
    """A group-norm op compiled by IREE for one spec and one target.

    Call it as ``op(x, gamma, beta, out=None)``: ``gamma`` is passed when the spec has
    ``scale=True``, ``beta`` when ``center=True`` (each shape ``[C]``, the input dtype).
    ``x`` must have the spec's shape (any size on ``None`` axes) and dtype; the result is a
    NumPy array of the same shape and dtype, written into ``out`` when given.

    Attributes:
      spec: the :class:`GroupNormSpec`.
      target: the :class:`Target` row it was compiled for.
      key: the content cache key (sha256 hex).
      vmfb: the compiled module bytes.
      path: the on-disk cache file, or None when the cache was not writable.
    """

    def __init__(self, spec: GroupNormSpec, target: Target, vmfb: bytes, key: str,
                 path: Optional[str], block: Optional["CompiledGroupNorm"] = None):
        self.spec, self.target, self.vmfb, self.key, self.path = spec, target, vmfb, key, path
        self._block = block  # for dynamic specs: the static op driven over the dynamic axes
        self._bound = None  # the _bound.BoundOp, made on the first call
        self._bind_lock = threading.Lock()

    def __repr__(self) -> str:
        return (f"CompiledGroupNorm({self.spec.short_name()}, target={self.target.name!r}, "
                f"key={self.key[:12]})")

    def _loaded(self):
        """The :class:`_bound.BoundOp` that runs this op (made once)."""
        with self._bind_lock:
            if self._bound is None:
                if self.target.driver is None:
                    raise RuntimeError(
                        f"target {self.target.name!r} is compile-only on this machine: no IREE "
                        f"runtime driver here runs it. Ship the module (see `iree-gn build`) "
                        f"to a machine that has the device.")
                from . import _bound

                # A dynamic spec runs one module that takes its dynamic axes (_one_module:
                # no block), or its static block module (each None axis of size 1).
                sig = _bound.group_norm_signature(
                    self.spec, dynamic_in_module=self._block is None and not self.spec.is_static)
                self._bound = _bound.BoundOp(self.vmfb, sig, self.target)
            return self._bound

    def __call__(self, x, *params, out: Optional[np.ndarray] = None) -> np.ndarray:
        """``y = op(x, gamma, beta, out=None)``: checks, conversions, threads, byte order,
        dynamic axes: see ``_bound.BoundOp``."""
        return (self._bound or self._loaded())(x, *params, out=out)

    @property
    def stablehlo(self) -> str:
        """The StableHLO text this op was compiled from (re-traced if not on disk)."""
        if self._block is not None:
            return self._block.stablehlo
        if self.path:
            try:
                with open(self.path[:-5] + ".mlir") as f:
                    return f.read()
            except OSError:
                pass
        from ._export import stablehlo_text

        return stablehlo_text(self.spec, self.target.formulation_for(self.spec))

    def vjp(self, x, *args, out: Optional[np.ndarray] = None):
        """The backward pass: ``op.vjp(x, [gamma], [beta], dy, out=None)`` returns the
        cotangents of the op's arguments in the same order, ``(dx, [dgamma], [dbeta])``,
        compiled and cached like the forward (see ``iree_gn._grad``)."""
        from . import _grad

        return _grad.vjp(self, x, *args, out=out)


def _block_spec(spec: GroupNormSpec) -> GroupNormSpec:
    return spec.with_shape([1 if d is None else d for d in spec.shape])


def _one_module(spec: GroupNormSpec, target: Target) -> bool:
    """Whether one module serves every size of ``spec``'s dynamic axes: a hand-written
    kernel with a dynamic batch, on CPU rows (``_kernels.serves_dynamic``) or GPU rows
    (``_gpu_kernels.serves_dynamic``). The op then binds it with the axes inside the module
    (``_bound.Signature.dynamic_in_module``); other dynamic specs run a static block module
    once per index of their dynamic axes. The one predicate for both (``get_op``, bundles)."""
    return bool(target.kernel and _kernels.serves_dynamic(spec)) or \
        _gpu_kernels.serves_dynamic(spec, target)


def get_op(spec: GroupNormSpec, target: Target, *, cache: Optional[_cache.DiskCache] = None
           ) -> CompiledGroupNorm:
    """The compiled op for (spec, target), from memory, disk, or a fresh compile."""
    mkey = (spec, target)
    op = _MEMORY.get(mkey)
    if op is not None:
        STATS["memory_hits"] += 1
        return op
    if spec.dtype == "float64" and not target.f64:
        raise TypeError(
            f"dtype float64 is not supported on target {target.name!r}, whose devices lack "
            f"native float64; use float32, or target 'llvm-cpu'.")
    with _LOCK:
        op = _MEMORY.get(mkey)
        if op is None:
            cache = cache or _cache.DiskCache()
            if spec.is_static or _one_module(spec, target):
                op = _build_static(spec, target, cache)
            else:
                bspec = _block_spec(spec)
                block = _MEMORY.get((bspec, target)) or _build_static(bspec, target, cache)
                _MEMORY[(bspec, target)] = block
                op = CompiledGroupNorm(spec, target, block.vmfb, block.key, block.path, block)
            _MEMORY[mkey] = op
    return op


def _build_static(spec: GroupNormSpec, target: Target, cache: _cache.DiskCache
                  ) -> CompiledGroupNorm:
    flags = compile_flags(target, spec.dtype)
    lookup = None
    if spec.portable:
        lookup = _cache.make_key(_cache.lookup_key_parts(
            spec.key_text(), target.name, flags, target.formulation_for(spec)))
        hit = cache.lookup(lookup)
        if hit is not None:
            data = cache.load(hit[0], target.name)
            if data is not None:
                STATS["disk_hits"] += 1
                return CompiledGroupNorm(spec, target, data, hit[0],
                                         cache.entry_paths(hit[0], target.name)[0])
    from ._export import stablehlo_text

    text = target.prepare(stablehlo_text(spec, target.formulation_for(spec)))
    STATS["traced"] += 1
    key = _cache.make_key(_cache.content_key_parts(text, spec.key_text(), target.name, flags))
    data = cache.load(key, target.name)
    if data is None:
        data = compile_text(text, target, spec.dtype)
        STATS["compiled"] += 1
    else:
        STATS["disk_hits"] += 1
    path = cache.store(key, target.name, data, {"spec_name": spec.short_name(),
                                               "flags": list(flags)},
                       lookup_key=lookup, stablehlo=text)
    return CompiledGroupNorm(spec, target, data, key, path)


def clear_memory_cache() -> None:
    """Forget every op compiled in this process (the disk cache is untouched)."""
    with _LOCK:
        _MEMORY.clear()
