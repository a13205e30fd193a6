#!/usr/bin/env python3
"""Regenerate mlir/: the exported StableHLO of the canonical group-norm configurations.

    python3 build_tools/gen_mlir.py            # rewrite mlir/
    python3 build_tools/gen_mlir.py --check    # exit 1 and list the files that drifted

Each configuration gives ``<name>.mlir`` (``_export.stablehlo_text`` with the llvm-cpu target's
formulation, without debug locations) and ``<name>.json`` (its spec and formulation), which
``iree-gn build --from-mlir mlir/`` compiles without JAX. tests/test_mlir_drift.py fails
when the files differ from a fresh export, so a JAX (or op) change that alters the IR is seen.

The configurations: Stable Diffusion UNet group norms (2x64x64x320, 2x32x32x640,
2x16x16x1280) and a ResNet-50 one (8x56x56x256), 32 groups, in NHWC and NCHW, float32 and
float16 (float16 computes its statistics in float32).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Dict, List, Optional, Tuple

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_DIR = os.path.join(REPO, "mlir")
if REPO not in sys.path:
    sys.path.insert(0, REPO)  # run from a checkout, without installing the package
# The CPU formulation: what `iree-gn build --from-mlir` compiles for llvm-cpu targets.
from iree_gn._targets import TARGETS as _TARGETS  # noqa: E402

CPU = _TARGETS["llvm-cpu"]

# name: (N, H, W, C)
SHAPES = {
    "sdunet-64": (2, 64, 64, 320),
    "sdunet-32": (2, 32, 32, 640),
    "sdunet-16": (2, 16, 16, 1280),
    "resnet-56": (8, 56, 56, 256),
}
LAYOUTS = ("nhwc", "nchw")
DTYPES = {"f32": "float32", "f16": "float16"}
GROUPS = 32


def canonical_specs() -> List[Tuple[str, object]]:
    """(file stem, GroupNormSpec) for every canonical configuration, in a stable order."""
    from iree_gn._spec import GroupNormSpec

    out = []
    for layout in LAYOUTS:
        for (n, h, w, c) in SHAPES.values():
            for short, dtype in DTYPES.items():
                if layout == "nhwc":
                    spec = GroupNormSpec.create((n, h, w, c), dtype, groups=GROUPS,
                                                channels_axis=-1, reduction_axes=(-3, -2))
                else:
                    spec = GroupNormSpec.create((n, c, h, w), dtype, groups=GROUPS,
                                                channels_axis=-3, reduction_axes=(-2, -1))
                dims = "x".join(str(d) for d in spec.shape)
                out.append((f"{layout}-{dims}-{short}", spec))
    return out


def render(spec) -> Dict[str, str]:
    """The file contents for one spec: ``{".mlir": text, ".json": sidecar}``."""
    from iree_gn._export import stablehlo_text

    text = stablehlo_text(spec, CPU.formulation_for(spec))
    sidecar = json.dumps({"spec": spec.to_json(), "formulation": CPU.formulation_for(spec),
                          "generated_by": "build_tools/gen_mlir.py"}, indent=1, sort_keys=True)
    return {".mlir": text, ".json": sidecar + "\n"}


# The hand-written GPU kernels (iree_gn/_gpu_kernels/) of a few canonical shapes, as the
# CUDA rows (and rocm:gfx1100: workgroup 256, subgroup 32) compile them, in gpu/:
# `iree-gn build --from-mlir mlir/gpu --targets cuda:sm_90` builds them without JAX.
GPU_DIR = "gpu"
GPU_TARGET = "cuda:sm_90"


def gpu_specs() -> List[Tuple[str, object]]:
    from iree_gn._spec import GroupNormSpec

    return [
        ("nhwc-2x64x64x320-f16-silu", GroupNormSpec.create(
            (2, 64, 64, 320), "float16", groups=GROUPS, activation="silu")),
        ("nchw-8x256x56x56-f32", GroupNormSpec.create(
            (8, 256, 56, 56), "float32", groups=GROUPS, channels_axis=-3,
            reduction_axes=(-2, -1))),
        ("nhwc-16x128x128x320-f32", GroupNormSpec.create(
            (16, 128, 128, 320), "float32", groups=GROUPS)),
    ]


def gpu_render(spec) -> Dict[str, str]:
    from iree_gn._export import stablehlo_text

    form = _TARGETS[GPU_TARGET].formulation_for(spec)
    sidecar = json.dumps({"spec": spec.to_json(), "formulation": form, "target": GPU_TARGET,
                          "generated_by": "build_tools/gen_mlir.py"}, indent=1, sort_keys=True)
    return {".mlir": stablehlo_text(spec, form), ".json": sidecar + "\n"}


def expected() -> Dict[str, str]:
    """file name -> expected contents for the whole folder."""
    files = {}
    for stem, spec in canonical_specs():
        for ext, content in render(spec).items():
            files[stem + ext] = content
    for stem, spec in gpu_specs():
        for ext, content in gpu_render(spec).items():
            files[f"{GPU_DIR}/{stem}{ext}"] = content
    return files


def check(folder: str = DEFAULT_DIR, want: Optional[Dict[str, str]] = None) -> List[str]:
    """Every difference between ``folder`` and a fresh export (or ``want``), one line each."""
    want = expected() if want is None else want
    problems = []
    for name, content in want.items():
        path = os.path.join(folder, name)
        try:
            with open(path, encoding="utf-8") as f:
                have = f.read()
        except OSError:
            problems.append(f"{name}: missing")
            continue
        if have != content:
            problems.append(f"{name}: differs from a fresh export{_first_diff(have, content)}")
    try:
        present = os.listdir(folder)
    except OSError:
        present = []
    try:
        present += [f"{GPU_DIR}/{n}" for n in os.listdir(os.path.join(folder, GPU_DIR))]
    except OSError:
        pass
    for name in sorted(present):
        if name.endswith((".mlir", ".json")) and name not in want:
            problems.append(f"{name}: not a canonical configuration (stale file)")
    return problems


def _first_diff(a: str, b: str) -> str:
    for i, (la, lb) in enumerate(zip(a.splitlines(), b.splitlines()), 1):
        if la != lb:
            return f" (first at line {i}:\n      kept:  {la.strip()[:120]}\n      fresh: {lb.strip()[:120]})"
    return f" (lengths {len(a)} vs {len(b)})"


def write(folder: str = DEFAULT_DIR) -> List[str]:
    """Rewrite ``folder`` (stale canonical-looking files are removed); return the names."""
    from iree_gn._cache import atomic_write

    os.makedirs(folder, exist_ok=True)
    want = expected()
    for name, content in want.items():
        os.makedirs(os.path.dirname(os.path.join(folder, name)), exist_ok=True)
        atomic_write(os.path.join(folder, name), content.encode())
        os.chmod(os.path.join(folder, name), 0o644)
    for sub in ("", GPU_DIR):
        for name in os.listdir(os.path.join(folder, sub)):
            rel = f"{sub}/{name}" if sub else name
            if name.endswith((".mlir", ".json")) and rel not in want:
                os.unlink(os.path.join(folder, sub, name))
    return sorted(want)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--out", default=DEFAULT_DIR, help="the folder (default: mlir/)")
    p.add_argument("--check", action="store_true", help="compare only; exit 1 on drift")
    args = p.parse_args(argv)
    if args.check:
        problems = check(args.out)
        for line in problems:
            print(line)
        if problems:
            print(f"{len(problems)} file(s) drifted: run python3 build_tools/gen_mlir.py")
        return 1 if problems else 0
    names = write(args.out)
    print(f"wrote {len(names)} files to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
