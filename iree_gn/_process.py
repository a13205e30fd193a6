"""What the process's own events need from every module: its exit while daemon threads are
inside IREE calls, and fresh locks in a forked child.

**Exit.** At exit CPython 3.11 ends each daemon thread that tries to take the GIL back with
``pthread_exit``. A thread inside an IREE runtime call (a module's invoke, a fence wait:
C++ that releases the GIL) takes the GIL back in C++ code, and the forced unwind through it
aborts the process ("terminate called after throwing an instance of ''", exit status
134): a daemon thread calling an op while the main thread returned was enough.

So every op call runs between :func:`enter` and :func:`leave`, which count the calls each
thread has inside the runtime. At exit (:func:`_close`, an ``atexit`` handler: it runs
after every non-daemon thread has ended, and after the exit handlers registered later than
this package's import) the calls already inside are waited for (at most ``_DRAIN_S``), and
a new call of a daemon thread waits ``_PARK_S`` first: the interpreter's finalization then
ends that thread while it waits in a lock, which is clean. Other threads' calls go on (an
exit handler of the user's may call an op, from its thread or from one it starts), and so
does a daemon thread's after ``_PARK_S``: a handler registered before this package's import
(so run after ``_close``) may wait for a lock that daemon thread holds.

**Parent death.** A process this package starts (a build worker, an ``iree-compile``)
ends with the process that started it: :func:`die_with`.

**Fork.** A lock that another thread of the parent held at a fork (a compile in progress,
an op being bound) stays held for good in the child, whose first use of it hung:
:func:`new_lock_in_child` names the locks that a forked child makes anew.
"""

from __future__ import annotations

import atexit
import functools
import os
import signal
import sys
import threading
import time
import weakref
from typing import Callable, List, Sequence

# Thread ident -> how many of its calls are inside the runtime (dict updates are atomic
# under the GIL; see enter for the order of the mark and the test).
_INSIDE: dict = {}
CLOSING = False
# The longest _close waits for calls inside the runtime: a call is ms to seconds; one
# that takes longer is not waited for (it may then abort the exit, as without the gate).
_DRAIN_S = 10.0
# How long a daemon thread's call waits at exit before it runs (see the module docstring):
# exit handlers take milliseconds; one that waits for this thread gets it after this.
_PARK_S = 5.0


def enter() -> int:
    """Count a call of this thread into the runtime (the caller then calls :func:`leave`
    with the returned ident, in a ``finally``); at exit, a daemon thread's call waits
    ``_PARK_S`` first."""
    ident = threading.get_ident()
    # Marked before the test of CLOSING, which _close sets before it reads the marks:
    # either this thread sees CLOSING or _close sees its mark and waits for the call.
    _INSIDE[ident] = _INSIDE.get(ident, 0) + 1
    if CLOSING and threading.current_thread().daemon:
        leave(ident)
        threading.Event().wait(_PARK_S)  # (finalization ends the thread here, cleanly)
        _INSIDE[ident] = _INSIDE.get(ident, 0) + 1
    return ident


def leave(ident: int) -> None:
    """The end of a call counted by :func:`enter`."""
    n = _INSIDE.get(ident, 0) - 1
    if n > 0:
        _INSIDE[ident] = n
    else:
        _INSIDE.pop(ident, None)


def _close() -> None:
    global CLOSING
    CLOSING = True
    me = threading.get_ident()
    end = time.monotonic() + _DRAIN_S
    while any(ident != me for ident in list(_INSIDE)) and time.monotonic() < end:
        time.sleep(0.001)
    if threading.active_count() > 1:  # (daemon threads live on, holding their ops)
        no_leak_report()


def no_leak_report() -> None:
    """Objects this process keeps alive to its end on purpose (a forked child's inherited
    devices, daemon threads' ops): the bindings' checker (nanobind) would list each as a
    leak at exit, ~100 lines of "nanobind: leaked ..." on stderr. Switch it off."""
    from iree.runtime import _binding

    getattr(_binding, "disable_leak_checker", lambda: None)()


# Objects (modules included) -> {attribute: lock factory} (see new_lock_in_child).
_LOCKS: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
_LOCKS_LOCK = threading.Lock()


def new_lock_in_child(obj, attr: str, factory: Callable = threading.Lock) -> None:
    """Have a forked child set ``obj.attr`` to ``factory()`` (a new lock) before it runs:
    for a lock that another thread may hold while this process forks."""
    with _LOCKS_LOCK:
        _LOCKS.setdefault(obj, {})[attr] = factory


def _after_fork_in_child() -> None:
    global _LOCKS_LOCK
    _LOCKS_LOCK = threading.Lock()
    # Only the forking thread lives on in a child, and it is inside no call.
    _INSIDE.clear()
    for obj, attrs in list(_LOCKS.items()):
        for attr, factory in attrs.items():
            setattr(obj, attr, factory())


def die_with(parent: int) -> None:
    """In a child process (a pool initializer; :func:`dying_with_this_process`): end when
    ``parent`` does. A SIGKILLed build (the OOM killer, a CI cancel) left its workers
    running, orphaned, ~240 MB each, and a killed process its ``iree-compile`` (for up to
    IREE_GN_COMPILE_TIMEOUT). Linux delivers SIGKILL to the child when the parent dies
    (PR_SET_PDEATHSIG, kept across exec); the parent may have died already."""
    libc = _libc()
    if libc is not None:
        libc.prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def dying_with_this_process(cmd: Sequence[str]) -> List[str]:
    """``cmd`` run so that it ends when this process does (:func:`die_with`): through this
    Python, which loads this file alone, sets that up and execs ``cmd`` (same pid, same
    pipes; ~40 ms on the 2-core CI machine, against ~1 s a compile). A ``preexec_fn`` would
    do it without the detour, but makes ``subprocess`` fork the whole process instead of
    vfork: JAX then warns that fork is incompatible with its threads at every compile (and
    a fork of a threaded process may deadlock). Not Linux, or no Python executable known:
    ``cmd`` as it is."""
    if not sys.platform.startswith("linux") or not sys.executable:
        return list(cmd)
    return [sys.executable, "-I", "-S", "-c", _EXEC_DYING_WITH, os.path.abspath(__file__),
            str(os.getpid()), *cmd]


_EXEC_DYING_WITH = (
    "import importlib.util as u, os, sys\n"
    "s = u.spec_from_file_location('_iree_gn_process', sys.argv[1])\n"
    "m = u.module_from_spec(s); s.loader.exec_module(m)\n"
    "m.die_with(int(sys.argv[2]))\n"
    "os.execv(sys.argv[3], sys.argv[3:])\n")


@functools.lru_cache(maxsize=None)
def _libc():
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl  # (looked up now: the attribute is made on first use)
        return libc
    except (OSError, AttributeError):  # not Linux: no such call; die_with's check remains
        return None


atexit.register(_close)
os.register_at_fork(after_in_child=_after_fork_in_child)
