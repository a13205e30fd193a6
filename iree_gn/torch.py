"""PyTorch adapter: ``group_norm`` and ``GroupNorm`` with torch's semantics, run by iree_gn.

    >>> import torch, iree_gn.torch as gnt
    >>> y = gnt.group_norm(x, 32, weight, bias)          # like torch.nn.functional.group_norm
    >>> model.norm = gnt.GroupNorm(32, 320)               # like torch.nn.GroupNorm

Semantics of ``torch.nn.functional.group_norm``: channels at dim 1 of an input of rank >= 2
(``[N, C]``, ``[N, C, L]``, ``[N, C, H, W]``, ...); per sample and group of ``C // G``
channels, ``y = (x - mean) / sqrt(var + eps) * weight[c] + bias[c]`` with the biased
variance over the group's channels and every axis after dim 1. Differentiable through a
``torch.autograd.Function`` whose forward and backward are iree_gn's compiled ops
(``iree_gn.compile(...)`` and ``op.vjp``), one op per (trailing shape, dtype, options): the
batch axis is dynamic, so one op serves every batch size.

Memory: CPU tensors are handed to IREE as NumPy views of the same memory (no copy) and the
results are written into torch tensors' memory (``out=``). A 4-D ``channels_last`` tensor
is normalized on its NHWC bytes as they are (a channels-last op on the permuted view, no
copy) and the result is ``channels_last`` too (so a 5-D ``channels_last_3d`` one). float32,
float16, bfloat16 and float64.

Transforms: under ``torch.compile`` the adapter runs eagerly (a graph break); with
``torch.func`` (``grad``, ``vmap``, per-sample gradients ``vmap(grad(f))``) its forward and
backward are Functions of their own with ``vmap`` rules. First derivatives only.
Needs ``pip install iree-gn[torch]`` (and the ``compile`` extra to build the ops).
"""

from __future__ import annotations

import functools
import math
import numbers
from typing import Optional

import numpy as np
import torch

import iree_gn
from ._bound import as_host_array
from ._runtime import BFLOAT16

__all__ = ["ArgumentError", "GroupNorm", "group_norm", "swap_group_norms"]

_DTYPES = {torch.float32: "float32", torch.float16: "float16", torch.bfloat16: "bfloat16",
           torch.float64: "float64"}


@functools.lru_cache(maxsize=256)
def _op(tail, dtype: str, groups: int, channels_last: bool, center: bool, scale: bool,
        eps: float):
    """The compiled op for inputs ``[N, *tail]`` (N dynamic): NCHW-style (channels at 1,
    statistics over every later axis), or NHWC for the channels_last view."""
    shape = (None, *tail)
    if channels_last:
        ca, red = -1, tuple(range(1, len(shape) - 1))
    else:
        ca, red = 1, tuple(range(2, len(shape)))
    return iree_gn.compile(shape, dtype, groups=groups, channels_axis=ca, reduction_axes=red,
                           center=center, scale=scale, epsilon=eps)


def _np(t: torch.Tensor) -> np.ndarray:
    """A NumPy view of a CPU tensor's memory (detached; bfloat16 through int16). The
    adapter has checked device and dtype, so this is the call path's reading of a tensor
    (``_bound.as_host_array``) less its checks: 0.5 us a tensor, not 4, and an adapter call
    reads five to eight."""
    t = t.detach()
    if t.dtype is torch.bfloat16:
        return t.view(torch.int16).numpy().view(BFLOAT16)
    try:
        return t.numpy()
    except RuntimeError:  # a conjugate/negative view bit: the general reading resolves it
        return as_host_array(t, "input")


_CL_FORMATS = {4: torch.channels_last, 5: torch.channels_last_3d}


def _to_nhwc(t: torch.Tensor) -> torch.Tensor:
    """``[N, C, *S]`` -> the ``[N, *S, C]`` view (no copy)."""
    return t.permute(0, *range(2, t.dim()), 1)


def _nhwc_view(t: torch.Tensor) -> Optional[torch.Tensor]:
    """The NHWC (NDHWC) view of a 4-D channels_last (5-D channels_last_3d) tensor
    (contiguous: its bytes as they are)."""
    fmt = _CL_FORMATS.get(t.dim())
    if fmt is not None and not t.is_contiguous() and t.is_contiguous(memory_format=fmt):
        return _to_nhwc(t)
    return None


def _suggest(x) -> torch.memory_format:
    """torch's suggested memory format of ``x`` (contiguous where torch has no helper)."""
    try:
        from torch._prims_common import suggest_memory_format
    except ImportError:  # (a torch without it)
        return torch.contiguous_format
    return suggest_memory_format(x)


def _key(x, weight, bias, num_groups, eps):
    """The op's key (see ``_op``) for this call, and x as the op reads it: its NHWC view
    (channels_last), else x contiguous (a copy only if x is not)."""
    xv = _nhwc_view(x)
    channels_last = xv is not None
    if not channels_last:
        xv = x.contiguous()
    return (tuple(xv.shape[1:]), _DTYPES[x.dtype], num_groups, channels_last,
            bias is not None, weight is not None, eps), xv


def _vmap_loop(fn, info, in_dims, args):
    """torch.func.vmap of ``fn`` (a Function's apply) by a loop over the mapped index:
    ``fn`` per index, the tensor outputs stacked at dim 0 (None outputs stay None)."""
    outs = [fn(*[a.select(d, i) if d is not None else a for a, d in zip(args, in_dims)])
            for i in range(info.batch_size)]
    if isinstance(outs[0], torch.Tensor):
        return torch.stack(outs), 0
    return (tuple(None if o[0] is None else torch.stack(o) for o in zip(*outs)),
            tuple(None if o is None else 0 for o in outs[0]))


class _GroupNormFunction(torch.autograd.Function):
    # The op's parameters are read in place (any dtype and strides: the op casts and copies
    # what it must), so weight and bias are saved as they are, never copied. Forward and
    # setup_context apart (not forward(ctx, ...)): what torch.func's transforms require.
    @staticmethod
    def forward(x, weight, bias, num_groups, eps):
        key, xv = _key(x, weight, bias, num_groups, eps)
        params = [p for p in (weight, bias) if p is not None]
        # x's memory format, as torch's own kernel picks it (its suggest_memory_format: a
        # sliced channels_last x gets a channels_last y; the op then writes through a copy)
        y = torch.empty_like(x) if key[3] else torch.empty_like(xv, memory_format=_suggest(x))
        _op(*key)(_np(xv), *[_np(p) for p in params],
                  out=_np(_to_nhwc(y) if key[3] else y))
        return y

    @staticmethod
    def setup_context(ctx, inputs, output):
        x, weight, bias, num_groups, eps = inputs
        # The graph keeps the key, not the op: torch never frees graphs alive at exit, and
        # IREE objects reachable from one are then reported as leaks.
        ctx.key = (num_groups, eps)
        ctx.save_for_backward(x, *[p for p in (weight, bias) if p is not None])
        ctx.has = (weight is not None, bias is not None)

    @staticmethod
    def vmap(info, in_dims, x, weight, bias, num_groups, eps):
        # torch.func.vmap: with only x mapped, its mapped axis joins the batch (one call);
        # else one call per index.
        if in_dims[1:3] == (None, None) and in_dims[0] is not None:
            xs = x.movedim(in_dims[0], 0)
            y = _GroupNormFunction.apply(xs.flatten(0, 1), weight, bias, num_groups, eps)
            return y.unflatten(0, xs.shape[:2]), 0
        return _vmap_loop(_GroupNormFunction.apply, info, in_dims,
                          (x, weight, bias, num_groups, eps))

    @staticmethod
    def backward(ctx, dy):
        if torch._C._functorch.is_legacy_batchedtensor(dy):
            # torch's legacy batching (is_grads_batched=True, jacobian(vectorize=True),
            # gradcheck(check_batched_grad=True)) hides the batch axis from a backward.
            raise RuntimeError(
                "iree_gn.torch.group_norm's backward cannot run under torch's legacy batched "
                "gradients (autograd.grad(is_grads_batched=True), "
                "autograd.functional.jacobian(vectorize=True), "
                "gradcheck(check_batched_grad=True)): use them unbatched, or "
                "torch.func.vmap over torch.func.vjp, which the adapter supports.")
        x, *params = ctx.saved_tensors
        weight = params[0] if ctx.has[0] else None
        bias = params[-1] if ctx.has[1] else None
        return _GroupNormVjp.apply(dy, x, weight, bias, *ctx.key) + (None, None)


class _GroupNormVjp(torch.autograd.Function):
    """The backward as a function of its own: torch.func's ``grad`` runs a backward on its
    wrapped tensors, and only a Function's forward sees them unwrapped (with storage, as
    the compiled op needs). Not differentiable again: see ``backward``."""

    @staticmethod
    def forward(dy, x, weight, bias, num_groups, eps):
        key, xv = _key(x, weight, bias, num_groups, eps)
        params = [p for p in (weight, bias) if p is not None]
        if key[3]:  # channels_last: NHWC views (no copy when dy is channels_last)
            dyv = _to_nhwc(dy)
            dx = torch.empty_like(x, memory_format=_CL_FORMATS[x.dim()])
            dxv = _to_nhwc(dx)
        else:
            dyv = dy
            dx = dxv = torch.empty_like(xv, memory_format=torch.contiguous_format)
        if dyv.dtype != x.dtype:
            dyv = dyv.to(x.dtype)
        # (dy at any strides: the op reads it in place where it can, else copies it.)
        _, *dparams = _op(*key).vjp(_np(xv), *[_np(p) for p in params], _np(dyv),
                                    out=_np(dxv))
        # Each gradient in its parameter's dtype: float32 parameters of a 16-bit input
        # (mixed precision) get the op's float32 sums, not a 16-bit rounding of them.
        grads = [_tensor(d, p.dtype) for d, p in zip(dparams, params)]
        dw = grads.pop(0) if key[5] else None
        db = grads.pop(0) if key[4] else None
        return dx, dw, db

    @staticmethod
    def setup_context(ctx, inputs, output):
        pass

    @staticmethod
    def vmap(info, in_dims, *args):
        # (Per-sample gradients, vmap(grad(f)): dgamma and dbeta are sums per index.)
        return _vmap_loop(_GroupNormVjp.apply, info, in_dims, args)

    @staticmethod
    def backward(ctx, *grads):
        # The backward runs outside autograd (compiled ops): a second derivative
        # (create_graph=True, a gradient penalty) must raise, not treat the first
        # derivative as a constant.
        raise RuntimeError(
            "iree_gn.torch.group_norm's backward is once_differentiable: a second derivative "
            "(create_graph=True, a gradient penalty, torch.func.hessian) is not supported; "
            "use torch.nn.functional.group_norm where one is needed.")


def _tensor(d: np.ndarray, dtype) -> torch.Tensor:
    """A parameter's gradient (float32 or float64 NumPy) as a tensor of ``dtype``."""
    if d.dtype == BFLOAT16:
        d = d.astype(np.float32)
    t = torch.from_numpy(d)
    return t if t.dtype is dtype else t.to(dtype)


class ArgumentError(ValueError, RuntimeError):
    """A bad argument where torch.nn.functional.group_norm raises RuntimeError with the same
    words: both ``except ValueError`` (this package's rule) and ``except RuntimeError``
    (code written for torch) catch it."""


def _check(input, num_groups, weight, bias, eps):
    if not isinstance(input, torch.Tensor):
        raise TypeError(f"input must be a torch.Tensor, got {type(input).__name__}.")
    if input.device.type != "cpu":
        raise ValueError(
            f"input is on device {input.device}; iree_gn.torch runs CPU tensors only (its "
            f"modules for other devices are called through iree_gn.compile(target=...) with "
            f"host arrays). Move the tensor with .cpu(), or use torch.nn.functional.group_norm.")
    if input.dtype not in _DTYPES:
        raise TypeError(f"input has dtype {input.dtype}; iree_gn.torch takes "
                        f"{', '.join(map(str, _DTYPES))}.")
    if input.dim() < 2:
        raise ArgumentError(f"Expected at least 2 dimensions for input tensor but received "
                            f"{input.dim()} (shape {tuple(input.shape)}).")
    C = input.shape[1]
    if num_groups < 1:
        raise ArgumentError(f"Expected num groups to be greater than 0, got {num_groups}")
    if C % num_groups:
        raise ArgumentError(
            f"Expected number of channels in input to be divisible by num_groups, but got "
            f"input of shape {tuple(input.shape)} and num_groups={num_groups!r}.")
    # torch's _verify_batch_size: one value per group and sample is refused.
    size = [input.shape[0] * C // num_groups, num_groups] + list(input.shape[2:])
    if math.prod([size[0]] + size[2:]) == 1:
        raise ValueError(
            f"Expected more than 1 value per channel when training, got input size {size}")
    for name, p in (("weight", weight), ("bias", bias)):
        if p is not None and not isinstance(p, torch.Tensor):
            raise TypeError(f"{name} must be None or a tensor, got {type(p).__name__}.")
        if p is not None and (tuple(p.shape) != (C,) or p.device.type != "cpu"):
            raise ArgumentError(f"{name} must be None or a CPU tensor of shape ({C},), got "
                                f"shape {tuple(p.shape)} on device {p.device}.")
    dtypes = {p.dtype for p in (weight, bias) if p is not None}
    allowed = {input.dtype} | ({torch.float32} if input.dtype in (torch.float16, torch.bfloat16)
                               else set())
    if len(dtypes) > 1 or not dtypes <= allowed:
        # (torch: RuntimeError "mixed dtype (CPU): expect parameter to have scalar type...")
        raise ArgumentError(
            f"weight and bias must share one dtype, {' or '.join(sorted(map(str, allowed)))} "
            f"for an input of {input.dtype} (torch.nn.functional.group_norm's rule), got "
            f"weight {getattr(weight, 'dtype', None)} and bias {getattr(bias, 'dtype', None)}.")


def _is_fake(t) -> bool:
    try:
        from torch._subclasses.fake_tensor import FakeTensor
    except ImportError:  # (a torch without fake tensors)
        return False
    return isinstance(t, FakeTensor)


def _int_groups(num_groups) -> int:
    """num_groups as torch takes it: an int (NumPy's too) or a 0-d integer tensor."""
    if isinstance(num_groups, torch.Tensor) and num_groups.dim() == 0 and \
            not num_groups.dtype.is_floating_point and num_groups.dtype is not torch.bool:
        return int(num_groups)
    if isinstance(num_groups, numbers.Integral) and not isinstance(num_groups, bool):
        return int(num_groups)
    raise TypeError(f"group_norm(): argument 'num_groups' must be int, not "
                    f"{type(num_groups).__name__} ({num_groups!r}).")


def _float_eps(eps) -> float:
    """eps as torch takes it: any finite real (a negative one gives NaN where var + eps <
    0), or a 0-d tensor."""
    if isinstance(eps, torch.Tensor) and eps.dim() == 0 and eps.dtype is not torch.bool:
        eps = eps.item()
    if isinstance(eps, bool) or not isinstance(eps, numbers.Real) or not math.isfinite(eps):
        raise ValueError(f"eps must be a finite real number, got {eps!r}.")
    return float(eps)


# Under torch.compile the adapter runs eagerly (a graph break): Dynamo cannot trace its
# NumPy views and IREE calls (it failed inside them, "invoke(): incompatible function
# arguments"); the layers around it are compiled as usual.
@torch.compiler.disable(reason="iree_gn.torch.group_norm runs its compiled module on real CPU "
                        "memory outside torch's graph: it runs eagerly (a graph break) and "
                        "cannot be exported; export a model with torch.nn.GroupNorm instead")
def group_norm(input: torch.Tensor, num_groups: int, weight: Optional[torch.Tensor] = None,
               bias: Optional[torch.Tensor] = None, eps: float = 1e-05) -> torch.Tensor:
    """``torch.nn.functional.group_norm`` computed by iree_gn (forward and backward).

    Shapes: input ``[N, C, *]`` (rank >= 2), weight/bias ``[C]`` or None (then no scale /
    no shift). Returns a tensor of input's shape, dtype and memory format.
    """
    if torch.compiler.is_exporting() or _is_fake(input):
        raise RuntimeError(
            "iree_gn.torch.group_norm cannot run on fake tensors (torch.export, FakeTensorMode"
            "): it runs its compiled module on real CPU memory, outside torch's graph. "
            "Export a model with torch.nn.GroupNorm (the same state_dict), and deploy "
            "iree_gn's op itself with `iree-gn build`.")
    if torch.jit.is_tracing():
        # The op runs outside torch: a trace would record its output as a constant.
        raise RuntimeError(
            "iree_gn.torch.group_norm cannot be traced by torch.jit (it runs outside torch, "
            "so the trace would hold this call's output as a constant); trace a model with "
            "torch.nn.GroupNorm, or use torch.compile, where the adapter runs eagerly.")
    num_groups, eps = _int_groups(num_groups), _float_eps(eps)
    _check(input, num_groups, weight, bias, eps)
    if input.shape[0] == 0 or input.numel() == 0:
        return torch.nn.functional.group_norm(input, num_groups, weight, bias, eps)
    return _GroupNormFunction.apply(input, weight, bias, num_groups, eps)


class GroupNorm(torch.nn.GroupNorm):
    """``torch.nn.GroupNorm`` computed by iree_gn: a subclass with the same arguments,
    parameters (``weight``, ``bias``), initialization and ``state_dict``, so a torch model's
    GroupNorm layers can be swapped for it, its checkpoints loaded, and code that finds norm
    layers by ``isinstance(m, torch.nn.GroupNorm)`` (weight-decay exemptions) still finds
    them."""

    def forward(self, input: torch.Tensor) -> torch.Tensor:
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)


def swap_group_norms(module: torch.nn.Module) -> torch.nn.Module:
    """Make every ``torch.nn.GroupNorm`` in ``module`` (recursively, ``module`` itself
    included) a :class:`GroupNorm`, in place: each layer object stays the same, only its
    class changes, so its parameters (dtype, device, values, an optimizer made before),
    hooks, attributes and sharing between parents are kept. A subclass of
    ``torch.nn.GroupNorm`` (a parametrized layer, a user's own) is left as it is, with a
    warning naming it: its own forward may not be replaced. Returns ``module``."""
    import warnings

    for name, m in module.named_modules():
        if type(m) is torch.nn.GroupNorm:
            m.__class__ = GroupNorm
        elif isinstance(m, torch.nn.GroupNorm) and not isinstance(m, GroupNorm):
            warnings.warn(f"swap_group_norms: {name or 'the module'} is a "
                          f"{type(m).__name__}, a subclass of torch.nn.GroupNorm; left as it "
                          f"is (its own forward would be replaced).", stacklevel=2)
    return module
