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
from typing import Callable, Dict, List, Optional, Tuple


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

    @property
    def family(self) -> str:
        return self.name.split(":")[0]


def _cpu(name: str, cpu_flags: Tuple[str, ...], marker: bytes, driver, desc: str) -> Target:
    return Target(
        name=name,
        backend="llvm-cpu",
        # O2 lets IREE fuse the statistics and the normalize pass into one dispatch
        # (IREE_NOTES.md: 2 dispatches at default flags, 1 with O2).
        flags=("--iree-hal-target-device=local", "--iree-hal-local-target-device-backends=llvm-cpu",
               "--iree-opt-level=O2") + cpu_flags,
        driver=driver,
        formulation="fused",
        marker=marker,
        f64=True,
        description=desc,
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

TARGETS: Dict[str, Target] = {t.name: t for t in _ROWS}


def get(name: str) -> Target:
    """The row for ``name``; a ``ValueError`` lists the known targets otherwise."""
    if isinstance(name, Target):
        return name
    try:
        return TARGETS[name]
    except (KeyError, TypeError):
        raise ValueError(
            f"target={name!r} is not a known target; known: {', '.join(TARGETS)} "
            f"(or 'auto' for the best device present)."
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
    return get(name)
