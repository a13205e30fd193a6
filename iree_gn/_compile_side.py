"""The compile side ([compile] extra: JAX, the IREE compiler) may be absent: a runtime-only
install runs bundles. Code that must build a module runs under :func:`compile_side`, which
turns the missing import into :class:`CompilerNotInstalled` naming the fix."""

from __future__ import annotations

import contextlib

# Top-level modules of the compile side ([compile] extra): JAX and the IREE compiler.
_COMPILE_SIDE = ("jax", "jaxlib", "iree.compiler")


class CompilerNotInstalled(ModuleNotFoundError):
    """A module must be built here, but the compile side (JAX, the IREE compiler) is not
    installed: install ``iree-gn[compile]``, or run prebuilt bundles with ``iree_gn.deploy``."""


@contextlib.contextmanager
def compile_side(what: str):
    """Turn a missing JAX / IREE compiler into :class:`CompilerNotInstalled` naming the fix."""
    try:
        yield
    except ModuleNotFoundError as e:
        name = e.name or ""
        if isinstance(e, CompilerNotInstalled) or not any(
                name == m or name.startswith(m + ".") for m in _COMPILE_SIDE):
            raise
        raise CompilerNotInstalled(
            f"{what} needs to build a module here, and {name!r} is not installed: this is a "
            f"runtime-only install of iree-gn. Install the compile side, the [compile] "
            f"extra (Python >= 3.11), from what you installed iree-gn from: "
            f"`pip install -e '.[compile]'` in a checkout, or "
            f"`pip install 'dist/iree_gn-<version>-py3-none-any.whl[compile]'`; or build a "
            f"bundle where it is installed "
            f"(`iree-gn build`) and run it here with `iree_gn.deploy.load_bundle`, which "
            f"needs only iree-base-runtime and NumPy.", name=name) from e
