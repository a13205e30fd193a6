"""Bundle fixes from the December audit: --add onto another CPU's host row, manifest edits of
an entry's target/driver, `iree-gn run` on non-.npy inputs, pickled bundles' CPU check,
unwritable -o, `iree-gn inspect` of unloadable bundles, request validation.

Bundles here are tiny and built in this process (jobs=1) through the shared compile cache.
"""

import json
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

from iree_gn import _bundle, _module_spec, deploy
from iree_gn._spec import GroupNormSpec

CLI = [sys.executable, "-c",
       "import sys; from iree_gn.cli import main; sys.exit(main(sys.argv[1:]))"]
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = dict(shape=[2, 4, 4, 8], dtype="float32", groups=4)


def run_cli(*args, **kw):
    return subprocess.run(CLI + [str(a) for a in args], capture_output=True, text=True,
                          cwd=REPO, timeout=600, **kw)


def _item(**kw):
    return _bundle.item_from_json(json.dumps(dict(SPEC, **kw)))


def _build(out, targets, items=None, add=False):
    res = _bundle.build(items or [_item()], targets, str(out), jobs=1, add=add, stream=None)
    assert res.ok, res.failures
    return res


def _manifest(path):
    with open(os.path.join(path, "manifest.json")) as f:
        return json.load(f)


def _write_manifest(path, m):
    with open(os.path.join(path, "manifest.json"), "w") as f:
        json.dump(m, f)


@pytest.fixture(scope="module")
def cpu_bundle(tmp_path_factory):
    out = tmp_path_factory.mktemp("audit") / "b"
    _build(out, ["llvm-cpu", "llvm-cpu:x86-64-v3"])
    return str(out)


@pytest.fixture
def copy(cpu_bundle, tmp_path):
    dst = str(tmp_path / "copy")
    shutil.copytree(cpu_bundle, dst)
    return dst


# ---- 1. --add onto a host row built for another CPU ------------------------------------------
def test_add_refuses_a_host_row_built_on_a_cpu_with_other_features(copy):
    m = _manifest(copy)
    m["host"]["cpu"] = "Future CPU"
    m["targets"]["llvm-cpu"]["cpu_features"].append("avx10_2")
    _write_manifest(copy, m)
    before = open(os.path.join(copy, "manifest.json")).read()
    with pytest.raises(deploy.BundleError, match=r"(?s)llvm-cpu modules .*Future CPU.*"
                                                 r"lacks: avx10_2.*without --add.*x86-64-v3"):
        _build(copy, ["llvm-cpu"], [_item(groups=2)], add=True)
    assert open(os.path.join(copy, "manifest.json")).read() == before
    # Through the command line: the usual error line, exit 2, nothing compiled first.
    proc = run_cli("build", "--add", "-o", copy, "--targets", "llvm-cpu:x86-64-v3",
                   "--spec", json.dumps(dict(SPEC, groups=1)))
    assert proc.returncode == 2 and "iree-gn: error: --add:" in proc.stderr, proc.stderr
    assert open(os.path.join(copy, "manifest.json")).read() == before


def test_add_keeps_a_host_row_built_on_a_cpu_with_fewer_features(copy):
    # This CPU's features cover the old modules' needs: the union is this CPU's set.
    m = _manifest(copy)
    m["targets"]["llvm-cpu"]["cpu_features"] = m["targets"]["llvm-cpu"]["cpu_features"][1:]
    _write_manifest(copy, m)
    _build(copy, ["llvm-cpu"], [_item(groups=2)], add=True)
    m = _manifest(copy)
    assert set(m["targets"]["llvm-cpu"]["cpu_features"]) == set(deploy.cpu_features())
    assert len([e for e in m["modules"] if e["target"] == "llvm-cpu"]) == 2


# ---- 2. manifest edits of an entry's target, driver, flags -----------------------------------
def _entry(m, target, key="modules"):
    return [e for e in m[key] if e["target"] == target][0]


def test_a_module_swapped_between_rows_of_one_spec_is_refused(copy):
    m = _manifest(copy)
    a, b = _entry(m, "llvm-cpu"), _entry(m, "llvm-cpu:x86-64-v3")
    for k in ("file", "sha256", "size", "stablehlo"):
        a[k], b[k] = b[k], a[k]
    _write_manifest(copy, m)
    with pytest.raises(deploy.BundleIntegrityError,
                       match=r"for target 'llvm-cpu:x86-64-v3', but the module was compiled "
                             r"for 'llvm-cpu'"):
        deploy.load_bundle(copy, device="llvm-cpu:x86-64-v3")
    proc = run_cli("inspect", copy)
    assert proc.returncode == 1 and proc.stdout.count("BAD: ") == 2, proc.stdout


def test_a_host_module_relabelled_as_the_portable_row_is_refused(copy):
    m = _manifest(copy)
    m["modules"] = [e for e in m["modules"] if e["target"] == "llvm-cpu"]
    e = m["modules"][0]
    e["target"] = "llvm-cpu:x86-64-v3"
    e["flags"] = [f.replace("target-cpu=host", "target-cpu=x86-64-v3") for f in e["flags"]]
    m["targets"] = {"llvm-cpu:x86-64-v3": dict(m["targets"]["llvm-cpu"], cpu_features=[],
                                                portable=True)}
    _write_manifest(copy, m)
    with pytest.raises(deploy.BundleIntegrityError, match=e["file"] + r".*compiled for "
                                                          r"'llvm-cpu'"):
        deploy.load_bundle(copy)
    proc = run_cli("inspect", copy)
    assert proc.returncode == 1 and "BAD: " in proc.stdout, proc.stdout


def test_an_edited_driver_is_refused(copy):
    m = _manifest(copy)
    _entry(m, "llvm-cpu")["driver"] = "cuda"
    _write_manifest(copy, m)
    with pytest.raises(deploy.BundleIntegrityError, match=r"driver 'cuda', but target "
                                                          r"'llvm-cpu' runs on 'local-task'"):
        deploy.load_bundle(copy, device="llvm-cpu")


def test_host_flags_edited_away_still_get_the_cpu_check(copy):
    m = _manifest(copy)
    e = _entry(m, "llvm-cpu")
    e["flags"] = [f for f in e["flags"] if "target-cpu=host" not in f]
    m["host"]["machine"] = "riscv64"  # (built on another machine: refused by that alone)
    _write_manifest(copy, m)
    with pytest.raises(deploy.BundleDeviceError, match=r"own CPU \(riscv64"):
        deploy.load_bundle(copy, device="llvm-cpu")


def test_modules_record_their_row_and_older_ones_without_it_still_load(copy, rng):
    from iree_gn import _targets
    from iree_gn._compiler import compile_text
    from iree_gn._export import TARGET_KEY, stablehlo_text

    m = _manifest(copy)
    e = _entry(m, "llvm-cpu:x86-64-v3")
    blob = open(os.path.join(copy, e["file"]), "rb").read()
    assert _module_spec.reflection(blob)[TARGET_KEY] == "llvm-cpu:x86-64-v3"
    # A module of an iree-gn before the record (its input not prepared with the row's name).
    row = _targets.TARGETS["llvm-cpu:x86-64-v3"]
    spec = GroupNormSpec.from_json(e["spec"])
    old = compile_text(stablehlo_text(spec, row.formulation_for(spec)), row, spec.dtype)
    assert TARGET_KEY not in _module_spec.reflection(old)
    with open(os.path.join(copy, e["file"]), "wb") as f:
        f.write(old)
    import hashlib

    e["sha256"], e["size"] = hashlib.sha256(old).hexdigest(), len(old)
    _write_manifest(copy, m)
    gn = deploy.load_bundle(copy, device="llvm-cpu:x86-64-v3")
    x = rng.standard_normal((2, 4, 4, 8)).astype(np.float32)
    from reference import assert_close, ref_group_norm

    assert_close(gn(x), ref_group_norm(x, 4), "float32")


# ---- 3. iree-gn run on files that are not .npy -------------------------------------------------
def test_run_says_an_npz_or_text_file_is_not_npy(cpu_bundle, tmp_path):
    x, xz, gz, txt = (str(tmp_path / n) for n in ("x.npy", "x.npz", "g.npz", "c.toml"))
    np.save(x, np.ones((2, 4, 4, 8), np.float32))
    np.savez(xz, x=np.ones((2, 4, 4, 8), np.float32))
    np.savez(gz, g=np.ones(8, np.float32))
    open(txt, "w").write("shape = [2, 4, 4, 8]\n")
    y = str(tmp_path / "y.npy")
    for args, msg in ((["--input", xz], f"--input {xz!r} is not a .npy file (an .npz archive"),
                      (["--input", x, "--gamma", gz], f"--gamma {gz!r} is not a .npy file"),
                      (["--input", txt], f"--input {txt!r} is not a .npy file (it does not "
                                         f"start with the .npy header)")):
        proc = run_cli("run", cpu_bundle, *args, "-o", y)
        assert proc.returncode == 2, proc.stderr
        assert proc.stderr.startswith("iree-gn: error: " + msg), proc.stderr
        assert "Traceback" not in proc.stderr and "allow_pickle" not in proc.stderr
    assert run_cli("run", cpu_bundle, "--input", x, "-o", y).returncode == 0


# ---- 4. a pickled bundle checks the CPU where it is unpickled ----------------------------------
def test_unpickling_checks_this_cpus_features(copy, monkeypatch):
    import pickle

    m = _manifest(copy)
    m["targets"]["llvm-cpu"]["cpu_features"].append("avx10_2")  # built on a newer CPU
    _write_manifest(copy, m)
    monkeypatch.setattr(deploy, "_cpu_fits", lambda *a: (True, ""))  # the build machine
    data = pickle.dumps(deploy.load_bundle(copy, device="llvm-cpu"))
    both = pickle.dumps(deploy.load_bundle(copy))
    monkeypatch.undo()
    with pytest.raises(deploy.BundleDeviceError, match=r"unpickled.*lacks: avx10_2"):
        pickle.loads(data)
    assert pickle.loads(both).targets == ["llvm-cpu:x86-64-v3"]  # as load_bundle picks here
    assert deploy.load_bundle(copy).targets == ["llvm-cpu:x86-64-v3"]


# ---- 5. -o in a folder that cannot be written: refused before compiling -----------------------
@pytest.mark.parametrize("where", ["readonly", "proc"])
def test_build_into_an_unwritable_folder_is_refused_before_compiling(tmp_path, where,
                                                                     monkeypatch):
    if where == "readonly":
        parent = tmp_path / "ro"
        parent.mkdir()
        parent.chmod(0o555)
        if os.access(parent, os.W_OK) and os.geteuid() == 0:
            # root may write anyway: make the probe see what a user would
            import errno

            def refuse(prefix, dir):
                raise PermissionError(errno.EACCES, "Permission denied")

            monkeypatch.setattr("tempfile.mkdtemp", lambda prefix="", dir=None: refuse(
                prefix, dir))
        out, reason = str(parent / "bundle"), "Permission denied"
    else:
        out, reason = "/proc/gnbundle", ""
    monkeypatch.setattr(_bundle, "_run_jobs", lambda *a: pytest.fail("compiled first"))
    with pytest.raises(ValueError, match=rf"-o '{out}': cannot write into its folder "
                                         rf"{os.path.dirname(out)} \(.*{reason}"):
        _bundle.build([_item()], ["llvm-cpu"], out, jobs=1, stream=None)
    if where == "proc":  # the command line: the error line and exit 2
        proc = run_cli("build", "--spec", json.dumps(SPEC), "-o", out)
        assert proc.returncode == 2, proc.stderr
        assert f"iree-gn: error: -o '{out}': cannot write into its folder /proc" in proc.stderr


# ---- 6. inspect refuses what the loader refuses -----------------------------------------------
@pytest.mark.parametrize("modules, msg", [([], "has no modules"),
                                          ({"a": {}}, "modules are a dict, not a list"),
                                          ("grads", "grad_modules are a NoneType, not a list")])
def test_inspect_of_a_bundle_the_loader_refuses_fails(tmp_path, modules, msg):
    b = tmp_path / "b"
    b.mkdir()
    # ("grads": a manifest whose grad_modules are null; the message named "modules")
    extra = {"modules": [], "grad_modules": None} if modules == "grads" else {"modules": modules}
    _write_manifest(str(b), {"format": "iree-gn-bundle", "format_version": 3, **extra})
    with pytest.raises(deploy.BundleError, match=msg):
        deploy.load_bundle(str(b))
    proc = run_cli("inspect", b)
    assert proc.returncode == 2 and f"iree-gn: error: bundle '{b}'" in proc.stderr
    assert msg in proc.stderr and proc.stdout == ""
    proc = run_cli("inspect", "--json", b)
    assert proc.returncode == 2 and msg in proc.stderr
    report = json.loads(proc.stdout)
    assert report["ok"] is False and msg in report["error"]


# ---- 7. default -j: the CPUs this process may use ------------------------------------------------
def test_default_jobs_follow_the_cpu_affinity(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0})
    monkeypatch.setattr(os, "cpu_count", lambda: 64)
    monkeypatch.setattr("concurrent.futures.ProcessPoolExecutor",
                        lambda *a, **k: pytest.fail("a pool for one usable CPU"))
    res = _bundle.build([_item(), _item(groups=2)], ["llvm-cpu"], str(tmp_path / "b"),
                        stream=None)
    assert res.ok and len(res.modules) == 2
    assert _bundle._usable_cpus() == 1


# ---- 8. request validation and matching ----------------------------------------------------------
def test_epsilon_matches_as_the_module_computes_it(tmp_path, rng):
    out = str(tmp_path / "b")
    f32_eps = float(np.float32(1e-6))  # a float32 model's 1e-6, next to a typed 1e-6
    _build(out, ["llvm-cpu"], [_item(), _item(epsilon=0.5, activation="relu"),
                               _item(dtype="float64"), _item(epsilon=f32_eps)])
    gn = deploy.load_bundle(out)
    x = rng.standard_normal((2, 4, 4, 8)).astype(np.float32)
    from reference import assert_close, ref_group_norm

    # float32 statistics: 1e-6 and np.float32(1e-6) are one constant in the module
    assert np.float32(gn.find(x.shape, "float32", epsilon=np.float32(1e-6)).spec.epsilon) \
        == np.float32(1e-6)
    assert_close(gn(x, epsilon=np.float32(1e-6)), ref_group_norm(x, 4), "float32")
    assert gn.find(x.shape, "float32", epsilon=np.float32(0.5)).spec.activation == "relu"
    # Two entries one float32 constant apart are one configuration (they were ambiguous to
    # every request, so neither could be used): the requested one, else either.
    assert gn.find(x.shape, "float32", epsilon=f32_eps).spec.epsilon == f32_eps
    assert gn.find(x.shape, "float32", epsilon=1e-6).spec.epsilon == 1e-6
    assert_close(gn(x, epsilon=f32_eps), ref_group_norm(x, 4), "float32")
    # float64 statistics: exact
    assert gn.find(x.shape, "float64", epsilon=1e-6).spec.dtype == "float64"
    with pytest.raises(deploy.ModuleNotInBundle):
        gn.find(x.shape, "float64", epsilon=np.float32(1e-6))


@pytest.mark.parametrize("shape, err, msg", [
    ((None, 4, 4, 8), TypeError, r"shape\[0\]=None \(NoneType\) is invalid: an input's "
                                 r"dimensions are ints"),
    ((2.5, 4, 4, 8), TypeError, r"shape\[0\]=2.5 \(float\) is invalid"),
    ((True, 4, 4, 8), TypeError, r"shape\[0\]=True \(bool\) is invalid"),
    ((-2, 4, 4, 8), ValueError, r"shape\[0\]=-2 is invalid: dimensions are non-negative"),
    ("2448", TypeError, r"shape must be a sequence of ints"),
])
def test_find_validates_the_shape(cpu_bundle, shape, err, msg):
    gn = deploy.load_bundle(cpu_bundle)
    with pytest.raises(err, match=msg):
        gn.find(shape, np.float32)
    assert gn.find((np.int64(2), 4, 4, 8), np.float32).spec.shape == (2, 4, 4, 8)


def test_load_bundle_takes_bytes_and_pathlike_paths(cpu_bundle):
    import pathlib

    for p in (os.fsencode(cpu_bundle), pathlib.Path(cpu_bundle)):
        assert deploy.load_bundle(p).path == cpu_bundle
    with pytest.raises(TypeError, match=r"path must be a str, bytes or os.PathLike .* got 3"):
        deploy.load_bundle(3)


# ---- 10. what --help and the README say is what is accepted --------------------------------------
def test_help_and_readme_say_which_targets_win_and_which_devices_are_taken(tmp_path):
    from iree_gn.cli import build_parser

    sub = build_parser()._subparsers._group_actions[0].choices
    assert "an entry with its own `targets` key is built for those only" in \
        " ".join(sub["build"].format_help().split())
    run_help = " ".join(sub["run"].format_help().split())
    assert "not local-sync" in run_help and "local-task" in run_help
    readme = " ".join(open(os.path.join(REPO, "README.md")).read().split())
    assert 'with `"N"` for a dynamic axis (TOML has no null' in readme
    assert "an entry with its own `targets` key is built for those targets only" in readme
    assert '`"local-sync"` is refused with the reason' in readme
    # ... and the behaviour they describe
    cfg = tmp_path / "c.toml"
    cfg.write_text('[[config]]\nshape = [2, 4, 4, 8]\ngroups = 4\n'
                   'targets = ["llvm-cpu:x86-64-v3"]\n')
    items, _ = _bundle.items_from_config(str(cfg))
    res = _build(tmp_path / "b", ["llvm-cpu"], items)
    assert [m["target"] for m in res.modules] == ["llvm-cpu:x86-64-v3"]
    with pytest.raises(deploy.BundleDeviceError, match="device='local-sync'"):
        deploy.load_bundle(str(tmp_path / "b"), device="local-sync")
    assert deploy.load_bundle(str(tmp_path / "b"), device="local-task").targets == [
        "llvm-cpu:x86-64-v3"]
