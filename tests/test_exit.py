"""The interpreter's exit while daemon threads call ops: the process must exit normally.

Before the gate (``iree_gn._process``) a daemon thread inside a call when the main thread
returned aborted the process ("terminate called after throwing an instance of ''", exit
status 134): CPython ends such a thread with ``pthread_exit`` when it takes the GIL back,
inside IREE's C++. An exit handler of the user's (registered before ``import iree_gn``, so
it runs after the package's) must still be able to call an op from the main thread. Each
scenario runs in a fresh interpreter."""

import textwrap

import pytest

from script_runner import run_ok
from targets_for_tests import _param

_SCRIPT = textwrap.dedent("""
    import atexit, threading, time, numpy as np

    def last_call():  # registered first, so it runs after iree_gn's exit handler
        y = op(x, g, b)
        assert np.isfinite(y).all()
        print("ok", flush=True)

    atexit.register(last_call)
    import iree_gn

    x = np.random.default_rng(0).standard_normal({shape}).astype(np.float32)
    g, b = np.ones({shape}[-1], np.float32), np.zeros({shape}[-1], np.float32)
    op = iree_gn.compile(x.shape, "float32", groups=8, target={target!r})
    op(x, g, b)
    started = threading.Barrier(3)

    def loop():
        started.wait()
        while True:
            op(x, g, b)

    for _ in range(2):
        threading.Thread(target=loop, daemon=True).start()
    started.wait()
    time.sleep(0.3)  # the threads are in their calls; the main thread returns
""")

# 16 KiB: the small-call path; 2 MiB: the single-threaded driver's large calls; 8 MiB: the
# multi-threaded driver's (polled) calls.
_SHAPES = [(2, 8, 8, 64), (8, 32, 32, 64), (8, 64, 64, 64)]


@pytest.mark.parametrize("shape", _SHAPES, ids=lambda s: "x".join(map(str, s)))
@pytest.mark.parametrize("target", [_param("llvm-cpu")])
def test_exit_with_daemon_threads_inside_calls(target, shape):
    run_ok(_SCRIPT.format(target=target, shape=shape), "the interpreter's exit")


@pytest.mark.parametrize("target", [_param("vulkan")])
def test_exit_with_daemon_threads_inside_gpu_calls(target):
    run_ok(_SCRIPT.format(target=target, shape=(2, 32, 32, 64)), "the interpreter's exit")


_HANDLER_SCRIPT = textwrap.dedent("""
    import atexit, threading, time, numpy as np

    def last_calls():  # registered first, so it runs after iree_gn's exit handler
        with lock:  # a lock the daemon thread holds around its calls
            op(x, g, b)
        res = []  # an op from a thread of the handler's own
        t = threading.Thread(target=lambda: res.append(op(x, g, b)))
        t.start()
        t.join(60)
        assert res, "the handler's thread never ran its op"
        print("ok", flush=True)

    atexit.register(last_calls)
    import iree_gn

    x = np.random.default_rng(0).standard_normal((2, 8, 8, 64)).astype(np.float32)
    g, b = np.ones(64, np.float32), np.zeros(64, np.float32)
    op = iree_gn.compile(x.shape, "float32", groups=8)
    lock, started = threading.Lock(), threading.Event()

    def loop():
        while True:
            with lock:
                started.set()
                op(x, g, b)

    threading.Thread(target=loop, daemon=True).start()
    started.wait()
    time.sleep(0.2)
""")


def test_exit_handlers_that_need_the_daemon_threads_still_run():
    # The first gate parked every thread but the main one for good at exit: a handler that
    # waited for a lock a daemon thread held around its calls hung, and one that ran an op
    # in a thread of its own and joined it never saw it run.
    run_ok(_HANDLER_SCRIPT, "the interpreter's exit")
