"""Compiled group-norm ops: build (trace, export, compile) or fetch from the caches, and call.

``get_op(spec, target)`` is the one way an op comes to exist. It looks in memory, then on
disk by the spec-level lookup key (no JAX needed), and only then traces the JAX definition,
exports StableHLO and runs ``iree-compile``: the one build path of ``_build``, which the
backward (``_grad``) shares; this module gives it the forward's :class:`_build._Kind`.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from . import _build, _cache, _gpu_kernels, _kernels
from ._build import clear_memory_cache  # noqa: F401  (public via __init__)
from ._bound import call_arguments
from ._spec import GroupNormSpec
from ._targets import Target

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


class CompiledGroupNorm(_build._CompiledOp):
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
      formulation: which formulation the module runs: ``"kernel"`` (a hand-written llvm-cpu
        kernel, ``iree_gn/_kernels``), ``"gpu-kernel..."`` (a hand-written GPU kernel), or
        a JAX route of ``_authoring`` (``"fused"``, ``"split"``, ``"native"``, ``"barrier"``).
    """

    _NO_DRIVER = ("target {name!r} is compile-only on this machine: no IREE runtime driver "
                  "here runs it. Ship the module (see `iree-gn build`) to a machine that has "
                  "the device.")

    def __init__(self, spec: GroupNormSpec, target: Target, vmfb: bytes, key: str,
                 path: Optional[str], block: Optional["CompiledGroupNorm"] = None):
        super().__init__(spec, target, vmfb, key, path, block)

    def __repr__(self) -> str:
        return (f"CompiledGroupNorm({self.spec.short_name()}, target={self.target.name!r}, "
                f"key={self.key[:12]})")

    @property
    def formulation(self) -> str:
        """The formulation this op's module runs (see the class docstring): the target row's
        choice for the spec (``Target.formulation_for``), which also picked the module; a
        dynamic spec run per index of its dynamic axes says its static block module's."""
        if self._block is not None:
            return self._block.formulation
        return self._KIND.formulation(self.spec, self.target)

    @property
    def vjp_formulation(self) -> str:
        """What :meth:`vjp` runs: ``"kernel"`` (the hand-written CPU backward), the GPU
        kernels' name on GPU rows, else a JAX form (``"plain"`` on CPUs,
        ``"barrier-upcast"`` on GPU rows)."""
        from . import _grad

        return _grad.formulation(self.spec, self.target)

    def _signature(self):
        from . import _bound

        # A dynamic spec runs one module that takes its dynamic axes (_one_module: no
        # block), or its static block module (each None axis of size 1).
        return _bound.group_norm_signature(
            self.spec, dynamic_in_module=self._block is None and not self.spec.is_static,
            max_dynamic=self.target.max_dynamic)

    def __call__(self, x, *params, gamma=None, beta=None,
                 out: Optional[np.ndarray] = None) -> np.ndarray:
        """``y = op(x, gamma, beta, out=None)`` (or ``op(x, gamma=g, beta=b)``, as a bundle
        takes them): checks, conversions, threads, byte order, dynamic axes: see
        ``_bound.BoundOp``."""
        if gamma is not None or beta is not None:
            params = call_arguments(self.spec, params, dict(gamma=gamma, beta=beta), ())
        return (self._bound or self._loaded())(x, *params, out=out)

    def vjp(self, x, *args, gamma=None, beta=None, dy=None,
            out: Optional[np.ndarray] = None):
        """The backward pass: ``op.vjp(x, [gamma], [beta], dy, out=None)`` (any of them by
        keyword too) returns the cotangents of the op's arguments in the same order,
        ``(dx, [dgamma], [dbeta])``, compiled and cached like the forward (see
        ``iree_gn._grad``)."""
        from . import _grad

        if gamma is not None or beta is not None or dy is not None:
            args = call_arguments(self.spec, args, dict(gamma=gamma, beta=beta, dy=dy), ("dy",))
        return _grad.vjp(self, x, *args, out=out)

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
    return _build.get(spec, target, cache, CompiledGroupNorm)


def _build_static(spec: GroupNormSpec, target: Target, cache: _cache.DiskCache
                  ) -> CompiledGroupNorm:
    return _build.build_static(spec, target, cache, CompiledGroupNorm)


def _forward_text(spec: GroupNormSpec, target: Target) -> str:
    from ._export import stablehlo_text

    return target.prepare(stablehlo_text(spec, target.formulation_for(spec)))


CompiledGroupNorm._KIND = _build._Kind(
    name="forward", formulation=lambda spec, target: target.formulation_for(spec),
    text=_forward_text, key_parts=(), suffix="", one_module=_one_module, stats=STATS)
