"""The public entry points: ``group_norm`` (TF 1.x contrib interface) and ``compile``."""

from __future__ import annotations

import functools
import weakref
from typing import Any, Callable, Optional, Sequence

import numpy as np

from . import _build, _targets, _variables
from ._compile_side import CompilerNotInstalled, compile_side
from ._errors import describe as _describe
from ._ops import CompiledGroupNorm, _as_array, get_op
from ._spec import ArgumentTypeError, GroupNormSpec, canonical_dtype

# Keys TF documents for these dicts (shared with batch_norm: its moving statistics), which
# TF's group_norm reads past: accepted, and unused since group norm has no moving statistics.
_TF_KEYS = ("beta", "gamma", "moving_mean", "moving_variance")

def compile(  # noqa: A001 - the name users asked for
    shape: Sequence[Optional[int]],
    dtype: Any = "float32",
    *,
    groups: int = 32,
    channels_axis: int = -1,
    reduction_axes: Sequence[int] = (-3, -2),
    center: bool = True,
    scale: bool = True,
    epsilon: float = 1e-6,
    activation: Any = None,
    mean_close_to_zero: bool = False,
    target: str = "llvm-cpu",
) -> CompiledGroupNorm:
    """Compile group norm for one configuration; return the callable op.

    ``op = compile((None, 64, 64, 320), "float32", groups=32, activation="silu")`` then
    ``y = op(x, gamma, beta)`` (``gamma`` when ``scale``, ``beta`` when ``center``, each
    of shape ``[C]``). ``None`` in ``shape`` marks a dynamic axis (not the channel axis nor
    a reduction axis): one op then serves every size of it. The op is cached in memory and
    on disk (``$IREE_GN_CACHE_DIR``), so a second ``compile`` of the same configuration,
    in this process or a later one, does not recompile.

    Formula, shapes and dtypes: see :func:`group_norm`.
    """
    spec = GroupNormSpec.create(
        shape, dtype, groups=groups, channels_axis=channels_axis,
        reduction_axes=reduction_axes, center=center, scale=scale, epsilon=epsilon,
        activation=activation, mean_close_to_zero=mean_close_to_zero)
    if 0 in spec.shape:
        raise ValueError(
            f"shape {tuple(spec.shape)} has a zero-size axis: there is nothing to compile "
            f"(use None for a dynamic axis; group_norm returns empty inputs as they are).")
    with compile_side(f"compile() of {spec.short_name()} for {target}"):
        return get_op(spec, _targets.resolve(target))


def _types(*values) -> tuple:
    """The types of ``values`` (and of a tuple's items): part of every lookup key, because
    equal values of different types validate differently (``4.0 == 4``, ``0 == False``,
    ``(-1.0,) == (-1,)``) and a cache keyed by value alone would let a call through that a
    fresh process rejects."""
    return tuple([tuple(map(type, v)) if type(v) is tuple else type(v) for v in values])


@functools.lru_cache(maxsize=512)
def _cached_spec(types, shape, dtype, groups, channels_axis, reduction_axes, center, scale,
                 epsilon, activation, mean_close_to_zero) -> GroupNormSpec:
    return GroupNormSpec.create(
        shape, dtype, groups=groups, channels_axis=channels_axis,
        reduction_axes=reduction_axes, center=center, scale=scale, epsilon=epsilon,
        activation=activation, mean_close_to_zero=mean_close_to_zero)


def _spec_for(shape, dtype, groups, channels_axis, reduction_axes, center, scale, epsilon,
              activation, mean_close_to_zero) -> GroupNormSpec:
    # Validation runs once per configuration, keyed by value *and type*: repeated calls pay
    # a dict lookup, and never accept what a first call would refuse.
    args = (groups, channels_axis, reduction_axes, center, scale, epsilon, activation,
            mean_close_to_zero)
    return _cached_spec(_types(*args), shape, dtype, *args)


# Layers called again with reuse on their existing variables: key -> (store weakref, op,
# variables). A VariableStore never drops a variable, so what the first call resolved (the
# spec, the target, the variables) stays what a repeated identical call resolves.
_REUSE: dict = {}


def _remember(key, store, op, variables, held) -> None:
    if len(_REUSE) > 1024:
        _REUSE.clear()
    _REUSE[key] = (weakref.ref(store), op, tuple(variables), held)


# Plain calls seen before: (x's shape and dtype, the options and their types) -> (the op's
# binding, the shared read-only gamma/beta). Dropped with the ops (clear_memory_cache).
_PLAIN: dict = {}


def _remember_plain(key, op, params) -> None:
    bound = op._bound  # (bound by the call just made: this skips one indirection)
    if bound is None:
        return
    if len(_PLAIN) > 1024:
        _PLAIN.clear()
    _PLAIN[key] = (bound, tuple(params))


def _forget() -> None:
    _PLAIN.clear()
    _REUSE.clear()


_build.on_clear(_forget)


def _initializer(param_initializers, name: str, default: Callable) -> Callable:
    init = param_initializers.get(name) if param_initializers else None
    if init is None:
        return default

    def run(shape, dtype):
        if callable(init):
            try:
                value = init(shape, dtype)
            except Exception as e:
                raise ValueError(
                    f"param_initializers[{name!r}] failed when called as init(shape={shape}, "
                    f"dtype={np.dtype(dtype).name}): {type(e).__name__}: {e}") from e
        else:
            value = init
        value = np.asarray(value)
        if value.dtype.kind not in "biuf" and value.dtype.name != "bfloat16":
            # None (an initializer that forgot to return), strings, complex, objects: TF
            # fails on these; a NaN-filled or truncated parameter would only show downstream.
            raise ArgumentTypeError(
                f"param_initializers[{name!r}] gave {_describe(value)}; it must give real "
                f"numbers: an array-like of shape {tuple(shape)} or a scalar.")
        if value.shape == ():
            value = np.full(shape, value)
        if value.shape != tuple(shape):
            raise ValueError(
                f"param_initializers[{name!r}] gave shape {value.shape}; {name} has shape "
                f"{tuple(shape)}.")
        return np.ascontiguousarray(value, dtype=dtype)

    return run


_DEFAULT_INIT = {"gamma": lambda s, d: np.ones(s, d), "beta": lambda s, d: np.zeros(s, d)}


def _used_params(spec: GroupNormSpec) -> list:
    return [n for n, used in (("gamma", spec.scale), ("beta", spec.center)) if used]


def _variables_for(spec, dtype, store, scope, reuse, trainable, param_initializers,
                   variables_collections):
    """The layer's scope name and its variables (gamma, then beta, where used: the op's
    order), created or reused in ``store`` with TF's rules."""
    sc = store.open_scope(scope, "GroupNorm", reuse)
    # Created beta first, as TF does: collections list them in TF's order.
    made = {name: store.get_variable(
        f"{sc}/{name}", spec.param_shape, dtype,
        _initializer(param_initializers, name, _DEFAULT_INIT[name]),
        collections=_collections_for(variables_collections, name), reuse=reuse,
        trainable=bool(trainable)) for name in reversed(_used_params(spec))}
    return sc, [made[name] for name in _used_params(spec)]


def _plain_params(spec, dtype, param_initializers) -> list:
    """gamma/beta of a plain call: the initializers' values, or shared read-only ones/zeros."""
    out = []
    for name in _used_params(spec):
        if param_initializers and param_initializers.get(name) is not None:
            out.append(_initializer(param_initializers, name, None)(spec.param_shape, dtype))
        else:
            out.append(_variables.constant(spec.param_shape, dtype, name == "gamma"))
    return out


def _names(value, arg: str, keyed: bool = False):
    """A collections argument as a tuple of names (None stays None): a name, or any iterable
    of names (a list, tuple, set, dict keys...), as TF's add_to_collections takes them.
    ``keyed``: a dict is a per-variable mapping (variables_collections), not its keys."""
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    try:
        names = tuple(value) if not (isinstance(value, bytes) or
                                     keyed and isinstance(value, dict)) else None
    except TypeError:
        names = None
    if names is None or not all(isinstance(v, str) for v in names):
        raise ArgumentTypeError(
            f"{arg} must be None, a collection name (str) or an iterable of names, got "
            f"{type(value).__name__} {value!r}.")
    return names


def _check_collections(variables_collections, outputs_collections):
    """Both collections arguments checked and as tuples of names (a dict: per key)."""
    if isinstance(variables_collections, dict):
        _check_key_dict(variables_collections, "variables_collections")
        vc = {k: _names(v, f"variables_collections[{k!r}]", keyed=True)
              for k, v in variables_collections.items()}
    else:
        vc = _names(variables_collections, "variables_collections", keyed=True)
    return vc, _names(outputs_collections, "outputs_collections")


def _check_reuse(reuse):
    """``reuse`` as True, False, None or AUTO_REUSE; NumPy bools and 0/1 as their bool."""
    if reuse is None or reuse is _variables.AUTO_REUSE:
        return reuse
    if isinstance(reuse, str) and reuse == _variables.AUTO_REUSE:
        return _variables.AUTO_REUSE
    if isinstance(reuse, (bool, np.bool_)) or (
            isinstance(reuse, (int, np.integer)) and reuse in (0, 1)):
        return bool(reuse)
    raise ValueError(f"reuse must be True, False, None or iree_gn.AUTO_REUSE, got {reuse!r}.")


def _collections_for(variables_collections, name: str):
    """The names for variable ``name`` (beta/gamma), from ``_check_collections``' form."""
    if isinstance(variables_collections, dict):
        return list(variables_collections.get(name) or ())
    return list(variables_collections or ())


def _check_key_dict(value, arg: str) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        raise TypeError(f"{arg} must be a dict keyed by 'beta'/'gamma' or None, got "
                        f"{type(value).__name__}.")
    bad = sorted(set(value) - set(_TF_KEYS))
    if bad:
        raise ValueError(
            f"{arg} has unknown keys {bad}: group_norm only has the parameters 'beta' and "
            f"'gamma' (TF's 'moving_mean'/'moving_variance' are accepted and unused).")


def group_norm(
    inputs,
    groups: int = 32,
    channels_axis: int = -1,
    reduction_axes: Sequence[int] = (-3, -2),
    center: bool = True,
    scale: bool = True,
    epsilon: float = 1e-6,
    activation_fn: Any = None,
    param_initializers: Optional[dict] = None,
    reuse: Any = None,
    variables_collections: Any = None,
    outputs_collections: Any = None,
    trainable: bool = True,
    scope: Optional[str] = None,
    mean_close_to_zero: bool = False,
    *,
    target: str = "llvm-cpu",
    out: Optional[np.ndarray] = None,
) -> np.ndarray:
    """Group normalization (Wu & He, 2018), as TF 1.x ``tf.contrib.layers.group_norm``.

    The channel axis (size C) is split into ``groups`` groups of C // groups channels;
    statistics are taken over each group's channels and ``reduction_axes``, separately for
    every index of the other axes (batch, or any extra axis)::

        mean, var = moments(x, over=(channels of group g) x reduction_axes)
        y = activation_fn((x - mean) / sqrt(var + epsilon) * gamma + beta)

    ``gamma`` (ones) and ``beta`` (zeros) are variables of shape ``[C]`` in the input dtype,
    named ``<scope>/gamma`` and ``<scope>/beta`` in the current :class:`VariableStore`. A
    plain call outside ``with VariableStore()`` (no ``scope``, ``reuse``, collections or
    ``variable_scope``) records none: its gamma/beta are the ``param_initializers`` values
    (default ones/zeros), so a serving loop runs in flat memory.

    Args:
      inputs: an array of rank >= 2 (NumPy, or anything with ``__array__``/``__dlpack__``),
        float32, float16, bfloat16 (statistics in float32, result in the input dtype) or
        float64 (computed in float64).
      groups: number of groups; divides the channel count.
      channels_axis: the channel axis (negative counts from the end). NHWC: -1, NCHW: -3.
      reduction_axes: axes over which statistics are accumulated besides the group's
        channels. NHWC: (-3, -2), NCHW: (-2, -1).
      center, scale: create and apply ``beta`` / ``gamma``.
      epsilon: added to the variance: any finite float, as TF (a negative one gives NaN
        for a group whose variance + epsilon < 0, as TF does).
      activation_fn: None, a name (``"relu"``, ``"relu6"``, ``"silu"``/``"swish"``,
        ``"gelu"`` (exact, erf), ``"gelu_tanh"``, ``"sigmoid"``, ``"tanh"``, ``"elu"``,
        ``"leaky_relu"`` (slope 0.2, as TF)), or a JAX-traceable callable; fused into the
        compiled module.
      param_initializers: ``{"beta": init, "gamma": init}``; ``init(shape, dtype)`` returns
        an array, or ``init`` is an array-like (a scalar fills). TF's ``"moving_mean"`` and
        ``"moving_variance"`` keys are accepted and unused (so in ``variables_collections``).
      reuse: True to reuse the variables of ``scope`` (NumPy bools, 0 and 1 count as their
        bool); ``iree_gn.AUTO_REUSE`` to create them
        when missing; None/False to create new ones (an existing name is an error).
      variables_collections: collection names for the variables: a list, or a dict keyed by
        ``"beta"``/``"gamma"``.
      outputs_collections: collection names to which the output is added (as a
        :class:`NamedOutput` named after the scope).
      trainable: add the variables to ``GraphKeys.TRAINABLE_VARIABLES``.
      scope: the variable scope name; default ``GroupNorm``, uniquified per call.
      mean_close_to_zero: False: two-pass moments ``var = E[(x - E[x])^2]``, accurate for
        any mean. True: one-pass sufficient statistics ``var = E[x^2] - E[x]^2`` as TF
        does, which loses all precision when |mean| >> std. Measured in float32 on
        1x16x16x64 (32 groups), std-1 inputs, max |error| vs float64: mean 0: two-pass
        1.8e-6, one-pass 1.3e-6; mean 1e2: 1.7e-6 vs 1.7e-2; mean 1e4: 9.8e-7 vs 4.0e3
        (garbage). The two-pass sums run on data shifted by a value from each group (a
        median of five of its elements), so they stay small whatever the mean, and two
        outliers cannot be the shift.
      target: where to run: ``"llvm-cpu"`` (default), ``"vulkan"``, ``"cuda"``, ``"auto"``...
        (``iree_gn.TARGETS``).
      out: optional preallocated output: a writable NumPy array of the input's shape and
        dtype, any strides (64-byte aligned and C-contiguous: written in place, no copy).

    Returns:
      a NumPy array of the input's shape and dtype.

    Raises:
      ValueError: bad rank, axes out of bounds or overlapping, groups not commensurate with
        channels, bad epsilon, variable reuse errors (TF's messages).
      TypeError: an unsupported dtype, or an activation that JAX cannot trace.

    Example::

        >>> x = np.random.randn(2, 16, 16, 64).astype(np.float32)
        >>> y = iree_gn.group_norm(x, groups=32)
    """
    if scope is None and reuse is None and param_initializers is None and \
            variables_collections is None and outputs_collections is None and \
            type(inputs) is np.ndarray and _variables.plain_here():
        # A plain call (no variables: store_for says None) seen before with these arguments:
        # validated then, so it goes straight to the op with the shared ones/zeros.
        try:
            opts = (groups, channels_axis, reduction_axes, center, scale, epsilon,
                    activation_fn, mean_close_to_zero, target, trainable)
            plain = (inputs.shape, inputs.dtype, opts, _types(*opts))
            hit = _PLAIN.get(plain)
        except TypeError:  # an unhashable argument (a list of axes...): the full path
            hit = plain = None
        if hit is not None:
            return hit[0](inputs, *hit[1], out=out)
    else:
        plain = None
    if scope is not None and outputs_collections is None and type(inputs) is np.ndarray and (
            reuse is True or reuse is _variables.AUTO_REUSE or (
                # (1 and np.True_ mean True, and hash and compare equal to it in the key)
                isinstance(reuse, (int, np.integer, np.bool_)) and reuse == 1)):
        # A layer called again on its own variables: everything was validated by its first
        # call, so repeated calls skip straight to the compiled op (see _remember).
        store = _variables.current_store()
        try:
            # The initializer and collection arguments by identity: the entry holds them,
            # so a different object (unvalidated) never matches.
            opts = (groups, channels_axis, reduction_axes, center, scale, epsilon,
                    activation_fn, mean_close_to_zero, target, trainable)
            key = (id(store), store.scope_prefix, scope, reuse, inputs.shape, inputs.dtype,
                   opts, _types(*opts), id(param_initializers), id(variables_collections))
            hit = _REUSE.get(key)
        except TypeError:  # an unhashable argument (a list of axes...): the full path
            hit = key = None
        if hit is not None and hit[0]() is store:
            return hit[1](inputs, *[v.read_value() for v in hit[2]], out=out)
    else:
        key = None
    x = _as_array(inputs, "inputs")
    _check_key_dict(param_initializers, "param_initializers")
    vcols, ocols = _check_collections(variables_collections, outputs_collections)
    reuse = _check_reuse(reuse)
    if not isinstance(trainable, (bool, np.bool_)):
        raise ArgumentTypeError(f"trainable must be True or False, got {trainable!r}.")
    try:
        key_axes = tuple(reduction_axes)
    except TypeError:
        key_axes = reduction_axes  # not iterable: let the spec raise its message
    try:
        spec = _spec_for(x.shape, canonical_dtype(x.dtype, arg="inputs.dtype"), groups,
                         channels_axis, key_axes, center, scale, epsilon, activation_fn,
                         mean_close_to_zero)
    except TypeError as e:
        if "unhashable" not in str(e):
            raise
        spec = GroupNormSpec.create(
            x.shape, x.dtype, groups=groups, channels_axis=channels_axis,
            reduction_axes=key_axes, center=center, scale=scale, epsilon=epsilon,
            activation=activation_fn, mean_close_to_zero=mean_close_to_zero)
    tgt = _targets.resolve(target)

    store = _variables.store_for(scope, reuse, vcols, ocols)
    if store is None:
        # A plain call (no scope, reuse, collections or store asked for): fresh parameters,
        # recorded nowhere, so a loop of such calls runs in flat memory.
        sc, variables = None, []
        params = _plain_params(spec, x.dtype, param_initializers)
    else:
        sc, variables = _variables_for(spec, x.dtype, store, scope, reuse, trainable,
                                       param_initializers, vcols)
        params = [v.read_value() for v in variables]

    if x.size == 0:
        # Nothing to normalize (an empty batch, or an empty reduction axis): TF returns an
        # empty tensor; no module is compiled for it.
        if out is not None:
            from ._bound import check_out

            check_out(out, x.shape, x.dtype.name)
        y = out if out is not None else np.empty(x.shape, x.dtype)
    else:
        with compile_side(f"group_norm of {spec.short_name()} on {tgt.name}"):
            op = get_op(spec, tgt)
        y = op(x, *params, out=out)
        if key is not None and x is inputs and store is not None:
            _remember(key, store, op, variables, (param_initializers, variables_collections))
        if plain is not None and x is inputs and store is None:
            _remember_plain(plain, op, params)
    if ocols:
        store.add_to_collections(ocols, _variables.NamedOutput(sc, y))
    return y
