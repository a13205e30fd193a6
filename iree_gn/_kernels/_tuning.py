"""The CPU kernels' tuning: block sizes, split counts and prefetch distances from the caches
and core count of the machine a module is built for.

The kernels' constants were measured on one machine (32 KiB L1d and 1 MiB L2 per core,
32 MiB L3, 2 cores) and are kept there as ratios of its caches; on a machine with other
caches the same ratios give other constants (issue 13: the same op measured 0.94-1.38x
PyTorch on a 2-core Xeon with a much larger L3, 0.82-1.02x here):

    cf_block_bytes    = L2          largest channels-first (sample, group) block: re-read from L2
    cf_piece_bytes    = L2 / 2      pieces of a larger channels-first block
    cl_chunk_bytes    = L2 / 4      channels-last channel block, re-read from L2 (1/4 measured
                                    best: 2x16x16x1280 0.24 vs 0.33 ms; _select.channel_blocks)
    prefetch_bytes    = L1d / 8     how far ahead channels-last kernels prefetch x
    cf_prefetch_bytes = L1d / 32    how far ahead the channels-first normalize prefetches y
    split_workgroups  = 8 x cores   workgroups for a batch-1 channels-last call (8 per core
                                    balances uneven progress; 16 measured on 2 cores)
    cl_reg_bytes      = L3 / 4      channels-last x up to which the kernels hold channel chunks
                                    in registers down the rows (_channels_last.reg_vectors)
    reg_chunk_bytes   = vregs / 4   a channels-last register chunk's values of one kind (its
                                    shift, sums, squares): 8 AVX-512 vectors of float32
    stream_bytes      = L3          a call whose large arrays (x and y; x, dy and dx) total
                                    more writes its output with streaming stores (_emit)

each rounded down to a power of two and clamped to a sane range, so that a misread cache
size cannot make a pathological module. L2 is the share of one CPU (an L2 shared by two
hyperthreads counts half). The host target (``llvm-cpu``, ``target-cpu=host``) reads the
caches of this machine at compile time (``/sys/devices/system/cpu``, else ``os.sysconf``);
the cross targets (``llvm-cpu:x86-64-v3``, ``llvm-cpu:aarch64``) use :data:`CROSS`: the caches
of the machine the constants were measured on, the registers of their ISAs. The record's
:meth:`CpuCaches.key_text` is part of every llvm-cpu cache key (``_cache``), so a module built
for one cache hierarchy is never reused on another.

The kernel emitters read the values for the module being built with :func:`current`, which
``_build`` sets per target with :func:`using` (outside it: the host's).
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import functools
import os
import platform
from typing import Iterator, List, Optional, Tuple


def _pow2_clamp(n: int, lo: int, hi: int) -> int:
    n = max(lo, min(hi, int(n)))
    return 1 << (n.bit_length() - 1)


@dataclasses.dataclass(frozen=True)
class CpuCaches:
    """A machine's caches: ``l1d`` and ``l2`` bytes per CPU, ``l3`` bytes in all, ``cores``
    the CPUs this process may run on; the kernels' constants derived from them."""

    l1d: int
    l2: int
    l3: int
    cores: int
    # The vector register file in bytes (registers x width): AVX-512 32 x 64 (this
    # machine), AVX2 16 x 32, NEON 32 x 16. Bounds the channels-last register chunks.
    vreg_bytes: int = 2048

    @property
    def cf_block_bytes(self) -> int:
        return _pow2_clamp(self.l2, 256 << 10, 8 << 20)

    @property
    def cf_piece_bytes(self) -> int:
        return _pow2_clamp(self.l2 // 2, 128 << 10, 4 << 20)

    @property
    def cl_chunk_bytes(self) -> int:
        return _pow2_clamp(self.l2 // 4, 64 << 10, 2 << 20)

    @property
    def prefetch_bytes(self) -> int:
        return _pow2_clamp(self.l1d // 8, 1024, 16 << 10)

    @property
    def cf_prefetch_bytes(self) -> int:
        return _pow2_clamp(self.l1d // 32, 256, 4096)

    @property
    def split_workgroups(self) -> int:
        return max(4, min(256, 8 * self.cores))

    @property
    def reg_chunk_bytes(self) -> int:
        return _pow2_clamp(self.vreg_bytes // 4, 16, 4096)

    @property
    def cl_reg_bytes(self) -> int:
        return _pow2_clamp(self.l3 // 4, 1 << 20, 1 << 30)

    @property
    def stream_bytes(self) -> int:
        return max(1 << 20, min(self.l3, 1 << 31))

    def key_text(self) -> str:
        """The record and what it gives, for cache keys."""
        return (f"l1d={self.l1d} l2={self.l2} l3={self.l3} cores={self.cores}: "
                f"cf_block={self.cf_block_bytes} cf_piece={self.cf_piece_bytes} "
                f"cl_chunk={self.cl_chunk_bytes} prefetch={self.prefetch_bytes} "
                f"cf_prefetch={self.cf_prefetch_bytes} split={self.split_workgroups} "
                f"stream={self.stream_bytes} cl_reg={self.cl_reg_bytes} "
                f"vregs={self.vreg_bytes}")


# The machine the kernels' constants were measured on (AMD EPYC, 2 cores): the cross
# targets' tuning, and what an unreadable cache size falls back to.
DEFAULT = CpuCaches(l1d=32 << 10, l2=1 << 20, l3=32 << 20, cores=2)
# The cross targets': DEFAULT's caches, and the vector registers of their ISAs (x86-64-v3:
# AVX2, 16 x 32 bytes; aarch64: NEON, 32 x 16), not this machine's AVX-512.
CROSS = dataclasses.replace(DEFAULT, vreg_bytes=512)

_SYSCONF = {"l1d": "SC_LEVEL1_DCACHE_SIZE", "l2": "SC_LEVEL2_CACHE_SIZE",
            "l3": "SC_LEVEL3_CACHE_SIZE"}


def _size(text: str) -> Optional[int]:
    """``"32K"``, ``"1024K"``, ``"32M"``, ``"65536"`` -> bytes (None if unreadable)."""
    text = text.strip().upper()
    mult = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}.get(text[-1:], 1)
    digits = text[:-1] if mult != 1 else text
    return int(digits) * mult if digits.isdigit() else None


def _cpu_count(text: str) -> int:
    """The number of CPUs in a sysfs list (``"0-3,8"`` -> 5)."""
    n = 0
    for part in text.strip().split(","):
        if "-" in part:
            a, b = part.split("-")
            n += int(b) - int(a) + 1
        elif part:
            n += 1
    return max(1, n)


def read_sysfs(root: str = "/sys/devices/system/cpu/cpu0/cache") -> dict:
    """{"l1d", "l2", "l3"} bytes from sysfs ``index*/{level,type,size,shared_cpu_list}``
    (L1d and L2 per sharing CPU); missing levels are left out."""
    found = {}
    try:
        names = sorted(n for n in os.listdir(root) if n.startswith("index"))
    except OSError:
        return found
    for name in names:
        def read(f, d=os.path.join(root, name)):
            with open(os.path.join(d, f)) as fh:
                return fh.read().strip()
        try:
            level, kind, size = int(read("level")), read("type"), _size(read("size"))
            try:
                sharing = _cpu_count(read("shared_cpu_list"))
            except OSError:
                sharing = 1
        except (OSError, ValueError):
            continue
        if size is None or kind == "Instruction":
            continue
        if level == 1 and kind == "Data":
            found["l1d"] = size // sharing
        elif level == 2:
            found["l2"] = size // sharing
        elif level == 3:
            found["l3"] = size
    return found


def from_machine(sizes: dict, cores: int, vreg_bytes: int = DEFAULT.vreg_bytes) -> CpuCaches:
    """A record from measured ``sizes`` ({"l1d", "l2", "l3"} bytes; a missing or zero one
    takes :data:`DEFAULT`'s), ``cores`` and ``vreg_bytes``."""
    pick = {k: sizes.get(k) or getattr(DEFAULT, k) for k in ("l1d", "l2", "l3")}
    return CpuCaches(cores=max(1, int(cores or DEFAULT.cores)), vreg_bytes=vreg_bytes, **pick)


def read_vreg_bytes(cpuinfo: str = "/proc/cpuinfo") -> int:
    """This CPU's vector register file in bytes, from its ISA flags: AVX-512 2048, AVX or
    AVX2 512, aarch64 (NEON) 512, other x86 (SSE) 256; unreadable: DEFAULT's."""
    if platform.machine().lower() in ("aarch64", "arm64"):
        return 512
    try:
        with open(cpuinfo) as fh:
            flags = next((ln.split(":", 1)[1].split() for ln in fh
                          if ln.startswith("flags")), None)
    except OSError:
        flags = None
    if flags is None:
        return DEFAULT.vreg_bytes
    return 2048 if "avx512f" in flags else 512 if "avx" in flags else 256


@functools.lru_cache(maxsize=None)
def host() -> CpuCaches:
    """This machine's record: sysfs, else ``os.sysconf``, else :data:`DEFAULT` per value."""
    sizes = read_sysfs()
    for k, name in _SYSCONF.items():
        if k not in sizes:
            try:
                v = os.sysconf(name)
            except (ValueError, OSError, AttributeError):
                v = 0
            if v and v > 0:
                sizes[k] = v
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or DEFAULT.cores
    return from_machine(sizes, cores, read_vreg_bytes())


def for_target(name: str) -> Optional[CpuCaches]:
    """The record a module for target ``name`` is tuned to: the host's for ``llvm-cpu``
    (``target-cpu=host``), :data:`CROSS` for the other llvm-cpu rows (cross targets);
    None for other backends (no CPU kernels)."""
    if name == "llvm-cpu":
        return host()
    if name.startswith("llvm-cpu:"):
        return CROSS
    return None


def key_parts(target_name: str) -> List[Tuple[str, str]]:
    """The cache-key part for ``target_name``: its record's key text (llvm-cpu rows only)."""
    caches = for_target(target_name)
    return [] if caches is None else [("cpu-caches", caches.key_text())]


_CURRENT: contextvars.ContextVar = contextvars.ContextVar("iree_gn_cpu_caches", default=None)


def current() -> CpuCaches:
    """The record of the module being built (see :func:`using`; the host's outside it)."""
    caches = _CURRENT.get()
    return host() if caches is None else caches


@contextlib.contextmanager
def using(target_name: str) -> Iterator[None]:
    """Build inside: the kernels read ``for_target(target_name)`` (the host's for rows
    without CPU kernels, which read none)."""
    token = _CURRENT.set(for_target(target_name) or host())
    try:
        yield
    finally:
        _CURRENT.reset(token)
