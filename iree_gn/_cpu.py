"""This CPU's model and instruction-set features, as /proc/cpuinfo names them: recorded in
bundles (and checked by their loader) and part of the host row's cache key."""

from __future__ import annotations

import functools
import platform
import re
from typing import Tuple


@functools.lru_cache(maxsize=None)
def cpuinfo() -> Tuple[str, Tuple[str, ...]]:
    """(model name, feature flags) of the first CPU in /proc/cpuinfo (x86 ``flags``, Arm
    ``Features``); empty where it cannot be read."""
    model, flags = "", ()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                key, _, value = line.partition(":")
                key = key.strip().lower()
                if key in ("model name", "cpu model") and not model:
                    model = value.strip()
                elif key in ("flags", "features") and not flags:
                    flags = tuple(value.split())
    except OSError:
        pass
    return model, flags


# x86 flags that name instructions a compiler may emit (the rest of /proc/cpuinfo's flags
# are about the platform: hypervisor, constant_tsc, bugs...). On Arm every ``Features``
# entry is an instruction-set feature.
_X86_ISA = re.compile(
    r"^(sse\w*|ssse3|pni|avx\w*|fma\w*|f16c|bmi\d|abm|popcnt|movbe|amx\w*|gfni|vaes|"
    r"vpclmulqdq|adx|sha_ni|aes|pclmulqdq|cx16|lahf_lm|xsave\w*|xop|misalignsse)$")


def cpu_features() -> Tuple[str, ...]:
    """The instruction-set features of this CPU (sorted /proc/cpuinfo names)."""
    flags = cpuinfo()[1]
    if platform.machine() in ("x86_64", "AMD64", "i686"):
        flags = tuple(f for f in flags if _X86_ISA.match(f))
    return tuple(sorted(set(flags)))
