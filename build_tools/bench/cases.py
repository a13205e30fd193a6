"""The benchmark problems, their inputs and their float64 reference.

A ``Case`` is one group norm configuration (shape, dtype, groups, axes, activation); its
inputs are reproducible per case name. The reference values come from ``tests/reference.py``
(``ref_group_norm``, ``ref_group_norm_vjp``), the module every numerics test checks against.
"""

from __future__ import annotations

import dataclasses
import zlib
from typing import List, Optional, Tuple

import numpy as np

from . import REPO  # noqa: F401  (puts tests/ on sys.path for `reference`)
import reference

EPS = 1e-6


@dataclasses.dataclass(frozen=True)
class Case:
    """One benchmark problem: a group norm configuration and its inputs' shape and dtype."""

    name: str
    shape: Tuple[int, ...]
    note: str
    dtype: str = "float32"
    groups: int = 32
    channels_axis: int = -1
    reduction_axes: Tuple[int, ...] = (-3, -2)
    activation: Optional[str] = None
    quick: bool = False

    @property
    def layout(self) -> str:
        r = len(self.shape)
        ca = self.channels_axis % r
        if ca == r - 1:
            return "NDHWC" if r == 5 else "NHWC"
        if ca == 1:
            return "NCDHW" if r == 5 else "NCHW"
        return f"C at axis {ca}"

    def kwargs(self) -> dict:
        return dict(groups=self.groups, channels_axis=self.channels_axis,
                    reduction_axes=self.reduction_axes)


NCHW = dict(channels_axis=-3, reduction_axes=(-2, -1))

CASES: List[Case] = [
    Case("1x8x8x32", (1, 8, 8, 32), "call overhead", quick=True),
    Case("8x56x56x256", (8, 56, 56, 256), "ResNet-50 stage 1"),
    Case("2x64x64x320", (2, 64, 64, 320), "SD UNet, 64x64 level"),
    Case("2x32x32x640", (2, 32, 32, 640), "SD UNet, 32x32 level"),
    Case("2x16x16x1280", (2, 16, 16, 1280), "SD UNet, 16x16 level", quick=True),
    Case("1x128x128x512", (1, 128, 128, 512), "SD VAE decoder, batch 1"),
    Case("1x16x64x64x64", (1, 16, 64, 64, 64), "5-D volume (NDHWC)",
         reduction_axes=(-4, -3, -2)),
    Case("2x320x64x64-nchw", (2, 320, 64, 64), "SD UNet 64x64, NCHW input", **NCHW),
    Case("8x256x56x56-nchw", (8, 256, 56, 56), "ResNet-50 stage 1, NCHW input", **NCHW),
    Case("2x64x64x320-f16", (2, 64, 64, 320), "float16", dtype="float16"),
    Case("2x64x64x320-bf16", (2, 64, 64, 320), "bfloat16", dtype="bfloat16"),
    Case("2x64x64x320-silu", (2, 64, 64, 320), "fused SiLU", activation="silu"),
]
CASES_BY_NAME = {c.name: c for c in CASES}


def np_dtype(name: str) -> np.dtype:
    """The NumPy dtype of a dtype name, bfloat16 included (``ml_dtypes``, as iree_gn uses)."""
    from iree_gn._runtime import numpy_dtype

    return np.dtype(numpy_dtype(name))


def random_inputs(rng, shape, channels_axis: int, dtype: str, *, mean: float = 0.5,
                  std: float = 1.0, spread: float = 0.1):
    """``(x, gamma, beta)``: x ~ N(mean, std), gamma ~ 1 + N(0, spread), beta ~ N(0, spread),
    drawn in float32 and cast to ``dtype``. A nonzero mean makes a wrong mean show."""
    dt = np_dtype(dtype)
    x = (mean + std * rng.standard_normal(shape, dtype=np.float32)).astype(dt)
    c = shape[channels_axis]
    gamma = (1.0 + spread * rng.standard_normal(c, dtype=np.float32)).astype(dt)
    beta = (spread * rng.standard_normal(c, dtype=np.float32)).astype(dt)
    return x, gamma, beta


def make_inputs(case: Case):
    """The case's ``(x, gamma, beta)``, reproducible per case name."""
    rng = np.random.default_rng(zlib.crc32(case.name.encode()))
    return random_inputs(rng, case.shape, case.channels_axis, case.dtype)


def make_dy(case: Case) -> np.ndarray:
    """The output cotangent of the backward rows, N(0, 1) in the case's dtype."""
    rng = np.random.default_rng(7)
    return rng.standard_normal(case.shape, dtype=np.float32).astype(np_dtype(case.dtype))


def reference_forward(case: Case, x, gamma, beta) -> np.ndarray:
    """float64 group norm of the case (``tests/reference.py``: two-pass, TF semantics)."""
    return reference.ref_group_norm(x, case.groups, case.channels_axis, case.reduction_axes,
                                    gamma, beta, EPS, case.activation)


def check_forward(ref: np.ndarray, dtype: str, slack: float = 0.0):
    """``check(got)`` -> ``{"max_abs_err", "bound", "status"}``: got (float64, ref's layout)
    against ``ref`` within ``reference.max_abs_bound`` (the tests' TOL) plus ``slack``
    (what the caller's inputs cannot resolve, said where it is passed). NaN fails."""
    bound = reference.max_abs_bound(ref, dtype) + slack

    def check(got):
        err = float(np.max(np.abs(got - ref)))
        ok = err <= bound  # False for NaN
        return {"max_abs_err": err, "bound": bound,
                "status": "ok" if ok else f"ERROR > tol ({bound:.1e})"}
    return check


def reference_backward(case: Case, x, gamma, beta, dy) -> List[np.ndarray]:
    """float64 ``[dx, dgamma, dbeta]`` of the case (``tests/reference.py``)."""
    return list(reference.ref_group_norm_vjp(x, dy, case.groups, case.channels_axis,
                                             case.reduction_axes, gamma, beta, EPS,
                                             case.activation))


@dataclasses.dataclass(frozen=True)
class Geometry:
    """The group view of a case: the channel axis split into (groups, channels per group).
    The NumPy and JAX peers compute on it; PyTorch and onnxruntime need ``to_cfirst``."""

    shape: Tuple[int, ...]
    split_shape: Tuple[int, ...]  # shape with C replaced by (G, C // G)
    stat_axes: Tuple[int, ...]    # axes of split_shape to reduce over
    param_shape: Tuple[int, ...]  # broadcast shape of gamma/beta against the input
    to_cfirst: Optional[Tuple[int, ...]]  # permutation to (N, C, spatial...), None if none

    @classmethod
    def of(cls, case: Case) -> "Geometry":
        shape = tuple(case.shape)
        r = len(shape)
        ca = case.channels_axis % r
        red = sorted(a % r for a in case.reduction_axes)
        c = shape[ca]
        split = shape[:ca] + (case.groups, c // case.groups) + shape[ca + 1:]
        stat = tuple(a if a < ca else a + 1 for a in red) + (ca + 1,)
        pshape = tuple(c if a == ca else 1 for a in range(r))
        batch = [a for a in range(r) if a != ca and a not in red]
        perm = tuple(batch + [ca] + red) if len(batch) == 1 and batch[0] == 0 else None
        return cls(shape, split, tuple(sorted(stat)), pshape, perm)

    def inverse(self) -> Tuple[int, ...]:
        return tuple(int(i) for i in np.argsort(self.to_cfirst))
