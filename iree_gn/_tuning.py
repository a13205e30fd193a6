"""Lowering configurations that replace IREE's llvm-cpu defaults where they measured badly.

IREE chooses each dispatch's tile and vector sizes by heuristics. One of them is wrong for
group norm: a reduce that reads float16/bfloat16 data is vectorized as wide as one register
of *16-bit* lanes (32 lanes with AVX-512), and its float32 accumulators then need two
registers per vector, which LLVM scalarizes (a ``vfmadd213ss`` per lane): the statistics
pass of 2x64x64x320 float16 took 2.2 ms instead of 0.19 ms. :func:`retune` caps such
vectors at one float32 register. ``_compiler.compile_text`` applies it between two
``iree-compile`` phases (``--compile-to=executable-configurations``, then
``--compile-from=executable-configurations``) for the targets and dtypes :func:`needed` names.

``TAG`` goes into every cache key: change it whenever :func:`retune` changes.
"""

from __future__ import annotations

import re
from typing import Tuple

TAG = "1: 16-bit reduce vectors capped at one float32 register"

_FUNC = re.compile(r"func\.func @(\w+)\(")
_CONFIG = re.compile(r"lowering_config = #iree_cpu\.lowering_config<([^>]*)>")
_VECTOR = re.compile(r"(vector_(?:common_parallel|reduction|inner_parallel)) = \[([\d, ]*)\]")
_NATIVE = re.compile(r"native_vector_size = (\d+)")


def needed(backend: str, dtype: str, text: str = "") -> bool:
    """Whether a module for this backend and dtype, compiled from ``text``, is compiled in
    two phases with retune. Hand-written kernels (``_kernels``: a ``stream.executable``)
    carry no IREE-configured reduce to retune."""
    return backend == "llvm-cpu" and dtype in ("float16", "bfloat16") and \
        "stream.executable" not in text


def retune(text: str) -> Tuple[str, int]:
    """``text`` (the ``executable-configurations`` IR) with the configs of reduce dispatches
    that read 16-bit data capped at one float32 register per vector; and how many changed."""
    native = _NATIVE.search(text)
    if native is None:
        return text, 0
    lanes = int(native.group(1)) // 4  # float32 lanes in one register
    funcs = [(m.start(), m.group(1)) for m in _FUNC.finditer(text)]
    changed = 0
    out, last = [], 0
    for m in _CONFIG.finditer(text):
        owner = next((name for pos, name in reversed(funcs) if pos < m.start()), "")
        if "_reduction_" not in owner or not re.search(r"_b?f16(x|$)", owner):
            continue
        body = _VECTOR.sub(lambda v: f"{v.group(1)} = [" + ", ".join(
            str(min(int(n), lanes)) if int(n) > lanes else n
            for n in v.group(2).split(", ")) + "]", m.group(1))
        if body != m.group(1):
            changed += 1
            out.append(text[last:m.start(1)] + body)
            last = m.end(1)
    out.append(text[last:])
    return "".join(out), changed
