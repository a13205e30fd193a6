"""Variables, scopes, reuse and collections behave as tf.contrib.layers.group_norm's do."""

import numpy as np
import pytest

import iree_gn
from iree_gn import GraphKeys, _variables
from reference import assert_close, ref_group_norm


@pytest.fixture
def x(rng):
    return rng.standard_normal((2, 4, 4, 16)).astype(np.float32)


def test_default_scope_names_are_uniquified(x):
    with iree_gn.VariableStore() as store:
        iree_gn.group_norm(x, groups=4)
        iree_gn.group_norm(x, groups=4)
        iree_gn.group_norm(x, groups=4, scope="IN")
        iree_gn.group_norm(x, groups=4)
        names = [v.name for v in store.variables]
    # beta before gamma, as TF creates them (code that zips a TF checkpoint's variable list
    # against a collection relies on the order)
    assert names == ["GroupNorm/beta", "GroupNorm/gamma", "GroupNorm_1/beta",
                     "GroupNorm_1/gamma", "IN/beta", "IN/gamma", "GroupNorm_2/beta",
                     "GroupNorm_2/gamma"]


def test_default_names_skip_scopes_the_user_named(x):
    # TF's _get_unique_variable_scope: a default name never takes a name already opened.
    with iree_gn.VariableStore() as store:
        iree_gn.group_norm(x, groups=4, scope="GroupNorm_1")
        iree_gn.group_norm(x, groups=4)
        iree_gn.group_norm(x, groups=4)
        iree_gn.group_norm(x, groups=4)
        names = [v.name for v in store.variables]
    assert names == ["GroupNorm_1/beta", "GroupNorm_1/gamma", "GroupNorm/beta",
                     "GroupNorm/gamma", "GroupNorm_2/beta", "GroupNorm_2/gamma",
                     "GroupNorm_3/beta", "GroupNorm_3/gamma"]


@pytest.mark.parametrize("false,true", [(0, 1), (np.False_, np.True_), (False, True)])
def test_reuse_takes_numpy_bools_and_0_1_as_bools(x, false, true):
    with iree_gn.VariableStore():
        iree_gn.group_norm(x, groups=4, scope="IN")
        with pytest.raises(ValueError, match=r"Variable IN/beta already exists, disallowed"):
            iree_gn.group_norm(x, groups=4, scope="IN", reuse=false)
        with pytest.raises(ValueError, match=r"Variable NEW/beta does not exist"):
            iree_gn.group_norm(x, groups=4, scope="NEW", reuse=true)
        with pytest.raises(ValueError, match=r"reuse=True cannot be used without a scope"):
            iree_gn.group_norm(x, groups=4, reuse=true)
        iree_gn.group_norm(x, groups=4, scope="IN", reuse=true)


def test_a_call_with_bad_collections_creates_no_variables(x):
    with iree_gn.VariableStore() as store:
        for kw in (dict(variables_collections=5), dict(outputs_collections=5),
                   dict(variables_collections={"beta": 5})):
            with pytest.raises(TypeError, match="collections"):
                iree_gn.group_norm(x, groups=4, scope="L", **kw)
        assert store.variables == []
        iree_gn.group_norm(x, groups=4, scope="L", variables_collections={"mine"},
                           outputs_collections=("outs",))
        assert [v.name for v in store.get_collection("mine")] == ["L/beta", "L/gamma"]
        assert len(store.get_collection("outs")) == 1
        # Any iterable of names, as TF's add_to_collections takes them (a generator once).
        iree_gn.group_norm(x, groups=4, scope="M", variables_collections={"a": 1}.keys(),
                           outputs_collections=np.array(["o1", "o2"]))
        iree_gn.group_norm(x, groups=4, scope="P", outputs_collections={"o3": None})
        iree_gn.group_norm(x, groups=4, scope="N", variables_collections=(
            n for n in ["g1", "g2"]))
        assert [v.name for v in store.get_collection("a")] == ["M/beta", "M/gamma"]
        assert len(store.get_collection("o2")) == 1 and len(store.get_collection("o3")) == 1
        assert [v.name for v in store.get_collection("g2")] == ["N/beta", "N/gamma"]


def test_argument_type_errors_are_value_errors_too(x):
    # (iree_gn.ArgumentTypeError: code catching ValueError, as for TF's checks, sees them)
    for kw in (dict(variables_collections=5), dict(outputs_collections=[1]),
               dict(param_initializers={"gamma": lambda s, d: None}),
               dict(activation_fn=type("U", (), {"__call__": lambda s, v: v,
                                                 "__eq__": lambda s, o: s is o})())):
        with iree_gn.VariableStore(), pytest.raises(iree_gn.ArgumentTypeError):
            iree_gn.group_norm(x, groups=4, **kw)


def test_many_default_named_layers_cost_the_same_each():
    # The unique-name search resumes where it stopped: not one step per earlier layer.
    store = iree_gn.VariableStore()
    names = [store.open_scope(None, "GroupNorm", None) for _ in range(3000)]
    assert names[:3] == ["GroupNorm", "GroupNorm_1", "GroupNorm_2"] and len(set(names)) == 3000
    assert store._next_index["GroupNorm"] == 3000


def test_variable_properties(x):
    with iree_gn.VariableStore() as store:
        iree_gn.group_norm(x, groups=4)
        (beta,) = store.get_variables_by_name("beta")
        (gamma,) = store.get_variables_by_name("gamma")
    assert beta.name == "GroupNorm/beta" and beta.shape == (16,) and beta.dtype == np.float32
    assert beta.trainable
    np.testing.assert_array_equal(np.asarray(beta), np.zeros(16, np.float32))
    np.testing.assert_array_equal(np.asarray(gamma), np.ones(16, np.float32))


def test_reuse_shares_variables_and_assign_changes_result(x):
    with iree_gn.VariableStore() as store:
        y0 = iree_gn.group_norm(x, groups=4, scope="IN")
        store.get_variable_by_name("IN/gamma").assign(np.full(16, 2.0))
        store.get_variable_by_name("IN/beta").assign(np.arange(16.0))
        y1 = iree_gn.group_norm(x, groups=4, scope="IN", reuse=True)
        assert len(store.variables) == 2
    assert_close(y0, ref_group_norm(x, 4), "float32")
    assert_close(y1, ref_group_norm(x, 4, gamma=np.full(16, 2.0), beta=np.arange(16.0)),
                 "float32")


def test_reuse_errors(x):
    with iree_gn.VariableStore():
        with pytest.raises(ValueError, match=r"Variable IN/beta does not exist"):
            iree_gn.group_norm(x, groups=4, scope="IN", reuse=True)
        iree_gn.group_norm(x, groups=4, scope="IN")
        with pytest.raises(ValueError, match=r"Variable IN/beta already exists, disallowed"):
            iree_gn.group_norm(x, groups=4, scope="IN")
        with pytest.raises(ValueError, match=r"Trying to share variable IN/beta, but specified "
                                              r"shape \(8,\) and found shape \(16,\)"):
            iree_gn.group_norm(x[..., :8], groups=4, scope="IN", reuse=True)


def test_auto_reuse(x):
    with iree_gn.VariableStore() as store:
        iree_gn.group_norm(x, groups=4, scope="A", reuse=iree_gn.AUTO_REUSE)
        iree_gn.group_norm(x, groups=4, scope="A", reuse=iree_gn.AUTO_REUSE)
        assert [v.name for v in store.variables] == ["A/beta", "A/gamma"]


def test_nested_variable_scope(x):
    with iree_gn.VariableStore() as store, iree_gn.variable_scope("block1"):
        iree_gn.group_norm(x, groups=4)
        iree_gn.group_norm(x, groups=4, scope="IN")
        assert [v.name for v in store.variables] == [
            "block1/GroupNorm/beta", "block1/GroupNorm/gamma", "block1/IN/beta",
            "block1/IN/gamma"]


def test_center_scale_create_only_what_is_used(x):
    with iree_gn.VariableStore() as store:
        iree_gn.group_norm(x, groups=4, center=False)
        iree_gn.group_norm(x, groups=4, scale=False)
        iree_gn.group_norm(x, groups=4, center=False, scale=False)
        assert [v.name for v in store.variables] == ["GroupNorm/gamma", "GroupNorm_1/beta"]


def test_collections_and_trainable(x):
    with iree_gn.VariableStore() as store:
        iree_gn.group_norm(x, groups=4, variables_collections=["mine"], scope="A")
        iree_gn.group_norm(x, groups=4, variables_collections={"beta": ["betas"]}, scope="B",
                           trainable=False)
        names = lambda key: [v.name for v in store.get_collection(key)]  # noqa: E731
        assert names(GraphKeys.GLOBAL_VARIABLES) == ["A/beta", "A/gamma", "B/beta", "B/gamma"]
        assert names(GraphKeys.MODEL_VARIABLES) == ["A/beta", "A/gamma", "B/beta", "B/gamma"]
        assert names(GraphKeys.TRAINABLE_VARIABLES) == ["A/beta", "A/gamma"]
        assert names("mine") == ["A/beta", "A/gamma"]
        assert names("betas") == ["B/beta"]
        assert not store.get_variable_by_name("B/beta").trainable
        assert names(GraphKeys.GLOBAL_VARIABLES) == [
            v.name for v in store.get_collection(GraphKeys.GLOBAL_VARIABLES, scope="")]
        assert [v.name for v in store.get_collection(GraphKeys.GLOBAL_VARIABLES, scope="B")] == [
            "B/beta", "B/gamma"]


def test_outputs_collections(x):
    with iree_gn.VariableStore() as store:
        y = iree_gn.group_norm(x, groups=4, outputs_collections=["outs", "acts"], scope="GN7")
        (item,) = store.get_collection("outs")
        assert item.name == "GN7" and item.value is y
        np.testing.assert_array_equal(np.asarray(store.get_collection("acts")[0]), y)


def test_param_initializers(x, rng):
    g = rng.standard_normal(16).astype(np.float32)
    calls = []

    def beta_init(shape, dtype):
        calls.append((shape, np.dtype(dtype)))
        return np.full(shape, 0.25, dtype)

    with iree_gn.VariableStore() as store:
        y = iree_gn.group_norm(x, groups=4, param_initializers={"gamma": g, "beta": beta_init})
        assert calls == [((16,), np.dtype(np.float32))]
        np.testing.assert_array_equal(np.asarray(store.get_variables_by_name("gamma")[0]), g)
        y2 = iree_gn.group_norm(x, groups=4, param_initializers={"beta": 1.5})  # scalar fills
    assert_close(y, ref_group_norm(x, 4, gamma=g, beta=np.full(16, 0.25)), "float32")
    assert_close(y2, ref_group_norm(x, 4, beta=np.full(16, 1.5)), "float32")


def test_default_store_keeps_the_variables_asked_for(x):
    # Outside a `with VariableStore()`, a call that asks for variables (a scope, reuse,
    # collections, an open variable_scope) records them in the process-wide store, with TF's
    # names; a plain call records nothing.
    store = iree_gn._variables.default_store()
    before = len(store.variables)
    y = iree_gn.group_norm(x, groups=4)
    assert len(store.variables) == before
    assert_close(y, ref_group_norm(x, 4), "float32")
    iree_gn.group_norm(x, groups=4, scope="test_default_store_gn")
    iree_gn.group_norm(x, groups=4, variables_collections=["mine"])
    with iree_gn.variable_scope("test_default_store_outer"):
        iree_gn.group_norm(x, groups=4)
    names = [v.name for v in store.variables[before:]]
    assert names[:2] == ["test_default_store_gn/beta", "test_default_store_gn/gamma"]
    assert len(names) == 6 and names[2].startswith("GroupNorm")
    assert names[4:] == ["test_default_store_outer/GroupNorm/beta",
                         "test_default_store_outer/GroupNorm/gamma"]
    assert len(store.get_collection("mine")) == 2


def test_plain_call_uses_param_initializers(x, rng):
    g = rng.standard_normal(16).astype(np.float32)
    y = iree_gn.group_norm(x, groups=4, param_initializers={"gamma": g, "beta": 0.5})
    assert_close(y, ref_group_norm(x, 4, gamma=g, beta=np.full(16, 0.5)), "float32")
    y = iree_gn.group_norm(x, groups=4, center=False,
                           param_initializers={"gamma": lambda s, d: np.full(s, 2.0, d)})
    assert_close(y, ref_group_norm(x, 4, gamma=np.full(16, 2.0)), "float32")


def _rss_bytes() -> int:
    import os

    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def test_plain_calls_run_in_flat_memory():
    # Issue 12, defect 3: 20,000 plain calls at C=4096 grew the process by 650 MB, two
    # variables per call in the default store. Same input each call: this measures what
    # group_norm keeps, not the op's handling of fresh arrays (tests/test_memory.py).
    x = np.random.default_rng(0).standard_normal((1, 2, 2, 4096)).astype(np.float32)
    for _ in range(50):  # warm: compile, pools, caches
        iree_gn.group_norm(x, groups=32)
    before = _rss_bytes()
    for _ in range(2000):
        iree_gn.group_norm(x, groups=32)
    grown = _rss_bytes() - before
    assert grown < 10 << 20, f"RSS grew by {grown / 2**20:.1f} MB over 2,000 plain calls"


def test_assign_checks_shape(x):
    with iree_gn.VariableStore() as store:
        iree_gn.group_norm(x, groups=4)
        with pytest.raises(ValueError, match=r"cannot assign a value of shape \(3,\)"):
            store.get_variables_by_name("beta")[0].assign(np.zeros(3))


@pytest.mark.parametrize("bad", [[2, 2, "oops"] + [1] * 13, np.full(16, 1 + 1j),
                                 np.array([None] * 16)], ids=["str", "complex", "object"])
def test_assign_refuses_non_real_values_and_keeps_the_old_one(x, bad):
    # The value was cast into the live buffer: a string element left it half-written, and
    # complex values lost their imaginary part, silently, for every later reuse=True call.
    with iree_gn.VariableStore() as store:
        iree_gn.group_norm(x, groups=4, scope="gn")
        gamma = store.get_variable_by_name("gn/gamma")
        with pytest.raises(TypeError, match="cannot assign .* to variable 'gn/gamma'"):
            gamma.assign(bad)
        np.testing.assert_array_equal(gamma.numpy(), np.ones(16, np.float32))


def test_assign_takes_torch_tensors_as_the_ops_do(x):
    # np.asarray failed on a requires_grad tensor and on bfloat16 ("unsupported ScalarType").
    torch = pytest.importorskip("torch")
    with iree_gn.VariableStore() as store:
        iree_gn.group_norm(x, groups=4, scope="gn")
        gamma = store.get_variable_by_name("gn/gamma")
        gamma.assign(torch.full((16,), 2.0, requires_grad=True))
        np.testing.assert_array_equal(gamma.numpy(), np.full(16, 2.0, np.float32))
        gamma.assign(torch.full((16,), 3.0, dtype=torch.bfloat16))
        np.testing.assert_array_equal(gamma.numpy(), np.full(16, 3.0, np.float32))


def test_repeated_reuse_calls_follow_the_store_scope_and_values(x, rng):
    # Repeated reuse calls take a shortcut past validation; it must still see assigned
    # values, each store's own variables, the open variable_scope, and fail as TF does
    # when the call differs from what the variables allow.
    init = {"gamma": rng.standard_normal(16).astype(np.float32)}
    with iree_gn.VariableStore() as s1:
        y = iree_gn.group_norm(x, groups=4, scope="gn", reuse=iree_gn.AUTO_REUSE,
                               param_initializers=init)
        for _ in range(2):
            assert_close(iree_gn.group_norm(x, groups=4, scope="gn", reuse=True), y, "float32")
        s1.get_variable_by_name("gn/gamma").assign(np.full(16, 3.0))
        y3 = iree_gn.group_norm(x, groups=4, scope="gn", reuse=True)
        assert_close(y3, ref_group_norm(x, 4, gamma=np.full(16, 3.0)), "float32")
        with iree_gn.variable_scope("outer"):
            with pytest.raises(ValueError, match="Variable outer/gn/beta does not exist"):
                iree_gn.group_norm(x, groups=4, scope="gn", reuse=True)
        with pytest.raises(ValueError, match="Trying to share variable gn/beta"):
            iree_gn.group_norm(x[..., :8], groups=4, scope="gn", reuse=True)
    with iree_gn.VariableStore():
        with pytest.raises(ValueError, match="Variable gn/beta does not exist"):
            iree_gn.group_norm(x, groups=4, scope="gn", reuse=True)
        y4 = iree_gn.group_norm(x, groups=4, scope="gn", reuse=iree_gn.AUTO_REUSE)
        assert_close(y4, ref_group_norm(x, 4), "float32")  # fresh gamma=1, not s1's


def test_batch_norm_keys_of_tf_dicts_are_accepted_and_unused(x):
    # TF documents moving_mean/moving_variance for param_initializers and
    # variables_collections (dicts shared with batch_norm) and its group_norm reads past them.
    with iree_gn.VariableStore() as store:
        y = iree_gn.group_norm(
            x, groups=4, scope="gn",
            param_initializers={"gamma": np.full(16, 2.0, np.float32), "moving_mean": 5.0,
                                "moving_variance": 7.0},
            variables_collections={"beta": ["b"], "moving_mean": ["m"]})
        assert [v.name for v in store.get_collection("b")] == ["gn/beta"]
        assert store.get_collection("m") == []
    assert_close(y, ref_group_norm(x, 4, gamma=np.full(16, 2.0)), "float32")


def test_repeated_reuse_calls_still_validate_new_arguments(x):
    with iree_gn.VariableStore():
        init = {"gamma": np.ones(16, np.float32)}
        for _ in range(2):
            iree_gn.group_norm(x, groups=4, scope="gn", reuse=iree_gn.AUTO_REUSE,
                               param_initializers=init)
        with pytest.raises(ValueError, match="unknown keys"):
            iree_gn.group_norm(x, groups=4, scope="gn", reuse=iree_gn.AUTO_REUSE,
                               param_initializers={"gama": np.ones(16, np.float32)})
        with pytest.raises(ValueError, match="trainable"):
            iree_gn.group_norm(x, groups=4, scope="gn", reuse=iree_gn.AUTO_REUSE,
                               param_initializers=init, trainable="yes")


def test_scopes_are_per_thread_and_names_unique_across_threads(x):
    # One thread inside variable_scope("blk") of the default store: another thread's plain
    # calls stay plain (no variables, no "blk/" prefix). Four threads naming layers in one
    # store get distinct GroupNorm_<n> names, none lost, no "already exists" error.
    import threading

    iree_gn.group_norm(x, groups=4)
    inside, done = threading.Event(), threading.Event()

    def hold_scope():
        with iree_gn.variable_scope("blk"):
            inside.set()
            done.wait(60)

    t = threading.Thread(target=hold_scope)
    t.start()
    inside.wait(60)
    before = len(_variables.default_store().variables)
    try:
        for _ in range(3):
            iree_gn.group_norm(x, groups=4)
        assert len(_variables.default_store().variables) == before
    finally:
        done.set()
        t.join()

    store, errors, calls = iree_gn.VariableStore(), [], 50

    def work():
        try:
            with store:
                for _ in range(calls):
                    iree_gn.group_norm(x, groups=4)
        except Exception as e:  # reported below, with the thread's error
            errors.append(e)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert not errors, errors[:2]
    names = [v.name for v in store.variables]
    assert len(names) == len(set(names)) == 4 * calls * 2
