"""The one call path: a compiled module bound to a device, called with host arrays.

A :class:`BoundOp` is what both the JIT op (:class:`iree_gn.CompiledGroupNorm`) and a
deployed bundle (:class:`iree_gn.deploy.Bundle`) call; they differ only in where the module
bytes come from. It needs only ``iree.runtime`` and NumPy. It owns, once for every caller:

* argument checks: count, shape and dtype of every input (errors name the argument, the
  value and the rule); parameters (``cast=True`` inputs) of another real dtype are cast,
  complex, string and object arrays are refused;
* conversion of array-likes: NumPy, ``__array__`` (JAX), torch tensors (read detached, so
  ``requires_grad`` works; bfloat16 through its bits), ``__dlpack__``;
* byte order: big-endian inputs are converted to native order, never reinterpreted; results
  are always native;
* contiguity and alignment: a 64-byte-aligned C-contiguous input is imported zero-copy (read
  only arrays too: the module never writes its inputs), an unaligned contiguous ``x`` of a
  kernel module is read in place at a byte offset (``main_off_out``), anything else is copied
  into a staging buffer; ``out=`` may be any writable array of the right shape and dtype
  (written in place when importable, else through a copy: the same rule on every call);
  several results (a backward: dx, dgamma, dbeta) on CPU drivers: small calls on prebuilt
  argument lists, the results mapped and copied; large ones through ``main_out``, result 0
  written in place like a single result, the others mapped and copied;
* threads: VM contexts are "thread-compatible, externally synchronized" (IREE's
  ``vm/context.h``), so every thread gets its own context and staging buffers (a *lane*); the
  only shared mutable state is the result pool, under a lock. Calls are queued per device
  except on ``local-sync`` (see ``_runtime.Device.serial``);
* memory: imports of the caller's arrays live for one call only (an import holds its array),
  so an op never keeps a caller's array alive (small calls remember an aligned ``out`` by
  weak reference); the result pool is bounded by bytes;
* empty inputs, dynamic axes and the choice of runtime driver (``target.driver_for``).
  A dynamic axis is served one of two ways, told by ``Signature.dynamic_in_module``:

  - *inside the module* (``True``: the module takes ``tensor<?x...>``, e.g. a hand-written
    kernel with a dynamic batch): the whole arrays go through one invoke, the hot path takes
    any non-empty size on the axis, and staging buffers and pooled results are kept per
    concrete shape. The driver is chosen per call, ``target.driver_for(x.nbytes)``: calls
    under ``target.small_bytes`` run a second binding on the small-call driver (as a static
    op of that size would), larger ones ``target.driver``;
  - *by blocks* (``False``): ``vmfb`` is a static block module with each ``None`` axis of
    size 1, run once per index of those axes (their statistics are independent); a
    result that sums over them, such as a parameter's gradient, is marked ``Arg.summed``
    and added up over the blocks in float64. Its driver is ``target.driver_for`` of the
    block's bytes.

A module may have several inputs and results: describe them with a :class:`Signature`.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import itertools
import math
import os
import sys
import threading
import time
import weakref
from typing import Any, Optional, Tuple, Union

import numpy as np

import iree.runtime as rt

from . import _runtime
from ._process import enter as _enter, leave as _leave
from ._runtime import BFLOAT16, aligned_empty, numpy_dtype
from ._spec import ArgumentTypeError, canonical_dtype

# Inputs up to this size are copied into a buffer imported once per thread: at this size a
# copy costs less than wrapping the caller's array (and most such arrays are unaligned).
_SMALL_COPY = 64 * 1024
# The result pool keeps at most this many results (enough for eight threads that each hold
# their last result), of at most _POOL_BYTES in all; a result over _POOL_ONE is never
# pooled, so its memory goes when the caller drops it.
_POOL_ENTRIES = 10
_POOL_BYTES = 64 << 20
_POOL_ONE = 16 << 20
# Per-thread staging buffers above this size are allocated per call instead of kept.
_KEEP_STAGING = 16 << 20
_REAL_KINDS = "biuf"
# A lane's note on an ``out`` seen once that earns an argument list if passed again.
_AGAIN = object()
# How long a caller polls for the end of a fenced call before it sleeps (see _await).
_POLL_S = 1e-3


def _await(sem, value: int) -> None:
    """Return once ``sem`` reaches ``value``: polled, yielding the core between looks, for
    up to ``_POLL_S``, then a blocking wait (which also raises the call's error, if any).

    Why: a blocked caller is woken by a futex, which costs ~50 us on this 2-core VM and far
    more under load, while the work itself takes 0.1-1 ms for inputs of 1-10 MB; PyTorch's
    OpenMP threads spin the same way. Same process, medians against PyTorch in the same
    layout under a second process's load, module's own wait / this poll: 2x32x32x640 1.11x /
    0.72x, 2x64x64x320 1.22x / 0.85x, NCHW 2x320x64x64 1.43x / 0.68x, 8x56x56x256 1.41x /
    0.73x (and build_tools/bench.py, README). ``os.sched_yield`` releases the GIL and gives
    the core to the executor's workers; other Python threads wait at most ``_POLL_S`` for it.
    """
    if sem.query() < value:
        end = time.perf_counter() + _POLL_S
        while sem.query() < value and time.perf_counter() < end:
            os.sched_yield()
    sem.wait(value)


@dataclasses.dataclass(frozen=True)
class Arg:
    """One input or result of a module.

    Attributes:
      name: used in error messages (``"inputs"``, ``"gamma"``, ``"dy"``...).
      shape: the shape; ``None`` marks a dynamic axis (every dynamic argument shares the
        first input's): see ``Signature.dynamic_in_module`` for how it is served.
      dtype: canonical dtype name (``"float32"``, ``"bfloat16"``...).
      cast: accept any real dtype and cast it (parameters); else the dtype must match.
      summed: (a result without the dynamic axes) a sum over them, such as a parameter's
        gradient: zeros when they have size 0; run block by block, the block module's values
        for each index are added in float64 and the total is cast to ``dtype`` once.
    """

    name: str
    shape: Tuple[Optional[int], ...]
    dtype: str
    cast: bool = False
    summed: bool = False

    @property
    def module_shape(self) -> Tuple[int, ...]:
        return tuple(1 if d is None else d for d in self.shape)

    def concrete(self, dyn: dict) -> Tuple[int, ...]:
        """The shape with each dynamic axis given its size in ``dyn`` (axis -> size)."""
        return tuple(dyn[i] if d is None else d for i, d in enumerate(self.shape))


@dataclasses.dataclass(frozen=True)
class Signature:
    """The module's inputs and results (``main(*inputs) -> results``), in call order.

    ``call`` is how errors describe the call (defaults to the input names).
    ``dynamic_in_module``: the module itself takes every size of the dynamic axes (one
    invoke per call); else it is the static block module (size 1 on each ``None`` axis),
    invoked once per index of those axes. ``max_dynamic``: the largest size such a module
    takes on a dynamic axis (a GPU kernel's samples are a grid axis, at most 65535
    workgroups on CUDA and Vulkan); a larger call is refused, never dispatched.
    """

    inputs: Tuple[Arg, ...]
    results: Tuple[Arg, ...]
    call: str = ""
    dynamic_in_module: bool = False
    max_dynamic: Optional[int] = None

    def __post_init__(self):
        dyn = {i for i, d in enumerate(self.inputs[0].shape) if d is None}
        for a in self.inputs + self.results:
            mine = {i for i, d in enumerate(a.shape) if d is None}
            if mine and (mine != dyn or len(a.shape) != len(self.inputs[0].shape)):
                raise ValueError(f"{a.name}: dynamic axes {sorted(mine)} differ from the "
                                 f"first input's {sorted(dyn)}.")
        if dyn and not self.dynamic_in_module and any(
                None not in r.shape and not r.summed for r in self.results):
            raise ValueError("a result without the dynamic axes (a reduction over them) "
                             "cannot be computed block by block unless it is a sum over "
                             "them (Arg(summed=True)); compile it static, or with the axes "
                             "inside the module (dynamic_in_module=True).")

    @property
    def dynamic_axes(self) -> Tuple[int, ...]:
        return tuple(i for i, d in enumerate(self.inputs[0].shape) if d is None)


def group_norm_signature(spec, dynamic_in_module: bool = False,
                         max_dynamic: Optional[int] = None) -> Signature:
    """``main(x, [gamma], [beta]) -> y`` for a :class:`GroupNormSpec`; ``dynamic_in_module``
    when the module takes the spec's dynamic axes itself (``_ops._one_module``), up to
    ``max_dynamic`` on each (see :class:`Signature`)."""
    params = [n for n, on in (("gamma", spec.scale), ("beta", spec.center)) if on]
    inputs = [Arg("inputs", tuple(spec.shape), spec.dtype)]
    inputs += [Arg(n, tuple(spec.param_shape), spec.dtype, cast=True) for n in params]
    return Signature(tuple(inputs), (Arg("output", tuple(spec.shape), spec.dtype),),
                     call=f"x{''.join(', ' + p for p in params)} (center={spec.center}, "
                          f"scale={spec.scale})", dynamic_in_module=dynamic_in_module,
                     max_dynamic=max_dynamic if dynamic_in_module else None)


# ---- array-likes -> NumPy -------------------------------------------------------------------
_PYTHON_NUMBERS = {np.dtype(np.float64): np.dtype(np.float32),
                   np.dtype(np.int64): np.dtype(np.int32)}


def aligned_array(a) -> np.ndarray:
    """A 64-byte-aligned C-contiguous copy of ``a`` (an array-like of numbers: NumPy's
    rules for lists; a CPU torch tensor as the ops read it, bfloat16 included)."""
    if a is not None and not isinstance(a, (list, tuple, float, int)):  # (lists: NumPy's rules)
        a = as_host_array(a, "aligned_array's argument")
    a = np.asarray(a)
    if a.dtype.kind not in "biufc" and a.dtype.name != "bfloat16":
        raise TypeError(f"aligned_array: {a!r:.60} is not numeric (dtype {a.dtype}).")
    out = aligned_empty(a.shape, a.dtype)
    np.copyto(out, a)
    return out


def call_arguments(spec, given, named: dict, tail: tuple) -> tuple:
    """A call's arguments after x in call order (gamma where ``spec`` has scale, beta where
    it has center, then ``tail``: the backward's dy), from ``given`` by position and
    ``named`` by keyword (None: not given); the compiled ops' and bundles' one rule."""
    order = [n for n, used in (("gamma", spec.scale), ("beta", spec.center)) if used]
    order += list(tail)
    for n, flag in (("gamma", "scale"), ("beta", "center")):
        if n not in order and named.get(n) is not None:
            raise ValueError(f"{n} was given, but the op has {flag}=False and would ignore it.")
    if len(given) > len(order):
        raise TypeError(f"too many arguments: the op takes x, {', '.join(order)}.")
    values = dict(zip(order, given))
    for n in order:
        if named.get(n) is not None:
            if n in values:
                raise TypeError(f"{n} was given both by position and by keyword.")
            values[n] = named[n]
    missing = [n for n in order if n not in values]
    if missing:
        raise ArgumentTypeError(f"{', '.join(missing)} is required here: the op takes x, "
                                f"{', '.join(order)}.")
    return tuple(values[n] for n in order)


def check_out(o, shape, dtype: str, name: str = "out") -> None:
    """That ``o`` can take a result of ``shape`` and ``dtype`` (a name): a writable ndarray
    of that shape and dtype, any strides and byte order (written through a copy)."""
    if not isinstance(o, np.ndarray):
        raise ArgumentTypeError(
            f"{name} must be a writable numpy.ndarray of shape {shape} and dtype {dtype} "
            f"(any strides), got {type(o).__name__} {o!r:.60}.")
    if o.shape != tuple(shape) or not o.flags.writeable or o.dtype.name != dtype:
        got = (f"{type(o).__name__} of shape {o.shape} and dtype {o.dtype}"
               + ("" if o.flags.writeable else ", read-only"))
        raise ValueError(f"{name} must be a writable ndarray of shape {tuple(shape)} and dtype "
                         f"{dtype} (any strides), got a {got}.")


def as_host_array(value: Any, name: str, dtype: Optional[str] = None) -> np.ndarray:
    """A NumPy view (or copy) of an array-like: ndarray, torch tensor, ``__array__`` (JAX),
    ``__dlpack__``, nested Python lists; a ``TypeError`` naming ``name`` otherwise. A list
    takes ``dtype`` (the argument's, for a compiled op) where given; else a list of Python
    numbers is float32 (ints int32), as TF's convert_to_tensor makes it, not NumPy's
    float64 / int64 (a list of NumPy values keeps theirs)."""
    if isinstance(value, np.ndarray):
        return value
    if value is None:
        raise ArgumentTypeError(f"{name} is required here, got None.")
    if isinstance(value, (list, tuple, float, int)):
        try:
            if dtype is not None:
                return np.asarray(value, dtype=numpy_dtype(dtype))
            a = np.asarray(value)
        except (ValueError, TypeError) as e:
            raise TypeError(f"{name}: cannot read this {type(value).__name__} as an array "
                            f"({e}).") from e
        leaf = value
        while isinstance(leaf, (list, tuple)) and leaf:
            leaf = leaf[0]
        return a.astype(_PYTHON_NUMBERS.get(a.dtype, a.dtype)) \
            if type(leaf) in (float, int) else a
    if type(value).__module__.split(".")[0] == "torch" and hasattr(value, "detach"):
        return _from_torch(value, name)
    try:
        if hasattr(value, "__array__") or not hasattr(value, "__dlpack__"):
            return np.asarray(value)
        return np.from_dlpack(value)
    except Exception as e:
        raise TypeError(f"{name}: cannot read a {type(value).__name__} as a host array "
                        f"({type(e).__name__}: {e}); pass a NumPy array or a CPU "
                        f"tensor.") from e


def _from_torch(t, name: str) -> np.ndarray:
    import torch  # present: a tensor exists

    t = t.detach()  # read without grad: a requires_grad tensor refuses .numpy()
    if t.device.type != "cpu":
        raise TypeError(f"{name} is a torch tensor on {t.device}; pass a CPU tensor "
                        f"({name}.cpu()).")
    t = t.resolve_conj().resolve_neg()
    if t.dtype == torch.bfloat16:  # NumPy knows no torch bfloat16: read its bits
        return t.view(torch.int16).numpy().view(BFLOAT16)
    try:
        return t.numpy()
    except Exception as e:
        raise TypeError(f"{name}: cannot read a torch {t.dtype} tensor as a NumPy array "
                        f"({e}).") from e


def _check_dtype(a: np.ndarray, arg: Arg) -> np.ndarray:
    """``a`` in the argument's dtype and native byte order (converted, never reinterpreted)."""
    want = numpy_dtype(arg.dtype)
    if a.dtype == want:
        return a
    if arg.cast:
        if a.dtype.kind == "c":
            raise TypeError(f"{arg.name} has dtype {a.dtype.name}: a complex value would lose "
                            f"its imaginary part; pass a real array ({arg.dtype}).")
        if a.dtype.kind not in _REAL_KINDS and a.dtype != BFLOAT16:
            raise TypeError(f"{arg.name} has dtype {a.dtype} ({_kind(a)}); it must be a real "
                            f"numeric array ({arg.dtype}).")
        return np.asarray(a, dtype=want)
    dt = canonical_dtype(a.dtype, arg=f"{arg.name}.dtype")
    if dt != arg.dtype:
        raise TypeError(f"{arg.name} has dtype {dt}; this op was compiled for {arg.dtype}.")
    return a.astype(want)  # the same type in another byte order: convert the values


def _kind(a: np.ndarray) -> str:
    return {"U": "strings", "S": "bytes", "O": "Python objects", "M": "datetimes",
            "m": "timedeltas", "V": "raw records"}.get(a.dtype.kind, a.dtype.kind)


def _fmt(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + \
        ("," if len(shape) == 1 else "") + ")"


def _fast_entry(a: Arg, lead: bool):
    """The hot path's test for one argument: (shape, NumPy dtype, whether axis 0 is a
    dynamic axis taken whole by the module, whose size is then free and ``shape`` is the
    tail); otherwise the module's shape (a block module's: 1 on each dynamic axis)."""
    free = lead and a.shape[0] is None
    return (a.shape[1:] if free else a.module_shape, numpy_dtype(a.dtype), free)


def _quick(arrays, fast, lead: bool) -> int:
    """Whether ``arrays`` pass the hot path's test as they are (NumPy arrays of exactly the
    entries' shapes and dtypes, native order: nothing to check further or convert): the
    size of the free axis 0 (-1 when none, 0 when they do not pass)."""
    x = arrays[0]
    if type(x) is not np.ndarray or not x.ndim:
        return 0
    n = x.shape[0] if lead else -1
    for a, (shape, dt, free) in zip(arrays, fast):
        if type(a) is not np.ndarray or a.dtype != dt or (
                (a.shape[1:] != shape or a.shape[0] != n) if free else a.shape != shape):
            return 0
    return n


def _quick_outs(out, rfast, n: int):
    """``out`` (None, or a tuple with an array or None per result) as a list when every
    array is a writable ndarray of exactly its result's shape and dtype; else None (the
    checked path then explains what is wrong)."""
    if out is None:
        return [None] * len(rfast)
    if type(out) is not tuple or len(out) != len(rfast):
        return None
    for o, (shape, dt, free) in zip(out, rfast):
        if o is not None and (type(o) is not np.ndarray or o.dtype != dt or
                              not o.flags.writeable or
                              o.shape != ((n, *shape) if free else shape)):
            return None
    return list(out)


# ---- host memory ---------------------------------------------------------------------------
def _same_view(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two arrays are views of the very same elements in the same order."""
    return a.shape == b.shape and a.strides == b.strides and a.dtype == b.dtype and \
        a.__array_interface__["data"][0] == b.__array_interface__["data"][0]


def _aligned64(a: np.ndarray) -> bool:
    return a.flags.c_contiguous and a.ctypes.data % _runtime.ALIGN == 0


def _alias(a: np.ndarray, off: int) -> np.ndarray:
    """A writable 1-D view of ``a``'s memory (C-contiguous) starting ``off`` bytes (a whole
    number of elements, in the same 64-byte line, so mapped memory) before it. IREE imports
    writable buffers only; the module never writes its inputs, so read-only memory may be
    passed this way. The view does not hold ``a``: use it within the call only."""
    span = (ctypes.c_uint8 * (off + a.nbytes)).from_address(a.ctypes.data - off)
    return np.frombuffer(span, a.dtype)


class _Lane:
    """One thread's state for one op: its VM context and its staging buffers."""

    __slots__ = ("context", "staging", "small", "outs", "held", "nofence", "sem", "tick",
                 "__weakref__")
    # Per-shape buffers kept per lane (modules with dynamic axes inside take many shapes).
    KEEP_SHAPES = 4

    def __init__(self, op: "BoundOp"):
        self.context = rt.VmContext(_runtime.instance(),
                                    modules=[op.device.hal_module, op.module])
        self.staging: dict = {}  # (input slot, shape) -> (aligned buffer, its import)
        self.small: dict = {}  # x's shape -> small calls' buffers and arguments (_small)
        self.outs: dict = {}  # id(out) -> (weakref, argument list, result list, state,
        # (dtype, strides) when seen): _small_out
        # Staging buffers too large to keep, held until this thread's call has run: an import
        # does not keep its array alive (freed early, the module read freed memory: SIGSEGV).
        self.held: list = []
        # Fenced modules (see BoundOp._call): an empty fence (nothing to wait for; the signal
        # fence of inline drivers), and a semaphore this lane's calls signal, created on need.
        self.nofence = rt.HalFence(0)
        self.sem, self.tick = None, 0
        _runtime.keep_in_child(self)


class BoundOp:
    """A compiled module bound to a device: ``op(*inputs, out=None)``.

    Args:
      vmfb: the module bytes (exports ``main``; single-result modules also ``main_out``, and
        kernel modules ``main_off_out``).
      signature: its inputs and results (:class:`Signature`); with dynamic axes, ``vmfb`` is
        the static block module (each ``None`` axis of size 1) unless
        ``signature.dynamic_in_module``.
      target: a runtime driver name (``"local-task"``, ``"vulkan"``...) or an object with
        ``driver_for(nbytes)`` (a ``Target`` row), asked with the block's input bytes, or,
        for dynamic axes inside the module, per call with x's bytes (``small_bytes``, when
        the object has it, is where the answer changes).
      entry: the function name (``main``).

    Calling it checks and converts the inputs (see the module docstring), runs the module and
    returns the result (a tuple of them for several), native-order NumPy arrays of the
    signature's shapes and dtypes; ``out`` (an array, or a tuple with one array or ``None``
    per result) receives them instead. Safe to call from any thread.
    """

    def __init__(self, vmfb: bytes, signature: Signature,
                 target: Union[str, Any], *, entry: str = "main"):
        self.signature = signature
        first = signature.inputs[0]
        self._in_module = bool(signature.dynamic_axes) and signature.dynamic_in_module
        nbytes = math.prod(first.module_shape) * numpy_dtype(first.dtype).itemsize
        if self._in_module:
            nbytes = sys.maxsize  # calls of every size: below small_bytes, _by_size's
        driver = target if isinstance(target, str) else target.driver_for(nbytes)
        # (x's bytes below which calls run on another binding, that binding) or None.
        self._by_size = None
        if self._in_module and not isinstance(target, str):
            small = target.driver_for(0)
            if small != driver:
                self._by_size = (getattr(target, "small_bytes", 0),
                                 BoundOp(vmfb, signature, small, entry=entry))
        self.device = _runtime.Device.get(driver, 0 if isinstance(target, str) or (
            driver != target.driver) else target.device_index())
        self.module = rt.VmModule.copy_buffer(_runtime.instance(), vmfb)
        self.function = self.module.lookup_function(entry)
        if self.function is None:
            raise RuntimeError(f"module has no function {entry!r}; it exports "
                               f"{self.module.function_names}.")
        single = len(signature.results) == 1
        host = self.device.host_memory
        # Zero-copy calls write the result into a caller-supplied buffer (iree.abi.output).
        self.function_out = self.module.lookup_function(entry + "_out") \
            if single and host else None
        self.function_off = self.module.lookup_function(entry + "_off_out") \
            if self.function_out is not None else None
        # Several results with main_out (the backward: dx into a caller buffer, the
        # parameters' gradients returned): large calls write result 0 in place.
        self.function_many_out = self.module.lookup_function(entry + "_out") \
            if host and not single else None
        self._dtypes = [a.dtype for a in signature.inputs]
        self._dynamic = signature.dynamic_axes
        # The hot path's test: exactly these shapes and native dtypes, nothing to convert;
        # with a dynamic axis 0 inside the module, any non-empty size there (``_lead``: the
        # entries' shapes are then those after axis 0, with whether the axis is dynamic).
        # A block module's (dynamic axes run block by block) entries are its block shapes:
        # a call of size 1 on each dynamic axis is one block, the module's own call (a
        # summed result of one block is that block's value: the float64 sum is exact).
        self._lead = self._in_module and self._dynamic == (0,)
        self._max_dyn = signature.max_dynamic or sys.maxsize
        fixed = math.prod(d for d in first.shape if d is not None)
        self._fast = None if not fixed else tuple(
            _fast_entry(a, self._lead) for a in signature.inputs)
        self._rfast = tuple(_fast_entry(r, self._lead) for r in signature.results)
        res = signature.results[0]
        self._result = (res.module_shape, numpy_dtype(res.dtype)) if single else None
        self._rtail = res.shape[1:] if single and self._lead and res.shape[0] is None \
            else None
        # A fenced module (CPU targets: --iree-execution-model=async-external) takes a wait
        # and a signal fence after its arguments (see _call). local-sync runs a call inline,
        # so its calls get empty fences and need no wait: only there can an argument list
        # be prebuilt once and reused (the small calls).
        self._fenced = self.function.reflection.get("iree.abi.model") == "coarse-fences"
        self._inline = driver == "local-sync"
        self._prebuilt = not self._fenced or self._inline
        if self.function_out is not None and not self._prebuilt:
            self.function_out_small = None
        else:
            self.function_out_small = self.function_out
        # Multi-result calls this small run on prebuilt argument lists (_run_small_many).
        self._host_many = host and not single and self._prebuilt
        # How results are read from mapped memory (_read_mapped): NumPy knows no bfloat16
        # buffer import, so those are read as uint16 and viewed.
        self._raw = [np.dtype(np.uint16) if r.dtype == "bfloat16" else numpy_dtype(r.dtype)
                     for r in signature.results]
        self._bf16 = [r.dtype == "bfloat16" for r in signature.results]
        self._local = threading.local()
        self._serial = self.device.serial  # calls queued per device (see Device.serial)
        # (None on local-sync: the hot paths then skip a no-op context manager.)
        self._lock = None if isinstance(self._serial, contextlib.nullcontext) else self._serial
        self._pool: list = []  # [array, its memory's owner, import, free refcounts]
        self._pool_lock = threading.Lock()
        self._gen = _runtime.GENERATION  # the process generation of self.device (_rebind)
        self.copied = [0] * len(signature.inputs)  # inputs of large calls copied (staged)

    def __repr__(self) -> str:
        return f"BoundOp({self.signature.call or len(self.signature.inputs)}, " \
               f"driver={self.device.driver!r})"

    # -- calling ------------------------------------------------------------------------------
    def __call__(self, *arrays, out=None):
        # Counted as inside the runtime, for the interpreter's exit (_process).
        ident = _enter()
        try:
            fast = self._fast
            if fast is not None and len(arrays) == len(fast):
                n = _quick(arrays, fast, self._lead)
                if n and n <= self._max_dyn:
                    x = arrays[0]
                    if self._result is not None:
                        rshape = self._result[0] if n < 0 else (n, *self._rtail)
                        if out is None or (type(out) is np.ndarray and out.shape == rshape and
                                           out.dtype == self._result[1] and out.flags.writeable):
                            op = self._for(x.nbytes)
                            if op.function_out_small is not None and x.nbytes <= _SMALL_COPY:
                                return op._run_small(op._lane(), arrays, out)
                            return op._run_single(arrays, out)
                    elif x.nbytes <= _SMALL_COPY and self._for(x.nbytes)._host_many:
                        outs = _quick_outs(out, self._rfast, n)
                        if outs is not None:
                            op = self._for(x.nbytes)
                            return tuple(op._run_small_many(op._lane(), arrays, outs))
            return self._call_checked(arrays, out)
        finally:
            _leave(ident)

    def _for(self, nbytes: int) -> "BoundOp":
        """The binding that runs a call whose x has ``nbytes`` (see ``_by_size``)."""
        by = self._by_size
        return by[1] if by is not None and nbytes < by[0] else self

    def _call_checked(self, arrays, out):
        sig = self.signature
        if len(arrays) != len(sig.inputs):
            raise TypeError(f"this op takes {sig.call or ', '.join(a.name for a in sig.inputs)}"
                            f" ({len(sig.inputs)} arrays), got {len(arrays)}.")
        first = sig.inputs[0]
        xs = [_check_dtype(as_host_array(arrays[0], first.name, first.dtype), first)]
        x = xs[0]
        if len(x.shape) != len(first.shape) or any(
                d is not None and d != s for d, s in zip(first.shape, x.shape)):
            raise ValueError(f"{first.name} has shape {x.shape}; this op was compiled for "
                             f"{_fmt(first.shape)} (None = any size).")
        dyn = {i: x.shape[i] for i in self._dynamic}
        for i, size in dyn.items():
            if size > self._max_dyn:
                raise ValueError(
                    f"{first.name} has size {size} on its dynamic axis {i}; this op's module "
                    f"takes at most {self._max_dyn} there (one GPU grid axis). Split the "
                    f"call, or compile the static shape (larger inputs use the JAX forms).")
        for arg, v in zip(sig.inputs[1:], arrays[1:]):
            a = _check_dtype(as_host_array(v, arg.name, arg.dtype), arg)
            want = arg.concrete(dyn)
            if a.shape != want:
                raise ValueError(f"{arg.name} has shape {a.shape}; expected {want}.")
            xs.append(a)
        outs = self._check_out(out, dyn)
        if x.size == 0:
            return self._empty(outs, dyn)
        if self._dynamic and not self._in_module and any(dyn[i] != 1 for i in dyn):
            # (Size 1 on every dynamic axis: one block, the module's own call, below.)
            return self._pack(self._run_blocks(xs, outs, dyn))
        op = self._for(x.nbytes)
        if self._result is not None:
            return op._run_single(xs, outs[0])
        if op._host_many and x.nbytes <= _SMALL_COPY:
            return tuple(op._run_small_many(op._lane(), xs, outs))
        if op.function_many_out is not None:
            return tuple(op._run_large_many(op._lane(), xs, outs))
        return self._pack(op._run_generic(xs, outs))

    def _check_out(self, out, dyn) -> list:
        results = self.signature.results
        many = isinstance(out, (tuple, list))
        if len(results) == 1 and not many:
            out = [out]
        if out is None:
            return [None] * len(results)
        if len(out) != len(results):
            raise TypeError(f"out must hold {len(results)} arrays (or None), got {len(out)}.")
        # (the caller's one array for the first of several results, as op.vjp's dx: "out")
        first_only = len(results) > 1 and all(o is None for o in out[1:])
        for i, (r, o) in enumerate(zip(results, out)):
            if o is not None:
                check_out(o, r.concrete(dyn), r.dtype,
                          f"out[{i}]" if many and not first_only else "out")
        return list(out)

    def _pack(self, results):
        return results[0] if len(results) == 1 else tuple(results)

    def _empty(self, outs, dyn):
        res = []
        for r, o in zip(self.signature.results, outs):
            shape = r.concrete(dyn)
            if r.summed and self._dynamic:  # a sum over no blocks
                res.append(_zeros(o, shape, r.dtype))
                continue
            if math.prod(shape):
                raise ValueError(f"{self.signature.inputs[0].name} is empty; {r.name} "
                                 f"(shape {shape}) has no value for it.")
            res.append(o if o is not None else np.empty(shape, numpy_dtype(r.dtype)))
        return self._pack(res)

    def _run_blocks(self, xs, outs, dyn):
        """Each index of the dynamic axes through the static block module; a result without
        those axes (``Arg.summed``) is the float64 sum of the blocks' values, cast once."""
        sig = self.signature
        summed = [None not in r.shape for r in sig.results]  # (Signature: all Arg.summed)
        # An out overlapping an input (other than as that very array, op(x, out=x)) would be
        # read by later blocks after earlier ones wrote it: such an out is written at the end.
        dests = outs
        outs = [None if o is not None and any(
            np.may_share_memory(o, a) and not _same_view(o, a) for a in xs) else o
            for o in outs]
        # Aligned, so that each block's slice is imported in place where its size allows.
        outs = [o if o is not None or s else aligned_empty(r.concrete(dyn),
                                                           numpy_dtype(r.dtype))
                for r, o, s in zip(sig.results, outs, summed)]
        totals = [np.zeros(r.shape, np.float64) if s else None
                  for r, s in zip(sig.results, summed)]
        dynamic = [None in a.shape for a in sig.inputs]
        lane = self._lane()
        small = self._host_many and \
            math.prod(sig.inputs[0].module_shape) * xs[0].dtype.itemsize <= _SMALL_COPY
        for sl in self._blocks(dyn):
            block = [a[sl] if d else a for a, d in zip(xs, dynamic)]
            if self._result is not None and not summed[0]:
                self._run_single(block, outs[0][sl])
                continue
            bouts = [None if s else o[sl] for o, s in zip(outs, summed)]
            if small:
                res = self._run_small_many(lane, block, bouts)
            elif self.function_many_out is not None:
                res = self._run_large_many(lane, block, bouts)
            else:
                res = self._run_generic(block, bouts)
            for t, y in zip(totals, res):
                if t is not None:
                    t += y
        res = [o if t is None else _cast_into(o, t, r.dtype)
               for r, o, t in zip(sig.results, outs, totals)]
        for i, (d, y) in enumerate(zip(dests, res)):
            if d is not None and d is not y:
                d[...] = y
                res[i] = d
        return res

    def _blocks(self, dyn):
        """The index expressions of the blocks: one per index of the dynamic axes."""
        rank = len(self.signature.inputs[0].shape)
        for idx in itertools.product(*(range(dyn[a]) for a in self._dynamic)):
            sl = [slice(None)] * rank
            for a, i in zip(self._dynamic, idx):
                sl[a] = slice(i, i + 1)
            yield tuple(sl)

    @property
    def context(self) -> rt.VmContext:
        """The calling thread's VM context (for tools that invoke ``function`` directly)."""
        return self._lane().context

    # -- the zero-copy path (CPU drivers, single result) -------------------------------------
    def _lane(self) -> _Lane:
        if self._gen != _runtime.GENERATION:
            self._rebind()
        try:
            return self._local.lane
        except AttributeError:
            lane = self._local.lane = _Lane(self)
            return lane

    def _rebind(self) -> None:
        """In a forked child (``_runtime._after_fork_in_child``): this op's device, lanes
        and pooled results are the parent's, whose release could touch its thread pool;
        they are kept for good, unused, and the op takes the child's device."""
        with _runtime.REBIND_LOCK:
            if self._gen == _runtime.GENERATION:
                return  # (another thread of the child rebound it)
            _runtime.keep_for_good(self._pool)  # (its lanes: _runtime.keep_in_child)
            self.device = _runtime.Device.get(self.device.driver, self.device.index)
            self._local = threading.local()
            self._serial = self.device.serial
            self._lock = None if isinstance(self._serial, contextlib.nullcontext) \
                else self._serial
            self._pool, self._pool_lock = [], threading.Lock()
            self._gen = _runtime.GENERATION

    def _call(self, lane, fn, args, results) -> None:
        """Invoke ``fn`` (the caller holds ``self._serial``) and return once its work is
        done. A fenced module's ``args`` get their wait fence (empty: the inputs are host
        memory, ready) and signal fence: on an inline driver an empty one, else a timepoint
        of the lane's semaphore, awaited by polling (``_await``); a failed call leaves the
        semaphore failed, so the lane takes a new one."""
        if not self._fenced:
            lane.context.invoke(fn, args, results)
            return
        args.push_ref(lane.nofence)
        if self._inline:
            args.push_ref(lane.nofence)
            lane.context.invoke(fn, args, results)
            return
        if lane.sem is None:
            lane.sem, lane.tick = self.device.hal.create_semaphore(0), 0
        value = lane.tick + 1
        args.push_ref(rt.HalFence.create_at(lane.sem, value))
        try:
            lane.context.invoke(fn, args, results)
        except BaseException:
            lane.sem = None
            raise
        lane.tick = value
        try:
            _await(lane.sem, value)
        except BaseException as e:
            sem, lane.sem = lane.sem, None
            if not isinstance(e, RuntimeError):  # (an interrupt while polling)
                # The work still reads the caller's arrays: let it end before they can go.
                with contextlib.suppress(RuntimeError):
                    sem.wait(value)
            raise

    def _run_single(self, xs, out):
        """One call of a single-result module; ``xs`` are checked, native-order arrays."""
        if self.function_out is None:
            return self._run_generic(xs, [out])[0]
        lane = self._lane()
        x = xs[0]
        if x.nbytes <= _SMALL_COPY and self.function_out_small is not None:
            return self._run_small(lane, xs, out)
        dtypes = self._dtypes
        args = rt.VmVariantList(len(xs) + 4)
        fn = self.function_out
        if self.function_off is not None and x.flags.c_contiguous and x.flags.aligned \
                and not _aligned64(x):
            # x read in place at a byte offset into the aligned span that holds it.
            fn = self.function_off
            off = x.ctypes.data % _runtime.ALIGN
            args.push_ref(_runtime.import_host(self.device, _alias(x, off), dtypes[0]))
            args.push_int(off)
        else:
            args.push_ref(self._input(lane, 0, x))
        for i in range(1, len(xs)):
            args.push_ref(self._input(lane, i, xs[i]))
        if out is not None and out.flags.writeable and _aligned64(out) and \
                out.dtype.isnative and not any(np.may_share_memory(out, a) for a in xs):
            # (An out that overlaps an input, op(x, out=x), is written through a copy: the
            # module reads x again while it writes y.)
            target = out
            args.push_ref(_runtime.import_host(self.device, out, self.signature.results[0].dtype,
                                               bare=True))
        else:
            target, ref = self._pooled(self._result_shape(x))
            args.push_ref(ref)
        with self._serial:
            self._call(lane, fn, args, rt.VmVariantList(1))
        lane.held.clear()
        if out is not None and target is not out:
            np.copyto(out, target)
            return out
        return target

    def _result_shape(self, x) -> Tuple[int, ...]:
        """The single result's concrete shape for input ``x``."""
        if not self._in_module:
            return self._result[0]
        return self.signature.results[0].concrete({i: x.shape[i] for i in self._dynamic})

    def _run_small(self, lane, xs, out):
        """Small calls: every input is copied into the lane's buffers and the result out of
        its result buffer, all imported once with a prebuilt argument list (a copy of a few
        KB costs less than an import, and nothing of the caller's is held). The buffers are
        kept per x shape (a few: a module with dynamic axes inside takes any)."""
        st = lane.small.get(xs[0].shape) or self._small(lane, xs)
        for buf, a in zip(st[0], xs):
            buf[...] = a  # (slice assignment: 0.4 us for 8 KB, np.copyto 0.7 us)
        args, results = st[2], st[3]
        if out is not None:
            hit = lane.outs.get(id(out))
            if hit is None or hit[0]() is not out or hit[3] is not st or \
                    hit[4] != (out.dtype, out.strides):  # (both can be set in place)
                hit = self._seen_out(lane, st, out)
            elif hit[1] is _AGAIN:
                hit = self._small_out(lane, st, out)
            if hit[1] is not None and hit[1] is not _AGAIN:
                args, results = hit[1], hit[2]
        if self._lock is None:
            lane.context.invoke(self.function_out, args, results)
        else:
            with self._lock:
                lane.context.invoke(self.function_out, args, results)
        if args is not st[2]:
            return out  # written in place
        if out is None:
            return st[1].copy()
        out[...] = st[1]
        return out

    def _seen_out(self, lane, st, out):
        """The first call with ``out``: copied into; remembered (by weak reference, so
        ``out`` is not held) as worth an argument list of its own (``_AGAIN``) when it is
        an aligned view (``iree_gn.empty``, a tensor's memory), whose memory cannot move
        while the view lives. A caller who passes a new ``out`` every call (the torch
        adapter's fresh tensors) then pays a copy, not four imports."""
        if len(lane.outs) >= 4:  # callers alternating a few out buffers all hit
            lane.outs.pop(next(iter(lane.outs)))
        again = out.base is not None and out.flags.writeable and _aligned64(out) \
            and out.dtype.isnative
        hit = lane.outs[id(out)] = (weakref.ref(out), _AGAIN if again else None, None, st,
                                    (out.dtype, out.strides))
        return hit

    def _small_out(self, lane, st, out):
        """An argument list that writes into the caller's ``out`` in place, for a caller
        who passes the same ``out`` again (see ``_seen_out``): the list imports an alias of
        its memory, and the lane keeps a weak reference (a dead one never matches)."""
        args = rt.VmVariantList(len(st[0]) + 3)
        for buf, arg in zip(st[0], self.signature.inputs):
            args.push_ref(_runtime.import_host(self.device, buf, arg.dtype))
        alias = _alias(out, 0).reshape(out.shape)
        args.push_ref(_runtime.import_host(self.device, alias, self.signature.results[0].dtype,
                                           bare=True))
        self._push_inline_fences(lane, args)
        hit = lane.outs[id(out)] = (weakref.ref(out), args, rt.VmVariantList(1), st,
                                    (out.dtype, out.strides))
        return hit

    def _small(self, lane, xs, key=None):
        """A lane's small-call state for x's shape: (input buffers, result buffer, argument
        list importing them, result list). ``key`` given: for ``_run_small_many`` (the
        module allocates its results, so no result buffer)."""
        many = key is not None
        bufs, args = [], rt.VmVariantList(len(self._dtypes) + (not many) + 2)
        for arg, a in zip(self.signature.inputs, xs):
            buf = aligned_empty(a.shape, numpy_dtype(arg.dtype))
            args.push_ref(_runtime.import_host(self.device, buf, arg.dtype))
            bufs.append(buf)
        res = None
        if not many:
            res = aligned_empty(self._result_shape(xs[0]), self._result[1])
            args.push_ref(_runtime.import_host(self.device, res,
                                               self.signature.results[0].dtype, bare=True))
        self._push_inline_fences(lane, args)
        # The result list is reused too: each invoke overwrites it (it holds only res).
        if len(lane.small) >= _Lane.KEEP_SHAPES:
            lane.small.pop(next(iter(lane.small)))
        st = lane.small[key if many else xs[0].shape] = (
            bufs, res, args, None if many else rt.VmVariantList(1))
        return st

    def _push_inline_fences(self, lane, args) -> None:
        """A prebuilt argument list's fences (only inline drivers reuse lists: see _call)."""
        if self._fenced:
            args.push_ref(lane.nofence)
            args.push_ref(lane.nofence)

    def _run_small_many(self, lane, xs, outs):
        """Small calls of a module with several results, on a host-memory device: the
        inputs are copied into the lane's buffers, imported once with a prebuilt argument
        list (as ``_run_small``); the results, which the module allocates, are mapped and
        copied out (into ``outs`` where given)."""
        key = ("many", xs[0].shape)
        st = lane.small.get(key) or self._small(lane, xs, key)
        for buf, a in zip(st[0], xs):
            buf[...] = a
        # A new result list per call: the module allocates the results, and a list kept
        # across calls would hold device memory past the device at exit (a crash).
        results = rt.VmVariantList(len(outs))
        if self._lock is None:
            lane.context.invoke(self.function, st[2], results)
        else:
            with self._lock:
                lane.context.invoke(self.function, st[2], results)
        return self._read_results(results, outs)

    def _input(self, lane, i, a):
        """An import of input ``i``: in place when 64-byte aligned and contiguous (this
        call only: the import holds the array), else through the lane's staging buffer."""
        if _aligned64(a):
            if not a.flags.writeable:
                a = _alias(a, 0).reshape(a.shape)
            return _runtime.import_host(self.device, a, self._dtypes[i])
        self.copied[i] += 1
        return self._staged(lane, i, a)

    def _staged(self, lane, i, a):
        key = (i, a.shape)  # per shape: a module with dynamic axes inside takes any
        st = lane.staging.get(key)
        if st is None:
            buf = aligned_empty(a.shape, a.dtype)
            st = (buf, _runtime.import_host(self.device, buf, self._dtypes[i]))
            if a.nbytes <= _KEEP_STAGING:
                if len(lane.staging) >= _Lane.KEEP_SHAPES * len(self._dtypes):
                    lane.staging.pop(next(iter(lane.staging)))
                lane.staging[key] = st
            else:
                lane.held.append(st)  # (released after the invoke)
        np.copyto(st[0], a)
        return st[1]

    def _pooled(self, shape):
        """A result array of ``shape`` and its import: a pooled one that nobody but the pool
        references (no caller variable, no view: every view links to the memory's owner),
        else a new one. A caller that drops each result pays no allocation, page faults or
        import per call (10 MB: ~1-3 ms)."""
        dt = self._result[1]
        rdt = self.signature.results[0].dtype
        nbytes = math.prod(shape) * dt.itemsize
        with self._pool_lock:
            pool = self._pool
            for i in range(len(pool) - 1, -1, -1):  # the most recent first: warm in cache
                e = pool[i]
                if e[0].shape == shape and (_refcount(e[0]), _refcount(e[1])) == e[3]:
                    pool.append(pool.pop(i))
                    return e[0], e[2]
            arr = aligned_empty(shape, dt)
            ref = _runtime.import_host(self.device, arr, rdt, bare=True)
            if nbytes > _POOL_ONE:
                return arr, ref  # too big to keep: freed when the caller drops it
            entry = [arr, arr.base, ref, None]
            while pool and (len(pool) >= _POOL_ENTRIES or
                            (len(pool) + 1) * nbytes > _POOL_BYTES):
                pool.pop(0)  # the oldest (forgotten, not freed: its holder keeps it)
            pool.append(entry)
            entry[3] = (_refcount(arr) - 1, _refcount(arr.base))  # less this ``arr``
            return arr, ref

    def trim(self) -> None:
        """Drop the pooled results (their memory goes once no caller holds them)."""
        with self._pool_lock:
            self._pool.clear()
        if self._by_size is not None:
            self._by_size[1].trim()

    # -- the general path (GPUs, several results) --------------------------------------------
    def _run_generic(self, xs, outs):
        """``main`` with every input copied to the device (or imported on CPU drivers) and
        every result copied back into ``outs`` (or new arrays)."""
        lane, dev = self._lane(), self.device
        with self._serial:  # transfers too: they are queue submissions on GPUs
            args = rt.VmVariantList(len(xs) + 2)
            for i, a in enumerate(xs):
                if dev.host_memory:
                    args.push_ref(self._input(lane, i, a))
                else:
                    args.push_ref(dev.to_device(np.ascontiguousarray(a), self._dtypes[i]))
            results = rt.VmVariantList(len(self.signature.results))
            self._call(lane, self.function, args, results)
            lane.held.clear()
            return self._read_results(results, outs)

    def _run_large_many(self, lane, xs, outs):
        """Large calls of a several-result module with ``main_out`` on a host-memory
        device: inputs imported (in place when 64-byte aligned, else staged), result 0
        written by the module into ``outs[0]`` in place where it is importable (aligned,
        native, not overlapping an input), else into a new aligned array (copied into
        ``outs[0]``); the other results mapped and copied. Saves result 0's allocation and
        a copy of it (dx of a backward: two of its seven tensor transfers)."""
        x, r0 = xs[0], self.signature.results[0]
        shape0 = tuple(x.shape[i] if d is None else d for i, d in enumerate(r0.shape))
        o = outs[0]
        if o is not None and o.flags.writeable and _aligned64(o) and o.dtype.isnative and \
                not any(np.may_share_memory(o, a) for a in xs):
            target = o
        else:
            target = aligned_empty(shape0, self._raw[0] if not self._bf16[0] else BFLOAT16)
        args = rt.VmVariantList(len(xs) + 3)
        for i, a in enumerate(xs):
            args.push_ref(self._input(lane, i, a))
        args.push_ref(_runtime.import_host(self.device, target, r0.dtype, bare=True))
        results = rt.VmVariantList(len(outs))
        with self._serial:
            self._call(lane, self.function_many_out, args, results)
        lane.held.clear()
        del args  # (the imports, which hold the caller's arrays, go now)
        if o is not None and target is not o:
            np.copyto(o, target)
            target = o
        return [target] + self._read_mapped(results, outs, start=1)

    def _read_mapped(self, results, outs, start: int = 0):
        """``_read_results`` on host memory: each result (from ``start``) mapped and copied
        once (``Device.to_host``'s steps less its per-call lookups: ~2.5 us a result, not
        5)."""
        res = []
        for j in range(start, len(outs)):
            raw, bf16, o = self._raw[j], self._bf16[j], outs[j]
            bv = results.get_as_object(j, rt.HalBufferView)
            view = bv.map().asarray(tuple(bv.shape), raw)
            if bf16:
                view = view.view(BFLOAT16)
            if o is None:
                res.append(view.copy())
            else:
                np.copyto(o, view)  # (any byte order: converted)
                res.append(o)
        return res

    def _read_results(self, results, outs):
        """The module's results (a filled ``VmVariantList``) copied to host arrays: into
        ``outs`` where given (through a copy for a non-native byte order)."""
        if self.device.host_memory:
            return self._read_mapped(results, outs)
        res = []
        for j, (r, o) in enumerate(zip(self.signature.results, outs)):
            bv = results.get_as_object(j, rt.HalBufferView)
            direct = o is not None and o.dtype.isnative
            y = self.device.to_host(bv, r.dtype, o if direct else None)
            if o is not None and not direct:
                np.copyto(o, y)
                y = o
            res.append(y)
        return res


def _zeros(out, shape, dtype: str) -> np.ndarray:
    if out is None:
        return np.zeros(shape, numpy_dtype(dtype))
    out[...] = 0
    return out


def _cast_into(out, total: np.ndarray, dtype: str) -> np.ndarray:
    if out is None:
        return total.astype(numpy_dtype(dtype))
    out[...] = total
    return out


def _refcount(obj) -> int:
    return sys.getrefcount(obj)
