"""StableHLO text -> IREE ``.vmfb`` bytes, with errors that say how to reproduce them."""

from __future__ import annotations

import hashlib
import math
import os
import re
import shlex
import subprocess
import tempfile
from typing import Optional, Sequence

from . import _cache, _process, _tuning
from ._targets import Target

# Flags every module gets: the input dialect. float64 specs also keep f64 (IREE demotes
# f64 to f32 by default, which would silently compute float64 inputs in float32).
_BASE_FLAGS = ("--iree-input-type=stablehlo",)
_F64_FLAGS = ("--iree-input-demote-f64-to-f32=false",)


class CompileError(RuntimeError):
    """``iree-compile`` failed. Keeps the command, the diagnostics and the input file.

    Attributes:
      command: the full command line (a list).
      diagnostics: the compiler's stderr.
      input_path: where the StableHLO input was saved, so the command can be rerun.
    """

    def __init__(self, message: str, command: Sequence[str], diagnostics: str, input_path: str):
        self.command = list(command)
        self.diagnostics = diagnostics
        self.input_path = input_path
        super().__init__(
            f"{message}\n--- iree-compile diagnostics ---\n{diagnostics.strip()}\n"
            f"--- reproduce with ---\n{shlex.join(self.command)}"
        )


def compiler_path() -> str:
    from iree.compiler.tools import binaries

    return binaries.find_tool("iree-compile")


def compile_flags(target: Target, dtype: str) -> tuple:
    """The exact flags for ``target`` (what the cache key records)."""
    return _BASE_FLAGS + target.flags + (_F64_FLAGS if dtype == "float64" else ())


def compile_text(
    text: str, target: Target, dtype: str, *, keep_dir: Optional[str] = None,
    extra_flags: Sequence[str] = (),
    timeout: Optional[float] = None,
) -> bytes:
    """Compile StableHLO ``text`` for ``target``; return the ``.vmfb`` bytes.

    The input goes to ``iree-compile`` on stdin and the module comes back on stdout: the
    module embeds the name of its input file, so a temp path would make every compile of
    the same text give different bytes (4 compiles, 4 sha256s); through stdin the bytes
    depend on the text and flags alone, and racing cache writers write identical entries.

    Where ``_tuning.needed`` says so, the compile runs in two phases with the dispatch
    configurations retuned in between (see ``_tuning``). On failure the input of the phase
    that failed is kept (see :func:`keep_failed`) and a :class:`CompileError` names that
    file, the compiler's diagnostics (pointing into it) and the command that reproduces it.
    """
    flags = list(compile_flags(target, dtype)) + list(extra_flags)
    tool = compiler_path()
    if timeout is None:
        timeout = compile_timeout()
    note = ""
    if _tuning.needed(target.backend, dtype, text):
        cfg = _run(tool, text, flags + ["--compile-to=executable-configurations"], target,
                   keep_dir, timeout, "", dtype)
        text, _ = _tuning.retune(cfg.decode())
        flags = flags + ["--compile-from=executable-configurations"]
        note = " (the second phase, after _tuning.retune; its input is the kept file)"
    return _run(tool, text, flags, target, keep_dir, timeout, note, dtype)


def compile_timeout() -> float:
    """Seconds one ``iree-compile`` run may take: ``$IREE_GN_COMPILE_TIMEOUT``, default 600.
    A compile that runs away (seen: >15 min for some f16 SPIR-V forms) must fail as one
    error, not stall a build."""
    given = os.environ.get("IREE_GN_COMPILE_TIMEOUT", "").strip()
    if not given:
        return 600.0
    try:
        value = float(given)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise ValueError(
            f"IREE_GN_COMPILE_TIMEOUT={given!r} is not valid: it must be a positive, finite "
            f"number of seconds (default 600; e.g. 1800 for a slow machine). Unset it or "
            f"fix it.")
    return value


def _run(tool: str, text: str, flags: Sequence[str], target: Target,
         keep_dir: Optional[str], timeout: float, note: str, dtype: str) -> bytes:
    cmd = [tool, "-", *flags, "-o", "-"]
    try:
        # (the compiler dies with this process: a killed kernel or pool worker left it
        # running, orphaned, to its end)
        proc = subprocess.run(_process.dying_with_this_process(cmd), input=text.encode(),
                              capture_output=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        proc = subprocess.CompletedProcess(cmd, -9, b"", (
            f"iree-compile did not finish within {timeout} s (set IREE_GN_COMPILE_TIMEOUT "
            f"to allow longer).\n").encode() + (e.stderr or b""))
    if proc.returncode == 0 and proc.stdout:
        return proc.stdout
    kept = keep_failed(text, keep_dir)
    diagnostics = (proc.stderr or proc.stdout or b"").decode(errors="replace")
    if kept is None:
        where = "its input could not be saved (no writable folder); get it from the op's spec"
        kept = "input.mlir"
    else:
        where = f"the input is saved at {kept}"
        diagnostics = diagnostics.replace("<stdin>", kept)  # now they point into that file
    raise CompileError(
        f"{_explain(diagnostics, target, dtype)}iree-compile failed for target "
        f"{target.name!r} (exit {proc.returncode}){note}; {where}.",
        [tool, kept, *flags, "-o", "module.vmfb"],
        diagnostics,
        kept,
    )


# IREE 3.13's llvm-cpu backend lowers some float64 math (tanh, sin, cos, ... of a callable
# activation) to libm calls, which the modules' static link cannot resolve.
_UNDEFINED = re.compile(r"undefined symbol: (\w+)")


def _explain(diagnostics: str, target: Target, dtype: str) -> str:
    """A first line that says what a known failure means and what to do, or ""."""
    if target.backend == "llvm-cpu" and "exceeded stack allocation limit" in diagnostics:
        # Measured: op.vjp of a callable softmax over the channels of 2x320x16x16 NCHW
        # (61,440 bytes); 2x128x16x16 and NHWC 4x32x32x320 compile.
        return ("IREE 3.13's llvm-cpu code for this module needs more than its 32 KiB stack "
                "(below), as a callable activation that reduces along a strided axis (a "
                "softmax over the channels of channels-first data) can; channels-last data "
                "or an elementwise activation compile.\n")
    names = sorted(set(_UNDEFINED.findall(diagnostics)))
    if dtype != "float64" or target.backend != "llvm-cpu" or not names:
        return ""
    fns = ", ".join(names)
    return (f"float64 {fns} cannot be compiled for llvm-cpu by IREE 3.13 (its static link "
            f"lacks libm's {fns}: 'undefined symbol' below); in activation_fn use a named "
            f"activation instead ('tanh', 'gelu', 'silu'...: iree-gn computes those in "
            f"float64 itself), or float32 inputs.\n")


# How many failed inputs the cache's failed/ folder keeps (the newest).
FAILED_KEEP = 16
_FAILED_NAME = re.compile(r"iree-gn-failed-[0-9a-f]{16}\.mlir")


def keep_failed(text: str, keep_dir: Optional[str] = None) -> Optional[str]:
    """Save the input of a failed compile; return its path (None if no folder took it).

    The name is the text's sha256, so a repeated failure rewrites one file rather than
    adding one. The file goes to ``keep_dir`` if given, else to the cache's ``failed/``
    folder, which keeps the newest ``FAILED_KEEP``; where the cache is unusable, to the
    system temp folder.
    """
    name = f"iree-gn-failed-{hashlib.sha256(text.encode()).hexdigest()[:16]}.mlir"
    folders = [keep_dir] if keep_dir else [_cache.DiskCache().failed_dir(), None]
    for folder in folders:
        if folder is None:
            folder = tempfile.gettempdir()
        try:
            os.makedirs(folder, mode=0o700, exist_ok=True)
            path = os.path.join(folder, name)
            _cache.atomic_write(path, text.encode())
        except OSError:
            continue
        if not keep_dir and folder != tempfile.gettempdir():
            _prune(folder, FAILED_KEEP)
        return path
    return None


def _prune(folder: str, keep: int) -> None:
    """Remove all but the newest ``keep`` failed inputs in ``folder``."""
    try:
        files = [os.path.join(folder, n) for n in os.listdir(folder)
                 if _FAILED_NAME.fullmatch(n)]  # (exactly keep_failed's names: not a user's)
        files.sort(key=lambda p: os.stat(p).st_mtime, reverse=True)
    except OSError:
        return
    for p in files[keep:]:
        try:
            os.unlink(p)
        except OSError:
            pass
