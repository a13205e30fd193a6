"""Fault tests of the compile cache: racing processes, damaged entries, unusable folders.

Each damaged entry must heal (one CacheWarning, one rebuild, then clean hits) or be refused
clearly; every call still returns the right numbers. Shapes are small and served by the
hand-written CPU kernel (a compile costs ~1 s and needs no JAX).
"""

import json
import os
import shutil
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import iree_gn
from iree_gn import _cache, _ops, _targets
from iree_gn._spec import GroupNormSpec
from reference import assert_close, ref_group_norm

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = GroupNormSpec.create((1, 4, 4, 32), "float32", groups=8)


def _op(cache_dir):
    _ops.clear_memory_cache()
    return _ops.get_op(SPEC, _targets.get("llvm-cpu"), cache=_cache.DiskCache(str(cache_dir)))


def _check(op, rng):
    x = (3 + 2 * rng.standard_normal(SPEC.shape)).astype(np.float32)
    g = rng.standard_normal(32).astype(np.float32)
    b = rng.standard_normal(32).astype(np.float32)
    assert_close(op(x, g, b), ref_group_norm(x, 8, gamma=g, beta=b), "float32")


@pytest.fixture(scope="module")
def good_cache(tmp_path_factory):
    """A cache folder holding one valid entry for SPEC (compiled once per module)."""
    path = tmp_path_factory.mktemp("good") / "cache"
    _op(path)
    return path


@pytest.fixture
def cache(good_cache, tmp_path):
    path = tmp_path / "cache"
    shutil.copytree(good_cache, path)
    os.chmod(path, 0o700)
    entry = [n for n in os.listdir(path) if n.startswith("gn-")]
    assert len(entry) == 1
    return path, path / entry[0]


# ---- 4 processes racing one cold key --------------------------------------------------------
CHILD = """
    import hashlib, os, sys, time, warnings
    import numpy as np
    from iree_gn import _cache, _ops, _targets
    from iree_gn._spec import GroupNormSpec
    warnings.simplefilter("always")
    spec = GroupNormSpec.create((1, 4, 4, 32), "float32", groups=8)
    go = sys.argv[1]
    while not os.path.exists(go):  # start the compiles together
        time.sleep(0.005)
    op = _ops.get_op(spec, _targets.get("llvm-cpu"), cache=_cache.DiskCache(sys.argv[2]))
    x = np.random.default_rng(0).standard_normal((1, 4, 4, 32)).astype(np.float32)
    y = op(x, np.ones(32, np.float32), np.zeros(32, np.float32))
    print(hashlib.sha256(op.vmfb).hexdigest(), _ops.STATS["compiled"], float(y.sum()))
"""


def test_four_processes_race_one_cold_key(tmp_path):
    folder, go = tmp_path / "cache", tmp_path / "go"
    env = dict(os.environ, PYTHONPATH=REPO)
    procs = [subprocess.Popen([sys.executable, "-c", textwrap.dedent(CHILD), str(go),
                               str(folder)], env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(4)]
    go.write_text("")
    results = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        assert "CacheWarning" not in err and "corrupt" not in err, err
        results.append(out.split())
    # Identical module bytes from every writer (deterministic compiles), one entry, no debris.
    assert len({r[0] for r in results}) == 1, results
    names = os.listdir(folder)
    entries = [n for n in names if n.startswith("gn-")]
    assert len(entries) == 1, names
    assert not [n for n in names if n.startswith((".tmp-", ".trash-"))], names
    meta = json.loads((folder / entries[0] / "meta.json").read_text())
    assert meta["sha256"] == results[0][0]
    assert _cache.DiskCache(str(folder)).load(meta["key"], "llvm-cpu") is not None


# ---- damaged entries heal -----------------------------------------------------------------
def _truncate(entry):
    with open(entry / "module.vmfb", "r+b") as f:
        f.truncate(1000)


def _flip(entry):
    data = bytearray((entry / "module.vmfb").read_bytes())
    data[len(data) // 2] ^= 0x10  # one bit, same size
    (entry / "module.vmfb").write_bytes(bytes(data))


def _no_meta(entry):
    os.unlink(entry / "meta.json")


def _no_module(entry):
    os.unlink(entry / "module.vmfb")


def _bad_meta(entry):
    (entry / "meta.json").write_text('{"key": "trunc')


def _truncate_mlir(entry):
    with open(entry / "module.mlir", "r+b") as f:
        f.truncate(100)


def _no_mlir(entry):
    os.unlink(entry / "module.mlir")


@pytest.mark.parametrize("damage,says", [
    (_truncate, "corrupt"), (_flip, "corrupt"), (_no_meta, "incomplete .no meta.json"),
    (_no_module, "incomplete .no module.vmfb"), (_bad_meta, "unreadable metadata"),
    # module.mlir had no checksum: truncated, it was served as op.stablehlo and copied
    # into bundles.
    (_truncate_mlir, "module.mlir of 100 bytes does not match"),
    (_no_mlir, "incomplete .no module.mlir"),
])
def test_damaged_entry_heals_once(cache, damage, says, rng):
    folder, entry = cache
    good = (entry / "module.vmfb").read_bytes()
    damage(entry)
    before = dict(_ops.STATS)
    with pytest.warns(iree_gn.CacheWarning, match=says) as rec:
        op = _op(folder)
    assert len([w for w in rec if issubclass(w.category, iree_gn.CacheWarning)]) == 1
    assert _ops.STATS["compiled"] == before["compiled"] + 1  # one rebuild
    _check(op, rng)
    assert (entry / "module.vmfb").read_bytes() == good  # rebuilt, same bytes as before
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # healed: the next process gets a clean disk hit
        op = _op(folder)
    assert _ops.STATS["compiled"] == before["compiled"] + 1
    _check(op, rng)


def test_compiler_input_damaged_after_a_load_is_not_served(cache):
    # module.mlir read after the module was loaded (op.stablehlo; `iree-gn build` copies it
    # into a bundle) is checked against the entry's checksum: damaged, it warns, the entry
    # goes (the next build rebuilds it) and the text is traced again.
    folder, entry = cache
    good = (entry / "module.mlir").read_text()
    op = _op(folder)
    _truncate_mlir(entry)
    with pytest.warns(iree_gn.CacheWarning, match="module.mlir of 100 bytes"):
        assert op.stablehlo == good
    assert not entry.exists()
    # An entry written before the checksums: its text is traced, not taken unchecked.
    op = _op(folder)
    meta = json.loads((entry / "meta.json").read_text())
    del meta["files"]
    (entry / "meta.json").write_text(json.dumps(meta))
    (entry / "module.mlir").write_text("module {}")
    op = _op(folder)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert op.stablehlo == good


def test_a_module_swapped_in_with_resigned_metadata_is_refused(cache, rng):
    # Checksums prove only that meta.json and the module agree: another configuration's
    # module copied into the entry, with its size and sha256 written into meta.json, ran
    # silently (a wrong activation: error 0.085). The spec the module records is checked
    # against the one asked for, as a bundle's is.
    import hashlib

    folder, entry = cache
    _ops.clear_memory_cache()
    other = _ops.get_op(GroupNormSpec.create(SPEC.shape, "float32", groups=4),
                        _targets.get("llvm-cpu"), cache=_cache.DiskCache(str(folder)))
    (entry / "module.vmfb").write_bytes(other.vmfb)
    meta = json.loads((entry / "meta.json").read_text())
    sha = hashlib.sha256(other.vmfb).hexdigest()
    meta.update(size=len(other.vmfb), sha256=sha, files=dict(meta["files"], **{
        "module.vmfb": sha}))
    (entry / "meta.json").write_text(json.dumps(meta))
    with pytest.warns(iree_gn.CacheWarning, match="not what it claims.*groups: cache entry 8, "
                                                  "module 4"):
        _check(_op(folder), rng)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # rebuilt: clean hits after
        _check(_op(folder), rng)


def test_damaged_index_falls_back_to_tracing(cache, rng):
    folder, _ = cache
    for n in os.listdir(folder / "index"):
        (folder / "index" / n).write_text("garbage")
    before = dict(_ops.STATS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _check(_op(folder), rng)
    assert _ops.STATS["compiled"] == before["compiled"]  # the content key still hits
    assert _ops.STATS["disk_hits"] == before["disk_hits"] + 1


# ---- unusable cache folders ------------------------------------------------------------------
def test_cache_path_under_a_file_warns_and_works(tmp_path, rng):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    with pytest.warns(iree_gn.CacheWarning, match="cannot write"):
        op = _op(blocker / "cache")
    assert op.path is None
    _check(op, rng)


def test_read_only_cache_folder_warns_and_works(tmp_path, rng, monkeypatch):
    # A read-only folder (chmod 0500). Root ignores mode bits, so where the tests run as
    # root the refusal the kernel would give a user is injected at the one call that creates
    # files (mkdtemp of the entry's temp folder).
    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(folder, 0o500)
    if os.geteuid() == 0:
        def refuse(*a, **k):
            raise PermissionError(13, "Permission denied", str(folder))
        monkeypatch.setattr(_cache.tempfile, "mkdtemp", refuse)
    with pytest.warns(iree_gn.CacheWarning, match="cannot write.*Permission denied"):
        op = _op(folder)
    assert op.path is None and os.listdir(folder) == []
    _check(op, rng)


# ---- the compiler dies with its process ------------------------------------------------------
SLOW_COMPILE = """
    import numpy as np, iree_gn
    from iree_gn import _compiler
    _compiler.compiler_path = lambda: {tool!r}
    iree_gn.group_norm(np.ones((1, 2, 2, 100), np.float32), groups=4)
"""


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize("sig", ["SIGKILL", "SIGTERM"])
def test_a_killed_process_takes_its_compiler_with_it(tmp_path, sig):
    # A killed Jupyter kernel or pool worker left iree-compile running to its end (up to
    # IREE_GN_COMPILE_TIMEOUT): the compiler now gets PR_SET_PDEATHSIG.
    import signal
    import time

    tool = tmp_path / "slow-compile"
    tool.write_text("#!/bin/sh\nexec sleep 60\n")  # (exec: the compiler's own pid)
    tool.chmod(0o700)
    env = dict(os.environ, PYTHONPATH=REPO, IREE_GN_CACHE_DIR=str(tmp_path / "cache"))
    p = subprocess.Popen([sys.executable, "-c", textwrap.dedent(SLOW_COMPILE).format(
        tool=str(tool))], env=env)
    kid = None
    for _ in range(600):  # (at most 60 s for the import and the compile to start)
        time.sleep(0.1)
        kids = open(f"/proc/{p.pid}/task/{p.pid}/children").read().split()
        if kids and "sleep" in open(f"/proc/{kids[0]}/cmdline").read():
            kid = int(kids[0])
            break
        assert p.poll() is None, "the child ended before compiling"
    assert kid is not None, "the compiler did not start"
    p.send_signal(getattr(signal, sig))
    p.wait(timeout=30)
    for _ in range(50):  # gone (or a zombie about to be reaped by init) within 5 s
        try:
            state = open(f"/proc/{kid}/stat").read().rsplit(")", 1)[1].split()[0]
        except FileNotFoundError:
            break
        if state == "Z":
            break
        time.sleep(0.1)
    else:
        os.kill(kid, signal.SIGKILL)
        pytest.fail(f"the compiler (pid {kid}) outlived its killed parent")


def test_a_compile_beside_jax_threads_forks_nothing():
    # PR_SET_PDEATHSIG through a preexec_fn made subprocess fork the whole process: JAX
    # warned (RuntimeWarning: os.fork() ... will likely lead to a deadlock) at every compile.
    import jax.numpy as jnp

    from iree_gn import _compiler
    from iree_gn._export import stablehlo_text

    jnp.zeros(4).block_until_ready()  # (JAX's threads are up)
    t = _targets.get("llvm-cpu")
    text = stablehlo_text(SPEC, t.formulation_for(SPEC))
    with warnings.catch_warnings(record=True) as rec:  # (raised in a fork hook: recorded)
        warnings.simplefilter("always")
        assert _compiler.compile_text(text, t, "float32")
    assert not [str(w.message) for w in rec if "fork" in str(w.message)]


# ---- known compiler failures say what they mean ------------------------------------------------
def _tanh_act(v):
    import jax.numpy as jnp

    return jnp.tanh(v)


def test_float64_libm_call_leads_with_its_meaning_and_fix(rng, tmp_path, monkeypatch):
    # A callable using tanh on float64 fails at link ("iree-lld: error: undefined symbol:
    # tanh") under a ~400-line dump that never said why or what to do.
    monkeypatch.setenv("IREE_GN_CACHE_DIR", str(tmp_path))
    x = rng.standard_normal((2, 4, 4, 8))
    with pytest.raises(iree_gn.CompileError) as ei:
        iree_gn.group_norm(x, groups=2, activation_fn=_tanh_act)
    first, rest = str(ei.value).split("\n", 1)
    assert first.startswith("float64 tanh cannot be compiled for llvm-cpu") and \
        "named activation" in first and "float32" in first, first
    assert "undefined symbol: tanh" in ei.value.diagnostics and "--- reproduce with ---" in rest
    # The fix it names works (float64 tanh computed by iree-gn; float64 reference).
    y = iree_gn.group_norm(x, groups=2, activation_fn="tanh")
    assert_close(y, np.tanh(ref_group_norm(x, 2)), "float64")


def _channel_softmax(v):
    import jax

    return jax.nn.softmax(v, axis=1)


def test_stack_limit_leads_with_its_meaning(rng, tmp_path, monkeypatch):
    # op.vjp of a softmax over NCHW channels (C = 320) exceeds IREE 3.13's 32 KiB llvm-cpu
    # stack ("exceeded stack allocation limit of 32768 bytes ... Got 61440"): the error now
    # says what it means and which data compile; the forward runs.
    monkeypatch.setenv("IREE_GN_CACHE_DIR", str(tmp_path))
    op = iree_gn.compile((2, 320, 16, 16), groups=32, channels_axis=1, reduction_axes=(2, 3),
                         activation=_channel_softmax)
    x = rng.standard_normal((2, 320, 16, 16)).astype(np.float32)
    g, b = np.ones(320, np.float32), np.zeros(320, np.float32)
    with pytest.raises(iree_gn.CompileError) as ei:
        op.vjp(x, g, b, x)
    first = str(ei.value).split("\n", 1)[0]
    assert first.startswith("IREE 3.13's llvm-cpu code for this module needs more than its "
                            "32 KiB stack"), first
    assert "exceeded stack allocation limit" in ei.value.diagnostics


@pytest.mark.parametrize("value", ["abc", "0", "-5", "nan", "inf"])
def test_a_bad_compile_timeout_is_named(monkeypatch, tmp_path, value):
    # "abc" raised float()'s ValueError, naming no variable; 0 and negatives were taken and
    # every compile then failed as a timeout.
    from iree_gn import _compiler

    monkeypatch.setenv("IREE_GN_COMPILE_TIMEOUT", value)
    with pytest.raises(ValueError, match=f"IREE_GN_COMPILE_TIMEOUT='{value}' is not valid: "
                                         f"it must be a positive, finite number of seconds"):
        _compiler.compile_text("module {}", _targets.get("llvm-cpu"), "float32")
    # a build says it once, before any worker starts (it failed once per module)
    from iree_gn import _bundle

    item = _bundle.item_from_json('{"shape": [1, 4, 4, 8], "groups": 2}')
    with pytest.raises(ValueError, match="IREE_GN_COMPILE_TIMEOUT"):
        _bundle.build([item, item], ["llvm-cpu"], str(tmp_path / "b"), jobs=1, stream=None)
    assert not (tmp_path / "b").exists()
    monkeypatch.setenv("IREE_GN_COMPILE_TIMEOUT", "2.5")
    assert _compiler.compile_timeout() == 2.5
