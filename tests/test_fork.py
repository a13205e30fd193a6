"""Forked children (os.fork, multiprocessing's "fork", PyTorch DataLoader workers): the
parent's IREE drivers own thread pools the child does not have. A child must get right
answers from ops and bundles its parent used (on the multi-threaded local-task driver, and
on local-sync), from new ones, and exit normally; grandchildren too. Each scenario runs in
a fresh interpreter (a forked pytest would run pytest's own teardown), under a timeout:
before the fix the child's call, and even its plain exit, hung for good."""

import os
import textwrap

import pytest

from script_runner import ROOT, run_ok as _run_ok
from targets_for_tests import _param


_SCRIPT = textwrap.dedent("""
    import os, sys, numpy as np
    sys.path.insert(0, {tests!r})
    import iree_gn
    from reference import ref_group_norm

    def check(op, x, tag):
        y = op(x, np.ones(64, np.float32), np.zeros(64, np.float32))
        # float32 sums over 8K-elements groups: TOL's float32 bound, as every test
        err = np.abs(y - ref_group_norm(x, 8)).max()
        assert err < 1e-4, (tag, err)

    rng = np.random.default_rng(0)
    big = rng.standard_normal((4, 64, 64, 64)).astype(np.float32)  # 4 MiB: local-task
    small = rng.standard_normal((1, 8, 8, 64)).astype(np.float32)  # local-sync
    op_big = iree_gn.compile(big.shape, "float32", groups=8)
    op_small = iree_gn.compile(small.shape, "float32", groups=8)
    check(op_big, big, "parent big"); check(op_small, small, "parent small")

    def family(depth):
        pid = os.fork()
        if pid == 0:
            check(op_big, big, "child big"); check(op_small, small, "child small")
            check(iree_gn.compile((2, 64, 64, 64), "float32", groups=8), big[:2], "new op")
            y = iree_gn.group_norm(big, groups=8)
            assert np.abs(y - ref_group_norm(big, 8)).max() < 1e-4
            if depth:
                family(depth - 1)
            sys.exit(0)  # a normal exit: the interpreter's finalization runs
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, status

    family({depth})
    check(op_big, big, "parent after")
    print("ok")
""")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")
@pytest.mark.parametrize("depth", [0, 1], ids=["child", "grandchild"])
def test_forked_children_run_the_parents_ops_and_exit(depth):
    _run_ok(_SCRIPT.format(tests=os.path.join(ROOT, "tests"), depth=depth))


_GPU_SCRIPT = textwrap.dedent("""
    import os, sys, numpy as np
    import iree_gn
    from iree_gn._runtime import DeviceError

    op = iree_gn.compile((2, 8, 8, 32), "float32", groups=8, target={target!r})
    x = np.ones((2, 8, 8, 32), np.float32)
    op(x, np.ones(32, np.float32), np.zeros(32, np.float32))
    for use in (False, True):
        pid = os.fork()
        if pid == 0:
            if use:
                try:
                    op(x, np.ones(32, np.float32), np.zeros(32, np.float32))
                    sys.exit(3)
                except DeviceError as e:
                    assert "spawn" in str(e), e
            sys.exit(0)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, (use, status)
    print("ok")
""")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")
@pytest.mark.parametrize("target", [_param("vulkan")])
def test_a_gpu_driver_in_a_forked_child_is_refused_not_hung(target):
    # On lavapipe a child of a process that used Vulkan hung at its exit (the driver's
    # teardown waited for threads that stayed in the parent), and one that used Vulkan
    # itself ran right, then hung or crashed at exit: the child now exits normally, and a
    # GPU call there raises DeviceError naming the fix ('spawn').
    _run_ok(_GPU_SCRIPT.format(target=target))


_LOCKS_SCRIPT = textwrap.dedent("""
    import faulthandler, os, sys, threading, tempfile, numpy as np
    os.environ["IREE_GN_CACHE_DIR"] = tempfile.mkdtemp()  # cold: group_norm compiles
    import iree_gn
    from iree_gn import _build, _bound

    inside, go_on = threading.Event(), threading.Event()

    def stall(real):  # holds whatever locks its caller holds until the fork is done
        def wrapped(*a, **k):
            inside.set(); go_on.wait(); return real(*a, **k)
        return wrapped

    x = np.random.default_rng(0).standard_normal((2, 8, 8, 16)).astype(np.float32)
    store = iree_gn.VariableStore()
    op = iree_gn.compile(x.shape, "float32", groups=4)
    scenarios = {{
        # a compile in progress (the build lock), an op being bound (its bind lock), a
        # variable being created (the store's lock: its initializer runs under it)
        "compile": lambda: iree_gn.group_norm(x, groups=2),
        "bind": lambda: op(x, np.ones(16, np.float32), np.zeros(16, np.float32)),
        "store": lambda: iree_gn.group_norm(x, groups=4, scope="gn", reuse=iree_gn.AUTO_REUSE,
                                           param_initializers={{
            "gamma": stall(lambda shape, dtype=None, **k: np.ones(shape, np.float32))}}),
    }}
    name = {name!r}
    if name == "compile":
        _build.compile_text = stall(_build.compile_text)
    elif name == "bind":
        _bound.BoundOp.__init__ = stall(_bound.BoundOp.__init__)
    t = threading.Thread(target=lambda: store.__enter__() and scenarios[name]())
    t.start()
    inside.wait()
    pid = os.fork()
    if pid == 0:
        faulthandler.dump_traceback_later(60, exit=True)  # a hang fails in 60 s
        go_on.set()  # (the child's own copy: its calls do not stall)
        with store:  # every one of them, in the child
            for f in scenarios.values():
                f()
        y = iree_gn.group_norm(x, groups=2, scope="gn2")
        assert np.isfinite(y).all()
        os._exit(0)
    go_on.set(); t.join()
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, status
    print("ok")
""")


@pytest.mark.skipif(not hasattr(os, "fork"), reason="no os.fork on this platform")
@pytest.mark.parametrize("name", ["compile", "bind", "store"])
def test_a_fork_while_another_thread_holds_a_lock(name):
    # Before: the child of a process forked while another thread compiled hung for good at
    # its next compile (the build lock stayed held); an op's bind lock and a VariableStore's
    # lock likewise.
    _run_ok(_LOCKS_SCRIPT.format(name=name))
