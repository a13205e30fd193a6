"""Every bad input gets a clear error naming the argument, the value and the rule; TF's
messages are kept where TF has one."""

import numpy as np
import pytest

import iree_gn

X4 = np.zeros((2, 4, 4, 8), np.float32)


def gn(x=X4, **kw):
    kw.setdefault("groups", 2)
    with iree_gn.VariableStore():
        return iree_gn.group_norm(x, **kw)


@pytest.mark.parametrize("kw,exc,msg", [
    (dict(groups=10), ValueError, r"Invalid groups 10 for 8 channels\."),
    (dict(x=np.zeros((2, 4, 4, 4), np.float32), groups=3), ValueError,
     r"4 channels is not commensurate with 3 groups\."),
    (dict(groups=0), ValueError, r"Invalid groups 0 for 8 channels: groups must be >= 1"),
    (dict(groups=-2), ValueError, r"groups must be >= 1"),
    (dict(groups=2.0), ValueError, r"groups must be an integer, got 2\.0"),
    (dict(groups=True), ValueError, r"groups must be an integer"),
    (dict(channels_axis=4), ValueError, r"Axis is out of bounds\. channels_axis=4"),
    (dict(channels_axis=-5), ValueError, r"Axis is out of bounds\. channels_axis=-5"),
    (dict(reduction_axes=(-3, 4)), ValueError, r"Axis is out of bounds\. reduction_axes"),
    (dict(reduction_axes=(-5,)), ValueError, r"Axis is out of bounds\."),
    (dict(reduction_axes=(-3, -1)), ValueError,
     r"reduction_axis must be mutually exclusive with channels_axis"),
    (dict(reduction_axes=(1, -3)), ValueError, r"repeats axis 1"),
    (dict(reduction_axes=1), ValueError, r"reduction_axes must be a tuple of ints"),
    (dict(reduction_axes=(1.5,)), ValueError, r"reduction_axes must be an integer"),
    (dict(x=np.zeros((8,), np.float32), reduction_axes=()), ValueError,
     r"rank >= 2.*rank 1"),
    (dict(x=np.float32(1.0)), ValueError, r"rank >= 2.*rank 0"),
    (dict(epsilon=float("nan")), ValueError, r"epsilon=nan is invalid: it must be finite"),
    (dict(epsilon=float("inf")), ValueError, r"epsilon=inf is invalid"),
    (dict(epsilon=-float("inf")), ValueError, r"epsilon=-inf is invalid"),
    (dict(epsilon="small"), ValueError, r"epsilon must be a real number"),
    (dict(epsilon=True), ValueError, r"epsilon must be a real number"),
    (dict(epsilon=1j), ValueError, r"epsilon must be a real number"),
    (dict(epsilon=10 ** 400), ValueError, r"epsilon \(an int of 401 digits\) is invalid"),
    (dict(epsilon=np.array([1e-3])), ValueError, r"epsilon must be a real number"),
    (dict(center="yes"), ValueError, r"center must be True or False"),
    (dict(activation_fn="mish"), ValueError, r"activation_fn='mish' is not a known"),
    (dict(activation_fn=3), TypeError, r"activation_fn must be None, an activation name"),
    (dict(param_initializers={"moving_avg": 0}), ValueError,
     r"param_initializers has unknown keys \['moving_avg'\]"),
    (dict(param_initializers=[1]), TypeError, r"param_initializers must be a dict"),
    (dict(param_initializers={"beta": np.zeros(3)}), ValueError,
     r"param_initializers\['beta'\] gave shape \(3,\); beta has shape \(8,\)"),
    (dict(param_initializers={"gamma": lambda: 1}), ValueError,
     r"param_initializers\['gamma'\] failed"),
    (dict(variables_collections={"alpha": ["c"]}), ValueError, r"unknown keys \['alpha'\]"),
    (dict(reuse="maybe"), ValueError, r"reuse must be True, False, None"),
    (dict(reuse=True), ValueError, r"reuse=True cannot be used without a scope"),
    (dict(trainable=None), ValueError, r"trainable must be True or False"),
    (dict(target="tpu"), ValueError, r"target='tpu' is not a known target; known: llvm-cpu"),
    (dict(out=np.zeros((2, 4, 4, 8), np.float64)), ValueError, r"out must be a writable"),
    (dict(out=3), TypeError, r"out must be a writable numpy.ndarray .*, got int 3\."),
    (dict(out=[1]), TypeError, r"out\[0\] must be a writable numpy.ndarray .*, got int 1\."),
    (dict(x=np.zeros((0, 4, 4, 8), np.float32), out=[1]), TypeError,
     r"out must be a writable numpy.ndarray of shape \(0, 4, 4, 8\).*, got list \[1\]\."),
    # An empty x's out is checked with the same rule and message (it said less, refused a
    # big-endian out and took a read-only one).
    (dict(x=np.zeros((0, 4, 4, 8), np.float32), out=np.zeros((0, 4, 4, 8))), ValueError,
     r"out must be a writable ndarray of shape \(0, 4, 4, 8\) and dtype float32 \(any "
     r"strides\), got a ndarray of shape \(0, 4, 4, 8\) and dtype float64\."),
    (dict(param_initializers={"gamma": lambda shape, dtype: None}), TypeError,
     r"param_initializers\['gamma'\] gave None; it must give real numbers"),
    (dict(param_initializers={"beta": "nan"}), TypeError,
     r"param_initializers\['beta'\] gave an array of dtype <U3 \('nan'\); it must give real"),
    (dict(param_initializers={"gamma": 1 + 2j}), TypeError,
     r"param_initializers\['gamma'\] gave an array of dtype complex128"),
    (dict(variables_collections=5), TypeError,
     r"variables_collections must be None, a collection name \(str\) or an iterable of names, "
     r"got int 5\."),
    (dict(variables_collections={"beta": 5}), TypeError,
     r"variables_collections\['beta'\] must be None, a collection name"),
    (dict(outputs_collections=[1]), TypeError, r"outputs_collections must be None, a collection"),
    (dict(reuse=2), ValueError, r"reuse must be True, False, None or iree_gn.AUTO_REUSE, got 2"),
    (dict(activation_fn=type("Unhashable", (), {"__call__": lambda s, x: x, "__eq__":
                                                 lambda s, o: s is o})()), TypeError,
     r"activation_fn must be hashable .* got an unhashable Unhashable"),
])
def test_bad_arguments(kw, exc, msg):
    with pytest.raises(exc, match=msg):
        gn(**kw)


def test_compile_undefined_dimensions():
    with pytest.raises(ValueError, match=r"undefined channel dimension: 3"):
        iree_gn.compile((2, 4, 4, None), groups=2)
    with pytest.raises(ValueError, match=r"undefined dimensions 1"):
        iree_gn.compile((2, None, 4, 8), groups=2)
    with pytest.raises(ValueError, match=r"shape\[0\]=-1 is invalid"):
        iree_gn.compile((-1, 4, 4, 8), groups=2)


def test_compiled_op_checks_its_inputs():
    op = iree_gn.compile((2, 4, 4, 8), "float32", groups=2)
    g = np.ones(8, np.float32)
    with pytest.raises(ValueError, match=r"inputs has shape \(2, 4, 4, 9\); this op was compiled"):
        op(np.zeros((2, 4, 4, 9), np.float32), g, g)
    with pytest.raises(TypeError, match="inputs has dtype float16; this op was compiled for float32"):
        op(np.zeros((2, 4, 4, 8), np.float16), g, g)
    with pytest.raises(TypeError, match=r"this op takes x, gamma, beta"):
        op(np.zeros((2, 4, 4, 8), np.float32))
    with pytest.raises(ValueError, match=r"gamma has shape \(7,\); expected \(8,\)"):
        op(np.zeros((2, 4, 4, 8), np.float32), np.ones(7, np.float32), g)
    with pytest.raises(TypeError, match=r"gamma is required here, got None"):
        op(np.zeros((2, 4, 4, 8), np.float32), None, g)
    with pytest.raises(TypeError, match=r"dy is required here, got None"):
        op.vjp(np.zeros((2, 4, 4, 8), np.float32), g, g, None)
    with pytest.raises(TypeError, match=r"^out \(for dx\) must be a writable numpy.ndarray .*"
                                        r"got int 3\."):
        op.vjp(np.zeros((2, 4, 4, 8), np.float32), g, g, np.zeros((2, 4, 4, 8), np.float32),
               out=3)


def test_compile_error_keeps_diagnostics_and_repro(tmp_path):
    from iree_gn import _compiler, _targets

    bad = "module { func.func @main() { this is not mlir } }"
    with pytest.raises(iree_gn.CompileError) as ei:
        _compiler.compile_text(bad, _targets.get("llvm-cpu"), "float32", keep_dir=str(tmp_path))
    e = ei.value
    assert "error" in e.diagnostics
    assert e.input_path.startswith(str(tmp_path)) and open(e.input_path).read() == bad
    assert "--- reproduce with ---" in str(e) and e.input_path in str(e)
    assert "--iree-hal-local-target-device-backends=llvm-cpu" in e.command


# Each call first runs a valid configuration (filling every lookup cache), then the same
# configuration with one option of an equal value but a wrong type: a fresh process refuses
# those, so a warm one must too (issue 12, defect 7).
@pytest.mark.parametrize("kw,msg", [
    (dict(groups=2.0), r"groups must be an integer, got 2\.0"),
    (dict(mean_close_to_zero=0), r"mean_close_to_zero must be True or False, got 0"),
    (dict(center=1), r"center must be True or False, got 1"),
    (dict(scale=1), r"scale must be True or False, got 1"),
    (dict(channels_axis=-1.0), r"channels_axis must be an integer, got -1\.0"),
    (dict(reduction_axes=(-3.0, -2)), r"reduction_axes must be an integer, got -3\.0"),
])
@pytest.mark.parametrize("scoped", [False, True], ids=["plain", "reuse"])
def test_validation_does_not_depend_on_history(kw, msg, scoped):
    x = np.ones((2, 4, 4, 8), np.float32)
    with iree_gn.VariableStore():
        opts = dict(scope="gn", reuse=iree_gn.AUTO_REUSE) if scoped else {}
        for _ in range(2):  # the second valid call takes the fast paths
            iree_gn.group_norm(x, groups=2, **opts)
        with pytest.raises(ValueError, match=msg):
            iree_gn.group_norm(x, **dict(dict(groups=2), **kw), **opts)


def test_spec_is_validated_however_it_is_made():
    import dataclasses

    spec = iree_gn.GroupNormSpec.create((2, 4, 4, 8), "float32", groups=2)
    for kw, msg in [(dict(groups=3), r"8 channels is not commensurate with 3 groups"),
                    (dict(epsilon=float("nan")), r"epsilon=nan is invalid"),
                    (dict(channels_axis=4), r"Axis is out of bounds\. channels_axis=4"),
                    (dict(center=1), r"center must be True or False"),
                    (dict(shape=(2, 4, 4, None)), r"undefined channel dimension: 3"),
                    (dict(dtype="int8"), r"dtype='int8' is not supported"),
                    # (IREE's compiler failed on it: "invalid dimension")
                    (dict(shape=(2 ** 20, 2 ** 20, 2 ** 20, 8)),
                     r"holds 9223372036854775808 elements: more than a tensor can index")]:
        with pytest.raises((ValueError, TypeError), match=msg):
            dataclasses.replace(spec, **kw)
    with pytest.raises(ValueError, match=r"groups must be an integer"):
        iree_gn.GroupNormSpec(shape=(2, 8), dtype="float32", groups=2.0, channels_axis=1,
                              reduction_axes=())
    with pytest.raises(ValueError, match=r"epsilon=inf is invalid"):
        iree_gn.GroupNormSpec.from_json(dict(spec.to_json(), epsilon=float("inf")))
    # Direct construction normalizes as create() does: equal configurations, equal specs.
    direct = iree_gn.GroupNormSpec(shape=[2, 4, 4, 8], dtype=np.float32, groups=2,
                                   channels_axis=-1, reduction_axes=[-2, -3])
    assert direct == spec and hash(direct) == hash(spec)
    assert dataclasses.replace(spec, epsilon=-0.5).epsilon == -0.5


@pytest.mark.parametrize("kw", [dict(groups=4.0), dict(groups="4"), dict(groups=None),
                                dict(channels_axis=1.0), dict(reduction_axes=(1.0, 2)),
                                dict(center="yes"), dict(epsilon="small"),
                                dict(trainable="yes")])
def test_wrong_types_are_type_errors_and_value_errors(kw):
    # A wrong type is a TypeError (Python's convention) that is also a ValueError (TF's
    # checks raise ValueError for many of these, and callers catch that).
    x = np.ones((2, 4, 4, 8), np.float32)
    with pytest.raises(TypeError) as e:
        iree_gn.group_norm(x, **dict(dict(groups=4), **kw))
    assert isinstance(e.value, ValueError) and isinstance(e.value, iree_gn.ArgumentTypeError)
    name = next(iter(kw))
    assert name in str(e.value)


@pytest.mark.parametrize("shape,dtype,exc,msg", [
    ((-1, 3), "float32", ValueError, r"empty: shape must be a size or a tuple of sizes >= 0"),
    ((None, 3), "float32", ValueError, r"got \(None, 3\)"),
    ((2, 3), None, TypeError, r"empty: dtype is required"),
    ((2,), object, TypeError, r"holds Python objects"),
])
def test_empty_checks_its_arguments(shape, dtype, exc, msg):
    with pytest.raises(exc, match=msg):
        iree_gn.empty(shape, dtype)
    assert iree_gn.empty(5, "f32").shape == (5,)
    assert iree_gn.empty((np.int64(2), 0), "bf16").shape == (2, 0)


def test_device_errors_are_exported():
    from iree_gn import _runtime, _targets

    assert iree_gn.DeviceError is _runtime.DeviceError
    assert iree_gn.DeviceNotFound is _targets.DeviceNotFound
    assert issubclass(iree_gn.DeviceNotFound, ValueError)


def test_dtype_none_is_refused_not_float64():
    with pytest.raises(TypeError, match=r"dtype is required .* got None"):
        iree_gn.compile((2, 4, 4, 8), None, groups=2)


def test_activation_none_spelled_as_the_cli_and_toml_spell_it(rng=np.random.default_rng(0)):
    x = rng.standard_normal((2, 4, 4, 8)).astype(np.float32)
    op = iree_gn.compile((2, 4, 4, 8), "float32", groups=2, activation="none")
    assert op.spec.activation is None
    np.testing.assert_array_equal(gn(x, activation_fn="None"), gn(x))


def test_epsilon_as_a_0d_array(rng=np.random.default_rng(3)):
    # TF adds epsilon to a tensor: a 0-d array works there; it was refused as not a number.
    from reference import assert_close, ref_group_norm

    x = rng.standard_normal((2, 4, 4, 8)).astype(np.float32)
    y = iree_gn.group_norm(x, groups=2, epsilon=np.array(0.5))
    assert_close(y, ref_group_norm(x, 2, epsilon=0.5), "float32")
    # JAX's and torch's 0-d arrays too (a bfloat16 one included), as inputs are taken
    import jax.numpy as jnp
    import ml_dtypes

    torch = pytest.importorskip("torch")
    for eps in (jnp.asarray(0.5), torch.tensor(0.5, requires_grad=True),
                torch.tensor(0.5, dtype=torch.bfloat16), np.array(0.5, ml_dtypes.bfloat16)):
        y = iree_gn.group_norm(x, groups=2, epsilon=eps)
        assert_close(y, ref_group_norm(x, 2, epsilon=0.5), "float32")
    for eps in (np.array(True), torch.tensor(True), np.array(0.5j)):
        with pytest.raises(TypeError, match="epsilon must be a real number"):
            iree_gn.group_norm(x, groups=2, epsilon=eps)


def test_aligned_array_takes_torch_bfloat16_and_refuses_text():
    # The README's bfloat16 tensors are inputs everywhere; aligned_array raised torch's raw
    # "unsupported ScalarType BFloat16", and returned a '<U3' array for a string.
    torch = pytest.importorskip("torch")
    t = torch.tensor([[1.5, -2.25], [0.0, 3.0]], dtype=torch.bfloat16)
    a = iree_gn.aligned_array(t)
    assert a.dtype.name == "bfloat16" and a.ctypes.data % 64 == 0
    np.testing.assert_array_equal(a.astype(np.float32), [[1.5, -2.25], [0.0, 3.0]])
    for bad in ("abc", None, np.array(["x"])):
        with pytest.raises(TypeError, match="aligned_array: .* is not numeric"):
            iree_gn.aligned_array(bad)
