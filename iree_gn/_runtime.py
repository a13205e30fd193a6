"""Loading compiled modules on a device and calling them with NumPy arrays.

Needs only ``iree.runtime`` and NumPy (the deploy path imports it). One
:class:`Device` per (driver, device index) per process, created with IREE's caching
allocator: without it every call allocates and page-faults its output (3x slower on large
tensors, IREE_NOTES.md).
"""

from __future__ import annotations

import ctypes
import itertools
import math
import sys
import threading
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

import iree.runtime as rt

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
_ALIGN = 64  # host allocations imported into IREE must be 64-byte aligned
_IMPORT_MEMORY = rt.MemoryType.DEVICE_LOCAL | rt.MemoryType.HOST_VISIBLE
_IMPORT_USAGE = rt.BufferUsage.DEFAULT | rt.BufferUsage.MAPPING
# Inputs up to this size are copied into buffers imported once, with a prebuilt argument
# list: importing a NumPy array costs ~60 us, copying 64 KB ~3 us.
_SMALL_COPY = 64 * 1024

_LOCK = threading.Lock()
_INSTANCE: Optional[rt.VmInstance] = None
_DEVICES: Dict[Tuple[str, int], "Device"] = {}


def numpy_dtype(name: str) -> np.dtype:
    return BFLOAT16 if name == "bfloat16" else np.dtype(name)


def aligned_empty(shape, dtype) -> np.ndarray:
    """An uninitialized C-contiguous array whose data is 64-byte aligned (``iree_gn.empty``).

    The CPU runtime reads inputs and writes ``out=`` in place only when they are 64-byte
    aligned (IREE's host-memory import rule); NumPy aligns to 16 bytes, so other arrays
    cost one extra copy per call. Allocate buffers that are reused across calls with this.
    """
    dtype = np.dtype(dtype)
    n = math.prod(shape) * dtype.itemsize
    buf = np.empty(n + _ALIGN, np.uint8)
    off = (-buf.ctypes.data) % _ALIGN
    return buf[off:off + n].view(dtype).reshape(shape)


def _refcounts(entry) -> Tuple[int, int]:
    return sys.getrefcount(entry[0]), sys.getrefcount(entry[1])


def aligned_array(a) -> np.ndarray:
    """A 64-byte-aligned C-contiguous copy of ``a``."""
    a = np.asarray(a)
    out = aligned_empty(a.shape, a.dtype)
    np.copyto(out, a)
    return out


def is_importable(a: np.ndarray) -> bool:
    return a.flags.c_contiguous and a.ctypes.data % _ALIGN == 0


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
            drv = rt.get_driver(driver)
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
        self._hal_module = rt.create_hal_module(instance(), self.hal)
        # CPU drivers run on host memory: results are read by mapping, and inputs and the
        # output are imported zero-copy. Device-local memory (GPUs) needs queue copies.
        self.host_memory = driver in _HOST_DRIVERS

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


class LoadedModule:
    """A ``.vmfb`` loaded into a VM context on one device.

    Modules export ``main(x, [gamma], [beta]) -> y`` and ``main_out(..., out)`` whose result
    is written into a caller-supplied buffer (``iree.abi.output``). On CPU drivers the
    call imports the NumPy inputs and output zero-copy and invokes ``main_out``: no copy in,
    no copy out, no allocation when the caller passes ``out``.
    """

    def __init__(self, vmfb: bytes, device: Device, entry: str = "main"):
        self.device = device
        self._vmfb = vmfb
        self.module = rt.VmModule.copy_buffer(instance(), vmfb)
        self.context = rt.VmContext(instance(), modules=[device._hal_module, self.module])
        fn = self.module.lookup_function(entry)
        if fn is None:
            raise RuntimeError(
                f"module has no function {entry!r}; it exports {self.module.function_names}.")
        self.function = fn
        self.function_out = self.module.lookup_function(entry + "_out")
        # Hand-written kernel modules (_kernels) also take x at a byte offset into a larger
        # buffer, which lets an unaligned NumPy x in without a copy.
        self.function_off = self.module.lookup_function(entry + "_off_out")
        self._scratch: Dict[int, np.ndarray] = {}
        self._imports: Dict[object, tuple] = {}  # slot -> (array, its import)
        self._staged: Dict[tuple, tuple] = {}  # _call_staged's buffers and arguments (_stage)
        self._pool: list = []  # [array, its memory's owner, import, free refcounts]
        self._state_lock = threading.Lock()  # guards _staged and _pool

    def _import(self, a: np.ndarray, dtype: str, slot: int):
        """A HAL buffer (view) aliasing ``a``; slot -1 is the output (a bare buffer)."""
        # Calls that pass the same array again (weights, a reused output buffer) reuse its
        # import: the import aliases the array's memory, so new contents are seen, and the
        # cache holds the array, so its memory outlives the import.
        hit = self._imports.get(slot)
        if hit is not None and hit[0] is a:
            return hit[1]
        src = a
        if not (is_importable(a) and a.flags.writeable):
            # Unaligned, strided or read-only (IREE imports writable memory only): one copy
            # into a reusable aligned scratch buffer, refreshed on every call.
            buf = self._scratch.get(slot)
            if buf is None or buf.shape != a.shape or buf.dtype != a.dtype:
                buf = self._scratch[slot] = aligned_empty(a.shape, a.dtype)
            np.copyto(buf, a)
            src = buf
            hit = self._imports.get(("scratch", slot))
            if hit is not None and hit[0] is buf:
                return hit[1]
        ref = self._import_now(src, dtype, bare=slot < 0)
        self._imports[slot if src is a else ("scratch", slot)] = (src, ref)
        return ref

    def _import_offset(self, x: np.ndarray, dtype: str):
        """(import, byte offset) of the 64-byte-aligned span that ends where ``x`` ends and
        starts at most 63 bytes before it (in the same page, so it is mapped memory); the
        module reads x at that offset (``main_off_out``). NumPy aligns large arrays to 16
        bytes only: this saves a copy of x per call (2x64x64x320: 3.0 -> 1.1 ms)."""
        hit = self._imports.get("offset")
        if hit is not None and hit[0] is x:
            return hit[1]
        addr = x.ctypes.data
        off = addr % _ALIGN
        span = (ctypes.c_uint8 * (off + x.nbytes)).from_address(addr - off)
        view = np.frombuffer(span, x.dtype)
        ref = (self._import_now(view, dtype, bare=False), off)
        # The entry holds x: its memory outlives the import.
        self._imports["offset"] = (x, ref)
        return ref

    def _pooled_result(self, x: np.ndarray, dtype: str):
        """A result array (and its import) for a call without ``out``: one of the last two
        results when nobody but this pool references it or its memory (no caller variable,
        no view: every view links to the memory's owner), else a new one. A caller that
        drops each result then pays no allocation, page faults or import per call (10 MB:
        ~1-3 ms)."""
        with self._state_lock:
            pool = self._pool
            for i in range(len(pool) - 1, -1, -1):  # the most recent first: warm in cache
                if pool[i][0].shape == x.shape and _refcounts(pool[i]) == pool[i][3]:
                    entry = pool.pop(i)
                    pool.append(entry)
                    return entry[0], entry[2]
            arr = aligned_empty(x.shape, x.dtype)
            entry = [arr, arr.base, self._import_now(arr, dtype, bare=True), None]
            if len(pool) >= 2:
                pool.pop(0)
            pool.append(entry)
            counts = _refcounts(entry)
            entry[3] = (counts[0] - 1, counts[1])  # less this function's ``arr``
            return arr, entry[2]

    def _import_now(self, a: np.ndarray, dtype: str, bare: bool):
        raw = a.view(np.uint16) if dtype == "bfloat16" else a
        hb = self.device.allocator.import_host_allocation(raw, _IMPORT_MEMORY, _IMPORT_USAGE)
        return hb if bare else rt.HalBufferView(hb, a.shape, _ELEMENT_TYPES[dtype])

    def _call_staged(self, arrays, dtype, out):
        """Small calls: x is copied into a buffer imported once; the parameters and ``out``
        are used in place when they are importable (64-byte aligned, writable: variables and
        ``iree_gn.empty`` buffers are) and copied through staging buffers otherwise. The
        argument list is built once per set of parameter/output arrays and reused (the
        cache holds those arrays, so their memory outlives the imports)."""
        x, params = arrays[0], arrays[1:]
        # x's shape too: a module with a dynamic batch takes x of any batch size.
        key = (x.shape, *map(id, params), id(out))
        with self._state_lock:
            st = self._staged.get(key)
            if st is None:
                if len(self._staged) >= 4:  # callers alternating a few out buffers all hit
                    self._staged.pop(next(iter(self._staged)))
                st = self._staged[key] = self._stage(x, params, out, dtype, key)
            _, xs, staged, out_buf, args, results, _ = st
            xs[...] = x
            for i, buf in staged:
                buf[...] = params[i]
            self.context.invoke(self.function_out, args, results)
            if out_buf is out:
                return out
            if out is None:
                return out_buf.copy()
            np.copyto(out, out_buf)
            return out

    def _stage(self, x, params, out, dtype, key):
        xs = aligned_empty(x.shape, x.dtype)
        args = rt.VmVariantList(len(params) + 2)
        args.push_ref(self._import_now(xs, dtype, bare=False))
        staged = []
        for i, p in enumerate(params):
            if not (is_importable(p) and p.flags.writeable):
                p = aligned_empty(p.shape, p.dtype)
                staged.append((i, p))
            args.push_ref(self._import_now(p, dtype, bare=False))
        out_buf = out if out is not None and is_importable(out) and out.flags.writeable \
            else aligned_empty(x.shape, x.dtype)
        args.push_ref(self._import_now(out_buf, dtype, bare=True))
        # ``results`` is reused too (each invoke overwrites it); ``params`` keeps the ids valid.
        return (key, xs, staged, out_buf, args, rt.VmVariantList(1), params)

    def __call__(self, arrays: Sequence[np.ndarray], dtype: str,
                 out: Optional[np.ndarray] = None) -> np.ndarray:
        dev = self.device
        if dev.host_memory and self.function_out is not None:
            return self._call_zero_copy(arrays, dtype, out)
        args = rt.VmVariantList(len(arrays))
        for a in arrays:
            args.push_ref(dev.to_device(a, dtype))
        results = rt.VmVariantList(1)
        self.context.invoke(self.function, args, results)
        bv = results.get_as_object(0, rt.HalBufferView)
        return dev.to_host(bv, dtype, out)

    def _call_zero_copy(self, arrays, dtype, out):
        x = arrays[0]
        if x.nbytes <= _SMALL_COPY:
            return self._call_staged(arrays, dtype, out)
        if out is not None and (self._imports.get(-1, (None,))[0] is out or (
                is_importable(out) and out.flags.writeable)):
            target = out
        else:
            target = None  # a pooled result (or a staged copy into the caller's out)
        args = rt.VmVariantList(len(arrays) + 2)
        fn = self.function_out
        if self.function_off is not None and not is_importable(x) and x.flags.c_contiguous \
                and x.flags.aligned and x.flags.writeable:
            fn = self.function_off
            ref, off = self._import_offset(x, dtype)
            args.push_ref(ref)
            args.push_int(off)
        else:
            args.push_ref(self._import(x, dtype, 0))
        for i, a in enumerate(arrays[1:], 1):
            args.push_ref(self._import(a, dtype, i))
        if target is None:
            target, ref = self._pooled_result(x, dtype)
            args.push_ref(ref)
        else:
            args.push_ref(self._import(target, dtype, -1))
        self.context.invoke(fn, args, rt.VmVariantList(1))
        if out is not None and target is not out:
            np.copyto(out, target)
            return out
        return target


def call_blocks(module: LoadedModule, dynamic_axes: Sequence[int], x: np.ndarray,
                params: Sequence[np.ndarray], dtype: str,
                out: Optional[np.ndarray] = None) -> np.ndarray:
    """Run a static *block* module (each dynamic axis of size 1) over every index of the
    dynamic axes of ``x``: those axes carry independent statistics, so this is exact."""
    if out is None:
        out = np.empty(x.shape, x.dtype)
    for idx in itertools.product(*(range(x.shape[a]) for a in dynamic_axes)):
        sl = [slice(None)] * x.ndim
        for a, i in zip(dynamic_axes, idx):
            sl[a] = slice(i, i + 1)
        sl = tuple(sl)
        xb = np.ascontiguousarray(x[sl])
        ob = out[sl]
        if ob.flags.c_contiguous:
            module([xb, *params], dtype, ob)
        else:
            ob[...] = module([xb, *params], dtype)
    return out
