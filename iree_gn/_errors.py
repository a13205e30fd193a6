"""The package's own exception for arguments of the wrong type (shared by every checker,
so that one ``except`` catches them all)."""


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type (``groups=4.0``, ``center="yes"``): a ``TypeError``, and
    a ``ValueError`` too, as TF's checks raise for many of these and callers catch."""
