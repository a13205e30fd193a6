"""Run group norm from an ahead-of-time bundle: needs only ``iree.runtime`` and NumPy.

A *bundle* is a folder written by ``iree-gn build``: one ``.vmfb`` per (configuration,
target), the StableHLO each was compiled from, and ``manifest.json`` (written last, so a
folder without it is an unfinished build and is refused). This module reads it on a
machine that has neither JAX nor the IREE compiler::

    >>> from iree_gn.deploy import load_bundle
    >>> gn = load_bundle("gn-bundle/")             # device="auto": the best target here
    >>> y = gn(x, gamma, beta)                      # picks the module for x's shape, dtype

``gamma``/``beta`` (shape ``[C]``) default to ones/zeros when the module applies them.
Dynamic-batch configurations (``None`` in the shape) are served as
:class:`iree_gn.CompiledGroupNorm` serves them: by one module that takes the dynamic axis
itself where a hand-written kernel serves the configuration (``module_shape`` keeps ``None``
there), else by a static *block* module compiled with each ``None`` axis of size 1, called
once per index of the dynamic axes (the statistics of different indices are independent).

Before anything runs, :func:`load_bundle` checks the manifest's format version, that a
target in the bundle runs on a device present here, and the sha256 of every module it may
run; each failure raises a :class:`BundleError` (a ``ValueError``) that says what to do.

Manifest format versions (``format_version``):
  * 1 (2026-11-28): first version. Top level: ``format`` (``"iree-gn-bundle"``),
    ``format_version``, ``created`` (UTC, ISO 8601), ``versions`` (iree-gn, IREE compiler
    and runtime, JAX), ``host`` (machine and CPU model of the build machine), ``command``,
    ``targets`` (name -> backend, driver, flags), ``modules`` and ``failures``. Each module:
    ``name``, ``file``, ``stablehlo``, ``spec`` (``GroupNormSpec.to_json()``),
    ``module_shape`` (the shape it was compiled for: ``spec.shape`` with ``None`` -> 1),
    ``target``, ``backend``, ``driver``, ``formulation``, ``flags``, ``sha256``, ``size``,
    ``stablehlo_sha256``, ``cache_key``, ``source``. Optional (readers of version 1
    ignore what they do not know): ``grad_modules`` (a bundle built with ``grad = true``:
    backward modules, entries as in ``modules`` plus ``"kind": "grad"``, run by
    :meth:`Bundle.vjp`); ``skipped``, the (configuration, target) pairs the build
    left out because the target cannot serve them (``config``, ``target``, ``reason``).
  * 2 (2026-12-01): as 1, and every module records the spec it was built from (the
    ``iree.reflection`` entry ``iree_gn.spec`` of its ``main_out`` function; backward
    modules add ``iree_gn.op = "grad"``); the loader refuses a module whose manifest spec
    or kind differs. ``host`` adds ``cpu_features`` (the build
    CPU's instruction-set flags, /proc/cpuinfo names); each ``llvm-cpu`` row of ``targets``
    adds ``cpu_features`` (what its modules need: the build CPU's for the host row, the
    row's fixed set for portable ones) and ``portable``; the loader refuses a CPU row whose
    features this CPU lacks. Version 1 bundles cannot be checked so, and are refused:
    rebuild them (``iree-gn build`` replaces them in place).
  * 3 (2026-12-01): as 2, and ``module_shape`` may hold ``null`` where ``spec.shape`` does:
    the module takes every size of that axis itself (a kernel-served dynamic batch: one
    invoke per call). Integers everywhere still mean a block module. Version 2 bundles are
    read as before. Modules built from 2026-12-02 on also record the target row they were
    compiled for (reflection ``iree_gn.target``): the loader refuses an entry whose
    ``target`` differs (a module swapped between rows, a host module relabelled portable)
    or whose ``driver`` is not its row's; modules without the record load as before.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import os
import platform
import shlex
import threading
import time
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import _cpu, _process, _targets
from ._cpu import cpu_features
from ._module_spec import embedded_spec, spec_mismatch  # noqa: F401 (public here; one
# mechanism, which the cache's load check shares)
from ._spec import ArgumentTypeError, GroupNormSpec, canonical_dtype, check_rank

BUNDLE_FORMAT = "iree-gn-bundle"
BUNDLE_FORMAT_VERSION = 3
SUPPORTED_FORMAT_VERSIONS = (2, 3)
MANIFEST = "manifest.json"

# Spec fields a request may filter on (besides the input's shape and dtype).
_MATCH_FIELDS = ("groups", "channels_axis", "reduction_axes", "center", "scale", "epsilon",
                 "activation", "mean_close_to_zero")


class BundleError(ValueError):
    """A bundle cannot be used as asked; the message says why and what to do."""


class BundleFormatError(BundleError):
    """The manifest is missing, unreadable, or of an unsupported format version."""


class BundleIntegrityError(BundleError):
    """A module file does not match the sha256 or size that the manifest records."""


class BundleDeviceError(BundleError):
    """No target in the bundle runs on a device present here (or the one asked for)."""


class AmbiguousRequest(BundleError):
    """Several configurations of the bundle serve the request; the message names the options
    that tell them apart."""


class ModuleNotInBundle(BundleError, LookupError):
    """The bundle has no module for the request (shape, dtype, options, device)."""


# ---- host identity and CPU features (also recorded by the builder) -----------------------
def host_info() -> Dict[str, Any]:
    """The machine, CPU model and instruction-set features (``cpu_features``) here."""
    return {"machine": platform.machine(), "cpu": _cpu.cpuinfo()[0] or platform.processor(),
            "cpu_features": list(cpu_features())}


# What the portable CPU rows compile for, as /proc/cpuinfo names them. x86-64-v3 (LLVM's
# definition): v2 (cx16, lahf_lm, popcnt, sse3 = "pni", sse4_1, sse4_2, ssse3) plus avx,
# avx2, bmi1, bmi2, f16c, fma, lzcnt (= "abm"), movbe, xsave. Neoverse N1: Armv8.2-A with
# fp16, dot product, rcpc and LSE atomics.
PORTABLE_CPU_FEATURES: Dict[str, Tuple[str, ...]] = {
    "llvm-cpu:x86-64-v3": ("abm", "avx", "avx2", "bmi1", "bmi2", "cx16", "f16c", "fma",
                           "lahf_lm", "movbe", "pni", "popcnt", "sse4_1", "sse4_2", "ssse3",
                           "xsave"),
    "llvm-cpu:aarch64": ("asimd", "asimddp", "asimdhp", "asimdrdm", "atomics", "crc32", "fp",
                         "fphp", "lrcpc"),
}


def module_cpu_features(target: str, flags: Sequence[str]) -> Tuple[str, ...]:
    """The CPU features an ``llvm-cpu`` module of ``target`` built here may use: all of this
    CPU's for a ``target-cpu=host`` module, the row's fixed set for a portable row."""
    if _host_specific(flags):
        return cpu_features()
    return PORTABLE_CPU_FEATURES.get(target, ())


def _host_specific(flags: Sequence[str]) -> bool:
    return any(f == "--iree-llvmcpu-target-cpu=host" for f in flags)


def _cpu_fits(name: str, flags: Sequence[str], manifest: dict) -> Tuple[bool, str]:
    """Whether this CPU has every feature an llvm-cpu module needs (what the manifest records
    for its target, and the row's own set), and if not, which it lacks."""
    info = manifest.get("targets", {}).get(name) or {}
    needed = set(info.get("cpu_features") or ()) | set(PORTABLE_CPU_FEATURES.get(name, ()))
    host = manifest.get("host") or {}
    row = _targets.TARGETS.get(name)
    if row is not None and _host_specific(row.flags):
        # (a row this iree-gn knows compiles for the build CPU whatever the entry's flags say)
        flags = tuple(flags) + tuple(row.flags)
    if _host_specific(flags) and host.get("machine") not in (None, platform.machine()):
        return False, (f"built for the build machine's own CPU ({host.get('machine')}, "
                       f"{host.get('cpu', '?')}); this machine is {platform.machine()}")
    if _host_specific(flags) and not needed and host.get("cpu") != _cpu.cpuinfo()[0]:
        return False, (f"built for the build machine's own CPU ({host.get('cpu', '?')}) by an "
                       f"iree-gn that did not record its features; this CPU is "
                       f"{_cpu.cpuinfo()[0] or '?'}")
    missing = sorted(needed - set(cpu_features()))
    if missing:
        built = f"the build machine's CPU ({host.get('cpu', '?')})" if _host_specific(
            flags) else name
        return False, (f"its modules use CPU features this CPU ({_cpu.cpuinfo()[0] or '?'}) "
                       f"lacks: {', '.join(missing)} (compiled for {built}); running them "
                       f"would die on an illegal instruction")
    return True, ""


# ---- the manifest ---------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class BundleModule:
    """One module of a bundle, as the manifest records it.

    Attributes:
      name: a readable name (``spec.short_name()``).
      file: the ``.vmfb`` file, relative to the bundle folder.
      stablehlo: the StableHLO text file it was compiled from (relative).
      spec: the configuration it serves (``None`` in the shape = any size).
      module_shape: the shape the module was compiled for: ``spec.shape`` with each
        ``None`` -> 1 (a block module, run per index), or ``None`` kept where the module
        takes every size of that axis itself (format 3).
      target: the target name (a row of ``iree_gn.TARGETS`` where this package knows it).
      driver: the IREE runtime driver that runs it.
      flags: the exact ``iree-compile`` flags.
      sha256, size: of the ``.vmfb`` file.
      formulation: the formulation the module runs (``"kernel"``, ``"fused"``, ...: see
        :attr:`iree_gn.CompiledGroupNorm.formulation`), as the manifest records it.
    """

    name: str
    file: str
    stablehlo: str
    spec: GroupNormSpec
    module_shape: Tuple[Optional[int], ...]
    target: str
    driver: Optional[str]
    flags: Tuple[str, ...]
    sha256: str
    size: int
    formulation: Optional[str] = None

    def describe(self) -> str:
        s = self.spec
        act = s.activation or "none"
        return (f"{self.target:20s} shape={_fmt_shape(s.shape)} {s.dtype} groups={s.groups} "
                f"channels_axis={s.channels_axis} reduction_axes={s.reduction_axes} "
                f"center={s.center} scale={s.scale} epsilon={s.epsilon:g} activation={act} "
                f"mean_close_to_zero={s.mean_close_to_zero}")


def _fmt_shape(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def _opener(dir_fd: Optional[int]):
    # Files are opened relative to the bundle folder the loader opened, not by path: a
    # rebuild that swaps a new bundle in mid-load cannot mix two bundles' files.
    if dir_fd is None:
        return None
    return lambda name, flags: os.open(os.path.basename(name), flags, dir_fd=dir_fd)


def read_manifest(path: str, *, dir_fd: Optional[int] = None) -> dict:
    """The manifest of the bundle at ``path`` (read through ``dir_fd``, the folder opened,
    when given), with its format and version checked."""
    mpath = os.path.join(path, MANIFEST)
    if dir_fd is None and not os.path.isdir(path):
        raise BundleFormatError(f"bundle {path!r} does not exist (or is not a folder).")
    try:
        with open(mpath, encoding="utf-8", opener=_opener(dir_fd)) as f:
            manifest = json.load(f)
    except FileNotFoundError:
        raise BundleFormatError(
            f"{path!r} has no {MANIFEST}: it is not an iree-gn bundle, or its build did not "
            f"finish (the manifest is written last). Rebuild it with `iree-gn build CONFIG "
            f"-o {path}`.") from None
    except (OSError, ValueError) as e:
        raise BundleFormatError(f"cannot read {mpath}: {e}. Rebuild the bundle.") from None
    if not isinstance(manifest, dict) or manifest.get("format") != BUNDLE_FORMAT:
        found = manifest.get("format") if isinstance(manifest, dict) else type(manifest).__name__
        raise BundleFormatError(
            f"{mpath} is not an iree-gn bundle manifest (format={found!r}, expected "
            f"{BUNDLE_FORMAT!r}).")
    version = manifest.get("format_version")
    if version not in SUPPORTED_FORMAT_VERSIONS:
        built_by = manifest.get("versions", {}).get("iree-gn", "?")
        raise BundleFormatError(
            f"bundle {path!r} has manifest format version {version!r} (written by iree-gn "
            f"{built_by}); this iree-gn reads format version(s) "
            f"{', '.join(map(str, SUPPORTED_FORMAT_VERSIONS))}. Rebuild the bundle with this "
            f"version's `iree-gn build`, or load it with a matching iree-gn.")
    return manifest


def _module_shape(value, spec: GroupNormSpec) -> Tuple[Optional[int], ...]:
    shape = tuple(None if d is None else int(d) for d in value)
    if len(shape) != len(spec.shape) or any(
            m is None and d is not None for m, d in zip(shape, spec.shape)):
        raise ValueError(f"module_shape {list(value)} does not fit spec shape "
                         f"{list(spec.shape)} (null only where the spec's axis is dynamic).")
    return shape


def parse_modules(manifest: dict, path: str = "", key: str = "modules") -> List[BundleModule]:
    """The manifest's modules (``key``: or its ``grad_modules``); every malformed entry is
    collected, then raised once."""
    out, problems = [], []
    if not isinstance(manifest.get(key, []), list):
        raise BundleFormatError(
            f"bundle {path!r}: the manifest's {key} are a "
            f"{type(manifest[key]).__name__}, not a list; rebuild it with `iree-gn build`.")
    for i, m in enumerate(manifest.get(key, [])):
        try:
            spec = GroupNormSpec.from_json(m["spec"])
            out.append(BundleModule(
                name=str(m.get("name") or spec.short_name()), file=str(m["file"]),
                stablehlo=str(m.get("stablehlo", "")), spec=spec,
                module_shape=_module_shape(m["module_shape"], spec),
                target=str(m["target"]), driver=m.get("driver"),
                flags=tuple(m.get("flags", ())), sha256=str(m["sha256"]), size=int(m["size"]),
                formulation=m.get("formulation")))
        except (KeyError, TypeError, ValueError) as e:
            problems.append(f"{key}[{i}]: {type(e).__name__}: {e}")
    if problems:
        raise BundleFormatError(
            f"bundle {path!r} has malformed manifest entries:\n  " + "\n  ".join(problems))
    return out


def check_files(path: str, modules: Sequence[BundleModule], *,
                dir_fd: Optional[int] = None) -> Dict[str, bytes]:
    """Read every module and check its size and sha256; raise once, naming every bad file."""
    data, problems = {}, []
    for m in modules:
        fpath = os.path.join(path, m.file)
        try:
            if os.path.basename(m.file) != m.file or m.file in ("", ".", ".."):
                raise OSError(f"{m.file!r} is not a file name inside the bundle folder")
            with open(fpath, "rb", opener=_opener(dir_fd)) as f:
                blob = f.read()
        except OSError as e:
            problems.append(f"{m.file}: cannot read ({e})")
            continue
        digest = hashlib.sha256(blob).hexdigest()
        if len(blob) != m.size or digest != m.sha256:
            problems.append(
                f"{m.file}: sha256 {digest[:16]}... and size {len(blob)} do not match the "
                f"manifest's {m.sha256[:16]}... and {m.size}")
            continue
        data[m.file] = blob
    if problems:
        raise BundleIntegrityError(
            f"bundle {path!r} failed its integrity check; nothing was run:\n  "
            + "\n  ".join(problems)
            + "\nThe files changed after the build (corruption or an edit). Rebuild the "
              "bundle with `iree-gn build`.")
    return data


def check_specs(path: str, modules: Sequence[BundleModule], blobs: Dict[str, bytes],
                kind: str = "forward") -> None:
    """Check that every module computes what the manifest says: the spec the module records
    (see :func:`embedded_spec`) must equal the manifest's spec at the module's shape, and
    the module must be of ``kind`` (a forward module, or a backward one from
    ``grad_modules``) and compiled for the entry's target row (where it records one), whose
    driver the entry must give. Raise once, naming every module that differs: an edited manifest
    must not run the original module under a new claim."""
    problems = []
    for m in modules:
        why = spec_mismatch(m.spec.with_shape(m.module_shape), blobs[m.file], kind, m.target)
        row = _targets.TARGETS.get(m.target)
        if not why and row is not None and m.driver != row.driver:
            why = (f"the manifest gives driver {m.driver!r}, but target {m.target!r} runs on "
                   f"{row.driver!r}")
        if why:
            problems.append(f"{m.file}: {why}")
    if problems:
        raise BundleIntegrityError(
            f"bundle {path!r} failed its spec check; nothing was run:\n  "
            + "\n  ".join(problems)
            + "\nThe manifest was edited after the build, or the bundle comes from another "
              "iree-gn. Rebuild it with `iree-gn build`.")


# ---- choosing targets -----------------------------------------------------------------------
def _runs_here(name: str, driver: Optional[str], flags: Sequence[str] = (),
               manifest: Optional[dict] = None) -> Tuple[bool, str]:
    """Whether a target's modules run here (and if not, why): a device for it is present
    and, for CPU modules, this CPU has every feature they use."""
    ok, why = _device_here(name, driver)
    if ok and _is_cpu(name, flags):
        return _cpu_fits(name, flags, manifest or {})
    return ok, why


def _is_cpu(name: str, flags: Sequence[str]) -> bool:
    return name.split(":")[0] == "llvm-cpu" or any(
        f.endswith("-backends=llvm-cpu") for f in flags)


def _device_here(name: str, driver: Optional[str]) -> Tuple[bool, str]:
    row = _targets.TARGETS.get(name)
    if row is not None:
        try:
            return _targets.fits_here(row)
        except Exception as e:  # a probe failure means "not here", never a crash
            return False, f"device probe failed: {e}"
    # A target this iree-gn has no row for (a newer builder): trust its driver alone.
    if not driver:
        return False, "compile-only (no runtime driver recorded)"
    try:
        from . import _runtime

        if _runtime.get_driver(driver).query_available_devices():
            return True, ""
        return False, f"no {driver} device"
    except Exception as e:
        return False, f"no {driver} device: {str(e).splitlines()[0]}"


def _preference(name: str, flags: Sequence[str]) -> Tuple[int, int]:
    """Sort key for device="auto": real accelerators, then CPU, then software GPUs."""
    row = _targets.TARGETS.get(name)
    backend = row.backend if row else ("llvm-cpu" if name.startswith("llvm-cpu") else "")
    if backend != "llvm-cpu":
        return (0 if (row is not None and getattr(row, "auto", False)) else 2, 0)
    # Of the CPU modules that run here (their features checked), the one built for the
    # build machine's own CPU uses the most of this one.
    return (1, 0 if _host_specific(flags) else 1)


# ---- the loaded bundle ----------------------------------------------------------------------
class Bundle:
    """A verified bundle, bound to the targets that run here; call it like the op.

    Attributes:
      path: the bundle folder.
      manifest: the parsed ``manifest.json``.
      modules: every module in the bundle (:class:`BundleModule`).
      targets: the targets this object runs, best first (one when a device was named).
    """

    def __init__(self, path: str, manifest: dict, modules: List[BundleModule],
                 targets: List[str], blobs: Dict[str, bytes],
                 grad_modules: Sequence[BundleModule] = ()):
        self.path, self.manifest, self.modules, self.targets = path, manifest, modules, targets
        self.grad_modules = list(grad_modules)  # backward modules (Bundle.vjp)
        self._blobs = blobs
        self._loaded: Dict[str, Any] = {}
        self._lock = threading.Lock()
        _process.new_lock_in_child(self, "_lock")

    def __getstate__(self):
        # Pickled (a 'spawn' worker) with its verified module bytes; bound again on use.
        return dict(self.__dict__, _loaded={}, _lock=None)

    def __setstate__(self, state):
        self.__dict__.update(state, _lock=threading.Lock())
        _process.new_lock_in_child(self, "_lock")
        self._check_cpu()

    def _check_cpu(self) -> None:
        """Unpickled in another process (perhaps on another machine): drop the CPU rows whose
        features this CPU lacks, as :func:`load_bundle` does, and raise its
        :class:`BundleDeviceError` when none of :attr:`targets` is left."""
        flags = {m.target: m.flags for m in self.modules + self.grad_modules}
        fits = {t: _cpu_fits(t, flags.get(t, ()), self.manifest) if _is_cpu(
            t, flags.get(t, ())) else (True, "") for t in self.targets}
        kept = [t for t in self.targets if fits[t][0]]
        if not kept:
            raise BundleDeviceError(
                f"bundle {self.path!r} (unpickled): none of its targets "
                f"{', '.join(self.targets)} runs here: "
                + "; ".join(f"{t}: {why}" for t, (_, why) in fits.items()) + ".")
        self.targets = kept

    @property
    def target(self) -> str:
        """The preferred target here (the first of :attr:`targets`)."""
        return self.targets[0]

    def __repr__(self) -> str:
        return (f"Bundle({self.path!r}, targets={self.targets}, "
                f"modules={len(self.modules)})")

    # -- selection ----------------------------------------------------------------------------
    def find(self, shape: Sequence[int], dtype: Any, *, target: Optional[str] = None,
             **match) -> BundleModule:
        """The module that serves an input of ``shape`` and ``dtype`` here.

        ``match`` narrows by spec fields (``groups=32``, ``activation="silu"``...) when the
        bundle holds several configurations for the same shape and dtype; ``layout="NCHW"``
        (one letter per axis) stands for ``channels_axis`` and ``reduction_axes``, which
        tells same-shape NHWC and NCHW configurations apart. Raises
        :class:`ModuleNotInBundle` (listing what the bundle has and the ``iree-gn build``
        line that adds the module) or :class:`BundleError` for an ambiguous request.
        """
        return self._find(self.modules, shape, dtype, target, match)

    def _find(self, pool: Sequence[BundleModule], shape, dtype, target: Optional[str],
              match: dict) -> BundleModule:
        """:meth:`find` among ``pool`` (:attr:`modules`, or :attr:`grad_modules`)."""
        shape = _request_shape(shape)
        check_rank(shape)
        dtype = canonical_dtype(dtype, arg="inputs.dtype")
        want = _canonical_match(match, len(shape))
        targets = self.targets
        if target is not None:
            # A row name, or a family name ("vulkan", "cuda") for its row that runs here.
            targets = [t for t in self.targets if t == target] or [
                t for t in self.targets if t.split(":")[0] == target]
            if not targets:
                raise BundleDeviceError(
                    f"target={target!r} is not one this bundle runs here; it runs: "
                    f"{', '.join(self.targets)}.")
        for t in targets:
            cands = [m for m in pool if m.target == t and m.spec.matches(shape)
                     and m.spec.dtype == dtype
                     and all(_same_option(m.spec, k, v) for k, v in want.items())]
            if not cands:
                continue
            # Several matches that differ only in static vs dynamic shape: the static one.
            variants = {}
            for m in cands:
                variants.setdefault(_options_key(m.spec), []).append(m)
            if len(variants) > 1:
                differing = sorted({k for k in _MATCH_FIELDS
                                    if len({getattr(m.spec, k) for m in cands}) > 1})
                raise AmbiguousRequest(
                    f"bundle {self.path!r} has {len(variants)} configurations for an input of "
                    f"shape {shape}, {dtype} on {t} that differ in {', '.join(differing)}:\n  "
                    + "\n  ".join(m.describe() for m in cands)
                    + "\nSay which, e.g. group_norm(x, ..., "
                    + ", ".join(f"{k}={getattr(cands[0].spec, k)!r}" for k in differing) + ").")
            (group,) = variants.values()
            # The static one first; then the requested epsilon itself, where one has it.
            return min(group, key=lambda m: (len(m.spec.dynamic_axes),
                                             m.spec.epsilon != want.get("epsilon")))
        if pool is self.grad_modules:
            have = "\n  ".join(m.describe() for m in self.grad_modules) or "(none)"
            raise ModuleNotInBundle(
                f"bundle {self.path!r} has no backward module for an input of shape {shape}, "
                f"{dtype} on {' or '.join(targets)}. Its backward modules:\n  {have}\nBuild "
                f"them with `grad = true` in the configuration entry (or \"grad\": true in "
                f"--spec).")
        raise self._missing(shape, dtype, want, targets)

    def _missing(self, shape, dtype, want, targets) -> ModuleNotInBundle:
        have = "\n  ".join(m.describe() for m in self.modules) or "(no modules)"
        why = [f"{sk.get('config')} -> {sk.get('target')}: {sk.get('reason')}"
               for sk in self.manifest.get("skipped", []) if sk.get("target") in targets]
        if why:
            have += "\nSkipped when built (the target cannot serve them):\n  " + "\n  ".join(why)
        req = ", ".join([f"shape {shape}", dtype] + [f"{k}={v!r}" for k, v in want.items()])
        rows = [_targets.TARGETS.get(t) for t in targets]
        if dtype == "float64" and all(r is not None and not r.f64 for r in rows):
            return ModuleNotInBundle(
                f"bundle {self.path!r} has no module for an input of {req} on "
                f"{' or '.join(targets)}: float64 is not supported there (no native float64). "
                f"It has:\n  {have}\nLoad the bundle for a CPU, CUDA or ROCm target "
                f"(device='llvm-cpu'...) for float64 inputs.")
        return ModuleNotInBundle(
            f"bundle {self.path!r} has no module for an input of {req} on "
            f"{' or '.join(targets)}. It has:\n  {have}\n"
            f"To add one, run (adjust the options if they are not the ones you want):\n  "
            f"{self.build_line(shape, dtype, want, targets[0])}")

    def build_line(self, shape, dtype, want: dict, target: str) -> str:
        """The ``iree-gn build`` command that adds a module for this request to the bundle."""
        rank = len(shape)
        # Model it on a module of the same rank: the one whose options agree with the
        # request's and whose shape fits most of its axes (its layout, then), of the same
        # dtype, then a dynamic one.
        def fit(s):
            agree = sum(getattr(s, k, None) in (v, tuple(v) if isinstance(v, list) else v)
                        for k, v in want.items())
            axes = sum(b is None or b == d for b, d in zip(s.shape, shape))
            return (-agree, -axes, s.dtype != dtype, s.is_static)

        same_rank = sorted((m.spec for m in self.modules if m.spec.rank == rank), key=fit)
        base = same_rank[0] if same_rank else None
        spec = {"shape": list(shape), "dtype": dtype}
        if base is not None:
            # Keep the bundle's conventions (layout, options, dynamic axes) for this rank.
            spec["shape"] = [None if b is None else s for b, s in zip(base.shape, shape)]
            opts = {k: getattr(base, k) for k in _MATCH_FIELDS}
            opts["reduction_axes"] = list(base.reduction_axes)
        else:
            # channels last, statistics over the axes between batch and channels (none for
            # [N, C]: never the batch axis)
            opts = {"channels_axis": rank - 1, "reduction_axes": list(range(1, rank - 1))}
            opts["groups"] = 32
        opts.update({k: (list(v) if isinstance(v, tuple) else v) for k, v in want.items()})
        channels = shape[opts["channels_axis"]]
        if channels and channels % opts["groups"]:
            opts["groups"] = math.gcd(channels, opts["groups"])
        spec.update(opts)
        return shlex.join(["iree-gn", "build", "--add", "-o", self.path, "--targets", target,
                           "--spec", json.dumps(spec)])

    # -- calling ------------------------------------------------------------------------------
    def group_norm(self, x, gamma=None, beta=None, *, out: Optional[np.ndarray] = None,
                   target: Optional[str] = None, **match) -> np.ndarray:
        """Group norm of ``x`` with the bundle's module for its shape and dtype.

        ``y = act((x - mean) / sqrt(var + epsilon) * gamma + beta)`` with statistics per
        group (Wu & He, 2018; see :func:`iree_gn.group_norm`). ``gamma``/``beta`` have shape
        ``[C]``; they default to ones/zeros where the module applies them. ``match`` narrows
        the configuration (``groups=``, ``activation=``...); ``target`` picks one of
        :attr:`targets`. Returns a NumPy array of ``x``'s shape and dtype.
        """
        from ._bound import as_host_array
        from ._runtime import numpy_dtype

        x = as_host_array(x, "inputs")
        mod = self.find(x.shape, x.dtype, target=target, **match)
        spec = mod.spec
        params = []
        for name, used, value, fill in (("gamma", spec.scale, gamma, 1),
                                        ("beta", spec.center, beta, 0)):
            if not used:
                if value is not None:
                    raise ValueError(
                        f"{name} was given, but the bundle's module {mod.name} on {mod.target} "
                        f"has {'scale' if name == 'gamma' else 'center'}=False and would "
                        f"ignore it.")
                continue
            params.append(np.full(spec.param_shape, fill, numpy_dtype(spec.dtype))
                          if value is None else value)
        # Checks, conversions, byte order, threads, dynamic axes: the op's own call path.
        return self._module(mod)(x, *params, out=out)

    __call__ = group_norm

    def _module(self, mod: BundleModule):
        """The :class:`_bound.BoundOp` of a module (made once), on the driver its target
        row chooses for its size (as the JIT op does) or the manifest's driver."""
        with self._lock:
            loaded = self._loaded.get(mod.file)
            if loaded is None:
                from . import _bound

                # None kept in module_shape: the module takes those axes (one invoke).
                row = _targets.TARGETS.get(mod.target)
                sig = _bound.group_norm_signature(
                    mod.spec, dynamic_in_module=None in mod.module_shape,
                    max_dynamic=row.max_dynamic if row is not None else None)
                loaded = _bound.BoundOp(self._blobs[mod.file], sig, self._runner(mod))
                self._loaded[mod.file] = loaded
        return loaded

    @staticmethod
    def _runner(mod: BundleModule):
        """What runs a module: its target row (which picks the driver by size, as the JIT op
        does) where that row has the manifest's driver, else the manifest's driver."""
        if not mod.driver:
            raise BundleDeviceError(f"module {mod.file} ({mod.target}) has no runtime driver.")
        row = _targets.TARGETS.get(mod.target)
        return row if row is not None and row.driver == mod.driver else mod.driver

    # -- the backward (issue 11) ------------------------------------------------------------------
    def vjp(self, x, *args, gamma=None, beta=None, dy=None, out: Optional[np.ndarray] = None,
            target: Optional[str] = None, **match):
        """The backward of group norm with the bundle's backward module (built with
        ``grad = true``): ``vjp(x, [gamma], [beta], dy)`` -> ``(dx, [dgamma], [dbeta])``, the
        arguments and results of :meth:`iree_gn.CompiledGroupNorm.vjp` (gamma when the
        module has scale, beta when center; ``dy`` last; any of them by keyword too).
        ``match``/``target`` select the configuration as in :meth:`find`. Runtime-only: no
        JAX, no compiler.
        """
        from ._bound import as_host_array, call_arguments

        x = as_host_array(x, "x")
        mod = self._find(self.grad_modules, x.shape, x.dtype, target, match)
        if gamma is not None or beta is not None or dy is not None:
            args = call_arguments(mod.spec, args, dict(gamma=gamma, beta=beta, dy=dy), ("dy",))
        return self._grad_op(mod)(x, *args, out=out)

    def _grad_op(self, mod: BundleModule):
        """The backward op of a backward module (made once), on the driver chosen as in
        :meth:`_module`."""
        with self._lock:
            op = self._loaded.get(("grad", mod.file))
            if op is None:
                from . import _grad

                row = _targets.TARGETS.get(mod.target)
                op = _grad.from_module(
                    mod.spec, self._blobs[mod.file], self._runner(mod), mod.sha256,
                    dynamic_in_module=None in mod.module_shape,
                    max_dynamic=row.max_dynamic if row is not None else None)
                self._loaded[("grad", mod.file)] = op
        return op


def _request_shape(shape) -> Tuple[int, ...]:
    """A request's shape (an input's: every axis a size), validated."""
    import numbers

    if isinstance(shape, (str, bytes)) or not hasattr(shape, "__iter__"):
        raise ArgumentTypeError(f"shape must be a sequence of ints (an input's shape), got "
                                f"{shape!r}.")
    shape = tuple(shape)
    for i, d in enumerate(shape):
        if isinstance(d, (bool, np.bool_)) or not isinstance(d, numbers.Integral):
            raise ArgumentTypeError(
                f"shape[{i}]={d!r} ({type(d).__name__}) is invalid: an input's dimensions are "
                f"ints (None marks a dynamic axis in a build configuration, not in a "
                f"request: give the input's size).")
        if d < 0:
            raise ValueError(f"shape[{i}]={d!r} is invalid: dimensions are non-negative ints.")
    return tuple(int(d) for d in shape)


_OWN = object()  # (_computed's default: the spec's own value; None is a value, activation's)


def _computed(spec: GroupNormSpec, name: str, value=_OWN):
    """``spec``'s option ``name`` (or ``value`` for it) as the module computes it: epsilon a
    float32 constant for float32/float16/bfloat16 inputs (statistics in float32), so 1e-6
    and np.float32(1e-6) are one epsilon there; exact for float64; the rest as they are."""
    v = getattr(spec, name) if value is _OWN else value
    if name == "epsilon" and spec.dtype != "float64":
        return np.float32(v)
    return v


def _same_option(spec: GroupNormSpec, name: str, value) -> bool:
    """Whether ``spec``'s option ``name`` is the requested ``value`` (``_computed``)."""
    return _computed(spec, name) == _computed(spec, name, value)


def _options_key(spec: GroupNormSpec) -> tuple:
    """What a module computes, beside its shape: modules with one key are interchangeable
    (two epsilons one float32 apart from each other's rounding are one configuration)."""
    return tuple(_computed(spec, k) for k in _MATCH_FIELDS)


def _canonical_match(match: dict, rank: int) -> dict:
    """Validate request filters (the spec's own rules and messages) and put them in the
    spec's canonical form; ``layout="NCHW"`` stands for its channel and reduction axes."""
    from . import _activations
    from ._spec import ArgumentTypeError, _check_epsilon, _check_int, layout_axes

    unknown = sorted(set(match) - set(_MATCH_FIELDS) - {"layout"})
    if unknown:
        raise TypeError(f"unknown option(s) {unknown}; a request may name: "
                        f"{', '.join(_MATCH_FIELDS + ('layout',))}.")
    out = dict(match)
    if out.get("layout") is not None:
        if "channels_axis" in out or "reduction_axes" in out:
            raise ValueError("give layout or channels_axis/reduction_axes, not both.")
        out["channels_axis"], out["reduction_axes"] = layout_axes(out["layout"], rank)
    out.pop("layout", None)
    if "channels_axis" in out:
        a = _check_int(out["channels_axis"], "channels_axis")
        if not -rank <= a < rank:
            raise ValueError(f"Axis is out of bounds. channels_axis={a} for inputs of rank "
                             f"{rank} (valid: {-rank}..{rank - 1}).")
        out["channels_axis"] = a % rank
    if "reduction_axes" in out:
        axes = out["reduction_axes"]
        if isinstance(axes, (int, str)):
            raise ValueError(f"reduction_axes must be a tuple of ints, got {axes!r}.")
        axes = [_check_int(a, "reduction_axes") for a in axes]
        bad = [a for a in axes if not -rank <= a < rank]
        if bad:
            raise ValueError(f"Axis is out of bounds. reduction_axes={tuple(axes)} has {bad[0]} "
                             f"for inputs of rank {rank}.")
        out["reduction_axes"] = tuple(sorted(a % rank for a in axes))
    if "groups" in out:
        out["groups"] = _check_int(out["groups"], "groups")
    for name in ("center", "scale", "mean_close_to_zero"):
        if name in out and not isinstance(out[name], (bool, np.bool_)):
            raise ArgumentTypeError(f"{name} must be True or False, got {out[name]!r}.")
    if "activation" in out:
        out["activation"] = _activations.canonical(out["activation"])
    if "epsilon" in out:
        out["epsilon"] = _check_epsilon(out["epsilon"])
    return out


def no_modules(path: str) -> BundleError:
    """What the loader (and ``iree-gn inspect``) raises for a bundle without modules."""
    return BundleError(f"bundle {path!r} has no modules; rebuild it with `iree-gn build`.")


def _choose_targets(path: str, modules: List[BundleModule], manifest: dict,
                    device: str) -> List[str]:
    names = list(dict.fromkeys(m.target for m in modules))
    drivers = {m.target: m.driver for m in modules}
    flags = {m.target: m.flags for m in modules}
    if not names:
        raise no_modules(path)
    if device == "auto":
        fits = {n: _runs_here(n, drivers[n], flags[n], manifest) for n in names}
        usable = sorted((n for n in names if fits[n][0]),
                        key=lambda n: _preference(n, flags[n]))
        if not usable:
            why = "\n  ".join(f"{n}: {fits[n][1] or 'does not run here'}" for n in names)
            raise BundleDeviceError(
                f"bundle {path!r} is for another device: none of its targets runs here.\n  "
                f"{why}\nBuild one for this machine, e.g. "
                f"`iree-gn build --add -o {path} CONFIG --targets llvm-cpu`, or load the "
                f"bundle where its device is.")
        skipped = [n for n in names if not fits[n][0] and n.split(":")[0] == "llvm-cpu"]
        if skipped and not any(n.split(":")[0] == "llvm-cpu" for n in usable):
            # (a CPU this bundle's CPU rows do not fit: say so, not just run elsewhere, such
            # as on lavapipe, a software GPU hundreds of times slower)
            import warnings

            warnings.warn(
                f"bundle {path!r}: its CPU modules do not run on this CPU ("
                + "; ".join(f"{n}: {fits[n][1]}" for n in skipped) + f"); running on "
                f"{usable[0]}. Add a portable row: `iree-gn build --add -o {path} CONFIG "
                f"--targets llvm-cpu:x86-64-v3`.", RuntimeWarning, stacklevel=4)
        return usable
    chosen = [n for n in names if n == device] or [
        n for n in names if n.split(":")[0] == device or drivers[n] == device]
    if not chosen and device == "local-sync" and any(d == "local-task" for d in drivers.values()):
        raise BundleDeviceError(
            f"device='local-sync': a CPU bundle picks its runtime driver per call (local-sync "
            f"in the caller's thread under ~1-3 MB of input, local-task's threads above); "
            f"load it with device='llvm-cpu' (or the CPU target's name: "
            f"{', '.join(n for n in names if drivers[n] == 'local-task')}).")
    if not chosen:
        known = device in _targets.TARGETS or device in {n.split(":")[0] for n in _targets.TARGETS}
        add = (f"Add them with `iree-gn build --add -o {path} CONFIG --targets {device}`"
               if known else f"device names a target ({', '.join(_targets.TARGETS)}) or a "
               f"runtime driver of one (local-task, vulkan, cuda, hip); build for one with "
               f"`iree-gn build --add -o {path} CONFIG --targets NAME`")
        raise BundleDeviceError(
            f"bundle {path!r} has no modules for device={device!r}; it has targets "
            f"{', '.join(names)}. {add}, or use device='auto'.")
    bad = [(n, _runs_here(n, drivers[n], flags[n], manifest)) for n in chosen]
    if not any(ok for _, (ok, _) in bad):
        raise BundleDeviceError(
            f"device={device!r}: bundle {path!r} has modules for it, but none runs here: "
            + "; ".join(f"{n}: {why}" for n, (_, why) in bad) + ".")
    return [n for n, (ok, _) in bad if ok]


def load_bundle(path: str, device: str = "auto") -> Bundle:
    """Open the bundle at ``path`` for the device here and verify it before anything runs.

    Args:
      path: the folder written by ``iree-gn build`` (str, bytes or ``os.PathLike``).
      device: ``"auto"`` (every target in the bundle that runs here, best first: real GPUs,
        then the CPU, then software GPUs), a target name (``"llvm-cpu"``, ``"vulkan"``...) or
        a runtime driver name (``"local-task"``, ``"cuda"``...).

    Returns:
      a :class:`Bundle`; ``bundle(x, gamma, beta)`` runs group norm.

    Raises:
      BundleFormatError: no manifest (not a bundle, or an unfinished build), or an
        unsupported format version (both versions named).
      BundleDeviceError: no target in the bundle runs here.
      BundleIntegrityError: a module's sha256 or size differs from the manifest, or the
        spec the module was built from (recorded in the module) differs from the manifest's.
    """
    try:
        path = os.fsdecode(path)  # str, bytes or os.PathLike
    except TypeError:
        raise ArgumentTypeError(f"path must be a str, bytes or os.PathLike (the bundle "
                                f"folder), got {path!r} ({type(path).__name__}).") from None
    if not isinstance(device, str) or not device:
        raise ArgumentTypeError(
            f"device must be 'auto', a target name ({', '.join(_targets.TARGETS)}) or a "
            f"runtime driver name ('local-task', 'vulkan', 'cuda'...), got {device!r}.")
    for attempt in range(_LOAD_ATTEMPTS):
        try:
            dir_fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        except FileNotFoundError:
            if attempt + 1 < _LOAD_ATTEMPTS:  # a rebuild between its two renames
                time.sleep(0.01)
                continue
            raise BundleFormatError(f"bundle {path!r} does not exist.") from None
        except NotADirectoryError:
            raise BundleFormatError(f"bundle {path!r} is not a folder.") from None
        try:
            return _load(path, device, dir_fd)
        except BundleError:
            # A rebuild swapped a new bundle in while this one was read: read the new one.
            if attempt + 1 < _LOAD_ATTEMPTS and _replaced(path, dir_fd):
                continue
            raise
        finally:
            os.close(dir_fd)
    raise AssertionError("unreachable")


_LOAD_ATTEMPTS = 5


def _replaced(path: str, dir_fd: int) -> bool:
    try:
        now = os.stat(path)
    except OSError:
        return True
    was = os.fstat(dir_fd)
    return (now.st_dev, now.st_ino) != (was.st_dev, was.st_ino)


def _load(path: str, device: str, dir_fd: int) -> Bundle:
    manifest = read_manifest(path, dir_fd=dir_fd)
    modules = parse_modules(manifest, path)
    grads = parse_modules(manifest, path, "grad_modules")  # (malformed: said first)
    targets = _choose_targets(path, modules, manifest, device)
    chosen = [m for m in modules if m.target in targets]
    chosen_grads = [m for m in grads if m.target in targets]
    blobs = check_files(path, chosen + chosen_grads, dir_fd=dir_fd)
    check_specs(path, chosen, blobs)
    check_specs(path, chosen_grads, blobs, kind="grad")
    return Bundle(path, manifest, modules, targets, blobs, grads)


__all__ = [
    "AmbiguousRequest",
    "BUNDLE_FORMAT_VERSION",
    "Bundle",
    "BundleDeviceError",
    "BundleError",
    "BundleFormatError",
    "BundleIntegrityError",
    "BundleModule",
    "ModuleNotInBundle",
    "SUPPORTED_FORMAT_VERSIONS",
    "load_bundle",
]
