#!/usr/bin/env python3
"""Regenerate mlir/: the compiler inputs of the canonical group-norm configurations.

    python3 build_tools/gen_mlir.py            # rewrite mlir/
    python3 build_tools/gen_mlir.py --check    # exit 1 and list the files that drifted

Each configuration gives ``<name>.mlir`` (``_export.stablehlo_text`` with the llvm-cpu target's
formulation, without debug locations) and ``<name>.json`` (its spec and formulation), which
``iree-gn build --from-mlir mlir/`` compiles without JAX. tests/test_mlir_drift.py fails
when the files differ from a fresh export, so a JAX (or op) change that alters the IR is seen.

The configurations: Stable Diffusion UNet group norms (2x64x64x320, 2x32x32x640,
2x16x16x1280) and a ResNet-50 one (8x56x56x256), 32 groups, in NHWC and NCHW, float32 and
float16 (float16 computes its statistics in float32). llvm-cpu serves all of them with its
hand-written kernel, so their files are kernel MLIR; ``gpu/`` holds the GPU kernels of three.

``jax/`` holds what JAX itself exports (``jax_specs``): the forward's JAX formulations
("native", "split", "fused", "barrier": what a spec no kernel serves compiles) and the
backward (``_backward.stablehlo_text``, the CPU and the GPU form), so a JAX upgrade that
changes the StableHLO of the op fails the drift check even though every canonical
configuration runs a kernel.
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


# The kernels' block sizes and vector widths follow the CPU a module is built for; the
# files are rendered for the portable x86-64-v3 row (fixed cache defaults), so they are the
# same on every machine and are what iree_gn.compile builds for that row.
TUNED_FOR = "llvm-cpu:x86-64-v3"


def render(spec) -> Dict[str, str]:
    """The file contents for one spec: ``{".mlir": text, ".json": sidecar}``."""
    from iree_gn._export import stablehlo_text
    from iree_gn._kernels import _tuning

    with _tuning.using(TUNED_FOR):
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


# The JAX exports, in jax/: (file stem, spec, op, formulation). "forward" files are
# _export.stablehlo_text(spec, formulation); "grad" files _backward.stablehlo_text, "plain"
# (llvm-cpu) or "barrier-upcast" (GPU rows: float16 widened behind a barrier), as
# _grad names them. Small shapes: the IR's ops do not depend on the sizes, only its types.
JAX_DIR = "jax"


def jax_specs() -> List[Tuple[str, object, str, str]]:
    from iree_gn._spec import GroupNormSpec

    nhwc = GroupNormSpec.create((2, 16, 16, 1280), "float32", groups=GROUPS)
    nchw16 = GroupNormSpec.create((2, 640, 32, 32), "float16", groups=GROUPS,
                                  channels_axis=-3, reduction_axes=(-2, -1))
    small = GroupNormSpec.create((2, 8, 8, 64), "float32", groups=GROUPS, activation="silu")
    small_nchw = GroupNormSpec.create((2, 64, 8, 8), "float32", groups=GROUPS,
                                      channels_axis=-3, reduction_axes=(-2, -1))
    grad16 = GroupNormSpec.create((2, 64, 8, 8), "float16", groups=GROUPS, channels_axis=-3,
                                  reduction_axes=(-2, -1), activation="silu")
    return [
        ("nhwc-2x16x16x1280-f32-native", nhwc, "forward", "native"),
        ("nhwc-2x16x16x1280-f32-split", nhwc, "forward", "split"),
        ("nchw-2x640x32x32-f16-split", nchw16, "forward", "split"),
        ("nhwc-2x8x8x64-f32-silu-fused", small, "forward", "fused"),
        ("nchw-2x64x8x8-f32-barrier", small_nchw, "forward", "barrier"),
        ("grad-nhwc-2x16x16x1280-f32", nhwc, "grad", "plain"),
        ("grad-nchw-2x64x8x8-f16-silu-barrier-upcast", grad16, "grad", "barrier-upcast"),
    ]


def jax_render(spec, op: str, formulation: str) -> Dict[str, str]:
    """The JAX export of one ``jax_specs`` entry and its sidecar (spec, op, formulation)."""
    if op == "grad":
        from iree_gn import _backward

        text = _backward.stablehlo_text(spec, barrier_upcast=formulation == "barrier-upcast")
    else:
        from iree_gn._export import stablehlo_text

        text = stablehlo_text(spec, formulation)
    sidecar = json.dumps({"spec": spec.to_json(), "op": op, "formulation": formulation,
                          "source": "jax", "generated_by": "build_tools/gen_mlir.py"},
                         indent=1, sort_keys=True)
    return {".mlir": text, ".json": sidecar + "\n"}


def jax_expected() -> Dict[str, str]:
    """``jax/`` file name -> expected contents (one JAX trace per file)."""
    return {f"{JAX_DIR}/{stem}{ext}": content for stem, spec, op, form in jax_specs()
            for ext, content in jax_render(spec, op, form).items()}


SUBDIRS = (GPU_DIR, JAX_DIR)


def expected() -> Dict[str, str]:
    """file name -> expected contents for the whole folder."""
    files = {}
    for stem, spec in canonical_specs():
        for ext, content in render(spec).items():
            files[stem + ext] = content
    for stem, spec in gpu_specs():
        for ext, content in gpu_render(spec).items():
            files[f"{GPU_DIR}/{stem}{ext}"] = content
    files.update(jax_expected())
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
    for sub in SUBDIRS:
        try:
            present += [f"{sub}/{n}" for n in os.listdir(os.path.join(folder, sub))]
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
    for sub in ("",) + SUBDIRS:
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
