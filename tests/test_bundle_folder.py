"""A bundle folder's writers (``iree_gn._bundle_folder``): concurrent ``--add`` builds, a
build stopped by SIGTERM, and what a killed build leaves."""

import json
import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from iree_gn import _bundle, _bundle_folder
from iree_gn._bundle import item_from_json

CLI = [sys.executable, "-c",
       "import sys; from iree_gn.cli import main; sys.exit(main(sys.argv[1:]))"]


def _item(c):
    return item_from_json(json.dumps({"shape": [2, c], "groups": 2, "channels_axis": -1,
                                      "reduction_axes": []}))


def _shapes(out):
    with open(os.path.join(out, "manifest.json")) as f:
        return sorted(tuple(m["spec"]["shape"]) for m in json.load(f)["modules"])


def test_concurrent_add_builds_keep_every_module(tmp_path, monkeypatch):
    # Before: both builds read the same old bundle, and the later swap dropped the other's
    # module (4 of 4 runs of two `iree-gn build --add` at once).
    out = str(tmp_path / "b")
    _bundle.build([_item(4)], ["llvm-cpu"], out, jobs=1, stream=None)
    for c in (6, 8):  # compiled first: the builds below only write
        _bundle.build([_item(c)], ["llvm-cpu"], str(tmp_path / f"warm{c}"), jobs=1, stream=None)
    swap, inside, go_on = _bundle_folder.swap_into_place, threading.Event(), threading.Event()

    def stalled_once(tmp, out_dir):  # the first build waits inside its write phase
        if not inside.is_set():
            inside.set()
            go_on.wait(30)
        swap(tmp, out_dir)

    monkeypatch.setattr(_bundle_folder, "swap_into_place", stalled_once)
    builds = [threading.Thread(target=_bundle.build, args=([_item(c)], ["llvm-cpu"], out),
                               kwargs=dict(jobs=1, add=True, stream=None)) for c in (6, 8)]
    builds[0].start()
    assert inside.wait(60)
    builds[1].start()
    time.sleep(0.5)  # (the second build is at the lock now, or past it without one)
    go_on.set()
    for t in builds:
        t.join(120)
    assert _shapes(out) == [(2, 4), (2, 6), (2, 8)]


def test_recover_what_a_killed_build_left(tmp_path):
    out = tmp_path / "b"
    old = tmp_path / ".b.old-abcd1234"  # a swap cut between its renames: the only copy
    old.mkdir()
    (old / "manifest.json").write_text("{}")
    partial = tmp_path / ".b.building-x1y2z3w4"
    partial.mkdir()
    (partial / "m.vmfb").write_bytes(b"\0")
    users = [tmp_path / ".b.building-mine", tmp_path / ".c.building-abcd1234"]
    for u in users:  # not this bundle's hidden folders: never touched
        u.mkdir()
    with _bundle_folder.writing(str(out)):
        pass
    assert (out / "manifest.json").exists() and not old.exists() and not partial.exists()
    assert all(u.exists() for u in users)
    stale = tmp_path / ".b.old-efgh5678"  # the bundle is in place: an old copy is stale
    stale.mkdir()
    with _bundle_folder.writing(str(out)):
        pass
    assert not stale.exists() and (out / "manifest.json").exists()


def _children(pid):
    kids = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            kids += [int(c) for c in f.read().split()]
    return kids


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not os.path.exists("/proc/self/task"), reason="reads /proc (Linux)")
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT, signal.SIGKILL],
                         ids=["TERM", "INT", "KILL"])
def test_a_signal_stops_a_parallel_build_and_its_workers(tmp_path, sig):
    # Before: SIGTERM to the build alone ended it at once; its worker processes lived on,
    # orphaned, and a hidden half-written folder could stay next to the bundle. A SIGKILLed
    # build (no cleanup can run) left its workers alive for good, ~240 MB each.
    cfg = tmp_path / "c.toml"
    cfg.write_text("".join(f"[[config]]\nshape = [2, {c}]\ngroups = 2\nlayout = \"NC\"\n"
                           for c in (10, 12, 14, 18, 20, 22)))
    env = dict(os.environ, IREE_GN_CACHE_DIR=str(tmp_path / "cache"))  # cold: compiles
    p = subprocess.Popen(CLI + ["build", str(cfg), "-o", str(tmp_path / "b"), "--targets",
                                "llvm-cpu", "-j", "2"], env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    try:
        end, kids = time.time() + 60, []
        while time.time() < end and len(kids) < 2 and p.poll() is None:
            time.sleep(0.2)
            kids = _children(p.pid)
        assert len(kids) >= 2, "the build's worker processes never started"
        time.sleep(1.0)
        kids = _children(p.pid)
        p.send_signal(sig)
        # (SIGTERM, SIGINT: after its cleanup, ended by the signal; SIGINT exited 130)
        assert p.wait(60) == -sig
        end = time.time() + 30
        while time.time() < end and any(_alive(k) for k in kids):
            time.sleep(0.2)
        assert not [k for k in kids if _alive(k)], "worker processes outlived the build"
        if sig != signal.SIGKILL:  # (a SIGKILLed one's leftovers: the next build's recovery)
            assert not [n for n in os.listdir(tmp_path) if n.startswith(".b.")]
    finally:
        if p.poll() is None:
            p.kill()
        for k in kids:
            if _alive(k):
                os.kill(k, signal.SIGKILL)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")
def test_a_process_forked_during_a_build_does_not_keep_its_lock(tmp_path):
    # Before: the child shared the build's lock through its copy of the descriptor, and
    # every later build into that folder waited until the child exited.
    import fcntl

    r, w = os.pipe()
    with _bundle_folder.writing(str(tmp_path / "b")):
        pid = os.fork()
        if pid == 0:
            os.write(w, b"1")  # (the child runs: its after-fork hooks have run)
            time.sleep(30)
            os._exit(0)
    os.read(r, 1)
    os.close(r)
    os.close(w)
    try:
        fd = os.open(str(tmp_path), os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if the child holds it
        finally:
            os.close(fd)
    finally:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
