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
"""

from __future__ import annotations

import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
sys.path.insert(0, os.path.join(REPO, "tests"))
DEVICE_DIR = os.path.join(REPO, ".device")
BUNDLE = os.path.join(DEVICE_DIR, "bundle")
CONFIG = os.path.join(REPO, "build_tools", "device_cuda.toml")
TARGETS = ("cuda:sm_90", "cuda:sm_80")


def prepare(args) -> int:
    os.makedirs(DEVICE_DIR, exist_ok=True)
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
def _inputs(rng, spec, shape, mean=0.0):
    from iree_gn._runtime import numpy_dtype

    dt = numpy_dtype(spec.dtype)
    C = shape[spec.channels_axis]
    x = (mean + 2.0 * rng.standard_normal(shape)).astype(dt)
    g = (1 + 0.3 * rng.standard_normal(C)).astype(dt)
    b = (0.3 * rng.standard_normal(C)).astype(dt)
    return x, g, b


def _check(gn_call, spec, rng, shape, mean, log):
    import numpy as np
    from reference import TOL, ref_group_norm, to_f64

    x, g, b = _inputs(rng, spec, shape, mean)
    y = gn_call(x, g if spec.scale else None, b if spec.center else None)
    ref = ref_group_norm(x, spec.groups, spec.channels_axis, spec.reduction_axes,
                         g if spec.scale else None, b if spec.center else None, spec.epsilon,
                         spec.activation, one_pass=spec.mean_close_to_zero)
    err = float(np.abs(to_f64(y) - ref).max())
    tol = TOL[spec.dtype]
    # At mean 1e4 the float32 input is only known to ~5e-4 (half an ulp): allow that.
    bound = tol["atol"] + tol["rtol"] * float(np.abs(ref).max()) + (2e-3 if mean else 0)
    ok = bool(np.isfinite(err) and err <= bound)
    log(f"  {'ok  ' if ok else 'FAIL'} {spec.short_name():42s} shape={shape} mean={mean:g} "
        f"max|err|={err:.2e} (bound {bound:.1e})")
    return {"spec": spec.short_name(), "shape": list(shape), "mean": mean, "max_abs_err": err,
            "bound": bound, "ok": ok}


def _median_ms(fn, n, warm=5):
    for _ in range(warm):
        fn()
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t) * 1e3)
    return statistics.median(ts), min(ts), max(ts)


def _torch_ms(fn, n, warm=10):
    import torch

    for _ in range(warm):
        fn()
    torch.cuda.synchronize()
    ts = []
    for _ in range(n):
        a, b = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        a.record()
        fn()
        b.record()
        b.synchronize()
        ts.append(a.elapsed_time(b))
    return statistics.median(ts), min(ts), max(ts)


def run(args) -> int:
    import numpy as np

    from iree_gn import _runtime, _targets
    from iree_gn.deploy import load_bundle

    os.makedirs(args.out, exist_ok=True)
    lines = []

    def log(s):
        print(s, flush=True)
        lines.append(s)

    res = {"env": {}, "checks": [], "ptx_jit_sm80": [], "bench": []}
    smi = shutil.which("nvidia-smi")
    if smi:
        res["env"]["nvidia-smi"] = subprocess.run(
            [smi, "--query-gpu=name,compute_cap,memory.total,driver_version,clocks.max.mem",
             "--format=csv,noheader"], capture_output=True, text=True).stdout.strip()
    log(f"GPU: {res['env'].get('nvidia-smi')}")
    tgt = _targets.resolve(args.target)
    log(f"target {args.target!r} resolves to {tgt.name}")
    gn = load_bundle(args.bundle, device=tgt.name)
    log(f"bundle: {gn}")
    rng = np.random.default_rng(int(time.time()))

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
        for mean in means:
            res["checks"].append(_check(call, spec, rng, shape, mean, log))

    log("== sm_80 PTX, JIT-compiled by the driver for this GPU ==")
    dev = _runtime.Device.get(tgt.driver)
    for mod in gn.modules:
        if tgt.driver != "cuda" or mod.target != "cuda:sm_80" or mod.spec.dtype != "float32" or not mod.spec.is_static:
            continue
        if int(np.prod(mod.spec.shape)) > (1 << 22):
            continue
        with open(os.path.join(args.bundle, mod.file), "rb") as f:
            lm = _runtime.LoadedModule(f.read(), dev)
        spec = mod.spec

        def call(x, g, b, lm=lm, s=spec):
            return lm([a for a in (x, g, b) if a is not None], s.dtype)

        res["ptx_jit_sm80"].append(_check(call, spec, rng, spec.shape, 0.0, log))

    log("== benchmark: device-resident, median ms ==")
    try:
        import torch
        import torch.nn.functional as F
        have_torch = torch.cuda.is_available()
    except ImportError:
        have_torch = False
    bw = None
    if have_torch and tgt.driver == "cuda":
        big = torch.empty(1 << 28, dtype=torch.float32, device="cuda")  # 1 GiB
        dst = torch.empty_like(big)
        t, _, _ = _torch_ms(lambda: dst.copy_(big), 20)
        bw = 2 * big.numel() * 4 / (t * 1e-3) / 1e9
        del big, dst
        log(f"device-to-device copy: {bw:.0f} GB/s (read + write)")
    res["copy_GBps"] = bw
    import iree.runtime as rt

    for mod in gn.modules:
        spec = mod.spec
        # The bench-* configurations: the static ones of 1M elements or more.
        if mod.target != tgt.name or not spec.is_static or int(np.prod(spec.shape)) < (1 << 20):
            continue
        x, g, b = _inputs(rng, spec, spec.shape)
        with open(os.path.join(args.bundle, mod.file), "rb") as f:
            lm = _runtime.LoadedModule(f.read(), dev)
        argl = rt.VmVariantList(3)
        for a in (x, g, b):
            argl.push_ref(dev.to_device(a, spec.dtype))

        def iree_call(lm=lm, argl=argl):
            lm.context.invoke(lm.function, argl, rt.VmVariantList(1))

        n = 50 if x.nbytes < (1 << 28) else 20
        it = _median_ms(iree_call, n)
        nbytes = 2 * x.nbytes
        row = {"spec": spec.short_name(), "MB": x.nbytes / 1e6, "iree_ms": it[0],
               "iree_min_ms": it[1], "iree_GBps": nbytes / (it[0] * 1e-3) / 1e9}
        if have_torch and tgt.driver == "cuda" and spec.dtype in ("float32", "float16"):
            tdt = torch.float32 if spec.dtype == "float32" else torch.float16
            xt = torch.from_numpy(np.ascontiguousarray(np.moveaxis(x, -1, 1))).to("cuda", tdt)
            gt = torch.from_numpy(g).to("cuda", tdt)
            bt = torch.from_numpy(b).to("cuda", tdt)
            xcl = xt.to(memory_format=torch.channels_last)
            tn = _torch_ms(lambda: F.group_norm(xt, spec.groups, gt, bt, spec.epsilon), n)
            tc = _torch_ms(lambda: F.group_norm(xcl, spec.groups, gt, bt, spec.epsilon), n)
            # Like for like with IREE's blocking invoke: host wall time of call + synchronize.
            tw = _median_ms(lambda: (F.group_norm(xt, spec.groups, gt, bt, spec.epsilon),
                                     torch.cuda.synchronize()), n)
            best = min(tn[0], tc[0])
            row.update(torch_nchw_ms=tn[0], torch_cl_ms=tc[0], torch_nchw_wall_ms=tw[0],
                       torch_GBps=nbytes / (best * 1e-3) / 1e9,
                       ratio_iree_over_torch=it[0] / best)
        if bw:
            row["iree_pct_bw"] = 100 * row["iree_GBps"] / bw
        res["bench"].append(row)
        log("  " + json.dumps({k: (round(v, 4) if isinstance(v, float) else v)
                               for k, v in row.items()}))

    # Formulation/flag variants (build_tools/device_cuda_variants.py), timed the same way.
    vdir = os.path.join(os.path.dirname(args.bundle), "variants")
    res["variants"] = []
    if tgt.driver == "cuda" and os.path.exists(os.path.join(vdir, "variants.json")):
        log("== variants: correctness and device-resident median ms ==")
        from iree_gn._spec import GroupNormSpec

        for v in json.load(open(os.path.join(vdir, "variants.json"))):
            spec = GroupNormSpec.from_json(v["spec"])
            with open(os.path.join(vdir, v["file"]), "rb") as f:
                lm = _runtime.LoadedModule(f.read(), dev)

            def call(x, g, b, lm=lm, s=spec):
                return lm([a for a in (x, g, b) if a is not None], s.dtype)

            row = {"variant": v["variant"], "spec": spec.short_name()}
            means = [0.0, 1e4] if spec.dtype == "float32" and np.prod(spec.shape) < (1 << 24) \
                else [0.0]
            checks = [_check(call, spec, rng, spec.shape, m, log) for m in means]
            row["ok"] = all(c["ok"] for c in checks)
            res["checks"] += checks
            x, g, b = _inputs(rng, spec, spec.shape)
            argl = rt.VmVariantList(3)
            for a in (x, g, b):
                argl.push_ref(dev.to_device(a, spec.dtype))
            it = _median_ms(lambda: lm.context.invoke(lm.function, argl, rt.VmVariantList(1)),
                            30)
            row.update(iree_ms=it[0], iree_GBps=2 * x.nbytes / (it[0] * 1e-3) / 1e9)
            if bw:
                row["iree_pct_bw"] = 100 * row["iree_GBps"] / bw
            res["variants"].append(row)
            log("  " + json.dumps({k: (round(w, 4) if isinstance(w, float) else w)
                                   for k, w in row.items()}))

    n_bad = sum(not c["ok"] for c in res["checks"] + res["ptx_jit_sm80"])
    res["failures"] = n_bad
    with open(os.path.join(args.out, "cuda_results.json"), "w") as f:
        json.dump(res, f, indent=1)
    with open(os.path.join(args.out, "cuda_results.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    log(f"== {len(res['checks']) + len(res['ptx_jit_sm80']) - n_bad} passed, {n_bad} failed ==")
    return 1 if n_bad else 0


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("prepare")
    r = sub.add_parser("run")
    r.add_argument("--out", default=os.environ.get("OUT", os.path.join(DEVICE_DIR, "out")))
    r.add_argument("--target", default="cuda", help="what to check (llvm-cpu: the CPU dry run)")
    r.add_argument("--bundle", default=BUNDLE)
    a = p.parse_args()
    return {"prepare": prepare, "run": run}[a.cmd](a)


if __name__ == "__main__":
    sys.exit(main())
