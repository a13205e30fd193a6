"""The compiled backward op: ``op.vjp(x, [gamma], [beta], dy) -> (dx, [dgamma], [dbeta])``.

``get_grad(spec, target)`` is the one way a backward op comes to exist: memory, then the
disk cache by a spec-level lookup key, then trace (``_backward``), export and compile.
Its cache keys are the forward's parts plus ``("op", "grad")`` (and, for the lookup key,
the digest of this module and ``_backward``), so a backward module never answers for a
forward one. A dynamic spec drives a static *block* module (each dynamic axis of size 1)
over every index of its dynamic axes: dx block by block, dgamma/dbeta summed over the
blocks (they are sums over all samples).

``_Invoker`` is an interim multi-result call path (see its docstring): it is the piece
to move onto ``_bound.BoundOp`` when that lands.
"""

from __future__ import annotations

import hashlib
import itertools
import os
import threading
from typing import Dict, Optional, Tuple

import numpy as np

from . import _cache
from ._backward import arg_names, result_names
from ._compiler import compile_flags, compile_text
from ._spec import GroupNormSpec, canonical_dtype
from ._targets import Target

_MEMORY: Dict[Tuple[GroupNormSpec, str], "CompiledGroupNormGrad"] = {}
_LOCK = threading.Lock()
STATS = {"traced": 0, "compiled": 0, "disk_hits": 0, "memory_hits": 0}
_KEY_PART = ("op", "grad")


def _source_digest() -> str:
    h = hashlib.sha256()
    here = os.path.dirname(os.path.abspath(__file__))
    for name in ("_backward.py", "_grad.py"):
        with open(os.path.join(here, name), "rb") as f:
            h.update(name.encode() + b"\0" + f.read() + b"\0")
    return h.hexdigest()


def _barrier_upcast(target: Target) -> bool:
    # The GPU code generators want float16/bfloat16 widened behind a barrier (_authoring).
    return target.backend != "llvm-cpu"


class _Invoker:
    """A loaded backward module and a multi-result call: ``main_out`` on CPU drivers (dx
    written into the caller's buffer, inputs imported zero-copy where aligned), else
    ``main`` with copies in and out.

    INTERIM: this is the piece to move onto h1's ``_bound.BoundOp`` (one runtime-only call
    path). It uses ``_runtime.Device.get``, ``LoadedModule`` (``context``, ``module``,
    ``_import_now``) and ``Device.to_device``/``to_host`` only.
    """

    def __init__(self, vmfb: bytes, driver: str, spec: GroupNormSpec):
        from . import _runtime

        self._rt = _runtime
        self.device = _runtime.Device.get(driver)
        self.loaded = _runtime.LoadedModule(vmfb, self.device)
        self.dtype = spec.dtype
        self.n_results = len(result_names(spec))
        sdt = "float64" if spec.dtype == "float64" else "float32"
        self.result_dtypes = [spec.dtype] + [sdt] * (self.n_results - 1)

    def __call__(self, arrays, out: Optional[np.ndarray]):
        import iree.runtime as rt

        _rt, dev, lm = self._rt, self.device, self.loaded
        zero_copy = dev.host_memory and lm.function_out is not None
        args = rt.VmVariantList(len(arrays) + 1)
        keep = []  # arrays whose memory an import aliases: alive until the call returns
        for a in arrays:
            if zero_copy and a.nbytes > _rt._SMALL_COPY:
                if not (_rt.is_importable(a) and a.flags.writeable):
                    a = _rt.aligned_array(a)
                keep.append(a)
                args.push_ref(lm._import_now(a, self.dtype, bare=False))
            else:
                args.push_ref(dev.to_device(np.ascontiguousarray(a), self.dtype))
        results = rt.VmVariantList(self.n_results)
        if zero_copy:
            dx = out if out is not None and _rt.is_importable(out) and out.flags.writeable \
                else _rt.aligned_empty(arrays[0].shape, arrays[0].dtype)
            args.push_ref(lm._import_now(dx, self.dtype, bare=True))
            lm.context.invoke(lm.function_out, args, results)
            if out is not None and dx is not out:
                np.copyto(out, dx)
                dx = out
        else:
            lm.context.invoke(lm.function, args, results)
            dx = dev.to_host(results.get_as_object(0, rt.HalBufferView), self.dtype, out)
        rest = [dev.to_host(results.get_as_object(i, rt.HalBufferView), self.result_dtypes[i])
                for i in range(1, self.n_results)]
        return [dx, *rest]


class CompiledGroupNormGrad:
    """The backward of a :class:`CompiledGroupNorm`, compiled for one spec and target.

    ``grad(x, [gamma], [beta], dy, out=None) -> (dx, [dgamma], [dbeta])``: the arguments of
    the forward plus the output cotangent ``dy`` (x's shape and dtype); the cotangent of
    each argument in the same order, in the input dtype. ``dx`` is written into ``out``
    when given (a writable C-contiguous array of x's shape and dtype).
    """

    def __init__(self, spec: GroupNormSpec, target: Optional[Target], vmfb: bytes, key: str,
                 path: Optional[str], block: Optional["CompiledGroupNormGrad"] = None,
                 driver: Optional[str] = None):
        self.spec, self.target, self.vmfb, self.key, self.path = spec, target, vmfb, key, path
        self._block = block
        self._driver = driver  # a bundle's module: its recorded driver (no target row needed)
        self._invoker = None
        self._load_lock = threading.Lock()
        self._names = arg_names(spec)

    def __repr__(self) -> str:
        where = self.target.name if self.target is not None else self._driver
        return (f"CompiledGroupNormGrad({self.spec.short_name()}, target={where!r}, "
                f"key={self.key[:12]})")

    def _loaded(self) -> _Invoker:
        if self._invoker is None:
            driver = self._driver or (self.target.driver_for(self.spec.nbytes)
                                      if self.target.driver else None)
            if driver is None:
                raise RuntimeError(
                    f"target {self.target.name!r} is compile-only on this machine: no IREE "
                    f"runtime driver here runs its backward module.")
            with self._load_lock:
                if self._invoker is None:
                    self._invoker = _Invoker(self.vmfb, driver, self.spec)
        return self._invoker

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
        from . import _backward

        return self.target.prepare(_backward.stablehlo_text(self.spec,
                                                            _barrier_upcast(self.target)))

    def __call__(self, x, *args, out: Optional[np.ndarray] = None):
        from ._ops import _as_array

        spec = self.spec
        if len(args) + 1 != len(self._names):
            raise TypeError(
                f"vjp takes {', '.join(self._names)} ({len(self._names)} arrays: "
                f"scale={spec.scale}, center={spec.center}), got {len(args) + 1}.")
        x = _as_array(x, "x")
        if not spec.matches(x.shape):
            raise ValueError(f"x has shape {x.shape}; this op was compiled for {spec.shape} "
                             f"(None = any size).")
        if canonical_dtype(x.dtype, arg="x.dtype") != spec.dtype:
            raise TypeError(f"x has dtype {x.dtype}; this op was compiled for {spec.dtype}.")
        dy = _as_array(args[-1], "dy")
        if dy.shape != x.shape or dy.dtype != x.dtype:
            raise ValueError(f"dy has shape {dy.shape} and dtype {dy.dtype}; it must match x "
                             f"({x.shape}, {x.dtype}).")
        ps = []
        for name, p in zip(self._names[1:-1], args[:-1]):
            p = _as_array(p, name)
            if p.shape != spec.param_shape:
                raise ValueError(f"{name} has shape {p.shape}; expected {spec.param_shape}.")
            ps.append(np.ascontiguousarray(p, dtype=x.dtype))
        if out is not None and (not isinstance(out, np.ndarray) or out.shape != x.shape
                                or out.dtype != x.dtype or not out.flags.c_contiguous
                                or not out.flags.writeable):
            raise ValueError(f"out must be a writable C-contiguous ndarray of shape {x.shape} "
                             f"and dtype {x.dtype}.")
        x, dy = np.ascontiguousarray(x), np.ascontiguousarray(dy)
        if x.size == 0:
            dx = out if out is not None else np.zeros(x.shape, x.dtype)
            return (dx, *[np.zeros(spec.param_shape, x.dtype) for _ in ps])
        if self._block is not None:
            res = self._call_blocks(x, ps, dy, out)
        else:
            res = self._loaded()([x, *ps, dy], out)
        return (res[0], *[r.astype(x.dtype) for r in res[1:]])

    def _call_blocks(self, x, ps, dy, out):
        """dx block by block; dgamma/dbeta (sums over all samples) summed in float64."""
        inv = self._block._loaded()
        dx = out if out is not None else np.empty(x.shape, x.dtype)
        sums = None
        axes = self.spec.dynamic_axes
        for idx in itertools.product(*(range(x.shape[a]) for a in axes)):
            sl = [slice(None)] * x.ndim
            for a, i in zip(axes, idx):
                sl[a] = slice(i, i + 1)
            sl = tuple(sl)
            ob = dx[sl]
            res = inv([np.ascontiguousarray(x[sl]), *ps, np.ascontiguousarray(dy[sl])],
                      ob if ob.flags.c_contiguous else None)
            if res[0] is not ob:
                ob[...] = res[0]
            part = [r.astype(np.float64) for r in res[1:]]
            sums = part if sums is None else [s + p for s, p in zip(sums, part)]
        return [dx, *(sums or [])]


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
            spec.key_text(), target.name, flags, form) + [_KEY_PART,
                                                           ("grad-source", _source_digest())])
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


def from_module(spec: GroupNormSpec, vmfb: bytes, driver: str, key: str = ""
                ) -> CompiledGroupNormGrad:
    """A backward op from a compiled module's bytes, runtime-only (the deploy side): ``vmfb``
    is the static module for ``spec`` with each dynamic axis of size 1."""
    bspec = spec.with_shape([1 if d is None else d for d in spec.shape])
    block = CompiledGroupNormGrad(bspec, None, vmfb, key, None, driver=driver)
    if spec.is_static:
        return block
    return CompiledGroupNormGrad(spec, None, vmfb, key, None, block, driver=driver)


def vjp(op, x, *args, out: Optional[np.ndarray] = None):
    """``op.vjp``: the backward of the compiled forward ``op`` (same spec and target)."""
    grad = op.__dict__.get("_grad")
    if grad is None:
        grad = op._grad = get_grad(op.spec, op.target)
    return grad(x, *args, out=out)
