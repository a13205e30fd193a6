"""StableHLO text -> IREE ``.vmfb`` bytes, with errors that say how to reproduce them."""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import tempfile
from typing import Optional, Sequence

from . import _tuning
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

    Where ``_tuning.needed`` says so, the compile runs in two phases with the dispatch
    configurations retuned in between (see ``_tuning``). On failure the input of the phase
    that failed is kept under ``keep_dir`` (default: the system temp folder) and a
    :class:`CompileError` names the file and the command that reproduces the failure.
    """
    flags = list(compile_flags(target, dtype)) + list(extra_flags)
    tool = compiler_path()
    if timeout is None:
        # A compile that runs away (seen: >15 min for some f16 SPIR-V forms) must fail as one
        # error, not stall a build.
        timeout = float(os.environ.get("IREE_GN_COMPILE_TIMEOUT", "600"))
    with tempfile.TemporaryDirectory(prefix="iree-gn-") as tmp:
        src = os.path.join(tmp, "input.mlir")
        out = os.path.join(tmp, "module.vmfb")
        with open(src, "w") as f:
            f.write(text)
        if _tuning.needed(target.backend, dtype, text):
            cfg = os.path.join(tmp, "configured.mlir")
            _run(tool, src, flags + ["--compile-to=executable-configurations"], cfg, target,
                 keep_dir, timeout, "")
            with open(cfg) as f:
                tuned, _ = _tuning.retune(f.read())
            with open(cfg, "w") as f:
                f.write(tuned)
            src, flags = cfg, flags + ["--compile-from=executable-configurations"]
            note = " (the second phase, after _tuning.retune; its input is the kept file)"
        else:
            note = ""
        _run(tool, src, flags, out, target, keep_dir, timeout, note)
        with open(out, "rb") as f:
            return f.read()


def _run(tool: str, src: str, flags: Sequence[str], out: str, target: Target,
         keep_dir: Optional[str], timeout: float, note: str) -> None:
    cmd = [tool, src, *flags, "-o", out]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        proc = subprocess.CompletedProcess(cmd, -9, "", (
            f"iree-compile did not finish within {timeout} s (set IREE_GN_COMPILE_TIMEOUT "
            f"to allow longer).\n" + (e.stderr.decode() if isinstance(e.stderr, bytes)
                                      else e.stderr or "")))
    if proc.returncode == 0 and os.path.exists(out):
        return
    with open(src) as f:
        text = f.read()
    keep = keep_dir or tempfile.gettempdir()
    os.makedirs(keep, exist_ok=True)
    kept = os.path.join(
        keep, f"iree-gn-failed-{hashlib.sha256(text.encode()).hexdigest()[:12]}.mlir")
    with open(kept, "w") as f:
        f.write(text)
    repro = [tool, kept, *flags, "-o", "module.vmfb"]
    raise CompileError(
        f"iree-compile failed for target {target.name!r} (exit {proc.returncode}){note}; "
        f"the input is saved at {kept}.",
        repro,
        proc.stderr or proc.stdout,
        kept,
    )
