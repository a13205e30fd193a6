"""The on-disk cache of compiled modules: keyed, checksummed, write-once, private.

Layout of ``$IREE_GN_CACHE_DIR`` (default ``$XDG_CACHE_HOME/iree-gn``, ``~/.cache/iree-gn``)::

    gn-<target>-<key16>/       one entry, published whole by one rename, never rewritten:
        module.vmfb              the module
        module.mlir              the compiler input it came from
        meta.json                key parts, size of module.vmfb, sha256 of each file
                                 ("files"; entries written before it: their module.mlir is
                                 not trusted, see ``read_text``)
    index/<lookup>.json        spec-level lookup -> content key (lets a warm process skip JAX)
    failed/                    inputs of failed compiles (the newest 16; see _compiler)
    .tmp-*, .trash-*           entries being written or removed

The *content key* is sha256 over named parts: the compiler input (StableHLO text without
locations, or a kernel module), the spec, the target and its exact flags, the IREE compiler
and runtime versions, the JAX version and this package's format version. Tracing the op to
get the StableHLO costs ~1 s of JAX import, so a warm process first looks up the *lookup
key*, which hashes the same parts with this package's source in place of the text it
determines (every ``.py`` and ``.mlir`` file of the package: see ``_source_digest``); the index then
names the content entry.

Writes: an entry is written into a private temp folder and renamed into place; the rename
fails if the entry exists, so racing writers publish one complete entry and the others drop
theirs (their modules have the same bytes: ``_compiler`` compiles deterministically).
An existing entry is never rewritten. A reader that finds an entry incomplete or not
matching its checksum warns, removes it and recompiles.

Trust: a module is native code that the process runs. Like ssh and pip, the cache is used
only if its folder (and each entry read from it) is owned by the current user and not
writable by group or others; otherwise a :class:`CacheWarning` says why and modules are
compiled and kept in memory. A cache is an optimisation: its I/O errors warn and fall back
to compiling.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import json
import os
import re
import shutil
import stat
import sys
import tempfile
import time
import uuid
import warnings
from typing import Dict, Iterable, Optional, Tuple

from . import _tuning

# Bump when the module ABI or the layout above changes: old entries are then ignored.
# 2: one folder per entry (was: gn-*.vmfb/.json/.mlir side by side).
FORMAT_VERSION = 2

_MODULE, _META, _MLIR = "module.vmfb", "meta.json", "module.mlir"
# Leftovers of a writer that died mid-write are swept after this long.
_STALE_S = 3600
# The names this cache writes in its folder, which may hold other things of the user's:
# clear() and the sweep of dead writers' leftovers remove only these, exactly (see
# ``_is_own``). Temp names are tempfile's: a prefix, 8 characters of its alphabet, the suffix
# given (``_publish``: none; ``atomic_write``: the final file's name); trash names are
# ``_discard``'s (a uuid4 in hex); entries ``entry_dir``'s, or format 1's side-by-side files.
_TMP = r"\.tmp-[a-z0-9_]{8}"
_ENTRY = re.compile(r"gn-(?P<target>[A-Za-z0-9_.-]+)-(?P<key>[0-9a-f]{16})"
                    r"(?P<ext>\.(vmfb|json|mlir))?")
_NAMES = {
    "top": re.compile(rf"{_TMP}|\.trash-[0-9a-f]{{32}}|{_ENTRY.pattern}"),
    "index": re.compile(rf"({_TMP})?[0-9a-f]{{64}}\.json"),
    "failed": re.compile(rf"({_TMP})?iree-gn-failed-[0-9a-f]{{16}}\.mlir"),
}
_ENTRY_FILES = frozenset((_MODULE, _META, _MLIR))


class CacheWarning(UserWarning):
    """A cache problem that was worked around (the call still succeeds)."""


def default_dir() -> str:
    # "~/x" from a quoted shell assignment or a .env file means the home folder, not a
    # folder named "~" wherever the process starts.
    given = os.environ.get("IREE_GN_CACHE_DIR")
    if given:
        return os.path.expanduser(given)
    # The XDG base directory rule, as pip and JAX follow it: a relative $XDG_CACHE_HOME is
    # invalid and ignored.
    xdg = os.environ.get("XDG_CACHE_HOME", "")
    base = xdg if os.path.isabs(xdg) else os.path.expanduser("~/.cache")
    return os.path.join(base, "iree-gn")


def versions() -> Dict[str, str]:
    """Versions that go into every key, read without importing the packages."""
    from importlib import metadata

    def v(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "absent"

    return {
        "iree-base-compiler": v("iree-base-compiler"),
        "iree-base-runtime": v("iree-base-runtime"),
        "jax": v("jax"),
        "jaxlib": v("jaxlib"),
        "iree-gn-format": str(FORMAT_VERSION),
        "iree-gn-tuning": _tuning.TAG,
    }


@functools.lru_cache(maxsize=None)
def _source_digest() -> str:
    return source_digest(os.path.dirname(os.path.abspath(__file__)))


def source_digest(here: str) -> str:
    """sha256 of every ``.py`` and ``.mlir`` file of the package at ``here`` (and its
    subpackages: the kernels' host templates ``_kernels/*.mlir`` and ``_gpu_kernels/*.mlir``
    are compiler input too).

    Many modules shape the compiler input (``_authoring``, ``_activations``, ``_export``,
    ``_spec``, ``_kernels``, ``_targets`` which edits it for sm_90, ``_tuning``,
    ``_compiler``, and any kernel module added later). A list of them goes stale silently and
    then serves old modules; hashing all files costs at most a re-trace after an edit to a
    runtime-only file, which the content key then turns into a disk hit.
    """
    h = hashlib.sha256()
    names = []
    for folder, dirs, files in os.walk(here):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        names += [os.path.relpath(os.path.join(folder, f), here) for f in files
                  if f.endswith((".py", ".mlir"))]
    for name in sorted(names):
        with open(os.path.join(here, name), "rb") as f:
            h.update(name.encode() + b"\0" + f.read() + b"\0")
    return h.hexdigest()


def make_key(parts: Iterable[Tuple[str, str]]) -> str:
    """sha256 over named, ordered parts (each part length-prefixed, so no two differ only
    by where one part ends)."""
    h = hashlib.sha256()
    for name, value in parts:
        data = value.encode()
        h.update(f"{name}:{len(data)}:".encode() + data + b"\n")
    return h.hexdigest()


def _machine_parts(target: str):
    """The caches a module for ``target`` is tuned to (llvm-cpu rows: the host's for
    ``llvm-cpu``, fixed defaults for the cross rows; see ``_kernels._tuning``), and for the
    host row the CPU features its code may use."""
    from ._kernels import _tuning as _cpu_tuning

    parts = _cpu_tuning.key_parts(target)
    if target == "llvm-cpu":
        # target-cpu=host: the module's code uses this CPU's instruction set, so a cache
        # folder seen by another CPU (a shared home over NFS) must not answer for it (SIGILL).
        from ._cpu import cpu_features

        parts.append(("cpu-features", ",".join(cpu_features())))
    return parts


def content_key_parts(stablehlo: str, spec_text: str, target: str, flags: Tuple[str, ...]):
    vs = versions()
    return [
        ("stablehlo", stablehlo),
        ("spec", spec_text),
        ("target", target),
        ("flags", json.dumps(list(flags))),
        *sorted(vs.items()),
        *_machine_parts(target),
    ]


def lookup_key_parts(spec_text: str, target: str, flags: Tuple[str, ...], formulation: str):
    vs = versions()
    return [
        ("op-source", _source_digest()),
        ("formulation", formulation),
        ("spec", spec_text),
        ("target", target),
        ("flags", json.dumps(list(flags))),
        *sorted(vs.items()),
        *_machine_parts(target),
    ]


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def untrusted(st: os.stat_result, what: str) -> Optional[str]:
    """Why a file or folder with status ``st`` may not be trusted, or None if it may: it
    must be owned by the current user and not writable by group or others."""
    if st.st_uid != os.getuid():
        return f"{what} is owned by uid {st.st_uid}, not by you (uid {os.getuid()})"
    if st.st_mode & 0o022:
        who = " and ".join(w for w, bit in (("group", 0o020), ("others", 0o002))
                           if st.st_mode & bit)
        return f"{what} is writable by {who} (mode {stat.filemode(st.st_mode)})"
    return None


def atomic_write(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` (mode 0600) so that readers see the old file or the whole
    new one."""
    folder = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-", suffix=os.path.basename(path))
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def _read_private(path: str, what: str) -> bytes:
    """The bytes of a regular file that passes :func:`untrusted`; ``_Untrusted`` if not."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(f.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise _Untrusted(f"{what} is not a regular file")
        why = untrusted(st, what)
        if why:
            raise _Untrusted(why)
        return f.read()


class _Untrusted(Exception):
    pass


def _entry_untrusted(d: str, name: str) -> Optional[str]:
    """Why entry folder ``d`` or a file in it may not be trusted, or None."""
    try:
        why = untrusted(os.lstat(d), f"entry {name}")
        for f in os.listdir(d):
            if why:
                break
            st = os.lstat(os.path.join(d, f))
            why = untrusted(st, f"{name}/{f}") if stat.S_ISREG(st.st_mode) else \
                f"{name}/{f} is not a regular file"
    except OSError as e:
        return f"entry {name} cannot be checked ({e})"
    return why


def _size(path: str) -> int:
    """Bytes in a file, or in the files under a folder."""
    if not os.path.isdir(path):
        try:
            return os.path.getsize(path)
        except OSError:
            return 0
    return sum(_size(os.path.join(folder, f)) for folder, _, files in os.walk(path)
               for f in files)


# (cache folder, kind) of the folder-level problems already warned about in this process.
_WARNED_FOLDERS: set = set()


def _user_stacklevel() -> int:
    """The ``stacklevel`` that makes a warning from ``DiskCache._warn`` point at the first
    frame outside this package and torch (the user's call, also through the torch adapter,
    whose autograd frames are torch's), not at this module's line."""
    here = os.path.dirname(os.path.abspath(__file__)) + os.sep
    frame, level = sys._getframe(2), 2  # (2: _warn's caller; 1 is _warn)
    while frame is not None and (frame.f_code.co_filename.startswith(here) or
                                 frame.f_globals.get("__name__", "").startswith("torch.")):
        frame, level = frame.f_back, level + 1
    return level


class DiskCache:
    """A folder of compiled modules (see the module docstring for the layout and rules)."""

    def __init__(self, path: Optional[str] = None):
        self.path = path or default_dir()
        self._warned = set()

    def _warn(self, kind: str, msg: str) -> None:
        # Once per kind and cache object (one op build); a folder that cannot be written or
        # is not trusted, once per process and folder (it was once per compile).
        seen = _WARNED_FOLDERS if kind in ("write", "trust") else self._warned
        if (self.path, kind) in seen:
            return
        seen.add((self.path, kind))
        warnings.warn(f"iree-gn cache at {self.path}: {msg}", CacheWarning,
                      stacklevel=_user_stacklevel())

    def entry_dir(self, key: str, target: str) -> str:
        return os.path.join(self.path, f"gn-{_safe(target)}-{key[:16]}")

    def entry_paths(self, key: str, target: str) -> Tuple[str, str]:
        """(module path, metadata path) of an entry."""
        d = self.entry_dir(key, target)
        return os.path.join(d, _MODULE), os.path.join(d, _META)

    def failed_dir(self) -> Optional[str]:
        """Where failed compiler inputs go (None when the cache folder is not usable)."""
        return os.path.join(self.path, "failed") if self._usable(create=True, quiet=True) \
            else None

    # -- trust ----------------------------------------------------------------------------------
    def _usable(self, create: bool, quiet: bool = False) -> bool:
        """Whether the folder exists (is created, with ``create``) and may be trusted."""
        try:
            if create:
                os.makedirs(self.path, mode=0o700, exist_ok=True)
            st = os.stat(self.path)
        except FileNotFoundError as e:
            # Reading: no folder yet. Creating: a parent is a dangling symlink, or vanished.
            if create and not quiet:
                self._warn("write", f"cannot create it ({e}); compiled modules stay in memory "
                                    f"only.")
            return False
        except OSError as e:
            if create and not quiet:
                if os.path.lexists(self.path) and not os.path.isdir(self.path):
                    e = f"it is not a folder: {self.path} is a file"  # (not "File exists")
                self._warn("write", f"cannot write ({e}); compiled modules stay in memory only.")
            return False
        why = untrusted(st, "the folder")
        if why and not quiet:
            self._warn("trust", (
                f"not used: {why}. Modules are native code, so like ssh and pip iree-gn loads "
                f"them only from a folder that only you can write; compiling in memory "
                f"instead. Fix: `chmod go-w {self.path}` (if it is yours), or set "
                f"IREE_GN_CACHE_DIR to a private folder."))
        return why is None

    # -- reads --------------------------------------------------------------------------------
    def lookup(self, lookup_key: str) -> Optional[Tuple[str, str]]:
        """(content key, target) recorded for a lookup key, or None."""
        if not self._usable(create=False):
            return None
        index = os.path.join(self.path, "index")
        try:
            if untrusted(os.lstat(index), "index/"):
                # Whoever can write it could point this spec at another (valid) entry.
                return None
            d = json.loads(_read_private(os.path.join(index, lookup_key + ".json"), "index"))
            return d["key"], d["target"]
        except (OSError, ValueError, KeyError, TypeError, _Untrusted):
            return None

    def load(self, key: str, target: str, serves: Optional[str] = None) -> Optional[bytes]:
        """The module for ``key``, or None when absent. An incomplete or corrupt entry warns
        and is removed; an untrusted one warns and is left alone. ``serves``: what the
        caller wants (an op kind and spec), which the entry's metadata must record where it
        records one: ``key`` came from an index record, which, edited or swapped with
        another's, would otherwise serve another configuration's valid module."""
        if not self._usable(create=False):
            return None
        d = self.entry_dir(key, target)
        name = os.path.basename(d)
        try:
            st = os.lstat(d)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as e:
            self._warn("read", f"cannot read entry {name} ({e}); recompiling.")
            return None
        if not stat.S_ISDIR(st.st_mode):
            return self._heal(d, st, f"entry {name} is not a folder")
        why = untrusted(st, f"entry {name}")
        try:
            if why:
                raise _Untrusted(why)
            meta = json.loads(_read_private(os.path.join(d, _META), f"{name}/{_META}"))
            data = _read_private(os.path.join(d, _MODULE), f"{name}/{_MODULE}")
        except _Untrusted as e:
            self._warn("trust-entry", f"not loading {name}: {e}; compiling in memory instead.")
            return None
        except FileNotFoundError as e:
            missing = os.path.basename(e.filename)
            return self._heal(d, st, f"entry {name} is incomplete (no {missing})")
        except (OSError, ValueError) as e:
            return self._heal(d, st, f"entry {name} has unreadable metadata or module ({e})")
        if (not isinstance(meta, dict) or meta.get("key") != key or meta.get("size") != len(data)
                or meta.get("sha256") != hashlib.sha256(data).hexdigest()):
            size = meta.get("size") if isinstance(meta, dict) else "?"
            return self._heal(d, st, f"entry {name} is corrupt (module of {len(data)} bytes, "
                                     f"metadata says {size}; checksum or key mismatch)")
        why = self._mlir_damage(d, meta)[0]
        if why:
            return self._heal(d, st, f"entry {name} {why}")
        if serves is not None and meta.get("serves", serves) != serves:
            self._warn("index", f"an index record names entry {name}, which was built for "
                                f"another configuration; recompiling.")
            return None
        return data

    @staticmethod
    def _mlir_damage(d: str, meta: dict) -> Tuple[Optional[str], Optional[bytes]]:
        """(why the entry's module.mlir does not match the sha256 its metadata records, or
        None; the bytes checked, or None where it records none: an older entry, whose text
        ``read_text`` refuses)."""
        want = (meta.get("files") or {}).get(_MLIR) if isinstance(meta.get("files"), dict) \
            else None
        if want is None:
            return None, None
        try:
            data = _read_private(os.path.join(d, _MLIR), _MLIR)
        except FileNotFoundError:
            return f"is incomplete (no {_MLIR})", None
        except (OSError, _Untrusted) as e:
            return f"has an unreadable {_MLIR} ({e})", None
        if hashlib.sha256(data).hexdigest() != want:
            return (f"is corrupt ({_MLIR} of {len(data)} bytes does not match its checksum)",
                    None)
        return None, data

    def read_text(self, module_path: str) -> Optional[str]:
        """The compiler input kept beside the cached module at ``module_path``, verified
        against its metadata's sha256; None when the entry records no checksum for it (an
        older entry: the caller re-traces) or it does not match (warned; the entry is removed
        so that the next build rebuilds it)."""
        d = os.path.dirname(module_path)
        try:
            st = os.lstat(d)
            meta = json.loads(_read_private(os.path.join(d, _META), _META))
            # (the bytes checked are the ones returned: one read, nothing swapped between)
            why, data = self._mlir_damage(d, meta) if isinstance(meta, dict) else \
                ("is corrupt", None)
            if data is not None:
                return data.decode()
        except (OSError, ValueError, _Untrusted):
            return None
        if why:
            self._heal(d, st, f"entry {os.path.basename(d)} {why}")
        return None

    def reject(self, key: str, target: str, why: str) -> None:
        """Remove an entry that :meth:`load` returned but the caller found is not what its
        key promises (``why``), warning as for a damaged one."""
        d = self.entry_dir(key, target)
        try:
            st = os.lstat(d)
        except OSError:
            return
        self._heal(d, st, f"entry {os.path.basename(d)} is not what it claims: {why}")

    def _heal(self, d: str, st: os.stat_result, why: str) -> None:
        if self._discard(d, st.st_ino):
            self._warn("heal", f"{why}; removed it, recompiling.")
        else:  # (a read-only folder: say so, rather than claim a removal every process)
            self._warn("heal", f"{why}, and it cannot be removed (the folder is read-only?); "
                               f"recompiling, in memory if the entry cannot be rewritten.")
        return None

    # -- writes -------------------------------------------------------------------------------
    def store(self, key: str, target: str, data: bytes, meta: dict,
              lookup_key: Optional[str] = None, stablehlo: Optional[str] = None) -> Optional[str]:
        """Publish an entry unless one exists (never rewritten); return the module path, or
        None when the module stays in memory only (folder unwritable or untrusted)."""
        if not self._usable(create=True):
            return None
        d = self.entry_dir(key, target)
        files = {_MODULE: data, **({_MLIR: stablehlo.encode()} if stablehlo is not None
                                   else {})}
        meta = dict(meta, key=key, target=target, size=len(data),
                    sha256=hashlib.sha256(data).hexdigest(),
                    files={n: hashlib.sha256(b).hexdigest() for n, b in files.items()})
        try:
            if not os.path.lexists(d):
                self._sweep()
                self._publish(d, {**files, _META: json.dumps(
                    meta, indent=1, sort_keys=True).encode()})
            elif _entry_untrusted(d, os.path.basename(d)):
                return None  # load() said why
            if lookup_key:
                self._write_index(lookup_key, {"key": key, "target": target})
            return os.path.join(d, _MODULE)
        except OSError as e:  # (its words, not its path: a temp name would vary per compile)
            self._warn("write", f"cannot write ({e.strerror or e}); compiled modules stay in "
                                f"memory only.")
            return None

    def _publish(self, d: str, files: Dict[str, bytes]) -> None:
        """Write ``files`` into a private temp folder, then rename it to ``d``; if another
        writer got there first, keep theirs (a complete entry for the same key)."""
        tmp = tempfile.mkdtemp(dir=self.path, prefix=".tmp-")
        try:
            for name, blob in files.items():
                fd = os.open(os.path.join(tmp, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "wb") as f:
                    f.write(blob)
                    f.flush()
                    os.fsync(f.fileno())
            try:
                os.rename(tmp, d)
                tmp = None
            except OSError as e:
                if e.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                    raise
        finally:
            if tmp is not None:
                shutil.rmtree(tmp, ignore_errors=True)

    def _write_index(self, lookup_key: str, record: dict) -> None:
        index = os.path.join(self.path, "index")
        os.makedirs(index, mode=0o700, exist_ok=True)
        path = os.path.join(index, lookup_key + ".json")
        try:
            if json.loads(_read_private(path, "index")) == record:
                return  # already there: no write
        except (OSError, ValueError, _Untrusted):
            pass
        atomic_write(path, json.dumps(record).encode())

    def _discard(self, d: str, ino: int) -> bool:
        """Remove entry ``d`` if it is still the one that was read (inode ``ino``): it is
        first renamed away, so no reader ever sees it half-deleted. Whether it is gone."""
        trash = os.path.join(self.path, f".trash-{uuid.uuid4().hex}")
        try:
            st = os.lstat(d)
            if st.st_ino != ino:
                return True  # another process already replaced it
            if stat.S_ISDIR(st.st_mode):
                os.rename(d, trash)
                shutil.rmtree(trash, ignore_errors=True)
            else:
                os.unlink(d)
        except FileNotFoundError:
            return True
        except OSError:
            return False
        return True

    def _sweep(self) -> None:
        """Remove temp files and folders that writers which died left behind (older than an
        hour; only this cache's own, by their exact names: see ``_is_own``), at the top and
        in index/ and failed/ (``atomic_write``'s temp files)."""
        for where, folder in (("top", self.path), ("index", os.path.join(self.path, "index")),
                              ("failed", os.path.join(self.path, "failed"))):
            try:
                names = [n for n in os.listdir(folder) if n.startswith((".tmp-", ".trash-"))]
            except OSError:
                continue
            for n in names:
                p = os.path.join(folder, n)
                try:
                    if time.time() - os.lstat(p).st_mtime > _STALE_S:
                        _remove_own(p, n, where)
                except OSError:
                    pass

    # -- management ---------------------------------------------------------------------------
    def info(self) -> dict:
        entries, size = [], 0
        try:
            names = sorted(os.listdir(self.path))
        except OSError:
            names = []
        for n in names:
            p = os.path.join(self.path, n)
            if n.startswith("gn-") and os.path.isdir(p):
                try:
                    with open(os.path.join(p, _META)) as f:
                        entries.append(dict(json.load(f), file=os.path.join(n, _MODULE)))
                except (OSError, ValueError):
                    pass
            size += _size(p)
        return {"path": self.path, "unused": self.unused_reason(),
                "entries": len(entries), "bytes": size,
                "modules": [{"file": m["file"], "target": m.get("target", "?"),
                             "spec": m.get("spec_name", "?"), "size": m.get("size", 0)}
                            for m in entries]}

    def unused_reason(self) -> Optional[str]:
        """Why this folder is not used as the cache (None when it is): absent, not a
        folder, unreadable, or writable by others (see ``untrusted``)."""
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            parent = os.path.abspath(self.path)  # (itself, or a folder above: a dead link)
            while parent != os.path.dirname(parent) and not os.path.lexists(parent):
                parent = os.path.dirname(parent)
            if os.path.islink(parent) and not os.path.exists(parent):
                return (f"it cannot be created: {parent} is a symbolic link to nothing "
                        f"({os.readlink(parent)})")
            return "it does not exist yet (the first compile creates it)"
        except OSError as e:
            return f"it cannot be read ({e})"
        if not stat.S_ISDIR(st.st_mode):
            return "it is not a folder"
        return untrusted(st, "the folder")

    def clear(self, problems: Optional[list] = None) -> int:
        """Remove every entry (and those of older layouts), the index and kept failed
        inputs, and nothing else (``_is_own``: the folder may hold the user's own files);
        return how many modules were removed. What this cache wrote but could not remove
        is appended to ``problems`` as "path: why"; a folder that cannot be listed raises."""
        problems = [] if problems is None else problems
        n = 0
        # (format 1's .json last: it is what shows its .vmfb and .mlir are the cache's)
        try:
            names = os.listdir(self.path)
        except FileNotFoundError:
            return 0
        for name in sorted(names, key=lambda n: n.endswith(".json")):
            p = os.path.join(self.path, name)
            module = name.startswith("gn-") and (
                name.endswith(".vmfb") or os.path.exists(os.path.join(p, _MODULE)))
            n += self._remove(p, name, "top", problems) and module
        for sub in ("index", "failed"):
            folder = os.path.join(self.path, sub)
            try:
                names = os.listdir(folder)
            except FileNotFoundError:
                continue
            except OSError as e:
                problems.append(f"{folder}: {e.strerror or e}")
                continue
            for name in names:
                self._remove(os.path.join(folder, name), name, sub, problems)
            try:
                os.rmdir(folder)  # (only if nothing else is left in it)
            except OSError:
                pass
        return n

    @staticmethod
    def _remove(path: str, name: str, where: str, problems: list) -> bool:
        try:
            return _remove_own(path, name, where)
        except OSError as e:
            problems.append(f"{path}: {e.strerror or e}")
            return False


def _records(meta_path: str, m: "re.Match") -> bool:
    """Whether ``meta_path`` is an entry's metadata for the name matched by ``m``: JSON that
    records the key and the target the name was made from (a user's file of that name is
    not)."""
    try:
        with open(meta_path, "rb") as f:
            meta = json.loads(f.read(1 << 20))
        return (isinstance(meta, dict) and str(meta.get("key", ""))[:16] == m["key"]
                and _safe(str(meta.get("target", ""))) == m["target"])
    except (OSError, ValueError):
        return False


def _is_own(path: str, name: str, where: str) -> bool:
    """Whether ``path`` (named ``name``, in ``where``: "top", "index" or "failed") is one
    this cache wrote: its exact name (``_NAMES``), a regular file, or a folder only where
    the cache writes folders and only when it holds nothing but an entry's files; an entry
    (or a format-1 entry's file) only when its metadata records that entry's key."""
    if not _NAMES[where].fullmatch(name):
        return False
    st = os.lstat(path)
    if where != "top" or not name.startswith("gn-"):
        if stat.S_ISREG(st.st_mode):
            return where != "top"  # (the top level's temp and trash names are folders)
        return stat.S_ISDIR(st.st_mode) and where == "top" and \
            set(os.listdir(path)) <= _ENTRY_FILES
    m = _ENTRY.fullmatch(name)
    if m["ext"]:  # format 1: gn-<target>-<key16>.{vmfb,json,mlir} beside its .json
        return stat.S_ISREG(st.st_mode) and _records(path[:-len(m["ext"])] + ".json", m)
    return (stat.S_ISDIR(st.st_mode) and set(os.listdir(path)) <= _ENTRY_FILES
            and _records(os.path.join(path, _META), m))


def _remove_own(path: str, name: str, where: str) -> bool:
    """Remove ``path`` if it is one this cache wrote (:func:`_is_own`); return whether it
    did. An ``OSError`` says why it could not (a read-only folder...). A folder is first
    renamed to a trash name, so no reader sees an entry half-deleted."""
    try:
        if not _is_own(path, name, where):
            return False
    except FileNotFoundError:
        return False
    if os.path.isdir(path) and not os.path.islink(path):
        trash = path
        if not name.startswith(".trash-"):
            trash = os.path.join(os.path.dirname(path), f".trash-{uuid.uuid4().hex}")
            os.rename(path, trash)
        shutil.rmtree(trash)
    else:
        os.unlink(path)
    return True
