"""The one table of targets: compiler flags, runtime driver, and device fit.

A *target* is a name such as ``llvm-cpu``, ``llvm-cpu:aarch64``, ``vulkan``, ``cuda:sm_90`` or
``rocm:gfx942``. Each row says how to compile for it (the exact ``iree-compile`` flags, which
go into the cache key), which IREE runtime driver runs it, which JAX formulation is right on
it, and what the module must contain to hold code for it. Adding a target means adding a row.

This module imports neither JAX nor the IREE compiler: the deploy path uses it.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
from typing import Callable, Dict, List, Optional, Tuple

from . import _gpu_kernels, _kernels
from ._kernels import _tuning as _cpu_tuning


# Inputs under this size that no kernel serves use a target's small_formulation. Measured on
# llvm-cpu here (median us per call, local-sync): 1x8x8x32 (8 KB) 18 fused vs 40 native,
# 1x16x16x64 (64 KB) 45 vs 58, 1x32x32x64 (256 KB) 134 vs 91: one workgroup per sample stops
# paying past ~100 KB.
# Where a kernel serves a small input it runs (formulation_for asks first): as fast as
# "fused" (medians of 7 interleaved rounds, us: 1x8x8x32 10.7 vs 11.2, 1x16x16x64 13.9 vs
# 15.4, NCHW 1x32x8x8 6.6 vs 6.9, 1x8x8x32 silu 7.6 vs 9.5, float16 6.9 vs 8.3, float64 8.0
# vs 7.8, 4x64 10.2 vs 9.2: call overhead dominates) and exact at any mean. "fused" is
# left to what no kernel serves: callables, transposing layouts, tiny blocks.
FUSED_BYTES = 96 << 10


@dataclasses.dataclass(frozen=True)
class Target:
    """One row of the target table.

    Attributes:
      name: the user-facing name (``"llvm-cpu"``, ``"cuda:sm_90"``...).
      backend: IREE's HAL target device (``--iree-hal-target-device``).
      flags: the exact extra ``iree-compile`` flags (part of the cache key).
      driver: the IREE runtime driver that runs the module (``None`` = compile-only here).
      formulation: the JAX formulation proven right on this target (see ``_authoring``).
      marker: bytes that a module compiled for this target must contain (checked by tests
        and by the bundle builder, so a module without code for its target is caught).
      f64: whether float64 is computed natively (else float64 specs are refused).
      description: one line for ``iree-gn targets``.
      fits: ``fits(device_props) -> (ok, why)``: whether a probed device runs this target's
        modules right (see ``_devices.probe``); None for CPU rows.
      auto: whether ``target="auto"`` may pick it (real accelerators; not software GPUs).
      small_driver, small_bytes: a driver for inputs under ``small_bytes`` (see driver_for).
      device_target: a complete ``#hal.device.target`` put into the module (see ``prepare``)
        for GPUs that IREE's flags cannot name (sm_90 in IREE 3.13).
      small_formulation: the formulation for inputs under ``FUSED_BYTES``.
      kernel: whether the hand-written dispatches of ``_kernels`` serve the specs they
        support (inputs of ``FUSED_BYTES`` and more).
      gpu_kernel: ``(workgroup size, subgroup size, spirv)`` of the hand-written GPU
        dispatches (``_gpu_kernels``) that serve the specs they support on this row; None
        for CPUs.
    """

    name: str
    backend: str
    flags: Tuple[str, ...]
    driver: Optional[str]
    formulation: str
    marker: bytes
    f64: bool
    description: str
    fits: Optional[Callable[[dict], Tuple[bool, str]]] = None
    auto: bool = False
    small_driver: Optional[str] = None
    small_bytes: int = 0
    device_target: Optional[str] = None
    small_formulation: Optional[str] = None
    kernel: bool = False
    gpu_kernel: Optional[Tuple[int, int, bool]] = None

    def __reduce_ex__(self, protocol):
        # A row of the table pickles by name (its fits() is a closure, which pickle cannot
        # carry), and unpickles as that very row.
        if TARGETS.get(self.name) is self:
            return get, (self.name,)
        return object.__reduce_ex__(self, protocol)

    def prepare(self, text: str) -> str:
        """The compiler input for this target: ``text``, plus the module's own
        ``hal.device.targets`` where the target is given as an attribute, not by flags,
        and this row's name in ``main_out``'s reflection (``_export.record_target``)."""
        from ._export import record_target

        text = record_target(text, self.name)
        if self.device_target is None:
            return text
        attr = f"hal.device.targets = [{self.device_target}]"
        m = re.search(r"^module( @[\w.$-]+)?( attributes \{)?", text, re.M)
        if m.group(2):
            return text[:m.end()] + attr + ", " + text[m.end():]
        return text[:m.end()] + " attributes {" + attr + "}" + text[m.end():]

    def formulation_for(self, spec) -> str:
        """The formulation for a static ``spec``: ``"kernel"`` (the hand-written dispatch of
        ``_kernels``: one read of x from memory, one dispatch) where this row has kernels and
        one supports ``spec``; on GPU rows the hand-written GPU dispatches of ``_gpu_kernels``
        where they support ``spec`` (also with a dynamic batch axis 0); else
        ``small_formulation`` for inputs under ``FUSED_BYTES`` (one dispatch: a small call
        costs what its dispatches cost); else ``formulation``."""
        if self.kernel and _kernels.supports(spec):
            return "kernel"
        if self.gpu_kernel and _gpu_kernels.supports(spec):
            return _gpu_kernels.formulation_for(spec, *self.gpu_kernel)
        if self.small_formulation and spec.is_static and spec.nbytes < FUSED_BYTES:
            return self.small_formulation
        return self.formulation

    def driver_for(self, nbytes: int) -> Optional[str]:
        """The runtime driver for an input of ``nbytes``: ``small_driver`` below
        ``small_bytes`` (a single-threaded driver has no thread wake-ups: 7 us vs 28 us per
        call on 1x8x8x32), else ``driver``."""
        if self.small_driver and self.driver and nbytes < self.small_bytes:
            return self.small_driver
        return self.driver

    def device_index(self) -> int:
        """Which of its driver's devices runs this row's modules: the first that fits (a
        machine with lavapipe next to an NVIDIA GPU lists both under 'vulkan'); 0 for CPUs
        or when none fits (opening it then says what is wrong)."""
        if self.fits is None or self.driver is None:
            return 0
        from . import _devices

        d = _devices.probe().get(self.driver) or {}
        return next((dev["index"] for dev in d.get("devices", []) if self.fits(dev)[0]), 0)

    @property
    def family(self) -> str:
        return self.name.split(":")[0]

    @property
    def max_dynamic(self) -> Optional[int]:
        """The largest dynamic batch one module takes on this row: the GPU kernels put the
        samples on a grid axis (at most 65535 workgroups on CUDA and Vulkan); None on CPUs."""
        return _gpu_kernels.MAX_GRID if self.gpu_kernel else None


def _small_bytes(cores: int) -> int:
    """x's bytes under which a CPU call runs on ``local-sync`` (the caller's thread) rather
    than ``local-task`` (a worker per core): the task executor's wake-ups and joins cost a
    fixed ~40-60 us a call here, which parallel speedup repays only past some size, larger
    where fewer cores share the work. Model: sync B / w, task t0 + B / (0.8 cores w), so
    B* = t0 w / (1 - 1 / (0.8 cores)), with t0 w = 1.1 MiB fitted to 2 cores here (same
    process, sync / task: 2x8x8x1280 0.62 MiB 0.053 / 0.081 ms, 2x16x16x1280 2.5 MiB
    0.132 / 0.162, 4x32x32x256 4 MiB 0.256 / 0.234, 2x32x32x640 5 MiB 0.386 / 0.308):
    2.9 MiB on 2 cores, 1.6 on 4, 1.2 on 16; never under 1 MiB. One core: always sync.
    Re-measured with the caller's poll (``_bound._await``), task / sync: 1.46x at 0.62 MiB,
    1.02-1.04x at 2.0-2.5 MiB (0.91x channels first), 0.85x at 3.1 MiB: the same crossover."""
    if cores <= 1:
        return 1 << 62
    return max(1 << 20, int((1.1 * (1 << 20)) / (1 - 1 / (0.8 * cores))))


def _cpu(name: str, cpu_flags: Tuple[str, ...], marker: bytes, driver, desc: str) -> Target:
    return Target(
        name=name,
        backend="llvm-cpu",
        # Distribution tiles of 512 (default 64): the normalize pass then runs on whole
        # channel rows (2x64x64x320: 0.80 -> 0.41 ms for that dispatch; NCHW 1.64 -> 0.56 ms),
        # and the reduce on larger slabs (build_tools/bench.py, IREE_NOTES.md).
        # Entry points take a wait and a signal fence (coarse-fences), so the caller polls
        # for the end of a call instead of sleeping in the module's own wait: see
        # _bound._await for why and what it measured.
        flags=("--iree-hal-target-device=local", "--iree-hal-local-target-device-backends=llvm-cpu",
               "--iree-opt-level=O2", "--iree-llvmcpu-distribution-size=512",
               "--iree-execution-model=async-external") + cpu_flags,
        driver=driver,
        # Per-channel sums in x's own layout with a K-way split: uses every core even for
        # batch 1 (IREE_NOTES.md: the fused dispatch runs one workgroup per sample), and
        # vectorizes along contiguous channels (see _authoring.FORMULATIONS).
        formulation="native",
        marker=marker,
        f64=True,
        description=desc,
        small_driver="local-sync" if driver else None,
        small_bytes=_small_bytes(_cpu_tuning.host().cores),
        small_formulation="fused",
        kernel=True,
    )


_ROWS: List[Target] = [
    _cpu("llvm-cpu", ("--iree-llvmcpu-target-cpu=host",), b"embedded-elf-x86_64" if
         os.uname().machine == "x86_64" else b"embedded-elf-arm_64", "local-task",
         "this host's CPU, with every feature it has (not portable to other CPUs)"),
    _cpu("llvm-cpu:x86-64-v3",
         ("--iree-llvmcpu-target-triple=x86_64-linux-gnu", "--iree-llvmcpu-target-cpu=x86-64-v3"),
         b"embedded-elf-x86_64", "local-task" if os.uname().machine == "x86_64" else None,
         "portable x86-64 with AVX2/FMA (Haswell and newer)"),
    _cpu("llvm-cpu:aarch64",
         ("--iree-llvmcpu-target-triple=aarch64-linux-gnu",
          "--iree-llvmcpu-target-cpu=neoverse-n1"),
         b"embedded-elf-arm_64", "local-task" if os.uname().machine == "aarch64" else None,
         "64-bit Arm (Neoverse N1 and newer), cross-compiled"),
]


# ---- GPUs -----------------------------------------------------------------------------------
def _fits_vulkan(driver_name: str, subgroup: int):
    def fits(dev: dict) -> Tuple[bool, str]:
        if dev.get("driver") == driver_name and dev.get("subgroup_size") == str(subgroup):
            return True, ""
        return False, (f"needs a {driver_name} Vulkan device with subgroup size {subgroup}; "
                       f"found {dev.get('name')!r} (driver {dev.get('driver')}, subgroup "
                       f"{dev.get('subgroup_size')})")
    return fits


# Threads per workgroup of the hand-written GPU dispatches (_gpu_kernels) on every GPU row:
# 8 warps on NVIDIA, 4 wavefronts on CDNA, 32 lavapipe SIMD batches.
_GPU_WORKGROUP = 256


def _vulkan(name: str, iree_target: str, driver_name: str, subgroup: int, auto: bool,
            desc: str, formulation: str) -> Target:
    # The compiler's Vulkan target must match the device's real subgroup size and shared
    # memory: IREE's default target (subgroup 64) gives NaN on lavapipe (subgroup 8), and
    # 'valhall' (16 lanes) sums partially. Each row names the IREE target for one device
    # family and fits() checks the probed device against it.
    return Target(name=name, backend="vulkan-spirv",
                  flags=("--iree-hal-target-device=vulkan", f"--iree-vulkan-target={iree_target}"),
                  driver="vulkan", formulation=formulation, marker=b"vulkan-spirv-fb", f64=False,
                  description=desc, fits=_fits_vulkan(driver_name, subgroup), auto=auto,
                  gpu_kernel=(_GPU_WORKGROUP, subgroup, True))


def cuda_may_run(target: Target, dev: dict) -> bool:
    """Whether a CUDA device may run ``target``'s PTX: the driver assembles PTX for its own
    architecture or a later one; unknown when the compute capability could not be read."""
    found = dev.get("compute_capability")
    try:
        return found is None or tuple(map(int, found.split("."))) >= (
            int(target.name[-2]), int(target.name[-1]))
    except ValueError:
        return True


def _cc_fits(cc: str):
    def fits(dev: dict) -> Tuple[bool, str]:
        found = dev.get("compute_capability")
        if found == cc:
            return True, ""
        return False, f"needs compute capability {cc}; found {found or 'unknown'} ({dev.get('name')})"
    return fits


# sm_90 is absent from IREE 3.13's table of NVIDIA targets ("missing GPU target in
# #hal.executable.target"), so its module carries a complete target: sm_80's
# capabilities (the same mma/subgroup features GN uses), arch sm_90, PTX ISA 8.0, and the
# H100's 227 KB of shared memory per workgroup. The module holds PTX that the driver
# assembles for the GPU at load time.
_SM90_TARGET = (
    '#hal.device.target<"cuda", [#hal.executable.target<"cuda", "cuda-nvptx-fb", '
    '{iree_codegen.target_info = #iree_gpu.target<arch = "sm_90", features = "+ptx80", '
    'wgp = <compute = fp64|fp32|fp16|int64|int32|int16|int8, storage = b64|b32|b16|b8, '
    'subgroup = shuffle|arithmetic, dot = dp4xi8toi32, '
    'mma = [<NV_MMA_SYNC_F32_16x8x16_F16>, <NV_MMA_SYNC_F16_16x8x16_F16>, '
    '<NV_MMA_SYNC_F32_16x8x16_BF16>, <NV_WMMA_F32_16x16x16_F16>, <NV_WMMA_F16_16x16x16_F16>], '
    'subgroup_size_choices = [32], max_workgroup_sizes = [1024, 1024, 1024], '
    'max_thread_count_per_workgroup = 1024, max_workgroup_memory_bytes = 232448, '
    'max_workgroup_counts = [2147483647, 65535, 65535]>>}>]>')


def _cuda(sm: str, desc: str) -> Target:
    cc = f"{sm[3]}.{sm[4]}"
    by_attr = sm == "sm_90"
    # "split" with O2: measured on an H100 (build_tools/results/cuda_h100_run2_variants.md),
    # 8-22x faster than "barrier" (0.35 vs 2.9 ms on 2x64x64x320 f32; 1.56 vs 38.8 ms on
    # 16x128x128x320) and as exact (mean 1e4 included). NVPTX codegen has none of SPIR-V's
    # fused reduce-then-subtract miscompile.
    return Target(name=f"cuda:{sm}", backend="cuda",
                  flags=(("--iree-opt-level=O2",) if by_attr else (
                      "--iree-hal-target-device=cuda", f"--iree-cuda-target={sm}",
                      "--iree-opt-level=O2")),
                  driver="cuda", formulation="split", marker=f".target {sm}".encode(),
                  f64=True, description=desc, fits=_cc_fits(cc), auto=True,
                  device_target=_SM90_TARGET if by_attr else None,
                  gpu_kernel=(_GPU_WORKGROUP, 32, False))


def _rocm(gfx: str, desc: str, wave: int) -> Target:
    def fits(dev: dict) -> Tuple[bool, str]:
        if dev.get("gfx_arch") == gfx:
            return True, ""
        return False, f"needs {gfx}; found {dev.get('gfx_arch', 'unknown')} ({dev.get('name')})"
    return Target(name=f"rocm:{gfx}", backend="rocm",
                  flags=("--iree-hal-target-device=hip", f"--iree-rocm-target={gfx}"),
                  driver="hip", formulation="barrier", marker=gfx.encode(), f64=True,
                  description=desc, fits=fits, auto=True, gpu_kernel=(_GPU_WORKGROUP, wave, False))


_ROWS += [
    _cuda("sm_90", "NVIDIA Hopper (H100, H200): PTX for sm_90 via a complete target attribute"),
    _cuda("sm_89", "NVIDIA Ada (L4, L40, RTX 40xx)"),
    _cuda("sm_86", "NVIDIA Ampere GA10x (A10, A40, RTX 30xx)"),
    _cuda("sm_80", "NVIDIA Ampere GA100 (A100)"),
    # CDNA runs 64-wide wavefronts; RDNA3 compute defaults to wave32.
    _rocm("gfx942", "AMD CDNA3 (MI300)", 64),
    _rocm("gfx90a", "AMD CDNA2 (MI200)", 64),
    _rocm("gfx1100", "AMD RDNA3 (RX 7900)", 32),
    # Specs the GPU kernels do not serve use a JAX formulation. "barrier" is proven on
    # lavapipe; for ampere/rdna3 it fails to compile channels-last groups of 5, 10 or 30
    # channels ('vector.create_mask' / rank > 1 'vector.transfer_read' fail to legalize),
    # where "split" compiles (and is right on lavapipe, mean 1e4 included: issue 12 item 10).
    _vulkan("vulkan:ampere", "ampere", "NVIDIA", 32, True,
            "Vulkan on NVIDIA GPUs (subgroup 32)", "split"),
    _vulkan("vulkan:rdna3", "rdna3", "radv", 64, True,
            "Vulkan on AMD RDNA3 (RADV)", "split"),
    _vulkan("vulkan:llvmpipe", "llvmpipe", "llvmpipe", 8, False,
            "Vulkan on Mesa lavapipe, the software GPU (subgroup 8)", "barrier"),
]

TARGETS: Dict[str, Target] = {t.name: t for t in _ROWS}

# Family names pick the row that fits the device present ("vulkan" on lavapipe ->
# "vulkan:llvmpipe", "cuda" on an H100 -> "cuda:sm_90").
FAMILIES = {"vulkan": "vulkan:", "cuda": "cuda:", "rocm": "rocm:"}


def get(name: str) -> Target:
    """The row for ``name``; a ``ValueError`` lists the known targets otherwise."""
    if isinstance(name, Target):
        return name
    try:
        return TARGETS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"target={name!r} is not a known target; known: {', '.join(TARGETS)} "
            f"(or {', '.join(FAMILIES)} for the row that fits the device here, or 'auto' for "
            f"the best device present)."
        ) from None


@functools.lru_cache(maxsize=None)
def available_drivers() -> Tuple[str, ...]:
    import iree.runtime as rt

    return tuple(rt.query_available_drivers())


def fits_here(target: Target) -> Tuple[bool, str]:
    """Whether a device that runs ``target`` is present, and if not, why."""
    if target.driver is None:
        return False, "compile-only on this machine (another architecture)"
    if target.backend == "llvm-cpu":
        return True, ""
    from . import _devices

    d = _devices.probe().get(target.driver)
    if d is None or not d["available"]:
        return False, f"no {target.driver} device: {d['error'] if d else 'driver not built in'}"
    for dev in d["devices"]:
        ok, why = target.fits(dev) if target.fits else (True, "")
        if ok:
            return True, ""
    return False, why


def resolve(name) -> Target:
    """The row to compile for: ``name`` itself, or for ``"auto"`` the best device present."""
    if isinstance(name, Target):
        return name
    if name == "auto":
        for t in TARGETS.values():
            if t.backend != "llvm-cpu" and t.auto and fits_here(t)[0]:
                return t
        return TARGETS["llvm-cpu"]
    if name in FAMILIES:
        rows = [t for t in TARGETS.values() if t.name.startswith(FAMILIES[name])]
        whys = []
        for t in rows:
            ok, why = fits_here(t)
            if ok:
                return t
            whys.append(f"{t.name}: {why}")
        raise DeviceNotFound(
            f"target={name!r}: no device here fits any {name} target. "
            + "; ".join(dict.fromkeys(whys)) + f". Name one explicitly (e.g. {rows[0].name!r}) "
            f"to compile without running, or use 'llvm-cpu'.")
    return get(name)


class DeviceNotFound(ValueError):
    """The device a target needs is absent; names the target and what was found."""
