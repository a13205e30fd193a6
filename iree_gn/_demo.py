"""``iree-gn demo``: compile group norm, run it, and print its error and its times."""

from __future__ import annotations

import time

import numpy as np


def run(shape=(2, 64, 64, 320), groups=32, target="llvm-cpu", repeats=50) -> int:
    import iree_gn
    from iree_gn import _targets

    row = _targets.resolve(target)  # a family name picks the row for the device here
    runs, why = _targets.fits_here(row)
    if not runs:
        return _compile_only(iree_gn, shape, groups, row, why)
    target = row.name
    rng = np.random.default_rng(0)
    x = (3 + 2 * rng.standard_normal(shape)).astype(np.float32)
    t0 = time.perf_counter()
    with iree_gn.VariableStore():
        y = iree_gn.group_norm(x, groups=groups, target=target)
        first = time.perf_counter() - t0
        times = []
        for _ in range(repeats):
            t = time.perf_counter()
            iree_gn.group_norm(x, groups=groups, target=target, out=y)
            times.append(time.perf_counter() - t)
    # float64 reference, written independently of the package.
    xr = x.astype(np.float64).reshape(*shape[:-1], groups, shape[-1] // groups)
    axes = tuple(range(1, xr.ndim - 2)) + (xr.ndim - 1,)
    m = xr.mean(axis=axes, keepdims=True)
    v = ((xr - m) ** 2).mean(axis=axes, keepdims=True)
    ref = ((xr - m) / np.sqrt(v + 1e-6)).reshape(shape)
    err = float(np.abs(y - ref).max())
    print(f"iree-gn group_norm on {target}: input {'x'.join(map(str, shape))} float32, "
          f"{groups} groups (NHWC)")
    print(f"  max |error| vs float64 NumPy reference: {err:.2e}")
    print(f"  first call (trace + compile, or disk cache): {first * 1e3:.1f} ms")
    print(f"  warm call, median of {repeats}: {np.median(times) * 1e3:.3f} ms")
    return 0 if err < 1e-4 else 1


def _compile_only(iree_gn, shape, groups, row, why: str) -> int:
    # A target whose device is absent here (another architecture, a GPU not present):
    # compile the module to show it builds, and say plainly that nothing ran.
    t0 = time.perf_counter()
    op = iree_gn.compile(shape, "float32", groups=groups, target=row.name)
    took = time.perf_counter() - t0
    print(f"iree-gn group_norm on {row.name}: compiled, not run ({why}).")
    print(f"  compiled {'x'.join(map(str, shape))} float32, {groups} groups (NHWC): "
          f"{len(op.vmfb)} B module in {took * 1e3:.1f} ms (trace + compile, or disk cache)")
    print(f"  not run: ship it in a bundle (`iree-gn build ... --targets {row.name}`) to a "
          f"machine that has the device.")
    return 0
