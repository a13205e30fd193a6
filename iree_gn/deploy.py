"""Run group norm from an ahead-of-time bundle: needs only ``iree.runtime`` and NumPy.

A *bundle* is a folder written by ``iree-gn build``: one ``.vmfb`` per (configuration,
target), the StableHLO each was compiled from, and ``manifest.json`` (written last, so a
folder without it is an unfinished build and is refused). This module reads it on a
machine that has neither JAX nor the IREE compiler::

    >>> from iree_gn.deploy import load_bundle
    >>> gn = load_bundle("gn-bundle/")             # device="auto": the best target here
    >>> y = gn(x, gamma, beta)                      # picks the module for x's shape, dtype

``gamma``/``beta`` (shape ``[C]``) default to ones/zeros when the module applies them.
Dynamic-batch configurations (``None`` in the shape) are served by a static *block* module
compiled with each ``None`` axis of size 1, called once per index of the dynamic axes
(the statistics of different indices are independent), exactly as
:class:`iree_gn.CompiledGroupNorm` does.

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
    ``stablehlo_sha256``, ``cache_key``, ``source``. Optional ``grad_modules`` (a bundle
    built with ``grad = true``): backward modules, entries as in ``modules`` plus
    ``"kind": "grad"``, run by :meth:`Bundle.vjp` (readers without it ignore the list).
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
import warnings
from typing import Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from . import _targets
from ._spec import GroupNormSpec, canonical_dtype

BUNDLE_FORMAT = "iree-gn-bundle"
BUNDLE_FORMAT_VERSION = 1
SUPPORTED_FORMAT_VERSIONS = (1,)
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


class ModuleNotInBundle(BundleError, LookupError):
    """The bundle has no module for the request (shape, dtype, options, device)."""


# ---- host identity (also recorded by the builder) -----------------------------------------
def host_info() -> Dict[str, str]:
    """The machine and CPU model: a ``target-cpu=host`` module is only safe where they match."""
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.lower().startswith(("model name", "cpu model")):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"machine": platform.machine(), "cpu": cpu or platform.processor()}


def _host_specific(flags: Sequence[str]) -> bool:
    return any(f == "--iree-llvmcpu-target-cpu=host" for f in flags)


# ---- the manifest ---------------------------------------------------------------------------
@dataclasses.dataclass(frozen=True)
class BundleModule:
    """One module of a bundle, as the manifest records it.

    Attributes:
      name: a readable name (``spec.short_name()``).
      file: the ``.vmfb`` file, relative to the bundle folder.
      stablehlo: the StableHLO text file it was compiled from (relative).
      spec: the configuration it serves (``None`` in the shape = any size).
      module_shape: the static shape the module was compiled for (``None`` -> 1).
      target: the target name (a row of ``iree_gn.TARGETS`` where this package knows it).
      driver: the IREE runtime driver that runs it.
      flags: the exact ``iree-compile`` flags.
      sha256, size: of the ``.vmfb`` file.
    """

    name: str
    file: str
    stablehlo: str
    spec: GroupNormSpec
    module_shape: Tuple[int, ...]
    target: str
    driver: Optional[str]
    flags: Tuple[str, ...]
    sha256: str
    size: int

    def describe(self) -> str:
        s = self.spec
        act = s.activation or "none"
        return (f"{self.target:20s} shape={_fmt_shape(s.shape)} {s.dtype} groups={s.groups} "
                f"channels_axis={s.channels_axis} reduction_axes={s.reduction_axes} "
                f"center={s.center} scale={s.scale} epsilon={s.epsilon:g} activation={act} "
                f"mean_close_to_zero={s.mean_close_to_zero}")


def _fmt_shape(shape) -> str:
    return "(" + ", ".join("None" if d is None else str(d) for d in shape) + ")"


def read_manifest(path: str) -> dict:
    """The manifest of the bundle at ``path``, with its format and version checked."""
    mpath = os.path.join(path, MANIFEST)
    if not os.path.isdir(path):
        raise BundleFormatError(f"bundle {path!r} does not exist (or is not a folder).")
    try:
        with open(mpath, encoding="utf-8") as f:
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


def parse_modules(manifest: dict, path: str = "") -> List[BundleModule]:
    """The manifest's modules; every malformed entry is collected, then raised once."""
    out, problems = [], []
    for i, m in enumerate(manifest.get("modules", [])):
        try:
            spec = GroupNormSpec.from_json(m["spec"])
            out.append(BundleModule(
                name=str(m.get("name") or spec.short_name()), file=str(m["file"]),
                stablehlo=str(m.get("stablehlo", "")), spec=spec,
                module_shape=tuple(int(d) for d in m["module_shape"]),
                target=str(m["target"]), driver=m.get("driver"),
                flags=tuple(m.get("flags", ())), sha256=str(m["sha256"]), size=int(m["size"])))
        except (KeyError, TypeError, ValueError) as e:
            problems.append(f"modules[{i}]: {type(e).__name__}: {e}")
    if problems:
        raise BundleFormatError(
            f"bundle {path!r} has malformed manifest entries:\n  " + "\n  ".join(problems))
    return out


def check_files(path: str, modules: Sequence[BundleModule]) -> Dict[str, bytes]:
    """Read every module and check its size and sha256; raise once, naming every bad file."""
    data, problems = {}, []
    for m in modules:
        fpath = os.path.join(path, m.file)
        try:
            with open(fpath, "rb") as f:
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


# ---- choosing targets -----------------------------------------------------------------------
def _runs_here(name: str, driver: Optional[str]) -> Tuple[bool, str]:
    """Whether a target's modules run on a device present here (and if not, why)."""
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
        import iree.runtime as rt

        if rt.get_driver(driver).query_available_devices():
            return True, ""
        return False, f"no {driver} device"
    except Exception as e:
        return False, f"no {driver} device: {str(e).splitlines()[0]}"


def _preference(name: str, flags: Sequence[str], host_match: bool) -> Tuple[int, int]:
    """Sort key for device="auto": real accelerators, then CPU, then software GPUs."""
    row = _targets.TARGETS.get(name)
    backend = row.backend if row else ("llvm-cpu" if name.startswith("llvm-cpu") else "")
    if backend != "llvm-cpu":
        return (0 if (row is not None and getattr(row, "auto", False)) else 2, 0)
    # A module built for the build machine's own CPU ("host") is the fastest where this is
    # that machine, and may use instructions this CPU lacks where it is not.
    if _host_specific(flags):
        return (1, 0 if host_match else 2)
    return (1, 1)


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
        bundle holds several configurations for the same shape and dtype. Raises
        :class:`ModuleNotInBundle` (listing what the bundle has and the ``iree-gn build``
        line that adds the module) or :class:`BundleError` for an ambiguous request.
        """
        shape = tuple(int(d) for d in shape)
        dtype = canonical_dtype(dtype, arg="inputs.dtype")
        want = _canonical_match(match, len(shape))
        targets = self.targets
        if target is not None:
            if target not in self.targets:
                raise BundleDeviceError(
                    f"target={target!r} is not one this bundle runs here; it runs: "
                    f"{', '.join(self.targets)}.")
            targets = [target]
        for t in targets:
            cands = [m for m in self.modules if m.target == t and m.spec.matches(shape)
                     and m.spec.dtype == dtype
                     and all(getattr(m.spec, k) == v for k, v in want.items())]
            if not cands:
                continue
            # Several matches that differ only in static vs dynamic shape: the static one.
            variants = {}
            for m in cands:
                variants.setdefault(_options_key(m.spec), []).append(m)
            if len(variants) > 1:
                differing = sorted({k for k in _MATCH_FIELDS
                                    if len({getattr(m.spec, k) for m in cands}) > 1})
                raise BundleError(
                    f"bundle {self.path!r} has {len(variants)} configurations for an input of "
                    f"shape {shape}, {dtype} on {t} that differ in {', '.join(differing)}:\n  "
                    + "\n  ".join(m.describe() for m in cands)
                    + "\nSay which, e.g. group_norm(x, ..., "
                    + ", ".join(f"{k}={getattr(cands[0].spec, k)!r}" for k in differing) + ").")
            (group,) = variants.values()
            return min(group, key=lambda m: len(m.spec.dynamic_axes))
        raise self._missing(shape, dtype, want, targets)

    def _missing(self, shape, dtype, want, targets) -> ModuleNotInBundle:
        have = "\n  ".join(m.describe() for m in self.modules) or "(no modules)"
        req = ", ".join([f"shape {shape}", dtype] + [f"{k}={v!r}" for k, v in want.items()])
        return ModuleNotInBundle(
            f"bundle {self.path!r} has no module for an input of {req} on "
            f"{' or '.join(targets)}. It has:\n  {have}\n"
            f"To add one, run (adjust the options if they are not the ones you want):\n  "
            f"{self.build_line(shape, dtype, want, targets[0])}")

    def build_line(self, shape, dtype, want: dict, target: str) -> str:
        """The ``iree-gn build`` command that adds a module for this request to the bundle."""
        rank = len(shape)
        # Model it on a module of the same rank: same dtype first, then a dynamic one.
        same_rank = sorted((m.spec for m in self.modules if m.spec.rank == rank),
                           key=lambda s: (s.dtype != dtype, s.is_static))
        base = same_rank[0] if same_rank else None
        spec = {"shape": list(shape), "dtype": dtype}
        if base is not None:
            # Keep the bundle's conventions (layout, options, dynamic axes) for this rank.
            spec["shape"] = [None if b is None else s for b, s in zip(base.shape, shape)]
            opts = {k: getattr(base, k) for k in _MATCH_FIELDS}
            opts["reduction_axes"] = list(base.reduction_axes)
        else:
            opts = {"channels_axis": rank - 1,
                    "reduction_axes": list(range(1, rank - 1)) or [0]}
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
        x = np.asarray(x)
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
            if value is None:
                value = np.full(spec.param_shape, fill, x.dtype)
            value = np.asarray(value)
            if value.shape != spec.param_shape:
                raise ValueError(f"{name} has shape {value.shape}; expected {spec.param_shape}.")
            params.append(np.ascontiguousarray(value, dtype=x.dtype))
        if out is not None and (not isinstance(out, np.ndarray) or out.shape != x.shape
                                or out.dtype != x.dtype or not out.flags.c_contiguous
                                or not out.flags.writeable):
            raise ValueError(f"out must be a writable C-contiguous ndarray of shape {x.shape} "
                             f"and dtype {x.dtype}.")
        if x.size == 0:
            return out if out is not None else np.empty(x.shape, x.dtype)
        x = np.ascontiguousarray(x)
        module = self._module(mod)
        if spec.is_static:
            return module([x, *params], spec.dtype, out)
        from . import _runtime

        return _runtime.call_blocks(module, spec.dynamic_axes, x, params, spec.dtype, out)

    __call__ = group_norm

    def _module(self, mod: BundleModule):
        with self._lock:
            loaded = self._loaded.get(mod.file)
        if loaded is None:
            from . import _runtime

            if not mod.driver:
                raise BundleDeviceError(f"module {mod.file} ({mod.target}) has no runtime driver.")
            loaded = _runtime.LoadedModule(self._blobs[mod.file], _runtime.Device.get(mod.driver))
            with self._lock:
                loaded = self._loaded.setdefault(mod.file, loaded)
        return loaded


    # -- the backward (issue 11) ------------------------------------------------------------------
    def vjp(self, x, *args, out: Optional[np.ndarray] = None, target: Optional[str] = None,
            **match):
        """The backward of group norm with the bundle's backward module (built with
        ``grad = true``): ``vjp(x, [gamma], [beta], dy)`` -> ``(dx, [dgamma], [dbeta])``, the
        arguments and results of :meth:`iree_gn.CompiledGroupNorm.vjp` (gamma when the
        module has scale, beta when center; ``dy`` last). ``match``/``target`` select the
        configuration as in :meth:`find`. Runtime-only: no JAX, no compiler.
        """
        x = np.asarray(x)
        shape = tuple(int(d) for d in x.shape)
        dtype = canonical_dtype(x.dtype, arg="x.dtype")
        want = _canonical_match(match, len(shape))
        for t in ([target] if target is not None else self.targets):
            cands = [m for m in self.grad_modules if m.target == t and m.spec.matches(shape)
                     and m.spec.dtype == dtype
                     and all(getattr(m.spec, k) == v for k, v in want.items())]
            if len({_options_key(m.spec) for m in cands}) > 1:
                raise BundleError(
                    f"bundle {self.path!r} has several backward configurations for shape "
                    f"{shape}, {dtype} on {t}:\n  " + "\n  ".join(m.describe() for m in cands)
                    + "\nName the options (groups=, activation=, ...).")
            if cands:
                mod = min(cands, key=lambda m: len(m.spec.dynamic_axes))
                return self._grad_op(mod)(x, *args, out=out)
        have = "\n  ".join(m.describe() for m in self.grad_modules) or "(none)"
        raise ModuleNotInBundle(
            f"bundle {self.path!r} has no backward module for an input of shape {shape}, "
            f"{dtype} on {' or '.join([target] if target else self.targets)}. Its backward "
            f"modules:\n  {have}\nBuild them with `grad = true` in the configuration entry "
            f"(or \"grad\": true in --spec).")

    def _grad_op(self, mod: BundleModule):
        with self._lock:
            op = self._loaded.get(("grad", mod.file))
        if op is None:
            from . import _grad

            if not mod.driver:
                raise BundleDeviceError(f"module {mod.file} ({mod.target}) has no runtime driver.")
            op = _grad.from_module(mod.spec, self._blobs[mod.file], mod.driver, mod.sha256)
            with self._lock:
                op = self._loaded.setdefault(("grad", mod.file), op)
        return op


def _options_key(spec: GroupNormSpec) -> tuple:
    return tuple(getattr(spec, k) for k in _MATCH_FIELDS)


def _canonical_match(match: dict, rank: int) -> dict:
    """Validate request filters and put them in the spec's canonical form."""
    from . import _activations

    unknown = sorted(set(match) - set(_MATCH_FIELDS))
    if unknown:
        raise TypeError(f"unknown option(s) {unknown}; a request may name: "
                        f"{', '.join(_MATCH_FIELDS)}.")
    out = dict(match)
    if "channels_axis" in out:
        out["channels_axis"] = int(out["channels_axis"]) % rank
    if "reduction_axes" in out:
        out["reduction_axes"] = tuple(sorted(int(a) % rank for a in out["reduction_axes"]))
    if "activation" in out:
        out["activation"] = _activations.canonical(out["activation"])
    if "epsilon" in out:
        out["epsilon"] = float(out["epsilon"])
    return out


def _choose_targets(path: str, modules: List[BundleModule], manifest: dict,
                    device: str) -> List[str]:
    names = list(dict.fromkeys(m.target for m in modules))
    drivers = {m.target: m.driver for m in modules}
    flags = {m.target: m.flags for m in modules}
    if not names:
        raise BundleError(f"bundle {path!r} has no modules; rebuild it with `iree-gn build`.")
    host_match = manifest.get("host") == host_info()
    if device == "auto":
        fits = {n: _runs_here(n, drivers[n]) for n in names}
        usable = sorted((n for n in names if fits[n][0]),
                        key=lambda n: _preference(n, flags[n], host_match))
        if not usable:
            why = "\n  ".join(f"{n}: {fits[n][1] or 'does not run here'}" for n in names)
            raise BundleDeviceError(
                f"bundle {path!r} is for another device: none of its targets runs here.\n  "
                f"{why}\nBuild one for this machine, e.g. "
                f"`iree-gn build --add -o {path} CONFIG --targets llvm-cpu`, or load the "
                f"bundle where its device is.")
        chosen = usable
    else:
        chosen = [n for n in names if n == device] or [n for n in names if drivers[n] == device]
        if not chosen:
            raise BundleDeviceError(
                f"bundle {path!r} has no modules for device={device!r}; it has targets "
                f"{', '.join(names)}. Add them with `iree-gn build --add -o {path} CONFIG "
                f"--targets {device}`, or use device='auto'.")
        bad = [(n, _runs_here(n, drivers[n])) for n in chosen]
        if not any(ok for _, (ok, _) in bad):
            raise BundleDeviceError(
                f"device={device!r}: bundle {path!r} has modules for it, but none runs here: "
                + "; ".join(f"{n}: {why}" for n, (_, why) in bad) + ".")
        chosen = [n for n, (ok, _) in bad if ok]
    for n in chosen:
        if _host_specific(flags[n]) and not host_match:
            warnings.warn(
                f"bundle {path!r}: target {n!r} was compiled for the build machine's own CPU "
                f"({manifest.get('host', {}).get('cpu', '?')}), not this one "
                f"({host_info()['cpu']}); it may use instructions this CPU lacks. Prefer a "
                f"portable CPU target (e.g. llvm-cpu:x86-64-v3) for bundles that move.",
                RuntimeWarning, stacklevel=3)
    return chosen


def load_bundle(path: str, device: str = "auto") -> Bundle:
    """Open the bundle at ``path`` for the device here and verify it before anything runs.

    Args:
      path: the folder written by ``iree-gn build``.
      device: ``"auto"`` (every target in the bundle that runs here, best first: real GPUs,
        then the CPU, then software GPUs), a target name (``"llvm-cpu"``, ``"vulkan"``...) or
        a runtime driver name (``"local-task"``, ``"cuda"``...).

    Returns:
      a :class:`Bundle`; ``bundle(x, gamma, beta)`` runs group norm.

    Raises:
      BundleFormatError: no manifest (not a bundle, or an unfinished build), or an
        unsupported format version (both versions named).
      BundleDeviceError: no target in the bundle runs here.
      BundleIntegrityError: a module's sha256 or size differs from the manifest.
    """
    path = os.fspath(path)
    manifest = read_manifest(path)
    modules = parse_modules(manifest, path)
    targets = _choose_targets(path, modules, manifest, device)
    grads = parse_modules({"modules": manifest.get("grad_modules", [])}, path)
    blobs = check_files(path, [m for m in modules + grads if m.target in targets])
    return Bundle(path, manifest, modules, targets, blobs, grads)


__all__ = [
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
