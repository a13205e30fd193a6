#!/usr/bin/env python3
"""The CUDA check on a lent NVIDIA GPU: correctness matrix and benchmark vs PyTorch.

Two steps, so that the GPU machine installs nothing from the network:

  here:   python build_tools/device_cuda.py prepare
          builds .device/bundle (build_tools/device_cuda.toml x cuda:sm_90, cuda:sm_80) with
          `iree-gn build`, and copies the iree-base-runtime wheel for Python 3.12 to .device/whl
  there:  python3 build_tools/device_cuda.py run --out $OUT
          (after `pip install --target /tmp/site .device/whl/*.whl`; see device_cuda.sh)

`run` loads the bundle with iree_gn.deploy (runtime only: no JAX, no compiler), checks every
configuration against the float64 NumPy reference (tests/reference.py) on fresh random inputs,
including |mean| >> std, runs the sm_80 PTX modules too (JIT-compiled by the driver for the
GPU present), then times the "bench-*" configurations device-resident (inputs uploaded once,
IREE invoke per call, which waits for the GPU) against torch.nn.functional.group_norm on the
same GPU (CUDA events), and reports GB/s (input read + output write) against the GPU's
measured device-to-device copy bandwidth. Results: $OUT/cuda_results.json and .md.

The hand-written GPU kernels (iree_gn/_gpu_kernels/, issue 10) get their own matrix, built
by `prepare` into .device/kernels (kernels.json lists each module's spec, formulation, role):
"check" modules (every kernel variant: layouts, ranks, dtypes, activations, one-pass,
groups 1 and C, odd sizes, a dynamic batch run at 1/3/7) are compared with the float64
reference; "bench" modules (16x128x128x320, 8x56x56x256, 2x64x64x320, 2x32x32x640,
2x16x16x1280 in NHWC and NCHW; float32, float16, bfloat16; SiLU fused) are timed
device-resident against torch F.group_norm on NCHW and channels_last inputs (plus F.silu
where fused), with the old "split" formulation as IREE's own baseline, and reported as a
fraction of the measured copy bandwidth (bytes of x read once and y written once).
`prepare --dry-run` builds the same matrix for vulkan:llvmpipe at small sizes into
.device/dry, and `run --target vulkan:llvmpipe --kernels .device/dry/kernels --skip-bundle`
exercises the whole run path here on Mesa lavapipe.
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import math
import shutil
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, os.path.join(REPO, "tests"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
# The CPU benchmark's shared parts: inputs, the reference check, timing, tables (NumPy and
# the float64 reference only: they import on the runtime-only GPU machine).
from bench import cases, device, harness, report  # noqa: E402
DEVICE_DIR = os.path.join(REPO, ".device")
BUNDLE = os.path.join(DEVICE_DIR, "bundle")
CONFIG = os.path.join(REPO, "build_tools", "device_cuda.toml")
TARGETS = ("cuda:sm_90", "cuda:sm_80")


# ---- the GPU kernel matrix (issue 10) ---------------------------------------------------
KERNEL_TARGET = "cuda:sm_90"
# NHWC dims of the timed shapes; each is also run as NCHW.
BENCH_SHAPES = [(16, 128, 128, 320), (8, 56, 56, 256), (2, 64, 64, 320), (2, 32, 32, 640),
                (2, 16, 16, 1280)]
DRY_BENCH_SHAPES = [(2, 16, 16, 320), (1, 8, 8, 256)]
# (dtype, activation) of each timed module; "split" = the old IREE-codegen formulation.
BENCH_VARIANTS = [("float32", None), ("float16", None), ("bfloat16", None),
                  ("float32", "silu"), ("float16", "silu")]


def _gn_spec(shape, layout, dtype="float32", groups=32, **kw):
    from iree_gn._spec import GroupNormSpec

    n = len(shape)
    ca, red = (-1, tuple(range(1, n - 1))) if layout == "nhwc" else (1, tuple(range(2, n)))
    return GroupNormSpec.create(shape, dtype, groups=groups, channels_axis=ca,
                                reduction_axes=red, **kw)


def _nchw(shape):
    return (shape[0], shape[-1]) + tuple(shape[1:-1])


def kernel_matrix(dry: bool = False):
    """[(role, spec, formulation, run shapes)] of the kernel check; formulation None is the
    row's own, "tiles" the row's three tiled dispatches (where it would take one)."""
    out = []
    checks = [  # (shape, layout, groups, dtype, options): the lavapipe CI cases and more
        ((2, 8, 8, 64), "nhwc", 8, "float32", {}),
        ((2, 64, 8, 8), "nchw", 8, "float32", {}),
        ((2, 4, 6, 6, 32), "nhwc", 8, "float32", {"activation": "gelu"}),
        ((2, 32, 4, 6, 6), "nchw", 8, "float32", {"activation": "gelu_tanh"}),
        ((4, 64), "nhwc", 16, "float32", {}),
        ((3, 5, 7), "nchw", 5, "float32", {}),
        ((3, 7, 5, 15), "nhwc", 3, "float32", {"activation": "relu"}),
        ((2, 9, 11, 6), "nhwc", 6, "float32", {}),
        ((2, 6, 9, 11), "nchw", 1, "float32", {}),
        ((2, 8, 8, 64), "nhwc", 32, "float16", {"activation": "silu"}),
        ((2, 8, 8, 128), "nhwc", 16, "float16", {"activation": "elu"}),
        ((2, 64, 8, 8), "nchw", 32, "bfloat16", {"activation": "sigmoid"}),
        ((2, 96, 5, 5), "nchw", 4, "float16", {"activation": "tanh"}),
        ((2, 8, 8, 64), "nhwc", 8, "float32", {"mean_close_to_zero": True,
                                               "activation": "relu6"}),
        ((2, 64, 8, 8), "nchw", 8, "float32", {"mean_close_to_zero": True,
                                               "activation": "leaky_relu"}),
        ((2, 8, 8, 64), "nhwc", 8, "float32", {"center": False}),
        ((2, 64, 8, 8), "nchw", 8, "float32", {"scale": False}),
        ((1, 40, 40, 320), "nhwc", 32, "float32", {}),
        ((1, 320, 40, 40), "nchw", 32, "float32", {}),
    ]
    for shape, layout, g, dt, kw in checks:
        # the row's own form (one dispatch for these small inputs), and the tiled three
        out.append(("check", _gn_spec(shape, layout, dt, g, **kw), None, [shape]))
        out.append(("check", _gn_spec(shape, layout, dt, g, **kw), "tiles", [shape]))
    for layout, dt, act in (("nhwc", "float32", None), ("nchw", "float16", "silu")):
        shape = (None, 8, 8, 64) if layout == "nhwc" else (None, 64, 8, 8)
        runs = [(n,) + shape[1:] for n in (1, 3, 7)]
        out.append(("check", _gn_spec(shape, layout, dt, 8, activation=act), None, runs))
    for nhwc in (DRY_BENCH_SHAPES if dry else BENCH_SHAPES):
        for layout in ("nhwc", "nchw"):
            shape = nhwc if layout == "nhwc" else _nchw(nhwc)
            for dt, act in BENCH_VARIANTS:
                out.append(("bench", _gn_spec(shape, layout, dt, activation=act), None, [shape]))
            out.append(("bench", _gn_spec(shape, layout), "split", [shape]))
    return out


def build_kernels(target_name: str, folder: str, dry: bool = False) -> int:
    """Compile kernel_matrix() for ``target_name`` into ``folder`` with kernels.json."""
    from iree_gn import _targets
    from iree_gn._compiler import compile_text
    from iree_gn._export import stablehlo_text

    t = _targets.get(target_name)
    if os.path.exists(folder):
        shutil.rmtree(folder)
    os.makedirs(folder)
    manifest, failed = [], 0
    seen = set()
    for i, (role, spec, form, runs) in enumerate(kernel_matrix(dry)):
        own = t.formulation_for(spec)
        form = own.replace("-small", "") if form == "tiles" else (form or own)
        if (spec, form) in seen:
            continue
        seen.add((spec, form))
        try:
            data = compile_text(t.prepare(stablehlo_text(spec, form)), t, spec.dtype)
        except Exception as e:  # keep going: one failure must not cost the device run
            print(f"FAILED {spec.short_name()} {form}: {e}", file=sys.stderr)
            failed += 1
            continue
        name = f"k{i:03d}-{spec.short_name().replace('N', 'dyn')}-{form}.vmfb"
        with open(os.path.join(folder, name), "wb") as f:
            f.write(data)
        manifest.append({"file": name, "role": role, "spec": spec.to_json(),
                         "formulation": form, "runs": [list(r) for r in runs],
                         "target": t.name})
    with open(os.path.join(folder, "kernels.json"), "w") as f:
        json.dump(manifest, f, indent=1)
    print(f"kernels: {len(manifest)} modules for {t.name} in {folder} ({failed} failed)")
    return 1 if failed else 0


def prepare(args) -> int:
    os.makedirs(DEVICE_DIR, exist_ok=True)
    if getattr(args, "dry_run", False):
        return build_kernels("vulkan:llvmpipe", os.path.join(DEVICE_DIR, "dry", "kernels"),
                             dry=True)
    rc = build_kernels(KERNEL_TARGET, os.path.join(DEVICE_DIR, "kernels"))
    if rc:
        return rc
    if os.path.exists(BUNDLE):
        shutil.rmtree(BUNDLE)
    rc = subprocess.call([sys.executable, "-m", "iree_gn.cli", "build", CONFIG, "-o", BUNDLE,
                          "--targets", ",".join(TARGETS)], cwd=REPO)
    if rc:
        return rc
    whl = os.path.join(DEVICE_DIR, "whl")
    os.makedirs(whl, exist_ok=True)
    if not glob.glob(os.path.join(whl, "iree_base_runtime-*cp312*.whl")):
        subprocess.check_call([
            sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
            "--python-version", "3.12", "--implementation", "cp", "--platform",
            "manylinux_2_28_x86_64", "-d", whl, "iree-base-runtime==3.13.0"])
    print(f"ready: {BUNDLE} and {whl}")
    return 0


# ---- on the GPU machine ----------------------------------------------------------------------
# Inputs, the reference check, the timing loop and the tables are the CPU benchmark's
# (build_tools/bench/: cases, harness, report), device-resident invokes and CUDA-event
# timing are bench/device.py (shared with device_cuda_lavapipe.py); torch on the GPU is here.
def _inputs(rng, spec, shape, mean=0.0):
    return cases.random_inputs(rng, shape, spec.channels_axis, spec.dtype, mean=mean,
                               std=2.0, spread=0.3)


def _check(gn_call, spec, rng, shape, mean, log):
    from reference import ref_group_norm, to_f64

    x, g, b = _inputs(rng, spec, shape, mean)
    y = gn_call(x, g if spec.scale else None, b if spec.center else None)
    ref = ref_group_norm(x, spec.groups, spec.channels_axis, spec.reduction_axes,
                         g if spec.scale else None, b if spec.center else None, spec.epsilon,
                         spec.activation, one_pass=spec.mean_close_to_zero)
    # At mean 1e4 the float32 input is only known to ~5e-4 (half an ulp): allow that.
    res = cases.check_forward(ref, spec.dtype, slack=2e-3 if mean else 0.0)(to_f64(y))
    ok = res["status"] == "ok"
    log(f"  {'ok  ' if ok else 'FAIL'} {spec.short_name():42s} shape={shape} mean={mean:g} "
        f"max|err|={res['max_abs_err']:.2e} (bound {res['bound']:.1e})")
    return {"spec": spec.short_name(), "shape": list(shape), "mean": mean,
            "max_abs_err": res["max_abs_err"], "bound": res["bound"], "ok": ok}


def _ms(fn, n, warm=5, timer=harness.wall_time):
    """(median, min, max) ms of ``n`` calls of ``fn`` after ``warm`` calls."""
    budget = harness.Budget(repeats=n, seconds=math.inf, min_repeats=n, warmup_calls=warm,
                            warmup_seconds=0.0)
    s = harness.summarize(harness.measure(fn, budget, timer))
    return s["median_s"] * 1e3, s["min_s"] * 1e3, s["max_s"] * 1e3


def _torch_cuda() -> bool:
    try:
        import torch
        return bool(torch.cuda.is_available())
    except ImportError:
        return False


def _copy_bandwidth(tgt, log):
    """The GPU's device-to-device copy rate (GB/s counting bytes read and written)."""
    if tgt.driver != "cuda" or not _torch_cuda():
        return None
    import torch

    big = torch.empty(1 << 28, dtype=torch.float32, device="cuda")  # 1 GiB
    dst = torch.empty_like(big)
    t, _, _ = _ms(lambda: dst.copy_(big), 20, warm=10, timer=device.cuda_event_time)
    bw = 2 * big.numel() * 4 / (t * 1e-3) / 1e9
    del big, dst
    log(f"device-to-device copy: {bw:.0f} GB/s (read + write)")
    return bw


def _torch_times(spec, x, g, b, n):
    """Median ms of torch F.group_norm (+ F.silu) on NCHW and channels_last inputs of x's
    values (CUDA events), and the wall time of call + synchronize (like for like with
    IREE's blocking invoke)."""
    import numpy as np
    import torch
    import torch.nn.functional as F

    tdt = {"float32": torch.float32, "float16": torch.float16,
           "bfloat16": torch.bfloat16}[spec.dtype]
    xs = np.asarray(x, np.float32)
    if spec.channels_axis != 1:
        xs = np.moveaxis(xs, -1, 1)
    xt = torch.from_numpy(np.ascontiguousarray(xs)).to("cuda").to(tdt)
    gt = torch.from_numpy(np.asarray(g, np.float32)).to("cuda").to(tdt)
    bt = torch.from_numpy(np.asarray(b, np.float32)).to("cuda").to(tdt)
    xcl = xt.to(memory_format=torch.channels_last) if xt.dim() == 4 else xt
    act = F.silu if spec.activation == "silu" else (lambda v: v)

    def gn(v):
        return act(F.group_norm(v, spec.groups, gt, bt, spec.epsilon))

    tn = _ms(lambda: gn(xt), n, warm=10, timer=device.cuda_event_time)
    tc = _ms(lambda: gn(xcl), n, warm=10, timer=device.cuda_event_time)
    tw = _ms(lambda: (gn(xt), torch.cuda.synchronize()), n)
    del xt, xcl
    return {"torch_nchw_ms": tn[0], "torch_cl_ms": tc[0], "torch_nchw_wall_ms": tw[0]}


def _add_torch(row, torch_row, nbytes):
    """``row`` (an IREE timing) with torch's times and the ratios to them."""
    row.update(torch_row)
    best = min(row["torch_nchw_ms"], row["torch_cl_ms"])
    row.update(torch_GBps=nbytes / (best * 1e-3) / 1e9,
               ratio_iree_over_torch=row["iree_ms"] / best,
               ratio_wall=row["iree_ms"] / row["torch_nchw_wall_ms"])


def _call(bo):
    """``gn_call(x, g, b)`` for ``_check``: None for a parameter the spec has not."""
    return lambda x, g, b: bo(*[a for a in (x, g, b) if a is not None])


def _iree_row(lm, dev, spec, x, g, b, n, bw):
    """Device-resident median ms of the bound module ``lm`` on (x, g, b): inputs uploaded
    once, one blocking IREE invoke per call; GB/s counts x read once and y written once."""
    med, lo, _ = _ms(device.resident_call(lm, dev, spec.dtype, (x, g, b)), n)
    row = {"spec": spec.short_name(), "MB": x.nbytes / 1e6, "iree_ms": med,
           "iree_min_ms": lo, "iree_GBps": 2 * x.nbytes / (med * 1e-3) / 1e9}
    if bw:
        row["iree_pct_bw"] = 100 * row["iree_GBps"] / bw
    return row


def _log_row(log, row):
    log("  " + json.dumps({k: (round(v, 4) if isinstance(v, float) else v)
                           for k, v in row.items()}))


def run_kernels(folder, tgt, rng, bw, res, log) -> None:
    """The GPU kernel matrix: every "check" module against the float64 reference; every
    "bench" module timed device-resident (and torch on the same GPU, and IREE's old "split"
    formulation), as a fraction of the copy bandwidth."""
    import numpy as np

    from iree_gn import _runtime
    from iree_gn._spec import GroupNormSpec

    with open(os.path.join(folder, "kernels.json")) as f:
        manifest = json.load(f)
    dev = _runtime.Device.get(tgt.driver)
    res["kernel_checks"], res["kernel_bench"] = [], []
    log(f"== GPU kernels ({len(manifest)} modules): correctness vs the float64 reference ==")
    loaded = {}

    def load(m):
        if m["file"] not in loaded:
            with open(os.path.join(folder, m["file"]), "rb") as fh:
                loaded[m["file"]] = device.bind(fh.read(), GroupNormSpec.from_json(m["spec"]),
                                                tgt)
        return loaded[m["file"]]

    for m in manifest:
        spec = GroupNormSpec.from_json(m["spec"])
        big = int(np.prod([d or 1 for d in spec.shape])) > (1 << 23)
        if m["role"] == "bench" and big and (spec.dtype != "float32" or spec.activation
                                             or m["formulation"] == "split"):
            continue  # the float64 reference of the largest shapes takes long on the CPU
        call = _call(load(m))
        for shape in m["runs"]:
            means = [0.0, 1e4] if spec.dtype == "float32" and not spec.mean_close_to_zero \
                and not big else [0.0]
            for mean in means:
                row = _check(call, spec, rng, tuple(shape), mean, log)
                row["formulation"] = m["formulation"]
                res["kernel_checks"].append(row)
    log("== GPU kernels: device-resident median ms (torch: CUDA events; wall: call + sync) ==")
    have_torch = tgt.driver == "cuda" and _torch_cuda()
    torch_cache = {}
    t_start = time.time()
    for m in manifest:
        if m["role"] != "bench":
            continue
        if time.time() - t_start > res.get("max_seconds", 240):
            log("  (time budget spent: the remaining modules were not timed)")
            break
        spec = GroupNormSpec.from_json(m["spec"])
        x, g, b = _inputs(rng, spec, spec.shape)
        n = 50 if x.nbytes < (1 << 26) else 20
        row = _iree_row(load(m), dev, spec, x, g, b, n, bw)
        row["formulation"] = m["formulation"]
        key = (tuple(spec.shape) if spec.channels_axis == 1 else
               (spec.shape[0], spec.shape[-1]) + tuple(spec.shape[1:-1]), spec.dtype,
               spec.activation)
        if have_torch:
            if key not in torch_cache:
                torch_cache[key] = _torch_times(spec, x, g, b, n)
            _add_torch(row, torch_cache[key], 2 * x.nbytes)
        res["kernel_bench"].append(row)
        _log_row(log, row)
    loaded.clear()


def _bundle_checks(gn, tgt, rng, res, log) -> None:
    """Every module of the bundle for this target against the float64 reference."""
    import numpy as np

    log("== correctness (float64 NumPy reference, fresh random inputs) ==")
    for mod in gn.modules:
        if mod.target != tgt.name:
            continue
        spec = mod.spec
        shape = tuple(3 if d is None else d for d in spec.shape)
        call = lambda x, g, b, s=spec: gn.group_norm(  # noqa: E731
            x, g, b, activation=s.activation, mean_close_to_zero=s.mean_close_to_zero,
            groups=s.groups, center=s.center, scale=s.scale)
        means = [0.0] if spec.mean_close_to_zero or spec.dtype != "float32" else [0.0, 1e4]
        if int(np.prod(shape)) > (1 << 24):
            means = [0.0]  # the float64 reference of the largest shape takes long on the CPU
            if res.get("kernel_checks"):
                continue  # the kernel section checked these shapes already
        for mean in means:
            res["checks"].append(_check(call, spec, rng, shape, mean, log))


def _ptx_checks(gn, tgt, bundle, rng, res, log) -> None:
    """The sm_80 PTX modules, JIT-compiled by the driver for the GPU present."""
    import numpy as np

    log("== sm_80 PTX, JIT-compiled by the driver for this GPU ==")
    for mod in gn.modules:
        spec = mod.spec
        if tgt.driver != "cuda" or mod.target != "cuda:sm_80" or spec.dtype != "float32" \
                or not spec.is_static or int(np.prod(spec.shape)) > (1 << 22):
            continue
        with open(os.path.join(bundle, mod.file), "rb") as f:
            call = _call(device.bind(f.read(), spec, tgt))
        res["ptx_jit_sm80"].append(_check(call, spec, rng, spec.shape, 0.0, log))


def _bundle_bench(gn, tgt, dev, bundle, rng, bw, res, log) -> None:
    """The bench-* configurations (the static ones of 1M elements or more), unless the
    kernel section timed the same modules."""
    import numpy as np

    log("== benchmark: device-resident, median ms ==")
    if res.get("kernel_bench"):
        return
    have_torch = tgt.driver == "cuda" and _torch_cuda()
    for mod in gn.modules:
        spec = mod.spec
        if mod.target != tgt.name or not spec.is_static or int(np.prod(spec.shape)) < (1 << 20):
            continue
        x, g, b = _inputs(rng, spec, spec.shape)
        with open(os.path.join(bundle, mod.file), "rb") as f:
            lm = device.bind(f.read(), spec, tgt)
        n = 50 if x.nbytes < (1 << 28) else 20
        row = _iree_row(lm, dev, spec, x, g, b, n, bw)
        if have_torch and spec.dtype in ("float32", "float16"):
            _add_torch(row, _torch_times(spec, x, g, b, n), 2 * x.nbytes)
        res["bench"].append(row)
        _log_row(log, row)


def _variants(vdir, tgt, dev, rng, bw, res, log) -> None:
    """Formulation/flag variants (build_tools/device_cuda_variants.py), checked and timed
    the same way."""
    import numpy as np

    from iree_gn._spec import GroupNormSpec

    res["variants"] = []
    if tgt.driver != "cuda" or not os.path.exists(os.path.join(vdir, "variants.json")):
        return
    log("== variants: correctness and device-resident median ms ==")
    with open(os.path.join(vdir, "variants.json")) as f:
        variants = json.load(f)
    for v in variants:
        spec = GroupNormSpec.from_json(v["spec"])
        with open(os.path.join(vdir, v["file"]), "rb") as f:
            lm = device.bind(f.read(), spec, tgt)
        means = [0.0, 1e4] if spec.dtype == "float32" and np.prod(spec.shape) < (1 << 24) \
            else [0.0]
        checks = [_check(_call(lm), spec, rng, spec.shape, m, log) for m in means]
        res["checks"] += checks
        x, g, b = _inputs(rng, spec, spec.shape)
        row = {"variant": v["variant"], "ok": all(c["ok"] for c in checks)}
        row.update(_iree_row(lm, dev, spec, x, g, b, 30, bw))
        res["variants"].append(row)
        _log_row(log, row)


def run(args) -> int:
    import numpy as np

    from iree_gn import _runtime, _targets
    from iree_gn.deploy import load_bundle

    os.makedirs(args.out, exist_ok=True)
    lines = []

    def log(s):
        print(s, flush=True)
        lines.append(s)

    res = {"env": {}, "checks": [], "ptx_jit_sm80": [], "bench": [],
           "max_seconds": args.max_seconds}
    smi = shutil.which("nvidia-smi")
    if smi:
        res["env"]["nvidia-smi"] = subprocess.run(
            [smi, "--query-gpu=name,compute_cap,memory.total,driver_version,clocks.max.mem",
             "--format=csv,noheader"], capture_output=True, text=True).stdout.strip()
    log(f"GPU: {res['env'].get('nvidia-smi')}")
    tgt = _targets.resolve(args.target)
    log(f"target {args.target!r} resolves to {tgt.name}")
    rng = np.random.default_rng(int(time.time()))
    bw = _copy_bandwidth(tgt, log)
    res["copy_GBps"] = bw
    if args.kernels and os.path.exists(os.path.join(args.kernels, "kernels.json")):
        run_kernels(args.kernels, tgt, rng, bw, res, log)
        _save(args, res, lines)  # kept if the bundle section below runs out of time
    if args.skip_bundle:
        return _finish(args, res, lines, log)
    gn = load_bundle(args.bundle, device=tgt.name)
    log(f"bundle: {gn}")
    dev = _runtime.Device.get(tgt.driver)
    _bundle_checks(gn, tgt, rng, res, log)
    _ptx_checks(gn, tgt, args.bundle, rng, res, log)
    _bundle_bench(gn, tgt, dev, args.bundle, rng, bw, res, log)
    _variants(os.path.join(os.path.dirname(args.bundle), "variants"), tgt, dev, rng, bw, res,
              log)
    return _finish(args, res, lines, log)


def _finish(args, res, lines, log) -> int:
    n_bad = sum(not c["ok"] for c in res["checks"] + res["ptx_jit_sm80"] +
                res.get("kernel_checks", []))
    n_all = len(res["checks"]) + len(res["ptx_jit_sm80"]) + len(res.get("kernel_checks", []))
    res["failures"] = n_bad
    _save(args, res, lines)
    log(f"== {n_all - n_bad} passed, {n_bad} failed ==")
    return 1 if n_bad else 0


def _save(args, res, lines) -> None:
    lines = list(lines)
    if res.get("kernel_bench"):
        def cell(r, k, fmt="{:.3f}"):
            return fmt.format(r[k]) if k in r else "-"

        lines += [""] + report.md_table(
            ["module", "formulation", "MB", "iree ms", "torch NCHW ms", "torch CL ms",
             "iree/torch", "% copy bw"],
            [[r["spec"], r["formulation"], f"{r['MB']:.1f}", cell(r, "iree_ms"),
              cell(r, "torch_nchw_ms"), cell(r, "torch_cl_ms"),
              cell(r, "ratio_iree_over_torch", "{:.2f}"), cell(r, "iree_pct_bw", "{:.0f}")]
             for r in res["kernel_bench"]])
    with open(os.path.join(args.out, "cuda_results.json"), "w") as f:
        json.dump(res, f, indent=1)
    with open(os.path.join(args.out, "cuda_results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    pp = sub.add_parser("prepare")
    pp.add_argument("--dry-run", action="store_true",
                    help="build the kernel matrix for vulkan:llvmpipe at small sizes instead")
    r = sub.add_parser("run")
    r.add_argument("--out", default=os.environ.get("OUT", os.path.join(DEVICE_DIR, "out")))
    r.add_argument("--target", default="cuda", help="what to check (llvm-cpu: the CPU dry run)")
    r.add_argument("--bundle", default=BUNDLE)
    r.add_argument("--kernels", default=os.path.join(DEVICE_DIR, "kernels"),
                   help="the GPU kernel matrix built by prepare")
    r.add_argument("--skip-bundle", action="store_true", help="only the kernel matrix")
    r.add_argument("--max-seconds", type=float, default=240.0,
                   help="stop timing new modules after this long (the lease is short)")
    a = p.parse_args()
    return {"prepare": prepare, "run": run}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
