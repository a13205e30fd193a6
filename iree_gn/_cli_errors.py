"""Exit codes and the exception of the ``iree-gn`` command, shared by ``cli`` (which handles
them once) and the subcommand modules (which raise them): a module of their own, so that
neither imports the other."""

from __future__ import annotations

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


class CommandFailed(Exception):
    """A subcommand ran but did not fully succeed (exit code 1)."""
