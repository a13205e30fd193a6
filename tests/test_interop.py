"""Arrays a user may hand the op: big-endian NumPy, torch tensors (requires_grad, bfloat16),
JAX arrays; through group_norm, compiled ops, bundles and `iree-gn run` (issue 12, defects
2 and 8). Each result is checked against the float64 reference."""

import numpy as np
import pytest

import iree_gn
from iree_gn._runtime import numpy_dtype
from reference import assert_close, ref_group_norm
from targets_for_tests import _param

SHAPES = [(1, 8, 8, 32), (2, 24, 24, 64)]  # staged small call; large call (imported/copied)


def _data(rng, shape, dtype="float32"):
    C = shape[-1]
    dt = numpy_dtype(dtype)
    x = (rng.standard_normal(shape) * 3 + 2).astype(dt)
    return x, (rng.standard_normal(C) + 1).astype(dt), rng.standard_normal(C).astype(dt)


@pytest.mark.parametrize("target", ["llvm-cpu", _param("vulkan")])
@pytest.mark.parametrize("shape", SHAPES, ids=["small", "large"])
def test_big_endian_inputs_are_converted_not_reinterpreted(shape, target, rng):
    op = iree_gn.compile(shape, "float32", groups=8, target=target)
    x, g, b = _data(rng, shape)
    ref = ref_group_norm(x, 8, gamma=g, beta=b)
    xb, gb, bb = (a.astype(">f4") for a in (x, g, b))
    out = np.empty(shape, ">f4")
    for args in ((xb, g, b), (x, gb, bb), (xb, gb, bb)):
        y = op(*args)
        assert y.dtype == np.dtype("float32") and y.dtype.isnative  # results: native order
        assert_close(y, ref, "float32")
    assert op(xb, gb, bb, out=out) is out  # a big-endian out= gets the right values
    assert_close(out, ref, "float32")
    # A later native call (the pool must not hand out a big-endian buffer) is right too.
    x2, g2, b2 = _data(rng, shape)
    for _ in range(3):
        assert_close(op(x2, g2, b2), ref_group_norm(x2, 8, gamma=g2, beta=b2), "float32")


def test_big_endian_through_group_norm_and_dynamic_batch(rng):
    x, _, _ = _data(rng, (3, 8, 8, 32))
    with iree_gn.VariableStore():
        y = iree_gn.group_norm(x.astype(">f4"), groups=8)
        assert y.dtype.isnative
        assert_close(y, ref_group_norm(x, 8), "float32")
        assert_close(iree_gn.group_norm(x, groups=8), ref_group_norm(x, 8), "float32")
        # Variables made by a big-endian call are native: a native call shares them.
        for a in (x.astype(">f4"), x, x.astype(">f4")):
            y = iree_gn.group_norm(a, groups=8, scope="gn", reuse=iree_gn.AUTO_REUSE)
            assert_close(y, ref_group_norm(x, 8), "float32")
    op = iree_gn.compile((None, 8, 8, 32), "float32", groups=8)
    assert_close(op(x.astype(">f4"), np.ones(32, ">f4"), np.zeros(32, ">f8")),
                 ref_group_norm(x, 8), "float32")


def test_big_endian_through_a_bundle_and_iree_gn_run(tmp_path, rng):
    from iree_gn import _bundle
    from iree_gn.cli import main
    from iree_gn.deploy import load_bundle

    spec = '{"shape": [null, 8, 8, 32], "dtype": "float32", "groups": 8}'
    res = _bundle.build([_bundle.item_from_json(spec)], ["llvm-cpu"], str(tmp_path / "b"),
                        stream=None)
    assert not res.failures, res.failures
    gn = load_bundle(str(tmp_path / "b"))
    x, g, b = _data(rng, (2, 8, 8, 32))
    ref = ref_group_norm(x, 8, gamma=g, beta=b)
    assert_close(gn(x.astype(">f4"), g.astype(">f4"), b), ref, "float32")
    assert_close(gn(x, g, b), ref, "float32")
    np.save(tmp_path / "x.npy", x.astype(">f4"))
    np.save(tmp_path / "g.npy", g.astype(">f4"))
    assert main(["run", str(tmp_path / "b"), "--input", str(tmp_path / "x.npy"), "--gamma",
                 str(tmp_path / "g.npy"), "-o", str(tmp_path / "y.npy")]) == 0
    y = np.load(tmp_path / "y.npy")
    assert_close(y, ref_group_norm(x, 8, gamma=g), "float32")


def test_bad_parameters_name_the_argument(rng):
    op = iree_gn.compile((1, 8, 8, 32), "float32", groups=8)
    x, g, b = _data(rng, (1, 8, 8, 32))
    with pytest.raises(TypeError, match="gamma has dtype complex64: a complex value"):
        op(x, g.astype(np.complex64), b)
    with pytest.raises(TypeError, match=r"gamma has dtype <U1 \(strings\)"):
        op(x, np.array(["a"] * 32), b)
    with pytest.raises(TypeError, match=r"beta has dtype object \(Python objects\)"):
        op(x, g, np.array([object()] * 32))
    with pytest.raises(TypeError, match="gamma has dtype <U3"):
        op(x, "abc", b)
    with pytest.raises(TypeError, match="inputs has dtype float64; this op was compiled for"):
        op(x.astype(np.float64), g, b)
    with pytest.raises(TypeError, match="this op takes x, gamma, beta"):
        op(x, g)
    with pytest.raises(ValueError, match=r"out must be a writable ndarray of shape "
                                         r"\(1, 8, 8, 32\) and dtype float32"):
        op(x, g, b, out=np.empty((1, 8, 8, 32), np.float16))
    # Real parameters of another dtype are cast, as before.
    assert_close(op(x, g.astype(np.float64), b.astype(np.int64)),
                 ref_group_norm(x, 8, gamma=g, beta=b.astype(np.int64)), "float32")


def test_out_rule_is_the_same_on_every_call(rng):
    # Any writable out of the right shape and dtype is accepted on the first call and later
    # ones (strided, unaligned: written through a copy); a read-only one never is.
    shape = (2, 24, 24, 64)
    op = iree_gn.compile(shape, "float32", groups=8)
    x, g, b = _data(rng, shape)
    ref = ref_group_norm(x, 8, gamma=g, beta=b)
    strided = np.zeros(shape[:-1] + (128,), np.float32)[..., ::2]
    for _ in range(2):
        assert op(x, g, b, out=strided) is strided
        assert_close(strided, ref, "float32")
    ro = np.empty(shape, np.float32)
    ro.flags.writeable = False
    for _ in range(2):
        with pytest.raises(ValueError, match="read-only"):
            op(x, g, b, out=ro)


# ---- torch -------------------------------------------------------------------------------
@pytest.mark.parametrize("shape", SHAPES, ids=["small", "large"])
def test_torch_requires_grad_and_bfloat16(shape, rng):
    torch = pytest.importorskip("torch", reason="torch is not installed")
    x, g, b = _data(rng, shape)
    op = iree_gn.compile(shape, "float32", groups=8)
    tx = torch.from_numpy(x).requires_grad_(True)
    tg = torch.nn.Parameter(torch.from_numpy(g))  # requires_grad=True
    assert_close(op(tx, tg, torch.from_numpy(b)), ref_group_norm(x, 8, gamma=g, beta=b),
                 "float32")
    # bfloat16: NumPy cannot read torch's bfloat16 (no DLPack/__array__ for it); its bits are.
    xb = torch.from_numpy(x).to(torch.bfloat16).requires_grad_(True)
    gb, bb = torch.from_numpy(g).to(torch.bfloat16), torch.from_numpy(b).to(torch.bfloat16)
    xr = xb.detach().float().numpy()
    ref = ref_group_norm(xr, 8, gamma=gb.float().numpy(), beta=bb.float().numpy())
    opb = iree_gn.compile(shape, "bfloat16", groups=8)
    y = opb(xb, gb, bb)
    assert y.dtype == numpy_dtype("bfloat16")
    assert_close(y, ref, "bfloat16")
    with iree_gn.VariableStore():
        assert_close(iree_gn.group_norm(xb, groups=8), ref_group_norm(xr, 8), "bfloat16")
    # A transposed (non-contiguous) tensor is read right too.
    xt = torch.from_numpy(np.ascontiguousarray(x.transpose(0, 2, 1, 3))).transpose(1, 2)
    assert_close(op(xt, g, b), ref_group_norm(x, 8, gamma=g, beta=b), "float32")


def test_jax_arrays(rng):
    jnp = pytest.importorskip("jax.numpy", reason="jax is not installed")
    shape = (2, 24, 24, 64)
    x, g, b = _data(rng, shape)
    op = iree_gn.compile(shape, "float32", groups=8)
    ref = ref_group_norm(x, 8, gamma=g, beta=b)
    assert_close(op(jnp.asarray(x), jnp.asarray(g), jnp.asarray(b)), ref, "float32")
    xb = jnp.asarray(x, dtype=jnp.bfloat16)
    opb = iree_gn.compile(shape, "bfloat16", groups=8)
    xr = np.asarray(xb).astype(np.float32)
    assert_close(opb(xb, jnp.ones(64, jnp.bfloat16), jnp.zeros(64, jnp.bfloat16)),
                 ref_group_norm(xr, 8), "bfloat16")


def test_memory_mapped_npy_files(tmp_path, rng):
    # np.load(mmap_mode="r"): read-only pages (PROT_READ), 64-byte aligned data, read in
    # place; a big-endian file is converted.
    shape = (2, 24, 24, 64)
    x, g, b = _data(rng, shape)
    ref = ref_group_norm(x, 8, gamma=g, beta=b)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "xb.npy", x.astype(">f4"))
    for name, compiled in (("x.npy", shape), ("xb.npy", shape), ("x.npy", (None, 24, 24, 64))):
        op = iree_gn.compile(compiled, "float32", groups=8)
        xm = np.load(tmp_path / name, mmap_mode="r")
        assert_close(op(xm, g, b), ref, "float32")


def test_python_lists_are_float32_as_in_tf():
    # TF's convert_to_tensor makes Python floats float32 (NumPy would make float64, and the
    # result then came back float64); Python ints int32, refused like any integer input.
    x = [[1.0, 2.0, 3.0, 4.0], [2.0, 5.0, 1.0, 0.5]]
    y = iree_gn.group_norm(x, groups=2, reduction_axes=())
    assert y.dtype == np.float32
    ref = ref_group_norm(np.asarray(x, np.float32), 2, channels_axis=-1, reduction_axes=())
    assert_close(y, ref, "float32")
    with pytest.raises(TypeError, match="int32"):
        iree_gn.group_norm([[1, 2, 3, 4]], groups=2, reduction_axes=())
    # The same rule for a compiled op (it refused a list: "inputs has dtype float64").
    op = iree_gn.compile((2, 4), "float32", groups=2, reduction_axes=())
    assert_close(op(x, [1.0] * 4, [0.0] * 4), ref, "float32")


def test_lists_take_the_ops_dtype_and_numpy_values_keep_theirs(rng):
    x = (1 + 1e-9 * rng.standard_normal((1, 4, 4, 8))).astype(np.float64)  # float64 data
    ref = ref_group_norm(x, 2)
    op = iree_gn.compile(x.shape, "float64", groups=2)
    y = op(x.tolist(), [1.0] * 8, [0.0] * 8)  # a list takes the compiled op's dtype
    assert y.dtype == np.float64
    assert_close(y, ref, "float64")
    y = iree_gn.group_norm([x[0]], groups=2)  # a list of float64 arrays stays float64
    assert y.dtype == np.float64
    assert_close(y, ref, "float64")
    with pytest.raises(TypeError, match="inputs: cannot read"):
        op([[[[1.0] * 8] * 4] * 3 + [[[1.0] * 7] * 4]], [1.0] * 8, [0.0] * 8)  # ragged
