"""The validated configuration of one group-norm op.

A :class:`GroupNormSpec` is built once per (shape, dtype, options), validated with the
checks and messages of TF 1.x ``tf.contrib.layers.group_norm`` (plus the ones TF forgot),
and then drives everything downstream: the JAX trace, the StableHLO export and the cache
key. It is frozen and hashable, so it is also the in-memory cache key.
"""

from __future__ import annotations

import dataclasses
import json
import math
import numbers
from typing import Any, Callable, Optional, Sequence, Tuple, Union

import numpy as np

from ._errors import ArgumentTypeError  # noqa: F401 - re-exported: the checks' error

# Supported element types, by canonical name. bfloat16 comes from ml_dtypes, which both
# jax and iree-base-runtime depend on.
SUPPORTED_DTYPES = ("float32", "float16", "bfloat16", "float64")

Activation = Union[None, str, Callable[..., Any]]


_DTYPE_NAMES: dict = {}


def canonical_dtype(dtype: Any, *, arg: str = "dtype") -> str:
    """Return the canonical dtype name, or raise ``TypeError`` naming the rule."""
    try:
        return _DTYPE_NAMES[dtype]  # the hot path: a dtype seen before
    except (KeyError, TypeError):
        pass
    name = _canonical_dtype(dtype, arg)
    if isinstance(dtype, np.dtype):
        _DTYPE_NAMES[dtype] = name
    return name


# MLIR's and IREE's element type names, which users of this package may write; NumPy would
# read "f16" as float128 (16 bytes) and knows no "f32", "f64" or "bf16".
MLIR_DTYPE_NAMES = {"f16": "float16", "f32": "float32", "f64": "float64", "bf16": "bfloat16"}


def _canonical_dtype(dtype: Any, arg: str) -> str:
    if isinstance(dtype, str) and dtype.lower() in MLIR_DTYPE_NAMES:
        return MLIR_DTYPE_NAMES[dtype.lower()]
    if dtype is None:  # np.dtype(None) is float64: a silent guess
        raise ArgumentTypeError(f"{arg} is required (float32, float16, bfloat16 or "
                                f"float64), got None.")
    try:
        name = np.dtype(dtype).name
    except TypeError:
        name = str(getattr(dtype, "name", dtype))
    if name not in SUPPORTED_DTYPES:
        raise TypeError(
            f"{arg}={name!r} is not supported: group_norm takes floating-point inputs of "
            f"{', '.join(SUPPORTED_DTYPES)}."
        )
    return name


def layout_axes(layout: Any, rank: int) -> Tuple[int, Tuple[int, ...]]:
    """``(channels_axis, reduction_axes)`` of a layout string: ``"NHWC"`` -> ``(3, (1, 2))``,
    ``"NCHW"`` -> ``(1, (2, 3))``. One letter per axis, one ``C``; every axis that is neither
    ``N`` nor ``C`` is reduced."""
    lay = str(layout).upper() if isinstance(layout, str) else None
    if lay is None or len(lay) != rank or lay.count("C") != 1 or len(set(lay)) != len(lay):
        raise ValueError(
            f"layout={layout!r} must name each of the {rank} axes once with one 'C' (e.g. "
            f"NHWC, NCHW).")
    return lay.index("C"), tuple(i for i, a in enumerate(lay) if a not in "NC")


def check_rank(shape: Tuple[Optional[int], ...]) -> int:
    """``len(shape)``, which must be >= 2 (TF's rule), with the message both the spec and a
    bundle's lookup give."""
    rank = len(shape)
    if rank < 2:
        raise ValueError(
            f"Inputs must have rank >= 2 (a channel axis and at least one more), got "
            f"rank {rank} with shape {tuple(shape)}.")
    return rank


def _check_int(value: Any, arg: str) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise ArgumentTypeError(
            f"{arg} must be an integer, got {value!r} ({type(value).__name__}).")
    return int(value)


@dataclasses.dataclass(frozen=True)
class GroupNormSpec:
    """One group-norm configuration, normalized and validated.

    Attributes:
      shape: the input shape; ``None`` marks a dynamic axis (allowed only on axes that are
        neither the channel axis nor a reduction axis, such as the batch axis).
      dtype: ``"float32"``, ``"float16"``, ``"bfloat16"`` or ``"float64"``.
      groups: number of groups G; divides the channel count C.
      channels_axis: the channel axis, non-negative.
      reduction_axes: the reduction axes, non-negative and sorted.
      center, scale: whether ``beta`` / ``gamma`` (shape ``[C]``) are applied.
      epsilon: added to the variance.
      activation: ``None``, an activation name from :data:`iree_gn.ACTIVATIONS`, or a
        JAX-traceable callable (callables are not portable across processes).
      mean_close_to_zero: ``False`` two-pass moments, ``True`` one-pass sufficient statistics.
    """

    shape: Tuple[Optional[int], ...]
    dtype: str
    groups: int
    channels_axis: int
    reduction_axes: Tuple[int, ...]
    center: bool = True
    scale: bool = True
    epsilon: float = 1e-6
    activation: Activation = None
    mean_close_to_zero: bool = False

    def __post_init__(self) -> None:
        # Every way to make a spec (create, direct construction, dataclasses.replace,
        # from_json) lands here, so no spec skips TF's rules. The fields are normalized in
        # place (negative axes counted from the end, sorted reduction axes, canonical dtype
        # and activation names, plain Python scalars), so equal configurations are equal specs.
        for name, value in _normalized(self).items():
            object.__setattr__(self, name, value)

    @classmethod
    def create(
        cls,
        shape: Sequence[Optional[int]],
        dtype: Any,
        *,
        groups: int = 32,
        channels_axis: int = -1,
        reduction_axes: Sequence[int] = (-3, -2),
        center: bool = True,
        scale: bool = True,
        epsilon: float = 1e-6,
        activation: Activation = None,
        mean_close_to_zero: bool = False,
    ) -> "GroupNormSpec":
        """Validate user arguments (TF's rules and messages) and build the spec.

        The friendly constructor: TF's defaults for every option. The checks themselves run
        in ``__post_init__`` (so ``dataclasses.replace`` and direct construction are checked
        the same way)."""
        return cls(shape=shape, dtype=dtype, groups=groups, channels_axis=channels_axis,
                   reduction_axes=reduction_axes, center=center, scale=scale,
                   epsilon=epsilon, activation=activation,
                   mean_close_to_zero=mean_close_to_zero)

    # ---- derived facts -------------------------------------------------------------------
    @property
    def rank(self) -> int:
        return len(self.shape)

    @property
    def channels(self) -> int:
        return self.shape[self.channels_axis]  # type: ignore[return-value]

    @property
    def param_shape(self) -> Tuple[int]:
        return (self.channels,)

    @property
    def dynamic_axes(self) -> Tuple[int, ...]:
        return tuple(i for i, d in enumerate(self.shape) if d is None)

    @property
    def is_static(self) -> bool:
        return not self.dynamic_axes

    @property
    def nbytes(self) -> int:
        """Bytes of one input of a static spec."""
        n = {"float16": 2, "bfloat16": 2, "float32": 4, "float64": 8}[self.dtype]
        for d in self.shape:
            n *= d
        return n

    @property
    def portable(self) -> bool:
        """True when the spec can be named across processes (no Python callable in it)."""
        return self.activation is None or isinstance(self.activation, str)

    def with_shape(self, shape: Sequence[Optional[int]]) -> "GroupNormSpec":
        return dataclasses.replace(self, shape=tuple(shape))

    def matches(self, shape: Sequence[int]) -> bool:
        """Whether a concrete input shape is served by this (possibly dynamic) spec."""
        return len(shape) == self.rank and all(
            d is None or d == s for d, s in zip(self.shape, shape)
        )

    def to_json(self) -> dict:
        """A JSON-able dict (for manifests and cache keys); needs a portable spec."""
        if not self.portable:
            raise ValueError(
                f"activation={self.activation!r} is a Python callable, which cannot be named in "
                f"a manifest; use an activation name ({', '.join(sorted(_names()))})."
            )
        d = dataclasses.asdict(self)
        d["shape"] = list(self.shape)
        d["reduction_axes"] = list(self.reduction_axes)
        return d

    @classmethod
    def from_json(cls, d: dict) -> "GroupNormSpec":
        fields = {f.name for f in dataclasses.fields(cls)}
        unknown = set(d) - fields
        if unknown:
            raise ValueError(f"unknown spec fields {sorted(unknown)}; known: {sorted(fields)}.")
        kw = dict(d)
        shape = kw.pop("shape")
        dtype = kw.pop("dtype")
        return cls.create(shape, dtype, **kw)

    def key_text(self) -> str:
        """Stable text of the spec for cache keys (callables by qualified name)."""
        d = dataclasses.asdict(self)
        if not self.portable:
            fn = self.activation
            # (str(): exec'd functions and some wrappers have __module__ None)
            d["activation"] = "callable:" + str(getattr(fn, "__module__", None) or "?") + \
                "." + str(getattr(fn, "__qualname__", None) or repr(fn))
        return json.dumps(d, sort_keys=True)

    def short_name(self) -> str:
        """A readable name such as ``2x64x64x320-float32-g32-c3``; options away from the
        common case are appended (``-r1`` reduction axes other than every axis but the batch
        and channels, ``-nocenter``, ``-noscale``, ``-eps1e-05``, ``-mcz``), so that two
        cached or bundled modules of one shape are told apart by name."""
        dims = "x".join("N" if d is None else str(d) for d in self.shape)
        act = "" if self.activation is None else "-" + (
            self.activation if isinstance(self.activation, str) else "fn"
        )
        usual = tuple(a for a in range(1, self.rank) if a != self.channels_axis)
        extra = "".join((
            "" if self.reduction_axes == usual
            else "-r" + (".".join(map(str, self.reduction_axes)) or "none"),
            "" if self.center else "-nocenter",
            "" if self.scale else "-noscale",
            "" if self.epsilon == 1e-6 else f"-eps{self.epsilon!r}",  # (repr: exact)
            "-mcz" if self.mean_close_to_zero else "",
        ))
        return f"{dims}-{self.dtype}-g{self.groups}-c{self.channels_axis}{act}{extra}"



def _normalized(spec: "GroupNormSpec") -> dict:
    """The spec's fields validated with TF's rules and messages, in canonical form."""
    from . import _activations  # local: keeps the import graph one-way

    dtype = canonical_dtype(spec.dtype)
    shape = _check_shape(spec.shape)
    rank = check_rank(shape)
    groups = _check_int(spec.groups, "groups")
    channels_axis = _check_int(spec.channels_axis, "channels_axis")
    reduction_axes = spec.reduction_axes
    if isinstance(reduction_axes, numbers.Integral):
        raise ValueError(
            f"reduction_axes must be a tuple of ints, got {reduction_axes!r}; "
            f"write ({reduction_axes},) for one axis."
        )
    if isinstance(reduction_axes, (str, bytes)):
        raise ValueError(f"reduction_axes must be a tuple of ints, got {reduction_axes!r}.")
    try:
        reduction_axes = tuple(reduction_axes)
    except TypeError:
        raise ValueError(
            f"reduction_axes must be a tuple of ints, got {reduction_axes!r}."
        ) from None
    reduction_axes = tuple(_check_int(a, "reduction_axes") for a in reduction_axes)

    # TF's message for every axis outside [-rank, rank), with the offending value added.
    if not -rank <= channels_axis < rank:
        raise ValueError(
            f"Axis is out of bounds. channels_axis={channels_axis} for inputs of rank {rank} "
            f"(valid: {-rank}..{rank - 1})."
        )
    channels_axis %= rank
    channels = shape[channels_axis]
    if channels is None:
        raise ValueError(f"Inputs has undefined channel dimension: {channels_axis}.")
    norm_axes = _check_reduction_axes(reduction_axes, shape, channels_axis)
    if groups <= 0:
        raise ValueError(f"Invalid groups {groups} for {channels} channels: groups must be >= 1.")
    if groups > channels:
        raise ValueError(f"Invalid groups {groups} for {channels} channels.")
    if channels % groups != 0:
        raise ValueError(f"{channels} channels is not commensurate with {groups} groups.")
    flags = {}
    for name in ("center", "scale", "mean_close_to_zero"):
        flag = getattr(spec, name)
        if not isinstance(flag, (bool, np.bool_)):
            raise ArgumentTypeError(f"{name} must be True or False, got {flag!r}.")
        flags[name] = bool(flag)
    return dict(shape=shape, dtype=dtype, groups=groups, channels_axis=channels_axis,
                reduction_axes=tuple(sorted(norm_axes)), epsilon=_check_epsilon(spec.epsilon),
                activation=_activations.canonical(spec.activation), **flags)


def _check_shape(shape: Any) -> Tuple[Optional[int], ...]:
    if isinstance(shape, (str, bytes)):
        raise ValueError(f"shape must be a sequence of ints or None, got {shape!r}.")
    try:
        shape = tuple(shape)
    except TypeError:
        raise ValueError(f"shape must be a sequence of ints or None, got {shape!r}.") from None
    for i, d in enumerate(shape):
        if d is not None and (isinstance(d, (bool, np.bool_))
                              or not isinstance(d, numbers.Integral) or d < 0):
            raise ValueError(
                f"shape[{i}]={d!r} is invalid: dimensions are non-negative ints or None."
            )
    shape = tuple(None if d is None else int(d) for d in shape)
    count = 1
    for d in shape:
        count *= 1 if d is None else d
    if count * 8 >= 1 << 63:  # (any dtype's bytes must index in int64: IREE's dims are)
        raise ValueError(f"shape={shape} holds {count} elements: more than a tensor can "
                         f"index (its bytes must stay under 2**63).")
    return shape


def _check_reduction_axes(reduction_axes, shape, channels_axis: int) -> list:
    rank = len(shape)
    norm_axes: list = []
    for a in reduction_axes:
        if not -rank <= a < rank:
            raise ValueError(
                f"Axis is out of bounds. reduction_axes={reduction_axes} has {a} for "
                f"inputs of rank {rank} (valid: {-rank}..{rank - 1})."
            )
        a %= rank
        if shape[a] is None:
            raise ValueError(f"Inputs has undefined dimensions {a}.")
        if a == channels_axis:
            raise ValueError(
                f"reduction_axis must be mutually exclusive with channels_axis "
                f"(both name axis {a} of a rank-{rank} input)."
            )
        if a in norm_axes:
            raise ValueError(
                f"reduction_axes={reduction_axes} repeats axis {a}: each axis may appear once."
            )
        norm_axes.append(a)
    return norm_axes


def _zero_d(v: Any) -> Any:
    """A 0-d array of real numbers (NumPy's, JAX's, torch's; bfloat16 too) as its float,
    as TF takes a scalar tensor; anything else as it is."""
    if getattr(v, "shape", None) != () or isinstance(v, (numbers.Number, np.generic)):
        return v
    if not str(getattr(v, "dtype", "")).replace("torch.", "").startswith(
            ("float", "bfloat", "int", "uint")):
        return v
    try:
        return float(v.detach() if hasattr(v, "detach") else v)  # (torch: without grad)
    except (TypeError, ValueError):
        return v


def _check_epsilon(epsilon: Any) -> float:
    # Any finite float, negative included, as TF: epsilon is added to the variance, and a
    # group whose var + epsilon < 0 normalizes to NaN there (PyTorch's own samples use -0.5).
    epsilon = _zero_d(epsilon)
    if isinstance(epsilon, (bool, np.bool_)) or not isinstance(epsilon, numbers.Real):
        raise ArgumentTypeError(
            f"epsilon must be a real number, got {epsilon!r} ({type(epsilon).__name__}).")
    try:
        value = float(epsilon)
    except OverflowError:  # an int past float's range (10**400)
        raise ValueError(f"epsilon (an int of {len(str(abs(int(epsilon))))} digits) is "
                         f"invalid: it must be finite, within float's range.") from None
    if not math.isfinite(value):
        raise ValueError(f"epsilon={value!r} is invalid: it must be finite.")
    return value


def _names():
    from ._activations import ACTIVATIONS

    return ACTIVATIONS
