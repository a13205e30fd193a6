"""Building ahead-of-time bundles: configurations x targets -> ``.vmfb`` files + manifest.

``iree-gn build CONFIG -o BUNDLE --targets llvm-cpu,vulkan`` compiles every configuration
of CONFIG for every target, in parallel worker processes, through the same compile cache as
:func:`iree_gn.compile` (so a module compiled before is not compiled again). The layout and
the manifest format are documented in :mod:`iree_gn.deploy`, which loads bundles.

CONFIG is TOML or JSON. Each entry is one group-norm configuration::

    targets = ["llvm-cpu", "vulkan"]          # default targets (the --targets flag wins here)

    [[config]]
    shape = ["N", 64, 64, 320]                # "N" (JSON: null) marks a dynamic axis
    dtype = "float16"
    groups = 32
    layout = "NHWC"                           # or channels_axis / reduction_axes
    activation = "silu"                       # center, scale, epsilon, mean_close_to_zero too
    grad = true                               # also the backward module (Bundle.vjp)

    [[config]]
    mlir = "../mlir/nhwc-2x16x16x1280-f32.mlir"   # a StableHLO file with its .json sidecar
    targets = ["llvm-cpu"]                    # this entry's targets: win over --targets too

A module that fails (a configuration that does not validate, a compile error, a module
without code for its target) is reported with its diagnostics and left out; the rest are
written. A (configuration, target) pair that the target cannot serve by design (float64 on
Vulkan) is skipped and listed in the manifest. The bundle is built in a temp folder next to
BUNDLE, with ``manifest.json`` written last, and swapped into place atomically, so no reader
ever sees a half-written bundle; builds into one folder write one at a time
(:mod:`._bundle_folder`). A BUNDLE folder that holds anything but a previous bundle's
own files is refused, never replaced.
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime
import glob
import hashlib
import json
import multiprocessing
import os
import platform
import shutil
import sys
import time
from typing import IO, Dict, List, Optional, Sequence, Tuple

from . import _bundle_folder, _cache, _targets, deploy
from ._compile_side import compile_side
from ._process import die_with as _die_with
from ._spec import GroupNormSpec, layout_axes

_SPEC_KEYS = ("shape", "dtype", "groups", "channels_axis", "reduction_axes", "center",
              "scale", "epsilon", "activation", "mean_close_to_zero")
_ENTRY_KEYS = _SPEC_KEYS + ("layout", "mlir", "targets", "name", "grad")
_DYNAMIC = (None, "N", "n", "?", "None", "none", "dynamic")


@dataclasses.dataclass
class Item:
    """One configuration of a build request: a spec (or why it is not one) and its source."""

    label: str
    spec: Optional[GroupNormSpec] = None
    mlir: Optional[str] = None          # a StableHLO file to compile instead of tracing JAX
    formulation: Optional[str] = None   # the formulation that file holds
    targets: Optional[Tuple[str, ...]] = None
    error: Optional[str] = None
    grad: bool = False                  # also build the backward module (manifest grad_modules)
    name: Optional[str] = None          # the entry's own name (the label less the spec's)


@dataclasses.dataclass
class BuildResult:
    """What a build produced: the bundle path (None when nothing was written), the manifest's
    module entries, every failure (label, target, message), and the (configuration, target)
    pairs skipped because the target cannot serve them by design (label, target, reason)."""

    path: Optional[str]
    modules: List[dict]
    failures: List[dict]
    skipped: List[dict] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures and bool(self.modules)


# ---- reading configurations -----------------------------------------------------------------
def load_config(path: str) -> Tuple[List[dict], dict]:
    """The entries of a TOML or JSON CONFIG file, and its top-level defaults."""
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        raise FileNotFoundError(f"cannot read config {path!r}: {e}") from None
    if path.endswith(".toml"):
        import tomllib

        try:
            doc = tomllib.loads(raw.decode("utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise ValueError(f"config {path!r} is not valid TOML: {e}") from None
    else:
        try:
            doc = json.loads(raw)
        except ValueError as e:
            raise ValueError(
                f"config {path!r} is not valid JSON ({e}); name TOML files *.toml.") from None
    if isinstance(doc, list):
        doc = {"config": doc}
    if not isinstance(doc, dict):
        raise ValueError(f"config {path!r}: expected a table with [[config]] entries.")
    entries = doc.get("config", doc.get("configs"))
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise ValueError(
            f"config {path!r} has no list of configurations: write [[config]] tables (TOML) "
            f"or {{\"config\": [{{...}}]}} (JSON).")
    defaults = {k: v for k, v in doc.items() if k not in ("config", "configs")}
    unknown = sorted(set(defaults) - {"targets"})
    if unknown:
        raise ValueError(f"config {path!r}: unknown top-level keys {unknown}; known: targets, "
                         f"config.")
    return entries, defaults


def _targets_list(value, where: str) -> Tuple[str, ...]:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, (list, tuple)) or not value:
        raise ValueError(f"{where}: targets must be a non-empty list of target names.")
    # Family names ("vulkan", "cuda", "rocm") and "auto" pick the row for the device here,
    # as target= does for the op; a row name is taken as given (compile anywhere).
    names = [_targets.resolve(name).name if name in _targets.FAMILIES or name == "auto"
             else _targets.get(name).name for name in value]
    return tuple(dict.fromkeys(names))


def spec_from_entry(entry: dict) -> GroupNormSpec:
    """A validated spec from one CONFIG entry (the spec's own messages on bad values)."""
    unknown = sorted(set(entry) - set(_ENTRY_KEYS))
    if unknown:
        raise ValueError(f"unknown keys {unknown}; known: {', '.join(_ENTRY_KEYS)}.")
    if "shape" not in entry:
        raise ValueError("shape is required (e.g. shape = [\"N\", 64, 64, 320]).")
    shape = entry["shape"]
    if not isinstance(shape, (list, tuple)):
        raise ValueError(f"shape must be a list, got {shape!r}.")
    dims = []
    for d in shape:
        if d in _DYNAMIC:
            dims.append(None)
        elif isinstance(d, str):
            raise ValueError(f"shape {shape!r}: {d!r} is not a size; write an int, or \"N\" "
                             f"(JSON: null) for a dynamic axis.")
        else:
            dims.append(d)
    kw = {k: entry[k] for k in _SPEC_KEYS if k in entry and k not in ("shape", "dtype")}
    if "layout" in entry:
        if "channels_axis" in kw or "reduction_axes" in kw:
            raise ValueError("give layout or channels_axis/reduction_axes, not both.")
        kw["channels_axis"], kw["reduction_axes"] = layout_axes(entry["layout"], len(dims))
    return GroupNormSpec.create(dims, entry.get("dtype", "float32"), **kw)


def read_sidecar(mlir_path: str) -> Tuple[GroupNormSpec, str]:
    """The spec and formulation recorded next to a StableHLO file (``X.mlir`` -> ``X.json``)."""
    side = os.path.splitext(mlir_path)[0] + ".json"
    try:
        with open(side, encoding="utf-8") as f:
            d = json.load(f)
        return GroupNormSpec.from_json(d["spec"]), str(d.get("formulation", "split"))
    except FileNotFoundError:
        raise ValueError(
            f"{mlir_path}: no spec sidecar {side} (build_tools/gen_mlir.py writes one per "
            f"file).") from None
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ValueError(f"{side}: bad spec sidecar ({type(e).__name__}: {e}).") from None


def items_from_config(path: str) -> Tuple[List[Item], Optional[Tuple[str, ...]]]:
    """Build items for every CONFIG entry (an invalid one carries its error, not raised)."""
    entries, defaults = load_config(path)
    base = os.path.dirname(os.path.abspath(path))
    default_targets = (_targets_list(defaults["targets"], f"config {path!r}")
                       if "targets" in defaults else None)
    items = []
    for i, entry in enumerate(entries):
        label = str(entry.get("name") or f"{os.path.basename(path)}[{i}]")
        try:
            targets = (_targets_list(entry["targets"], label) if "targets" in entry else None)
            if "mlir" in entry:
                extra = sorted(set(entry) - {"mlir", "targets", "name"})
                if extra:
                    raise ValueError(f"an mlir entry takes its spec from the file's .json "
                                     f"sidecar; remove {extra}.")
                items.append(_mlir_item(os.path.join(base, entry["mlir"]), targets, label))
            else:
                spec = spec_from_entry(entry)
                items.append(Item(label=f"{label} {spec.short_name()}", spec=spec,
                                  targets=targets, grad=_grad_flag(entry), name=label))
        except (ValueError, TypeError) as e:
            items.append(Item(label=label, error=f"invalid configuration: {e}"))
    return items, default_targets


def _mlir_item(path: str, targets=None, label: Optional[str] = None) -> Item:
    label = label or os.path.basename(path)
    try:
        spec, formulation = read_sidecar(path)
    except ValueError as e:
        return Item(label=label, error=str(e))
    return Item(label=f"{label} {spec.short_name()}", spec=spec, mlir=os.path.abspath(path),
                formulation=formulation, targets=targets)


def items_from_mlir(path: str) -> List[Item]:
    """One item per ``*.mlir`` file of a folder (or the one file ``path``)."""
    if os.path.isdir(path):
        files = sorted(glob.glob(os.path.join(path, "*.mlir")))
        if not files:
            raise ValueError(f"--from-mlir {path!r}: no .mlir files there.")
    elif os.path.isfile(path):
        files = [path]
    else:
        raise FileNotFoundError(f"--from-mlir {path!r}: no such file or folder.")
    return [_mlir_item(f) for f in files]


def item_from_json(text: str) -> Item:
    """An item from a ``--spec '{...}'`` argument (the CONFIG entry keys, in JSON)."""
    try:
        entry = json.loads(text)
        if not isinstance(entry, dict):
            raise ValueError("expected a JSON object")
        if "mlir" in entry:
            raise ValueError("an mlir file goes in --from-mlir or a CONFIG entry")
        spec = spec_from_entry(entry)
        targets = (_targets_list(entry["targets"], "--spec") if "targets" in entry else None)
    except (ValueError, TypeError) as e:
        return Item(label=f"--spec {text}", error=f"invalid configuration: {e}")
    label = f"{entry['name']} {spec.short_name()}" if "name" in entry else spec.short_name()
    try:
        grad = _grad_flag(entry)
    except ValueError as e:
        return Item(label=f"--spec {text}", error=f"invalid configuration: {e}")
    return Item(label=label, spec=spec, targets=targets, grad=grad)


def _grad_flag(entry: dict) -> bool:
    grad = entry.get("grad", False)
    if not isinstance(grad, bool):
        raise ValueError(f"grad must be true or false, got {grad!r}.")
    return grad


# ---- the work of one module (runs in a worker process) --------------------------------------
def _module_spec(spec: GroupNormSpec, target, grad: bool = False) -> GroupNormSpec:
    """The spec a configuration's module is compiled for, as ``_ops.get_op`` does: the spec
    itself where one kernel module takes its dynamic axes (``_ops._one_module``; the manifest's
    ``module_shape`` keeps ``None`` there), else the static block op (``None`` -> 1) that the
    loader drives over the dynamic axes. The same spec, so the same cache entry as compile().
    Backward modules (``grad``) likewise, by the backward's predicate (``_grad._one_module``)."""
    from ._grad import _one_module as _grad_one_module
    from ._ops import _one_module

    if spec.is_static or (_grad_one_module if grad else _one_module)(spec, target):
        return spec
    return spec.with_shape(tuple(1 if d is None else d for d in spec.shape))


def _compile_module(job: dict) -> dict:
    """Compile one (spec, target); return the module and its StableHLO, or the error."""
    t0 = time.monotonic()
    try:
        target = _targets.get(job["target"])
        spec = GroupNormSpec.from_json(job["spec"])
        mspec = _module_spec(spec, target, bool(job.get("grad")))
        with compile_side(f"`iree-gn build` of {spec.short_name()} for {target.name}"):
            if job.get("grad"):  # the backward module (iree_gn._grad), same block shape
                from . import _grad

                g = _grad.get_grad(mspec, target)
                vmfb, text, key = g.vmfb, g.stablehlo, g.key
            elif job.get("mlir"):
                vmfb, text, key = _from_mlir(job, mspec, target)
            else:
                from . import _ops

                op = _ops.get_op(mspec, target)
                vmfb, text, key = op.vmfb, op.stablehlo, op.key
        why = deploy.spec_mismatch(mspec, vmfb, kind="grad" if job.get("grad") else "forward",
                                   target=target.name)
        if why:  # e.g. a --from-mlir file whose sidecar does not describe it
            raise ValueError(f"the compiled module does not serve {mspec.short_name()}: "
                             f"{why.replace('manifest', 'sidecar/config')}.")
        if target.marker and target.marker not in vmfb:
            raise RuntimeError(
                f"the compiled module has no code for {target.name} (its marker "
                f"{target.marker!r} is absent); the flags {list(target.flags)} did not "
                f"select the target.")
        from ._compiler import compile_flags

        return {"ok": True, "vmfb": vmfb, "stablehlo": text, "key": key,
                "flags": list(compile_flags(target, spec.dtype)),
                "seconds": time.monotonic() - t0}
    except Exception as e:  # reported per module; the others go on
        return {"ok": False, "error": f"{type(e).__name__}: {e}",
                "seconds": time.monotonic() - t0}


def _from_mlir(job: dict, spec: GroupNormSpec, target) -> Tuple[bytes, str, str]:
    """Compile a StableHLO file through the cache, under the key _ops would use for it."""
    from ._compiler import compile_flags, compile_text

    if job.get("formulation") != target.formulation_for(spec):
        raise ValueError(
            f"{job['mlir']} holds the {job.get('formulation')!r} formulation; target "
            f"{target.name!r} needs {target.formulation_for(spec)!r} for this shape (the other "
            f"is wrong or slow there). "
            f"Regenerate it (build_tools/gen_mlir.py), or build this configuration from a "
            f"CONFIG entry instead.")
    if spec.dtype == "float64" and not target.f64:
        raise TypeError(f"dtype float64 is not supported on target {target.name!r}.")
    with open(job["mlir"], encoding="utf-8") as f:
        text = target.prepare(f.read())
    flags = compile_flags(target, spec.dtype)
    cache = _cache.DiskCache()
    key = _cache.make_key(_cache.content_key_parts(text, spec.key_text(), target.name, flags))
    data = cache.load(key, target.name)
    if data is None:
        data = compile_text(text, target, spec.dtype)
        cache.store(key, target.name, data, {"spec_name": spec.short_name(),
                                             "flags": list(flags)}, stablehlo=text)
    return data, text, key


# ---- the build --------------------------------------------------------------------------------
def _progress(done: int, total: int, label: str, ok: bool, seconds: float, stream) -> None:
    if stream is None:
        return
    width = 24
    fill = width * done // max(total, 1)
    state = "ok    " if ok else "FAILED"
    print(f"[{'#' * fill}{'.' * (width - fill)}] {done}/{total} {state} {label} "
          f"({seconds:.1f}s)", file=stream, flush=True)


def _check_destination(out_dir: str) -> None:
    """Refuse an ``-o`` that is not a folder, or whose files are not all a bundle's own: a
    rebuild replaces the previous bundle, and must never take a user's file with it."""
    if os.path.islink(out_dir):
        # (the finished folder is renamed onto -o: that would replace the link itself)
        real = os.path.realpath(out_dir)
        fix = (f"Give the folder itself: -o {real!r}." if os.path.isdir(real) else
               f"It points to {'a file' if os.path.exists(real) else 'nothing'}; give "
               f"another -o.")
        raise ValueError(
            f"-o {out_dir!r} is a symbolic link (to {os.readlink(out_dir)!r}); a bundle is "
            f"published by renaming its finished folder onto -o, which would replace the "
            f"link, not what it points to. {fix}")
    if not os.path.exists(out_dir):
        up = os.path.dirname(os.path.abspath(out_dir))
        while not os.path.lexists(up):
            up = os.path.dirname(up)
        if not os.path.isdir(up):  # (found after compiling everything: EEXIST, ENOTDIR)
            raise ValueError(
                f"-o {out_dir!r} cannot be made: {up} is "
                f"{'a symbolic link to nothing' if os.path.islink(up) else 'not a folder'}.")
        _check_writable(out_dir, up)
        return
    if not os.path.isdir(out_dir):
        raise ValueError(f"-o {out_dir!r} exists and is not a folder.")
    _check_writable(out_dir, os.path.dirname(out_dir))
    if os.path.ismount(out_dir):
        # (renaming onto it fails with EBUSY once the modules are built)
        raise ValueError(
            f"-o {out_dir!r} is a mount point (a container volume?): a bundle is published "
            f"by renaming its finished folder onto -o, which a mount point cannot take. Give "
            f"a folder inside it: -o {os.path.join(out_dir, 'bundle')!r}.")
    present = set(os.listdir(out_dir))
    if not present:
        return
    if deploy.MANIFEST not in present:
        raise ValueError(
            f"-o {out_dir!r} is a non-empty folder that is not a bundle (no "
            f"{deploy.MANIFEST}); refusing to replace it. Choose another folder.")
    try:
        # Any format version: a bundle of an older iree-gn is replaced like any other.
        with open(os.path.join(out_dir, deploy.MANIFEST), encoding="utf-8") as f:
            manifest = json.load(f)
        if manifest.get("format") != deploy.BUNDLE_FORMAT:
            raise ValueError(f"format={manifest.get('format')!r}")
        owned = {deploy.MANIFEST} | {m.get(k) for m in manifest.get("modules", [])
                                     + manifest.get("grad_modules", [])
                                     for k in ("file", "stablehlo")}
    except (OSError, ValueError, AttributeError, TypeError) as e:
        raise ValueError(f"-o {out_dir!r} holds a bundle whose manifest cannot be read ({e}); "
                         f"refusing to replace it. Remove it or choose another folder.") from None
    foreign = sorted(present - owned)
    if foreign:
        raise ValueError(
            f"-o {out_dir!r} holds files that are not part of its bundle: "
            f"{', '.join(foreign[:10])}{' ...' if len(foreign) > 10 else ''}. Rebuilding "
            f"replaces the whole folder; move them out, or choose another folder.")


def _check_writable(out_dir: str, parent: str) -> None:
    """Refuse, before compiling, an ``-o`` whose parent folder cannot take the hidden folder
    the bundle is built in (read-only, another user's, ``/proc``): found after compiling
    everything, it failed with a raw errno naming that folder. Tried, not guessed from the
    mode bits (root, ACLs, read-only mounts and /proc all differ)."""
    import tempfile

    try:
        os.rmdir(tempfile.mkdtemp(prefix=".iree-gn-check-", dir=parent))
    except OSError as e:
        raise ValueError(f"-o {out_dir!r}: cannot write into its folder {parent} "
                         f"({e.strerror or e}); give an -o in a folder you can write.") from None


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def _versions() -> Dict[str, str]:
    from . import __version__

    return dict(_cache.versions(), **{"iree-gn": __version__,
                                      "bundle-format": str(deploy.BUNDLE_FORMAT_VERSION)})


def build(items: Sequence[Item], targets: Sequence[str], out_dir: str, *,
          jobs: Optional[int] = None, add: bool = False, stream: Optional[IO] = sys.stderr,
          command: Optional[Sequence[str]] = None) -> BuildResult:
    """Compile ``items`` x targets into the bundle ``out_dir``; see the module docstring.

    ``targets`` applies to items without their own. With ``add``, the modules of an existing
    bundle at ``out_dir`` are kept (verified) unless rebuilt. Returns a :class:`BuildResult`;
    failures are reported in it (and on ``stream``), never raised.
    """
    from ._compiler import compile_timeout

    out_dir = os.path.abspath(out_dir)
    _check_destination(out_dir)
    compile_timeout()  # a bad IREE_GN_COMPILE_TIMEOUT: once, here, not once per module
    targets = _targets_list(list(targets), "--targets")
    if add:  # (before compiling; _write checks again under the folder's lock)
        _check_cpu_rows(out_dir)
    _note_host_rows(list(dict.fromkeys(list(targets) + [t for it in items
                                                       for t in (it.targets or ())])), stream)
    failures: List[dict] = []
    skipped: List[dict] = []
    planned: Dict[Tuple[str, str], dict] = {}
    for it in items:
        if it.error:
            failures.append({"config": it.label, "target": None, "error": it.error})
            continue
        if not it.spec.portable:
            failures.append({"config": it.label, "target": None,
                             "error": "a Python-callable activation cannot go into a bundle"})
            continue
        for t in it.targets or targets:
            k = (it.spec.key_text(), t)
            reason = _cannot_serve(it.spec, t)
            if reason:
                skipped.append({"config": it.label, "target": t, "reason": reason,
                                "spec": it.spec.to_json()})
                continue
            if k not in planned:  # the same (spec, target) twice is built once
                planned[k] = {"label": it.label, "spec": it.spec.to_json(), "target": t,
                              "mlir": it.mlir, "formulation": it.formulation,
                              "source": f"mlir:{os.path.basename(it.mlir)}" if it.mlir
                              else "jax"}
            if it.grad and (k + ("grad",)) not in planned:
                planned[k + ("grad",)] = {"label": it.label + " (grad)", "spec":
                                          it.spec.to_json(), "target": t, "mlir": None,
                                          "formulation": None, "source": "jax", "grad": True}
    for f in failures:
        _report_failure(f, stream)
    for sk in skipped:
        if stream is not None:
            print(f"skipped {sk['config']} for {sk['target']}: {sk['reason']}", file=stream,
                  flush=True)
    work = list(planned.values())
    results = _run_jobs(work, jobs, stream)

    os.makedirs(os.path.dirname(out_dir), exist_ok=True)
    with _bundle_folder.writing(out_dir):  # one build at a time reads, writes and swaps
        return _write(out_dir, items, work, results, failures, skipped, add, command)


def _write(out_dir, items, work, results, failures, skipped, add, command) -> BuildResult:
    """The new bundle from the compiled ``results`` (and, with ``add``, the old bundle's
    other modules), swapped into ``out_dir``."""
    if add:
        _check_cpu_rows(out_dir)
    old = _old_modules(out_dir) if add else []
    old += _old_modules(out_dir, "grad_modules") if add else []
    old_notes = _old_notes(out_dir) if add else {}
    tmp = None
    modules: List[dict] = []
    try:
        tmp = _bundle_folder.new_folder(out_dir, 0o777 & ~_umask())
        for job, res in zip(work, results):
            if not res["ok"]:
                f = {"config": job["label"], "target": job["target"], "error": res["error"],
                     "spec": job["spec"], **({"kind": "grad"} if job.get("grad") else {})}
                failures.append(f)
                continue
            modules.append(_write_module(tmp, job, res))
        rebuilt = {(json.dumps(m["spec"], sort_keys=True), m["target"], m.get("kind"))
                   for m in modules}
        for m, blob, hlo in old:
            if (json.dumps(m["spec"], sort_keys=True), m["target"], m.get("kind")) \
                    not in rebuilt:
                _write_file(os.path.join(tmp, m["file"]), blob)
                if hlo is not None:
                    _write_file(os.path.join(tmp, m["stablehlo"]), hlo)
                modules.append(m)
        if not modules:
            shutil.rmtree(tmp, ignore_errors=True)
            return BuildResult(None, [], failures, skipped)
        # Configuration errors have no target: giving the entry's name again retries them.
        touched = {_pair(e) for e in modules + skipped + failures} | \
            {_pair(j) for j in work} | {(f"label:{it.name or it.label}", None, False)
                                        for it in items}
        notes = {key: [e for e in old_notes.get(key, []) if _pair(e) not in touched]
                 for key in ("failures", "skipped")}
        manifest = {
            "format": deploy.BUNDLE_FORMAT,
            "format_version": deploy.BUNDLE_FORMAT_VERSION,
            "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "versions": _versions(),
            "host": deploy.host_info(),
            "command": list(command) if command else None,
            "targets": {name: _target_info(name) for name in
                        dict.fromkeys(m["target"] for m in modules)},
            "modules": sorted((m for m in modules if m.get("kind") != "grad"),
                              key=lambda m: (m["name"], m["target"])),
            # Backward modules in their own list: readers that predate them never take one
            # for a forward module (deploy.Bundle.vjp reads this list).
            "grad_modules": sorted((m for m in modules if m.get("kind") == "grad"),
                                   key=lambda m: (m["name"], m["target"])),
            "failures": notes["failures"] + [dict(f, error=f["error"].splitlines()[0][:500])
                                             for f in failures],
            "skipped": notes["skipped"] + skipped,
        }
        # Written last: a folder without a manifest is an unfinished build, refused on load.
        _write_file(os.path.join(tmp, deploy.MANIFEST),
                    (json.dumps(manifest, indent=1) + "\n").encode())
        _bundle_folder.swap_into_place(tmp, out_dir)
        tmp = None
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
    return BuildResult(out_dir, modules, failures, skipped)


def _cannot_serve(spec: GroupNormSpec, target: str) -> Optional[str]:
    """Why ``target`` cannot serve ``spec`` by design (not a failure: the bundle then has no
    module for that pair, and says so in its manifest), or None."""
    row = _targets.get(target)
    if spec.dtype == "float64" and not row.f64:
        return (f"float64 is not supported on {target} (its devices lack native float64); "
                f"serve float64 from a CPU or CUDA/ROCm target of the bundle")
    return None


def _report_failure(f: dict, stream) -> None:
    if stream is not None:
        where = f" for {f['target']}" if f.get("target") else ""
        print(f"FAILED {f['config']}{where}:\n  " + f["error"].replace("\n", "\n  "),
              file=stream, flush=True)


def _run_jobs(work: List[dict], jobs: Optional[int], stream) -> List[dict]:
    total = len(work)
    results: List[Optional[dict]] = [None] * total
    n = max(1, min(jobs or _usable_cpus(), total))

    def done(i, res, count):
        job = work[i]
        results[i] = res
        _progress(count, total, f"{job['label']} -> {job['target']}", res["ok"],
                  res["seconds"], stream)
        if not res["ok"]:
            _report_failure({"config": job["label"], "target": job["target"],
                             "error": res["error"]}, stream)

    if total == 0:
        return []
    if n == 1:
        for i, job in enumerate(work):
            done(i, _compile_module(job), i + 1)
        return results  # type: ignore[return-value]
    # spawn, not fork: the parent may hold JAX/XLA threads, which a fork would copy mid-state.
    ctx = multiprocessing.get_context("spawn")
    pool = concurrent.futures.ProcessPoolExecutor(max_workers=n, mp_context=ctx,
                                                  initializer=_die_with, initargs=(os.getpid(),))
    try:
        futures = {pool.submit(_compile_module, job): i for i, job in enumerate(work)}
        for count, fut in enumerate(concurrent.futures.as_completed(futures), 1):
            try:
                res = fut.result()
            except Exception as e:  # the worker died (BrokenProcessPool): this module failed
                res = {"ok": False, "error": f"worker process failed: {type(e).__name__}: {e}",
                       "seconds": 0.0}
            done(futures[fut], res, count)
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM: cli): the workers stop now, not after the queued
        # compiles (a SIGTERM to this process alone left them running, orphaned).
        _stop_workers(pool)
        raise
    pool.shutdown()
    return results  # type: ignore[return-value]


def _usable_cpus() -> int:
    """The CPUs this process may run on (taskset, a container's cpuset), not the machine's:
    one worker per machine CPU oversubscribed a pinned build."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except (AttributeError, OSError):  # (not Linux)
        return os.cpu_count() or 1


def _stop_workers(pool) -> None:
    """Terminate ``pool``'s worker processes and drop its queued jobs."""
    stop = getattr(pool, "terminate_workers", None)  # (Python >= 3.14)
    if stop is not None:
        stop()
    else:
        for proc in list((getattr(pool, "_processes", None) or {}).values()):
            proc.terminate()
    pool.shutdown(wait=True, cancel_futures=True)


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _write_file(path: str, data: bytes) -> None:
    with open(path, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def _formulation(mspec: GroupNormSpec, row, grad: bool) -> str:
    """What a module runs, as its op says (``CompiledGroupNorm.formulation``): the
    backward's own choice for a backward module."""
    if grad:
        from ._grad import formulation

        return formulation(mspec, row)
    return row.formulation_for(mspec)


def _write_module(folder: str, job: dict, res: dict) -> dict:
    spec = GroupNormSpec.from_json(job["spec"])
    h = hashlib.sha256(spec.key_text().encode()).hexdigest()[:8]
    stem = f"gn-{spec.short_name()}-{h}-{_safe(job['target'])}" + (
        "-grad" if job.get("grad") else "")
    vmfb, text = res["vmfb"], res["stablehlo"].encode()
    _write_file(os.path.join(folder, stem + ".vmfb"), vmfb)
    _write_file(os.path.join(folder, stem + ".mlir"), text)
    row = _targets.get(job["target"])
    mspec = _module_spec(spec, row, bool(job.get("grad")))
    return {
        "name": spec.short_name(),
        "file": stem + ".vmfb",
        "stablehlo": stem + ".mlir",
        "spec": spec.to_json(),
        "module_shape": list(mspec.shape),  # None: an axis the module itself takes
        "target": row.name,
        "backend": row.backend,
        "driver": row.driver,
        "formulation": _formulation(mspec, row, bool(job.get("grad"))),
        "flags": res["flags"],
        "sha256": hashlib.sha256(vmfb).hexdigest(),
        "size": len(vmfb),
        "stablehlo_sha256": hashlib.sha256(text).hexdigest(),
        "cache_key": res["key"],
        "source": job["source"],
        **({"kind": "grad"} if job.get("grad") else {}),
    }


def _target_info(name: str) -> dict:
    row = _targets.TARGETS.get(name)
    if row is None:
        return {}
    info = {"backend": row.backend, "driver": row.driver, "formulation": row.formulation,
            "flags": list(row.flags), "description": row.description}
    if row.backend == "llvm-cpu":
        # What a loader's CPU must have: this CPU's features for a host module (not
        # portable), the row's fixed set for a portable one.
        info["cpu_features"] = list(deploy.module_cpu_features(row.name, row.flags))
        info["portable"] = not deploy._host_specific(row.flags)
    return info


def _note_host_rows(targets: Sequence[str], stream) -> None:
    host = [t for t in targets if deploy._host_specific(_targets.get(t).flags)]
    if host and stream is not None:
        info = deploy.host_info()
        wide = [f for f in info["cpu_features"] if f.startswith(("avx512", "amx"))]
        print(f"note: {', '.join(host)} compiles for this machine's own CPU ({info['cpu']}"
              f"{', with ' + ', '.join(wide[:4]) + (' ...' if len(wide) > 4 else '') if wide else ''}"
              f"): not portable. Its modules load only on CPUs with every feature recorded "
              f"in the manifest; use llvm-cpu:x86-64-v3 (or llvm-cpu:aarch64) for bundles "
              f"that move.", file=stream, flush=True)


def _old_modules(out_dir: str, key: str = "modules"
                 ) -> List[Tuple[dict, bytes, Optional[bytes]]]:
    """The verified modules (manifest list ``key``) of an existing bundle, to keep when
    adding to it."""
    if not os.path.exists(os.path.join(out_dir, deploy.MANIFEST)):
        return []
    manifest = deploy.read_manifest(out_dir)
    parsed = deploy.parse_modules(manifest, out_dir, key)
    kept = []
    for m in manifest.get(key, []):
        try:
            with open(os.path.join(out_dir, m["file"]), "rb") as f:
                blob = f.read()
        except OSError as e:
            raise deploy.BundleIntegrityError(
                f"--add: {m['file']} of {out_dir} is unreadable ({e}); rebuild without --add."
            ) from None
        if hashlib.sha256(blob).hexdigest() != m["sha256"]:
            raise deploy.BundleIntegrityError(
                f"--add: {m['file']} of {out_dir} does not match its manifest sha256; rebuild "
                f"the bundle without --add.")
        try:
            with open(os.path.join(out_dir, m["stablehlo"]), "rb") as f:
                hlo = f.read()
        except (OSError, KeyError):
            hlo = None
        kept.append((m, blob, hlo))
    # An edited manifest (a spec changed after the build) is refused now, as the loader
    # would refuse the new bundle, not carried into it.
    deploy.check_specs(out_dir, parsed, {m["file"]: blob for m, blob, _ in kept},
                       kind="grad" if key == "grad_modules" else "forward")
    return kept


def _pair(entry: dict) -> Tuple[str, Optional[str], bool]:
    """The (configuration, target, backward?) a module, job, skip or failure entry is about:
    the spec where the entry records one (the label otherwise: bundles before this field)."""
    spec = entry.get("spec")
    what = json.dumps(spec, sort_keys=True) if spec else f"label:{entry.get('config')}"
    return what, entry.get("target"), bool(entry.get("grad") or entry.get("kind") == "grad")


def _check_cpu_rows(out_dir: str) -> None:
    """Refuse ``--add`` onto a bundle whose host-CPU (``target-cpu=host``) modules were
    compiled on a CPU with features this one lacks: the new manifest records this CPU's
    features for the row (``_target_info``), so the loader's check would then pass the old
    modules on CPUs that cannot run them (an illegal instruction). A bundle built on a CPU
    with a subset of this one's features is fine: this CPU's set covers both."""
    if not os.path.exists(os.path.join(out_dir, deploy.MANIFEST)):
        return
    manifest = deploy.read_manifest(out_dir)
    here = set(deploy.cpu_features())
    host = manifest.get("host") or {}
    for name in dict.fromkeys(m.get("target") for m in manifest.get("modules", [])
                              + manifest.get("grad_modules", [])):
        info = (manifest.get("targets") or {}).get(name) or {}
        row = _targets.TARGETS.get(name)
        flags = [f for m in manifest.get("modules", []) + manifest.get("grad_modules", [])
                 if m.get("target") == name for f in m.get("flags", ())]
        if not (deploy._host_specific(flags) or info.get("portable") is False or (
                row is not None and deploy._host_specific(row.flags))):
            continue
        recorded = info.get("cpu_features")
        lacks = sorted(set(recorded or ()) - here)
        other_machine = host.get("machine") not in (None, platform.machine())
        if recorded is None or lacks or other_machine:
            why = (f"features this CPU lacks: {', '.join(lacks)}" if lacks else
                   f"a {host.get('machine')} machine" if other_machine else
                   "features it did not record")
            raise deploy.BundleError(
                f"--add: the {name} modules of {out_dir} were compiled for the build "
                f"machine's own CPU ({host.get('cpu', '?')}), with {why}. Adding to the bundle "
                f"here would record this CPU's features for them, and the loader would then "
                f"run them on CPUs that cannot (an illegal instruction). Build the bundle anew "
                f"without --add (on one machine), or use a portable row instead of {name}: "
                f"--targets llvm-cpu:x86-64-v3 (or llvm-cpu:aarch64).")


def _old_notes(out_dir: str) -> Dict[str, List[dict]]:
    """The failures and skips an existing bundle's manifest lists, kept by ``--add`` for the
    pairs the new build does not touch (the loader's "skipped when built" message reads them)."""
    if not os.path.exists(os.path.join(out_dir, deploy.MANIFEST)):
        return {}
    manifest = deploy.read_manifest(out_dir)
    return {key: list(manifest.get(key, [])) for key in ("failures", "skipped")}
