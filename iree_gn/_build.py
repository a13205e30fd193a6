"""The one build path of compiled ops, whatever their kind (forward ``_ops``, backward
``_grad``): memory, then the disk cache by the spec-level lookup key (no JAX needed), and
only then trace, export StableHLO and run ``iree-compile``; and what every compiled op
shares (``_CompiledOp``). What differs between kinds is a :class:`_Kind` record.
"""

from __future__ import annotations

import copy
import os
import sys
import threading
from dataclasses import dataclass
from typing import Any, Callable, Dict, Optional, Tuple

from . import _cache, _devices, _process, _targets
from ._kernels import _tuning as _cpu_tuning
from ._compiler import compile_flags, compile_text
from ._spec import GroupNormSpec
from ._targets import Target

# One memory for every kind of op, keyed by (kind name, spec, target), so
# clear_memory_cache() forgets backward ops too.
_MEMORY: Dict[Tuple[str, GroupNormSpec, Target], "_CompiledOp"] = {}
_LOCK = threading.Lock()  # held through a compile
_process.new_lock_in_child(sys.modules[__name__], "_LOCK")


@dataclass(frozen=True)
class _Kind:
    """What differs between the kinds of compiled op (forward, backward) on the one build
    path (``get``, ``build_static``).

    name: the memory-cache tag. formulation(spec, target): the lookup key's formulation
    part. text(spec, target): the compiler input (StableHLO prepared for the target; traces).
    key_parts: appended to both cache keys (so no kind answers for another). suffix: of the
    cached ``spec_name``. one_module(spec, target): whether one module takes the spec's
    dynamic axes (else a static block module runs per index). stats: the counters to bump."""
    name: str
    formulation: Callable[[GroupNormSpec, Target], str]
    text: Callable[[GroupNormSpec, Target], str]
    key_parts: Tuple[Tuple[str, str], ...]
    suffix: str
    one_module: Callable[[GroupNormSpec, Target], bool]
    stats: Dict[str, int]


def _check_picklable(activation) -> None:
    """A clear error for an op whose activation_fn cannot travel (a lambda, a closure)."""
    if activation is None or isinstance(activation, str):
        return
    import pickle

    try:
        pickle.dumps(activation)
    except Exception as e:
        raise TypeError(
            f"this op cannot be pickled: its activation_fn {activation!r} cannot be ({e}). "
            f"Use an activation name, or a plain Python function defined at a module's top "
            f"level, which the worker imports by name (lambdas, closures and jax.jit-wrapped "
            f"functions such as jax.nn.silu do not pickle; copy.deepcopy works for all).") from e


class _CompiledOp:
    """What every compiled op shares: its module, binding it once (``_loaded``) and the
    StableHLO it came from. A subclass names its ``_KIND``, its call ``_signature()`` and
    what ``_NO_DRIVER`` says when no runtime driver here runs its module."""

    _KIND: _Kind
    _NO_DRIVER = ""

    def __init__(self, spec: GroupNormSpec, target: Optional[Target], vmfb: bytes, key: str,
                 path: Optional[str], block: Optional["_CompiledOp"] = None):
        self.spec, self.target, self.vmfb, self.key, self.path = spec, target, vmfb, key, path
        self._block = block  # for dynamic specs: the static op driven over the dynamic axes
        self._runner: Any = None  # set for a bundle's module, which has no target
        self._bound = None  # the _bound.BoundOp, made on the first call
        self._bind_lock = threading.Lock()
        _process.new_lock_in_child(self, "_bind_lock")

    def _state(self) -> dict:
        # A copy carries the module bytes, so it needs no compiler; the binding to a device
        # is made again on its first call.
        state = dict(self.__dict__, _bound=None)
        del state["_bind_lock"]
        return state

    def __getstate__(self):  # pickled: a 'spawn' worker
        _check_picklable(self.spec.activation)
        return self._state()

    def __copy__(self):
        new = object.__new__(type(self))
        new.__setstate__(self._state())
        return new

    def __deepcopy__(self, memo):
        # The spec and target are immutable and shared: an activation_fn (a jitted JAX
        # function) may not copy, and needs not.
        new = object.__new__(type(self))
        memo[id(self)] = new
        new.__setstate__({k: v if k in ("spec", "target") else copy.deepcopy(v, memo)
                          for k, v in self._state().items()})
        return new

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._bind_lock = threading.Lock()
        _process.new_lock_in_child(self, "_bind_lock")

    def _signature(self):
        raise NotImplementedError

    def _loaded(self):
        """The :class:`_bound.BoundOp` that runs this op (made once)."""
        with self._bind_lock:
            if self._bound is None:
                runner = self._runner if self._runner is not None else self.target
                if self._runner is None:
                    self._check_device()
                from ._bound import BoundOp

                self._bound = BoundOp(self.vmfb, self._signature(), runner)
            return self._bound

    def _check_device(self) -> None:
        """A module compiled for a device this machine lacks says so, naming its target,
        before IREE's own error from deep inside the driver."""
        from ._runtime import DeviceError

        t = self.target
        if t.driver is None:
            raise DeviceError(self._NO_DRIVER.format(name=t.name))
        if t.fits is not None:
            ok, why = _targets.fits_here(t)
            # Refused here: no device at all, a Vulkan subgroup size or ROCm gfx that
            # differs, a CUDA GPU older than the PTX. Left to the driver: PTX for an older
            # architecture (sm_80's runs on an H100), a compute capability that reads unknown.
            d = _devices.probe().get(t.driver) or {}
            if not ok and (not d.get("available") or t.backend != "cuda" or
                           not any(_targets.cuda_may_run(t, dev) for dev in d["devices"])):
                raise DeviceError(
                    f"target {t.name!r} cannot run here: {why}. The module is compiled; run "
                    f"it where that device is (`iree-gn build` ships it), or compile for a "
                    f"target that runs here (`iree-gn targets`; family names such as 'vulkan' "
                    f"pick the row that fits).")

    @property
    def stablehlo(self) -> str:
        """The StableHLO text this op was compiled from (re-traced if not on disk)."""
        if self._block is not None:
            return self._block.stablehlo
        if self.path:  # (checked against the entry's checksum; else re-traced)
            text = _cache.DiskCache(os.path.dirname(os.path.dirname(self.path))).read_text(
                self.path)
            if text is not None:
                return text
        if self.target is None:
            raise RuntimeError("a bundle's module: its StableHLO is the bundle's .mlir file "
                               "named in its manifest entry.")
        return self._KIND.text(self.spec, self.target)


def _block_spec(spec: GroupNormSpec) -> GroupNormSpec:
    return spec.with_shape([1 if d is None else d for d in spec.shape])


def get(spec: GroupNormSpec, target: Target, cache: Optional[_cache.DiskCache], cls):
    """The op of class ``cls`` (its ``_KIND``) for (spec, target): memory, disk, or a fresh
    compile; a dynamic spec that one module does not serve gets its static block module."""
    kind = cls._KIND
    mkey = (kind.name, spec, target)
    op = _MEMORY.get(mkey)
    if op is not None:
        kind.stats["memory_hits"] += 1
        return op
    with _cpu_tuning.using(target.name):  # the kernels' tuning for this target's CPU
        return _get(spec, target, cache, cls, kind, mkey)


def _get(spec, target, cache, cls, kind, mkey):
    if spec.dtype == "float64" and not target.f64:
        raise TypeError(
            f"dtype float64 is not supported on target {target.name!r}, whose devices lack "
            f"native float64; use float32, or target 'llvm-cpu'.")
    with _LOCK:
        op = _MEMORY.get(mkey)
        if op is None:
            cache = cache or _cache.DiskCache()
            if spec.is_static or kind.one_module(spec, target):
                op = build_static(spec, target, cache, cls)
            else:
                bkey = (kind.name, _block_spec(spec), target)
                block = _MEMORY.get(bkey) or build_static(bkey[1], target, cache, cls)
                _MEMORY[bkey] = block
                op = cls(spec, target, block.vmfb, block.key, block.path, block)
            _MEMORY[mkey] = op
    return op


def build_static(spec: GroupNormSpec, target: Target, cache: _cache.DiskCache, cls):
    """The op of class ``cls`` for a spec its module takes as is: disk by the spec-level
    lookup key, else trace, then disk by the content key, else compile; stored both ways."""
    with _cpu_tuning.using(target.name):
        return _build_static(spec, target, cache, cls)


def _build_static(spec, target, cache, cls):
    kind = cls._KIND
    flags = compile_flags(target, spec.dtype)
    lookup = None
    serves = f"{kind.name}:{spec.key_text()}"  # (an entry's key covers both: see _cache.load)
    if spec.portable:
        lookup = _cache.make_key(_cache.lookup_key_parts(
            spec.key_text(), target.name, flags, kind.formulation(spec, target))
            + list(kind.key_parts))
        hit = cache.lookup(lookup)
        if hit is not None:
            data = _own_spec(cache.load(hit[0], target.name, serves=serves), spec, target,
                             cache, hit[0], kind)
            if data is not None:
                kind.stats["disk_hits"] += 1
                return cls(spec, target, data, hit[0], cache.entry_paths(hit[0], target.name)[0])
    text = kind.text(spec, target)
    kind.stats["traced"] += 1
    key = _cache.make_key(_cache.content_key_parts(text, spec.key_text(), target.name, flags)
                          + list(kind.key_parts))
    data = _own_spec(cache.load(key, target.name), spec, target, cache, key, kind)
    if data is None:
        data = compile_text(text, target, spec.dtype)
        kind.stats["compiled"] += 1
    else:
        kind.stats["disk_hits"] += 1
    path = cache.store(key, target.name, data, {"spec_name": spec.short_name() + kind.suffix,
                                               "flags": list(flags), "serves": serves},
                       lookup_key=lookup, stablehlo=text)
    return cls(spec, target, data, key, path)


# (entry folder, kind, spec) whose module was found to record that spec: checked once a
# process (a warm process's first call pays ~0.5 ms for it).
_SPEC_CHECKED: set = set()


def _own_spec(data: Optional[bytes], spec: GroupNormSpec, target: Target,
              cache: _cache.DiskCache, key: str, kind: _Kind) -> Optional[bytes]:
    """``data`` (a module from the disk cache) if the spec, op kind and target row it
    records are the ones asked for (as a bundle's are: ``_module_spec.spec_mismatch``),
    else None, having warned and removed the entry: its checksums prove only that
    meta.json and the module agree, so another entry's module with a re-signed meta.json
    ran silently (wrong activation, error 0.085). A module that records no spec (an older
    iree-gn) is taken."""
    if data is None or (cache.entry_dir(key, target.name), kind.name, spec) in _SPEC_CHECKED:
        return data
    from ._module_spec import spec_mismatch

    why = spec_mismatch(spec, data, kind.name, target=target.name, claimant="cache entry",
                        unrecorded_ok=True)
    if why:
        cache.reject(key, target.name, why)
        return None
    _SPEC_CHECKED.add((cache.entry_dir(key, target.name), kind.name, spec))
    return data


# Callers' memos that hold ops (``_api``'s per-arguments memos): forgotten with them.
_ON_CLEAR: list = []


def on_clear(forget: Callable[[], None]) -> None:
    """Have ``clear_memory_cache`` call ``forget`` too."""
    _ON_CLEAR.append(forget)


def clear_memory_cache() -> None:
    """Forget every op compiled in this process (the disk cache is untouched)."""
    with _LOCK:
        _MEMORY.clear()
        for forget in _ON_CLEAR:
            forget()
