"""A bundle folder's replacement: one build at a time writes it, and the new folder trades
places with the old one in one step.

``iree-gn build`` writes a bundle into a hidden sibling folder (``.NAME.building-*``) and
swaps it in (:func:`swap_into_place`). :func:`writing` holds an exclusive ``flock`` on the
parent folder from the moment a build reads the old bundle (``--add`` keeps its modules)
until the swap: two ``--add`` builds into one bundle at once each read the same old
bundle, and the second swap dropped the first's modules. Under the lock no other build's
hidden folders are in use, so leftovers of a killed build (SIGKILL, power loss) are removed
then.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from typing import Iterator

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: builds are not serialized there
    fcntl = None

_HIDDEN = (".building-", ".old-")  # the hidden sibling folders of a build (mkdtemp prefixes)


@contextlib.contextmanager
def writing(out_dir: str) -> Iterator[None]:
    """Hold the parent folder's build lock (``out_dir``'s parent must exist), and clear what
    a killed build of ``out_dir`` left (:func:`_recover`)."""
    parent = os.path.dirname(out_dir)
    fd = os.open(parent, os.O_RDONLY)
    _HELD.add(fd)
    try:
        if fcntl is not None:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX)
            except OSError:  # a file system without flock: builds are not serialized
                pass
        _recover(out_dir)
        yield
    finally:
        _HELD.discard(fd)
        os.close(fd)  # (releases the lock)


# Descriptors holding a build lock. A process forked meanwhile (by another thread) shares
# the lock through its copy, which kept later builds waiting while it lived: it closes it.
_HELD: set = set()


def _close_in_child() -> None:
    for fd in list(_HELD):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD.clear()


os.register_at_fork(after_in_child=_close_in_child)


def _recover(out_dir: str) -> None:
    """Under the lock: a hidden folder of ``out_dir`` is a killed build's. An ``.old-`` one
    where ``out_dir`` is missing is the old bundle of a swap cut between its two renames: it
    goes back in place; the others (a partial new bundle, an old one already replaced) are
    removed."""
    parent, base = os.path.split(out_dir)
    ours = re.compile(re.escape(f".{base}") + r"\.(building|old)-[a-z0-9_]{8}")
    for name in sorted(os.listdir(parent)):
        m = ours.fullmatch(name)
        path = os.path.join(parent, name)
        if m is None or not os.path.isdir(path) or os.path.islink(path):
            continue
        if m.group(1) == "old" and not os.path.lexists(out_dir):
            os.rename(path, out_dir)
        else:
            shutil.rmtree(path, ignore_errors=True)


def new_folder(out_dir: str, mode: int) -> str:
    """A hidden sibling folder of ``out_dir`` to build into, with permissions ``mode``."""
    tmp = tempfile.mkdtemp(prefix=f".{os.path.basename(out_dir)}{_HIDDEN[0]}",
                           dir=os.path.dirname(out_dir))
    os.chmod(tmp, mode)  # mkdtemp's 0700 would hide the bundle from others
    return tmp


def swap_into_place(tmp: str, out_dir: str) -> None:
    """Move the finished folder to ``out_dir``, replacing an old bundle there.

    Where the kernel has ``renameat2(RENAME_EXCHANGE)`` (Linux >= 3.15, most local file
    systems) the two folders trade places in one step: ``out_dir`` always names a complete
    bundle. Elsewhere two renames leave a moment with no folder; ``load_bundle`` retries
    through it (it notices that the folder it opened was replaced)."""
    if not os.path.exists(out_dir):
        os.rename(tmp, out_dir)
        return
    if _exchange(tmp, out_dir):
        shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old bundle
        return
    old = tempfile.mkdtemp(prefix=f".{os.path.basename(out_dir)}{_HIDDEN[1]}",
                           dir=os.path.dirname(out_dir))
    os.rmdir(old)
    os.rename(out_dir, old)
    try:
        os.rename(tmp, out_dir)
    except OSError:
        os.rename(old, out_dir)
        raise
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: str, b: str) -> bool:
    """Atomically swap two paths with ``renameat2(RENAME_EXCHANGE)``; False where the
    platform or file system cannot (the caller then falls back)."""
    import ctypes
    import errno

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                          ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(err, f"cannot swap {a} and {b}: {os.strerror(err)}")
