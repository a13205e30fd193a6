"""The compile cache: key properties, atomic writes, corruption recovery, unwritable
folders, reuse across processes, deterministic modules, write-once entries, trust.
Racing processes and damaged entries: test_faults.py."""

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
import warnings

import numpy as np
import pytest

import iree_gn
from iree_gn import _cache, _ops, _targets
from iree_gn._spec import GroupNormSpec
from reference import assert_close, ref_group_norm

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE = dict(stablehlo="module {}", spec="{}", target="llvm-cpu", flags=("--a",))


def _key(**over):
    kw = dict(BASE, **over)
    return _cache.make_key(_cache.content_key_parts(kw["stablehlo"], kw["spec"], kw["target"],
                                                    kw["flags"]))


def test_key_is_stable():
    assert _key() == _key()
    assert len(_key()) == 64


@pytest.mark.parametrize("part,value", [
    ("stablehlo", "module { }"), ("spec", '{"groups": 2}'), ("target", "vulkan"),
    ("flags", ("--a", "--b")),
])
def test_key_changes_with_each_part(part, value):
    assert _key(**{part: value}) != _key()


@pytest.mark.parametrize("pkg", ["iree-base-compiler", "iree-base-runtime", "jax",
                                 "iree-gn-format"])
def test_key_changes_with_versions(monkeypatch, pkg):
    before = _key()
    real = _cache.versions()
    monkeypatch.setattr(_cache, "versions", lambda: dict(real, **{pkg: "999"}))
    assert _key() != before


def test_parts_are_delimited():
    # Moving text from one part to the next must change the key.
    a = _cache.make_key([("a", "xy"), ("b", "z")])
    b = _cache.make_key([("a", "x"), ("b", "yz")])
    assert a != b


def test_atomic_write_keeps_old_file_on_failure(tmp_path, monkeypatch):
    p = tmp_path / "f.bin"
    _cache.atomic_write(str(p), b"old")

    def boom(fd):
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", boom)
    with pytest.raises(OSError):
        _cache.atomic_write(str(p), b"new contents")
    assert p.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["f.bin"]  # no temp file left behind


SPEC = GroupNormSpec.create((2, 4, 4, 16), "float32", groups=4)


def _fresh_op(cache_dir):
    _ops.clear_memory_cache()
    return _ops.get_op(SPEC, _targets.get("llvm-cpu"), cache=_cache.DiskCache(str(cache_dir)))


def _check(op, rng):
    x = rng.standard_normal((2, 4, 4, 16)).astype(np.float32)
    g, b = np.ones(16, np.float32), np.zeros(16, np.float32)
    assert_close(op(x, g, b), ref_group_norm(x, 4), "float32")


def test_second_call_does_no_trace_or_compile(rng):
    x = rng.standard_normal((2, 3, 5, 24)).astype(np.float32)
    with iree_gn.VariableStore():
        iree_gn.group_norm(x, groups=6)
        before = dict(_ops.STATS)
        iree_gn.group_norm(x, groups=6)
    assert _ops.STATS["traced"] == before["traced"]
    assert _ops.STATS["compiled"] == before["compiled"]
    assert _ops.STATS["memory_hits"] == before["memory_hits"] + 1


def test_a_swapped_index_record_never_serves_another_configuration(tmp_path, rng):
    # The index maps a configuration to an entry; each entry is checksummed, and now also
    # records the op kind and spec it serves: records swapped (or edited) between two
    # configurations warn and rebuild, where a valid module of the other one ran (error 0.36).
    # (Entries written before that field are taken as they are.)
    specs = [SPEC, GroupNormSpec.create((2, 4, 4, 16), "float32", groups=2)]
    cache = _cache.DiskCache(str(tmp_path))
    for spec in specs:
        _ops.clear_memory_cache()
        _ops.get_op(spec, _targets.get("llvm-cpu"), cache=cache)
    index = tmp_path / "index"
    a, b = sorted(index.iterdir())
    ta, tb = a.read_bytes(), b.read_bytes()
    a.write_bytes(tb)
    b.write_bytes(ta)
    x = rng.standard_normal((2, 4, 4, 16)).astype(np.float32)
    g, bb = np.ones(16, np.float32), np.zeros(16, np.float32)
    for spec in specs:
        _ops.clear_memory_cache()
        with pytest.warns(iree_gn.CacheWarning, match="another configuration"):
            op = _ops.get_op(spec, _targets.get("llvm-cpu"), cache=_cache.DiskCache(str(tmp_path)))
        assert_close(op(x, g, bb), ref_group_norm(x, spec.groups), "float32")
    assert sorted(p.read_bytes() for p in index.iterdir()) == sorted([ta, tb])  # mended
    # An entry written before the field (or reached by a newer package's lookup key) is
    # taken as it is, with no warning: a disk hit, no trace.
    for meta_path in tmp_path.glob("gn-*/meta.json"):
        meta = json.loads(meta_path.read_text())
        del meta["serves"]
        meta_path.write_text(json.dumps(meta))
    _ops.clear_memory_cache()
    before = dict(_ops.STATS)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        _ops.get_op(SPEC, _targets.get("llvm-cpu"), cache=_cache.DiskCache(str(tmp_path)))
    assert _ops.STATS["traced"] == before["traced"]


def test_a_corrupt_entry_that_cannot_be_removed_says_so(tmp_path, rng, monkeypatch):
    # A read-only cache folder: the warning said "removing it" in every process while the
    # entry stayed. It says that it cannot be removed, and the op still runs.
    op = _fresh_op(tmp_path)
    with open(op.path, "r+b") as f:
        f.truncate(100)

    def read_only(*a, **k):
        raise PermissionError(30, "Read-only file system")

    monkeypatch.setattr(os, "rename", read_only)
    monkeypatch.setattr(os, "unlink", read_only)
    with pytest.warns(iree_gn.CacheWarning, match="cannot be removed"):
        op2 = _fresh_op(tmp_path)
    _check(op2, rng)


def test_cache_info_says_why_a_folder_is_not_used(tmp_path):
    # cache info listed an untrusted folder's modules, and reported "0 modules" for a
    # path that is a file, without saying that neither is used.
    shared = tmp_path / "shared"
    shared.mkdir()
    os.chmod(shared, 0o777)
    assert "writable by group and others" in _cache.DiskCache(str(shared)).info()["unused"]
    (tmp_path / "file").write_text("x")
    assert _cache.DiskCache(str(tmp_path / "file")).info()["unused"] == "it is not a folder"
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    assert _cache.DiskCache(str(private)).info()["unused"] is None


def test_disk_hit_and_corruption_recovery(tmp_path, rng):
    op = _fresh_op(tmp_path)
    assert op.path and os.path.exists(op.path)
    meta_path = os.path.join(os.path.dirname(op.path), "meta.json")
    meta = json.loads(open(meta_path).read())
    assert meta["sha256"] and meta["size"] == len(op.vmfb)
    assert os.path.basename(os.path.dirname(op.path)).startswith("gn-llvm-cpu-")

    before = dict(_ops.STATS)
    op2 = _fresh_op(tmp_path)
    assert _ops.STATS["disk_hits"] == before["disk_hits"] + 1
    assert _ops.STATS["compiled"] == before["compiled"]
    _check(op2, rng)

    with open(op.path, "r+b") as f:  # truncate the module
        f.truncate(100)
    with pytest.warns(iree_gn.CacheWarning, match="corrupt"):
        op3 = _fresh_op(tmp_path)
    _check(op3, rng)
    assert os.path.getsize(op.path) == meta["size"]  # rebuilt in place

    with open(meta_path, "w") as f:
        f.write("{not json")
    with pytest.warns(iree_gn.CacheWarning, match="unreadable metadata"):
        _check(_fresh_op(tmp_path), rng)


def test_unwritable_cache_dir_warns_and_works(tmp_path, rng):
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder should be")
    with pytest.warns(iree_gn.CacheWarning, match="cannot write"):
        op = _fresh_op(blocker / "cache")
    assert op.path is None
    _check(op, rng)


def _run_py(code, cache_dir, **kw):
    env = dict(os.environ, IREE_GN_CACHE_DIR=str(cache_dir), PYTHONPATH=REPO)
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


CHILD = """
    import sys, numpy as np, iree_gn
    from iree_gn import _ops
    x = np.random.default_rng(0).standard_normal((2, 4, 4, 16)).astype(np.DTYPE)
    y = iree_gn.group_norm(x, groups=4, reduction_axes=RED)
    m = x.astype(np.float64).reshape(2, 4, 4, 4, 4)
    ax = tuple(RED) + (4,)  # (n, h, w, group, channel in group)
    ref = ((m - m.mean(ax, keepdims=True)) / np.sqrt(m.var(ax, keepdims=True)
           + 1e-6)).reshape(x.shape)
    assert y.dtype == x.dtype and np.abs(y - ref).max() < 1e-4
    print(_ops.STATS["compiled"], _ops.STATS["disk_hits"], "jax" in sys.modules)
"""


@pytest.mark.parametrize("dtype,red,cold_jax", [
    ("float32", (1, 2), "False"),  # a hand-written llvm-cpu kernel: the cold compile needs no JAX
    ("float64", (1,), "True"),     # W kept after H: no kernel (a transpose), traced with JAX
])
def test_cross_process_reuse_without_jax(tmp_path, dtype, red, cold_jax):
    child = CHILD.replace("DTYPE", dtype).replace("RED", repr(red))
    p = _run_py(child, tmp_path)
    out, err = p.communicate(timeout=300)
    assert p.returncode == 0, err
    assert out.split() == ["1", "0", cold_jax]  # cold: compiled
    p = _run_py(child, tmp_path)
    out, err = p.communicate(timeout=300)
    assert p.returncode == 0, err
    assert out.split() == ["0", "1", "False"]  # warm: from disk, JAX never imported


def test_cli_cache_info_and_clear(tmp_path):
    _fresh_op(tmp_path)
    env = dict(os.environ, IREE_GN_CACHE_DIR=str(tmp_path), PYTHONPATH=REPO)
    info = subprocess.run([sys.executable, "-m", "iree_gn.cli", "cache", "info", "--json"],
                          env=env, capture_output=True, text=True, check=True)
    d = json.loads(info.stdout)
    assert d["entries"] == 1 and d["path"] == str(tmp_path)
    clear = subprocess.run([sys.executable, "-m", "iree_gn.cli", "cache", "clear"], env=env,
                           capture_output=True, text=True, check=True)
    assert "removed 1 module" in clear.stdout
    assert not [n for n in os.listdir(tmp_path) if n.startswith("gn-")]


def test_clear_and_sweep_touch_only_the_caches_own_files(tmp_path):
    # A cache folder may be one the user keeps other things in (or a mistyped path): clear
    # removes entries, index records, failed inputs and temp leftovers by their exact names,
    # and a folder only when it holds nothing but an entry's files; the sweep of dead
    # writers' leftovers (older than an hour) likewise. Before, both removed the user's
    # index/, failed/, gn-* and .tmp-*/.trash-* files and folders.
    mine = {"index/home.html": "site", "failed/run1.txt": "log", "gn-notes.txt": "draft",
            "gn-experiments/table.csv": "results", "other.txt": "keep",
            ".tmp-build/out.bin": "data", ".trash-can.txt": "x",
            "gn-llvm-cpu-0123456789abcdef/notes.txt": "an entry's name, not its files",
            # Names that only start like the cache's (a temp prefix and 8 letters, an entry
            # name with an extension, an entry folder with only an entry's file name in it):
            # the sweep and clear removed these.
            ".tmp-download.part": "partial", ".tmp-notebook_backup.ipynb": "{}",
            "gn-notes-0123456789abcdef.json": '{"key": "mine"}',
            "gn-user-0123456789abcdef/meta.json": '{"mine": 1}',
            "gn-vulkan-fedcba9876543210/meta.json": '{"key": "fedcba9876543210"}'}
    for rel, text in mine.items():
        os.makedirs(os.path.dirname(tmp_path / rel), exist_ok=True)
        (tmp_path / rel).write_text(text)
    # A format-1 entry (side-by-side files): the cache's own, removed by clear.
    key1 = "0123456789abcdef" * 4
    (tmp_path / f"gn-llvm-cpu-{key1[:16]}.vmfb").write_bytes(b"module")
    (tmp_path / f"gn-llvm-cpu-{key1[:16]}.json").write_text(
        json.dumps({"key": key1, "target": "llvm-cpu"}))
    old = time.time() - 2 * 3600
    for rel in (".tmp-build", ".trash-can.txt", ".tmp-download.part",
                ".tmp-notebook_backup.ipynb"):
        os.utime(tmp_path / rel, (old, old))
    op = _fresh_op(tmp_path)  # compiles: writes an entry and an index record, sweeps
    assert op is not None and [n for n in os.listdir(tmp_path / "index") if n != "home.html"]
    stale = tmp_path / ".tmp-abcd1234"  # a dead writer's temp entry, an hour old
    stale.mkdir()
    (stale / "module.vmfb").write_bytes(b"partial")
    os.utime(stale, (old, old))
    cache = _cache.DiskCache(str(tmp_path))
    cache._sweep()
    assert not stale.exists()
    assert cache.clear() == 2
    left = sorted(os.path.relpath(os.path.join(d, f), tmp_path)
                  for d, _, fs in os.walk(tmp_path) for f in fs)
    assert left == sorted(mine)
    assert all((tmp_path / rel).read_text() == text for rel, text in mine.items())


def test_cli_cache_clear_says_what_it_could_not_remove(tmp_path, monkeypatch, capsys):
    # A read-only mount: "removed 0 module(s)", exit 0, every module still there.
    from iree_gn import cli

    _fresh_op(tmp_path)
    monkeypatch.setenv("IREE_GN_CACHE_DIR", str(tmp_path))

    def read_only(*a, **k):
        raise OSError(30, "Read-only file system")

    monkeypatch.setattr(os, "rename", read_only)
    monkeypatch.setattr(os, "unlink", read_only)
    assert cli.main(["cache", "clear"]) == cli.EXIT_FAILED
    err = capsys.readouterr().err
    assert "could not remove" in err and "Read-only file system" in err, err
    assert [n for n in os.listdir(tmp_path) if n.startswith("gn-")]


def test_a_cache_path_that_is_a_file_says_so(tmp_path, monkeypatch, capsys, rng):
    # It said "cannot write ([Errno 17] File exists ...)" when compiling, as if something
    # inside were in the way, and `cache clear` "removed 0 module(s)", exit 0.
    from iree_gn import cli

    path = tmp_path / "afile"
    path.write_text("data")
    with pytest.warns(iree_gn.CacheWarning, match="it is not a folder"):
        _check(_fresh_op(path), rng)
    monkeypatch.setenv("IREE_GN_CACHE_DIR", str(path))
    assert cli.main(["cache", "clear"]) == cli.EXIT_FAILED
    assert "is not a folder" in capsys.readouterr().err
    assert path.read_text() == "data"


def test_an_unwritable_cache_warns_once_a_process_at_the_users_call(tmp_path, monkeypatch):
    # It warned at every compile (each op build made a new DiskCache), with the temp
    # folder's random name in the text (so not even Python's once-per-text filter held), and
    # pointed at a line inside iree_gn.
    folder = tmp_path / "ro"
    folder.mkdir(mode=0o700)

    def refuse(*a, dir=None, **k):
        raise PermissionError(13, "Permission denied", os.path.join(dir, ".tmp-ab12cd34"))

    monkeypatch.setattr(_cache.tempfile, "mkdtemp", refuse)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        for groups in (2, 4, 8):
            _ops.clear_memory_cache()
            spec = GroupNormSpec.create((1, 2, 2, 8), "float32", groups=groups)
            _ops.get_op(spec, _targets.get("llvm-cpu"), cache=_cache.DiskCache(str(folder)))
    ours = [w for w in rec if issubclass(w.category, iree_gn.CacheWarning)]
    assert len(ours) == 1, [str(w.message) for w in ours]
    assert "Permission denied" in str(ours[0].message) and ".tmp-" not in str(ours[0].message)
    assert ours[0].filename == __file__


def test_a_cache_warning_through_the_torch_adapter_points_at_the_users_call(tmp_path,
                                                                             monkeypatch):
    # Through iree_gn.torch the first frame outside iree_gn is torch's autograd: the warning
    # pointed into torch/autograd/function.py.
    torch = pytest.importorskip("torch")
    import iree_gn.torch as gnt

    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o777)  # writable by others: not used, with a warning
    monkeypatch.setenv("IREE_GN_CACHE_DIR", str(shared))
    _ops.clear_memory_cache()
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        gnt.GroupNorm(2, 16)(torch.randn(2, 16, 3, 7))
    ours = [w for w in rec if issubclass(w.category, iree_gn.CacheWarning)]
    assert ours and {w.filename for w in ours} == {__file__}, [w.filename for w in ours]


def test_the_sweep_removes_dead_writers_index_temp_files_only(tmp_path):
    index = tmp_path / "index"
    index.mkdir(parents=True)
    dead = index / (".tmp-ab12cd34" + "0" * 64 + ".json")  # atomic_write's name, an hour old
    mine = index / ".tmp-notes.json"
    old = time.time() - 2 * 3600
    for p in (dead, mine):
        p.write_text("{}")
        os.utime(p, (old, old))
    _cache.DiskCache(str(tmp_path))._sweep()
    assert not dead.exists() and mine.read_text() == "{}"


# ---- write-once, deterministic, complete keys --------------------------------------------------
def _kernel_text():
    from iree_gn._export import stablehlo_text

    t = _targets.get("llvm-cpu")
    return stablehlo_text(SPEC, t.formulation_for(SPEC)), t


def test_module_bytes_are_deterministic():
    # The module embeds its input's file name; a temp path gave 4 sha256s for 4 compiles.
    import hashlib

    from iree_gn import _compiler

    text, t = _kernel_text()
    shas = {hashlib.sha256(_compiler.compile_text(text, t, "float32")).hexdigest()
            for _ in range(4)}
    assert len(shas) == 1, shas


def test_two_phase_compile_is_deterministic():
    # float16 on llvm-cpu compiles in two phases with _tuning.retune in between: the second
    # phase's input must not carry a file name either.
    import hashlib

    from iree_gn import _compiler, _tuning
    from iree_gn._export import stablehlo_text

    spec = GroupNormSpec.create((2, 8, 8, 64), "float16", groups=32)
    text, t = stablehlo_text(spec, "native"), _targets.get("llvm-cpu")
    assert _tuning.needed(t.backend, spec.dtype, text)
    shas = {hashlib.sha256(_compiler.compile_text(text, t, spec.dtype)).hexdigest()
            for _ in range(2)}
    assert len(shas) == 1, shas


def test_store_never_rewrites_an_entry(tmp_path, rng):
    op = _fresh_op(tmp_path)  # cold: compiled and stored
    entry = os.path.dirname(op.path)

    def stamp():
        sts = {n: os.stat(os.path.join(entry, n)) for n in os.listdir(entry)}
        return {n: (st.st_ino, st.st_mtime_ns) for n, st in sts.items()}

    before = stamp()
    _fresh_op(tmp_path)  # disk hit through the index
    cache = _cache.DiskCache(str(tmp_path))
    # A racer that compiled the same key, or the content-key hit after a re-trace, stores again.
    assert cache.store(op.key, "llvm-cpu", op.vmfb, {"spec_name": "x"}) == op.path
    assert cache.store(op.key, "llvm-cpu", b"other bytes", {}) == op.path
    assert stamp() == before
    assert cache.load(op.key, "llvm-cpu") == op.vmfb
    _check(_fresh_op(tmp_path), rng)


def test_source_digest_covers_every_module(tmp_path):
    # _targets edits the compiler input (sm_90), _tuning retunes it, _compiler drives it, and
    # kernel modules added later shape it too: an edit to any must change the lookup key.
    # The copy is the whole package: the kernel subpackages and their *.mlir host templates
    # are compiler input too (a copy of the top-level .py files alone never matched).
    pkg = os.path.join(REPO, "iree_gn")
    copy = tmp_path / "iree_gn"
    shutil.copytree(pkg, copy, ignore=shutil.ignore_patterns("__pycache__"))
    base = _cache.source_digest(str(copy))
    assert base == _cache._source_digest() == _cache.source_digest(pkg)
    seen = {base}
    for name in ("_targets.py", "_tuning.py", "_compiler.py", "_authoring.py",
                 "_kernels/host_static.mlir", "_gpu_kernels/host_dynamic.mlir"):
        with open(copy / name, "a") as f:
            f.write("\n# edited\n")
        seen.add(_cache.source_digest(str(copy)))
    (copy / "_new_kernels").mkdir()
    (copy / "_new_kernels" / "cuda.py").write_text("TEXT = 'x'\n")
    seen.add(_cache.source_digest(str(copy)))
    assert len(seen) == 8


def test_failed_inputs_are_kept_once_and_bounded(tmp_path, monkeypatch):
    from iree_gn import _compiler

    monkeypatch.setenv("IREE_GN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(_compiler, "FAILED_KEEP", 2)
    t = _targets.get("llvm-cpu")
    paths = []
    for i in (0, 0, 1, 2):  # a repeat, then two more distinct failures
        bad = f"module {{ func.func @main() {{ not mlir {i} }} }}"
        with pytest.raises(iree_gn.CompileError) as ei:
            _compiler.compile_text(bad, t, "float32")
        e = ei.value
        assert os.path.exists(e.input_path) and open(e.input_path).read() == bad
        assert e.input_path in e.diagnostics  # the diagnostics point into the kept file
        paths.append(e.input_path)
    assert paths[0] == paths[1]
    assert sorted(os.listdir(tmp_path / "failed")) == sorted(os.path.basename(p)
                                                             for p in paths[2:])


# ---- trust: a module is native code -------------------------------------------------------------
def test_cache_writable_by_others_is_not_used(tmp_path, rng):
    _fresh_op(tmp_path)  # a valid entry that another user could have planted
    os.chmod(tmp_path, 0o777)
    before = dict(_ops.STATS)
    with pytest.warns(iree_gn.CacheWarning, match="writable by group and others.*in memory"):
        op = _fresh_op(tmp_path)
    assert op.path is None and _ops.STATS["disk_hits"] == before["disk_hits"]
    assert _ops.STATS["compiled"] == before["compiled"] + 1
    _check(op, rng)
    os.chmod(tmp_path, 0o700)
    entry = [n for n in os.listdir(tmp_path) if n.startswith("gn-")][0]
    os.chmod(tmp_path / entry / "module.vmfb", 0o646)  # the entry's own files count too
    with pytest.warns(iree_gn.CacheWarning, match="not loading.*writable by others"):
        op = _fresh_op(tmp_path)
    assert op.path is None
    _check(op, rng)
    assert os.path.exists(tmp_path / entry / "module.vmfb")  # refused, not deleted


def test_cache_owned_by_another_user_is_not_used(tmp_path, rng, monkeypatch):
    _fresh_op(tmp_path)
    monkeypatch.setattr(os, "getuid", lambda: os.stat(tmp_path).st_uid + 1)
    before = dict(_ops.STATS)
    with pytest.warns(iree_gn.CacheWarning, match="owned by uid .* not by you"):
        op = _fresh_op(tmp_path)
    assert op.path is None and _ops.STATS["disk_hits"] == before["disk_hits"]
    _check(op, rng)


def test_new_cache_folder_is_private(tmp_path):
    op = _fresh_op(tmp_path / "new")
    assert os.stat(tmp_path / "new").st_mode & 0o077 == 0
    assert os.stat(op.path).st_mode & 0o077 == 0


def test_cache_dir_with_a_tilde_means_home(monkeypatch, tmp_path):
    from iree_gn import _cache

    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("IREE_GN_CACHE_DIR", "~/gn-cache")
    assert _cache.default_dir() == str(tmp_path / "gn-cache")
    monkeypatch.delenv("IREE_GN_CACHE_DIR")
    assert _cache.default_dir() == str(tmp_path / ".cache" / "iree-gn")


def test_cache_dir_follows_xdg_cache_home(monkeypatch, tmp_path):
    from iree_gn import _cache

    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("IREE_GN_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert _cache.default_dir() == str(tmp_path / "xdg" / "iree-gn")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/xdg")  # invalid by the XDG rule: ignored
    assert _cache.default_dir() == str(tmp_path / "home" / ".cache" / "iree-gn")
    monkeypatch.setenv("IREE_GN_CACHE_DIR", str(tmp_path / "mine"))  # ours wins
    assert _cache.default_dir() == str(tmp_path / "mine")


def test_a_cache_folder_that_cannot_be_created_warns_and_says_why(tmp_path):
    # A dangling symlink above the folder: makedirs fails with FileNotFoundError, which was
    # taken as "no folder yet" - every process recompiled, with no warning.
    from iree_gn import _cache

    (tmp_path / "gone").symlink_to(tmp_path / "nowhere")
    cache = _cache.DiskCache(str(tmp_path / "gone" / "iree-gn"))
    with pytest.warns(iree_gn.CacheWarning, match=r"cannot create it"):
        assert not cache._usable(create=True)
    assert "is a symbolic link to nothing" in cache.info()["unused"]
    cache = _cache.DiskCache(str(tmp_path / "gone"))  # the folder itself a dead link
    assert "is a symbolic link to nothing" in cache.info()["unused"]


def test_entry_names_tell_options_apart():
    # `cache info` and bundle manifests show a spec's short name; two modules of one shape
    # that differ in an option had shared it (reduction axes, center, scale, epsilon,
    # mean_close_to_zero), so the listing could not say which was which.
    base = GroupNormSpec.create((2, 8, 8, 32), "float32", groups=8)
    assert base.short_name() == "2x8x8x32-float32-g8-c3"
    assert GroupNormSpec.create((2, 32, 8, 8), "float32", groups=8, channels_axis=1,
                                reduction_axes=(2, 3)).short_name() == "2x32x8x8-float32-g8-c1"
    variants = [base] + [GroupNormSpec.create((2, 8, 8, 32), "float32", groups=8, **kw)
                         for kw in (dict(reduction_axes=(-2,)), dict(reduction_axes=()),
                                    dict(center=False), dict(scale=False),
                                    dict(epsilon=1e-5), dict(epsilon=1.0000001e-05),
                                    dict(epsilon=float(np.float32(1e-6))),
                                    dict(mean_close_to_zero=True))]
    names = [s.short_name() for s in variants]
    assert len(set(names)) == len(names), names
