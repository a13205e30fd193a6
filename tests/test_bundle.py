"""AOT bundles: `iree-gn build` (parallel, cached, partial failures), the manifest, and the
runtime-only loader (numerics vs the float64 reference, integrity, format and device checks,
runtime-only import), `iree-gn run` and `iree-gn inspect`.

One bundle is built once for the module (tiny shapes; the compile cache is shared with the
rest of the session) and copied where a test needs to damage it.
"""

import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import iree_gn
from iree_gn import _cpu, _targets, deploy
from iree_gn._bundle import _module_spec, spec_from_entry
from iree_gn._compiler import compile_flags
from iree_gn._spec import GroupNormSpec
from reference import assert_close, ref_group_norm
from targets_for_tests import VULKAN_HINT

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# `python -m iree_gn.cli` would run cli.py as __main__, whose CommandFailed is not the one
# the subcommands raise; call main() as the installed `iree-gn` script does.
CLI = [sys.executable, "-c", "import sys; from iree_gn.cli import main; sys.exit(main(sys.argv[1:]))"]

CPU_TARGETS = ["llvm-cpu", "llvm-cpu:x86-64-v3"]
# GPU rows join the bundle when the target table has them (CUDA/ROCm: compile-only here).
GPU_TARGETS = [t for t in ("vulkan:llvmpipe", "cuda:sm_80", "cuda:sm_90", "rocm:gfx942")
               if t in iree_gn.TARGETS]
BUNDLE_TARGETS = CPU_TARGETS + GPU_TARGETS

STATIC = dict(shape=[2, 4, 4, 8], dtype="float32", groups=4)
DYNAMIC = dict(shape=[None, 4, 4, 8], dtype="float32", groups=4, activation="silu")
NCHW16 = dict(shape=[2, 8, 3, 3], dtype="float16", groups=2, channels_axis=1,
              reduction_axes=[2, 3], center=False)

CONFIG = """\
[[config]]
name = "static"
shape = [2, 4, 4, 8]
groups = 4
layout = "NHWC"

[[config]]
name = "dynamic"
shape = ["N", 4, 4, 8]
groups = 4
activation = "silu"

[[config]]
name = "nchw16"
shape = [2, 8, 3, 3]
dtype = "float16"
groups = 2
layout = "NCHW"
center = false

[[config]]
name = "bad-groups"
shape = [2, 4, 4, 8]
groups = 3

[[config]]
name = "broken-ir"
mlir = "broken.mlir"
targets = ["llvm-cpu"]
"""


def run_cli(*args, env=None, cwd=REPO):
    return subprocess.run(CLI + [str(a) for a in args], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=600)


def _run_target_param(name):
    marks = []
    if name not in iree_gn.TARGETS:
        marks.append(pytest.mark.skip(reason=f"no {name!r} row in iree_gn.TARGETS yet"))
    else:
        ok, why = _targets.fits_here(iree_gn.TARGETS[name])
        if not ok:
            hint = f" ({VULKAN_HINT})" if name.startswith("vulkan") else ""
            marks.append(pytest.mark.skip(reason=f"{name} does not run here{hint}: {why}"))
    if name.startswith("vulkan"):
        marks.append(pytest.mark.vulkan)
    return pytest.param(name, id=name, marks=marks)


RUN_TARGETS = [_run_target_param(t) for t in ("llvm-cpu", "llvm-cpu:x86-64-v3", "vulkan:llvmpipe")]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The shared bundle, built through the CLI with two bad entries among good ones."""
    work = tmp_path_factory.mktemp("bundle")
    (work / "gn.toml").write_text(CONFIG)
    (work / "broken.mlir").write_text("this is not StableHLO\n")
    (work / "broken.json").write_text(json.dumps(
        {"spec": GroupNormSpec.create((1, 2, 2, 4), "float32", groups=2).to_json(),
         "formulation": iree_gn.TARGETS["llvm-cpu"].formulation_for(
             GroupNormSpec.create((1, 2, 2, 4), "float32", groups=2))}))
    out = work / "gn-bundle"
    proc = run_cli("build", work / "gn.toml", "-o", out, "--targets", ",".join(BUNDLE_TARGETS))
    return {"dir": str(out), "proc": proc, "work": work}


@pytest.fixture
def bundle_copy(built, tmp_path):
    dst = tmp_path / "copy"
    shutil.copytree(built["dir"], dst)
    return str(dst)


def _manifest(path):
    with open(os.path.join(path, "manifest.json")) as f:
        return json.load(f)


def _x(rng, shape, dtype="float32", mean=0.0):
    return (rng.standard_normal(shape) * 2 + mean).astype(dtype)


# ---- build ----------------------------------------------------------------------------------
def test_partial_failure_keeps_the_rest_and_exits_1(built):
    proc = built["proc"]
    assert proc.returncode == 1, proc.stderr
    err = proc.stderr
    assert "bad-groups" in err and "8 channels is not commensurate with 3 groups" in err
    assert "broken-ir" in err and "iree-compile diagnostics" in err  # the compiler's own words
    assert "reproduce with" in err
    assert "3 module(s) failed" not in err and "2 module(s) failed" in err
    n = 3 * len(BUNDLE_TARGETS)
    assert f"{n + 1}/{n + 1}" in err  # the progress line reached the end (+1: broken-ir)
    m = _manifest(built["dir"])
    assert len(m["modules"]) == n
    assert {f["config"].split()[0] for f in m["failures"]} == {"bad-groups", "broken-ir"}
    # Built in a temp folder and renamed: nothing is left next to the bundle.
    assert sorted(os.listdir(os.path.dirname(built["dir"]))) == [
        "broken.json", "broken.mlir", "gn-bundle", "gn.toml"]


def test_manifest_records_versions_specs_flags_and_checksums(built):
    m = _manifest(built["dir"])
    assert m["format"] == "iree-gn-bundle"
    assert m["format_version"] == deploy.BUNDLE_FORMAT_VERSION
    for k in ("iree-gn", "iree-base-compiler", "iree-base-runtime", "jax"):
        assert m["versions"][k] not in ("", None, "absent"), k
    assert m["versions"]["iree-gn"] == iree_gn.__version__
    names = set()
    for mod in m["modules"]:
        spec = GroupNormSpec.from_json(mod["spec"])
        target = iree_gn.TARGETS[mod["target"]]
        assert mod["flags"] == list(compile_flags(target, spec.dtype))
        assert mod["driver"] == target.driver
        with open(os.path.join(built["dir"], mod["file"]), "rb") as f:
            blob = f.read()
        assert mod["size"] == len(blob)
        assert mod["sha256"] == hashlib.sha256(blob).hexdigest()
        assert target.marker in blob  # the module holds code for its target
        with open(os.path.join(built["dir"], mod["stablehlo"])) as f:
            text = f.read()
        assert "func.func public @main" in text
        # One module where a kernel takes the dynamic batch (None kept), else the block op.
        assert mod["module_shape"] == list(_module_spec(spec, target).shape)
        names.add((spec.short_name(), mod["target"]))
    assert len(names) == len(m["modules"])
    assert {t for _, t in names} == set(BUNDLE_TARGETS)


def test_dynamic_module_is_the_one_module_that_compile_uses(built):
    # A kernel-served dynamic batch is one module that takes the batch (module_shape keeps
    # null), stored under the cache key of compile() of the same dynamic shape, so a build
    # after compile() (or the reverse) compiles nothing; the loader binds it with the batch
    # inside the module (no per-sample loop).
    m = _manifest(built["dir"])
    assert m["format_version"] == 3
    mod = next(x for x in m["modules"]
               if x["spec"]["shape"][0] is None and x["target"] == "llvm-cpu")
    op = iree_gn.compile((None, 4, 4, 8), "float32", groups=4, activation="silu")
    assert op._block is None
    assert mod["cache_key"] == op.key
    assert mod["sha256"] == hashlib.sha256(op.vmfb).hexdigest()
    assert mod["module_shape"] == [None, 4, 4, 8]
    b = deploy.load_bundle(built["dir"], device="llvm-cpu")
    bm = next(x for x in b.modules if x.file == mod["file"])
    assert b._module(bm).signature.dynamic_in_module
    assert bm.formulation == op.formulation == "kernel"  # the bundle's op says it too


def test_dynamic_block_module_where_no_kernel_serves(tmp_path, rng, monkeypatch):
    # No kernel for a layout that needs a transpose (H kept after C): the bundle stores the
    # static block op (None -> 1) under the cache key of compile() at that shape, and the
    # loader runs it once per sample.
    kw = dict(groups=4, channels_axis=1, reduction_axes=[3])
    spec = dict(shape=[None, 8, 4, 4], dtype="float64", **kw)
    out = tmp_path / "b64"
    proc = run_cli("build", "-o", out, "--targets", "llvm-cpu", "--spec", json.dumps(spec))
    assert proc.returncode == 0, proc.stderr
    mod = _manifest(out)["modules"][0]
    assert mod["module_shape"] == [1, 8, 4, 4]
    assert mod["cache_key"] == iree_gn.compile((1, 8, 4, 4), "float64", **kw).key
    b = deploy.load_bundle(str(out), device="llvm-cpu")
    assert not b._module(b.modules[0]).signature.dynamic_in_module
    x, g, be = _x(rng, (3, 8, 4, 4), "float64"), _x(rng, (8,), "float64"), _x(rng, (8,), "float64")
    assert_close(b(x, g, be), ref_group_norm(x, 4, 1, (3,), gamma=g, beta=be), "float64")


def test_clean_build_exits_0_and_replaces_the_old_bundle(built, tmp_path):
    out = tmp_path / "b"
    for _ in range(2):  # the second build replaces the first, atomically
        proc = run_cli("build", "-o", out, "--targets", "llvm-cpu",
                       "--spec", json.dumps(STATIC), "--spec", json.dumps(STATIC))
        assert proc.returncode == 0, proc.stderr
    assert sorted(os.listdir(tmp_path)) == ["b"]
    m = _manifest(out)
    assert len(m["modules"]) == 1 and m["failures"] == []  # the duplicate is built once
    assert m["command"][:2] == ["iree-gn", "build"]


def test_build_refuses_to_overwrite_a_folder_that_is_not_a_bundle(tmp_path):
    (tmp_path / "precious.txt").write_text("keep me")
    proc = run_cli("build", "-o", tmp_path, "--spec", json.dumps(STATIC))
    assert proc.returncode == 2
    assert "not a bundle" in proc.stderr
    assert (tmp_path / "precious.txt").read_text() == "keep me"


def test_build_onto_a_symlink_names_the_folder_to_give(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    proc = run_cli("build", "-o", tmp_path / "link", "--spec", json.dumps(STATIC))
    assert proc.returncode == 2
    assert "is a symbolic link" in proc.stderr and str(tmp_path / "real") in proc.stderr
    assert (tmp_path / "link").is_symlink() and os.listdir(tmp_path / "real") == []
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    proc = run_cli("build", "-o", tmp_path / "dangling", "--spec", json.dumps(STATIC))
    assert proc.returncode == 2 and "It points to nothing; give another -o" in proc.stderr
    (tmp_path / "afile").write_text("x")
    for parent, why in (("dangling", "a symbolic link to nothing"), ("afile", "not a folder")):
        proc = run_cli("build", "-o", tmp_path / parent / "out", "--spec", json.dumps(STATIC))
        assert proc.returncode == 2 and f"cannot be made: {tmp_path / parent} is {why}" in \
            proc.stderr, proc.stderr
        assert "1/1" not in proc.stderr  # (refused before compiling: no progress line)


def test_build_onto_a_mount_point_says_to_use_a_folder_inside_it(tmp_path, monkeypatch):
    # A container volume (-v $PWD/out:/out, then -o /out) takes no rename: the build failed
    # with EBUSY after compiling everything. It is refused first, with the fix.
    from iree_gn import _bundle

    mount = str(tmp_path / "out")
    os.mkdir(mount)
    monkeypatch.setattr(os.path, "ismount", lambda p: os.path.abspath(p) == mount)
    with pytest.raises(ValueError, match="mount point.*out/bundle"):
        _bundle.build([], ["llvm-cpu"], mount, stream=None)
    assert os.listdir(mount) == [] and os.listdir(tmp_path) == ["out"]


def test_cli_turns_a_system_error_into_one_line(tmp_path, monkeypatch, capsys):
    # An OSError other than a missing file (an unwritable -o, a full disk) was a traceback.
    from iree_gn import _cache, cli

    def fail(self):
        raise PermissionError(13, "Permission denied", str(tmp_path / "b"))

    monkeypatch.setattr(_cache.DiskCache, "info", fail)
    assert cli.main(["cache", "info"]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert err.startswith("iree-gn: error: [Errno 13] Permission denied") and \
        "Traceback" not in err and len(err.splitlines()) == 1


def test_rebuild_keeps_a_bundle_folder_that_holds_user_files(tmp_path):
    out = tmp_path / "b"
    proc = run_cli("build", "-o", out, "--targets", "llvm-cpu", "--spec", json.dumps(STATIC))
    assert proc.returncode == 0, proc.stderr
    before = sorted(os.listdir(out))
    (out / "notes.txt").write_text("mine")
    proc = run_cli("build", "-o", out, "--targets", "llvm-cpu", "--spec", json.dumps(STATIC))
    assert proc.returncode == 2 and "notes.txt" in proc.stderr, proc.stderr
    assert "not part of its bundle" in proc.stderr
    assert sorted(os.listdir(out)) == sorted(before + ["notes.txt"])
    assert (out / "notes.txt").read_text() == "mine"
    assert sorted(os.listdir(tmp_path)) == ["b"]  # no temp folder left behind


def test_rebuild_swaps_atomically_under_a_concurrent_loader(tmp_path, rng):
    # Two bundles of different specs (so different file names) take turns at one path while
    # a thread loads and runs it: every load must succeed and give one bundle's answer.
    import threading

    from iree_gn import _bundle

    out = str(tmp_path / "b")
    items = [[_bundle.Item(label=f"eps{e}", spec=GroupNormSpec.create(
        (2, 4, 4, 8), "float32", groups=4, epsilon=e))] for e in (1e-6, 0.5)]
    assert _bundle.build(items[0], ["llvm-cpu"], out, jobs=1, stream=None).ok
    x = _x(rng, (2, 4, 4, 8))
    refs = [ref_group_norm(x, 4, epsilon=e) for e in (1e-6, 0.5)]
    stop, errors, loads = threading.Event(), [], [0]

    def load_loop():
        while not stop.is_set():
            try:
                y = deploy.load_bundle(out, device="llvm-cpu")(x)
                if not any(np.allclose(y, r, atol=1e-4) for r in refs):
                    errors.append("a result that is neither bundle's")
                loads[0] += 1
            except Exception as e:  # noqa: BLE001 - every failure is the finding
                errors.append(f"{type(e).__name__}: {e}")

    t = threading.Thread(target=load_loop)
    t.start()
    try:
        for i in range(8):
            assert _bundle.build(items[(i + 1) % 2], ["llvm-cpu"], out, jobs=1,
                                 stream=None).ok
    finally:
        stop.set()
        t.join()
    assert not errors, errors[:3]
    assert loads[0] > 0
    assert sorted(os.listdir(tmp_path)) == ["b"]


def test_build_with_nothing_valid_writes_nothing_and_exits_1(tmp_path):
    proc = run_cli("build", "-o", tmp_path / "b", "--spec", json.dumps(dict(STATIC, groups=3)))
    assert proc.returncode == 1
    assert "no module was built" in proc.stderr
    assert not (tmp_path / "b").exists()


@pytest.mark.vulkan
def test_family_target_names_resolve_and_float64_is_skipped_where_unsupported(tmp_path, rng):
    try:
        row = _targets.resolve("vulkan")
    except _targets.DeviceNotFound as e:
        pytest.skip(f"no Vulkan device here ({VULKAN_HINT}): {e}")
    out = tmp_path / "b"
    f64 = dict(STATIC, dtype="float64")
    proc = run_cli("build", "-o", out, "--targets", "llvm-cpu,vulkan", "--spec",
                   json.dumps(STATIC), "--spec", json.dumps(f64))
    assert proc.returncode == 0, proc.stderr  # a skip is not a failure
    assert f"skipped 2x4x4x8-float64-g4-c3 for {row.name}: float64 is not supported" in proc.stderr
    m = _manifest(out)
    assert sorted((x["target"], x["spec"]["dtype"]) for x in m["modules"]) == [
        ("llvm-cpu", "float32"), ("llvm-cpu", "float64"), (row.name, "float32")]
    assert [(x["target"], x["reason"][:30]) for x in m["skipped"]] == [
        (row.name, f"float64 is not supported on {row.name}"[:30])]
    x = _x(rng, (2, 4, 4, 8), "float64")
    with pytest.raises(deploy.ModuleNotInBundle, match="float64 is not supported there"):
        deploy.load_bundle(str(out), device=row.name)(x)
    b = deploy.load_bundle(str(out), device="auto")
    assert b.find((2, 4, 4, 8), "float32", target="vulkan").target == row.name
    assert_close(deploy.load_bundle(str(out), device="llvm-cpu")(x), ref_group_norm(x, 4),
                 "float64")
    # --add keeps the skip (and its reason, which the loader quotes) of the pairs it leaves.
    proc = run_cli("build", "--add", "-o", out, "--targets", "llvm-cpu", "--spec",
                   json.dumps(dict(STATIC, groups=2)))
    assert proc.returncode == 0, proc.stderr
    assert _manifest(out)["skipped"] == m["skipped"] and len(_manifest(out)["modules"]) == 4
    with pytest.raises(deploy.ModuleNotInBundle, match="Skipped when built") as e:
        deploy.load_bundle(str(out), device=row.name)(x)
    assert "2x4x4x8-float64-g4-c3" in str(e.value)


def test_unknown_target_is_a_usage_error(tmp_path):
    proc = run_cli("build", "-o", tmp_path / "b", "--spec", json.dumps(STATIC),
                   "--targets", "llvm-cpu,tpu")
    assert proc.returncode == 2 and "'tpu' is not a known target" in proc.stderr


@pytest.mark.parametrize("entry,expect", [
    (dict(shape=["N", 4, 4, 8], groups=4), dict(shape=(None, 4, 4, 8), channels_axis=3)),
    (dict(shape=[None, 8, 3, 3], groups=2, layout="NCHW"),
     dict(channels_axis=1, reduction_axes=(2, 3))),
    (dict(shape=[2, 5, 8], groups=4, layout="NWC", activation="swish"),
     dict(reduction_axes=(1,), activation="silu")),
])
def test_config_entries(entry, expect):
    spec = spec_from_entry(entry)
    for k, v in expect.items():
        assert getattr(spec, k) == v


@pytest.mark.parametrize("entry,msg", [
    (dict(shape=[2, 4, 4, 8], groups=4, layout="NHWC", channels_axis=3), "not both"),
    (dict(shape=[2, 4, 4, 8], groups=4, layuot="NHWC"), "unknown keys ['layuot']"),
    (dict(shape=[2, "x", 4, 8]), "'x' is not a size"),
    (dict(shape=[2, 4, 4, 8], layout="NHW"), "layout='NHW'"),
])
def test_config_entry_errors(entry, msg):
    with pytest.raises(ValueError) as e:
        spec_from_entry(entry)
    assert msg in str(e.value)


def test_spec_argument_takes_targets_and_name():
    from iree_gn._bundle import item_from_json

    it = item_from_json(json.dumps(dict(STATIC, name="s", targets=["llvm-cpu:x86-64-v3"])))
    assert it.error is None and it.targets == ("llvm-cpu:x86-64-v3",)
    assert it.label.startswith("s ")
    assert "unknown keys" in item_from_json(json.dumps(dict(STATIC, grups=2))).error


def test_json_config_with_null_dims(tmp_path):
    from iree_gn._bundle import items_from_config

    cfg = tmp_path / "c.json"
    cfg.write_text(json.dumps({"targets": ["llvm-cpu:x86-64-v3"],
                               "config": [dict(DYNAMIC)]}))
    items, targets = items_from_config(str(cfg))
    assert targets == ("llvm-cpu:x86-64-v3",)
    assert items[0].spec.shape == (None, 4, 4, 8) and items[0].error is None


# ---- deploy: numerics -----------------------------------------------------------------------
@pytest.mark.parametrize("target", RUN_TARGETS)
def test_static_matches_reference(built, target, rng):
    b = deploy.load_bundle(built["dir"], device=target)
    assert b.targets == [target]
    x = _x(rng, (2, 4, 4, 8), mean=3.0)
    g, be = _x(rng, (8,)), _x(rng, (8,))
    y = b.group_norm(x, g, be, activation=None)
    assert y.shape == x.shape and y.dtype == x.dtype
    assert_close(y, ref_group_norm(x, 4, gamma=g, beta=be), "float32")
    # gamma/beta default to ones/zeros
    assert_close(b(x, activation=None), ref_group_norm(x, 4), "float32")


@pytest.mark.parametrize("target", RUN_TARGETS)
@pytest.mark.parametrize("batch", [1, 3])
def test_dynamic_batch_matches_reference(built, target, batch, rng):
    b = deploy.load_bundle(built["dir"], device=target)
    x = _x(rng, (batch, 4, 4, 8))
    g, be = _x(rng, (8,)), _x(rng, (8,))
    out = np.empty_like(x)
    y = b(x, g, be, out=out)
    assert y is out
    assert_close(y, ref_group_norm(x, 4, gamma=g, beta=be, activation="silu"), "float32")


@pytest.mark.parametrize("target", RUN_TARGETS)
def test_nchw_float16_without_beta(built, target, rng):
    b = deploy.load_bundle(built["dir"], device=target)
    x = _x(rng, (2, 8, 3, 3), "float16")
    g = _x(rng, (8,), "float16")
    y = b(x, g)
    assert y.dtype == np.float16
    assert_close(y, ref_group_norm(x, 2, channels_axis=1, reduction_axes=(2, 3), gamma=g),
                 "float16")
    with pytest.raises(ValueError, match="center=False"):
        b(x, g, g)


def test_auto_prefers_this_cpu_over_software_gpus(built):
    b = deploy.load_bundle(built["dir"])
    assert b.targets[0] == "llvm-cpu"  # built here, so the host-CPU module is safe and fastest
    assert set(b.targets) >= {"llvm-cpu", "llvm-cpu:x86-64-v3"}


def test_host_cpu_module_needs_every_feature_it_was_built_with(bundle_copy):
    # Matched on CPU features, not the model name: a renamed CPU with the same features runs
    # the host module; one feature missing, and only the portable row is used.
    m = _manifest(bundle_copy)
    m["host"]["cpu"] = "Some Other CPU"
    _write_manifest(bundle_copy, m)
    assert deploy.load_bundle(bundle_copy, device="llvm-cpu").targets == ["llvm-cpu"]
    m["targets"]["llvm-cpu"]["cpu_features"].append("avx512_future")
    _write_manifest(bundle_copy, m)
    b = deploy.load_bundle(bundle_copy)
    assert [t for t in b.targets if t.startswith("llvm-cpu")] == ["llvm-cpu:x86-64-v3"]
    with pytest.raises(deploy.BundleDeviceError, match=r"lacks: avx512_future"):
        deploy.load_bundle(bundle_copy, device="llvm-cpu")


# /proc/cpuinfo flags of a Haswell (AVX2, no AVX-512) and of a pre-AVX2 (Sandy Bridge) CPU.
HASWELL = ("fpu sse sse2 ssse3 fma cx16 sse4_1 sse4_2 movbe popcnt xsave avx f16c lahf_lm "
           "abm bmi1 avx2 bmi2 pni hypervisor").split()
SANDY_BRIDGE = "fpu sse sse2 ssse3 cx16 sse4_1 sse4_2 popcnt xsave avx lahf_lm pni".split()


@pytest.mark.skipif(os.uname().machine != "x86_64", reason="x86-64 CPU features")
def test_avx512_module_refuses_an_avx2_cpu_and_v3_refuses_a_cpu_without_avx2(
        built, monkeypatch):
    if "avx512f" not in deploy.cpu_features():
        pytest.skip("the build machine has no AVX-512: its host module would load on AVX2")
    monkeypatch.setattr(_cpu, "cpuinfo", lambda: ("Haswell", tuple(HASWELL)))
    with pytest.raises(deploy.BundleDeviceError) as e:
        deploy.load_bundle(built["dir"], device="llvm-cpu")
    assert "avx512f" in str(e.value) and "illegal instruction" in str(e.value)
    b = deploy.load_bundle(built["dir"])
    assert [t for t in b.targets if t.startswith("llvm-cpu")] == ["llvm-cpu:x86-64-v3"]
    monkeypatch.setattr(_cpu, "cpuinfo", lambda: ("Sandy Bridge", tuple(SANDY_BRIDGE)))
    with pytest.raises(deploy.BundleDeviceError, match=r"lacks: abm, avx2, bmi1, bmi2, f16c, "
                                                      r"fma, movbe"):
        deploy.load_bundle(built["dir"], device="llvm-cpu:x86-64-v3")


def test_build_says_the_host_row_is_not_portable(built):
    assert "llvm-cpu compiles for this machine's own CPU" in built["proc"].stderr
    assert "not portable" in built["proc"].stderr
    m = _manifest(built["dir"])
    assert m["targets"]["llvm-cpu"]["portable"] is False
    assert m["targets"]["llvm-cpu:x86-64-v3"]["portable"] is True
    assert set(m["targets"]["llvm-cpu"]["cpu_features"]) == set(deploy.cpu_features())


def _write_manifest(path, m):
    with open(os.path.join(path, "manifest.json"), "w") as f:
        json.dump(m, f)


# ---- deploy: requests the bundle cannot serve ----------------------------------------------
def test_ambiguous_request_names_the_differing_option(built, rng):
    b = deploy.load_bundle(built["dir"], device="llvm-cpu")
    with pytest.raises(deploy.BundleError) as e:
        b(_x(rng, (2, 4, 4, 8)))
    assert "differ in activation" in str(e.value) and "activation=None" in str(e.value)
    assert_close(b(_x(rng, (2, 4, 4, 8)) * 0 + 1, activation="silu"),
                 ref_group_norm(np.ones((2, 4, 4, 8)), 4, activation="silu"), "float32")


def test_missing_module_lists_contents_and_the_build_line_that_adds_it(bundle_copy, rng):
    b = deploy.load_bundle(bundle_copy, device="llvm-cpu")
    x = _x(rng, (3, 4, 4, 16))
    with pytest.raises(deploy.ModuleNotInBundle) as e:
        b(x)
    msg = str(e.value)
    assert "shape (3, 4, 4, 16), float32" in msg
    for mod in b.modules:
        assert mod.describe() in msg
    line = next(l.strip() for l in msg.splitlines() if l.strip().startswith("iree-gn build"))
    argv = shlex.split(line)
    assert argv[:3] == ["iree-gn", "build", "--add"]
    # The suggested line works: it adds the module and keeps the others.
    proc = run_cli(*argv[1:])
    assert proc.returncode == 0, proc.stderr
    b2 = deploy.load_bundle(bundle_copy, device="llvm-cpu")
    assert len(b2.modules) == len(b.modules) + 1
    # ... and the old build's failures, which that build did not retry.
    assert _manifest(bundle_copy)["failures"] == b.manifest["failures"] != []
    spec = b2.find(x.shape, x.dtype).spec
    y = b2(x)
    assert_close(y, ref_group_norm(x, spec.groups, activation=spec.activation), "float32")


def test_the_build_line_follows_the_module_the_request_resembles(built, rng):
    # A float32 [3, 8, 3, 3] request resembles the bundle's NCHW module (all axes but the
    # batch) more than its NHWC ones of the same dtype, which the line followed before
    # (channels axis 3: 3 channels, groups gcd(3, 4) = 1: a module for another model).
    b = deploy.load_bundle(built["dir"], device="llvm-cpu")
    with pytest.raises(deploy.ModuleNotInBundle) as e:
        b(_x(rng, (3, 8, 3, 3)))
    line = next(l.strip() for l in str(e.value).splitlines()
                if l.strip().startswith("iree-gn build"))
    spec = json.loads(shlex.split(line)[-1])
    assert (spec["channels_axis"], spec["reduction_axes"], spec["groups"]) == (1, [2, 3], 2)
    assert spec["dtype"] == "float32" and spec["shape"] == [3, 8, 3, 3]


def test_wrong_dtype_is_a_missing_module(built, rng):
    b = deploy.load_bundle(built["dir"], device="llvm-cpu")
    with pytest.raises(deploy.ModuleNotInBundle, match="float64"):
        b(_x(rng, (2, 4, 4, 8), "float64"), activation=None)


def test_bundle_for_another_device_is_refused(bundle_copy, tmp_path):
    # As if built for Arm only (the loader trusts the manifest's targets; sha256 still holds).
    m = _manifest(bundle_copy)
    arm = iree_gn.TARGETS["llvm-cpu:aarch64"]
    m["modules"] = [dict(x, target=arm.name, driver=arm.driver) for x in m["modules"]
                    if x["target"] == "llvm-cpu"]
    with open(os.path.join(bundle_copy, "manifest.json"), "w") as f:
        json.dump(m, f)
    with pytest.raises(deploy.BundleDeviceError) as e:
        deploy.load_bundle(bundle_copy)
    assert "another device" in str(e.value) and "llvm-cpu:aarch64" in str(e.value)
    np.save(tmp_path / "x.npy", np.ones((2, 4, 4, 8), np.float32))
    proc = run_cli("run", bundle_copy, "--input", tmp_path / "x.npy", "-o", tmp_path / "y.npy")
    assert proc.returncode == 2 and "another device" in proc.stderr
    assert not (tmp_path / "y.npy").exists()


def test_device_not_in_bundle_is_refused(built):
    with pytest.raises(deploy.BundleDeviceError) as e:
        deploy.load_bundle(built["dir"], device="metal")
    assert "llvm-cpu" in str(e.value)  # lists what the bundle has
    # A name iree-gn build does not take is not suggested to it ("--targets metal" was).
    assert "--targets metal" not in str(e.value) and "--targets NAME" in str(e.value)


def test_device_argument_rules(built):
    # local-sync is the CPU bundle's own per-call choice: named, it says to load the CPU
    # target (it suggested `--targets local-sync`, which the builder refuses); no device
    # (None, '') is an argument error that names the rule, not "--targets None".
    with pytest.raises(deploy.BundleDeviceError, match="device='llvm-cpu'"):
        deploy.load_bundle(built["dir"], device="local-sync")
    for bad in (None, "", 3):
        with pytest.raises(iree_gn.ArgumentTypeError, match="device must be 'auto'"):
            deploy.load_bundle(built["dir"], device=bad)


# ---- deploy: integrity and format ----------------------------------------------------------
def test_checksum_mismatch_is_refused_before_running(bundle_copy, tmp_path, rng):
    m = _manifest(bundle_copy)
    victim = next(x for x in m["modules"] if x["target"] == "llvm-cpu")["file"]
    path = os.path.join(bundle_copy, victim)
    with open(path, "r+b") as f:
        f.seek(100)
        byte = f.read(1)
        f.seek(100)
        f.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(deploy.BundleIntegrityError) as e:
        deploy.load_bundle(bundle_copy)
    assert victim in str(e.value) and "sha256" in str(e.value)
    np.save(tmp_path / "x.npy", _x(rng, (2, 4, 4, 8)))
    proc = run_cli("run", bundle_copy, "--input", tmp_path / "x.npy", "-o", tmp_path / "y.npy")
    assert proc.returncode == 2 and "integrity" in proc.stderr
    assert not (tmp_path / "y.npy").exists()
    proc = run_cli("inspect", bundle_copy)
    assert proc.returncode == 1 and "BAD" in proc.stdout


@pytest.mark.parametrize("field,value", [("epsilon", 0.5), ("activation", "relu"),
                                         ("groups", 2), ("mean_close_to_zero", True)])
def test_edited_manifest_spec_is_refused(bundle_copy, field, value):
    # The sha256 covers the module, not the manifest's claim about it: the module itself
    # records the spec it was built from, and the loader compares.
    m = _manifest(bundle_copy)
    for mod in m["modules"]:
        if mod["spec"]["shape"] == STATIC["shape"] and mod["target"] == "llvm-cpu":
            mod["spec"][field] = value
    with open(os.path.join(bundle_copy, "manifest.json"), "w") as f:
        json.dump(m, f)
    with pytest.raises(deploy.BundleIntegrityError) as e:
        deploy.load_bundle(bundle_copy, device="llvm-cpu")
    assert "failed its spec check" in str(e.value) and f"{field}: manifest {value!r}" in str(e.value)
    proc = run_cli("inspect", bundle_copy)
    assert proc.returncode == 1 and "BAD" in proc.stdout, proc.stdout + proc.stderr


def test_inspect_marks_only_the_entry_pointed_at_another_ones_file(bundle_copy):
    # An entry given another entry's file (sha256 and size too) is the bad one; the entry
    # that owns the file was marked BAD with it (problems were keyed by file).
    m = _manifest(bundle_copy)
    cpu = [i for i, mod in enumerate(m["modules"]) if mod["target"] == "llvm-cpu"]
    a, b = m["modules"][cpu[0]], m["modules"][cpu[1]]
    assert a["spec"] != b["spec"]
    for k in ("file", "sha256", "size"):
        b[k] = a[k]
    with open(os.path.join(bundle_copy, "manifest.json"), "w") as f:
        json.dump(m, f)
    proc = run_cli("inspect", bundle_copy, "--json")
    r = json.loads(proc.stdout)
    assert proc.returncode == 1
    assert [i for i, mod in enumerate(r["modules"]) if not mod["ok"]] == [cpu[1]], proc.stdout


def test_unsupported_format_version_names_both(bundle_copy):
    m = _manifest(bundle_copy)
    m["format_version"] = 99
    with open(os.path.join(bundle_copy, "manifest.json"), "w") as f:
        json.dump(m, f)
    with pytest.raises(deploy.BundleFormatError) as e:
        deploy.load_bundle(bundle_copy)
    msg = str(e.value)
    assert "format version 99" in msg
    assert "reads format version(s) " + ", ".join(map(str, deploy.SUPPORTED_FORMAT_VERSIONS)) in msg


def test_bundle_without_manifest_is_an_unfinished_build(bundle_copy):
    os.unlink(os.path.join(bundle_copy, "manifest.json"))
    with pytest.raises(deploy.BundleFormatError, match="did not finish"):
        deploy.load_bundle(bundle_copy)


def test_same_shape_nhwc_and_nchw_are_told_apart_by_layout(tmp_path, rng):
    out = tmp_path / "b"
    nhwc = dict(shape=[2, 8, 8, 8], groups=4, layout="NHWC")
    nchw = dict(shape=[2, 8, 8, 8], groups=4, layout="NCHW")
    proc = run_cli("build", "-o", out, "--targets", "llvm-cpu", "--spec", json.dumps(nhwc),
                   "--spec", json.dumps(nchw))
    assert proc.returncode == 0, proc.stderr
    b = deploy.load_bundle(str(out), device="llvm-cpu")
    x = _x(rng, (2, 8, 8, 8))
    with pytest.raises(deploy.AmbiguousRequest, match="differ in channels_axis"):
        b(x)
    assert b.find(x.shape, x.dtype, layout="nchw").spec.channels_axis == 1
    assert_close(b(x, layout="NCHW"),
                 ref_group_norm(x, 4, channels_axis=1, reduction_axes=(2, 3)), "float32")
    assert_close(b(x, layout="NHWC"), ref_group_norm(x, 4), "float32")
    with pytest.raises(ValueError, match="layout='NCH' must name each of the 4 axes"):
        b(x, layout="NCH")
    with pytest.raises(ValueError, match="channels_axis must be an integer, got 1.5"):
        b(x, channels_axis=1.5)
    np.save(tmp_path / "x.npy", x)
    proc = run_cli("run", out, "--input", tmp_path / "x.npy", "-o", tmp_path / "y.npy")
    assert proc.returncode == 2 and "--layout" in proc.stderr, proc.stderr
    for opts in (["--layout", "NCHW"], ["--channels-axis", "1", "--reduction-axes", "2,3"]):
        proc = run_cli("run", out, "--input", tmp_path / "x.npy", "-o", tmp_path / "y.npy",
                       *opts)
        assert proc.returncode == 0, proc.stderr
        assert_close(np.load(tmp_path / "y.npy"),
                     ref_group_norm(x, 4, channels_axis=1, reduction_axes=(2, 3)), "float32")
        assert "(local-task)" not in proc.stderr  # (it named the row's, not the call's)


# ---- CLI: run and inspect -------------------------------------------------------------------
def test_cli_run(built, tmp_path, rng):
    x = _x(rng, (3, 4, 4, 8))
    g, be = _x(rng, (8,)), _x(rng, (8,))
    for name, a in (("x", x), ("g", g), ("b", be)):
        np.save(tmp_path / f"{name}.npy", a)
    proc = run_cli("run", built["dir"], "--input", tmp_path / "x.npy", "--gamma",
                   tmp_path / "g.npy", "--beta", tmp_path / "b.npy", "--target", "llvm-cpu",
                   "-o", tmp_path / "y.npy")
    assert proc.returncode == 0, proc.stderr
    assert "on llvm-cpu" in proc.stderr
    assert_close(np.load(tmp_path / "y.npy"),
                 ref_group_norm(x, 4, gamma=g, beta=be, activation="silu"), "float32")
    # gamma/beta default to ones/zeros; --activation picks among configurations
    np.save(tmp_path / "x2.npy", x[:2])
    proc = run_cli("run", built["dir"], "--input", tmp_path / "x2.npy", "--activation", "none",
                   "-o", tmp_path / "y2.npy")
    assert proc.returncode == 0, proc.stderr
    assert_close(np.load(tmp_path / "y2.npy"), ref_group_norm(x[:2], 4), "float32")


def test_cli_inspect(built):
    proc = run_cli("inspect", built["dir"])
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert f"format {deploy.BUNDLE_FORMAT_VERSION}" in out and "device='auto' picks: llvm-cpu" in out
    assert "Nx4x4x8" in out and "act=silu" in out and "failed when built (2)" in out
    proc = run_cli("inspect", built["dir"], "--json")
    rep = json.loads(proc.stdout)
    assert len(rep["modules"]) == 3 * len(BUNDLE_TARGETS)
    assert all(m["ok"] for m in rep["modules"])
    assert rep["targets"]["llvm-cpu"]["runs_here"] is True


def test_cli_closed_pipe_is_not_a_traceback(built):
    # `iree-gn inspect B | head`: the reader closes the pipe before the output is written.
    for args in (["inspect", built["dir"], "--json"], ["targets"]):
        p = subprocess.Popen(CLI + args, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             cwd=REPO)
        p.stdout.close()
        err = p.stderr.read().decode()
        assert p.wait(timeout=300) == 141, err
        assert "Traceback" not in err and "BrokenPipeError" not in err, err


def test_cli_demo_on_a_target_without_a_device_compiles_and_says_so():
    if _targets.fits_here(iree_gn.TARGETS["llvm-cpu:aarch64"])[0]:
        pytest.skip("llvm-cpu:aarch64 runs on this machine")
    proc = run_cli("demo", "--target", "llvm-cpu:aarch64")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "on llvm-cpu:aarch64: compiled, not run" in proc.stdout
    assert "compile-only on this machine" in proc.stdout


# ---- runtime-only: no JAX, no IREE compiler -------------------------------------------------
BLOCKER = textwrap.dedent("""\
    # Installed by tests/test_bundle.py: make the named packages unimportable.
    import os, sys

    _BLOCKED = tuple(b for b in os.environ.get("IREE_GN_BLOCK_IMPORTS", "").split(",") if b)

    class _Blocker:
        def find_spec(self, name, path=None, target=None):
            if any(name == b or name.startswith(b + ".") for b in _BLOCKED):
                raise ImportError(f"{name} is blocked in this test (runtime-only install)")
            return None

    sys.meta_path.insert(0, _Blocker())
""")


@pytest.fixture
def blocked_env(tmp_path):
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER)

    def env(blocked):
        e = dict(os.environ)
        e["PYTHONPATH"] = os.pathsep.join([str(site), REPO, os.path.join(REPO, "tests")])
        e["IREE_GN_BLOCK_IMPORTS"] = ",".join(blocked)
        return e

    return env


def test_deploy_needs_neither_jax_nor_the_compiler(built, blocked_env, tmp_path):
    script = textwrap.dedent(f"""
        import sys
        import numpy as np
        for name in ("jax", "iree.compiler"):
            try:
                __import__(name)
            except ImportError:
                pass
            else:
                raise SystemExit(f"the blocker did not block {{name}}")
        from iree_gn.deploy import load_bundle
        from reference import assert_close, ref_group_norm
        b = load_bundle({built['dir']!r})
        rng = np.random.default_rng(0)
        x = rng.standard_normal((2, 4, 4, 8)).astype(np.float32)
        assert_close(b(x, activation=None), ref_group_norm(x, 4), "float32")
        x = rng.standard_normal((5, 4, 4, 8)).astype(np.float32)
        assert_close(b(x), ref_group_norm(x, 4, activation="silu"), "float32")
        bad = sorted(m for m in sys.modules if m.split(".")[0] in ("jax", "jaxlib")
                     or m.startswith("iree.compiler"))
        assert not bad, bad
        print("RUNTIME-ONLY OK", b.targets[0])
    """)
    env = blocked_env(["jax", "jaxlib", "iree.compiler"])
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          env=env, cwd=str(tmp_path), timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "RUNTIME-ONLY OK llvm-cpu" in proc.stdout
    # The CLI's run and inspect also work there.
    np.save(tmp_path / "x.npy", np.ones((2, 4, 4, 8), np.float32))
    proc = run_cli("run", built["dir"], "--input", tmp_path / "x.npy", "--activation", "none",
                   "-o", tmp_path / "y.npy", env=env, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    assert np.allclose(np.load(tmp_path / "y.npy"), 0)
    proc = run_cli("inspect", built["dir"], env=env, cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr


def test_build_from_mlir_needs_no_jax(blocked_env, tmp_path, rng):
    out = tmp_path / "b"
    src = os.path.join(REPO, "mlir", "nhwc-2x16x16x1280-f32.mlir")
    proc = run_cli("build", "--from-mlir", src, "-o", out, "--targets", "llvm-cpu",
                   env=blocked_env(["jax", "jaxlib"]), cwd=str(tmp_path))
    assert proc.returncode == 0, proc.stderr
    m = _manifest(out)
    assert m["modules"][0]["source"] == "mlir:nhwc-2x16x16x1280-f32.mlir"
    with open(src) as f:  # (what was compiled: the file prepared for its row, which names it)
        assert (out / m["modules"][0]["stablehlo"]).read_text() == \
            iree_gn.TARGETS["llvm-cpu"].prepare(f.read())
    b = deploy.load_bundle(str(out))
    x = _x(rng, (2, 16, 16, 1280), mean=5.0)
    g, be = _x(rng, (1280,)), _x(rng, (1280,))
    assert_close(b(x, g, be), ref_group_norm(x, 32, gamma=g, beta=be), "float32")


def test_mlir_of_another_formulation_is_refused_per_target(tmp_path):
    # A StableHLO file holds one formulation; a target that needs another must not get it.
    src = os.path.join(REPO, "mlir", "nhwc-2x16x16x1280-f32")
    shutil.copy(src + ".mlir", tmp_path / "gn.mlir")
    side = json.loads(open(src + ".json").read())
    side["formulation"] = "barrier"
    (tmp_path / "gn.json").write_text(json.dumps(side))
    proc = run_cli("build", "--from-mlir", tmp_path, "-o", tmp_path / "b", "--targets",
                   "llvm-cpu")
    assert proc.returncode == 1
    assert "holds the 'barrier' formulation" in proc.stderr
    assert not (tmp_path / "b").exists()


def test_rebuild_replaces_a_bundle_of_an_older_format(tmp_path):
    out = tmp_path / "b"
    proc = run_cli("build", "-o", out, "--targets", "llvm-cpu", "--spec", json.dumps(STATIC))
    assert proc.returncode == 0, proc.stderr
    m = _manifest(out)
    m["format_version"] = 1
    _write_manifest(str(out), m)
    with pytest.raises(deploy.BundleFormatError, match="format version 1"):
        deploy.load_bundle(str(out))
    proc = run_cli("build", "-o", out, "--targets", "llvm-cpu", "--spec", json.dumps(STATIC))
    assert proc.returncode == 0, proc.stderr
    assert deploy.load_bundle(str(out)).targets == ["llvm-cpu"]


def test_add_drops_a_failure_once_its_entry_builds(tmp_path):
    # An invalid entry is listed as failed; giving the same entry name again, fixed, with
    # --add retries it: the module is added and the stale failure leaves the manifest.
    out = tmp_path / "b"
    for i, (name, groups, add) in enumerate((("good", 4, []), ("bad", 3, ["--add"]),
                                             ("bad", 2, ["--add"]))):
        cfg = tmp_path / f"c{i}.toml"
        cfg.write_text(f'[[config]]\nname = "{name}"\nshape = [2, 4, 4, 8]\ngroups = {groups}\n')
        proc = run_cli("build", cfg, *add, "-o", out, "--targets", "llvm-cpu")
        assert proc.returncode == (1 if groups == 3 else 0), proc.stderr
        if groups == 3:
            assert [f["config"] for f in _manifest(out)["failures"]] == ["bad"]
    m = _manifest(out)
    assert m["failures"] == [] and len(m["modules"]) == 2


def test_run_refuses_clearly_and_reads_bfloat16_npy(tmp_path):
    # A 0-d input, an -o folder (refused before the work) and -j 0: one line, exit 2, no
    # traceback. A bfloat16 .npy (np.save writes it as 2-byte void) is read as bfloat16.
    import ml_dtypes

    out = tmp_path / "b"
    spec = dict(STATIC, dtype="bfloat16")
    assert run_cli("build", "-o", out, "--targets", "llvm-cpu", "--spec",
                   json.dumps(spec)).returncode == 0
    np.save(tmp_path / "x0.npy", np.float32(3))
    x = np.random.default_rng(1).standard_normal((2, 4, 4, 8)).astype(ml_dtypes.bfloat16)
    np.save(tmp_path / "x.npy", x)
    (tmp_path / "folder").mkdir()
    for args, msg in (((tmp_path / "x0.npy", tmp_path / "y.npy"), "rank >= 2"),
                      ((tmp_path / "x.npy", tmp_path / "folder"), "is a folder")):
        proc = run_cli("run", out, "--input", args[0], "-o", args[1])
        assert proc.returncode == 2 and msg in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli("build", "-j", "0", "-o", tmp_path / "c", "--spec", json.dumps(STATIC))
    assert proc.returncode == 2 and "-j/--jobs: must be a whole number >= 1" in proc.stderr
    proc = run_cli("run", out, "--input", tmp_path / "x.npy", "-o", tmp_path / "y.npy")
    assert proc.returncode == 0, proc.stderr
    y = np.load(tmp_path / "y.npy").view(ml_dtypes.bfloat16)
    assert_close(y, ref_group_norm(x, 4), "bfloat16")


def test_ops_and_bundles_pickle_for_spawned_workers(built, rng):
    # A 'spawn' worker (multiprocessing, a DataLoader with spawn) receives its op or bundle
    # pickled: with its module bytes, so the copy needs no compiler, and bound again to the
    # device where it is first called. Before: "cannot pickle '_thread.lock' object".
    import copy
    import pickle

    x = _x(rng, (2, 4, 4, 8))
    g, b = _x(rng, (8,)), _x(rng, (8,))
    op = iree_gn.compile((None, 4, 4, 8), "float32", groups=4)
    bundle = deploy.load_bundle(built["dir"], device="llvm-cpu")
    for obj, act in ((op, None), (bundle, "silu")):
        obj(x, g, b, **({} if act is None else {"activation": act}))  # bound here first
        for clone in (pickle.loads(pickle.dumps(obj)), copy.deepcopy(obj)):
            assert type(clone) is type(obj)
            y = clone(x, g, b, **({} if act is None else {"activation": act}))
            assert_close(y, ref_group_norm(x, 4, gamma=g, beta=b, activation=act), "float32")


def test_build_targets_list_is_trimmed_and_must_name_one(tmp_path):
    proc = run_cli("build", "-o", tmp_path / "a", "--spec", json.dumps(STATIC), "--targets", "")
    assert proc.returncode != 0 and "--targets '' names no target" in proc.stderr
    assert not (tmp_path / "a").exists()
    proc = run_cli("build", "-o", tmp_path / "b", "--spec", json.dumps(STATIC),
                   "--targets", "llvm-cpu, llvm-cpu:x86-64-v3")
    assert proc.returncode == 0, proc.stderr
    manifest = json.loads((tmp_path / "b" / "manifest.json").read_text())
    assert {m["target"] for m in manifest["modules"]} == {"llvm-cpu", "llvm-cpu:x86-64-v3"}


def test_add_refuses_a_bundle_whose_manifest_was_edited(bundle_copy):
    # Before: --add checked the old modules' sha256 but not their recorded spec, reported
    # success, and published a bundle the loader then refused.
    path = os.path.join(bundle_copy, "manifest.json")
    text = open(path).read()
    assert '"epsilon": 1e-06' in text
    with open(path, "w") as f:
        f.write(text.replace('"epsilon": 1e-06', '"epsilon": 0.001', 1))
    before = sorted(os.listdir(bundle_copy))
    proc = run_cli("build", "--add", "-o", bundle_copy, "--targets", "llvm-cpu", "--spec",
                   json.dumps(dict(STATIC, groups=2)))
    assert proc.returncode != 0 and "failed its spec check" in proc.stderr, proc.stderr
    assert "epsilon: manifest 0.001" in proc.stderr
    assert sorted(os.listdir(bundle_copy)) == before


def test_auto_says_when_this_cpu_fits_none_of_the_cpu_rows(bundle_copy):
    # device="auto" skipped CPU rows whose features this CPU lacks without a word, and ran
    # the software GPU instead (hundreds of times slower).
    path = os.path.join(bundle_copy, "manifest.json")
    m = _manifest(bundle_copy)
    cpu_rows = [t for t in m["targets"] if t.startswith("llvm-cpu")]
    if "vulkan:llvmpipe" not in m["targets"] or not deploy._runs_here(
            "vulkan:llvmpipe", "vulkan")[0]:
        pytest.skip("needs the bundle's vulkan:llvmpipe row and lavapipe here")
    for t in cpu_rows:
        m["targets"][t]["cpu_features"] = m["targets"][t].get("cpu_features", []) + ["no_such"]
    with open(path, "w") as f:
        json.dump(m, f)
    with pytest.warns(RuntimeWarning, match=r"its CPU modules do not run on this CPU .*no_such"
                                            r".*running on vulkan:llvmpipe"):
        b = deploy.load_bundle(bundle_copy)
    assert b.targets == ["vulkan:llvmpipe"]


def test_gpu_modules_swapped_between_rows_are_marked_bad(bundle_copy):
    # Same spec, two rows of one backend (sm_80/sm_90 PTX, or lavapipe's 8-lane SPIR-V and a
    # CPU row): sha256 and the recorded spec matched, so the swap passed every check.
    pairs = [p for p in (("cuda:sm_80", "cuda:sm_90"), ("vulkan:llvmpipe", "llvm-cpu:x86-64-v3"))
             if set(p) <= set(BUNDLE_TARGETS)]
    if not pairs:
        pytest.skip("needs the bundle's cuda or vulkan rows")
    m = _manifest(bundle_copy)
    for ta, tb in pairs:
        a = [e for e in m["modules"] if e["target"] == ta and e["name"].startswith("2x4x4x8")][0]
        b = [e for e in m["modules"] if e["target"] == tb and e["spec"] == a["spec"]][0]
        for k in ("file", "sha256", "size", "stablehlo"):
            a[k], b[k] = b[k], a[k]
    _write_manifest(bundle_copy, m)
    proc = run_cli("inspect", bundle_copy)
    assert proc.returncode == 1, proc.stderr
    bad = [line for line in proc.stdout.splitlines() if "BAD: " in line]
    assert len(bad) == 2 * len(pairs) and all("but the module was compiled for" in line
                                              for line in bad), proc.stdout
