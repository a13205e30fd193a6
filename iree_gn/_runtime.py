"""IREE devices and host memory: opening devices, aligned arrays, imports and transfers.

Needs only ``iree.runtime`` and NumPy (the deploy path imports it); calling a module is
``_bound.BoundOp``'s job. One
:class:`Device` per (driver, device index) per process, created with IREE's caching
allocator: without it every call allocates and page-faults its output (3x slower on large
tensors, IREE_NOTES.md).
"""

from __future__ import annotations

import contextlib
import ctypes
import math
import os
import sys
import threading
import weakref
from typing import Dict, Optional, Tuple

import numpy as np

import iree.runtime as rt

from . import _process
from ._spec import MLIR_DTYPE_NAMES

try:  # bfloat16 as a NumPy dtype; iree-base-runtime and jax both depend on ml_dtypes
    import ml_dtypes

    BFLOAT16 = np.dtype(ml_dtypes.bfloat16)
except ImportError:  # pragma: no cover - ml_dtypes is a dependency of iree-base-runtime
    BFLOAT16 = None

_ELEMENT_TYPES = {
    "float32": rt.HalElementType.FLOAT_32,
    "float16": rt.HalElementType.FLOAT_16,
    "bfloat16": rt.HalElementType.BFLOAT_16,
    "float64": rt.HalElementType.FLOAT_64,
}

_HOST_DRIVERS = ("local-task", "local-sync")
ALIGN = 64  # host allocations imported into IREE must be 64-byte aligned
_IMPORT_MEMORY = rt.MemoryType.DEVICE_LOCAL | rt.MemoryType.HOST_VISIBLE
_IMPORT_USAGE = rt.BufferUsage.DEFAULT | rt.BufferUsage.MAPPING

_LOCK = threading.Lock()
_process.new_lock_in_child(sys.modules[__name__], "_LOCK")
_INSTANCE: Optional[rt.VmInstance] = None
_DEVICES: Dict[Tuple[str, int], "Device"] = {}
_DRIVERS: Dict[str, "rt.HalDriver"] = {}  # every driver this process loaded (get_driver)
_INHERITED: set = set()  # GPU drivers an ancestor process had loaded (see get_driver)
# Bumped in a forked child (see _after_fork_in_child): ops bound to an older generation's
# devices rebind before their next call (_bound.BoundOp._lane).
GENERATION = 0
REBIND_LOCK = threading.Lock()  # taken by an op that rebinds (a child's threads at once)
_process.new_lock_in_child(sys.modules[__name__], "REBIND_LOCK")
# Objects bound to a device (ops' per-thread VM contexts) that a forked child must never
# release: see keep_in_child.
_BOUND_TO_DEVICE: "weakref.WeakSet" = weakref.WeakSet()


def keep_in_child(obj) -> None:
    """Mark ``obj`` (which holds a device's VM context) to be kept alive for good in a
    forked child: releasing the parent's contexts there hung the child at its exit on Vulkan
    (the driver waits for its queue's threads, which stayed in the parent)."""
    _BOUND_TO_DEVICE.add(obj)


def keep_for_good(obj) -> None:
    """Never release ``obj`` in this process (a forked child's inheritance from its parent:
    see _after_fork_in_child); the system reclaims it at exit."""
    ctypes.pythonapi.Py_IncRef(ctypes.py_object(obj))


def _after_fork_in_child() -> None:
    """A forked child (``os.fork``, multiprocessing's "fork", a DataLoader worker) has none
    of its parent's threads, and IREE's drivers own thread pools (the CPU task executor's
    workers): a call on the parent's device waits for workers that do not exist, and
    releasing it joins them, so even the child's exit hung. The parent's devices (and
    through them its drivers) are kept alive for good, never used nor released here; the
    child opens its own, from new drivers (``get_driver``; GPU drivers the parent had loaded
    are refused there), on its first call."""
    global GENERATION  # (its locks are new already: _process.new_lock_in_child)
    kept = list(_DEVICES.values()) + list(_DRIVERS.values()) + list(_BOUND_TO_DEVICE)
    for obj in kept:
        keep_for_good(obj)
    if kept:  # (leaks by design)
        _process.no_leak_report()
    _INHERITED.update(name for name in _DRIVERS if name not in _HOST_DRIVERS)
    _DEVICES.clear()
    _DRIVERS.clear()
    GENERATION += 1


os.register_at_fork(after_in_child=_after_fork_in_child)


def get_driver(name: str):
    """The IREE driver ``name`` (every use in this package goes through here, so that a
    forked child keeps all of its parent's: IREE's runtime caches each driver, and
    releasing the parent's Vulkan driver at the child's exit hung it): the runtime's cached
    one in the process that loaded it, a new one in a forked child (the cached one's thread
    pool stayed in the parent). Raises what ``iree.runtime.get_driver`` raises, and
    DeviceError for a GPU driver a parent of this forked process had loaded."""
    with _LOCK:
        drv = _DRIVERS.get(name)
    if drv is None:
        if GENERATION == 0:
            drv = rt.get_driver(name)
        elif name in _INHERITED:
            # Measured on lavapipe: the child's own device ran right, then its exit hung
            # or crashed in the driver's teardown; CUDA refuses outright after a fork.
            raise DeviceError(
                f"the {name!r} driver was loaded by a parent of this forked process, and GPU "
                f"drivers do not survive a fork (the child hangs or crashes). Start workers "
                f"with multiprocessing's 'spawn' (torch: DataLoader(..., "
                f"multiprocessing_context='spawn')), or use the GPU in the parent only.")
        else:
            from iree.runtime import _binding

            drv = _binding.create_hal_driver(name)
        with _LOCK:
            drv = _DRIVERS.setdefault(name, drv)
    return drv


def numpy_dtype(name: str) -> np.dtype:
    return BFLOAT16 if name == "bfloat16" else np.dtype(name)


def aligned_empty(shape, dtype) -> np.ndarray:
    """An uninitialized C-contiguous array whose data is 64-byte aligned (``iree_gn.empty``).

    The CPU runtime reads inputs and writes ``out=`` in place only when they are 64-byte
    aligned (IREE's host-memory import rule); NumPy aligns to 16 bytes, so other arrays
    cost one extra copy per call. Allocate buffers that are reused across calls with this.
    """
    dtype = _np_dtype(dtype)
    n = math.prod(shape) * dtype.itemsize
    buf = np.empty(n + ALIGN, np.uint8)
    off = (-buf.ctypes.data) % ALIGN
    return buf[off:off + n].view(dtype).reshape(shape)


def empty(shape, dtype) -> np.ndarray:
    """``iree_gn.empty(shape, dtype)``: :func:`aligned_empty` with its arguments checked
    (a size or a tuple of sizes >= 0; a NumPy dtype or IREE's names ``f16``/``f32``/...)."""
    if dtype is None:  # np.dtype(None) is float64: a silent guess
        raise TypeError("empty: dtype is required (e.g. 'float32'), got None.")
    if _np_dtype(dtype).hasobject:
        raise TypeError(f"empty: dtype {dtype!r} holds Python objects; only numeric "
                        f"arrays are aligned for the runtime.")
    return aligned_empty(_check_shape(shape), dtype)


def _np_dtype(dtype) -> np.dtype:
    if isinstance(dtype, str) and dtype.lower() in MLIR_DTYPE_NAMES:  # "f16": not float128
        return np.dtype(numpy_dtype(MLIR_DTYPE_NAMES[dtype.lower()]))
    return np.dtype(dtype)


def _check_shape(shape) -> tuple:
    if isinstance(shape, (int, np.integer)) and not isinstance(shape, bool):
        shape = (shape,)
    try:
        dims = tuple(shape)
    except TypeError:
        dims = None
    if dims is None or not all(isinstance(d, (int, np.integer)) and not isinstance(d, bool)
                               and d >= 0 for d in dims):
        raise ValueError(f"empty: shape must be a size or a tuple of sizes >= 0, got {shape!r}.")
    return tuple(int(d) for d in dims)


def import_host(device: "Device", a: np.ndarray, dtype: str, *, bare: bool = False):
    """A HAL buffer view (``bare``: buffer) aliasing ``a`` (C-contiguous, writable, 64-byte
    aligned) on a host-memory device: no copy. The import holds ``a`` (~1 us each)."""
    raw = a.view(np.uint16) if dtype == "bfloat16" else a  # the import knows no bfloat16
    hb = device.allocator.import_host_allocation(raw, _IMPORT_MEMORY, _IMPORT_USAGE)
    return hb if bare else rt.HalBufferView(hb, a.shape, _ELEMENT_TYPES[dtype])


def instance() -> rt.VmInstance:
    global _INSTANCE
    with _LOCK:
        if _INSTANCE is None:
            _INSTANCE = rt.VmInstance()
        return _INSTANCE


class DeviceError(RuntimeError):
    """The requested device is absent or could not be opened."""


class Device:
    """An opened IREE device: the driver's device, its allocator and a HAL module."""

    def __init__(self, driver: str, index: int = 0):
        self.driver, self.index = driver, index
        try:
            drv = get_driver(driver)
            infos = drv.query_available_devices()
            if index >= len(infos):
                raise DeviceError(
                    f"driver {driver!r} reports {len(infos)} device(s); device {index} is absent.")
            self.info = infos[index]
            if driver in _HOST_DRIVERS:
                self.hal = drv.create_device(self.info["device_id"], allocators=["caching"])
            else:
                # The caching allocator is for the CPU drivers; on Vulkan (lavapipe) it makes
                # the module's queue alloca fail ("allocator cannot allocate a Vulkan buffer").
                self.hal = drv.create_device(self.info["device_id"])
        except DeviceError:
            raise
        except Exception as e:  # the driver raises RuntimeError/ValueError for absent devices
            raise DeviceError(f"cannot open an IREE {driver!r} device: {e}") from e
        self.allocator = self.hal.allocator
        self.hal_module = rt.create_hal_module(instance(), self.hal)
        # CPU drivers run on host memory: results are read by mapping, and inputs and the
        # output are imported zero-copy. Device-local memory (GPUs) needs queue copies.
        self.host_memory = driver in _HOST_DRIVERS
        # Calls (and GPU transfers) from several threads are queued per device, except on
        # local-sync, which runs each call in its caller's thread (1x8x8x32 from eight
        # threads: 8 us a call vs 16 us from one). Lavapipe loses the device under
        # concurrent submissions (VK_ERROR_DEVICE_LOST in ~1 of 5 runs of test_threads), and
        # a local-task call already spreads over every core: calls at once only
        # oversubscribe them (2x64x64x320 from 8 threads: ~7 ms a call at once, ~3 ms queued).
        self.serial = contextlib.nullcontext() if driver == "local-sync" else threading.Lock()

    @classmethod
    def get(cls, driver: str, index: int = 0) -> "Device":
        with _LOCK:
            dev = _DEVICES.get((driver, index))
        if dev is None:
            dev = cls(driver, index)
            with _LOCK:
                dev = _DEVICES.setdefault((driver, index), dev)
        return dev

    # -- transfers ---------------------------------------------------------------------------
    def to_device(self, a: np.ndarray, dtype: str) -> rt.HalBufferView:
        """Copy a C-contiguous host array into a device buffer view."""
        if dtype == "bfloat16":
            a = a.view(np.uint16)  # the allocator's buffer import knows no bfloat16
        return self.allocator.allocate_buffer_copy(
            memory_type=rt.MemoryType.DEVICE_LOCAL,
            allowed_usage=rt.BufferUsage.DEFAULT,
            device=self.hal,
            buffer=a,
            element_type=_ELEMENT_TYPES[dtype],
        )

    def to_host(self, bv: rt.HalBufferView, dtype: str,
                out: Optional[np.ndarray] = None) -> np.ndarray:
        """Copy a device buffer view to a host array (``out`` when given)."""
        shape = tuple(bv.shape)
        raw = np.uint16 if dtype == "bfloat16" else numpy_dtype(dtype)
        if self.host_memory:
            mapped = bv.map()
            view = mapped.asarray(shape, np.dtype(raw))
        else:
            view = self._staged_copy(bv, shape, np.dtype(raw))
        if out is None:
            out = np.empty(shape, numpy_dtype(dtype))
        np.copyto(out.view(raw) if dtype == "bfloat16" else out, view, casting="no")
        return out

    def _staged_copy(self, bv, shape, raw) -> np.ndarray:
        # Device-local results: copy on the device's queue into a host-local staging buffer,
        # wait, then map it. (DeviceArray.to_host() imports a host pointer instead, which
        # Vulkan refuses unless it is 4096-byte aligned.)
        src = bv.get_buffer()
        staging = self.allocator.allocate_buffer(
            memory_type=rt.MemoryType.HOST_LOCAL | rt.MemoryType.DEVICE_VISIBLE,
            allowed_usage=rt.BufferUsage.TRANSFER_TARGET | rt.BufferUsage.MAPPING_SCOPED,
            allocation_size=src.byte_length(),
        )
        sem = self.hal.create_semaphore(0)
        self.hal.queue_copy(src, staging, wait_semaphores=rt.HalFence.create_at(sem, 0),
                            signal_semaphores=rt.HalFence.create_at(sem, 1))
        rt.HalFence.create_at(sem, 1).wait()
        return staging.map().asarray(shape, raw)
