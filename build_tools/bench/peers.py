"""The forward implementations: iree_gn's two call paths and the peers.

Each ``prep_*(case, x, gamma, beta)`` returns ``(run, back, layout)`` (``harness.Impl``).
Peers are optional (``pip install -e .[bench]``); a missing one raises ``Missing`` and shows
as ``missing``. Each peer gets the same semantic problem: an NHWC (channels-last) input is
handed to PyTorch and onnxruntime as an NCHW-transposed copy made outside the timed region
(PyTorch also gets it in ``channels_last`` memory format, which is the NHWC bytes
themselves); NumPy and JAX work on the input's own layout. A fused activation is part of
iree_gn's, JAX's and onnxruntime's graphs; PyTorch and NumPy apply it as a separate
(in-place) step.

iree_gn is timed two ways: ``iree_gn op(out=)`` (``op = iree_gn.compile(...)`` called with a
preallocated, aligned output: the fastest path the API offers) and ``iree_gn group_norm``
(NumPy in and out, its variables in a reused scope).
"""

from __future__ import annotations

from typing import List

import numpy as np

from .cases import EPS, Geometry, np_dtype
from .harness import Impl, Missing, Unsupported
from reference import to_f64 as _f64


def prep_iree_op(case, x, gamma, beta):
    import iree_gn

    op = iree_gn.compile(case.shape, case.dtype, activation=case.activation, **case.kwargs())
    # Device-resident: buffers the runtime imports zero-copy (64-byte aligned), made once.
    xa, ga, ba = (iree_gn.aligned_array(a) for a in (x, gamma, beta))
    out = iree_gn.empty(x.shape, x.dtype)
    form = op.target.formulation_for(op.spec)
    return (lambda: op(xa, ga, ba, out=out)), _f64, \
        f"{case.layout} (input's own), compiled op ({form}), aligned buffers " \
        f"(iree_gn.empty), out="


def prep_iree_group_norm(case, x, gamma, beta):
    import iree_gn

    scope = f"bench/{case.name}"
    kw = dict(activation_fn=case.activation, scope=scope, reuse=iree_gn.AUTO_REUSE,
              param_initializers={"gamma": gamma, "beta": beta}, **case.kwargs())

    def run():
        return iree_gn.group_norm(x, **kw)

    run()  # creates the scope's variables (gamma, beta) from the initializers
    return run, _f64, f"{case.layout} (input's own), NumPy in / NumPy out"


def import_torch():
    try:
        import torch
    except ImportError as e:
        raise Missing(f"torch not installed ({e})") from e
    return torch


def to_torch(torch, a: np.ndarray):
    if a.dtype.name == "bfloat16":
        return torch.from_numpy(np.ascontiguousarray(a).view(np.int16)).view(torch.bfloat16)
    return torch.from_numpy(np.ascontiguousarray(a))


def _torch_common(case, x, gamma, beta, channels_last: bool):
    torch = import_torch()
    geo = Geometry.of(case)
    if geo.to_cfirst is None:
        raise Unsupported("torch group_norm needs (N, C, spatial...) with all spatial reduced")
    xc = np.ascontiguousarray(np.transpose(x, geo.to_cfirst))  # outside the timed region
    t = to_torch(torch, xc)
    native = geo.to_cfirst == tuple(range(len(case.shape)))
    if channels_last:
        fmt = {4: torch.channels_last, 5: torch.channels_last_3d}.get(t.dim())
        if fmt is None:
            raise Unsupported(f"no channels_last format for rank {t.dim()}")
        t = t.contiguous(memory_format=fmt)
        layout = "channels_last " + ("copy made outside timing" if native
                                     else f"(the {case.layout} bytes themselves)")
    else:
        layout = ("NCHW" if t.dim() == 4 else "NCDHW") + (
            " (input's own)" if native else ", transposed copy made outside timing")
    g, b = to_torch(torch, gamma), to_torch(torch, beta)
    F = torch.nn.functional
    silu = case.activation == "silu"

    def run():
        with torch.inference_mode():
            y = F.group_norm(t, case.groups, g, b, EPS)
            return F.silu(y, inplace=True) if silu else y

    inv = geo.inverse()

    def back(y):
        return np.transpose(y.to(torch.float64).numpy(), inv)

    if silu:
        layout += "; SiLU as a separate in-place op"
    return run, back, layout


def prep_torch_nchw(case, x, gamma, beta):
    return _torch_common(case, x, gamma, beta, channels_last=False)


def prep_torch_cl(case, x, gamma, beta):
    return _torch_common(case, x, gamma, beta, channels_last=True)


def jax_group_norm(case):
    """``gn(x, gamma, beta)``: group norm in jax.numpy (two-pass moments) for ``case``."""
    try:
        import jax
        import jax.numpy as jnp
    except ImportError as e:
        raise Missing(f"jax not installed ({e})") from e
    geo = Geometry.of(case)
    low = case.dtype in ("float16", "bfloat16")

    def gn(x, gamma, beta):
        xf = x.astype(jnp.float32) if low else x
        xs = xf.reshape(geo.split_shape)
        m = jnp.mean(xs, axis=geo.stat_axes, keepdims=True)
        v = jnp.mean(jnp.square(xs - m), axis=geo.stat_axes, keepdims=True)
        y = ((xs - m) * jax.lax.rsqrt(v + EPS)).reshape(geo.shape)
        y = y * gamma.astype(xf.dtype).reshape(geo.param_shape) + \
            beta.astype(xf.dtype).reshape(geo.param_shape)
        if case.activation == "silu":
            y = jax.nn.silu(y)
        return y.astype(x.dtype)

    return gn


def prep_jax(case, x, gamma, beta):
    gn = jax_group_norm(case)
    import jax

    f = jax.jit(gn)
    xj, gj, bj = (jax.device_put(a) for a in (x, gamma, beta))
    f(xj, gj, bj).block_until_ready()  # compile outside the timed region
    return (lambda: f(xj, gj, bj).block_until_ready()), (lambda y: _f64(np.asarray(y))), \
        f"{case.layout} (input's own), jnp GN, device arrays"


def _onnx_type(onnx, dtype: str):
    return {"float32": onnx.TensorProto.FLOAT, "float16": onnx.TensorProto.FLOAT16,
            "bfloat16": onnx.TensorProto.BFLOAT16}[dtype]


def _ort_session(case, build_nodes, x, gamma, beta):
    try:
        import onnx
        from onnx import helper
        import onnxruntime as ort
    except ImportError as e:
        raise Missing(f"onnxruntime/onnx not installed ({e})") from e
    geo = Geometry.of(case)
    if geo.to_cfirst is None:
        raise Unsupported("ONNX GroupNormalization needs (N, C, spatial...)")
    xc = np.ascontiguousarray(np.transpose(x, geo.to_cfirst))  # outside the timed region
    et = _onnx_type(onnx, case.dtype)
    c = xc.shape[1]
    nodes, inits = build_nodes(onnx, helper, et, xc.shape, c)
    y_name = nodes[-1].output[0]
    if case.activation == "silu":
        nodes += [helper.make_node("Sigmoid", [y_name], ["sig"]),
                  helper.make_node("Mul", [y_name, "sig"], ["y_act"])]
        y_name = "y_act"
    elif case.activation is not None:
        raise Unsupported(f"activation {case.activation!r}")
    graph = helper.make_graph(
        nodes, "gn",
        [helper.make_tensor_value_info("x", et, list(xc.shape)),
         helper.make_tensor_value_info("scale", et, [c]),
         helper.make_tensor_value_info("bias", et, [c])],
        [helper.make_tensor_value_info(y_name, et, list(xc.shape))],
        initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 21)])
    model.ir_version = 10  # what onnxruntime 1.2x reads
    onnx.checker.check_model(model)
    try:
        sess = ort.InferenceSession(model.SerializeToString(),
                                    providers=["CPUExecutionProvider"])
        feeds = {"x": xc, "scale": gamma, "bias": beta}
        sess.run([y_name], feeds)
    except Exception as e:  # ORT raises its own exception types for missing kernels
        raise Unsupported(f"onnxruntime: {str(e).splitlines()[0][:160]}") from e
    inv = geo.inverse()
    return (lambda: sess.run([y_name], feeds)[0]), (lambda y: np.transpose(_f64(y), inv)), \
        "NCHW" if len(case.shape) == 4 else "NCDHW"


def prep_ort_gn(case, x, gamma, beta):
    def nodes(onnx, helper, et, shape, c):
        return [helper.make_node("GroupNormalization", ["x", "scale", "bias"], ["y"],
                                 num_groups=case.groups, epsilon=EPS)], []

    run, back, layout = _ort_session(case, nodes, x, gamma, beta)
    return run, back, f"{layout} (transposed copy outside timing if NHWC), opset 21, NumPy I/O"


def prep_ort_instnorm(case, x, gamma, beta):
    # The pattern torch.onnx used to export GroupNorm: reshape to (N, G, -1), instance norm
    # with unit scale, reshape back, then the per-channel affine.
    def nodes(onnx, helper, et, shape, c):
        from onnx import numpy_helper

        dt = np_dtype(case.dtype)
        g = case.groups
        rest = [1] * (len(shape) - 2)
        inits = [
            numpy_helper.from_array(np.array([shape[0], g, -1], np.int64), "grouped_shape"),
            numpy_helper.from_array(np.array(shape, np.int64), "orig_shape"),
            numpy_helper.from_array(np.array([c] + rest, np.int64), "param_shape"),
            numpy_helper.from_array(np.ones(g, dt), "ones_g"),
            numpy_helper.from_array(np.zeros(g, dt), "zeros_g"),
        ]
        return [
            helper.make_node("Reshape", ["x", "grouped_shape"], ["xg"]),
            helper.make_node("InstanceNormalization", ["xg", "ones_g", "zeros_g"], ["ng"],
                             epsilon=EPS),
            helper.make_node("Reshape", ["ng", "orig_shape"], ["n"]),
            helper.make_node("Reshape", ["scale", "param_shape"], ["scale_b"]),
            helper.make_node("Reshape", ["bias", "param_shape"], ["bias_b"]),
            helper.make_node("Mul", ["n", "scale_b"], ["ns"]),
            helper.make_node("Add", ["ns", "bias_b"], ["y"]),
        ], inits

    run, back, layout = _ort_session(case, nodes, x, gamma, beta)
    return run, back, f"{layout}, Reshape+InstanceNormalization+affine, NumPy I/O"


def prep_numpy(case, x, gamma, beta):
    geo = Geometry.of(case)
    low = case.dtype in ("float16", "bfloat16")
    g32 = gamma.astype(np.float32).reshape(geo.param_shape)
    b32 = beta.astype(np.float32).reshape(geo.param_shape)
    silu = case.activation == "silu"

    def run():
        xf = x.astype(np.float32) if low else x
        xs = xf.reshape(geo.split_shape)
        m = xs.mean(axis=geo.stat_axes, keepdims=True, dtype=np.float32)
        d = xs - m
        v = np.mean(np.square(d), axis=geo.stat_axes, keepdims=True)
        d *= 1.0 / np.sqrt(v + np.float32(EPS))
        y = d.reshape(geo.shape)
        y *= g32
        y += b32
        if silu:
            y *= 1.0 / (1.0 + np.exp(-y))
        return y.astype(x.dtype) if low else y

    return run, _f64, f"{case.layout} (input's own), float32 two-pass"


IMPLS: List[Impl] = [
    Impl("iree_gn op(out=)", prep_iree_op, ours=True),
    Impl("iree_gn group_norm", prep_iree_group_norm, ours=True),
    Impl("torch NCHW", prep_torch_nchw),
    Impl("torch channels_last", prep_torch_cl),
    Impl("jax.jit", prep_jax),
    Impl("ort GroupNormalization", prep_ort_gn),
    Impl("ort InstanceNorm pattern", prep_ort_instnorm),
    Impl("numpy", prep_numpy),
]
