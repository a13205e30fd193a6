"""TF 1.x-style variables, scopes and collections for ``group_norm``'s ``beta``/``gamma``.

``group_norm`` creates its parameters the way ``tf.contrib.layers`` does: in a variable
scope (default name ``GroupNorm``, uniquified to ``GroupNorm_1``... on later calls), as
model variables (collections ``GLOBAL_VARIABLES`` and ``MODEL_VARIABLES``, plus
``TRAINABLE_VARIABLES`` when trainable, plus any ``variables_collections``), shared only
under ``reuse``. Variables live in a :class:`VariableStore`; ``with VariableStore() as s:``
makes one current, otherwise a process-wide default store is used. A plain call (no store
entered, no scope, reuse or collections) records nothing, so it runs in flat memory; see
:func:`store_for`.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from . import _process
from ._errors import ArgumentTypeError, describe

AUTO_REUSE = "auto_reuse"
"""Pass as ``reuse`` to create variables when missing and reuse them when present."""


class GraphKeys:
    """Standard collection names (the values TF uses)."""

    GLOBAL_VARIABLES = "variables"
    MODEL_VARIABLES = "model_variables"
    TRAINABLE_VARIABLES = "trainable_variables"


class Variable:
    """A named parameter array. ``np.asarray(var)`` gives its value."""

    def __init__(self, name: str, value: np.ndarray, trainable: bool):
        self.name = name
        self._value = _aligned(value)
        self.trainable = trainable

    @property
    def shape(self):
        return self._value.shape

    @property
    def dtype(self):
        return self._value.dtype

    def numpy(self) -> np.ndarray:
        return self._value.copy()

    def read_value(self) -> np.ndarray:
        return self._value

    def assign(self, value) -> "Variable":
        """Set the value: real numbers of the variable's shape, cast to its dtype. A refused
        value leaves the variable as it was."""
        from ._bound import as_host_array  # (lazy: the store needs no runtime to import)

        # (torch tensors, with requires_grad or in bfloat16, as the ops read them)
        v = np.asarray(as_host_array(value, f"the value for variable {self.name!r}"))
        if v.dtype.kind not in "biuf" and v.dtype.name != "bfloat16":
            # Strings, complex, objects: TF's float variables refuse them; a cast would
            # store a truncated or half-written value that later calls use silently.
            raise ArgumentTypeError(
                f"cannot assign {describe(v)} to variable {self.name!r}: it holds real "
                f"numbers ({self.dtype.name}, shape {self.shape}).")
        if v.shape != self.shape:
            raise ValueError(
                f"cannot assign a value of shape {v.shape} to variable {self.name!r} of shape "
                f"{self.shape}.")
        # Cast first (a copy), then in place: the compiled op's zero-copy import of this
        # buffer stays valid, and nothing is written unless the whole value converts.
        np.copyto(self._value, v.astype(self.dtype))
        return self

    def __array__(self, dtype=None, copy=None):
        return self._value if dtype is None else self._value.astype(dtype)

    def __repr__(self) -> str:
        return f"<iree_gn.Variable {self.name!r} shape={self.shape} dtype={self.dtype.name}>"


class NamedOutput:
    """An output recorded in a collection with the scope name it was produced under."""

    def __init__(self, name: str, value: np.ndarray):
        self.name, self.value = name, value

    def __array__(self, dtype=None, copy=None):
        return self.value if dtype is None else self.value.astype(dtype)

    def __repr__(self) -> str:
        return f"<iree_gn.NamedOutput {self.name!r} shape={self.value.shape}>"


def _aligned(value: np.ndarray) -> np.ndarray:
    # 64-byte aligned storage: the CPU runtime imports it zero-copy, once, across calls.
    from ._runtime import aligned_empty

    out = aligned_empty(value.shape, value.dtype)
    np.copyto(out, value)
    return out


_CURRENT = threading.local()


class VariableStore:
    """Variables by full name, collections, and the scope-name counter.

    Safe from any thread: creating, reusing and naming take a lock (two threads asking for
    ``GroupNorm`` get ``GroupNorm`` and ``GroupNorm_1``), and each thread has its own stack
    of open ``variable_scope`` names (one thread's scope never prefixes another's calls).
    Use as a context manager to make it current (in this thread)::

        with iree_gn.VariableStore() as store:
            y = iree_gn.group_norm(x, groups=8)
            store.get_variables_by_name("beta")   # [<... 'GroupNorm/beta' ...>]
    """

    def __init__(self):
        self._vars: Dict[str, Variable] = {}
        self._collections: Dict[str, List[Any]] = {}
        self._name_counts: Dict[str, int] = {}
        # Per default name, the index its search resumes at: every lower one is taken, and
        # names are never released (one step per call, not one per earlier layer).
        self._next_index: Dict[str, int] = {}
        self._lock = threading.RLock()
        _process.new_lock_in_child(self, "_lock", threading.RLock)
        self._local = threading.local()

    @property
    def _scopes(self) -> List[str]:
        """This thread's open variable scopes (outermost first)."""
        scopes = getattr(self._local, "scopes", None)
        if scopes is None:
            scopes = self._local.scopes = []
        return scopes

    # -- current store ------------------------------------------------------------------------
    def __enter__(self) -> "VariableStore":
        stack = getattr(_CURRENT, "stack", None)
        if stack is None:
            stack = _CURRENT.stack = []
        stack.append(self)
        return self

    def __exit__(self, *exc) -> None:
        _CURRENT.stack.pop()

    # -- scopes -------------------------------------------------------------------------------
    @contextlib.contextmanager
    def variable_scope(self, name: str):
        """Prefix the names of variables created inside with ``name/``."""
        if not isinstance(name, str) or not name.strip("/"):
            raise ValueError(f"variable_scope name must be a non-empty string, got {name!r}.")
        self._scopes.append(name.strip("/"))
        try:
            yield self
        finally:
            self._scopes.pop()

    @property
    def scope_prefix(self) -> Tuple[str, ...]:
        """The open variable scopes (outermost first)."""
        return tuple(self._scopes)

    def _prefixed(self, name: str) -> str:
        return "/".join(self._scopes + [name])

    def open_scope(self, scope: Optional[str], default_name: str, reuse) -> str:
        """The full scope name for a layer call, as ``tf.variable_scope`` picks it."""
        if scope is None:
            if reuse is True:
                raise ValueError(
                    "reuse=True cannot be used without a scope: pass scope='...' naming the "
                    "layer whose variables to reuse.")
            base = self._prefixed(default_name)
            with self._lock:
                # TF's _get_unique_variable_scope: the first of base, base_1, base_2... that
                # no scope (default-named or named by the user) has opened yet.
                n = self._next_index.get(base, 0)
                name = base if n == 0 else f"{base}_{n}"
                while self._name_counts.get(name, 0):
                    n += 1
                    name = f"{base}_{n}"
                self._name_counts[name] = 1
                self._next_index[base] = n + 1
            return name
        if not isinstance(scope, str) or not scope.strip("/"):
            raise ValueError(f"scope must be a non-empty string or None, got {scope!r}.")
        full = self._prefixed(scope.strip("/"))
        # A named scope also claims its name, so a later default-named one does not collide.
        with self._lock:
            self._name_counts.setdefault(full, 1)
        return full

    # -- variables ----------------------------------------------------------------------------
    def get_variable(self, name: str, shape, dtype, initializer, *, reuse, trainable: bool,
                     collections) -> Variable:
        """Create or reuse ``name`` with TF's rules and messages."""
        with self._lock:  # the check and the creation as one step
            return self._get_variable(name, shape, dtype, initializer, reuse=reuse,
                                      trainable=trainable, collections=collections)

    def _get_variable(self, name, shape, dtype, initializer, *, reuse, trainable,
                      collections) -> Variable:
        var = self._vars.get(name)
        if var is not None:
            if reuse is None or reuse is False:
                raise ValueError(
                    f"Variable {name} already exists, disallowed. Did you mean to set "
                    f"reuse=True or reuse=iree_gn.AUTO_REUSE in the scope?")
            if tuple(var.shape) != tuple(shape):
                raise ValueError(
                    f"Trying to share variable {name}, but specified shape {tuple(shape)} and "
                    f"found shape {tuple(var.shape)}.")
            if var.dtype != dtype:
                raise ValueError(
                    f"Trying to share variable {name}, but specified dtype {np.dtype(dtype).name}"
                    f" and found dtype {var.dtype.name}.")
            return var
        if reuse is True:
            raise ValueError(
                f"Variable {name} does not exist, or was not created with group_norm. Did you "
                f"mean to set reuse=iree_gn.AUTO_REUSE or reuse=None?")
        value = initializer(tuple(shape), dtype)
        var = Variable(name, value, trainable)
        self._vars[name] = var
        keys = [GraphKeys.GLOBAL_VARIABLES, GraphKeys.MODEL_VARIABLES]
        if trainable:
            keys.append(GraphKeys.TRAINABLE_VARIABLES)
        for key in list(dict.fromkeys(keys + list(collections or []))):
            self._collections.setdefault(key, []).append(var)
        return var

    def get_variables_by_name(self, given_name: str) -> List[Variable]:
        """Variables whose last name component is ``given_name`` (e.g. ``"beta"``)."""
        with self._lock:
            return [v for n, v in self._vars.items() if n.rsplit("/", 1)[-1] == given_name]

    def get_variable_by_name(self, full_name: str) -> Variable:
        try:
            return self._vars[full_name]
        except KeyError:
            raise KeyError(
                f"no variable {full_name!r}; have {sorted(self._vars)}.") from None

    @property
    def variables(self) -> List[Variable]:
        with self._lock:
            return list(self._vars.values())

    # -- collections --------------------------------------------------------------------------
    def add_to_collections(self, keys, value) -> None:
        with self._lock:
            for key in dict.fromkeys(keys):
                self._collections.setdefault(key, []).append(value)

    def get_collection(self, key: str, scope: Optional[str] = None) -> List[Any]:
        """Items of collection ``key`` (those whose name starts with ``scope``, if given)."""
        with self._lock:
            items = list(self._collections.get(key, []))
        if scope is not None:
            items = [i for i in items if getattr(i, "name", "").startswith(scope)]
        return items


_DEFAULT = VariableStore()


def current_store() -> VariableStore:
    stack = getattr(_CURRENT, "stack", None)
    return stack[-1] if stack else _DEFAULT


def default_store() -> VariableStore:
    return _DEFAULT


def store_for(scope, reuse, variables_collections, outputs_collections):
    """The store a ``group_norm`` call records its variables in, or None for a plain call.

    TF's naming (``GroupNorm``, ``GroupNorm_1``...) is kept wherever variables are asked
    for: inside ``with VariableStore()``, under ``variable_scope``, or with a ``scope``,
    ``reuse``, ``variables_collections`` or ``outputs_collections``. A plain call outside all
    of these creates nothing: in TF each would add two variables to the graph, and a
    process-wide store that keeps them grows without bound in a serving loop (20,000 calls
    at C=4096 held 650 MB). Such a call uses fresh ``param_initializers`` values (default
    ones/zeros), exactly the values a new variable would start with.
    """
    store = current_store()
    if (store is _DEFAULT and scope is None and reuse in (None, False)
            and not variables_collections and not outputs_collections
            and not store.scope_prefix):
        return None
    return store


def plain_here() -> bool:
    """Whether a call with no scope, reuse or collections records nothing (``store_for``
    gives None): no ``with VariableStore()`` or ``variable_scope`` is open in this thread."""
    return not getattr(_CURRENT, "stack", None) and not _DEFAULT.scope_prefix


@functools.lru_cache(maxsize=64)
def constant(shape, dtype, one: bool) -> np.ndarray:
    """A shared read-only 64-byte-aligned array of ones (``one``) or zeros."""
    value = _aligned(np.full(shape, 1 if one else 0, dtype))
    value.flags.writeable = False
    return value


@contextlib.contextmanager
def variable_scope(name: str):
    """``with iree_gn.variable_scope("block1"):`` prefixes variable names in the current store."""
    with current_store().variable_scope(name) as s:
        yield s
