"""Subcommands for AOT bundles: ``build`` (``_bundle``), ``run`` and ``inspect`` (``deploy``).

``run`` and ``inspect`` import only the runtime side, so they work where JAX and the IREE
compiler are not installed.
"""

from __future__ import annotations

import json
import os
import sys

from ._cli_errors import EXIT_OK, CommandFailed


def _failed(msg: str) -> CommandFailed:
    return CommandFailed(msg)


# ---- build --------------------------------------------------------------------------------------
def _build_args(p) -> None:
    p.add_argument("config", nargs="?", help="TOML or JSON file of configurations")
    p.add_argument("-o", "--output", required=True, help="the bundle folder to write")
    p.add_argument("--targets", default=None,
                   help="comma-separated targets or families (default: the CONFIG's "
                        "top-level targets, else llvm-cpu); an entry with its own `targets` "
                        "key is built for those only, whatever this says")
    p.add_argument("--from-mlir", action="append", default=[], metavar="PATH",
                   help="compile StableHLO files (with .json sidecars) from a folder or file; "
                        "needs no JAX")
    p.add_argument("--spec", action="append", default=[], metavar="JSON",
                   help="one configuration as JSON (the CONFIG entry keys)")
    p.add_argument("--add", action="store_true",
                   help="keep the modules of an existing bundle at -o (unless rebuilt)")
    p.add_argument("-j", "--jobs", type=_positive_int, default=None,
                   help="worker processes (default: the number of CPUs this process may run on)")


def _build(args) -> int:
    from . import _bundle

    items, default_targets = [], None
    if args.config:
        items, default_targets = _bundle.items_from_config(args.config)
    for path in args.from_mlir:
        items += _bundle.items_from_mlir(path)
    for text in args.spec:
        items.append(_bundle.item_from_json(text))
    if not items:
        raise ValueError("nothing to build: give a CONFIG file, --from-mlir PATH or --spec JSON.")
    if args.targets is not None:
        targets = [t.strip() for t in args.targets.split(",") if t.strip()]
        if not targets:
            raise ValueError(f"--targets {args.targets!r} names no target: give one or more, "
                             f"comma-separated (e.g. llvm-cpu,vulkan), or leave it out.")
    else:
        targets = default_targets or ("llvm-cpu",)
    result = _bundle.build(items, targets, args.output, jobs=args.jobs, add=args.add,
                           command=["iree-gn", "build", *sys.argv[2:]]
                           if sys.argv[1:2] == ["build"] else None)
    n_ok, n_bad = len(result.modules), len(result.failures)
    if result.path is None:
        raise _failed(f"no module was built ({n_bad} failure(s), listed above); nothing was "
                      f"written to {args.output}.")
    n_skip = len(result.skipped)
    print(f"wrote {result.path}: {n_ok} module(s)" + (f", {n_bad} failed" if n_bad else "")
          + (f", {n_skip} skipped (a target that cannot serve the configuration; listed "
             f"above and in the manifest)" if n_skip else ""))
    if n_bad:
        raise _failed(f"{n_bad} module(s) failed (listed above); the bundle holds the "
                      f"{n_ok} that built.")
    return EXIT_OK


# ---- run ----------------------------------------------------------------------------------------
def _run_args(p) -> None:
    p.add_argument("bundle", help="a bundle folder written by `iree-gn build`")
    p.add_argument("--input", required=True,
                   help="x as a .npy file (bfloat16: as np.save writes it, 2-byte void)")
    p.add_argument("--gamma", help="gamma [C] as .npy (default: ones)")
    p.add_argument("--beta", help="beta [C] as .npy (default: zeros)")
    p.add_argument("--target", "--device", dest="target", default="auto",
                   help="auto (default), a target row in the bundle, a family (llvm-cpu, "
                        "vulkan, cuda, rocm) or a driver the manifest records (local-task, "
                        "vulkan, cuda, hip); not local-sync: CPU rows pick local-sync or "
                        "local-task per call by size")
    p.add_argument("--groups", type=int, default=None,
                   help="pick the configuration with this many groups")
    p.add_argument("--activation", default=None,
                   help="pick the configuration with this activation ('none' for none)")
    p.add_argument("--layout", default=None,
                   help="pick the configuration of this layout, one letter per axis "
                        "(NHWC, NCHW...): tells same-shape layouts apart")
    p.add_argument("--channels-axis", type=int, default=None,
                   help="pick the configuration with this channel axis")
    p.add_argument("--reduction-axes", default=None, metavar="A,B",
                   help="pick the configuration with these reduction axes ('' for none)")
    p.add_argument("--epsilon", type=float, default=None,
                   help="pick the configuration with this epsilon")
    p.add_argument("-o", "--output", required=True, help="where to write y (.npy)")


def _positive_int(text: str) -> int:
    import argparse

    try:
        n = int(text)
    except ValueError:
        n = 0
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return n


def _load_npy(path: str, what: str):
    import numpy as np

    try:
        with open(path, "rb") as f:
            magic = f.read(6)
            # (np.load takes .npz archives and pickles too, and names allow_pickle for text)
            if magic != b"\x93NUMPY":
                kind = ("an .npz archive: save each array with np.save" if magic[:2] == b"PK"
                        else "it does not start with the .npy header")
                raise ValueError(f"{what} {path!r} is not a .npy file ({kind}).")
            f.seek(0)
            a = np.load(f, allow_pickle=False)
    except FileNotFoundError:
        raise FileNotFoundError(f"{what} {path!r}: no such file.") from None
    except IsADirectoryError:
        raise ValueError(f"{what} {path!r} is a folder, not a .npy file.") from None
    except (OSError, ValueError) as e:
        if str(e).startswith(what):
            raise
        raise ValueError(f"{what} {path!r} is not a readable .npy file: {e}") from None
    if a.dtype.kind == "V" and a.dtype.itemsize == 2 and a.dtype.fields is None:
        # np.save writes an ml_dtypes bfloat16 array as 2-byte void ('|V2'), the only
        # 2-byte type a .npy cannot name: read it back as bfloat16.
        from ._runtime import BFLOAT16

        a = a.view(BFLOAT16)
    return a


def _run(args) -> int:
    import numpy as np

    from . import _runtime, deploy

    if os.path.isdir(args.output):  # refused before the work, not after
        raise ValueError(f"-o {args.output!r} is a folder; give the .npy file to write.")
    x = _load_npy(args.input, "--input")
    gamma = _load_npy(args.gamma, "--gamma") if args.gamma else None
    beta = _load_npy(args.beta, "--beta") if args.beta else None
    match = {k: getattr(args, k) for k in ("groups", "layout", "channels_axis", "epsilon")
             if getattr(args, k) is not None}
    if args.reduction_axes is not None:
        try:
            match["reduction_axes"] = tuple(int(a) for a in args.reduction_axes.split(",")
                                            if a.strip())
        except ValueError:
            raise ValueError(f"--reduction-axes {args.reduction_axes!r}: write axes as "
                             f"integers separated by commas, e.g. 2,3.") from None
    if args.activation is not None:
        match["activation"] = None if args.activation.lower() == "none" else args.activation
    try:
        bundle = deploy.load_bundle(args.bundle, device=args.target)
        mod = bundle.find(x.shape, x.dtype, **match)
        y = bundle.group_norm(x, gamma, beta, target=mod.target, **match)
    except _runtime.DeviceError as e:
        raise _failed(str(e)) from None
    except deploy.AmbiguousRequest as e:
        raise ValueError(f"{e}\nOn the command line: --layout, --channels-axis, "
                         f"--reduction-axes, --groups, --activation, --epsilon.") from None
    try:
        with open(args.output, "wb") as f:  # np.save on a path would append .npy
            np.save(f, y)
    except OSError as e:
        raise ValueError(f"-o {args.output!r}: cannot write it ({e.strerror}).") from None
    # (No driver named: a CPU row picks local-sync or local-task per call, or per block.)
    print(f"ran {mod.name} on {mod.target}: {x.shape} {x.dtype} -> {args.output}",
          file=sys.stderr)
    return EXIT_OK


# ---- inspect ------------------------------------------------------------------------------------
def _inspect_args(p) -> None:
    p.add_argument("bundle", help="a bundle folder written by `iree-gn build`")
    p.add_argument("--json", action="store_true", help="print a JSON report")


def _inspect(args) -> int:
    from . import deploy

    try:
        manifest = deploy.read_manifest(args.bundle)
        modules = deploy.parse_modules(manifest, args.bundle)
        grads = deploy.parse_modules(manifest, args.bundle, "grad_modules")
        if not modules:
            raise deploy.no_modules(args.bundle)
    except deploy.BundleError as e:
        # What the loader refuses, inspect refuses (exit 2); --json readers get it as JSON.
        if args.json:
            print(json.dumps({"path": args.bundle, "ok": False, "error": str(e)}, indent=1))
        raise
    bad = {}
    for kind, pool in (("forward", modules), ("grad", grads)):
        for i, m in enumerate(pool):
            try:
                deploy.check_specs(args.bundle, [m], deploy.check_files(args.bundle, [m]),
                                   kind)
            except deploy.BundleIntegrityError as e:
                # (per entry, not per file: an entry pointed at another's file is the bad
                # one, not the entry that owns the file)
                bad[kind, i] = str(e).splitlines()[1].strip()
    first = {m.target: m for m in reversed(modules)}
    fits = {t: deploy._runs_here(t, m.driver, m.flags, manifest) for t, m in first.items()}
    try:
        auto = deploy._choose_targets(args.bundle, modules, manifest, "auto")[0]
    except deploy.BundleError:
        auto = None
    report = {
        "path": args.bundle,
        "format_version": manifest["format_version"],
        "created": manifest.get("created"),
        "versions": manifest.get("versions", {}),
        "host": manifest.get("host", {}),
        "targets": {t: {"runs_here": ok, "why": why} for t, (ok, why) in fits.items()},
        "auto": auto,
        "modules": [_module_report(m, bad.get(("forward", i)))
                    for i, m in enumerate(modules)],
        "grad_modules": [_module_report(m, bad.get(("grad", i))) for i, m in enumerate(grads)],
        "failures": manifest.get("failures", []),
        "skipped": manifest.get("skipped", []),
    }
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print(_format(report))
    if bad:
        raise _failed(f"{len(bad)} module(s) of {args.bundle} fail the integrity check.")
    return EXIT_OK


def _module_report(m, problem) -> dict:
    return dict(name=m.name, file=m.file, target=m.target, driver=m.driver,
                spec=m.spec.to_json(), module_shape=list(m.module_shape), size=m.size,
                sha256=m.sha256, ok=problem is None, problem=problem)


def _format(r: dict) -> str:
    v = r["versions"]
    lines = [
        f"bundle {r['path']} (format {r['format_version']}, built {r['created']} by iree-gn "
        f"{v.get('iree-gn', '?')}, IREE {v.get('iree-base-compiler', '?')}, JAX "
        f"{v.get('jax', '?')}, on {r['host'].get('cpu') or r['host'].get('machine', '?')})",
        "targets:",
    ]
    for t, f in r["targets"].items():
        lines.append(f"  {t:20s} {'runs here' if f['runs_here'] else 'not here: ' + f['why']}")
    lines.append(f"device='auto' picks: {r['auto'] or 'nothing (no target runs here)'}")
    for title, key in (("modules", "modules"), ("backward modules (vjp)", "grad_modules")):
        if key == "grad_modules" and not r[key]:
            continue
        lines.append(f"{title} ({len(r[key])}):")
        for m in r[key]:
            s = m["spec"]
            shape = "x".join("N" if d is None else str(d) for d in s["shape"])
            state = "ok" if m["ok"] else "BAD: " + m["problem"]
            lines.append(
                f"  {m['target']:20s} {shape:16s} {s['dtype']:8s} groups={s['groups']} "
                f"axis={s['channels_axis']} act={s['activation'] or 'none'} "
                f"eps={s['epsilon']:g}{' one-pass' if s['mean_close_to_zero'] else ''}"
                f"{'' if s['center'] else ' no-beta'}{'' if s['scale'] else ' no-gamma'}  "
                f"{m['size']} B  {state}")
    if r["skipped"]:
        lines.append(f"skipped when built ({len(r['skipped'])}):")
        for f in r["skipped"]:
            lines.append(f"  {f['config']} -> {f['target']}: {f['reason']}")
    if r["failures"]:
        lines.append(f"failed when built ({len(r['failures'])}):")
        for f in r["failures"]:
            lines.append(f"  {f['config']} -> {f.get('target') or '-'}: {f['error']}")
    return "\n".join(lines)


COMMANDS: dict = {
    "build": (_build, "compile configurations x targets into an AOT bundle", _build_args),
    "run": (_run, "run group norm from a bundle on .npy files (needs no JAX)", _run_args),
    "inspect": (_inspect, "show a bundle's modules, versions and which run here",
                _inspect_args),
}
