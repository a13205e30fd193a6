"""The on-disk cache of compiled modules: keyed, checksummed, atomic.

Layout of ``$IREE_GN_CACHE_DIR`` (default ``~/.cache/iree-gn``)::

    gn-<target>-<key16>.vmfb   the module
    gn-<target>-<key16>.json   its metadata: key parts, sha256 and size of the .vmfb (written last)
    index/<lookup>.json        spec-level lookup -> content key (lets a warm process skip JAX)

The *content key* is sha256 over named parts: the StableHLO text (without locations), the
spec, the target and its exact flags, the IREE compiler and runtime versions, the JAX
version and this package's format version. Tracing the op to get the StableHLO costs
~1 s of JAX import, so a warm process first looks up the *lookup key*, which hashes the
same parts with the JAX source of the op (``_authoring``, ``_activations``, ``_export``)
in place of the StableHLO text it determines; the index then names the content entry.

Every file is written to a temp file in the same folder and moved into place with
``os.replace``; an entry counts only when its metadata exists and the module's sha256
matches it. A cache is an optimisation: its I/O errors warn and fall back to compiling.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import warnings
from typing import Dict, Iterable, Optional, Tuple

from . import _tuning

# Bump when the module ABI or the layout above changes: old entries are then ignored.
FORMAT_VERSION = 1

_SOURCE_FILES = ("_authoring.py", "_activations.py", "_export.py", "_spec.py", "_kernels.py",
                 "_gpu_kernels.py")  # h4-gpu: the GPU kernels generate compiler input too


class CacheWarning(UserWarning):
    """A cache problem that was worked around (the call still succeeds)."""


def default_dir() -> str:
    return os.environ.get("IREE_GN_CACHE_DIR") or os.path.join(
        os.path.expanduser("~"), ".cache", "iree-gn")


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


def _source_digest() -> str:
    h = hashlib.sha256()
    here = os.path.dirname(os.path.abspath(__file__))
    for name in _SOURCE_FILES:
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


def content_key_parts(stablehlo: str, spec_text: str, target: str, flags: Tuple[str, ...]):
    vs = versions()
    return [
        ("stablehlo", stablehlo),
        ("spec", spec_text),
        ("target", target),
        ("flags", json.dumps(list(flags))),
        *sorted(vs.items()),
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
    ]


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


def atomic_write(path: str, data: bytes) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the whole new one."""
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


class DiskCache:
    """A folder of compiled modules (see the module docstring for the layout)."""

    def __init__(self, path: Optional[str] = None):
        self.path = path or default_dir()
        self._warned = False

    def _warn(self, msg: str) -> None:
        warnings.warn(f"iree-gn cache at {self.path}: {msg}", CacheWarning, stacklevel=3)

    def entry_paths(self, key: str, target: str) -> Tuple[str, str]:
        stem = os.path.join(self.path, f"gn-{_safe(target)}-{key[:16]}")
        return stem + ".vmfb", stem + ".json"

    # -- reads --------------------------------------------------------------------------------
    def lookup(self, lookup_key: str) -> Optional[Tuple[str, str]]:
        """(content key, target) recorded for a lookup key, or None."""
        try:
            with open(os.path.join(self.path, "index", lookup_key + ".json")) as f:
                d = json.load(f)
            return d["key"], d["target"]
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError):
            return None

    def load(self, key: str, target: str) -> Optional[bytes]:
        """The module for ``key``, or None when absent; a corrupt entry warns and is removed."""
        vmfb_path, meta_path = self.entry_paths(key, target)
        try:
            with open(meta_path) as f:
                meta = json.load(f)
        except (FileNotFoundError, NotADirectoryError):
            return None
        except (OSError, ValueError) as e:
            self._warn(f"unreadable metadata {meta_path} ({e}); recompiling.")
            self._remove(vmfb_path, meta_path)
            return None
        try:
            with open(vmfb_path, "rb") as f:
                data = f.read()
        except OSError as e:
            self._warn(f"module {vmfb_path} missing or unreadable ({e}); recompiling.")
            self._remove(vmfb_path, meta_path)
            return None
        if (meta.get("key") != key or meta.get("size") != len(data)
                or meta.get("sha256") != hashlib.sha256(data).hexdigest()):
            self._warn(
                f"entry {os.path.basename(vmfb_path)} is corrupt (size {len(data)}, expected "
                f"{meta.get('size')}; checksum mismatch); removing it and recompiling.")
            self._remove(vmfb_path, meta_path)
            return None
        return data

    # -- writes -------------------------------------------------------------------------------
    def store(self, key: str, target: str, data: bytes, meta: dict,
              lookup_key: Optional[str] = None, stablehlo: Optional[str] = None) -> Optional[str]:
        """Write an entry (module first, metadata last); return the module path or None."""
        vmfb_path, meta_path = self.entry_paths(key, target)
        meta = dict(meta, key=key, target=target, size=len(data),
                    sha256=hashlib.sha256(data).hexdigest())
        try:
            os.makedirs(os.path.join(self.path, "index"), exist_ok=True)
            atomic_write(vmfb_path, data)
            if stablehlo is not None:
                atomic_write(vmfb_path[:-5] + ".mlir", stablehlo.encode())
            atomic_write(meta_path, json.dumps(meta, indent=1, sort_keys=True).encode())
            if lookup_key:
                atomic_write(os.path.join(self.path, "index", lookup_key + ".json"),
                             json.dumps({"key": key, "target": target}).encode())
            return vmfb_path
        except OSError as e:
            if not self._warned:
                self._warned = True
                self._warn(f"cannot write ({e}); compiled modules stay in memory only.")
            return None

    def _remove(self, *paths: str) -> None:
        for p in paths:
            try:
                os.unlink(p)
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
            if n.endswith(".json") and n.startswith("gn-"):
                try:
                    with open(p) as f:
                        meta = json.load(f)
                    entries.append(meta)
                except (OSError, ValueError):
                    pass
            if os.path.isfile(p):
                size += os.path.getsize(p)
        return {"path": self.path, "entries": len(entries), "bytes": size,
                "modules": [{"file": os.path.basename(self.entry_paths(m["key"], m["target"])[0]),
                             "target": m["target"], "spec": m.get("spec_name", "?"),
                             "size": m["size"]} for m in entries]}

    def clear(self) -> int:
        """Remove every entry; return how many modules were removed."""
        n = 0
        try:
            names = os.listdir(self.path)
        except OSError:
            return 0
        for name in names:
            p = os.path.join(self.path, name)
            if name.startswith("gn-") or name.startswith(".tmp-"):
                n += name.endswith(".vmfb")
                self._remove(p)
        shutil.rmtree(os.path.join(self.path, "index"), ignore_errors=True)
        return n
