"""The compiled backward op ``op.vjp`` (issue 11) against the float64 NumPy reference.

Errors are measured as max |got - ref| / max |ref| per cotangent (``grad_rel_error``).
Tolerances: ``reference.GRAD_TOL`` (one table for the tests and the benchmarks; justified
there): float32 2e-5 (~10x the errors measured at every mean: the sums run over x - k and
xhat, never raw x), float16 / bfloat16 2e-3 / 1.6e-2 (dx rounded to 11 / 8 bits), float64
1e-11.
"""

import numpy as np
import pytest

import iree_gn
from iree_gn import _grad
from reference import GRAD_TOL, grad_rel_error, ref_group_norm, ref_group_norm_vjp


def _np_dtype(dtype):
    from iree_gn._runtime import numpy_dtype

    return numpy_dtype(dtype)


def _inputs(rng, shape, dtype, C, mean=0.0, std=1.0):
    dt = _np_dtype(dtype)
    x = (mean + std * rng.standard_normal(shape)).astype(dt)
    dy = rng.standard_normal(shape).astype(dt)
    gamma = (1 + 0.5 * rng.standard_normal(C)).astype(dt)
    beta = (0.5 * rng.standard_normal(C)).astype(dt)
    return x, gamma, beta, dy


def check(rng, shape, dtype="float32", groups=4, channels_axis=-1, reduction_axes=(-3, -2),
          center=True, scale=True, activation=None, mean=0.0, mean_close_to_zero=False,
          compile_shape=None, target="llvm-cpu", tol=None):
    """Compile, run op.vjp, compare every cotangent with the reference; return the errors."""
    op = iree_gn.compile(compile_shape or shape, dtype, groups=groups,
                         channels_axis=channels_axis, reduction_axes=reduction_axes,
                         center=center, scale=scale, activation=activation,
                         mean_close_to_zero=mean_close_to_zero, target=target)
    C = shape[channels_axis]
    x, gamma, beta, dy = _inputs(rng, shape, dtype, C, mean)
    args = [x] + ([gamma] if scale else []) + ([beta] if center else []) + [dy]
    got = op.vjp(*args)
    ref_dx, ref_dg, ref_db = ref_group_norm_vjp(
        x, dy, groups, channels_axis, reduction_axes, gamma if scale else None,
        beta if center else None, activation=activation, one_pass=mean_close_to_zero)
    refs = [ref_dx] + ([ref_dg] if scale else []) + ([ref_db] if center else [])
    assert len(got) == len(refs)
    errs = []
    for name, g, r in zip(["dx", "dgamma", "dbeta"] if scale else ["dx", "dbeta"], got, refs):
        assert g.shape == r.shape and g.dtype == x.dtype, (name, g.shape, g.dtype)
        e = grad_rel_error(g, r)
        errs.append(e)
        assert e <= (tol or GRAD_TOL[dtype]), f"{name}: rel error {e:.3g}"
    return errs


# ---- the reference itself ------------------------------------------------------------------
@pytest.mark.parametrize("activation,one_pass", [(None, False), ("gelu", False),
                                                 ("silu", True), ("elu", False)])
def test_reference_vjp_matches_finite_differences(rng, activation, one_pass):
    # The analytic reference against central differences of ref_group_norm (float64).
    shape, groups = (2, 3, 2, 4), 2
    x = rng.standard_normal(shape) + 0.3
    dy = rng.standard_normal(shape)
    gamma, beta = 1 + 0.5 * rng.standard_normal(4), 0.5 * rng.standard_normal(4)

    def loss(x_, g_, b_):
        y = ref_group_norm(x_, groups, gamma=g_, beta=b_, activation=activation,
                           one_pass=one_pass)
        return float((y * dy).sum())

    dx, dg, db = ref_group_norm_vjp(x, dy, groups, gamma=gamma, beta=beta,
                                    activation=activation, one_pass=one_pass)
    h = 1e-6
    for arr, grad, which in ((x, dx, 0), (gamma, dg, 1), (beta, db, 2)):
        num = np.empty_like(arr)
        for i in np.ndindex(arr.shape):
            args_p = [x.copy(), gamma.copy(), beta.copy()]
            args_m = [x.copy(), gamma.copy(), beta.copy()]
            args_p[which][i] += h
            args_m[which][i] -= h
            num[i] = (loss(*args_p) - loss(*args_m)) / (2 * h)
        np.testing.assert_allclose(grad, num, rtol=1e-6, atol=1e-6)


# ---- layouts, dtypes, activations, statistics -----------------------------------------------
LAYOUTS = [
    ((2, 6, 5, 16), -1, (-3, -2), 4),      # NHWC
    ((2, 16, 6, 5), 1, (2, 3), 4),         # NCHW
    ((3, 24), -1, (), 6),                  # rank 2 [N, C]: statistics over channels only
    ((2, 3, 4, 5, 8), -1, (1, 2, 3), 2),   # 5-D NDHWC
    ((2, 8, 3, 4, 5), 1, (2, 3, 4), 4),    # 5-D NCDHW
    ((8, 3, 5), 0, (), 2),                 # channels first, no reduction: per column
    ((3, 5, 8), -1, (0,), 4),              # kept axis after a reduced one
    ((3, 8, 15), 1, (), 2),                # kept axes both sides of the channels
    ((8, 15, 2), 0, (2,), 2),              # a kept axis between channels and reduction
    ((2, 8, 15, 4), 1, (3,), 2),           # NCHW over W only (H kept)
]


@pytest.mark.parametrize("shape,ca,red,groups", LAYOUTS)
def test_layouts(rng, shape, ca, red, groups):
    check(rng, shape, groups=groups, channels_axis=ca, reduction_axes=red)


@pytest.mark.parametrize("dtype", ["float16", "bfloat16", "float64"])
def test_dtypes(rng, dtype):
    check(rng, (2, 6, 5, 16), dtype)


@pytest.mark.parametrize("activation", iree_gn.ACTIVATIONS)
def test_activations(rng, activation):
    check(rng, (2, 4, 5, 16), activation=activation)


@pytest.mark.parametrize("shape,groups", [((1, 512, 512, 8), 2), ((1, 262147, 2), 1)])
def test_long_sums_of_the_jax_backward(rng, shape, groups):
    # A callable activation runs the JAX backward; its per-channel sums over 512x512 rows,
    # or a sequence of 262,147, ran in one float32 accumulator each (dx 4e-5-6e-5 off, over
    # GRAD_TOL), now an axis at a time, a long one in blocks and a remainder. The callable
    # is the identity, so the reference is the plain op's.
    op = iree_gn.compile(shape, "float32", groups=groups, activation=lambda z: z * 1.0)
    assert op.vjp_formulation == "plain"
    x, gamma, beta, dy = _inputs(rng, shape, "float32", shape[-1], mean=3.0)
    for got, ref in zip(op.vjp(x, gamma, beta, dy),
                        ref_group_norm_vjp(x, dy, groups, gamma=gamma, beta=beta)):
        assert grad_rel_error(got, ref) < GRAD_TOL["float32"]


@pytest.mark.parametrize("mean", [0.0, 1e2, 1e4])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_large_means(rng, dtype, mean):
    # The centered, shifted sums keep float32 accurate at |mean| >> std (std 1 here).
    check(rng, (2, 8, 8, 32), dtype, groups=8, mean=mean)


def test_one_pass_statistics(rng):
    # mean_close_to_zero=True recomputes TF's one-pass moments: the gradient at the
    # forward's rstd; at mean ~0 (its domain) it matches the reference's one-pass form.
    check(rng, (2, 6, 5, 16), mean_close_to_zero=True)
    check(rng, (2, 6, 5, 16), mean_close_to_zero=True, activation="silu")


@pytest.mark.parametrize("center,scale", [(False, True), (True, False), (False, False)])
def test_center_scale_off(rng, center, scale):
    check(rng, (2, 6, 5, 16), center=center, scale=scale, activation="gelu")


def test_dynamic_batch(rng):
    # One block module per sample; dgamma/dbeta summed over the blocks.
    for n in (1, 3):
        check(rng, (n, 6, 5, 16), compile_shape=(None, 6, 5, 16), activation="silu")



@pytest.mark.parametrize("shape", [(None, 4, 4, 8), (None, None, 4, 8)])
def test_empty_batch_gives_zero_parameter_gradients(shape):
    # dgamma/dbeta are sums over the samples: zeros for none, whether one module takes the
    # batch (the kernel) or blocks run per sample.
    op = iree_gn.compile(shape, "float32", groups=2,
                         reduction_axes=(-3, -2) if shape[1] == 4 else (-2,))
    x = np.zeros((0,) + tuple(d or 2 for d in shape[1:]), np.float32)
    g = np.ones(8, np.float32)
    dx, dg, db = op.vjp(x, g, g, x)
    assert dx.shape == x.shape and dg.shape == db.shape == (8,)
    assert not dg.any() and not db.any()


# ---- calling conventions ------------------------------------------------------------------
def test_out_buffer_and_results(rng):
    op = iree_gn.compile((2, 16, 16, 32), "float32", groups=8)
    x, gamma, beta, dy = _inputs(rng, (2, 16, 16, 32), "float32", 32)
    for out in (iree_gn.empty(x.shape, x.dtype), np.empty(x.shape, x.dtype)):
        dx, dg, db = op.vjp(x, gamma, beta, dy, out=out)
        assert dx is out
        ref = ref_group_norm_vjp(x, dy, 8, gamma=gamma, beta=beta)
        assert grad_rel_error(dx, ref[0]) < GRAD_TOL["float32"]
    # Repeated calls give the same answer (no state carried between calls).
    again = op.vjp(x, gamma, beta, dy)
    np.testing.assert_array_equal(again[0], dx)
    np.testing.assert_array_equal(again[1], dg)


@pytest.mark.parametrize("dtype", ["bfloat16", "float16"])
def test_parameter_cotangents_take_the_parameters_dtype(rng, dtype):
    # float32 gamma/beta on a 16-bit op (mixed precision): dgamma/dbeta come back float32,
    # as exact as the float32 sums (GRAD_TOL float32), not rounded to 8/11 bits; dx stays
    # 16-bit. Lists take the input dtype.
    op = iree_gn.compile((2, 6, 5, 16), dtype, groups=4)
    x, _, _, dy = _inputs(rng, (2, 6, 5, 16), dtype, 16)
    gamma = (1 + 0.5 * rng.standard_normal(16)).astype(np.float32)
    beta = (0.5 * rng.standard_normal(16)).astype(np.float32)
    dx, dg, db = op.vjp(x, gamma, beta, dy)
    assert dx.dtype == x.dtype and dg.dtype == db.dtype == np.float32
    ref = ref_group_norm_vjp(x, dy, 4, gamma=gamma, beta=beta)
    assert grad_rel_error(dg, ref[1]) < GRAD_TOL["float32"]
    assert grad_rel_error(db, ref[2]) < GRAD_TOL["float32"]
    assert grad_rel_error(dx, ref[0]) < GRAD_TOL[dtype]
    _, dg2, _ = op.vjp(x, gamma.tolist(), beta, dy)
    assert dg2.dtype == x.dtype
    _, dg3, db3 = op.vjp(x, gamma.astype(">f4"), beta.astype(">f8"), dy)  # results native
    assert dg3.dtype == np.float32 and db3.dtype == np.float64 and dg3.dtype.isnative
    np.testing.assert_array_equal(dg3, dg)


def test_bad_arguments(rng):
    op = iree_gn.compile((2, 4, 4, 8), "float32", groups=2)
    x, gamma, beta, dy = _inputs(rng, (2, 4, 4, 8), "float32", 8)
    with pytest.raises(TypeError, match="takes x, gamma, beta, dy"):
        op.vjp(x, gamma, dy)
    with pytest.raises(ValueError, match="dy has shape"):
        op.vjp(x, gamma, beta, dy[:1])
    with pytest.raises(TypeError, match="dy has dtype float64"):
        op.vjp(x, gamma, beta, dy.astype(np.float64))
    with pytest.raises(ValueError, match="gamma has shape"):
        op.vjp(x, gamma[:4], beta, dy)
    with pytest.raises(ValueError, match="out must be"):
        op.vjp(x, gamma, beta, dy, out=np.empty((2, 4, 4, 8), np.float64))


def test_cache_keys_and_disk_reuse(rng, tmp_path):
    # The backward has its own cache entries, and a new process's lookup finds them
    # without tracing (here: the memory cache cleared, a fresh DiskCache on the same folder).
    from iree_gn import _targets

    spec = iree_gn.GroupNormSpec.create((1, 4, 4, 8), "float32", groups=2)
    t = _targets.get("llvm-cpu")
    cache = iree_gn.DiskCache(str(tmp_path))
    g1 = _grad._build_static(spec, t, cache)
    fwd = iree_gn._ops._build_static(spec, t, cache)
    assert g1.key != fwd.key
    before = dict(_grad.STATS)
    g2 = _grad._build_static(spec, t, iree_gn.DiskCache(str(tmp_path)))
    assert g2.key == g1.key and g2.vmfb == g1.vmfb
    assert _grad.STATS["traced"] == before["traced"]
    assert _grad.STATS["disk_hits"] == before["disk_hits"] + 1



def test_clear_memory_cache_forgets_backward_ops(tmp_path):
    # One memory for forward and backward ops (_build): clearing it makes get_grad go back
    # to the disk cache, which answers without tracing.
    from iree_gn import _targets

    spec = iree_gn.GroupNormSpec.create((1, 4, 4, 8), "float32", groups=2)
    t = _targets.get("llvm-cpu")
    g1 = _grad.get_grad(spec, t, cache=iree_gn.DiskCache(str(tmp_path)))
    assert _grad.get_grad(spec, t) is g1
    iree_gn.clear_memory_cache()
    before = dict(_grad.STATS)
    g2 = _grad.get_grad(spec, t, cache=iree_gn.DiskCache(str(tmp_path)))
    assert g2 is not g1 and g2.key == g1.key
    assert _grad.STATS["disk_hits"] == before["disk_hits"] + 1
    assert _grad.STATS["traced"] == before["traced"]

def check_threads(op, shapes):
    """Concurrent op.vjp calls, one input of each shape per thread (channels last, 16
    channels, 4 groups): every thread gets its own right answer."""
    import concurrent.futures as cf

    cases = [_inputs(np.random.default_rng(i), shape, "float32", 16)
             for i, shape in enumerate(shapes)]
    refs = [ref_group_norm_vjp(x, dy, 4, gamma=g, beta=b) for x, g, b, dy in cases]
    with cf.ThreadPoolExecutor(len(cases)) as ex:
        outs = list(ex.map(lambda c: [op.vjp(*c) for _ in range(5)][-1], cases))
    for got, ref in zip(outs, refs):
        for g, r in zip(got, ref):
            assert grad_rel_error(g, r) < GRAD_TOL["float32"]


def test_threads():
    # Concurrent calls on one op give every thread its own right answer.
    check_threads(iree_gn.compile((2, 8, 8, 16), "float32", groups=4), [(2, 8, 8, 16)] * 4)


# ---- other targets --------------------------------------------------------------------------
@pytest.mark.vulkan
def test_vulkan_lavapipe(rng):
    from iree_gn import _targets

    ok, why = _targets.fits_here(_targets.get("vulkan:llvmpipe"))
    if not ok:
        pytest.skip(f"no lavapipe Vulkan device: {why}")
    check(rng, (2, 6, 5, 16), target="vulkan:llvmpipe", activation="silu")
    check(rng, (2, 8, 8, 32), groups=8, target="vulkan:llvmpipe", mean=1e4)
    # float16 raced on lavapipe once (whole groups of dx wrong, run to run): fresh inputs
    # several times.
    for _ in range(4):
        check(rng, (2, 6, 5, 16), "float16", target="vulkan:llvmpipe")
        check(rng, (2, 6, 5, 16), "bfloat16", target="vulkan:llvmpipe", activation="silu")


@pytest.mark.vulkan
@pytest.mark.parametrize("dtype", ["float32", "float16"])
@pytest.mark.parametrize("shape,ca,red,groups", LAYOUTS)
def test_vulkan_lavapipe_layouts(rng, shape, ca, red, groups, dtype):
    # Every layout on the GPU route too (a kept axis after the channels came back wrong by
    # O(1) there, run to run, until _backward moved the channels last): twice, fresh
    # inputs, for a race.
    from iree_gn import _targets

    ok, why = _targets.fits_here(_targets.get("vulkan:llvmpipe"))
    if not ok:
        pytest.skip(f"no lavapipe Vulkan device: {why}")
    for _ in range(2):
        check(rng, shape, dtype, groups=groups, channels_axis=ca, reduction_axes=red,
              target="vulkan:llvmpipe", activation="gelu_tanh")


@pytest.mark.parametrize("target", ["cuda:sm_80", "cuda:sm_90", "rocm:gfx942"])
def test_gpu_modules_compile(target):
    # No GPU here: compile-checked only, and the module must hold code for its target.
    from iree_gn import _targets

    t = _targets.get(target)
    spec = iree_gn.GroupNormSpec.create((2, 8, 8, 32), "float16", groups=8, activation="silu")
    g = _grad.get_grad(spec, t)
    assert t.marker in g.vmfb


# ---- AOT bundles ------------------------------------------------------------------------------
def test_bundle_with_grad_runs_vjp_runtime_only(rng, tmp_path):
    # A configuration with grad = true adds its backward module (manifest grad_modules);
    # deploy's Bundle.vjp runs it with neither JAX nor the compiler imported.
    import json
    import subprocess
    import sys

    from iree_gn import _bundle

    cfg = tmp_path / "gn.toml"
    cfg.write_text('[[config]]\nname = "dyn"\nshape = ["N", 4, 4, 8]\ngroups = 2\n'
                   'activation = "silu"\ngrad = true\n\n'
                   '[[config]]\nname = "fwd"\nshape = [2, 6, 6, 8]\ngroups = 4\n')
    items, _ = _bundle.items_from_config(str(cfg))
    out = tmp_path / "bundle"
    res = _bundle.build(items, ["llvm-cpu"], str(out), jobs=1, stream=None)
    assert res.ok, res.failures
    man = json.loads((out / "manifest.json").read_text())
    assert len(man["modules"]) == 2 and len(man["grad_modules"]) == 1
    assert man["grad_modules"][0]["kind"] == "grad"
    # The kernel takes the dynamic batch: one backward module for every N, as compile()'s.
    assert man["grad_modules"][0]["module_shape"][0] is None
    assert man["grad_modules"][0]["formulation"] == "kernel"
    x, gamma, beta, dy = _inputs(rng, (3, 4, 4, 8), "float32", 8)
    for a, name in ((x, "x"), (gamma, "g"), (beta, "b"), (dy, "dy")):
        np.save(tmp_path / f"{name}.npy", a)
    script = f"""
import sys, numpy as np
sys.modules["jax"] = None  # any import of JAX fails
from iree_gn.deploy import load_bundle
b = load_bundle({str(out)!r})
a = [np.load({str(tmp_path)!r} + f"/{{n}}.npy") for n in ("x", "g", "b", "dy")]
dx, dg, db = b.vjp(*a)
for u, v in zip((dx, dg, db), b.vjp(a[0], gamma=a[1], beta=a[2], dy=a[3])):  # by keyword
    assert np.array_equal(u, v)
assert "iree.compiler" not in sys.modules
np.save({str(tmp_path)!r} + "/dx.npy", dx); np.save({str(tmp_path)!r} + "/dg.npy", dg)
np.save({str(tmp_path)!r} + "/db.npy", db)
try:
    b.vjp(np.zeros((2, 6, 6, 8), np.float32), a[1], a[2], np.zeros((2, 6, 6, 8), np.float32))
except Exception as e:
    print(type(e).__name__, e)
"""
    import os

    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=300, env=dict(os.environ, PYTHONPATH=os.getcwd()))
    assert proc.returncode == 0, proc.stderr
    assert "ModuleNotInBundle" in proc.stdout and "grad = true" in proc.stdout
    ref = ref_group_norm_vjp(x, dy, 2, gamma=gamma, beta=beta, activation="silu")
    for name, r in zip(("dx", "dg", "db"), ref):
        assert grad_rel_error(np.load(tmp_path / f"{name}.npy"), r) < GRAD_TOL["float32"]
    # `iree-gn inspect` checks and lists them.
    from iree_gn import _bundle_cli

    rep = subprocess.run([sys.executable, "-c", "import sys; from iree_gn.cli import main; "
                          "sys.exit(main(sys.argv[1:]))", "inspect", str(out), "--json"],
                         capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, PYTHONPATH=os.getcwd()))
    assert rep.returncode == 0, rep.stderr
    (gm,) = json.loads(rep.stdout)["grad_modules"]
    assert gm["ok"] and gm["spec"]["activation"] == "silu"
    assert "backward modules (vjp) (1):" in _bundle_cli._format(json.loads(rep.stdout))
    # --add keeps the backward modules of the bundle it adds to.
    items2 = [_bundle.item_from_json('{"shape": [1, 4, 4, 8], "groups": 2}')]
    res = _bundle.build(items2, ["llvm-cpu"], str(out), jobs=1, add=True, stream=None)
    man = json.loads((out / "manifest.json").read_text())
    assert res.ok and len(man["modules"]) == 3 and len(man["grad_modules"]) == 1
    bad = _bundle.item_from_json('{"shape": [1, 4, 4, 8], "groups": 2, "grad": "yes"}')
    assert bad.error and "grad must be true or false" in bad.error
    # The backward module records its spec and kind: a manifest that lists a forward module
    # as a backward one (or edits a backward's spec) is refused on load.
    import shutil

    from iree_gn import deploy

    for edit, why in ((lambda m: m["grad_modules"].append(
            dict(m["modules"][0], kind="grad")), "is a forward module"),
                      (lambda m: m["grad_modules"][0]["spec"].update(activation=None),
                       "differs from the one the module was built from")):
        forged = tmp_path / "forged"
        shutil.rmtree(forged, ignore_errors=True)
        shutil.copytree(out, forged)
        m = json.loads((forged / "manifest.json").read_text())
        edit(m)
        (forged / "manifest.json").write_text(json.dumps(m))
        with pytest.raises(deploy.BundleIntegrityError, match=why):
            deploy.load_bundle(str(forged))
        if why == "is a forward module":
            # inspect marks the forged backward entry, not the forward one owning the file
            rep = subprocess.run(
                [sys.executable, "-c", "import sys; from iree_gn.cli import main; "
                 "sys.exit(main(sys.argv[1:]))", "inspect", str(forged), "--json"],
                capture_output=True, text=True, timeout=120,
                env=dict(os.environ, PYTHONPATH=os.getcwd()))
            r = json.loads(rep.stdout)
            assert rep.returncode == 1 and all(m["ok"] for m in r["modules"]), rep.stdout
            assert [m["ok"] for m in r["grad_modules"]] == [True, False], rep.stdout
