"""iree-gn: Group Normalization authored in JAX, compiled by IREE, cached, deployable.

    >>> import numpy as np, iree_gn
    >>> x = np.random.randn(2, 64, 64, 320).astype(np.float32)
    >>> y = iree_gn.group_norm(x, groups=32)                       # TF 1.x contrib semantics
    >>> op = iree_gn.compile((None, 64, 64, 320), "float32", groups=32, activation="silu")
    >>> gamma, beta = np.ones(320, np.float32), np.zeros(320, np.float32)
    >>> y = op(x, gamma, beta)                                      # the compiled op
"""

from ._activations import ACTIVATIONS
from ._api import CompilerNotInstalled, compile, group_norm
from ._bound import aligned_array
from ._cache import CacheWarning, DiskCache, FORMAT_VERSION
from ._compiler import CompileError
from ._export import TraceError
from ._ops import CompiledGroupNorm, clear_memory_cache
from ._runtime import DeviceError, empty
from ._spec import ArgumentTypeError, GroupNormSpec, SUPPORTED_DTYPES
from ._targets import TARGETS, DeviceNotFound, Target
from ._variables import (AUTO_REUSE, GraphKeys, NamedOutput, Variable, VariableStore,
                         variable_scope)

__version__ = "0.1.0"

__all__ = [
    "ACTIVATIONS",
    "AUTO_REUSE",
    "ArgumentTypeError",
    "CacheWarning",
    "CompileError",
    "CompilerNotInstalled",
    "CompiledGroupNorm",
    "DeviceError",
    "DeviceNotFound",
    "DiskCache",
    "FORMAT_VERSION",
    "GraphKeys",
    "GroupNormSpec",
    "NamedOutput",
    "SUPPORTED_DTYPES",
    "TARGETS",
    "Target",
    "TraceError",
    "Variable",
    "VariableStore",
    "aligned_array",
    "empty",
    "clear_memory_cache",
    "compile",
    "group_norm",
    "variable_scope",
]
