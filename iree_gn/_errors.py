"""The package's own exception for arguments of the wrong type (shared by every checker,
so that one ``except`` catches them all)."""

import numpy as np


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type (``groups=4.0``, ``center="yes"``): a ``TypeError``, and
    a ``ValueError`` too, as TF's checks raise for many of these and callers catch."""


def describe(value: np.ndarray) -> str:
    """A short description of a refused value for messages (an object's repr, else its
    dtype and first elements)."""
    return repr(value.item()) if value.shape == () and value.dtype.kind == "O" else (
        f"an array of dtype {value.dtype} ({np.array2string(value, threshold=4)})")
