"""The ``iree-gn`` command: subcommands dispatched through one table, errors handled once.

Exit codes: 0 success, 1 a command's work failed (e.g. some modules did not build, or the
compile side is not installed), 2 bad usage or input, 141 the output pipe was closed
(``iree-gn inspect B | head``), as a tool killed by SIGPIPE. Ctrl-C (SIGINT) and SIGTERM end
the command by that signal (a shell shows 130 or 143), after cleaning up (a build's worker
processes and hidden folder), as shell tools do, so a calling script stops too.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import signal
import sys
import threading
from typing import Callable, Dict, List, Optional

from ._cli_errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, CommandFailed

EXIT_BROKEN_PIPE = 141

__all__ = ["CommandFailed", "EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]


def _cache_info(args) -> int:
    from ._cache import DiskCache

    info = DiskCache().info()
    if args.json:
        print(json.dumps(info, indent=1))
        return EXIT_OK
    print(f"cache: {info['path']}")
    if info["unused"]:
        print(f"not used: {info['unused']}")
    print(f"modules: {info['entries']}, {info['bytes'] / 1e6:.2f} MB on disk")
    for m in info["modules"]:
        print(f"  {m['file']}  {m['target']}  {m['spec']}  {m['size']} B")
    return EXIT_OK


def _cache_clear(args) -> int:
    from ._cache import DiskCache

    cache = DiskCache()
    problems: List[str] = []
    try:
        n = cache.clear(problems)
    except OSError as e:  # the folder itself: a file, unreadable
        why = cache.unused_reason() if os.path.lexists(cache.path) else None
        raise CommandFailed(f"cannot clear the cache at {cache.path}: "
                            f"{why or e.strerror or e}") from None
    print(f"removed {n} module(s) from {cache.path}")
    if problems:  # (a read-only mount: say so, rather than report success)
        shown = "\n  ".join(problems[:10]) + (
            f"\n  ... and {len(problems) - 10} more" if len(problems) > 10 else "")
        raise CommandFailed(f"could not remove {len(problems)} of the cache's files or "
                            f"folders:\n  {shown}")
    return EXIT_OK


def _targets_cmd(args) -> int:
    from . import _targets_report

    report = _targets_report.report()
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print(_targets_report.format_report(report))
    return EXIT_OK


def _demo(args) -> int:
    from . import _demo

    return _demo.run(target=args.target)


# name -> (handler, help, argument adder). Adding a subcommand means adding a row.
def _commands() -> Dict[str, tuple]:
    from . import _bundle_cli

    table = {
        "demo": (_demo, "compile and run group norm; print its error and times",
                 lambda p: p.add_argument("--target", default="llvm-cpu")),
        "cache info": (_cache_info, "show the compile cache's folder and modules",
                       lambda p: p.add_argument("--json", action="store_true")),
        "cache clear": (_cache_clear, "remove every cached module", lambda p: None),
        "targets": (_targets_cmd, "list targets, drivers and devices here, and which fit",
                    lambda p: p.add_argument("--json", action="store_true")),
    }
    table.update(_bundle_cli.COMMANDS)
    return table


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="iree-gn", description="Group norm compiled by IREE: cache, targets, bundles.")
    sub = parser.add_subparsers(dest="command", required=True)
    groups: Dict[str, argparse._SubParsersAction] = {}
    for name, (handler, help_, add_args) in _commands().items():
        words = name.split()
        if len(words) == 1:
            p = sub.add_parser(words[0], help=help_)
        else:
            if words[0] not in groups:
                gp = sub.add_parser(words[0], help=f"{words[0]} commands")
                groups[words[0]] = gp.add_subparsers(dest="subcommand", required=True)
            p = groups[words[0]].add_parser(words[1], help=help_)
        add_args(p)
        p.set_defaults(handler=handler)
    return parser


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that a command cleans up as on Ctrl-C; the
    process then ends by SIGTERM."""


def _on_sigterm(signum, frame):
    raise _Terminated()


def main(argv: Optional[List[str]] = None) -> int:
    # SIGTERM (kill, a supervisor, Popen.terminate) by default ends the process at once: a
    # build left its hidden folder and its worker processes behind.
    ours = threading.current_thread() is threading.main_thread() and \
        signal.getsignal(signal.SIGTERM) is signal.SIG_DFL
    if ours:
        signal.signal(signal.SIGTERM, _on_sigterm)
    try:
        return _run(argv)
    except (_Terminated, KeyboardInterrupt) as e:
        # Cleaned up: now end as the signal's default does (a program that embeds main() must
        # stop too, not carry on; a shell running a loop of commands stops at Ctrl-C).
        sig = signal.SIGTERM if isinstance(e, _Terminated) else signal.SIGINT
        for f in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                f.flush()
        if threading.current_thread() is threading.main_thread():
            signal.signal(sig, signal.SIG_DFL)
            os.kill(os.getpid(), sig)
        return 128 + sig  # (where the signal is blocked, or off the main thread)
    finally:
        if ours:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run(argv: Optional[List[str]]) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (`iree-gn inspect B | head`): stop quietly, as a shell tool
        # killed by SIGPIPE would. Point stdout at /dev/null so that the interpreter's
        # final flush at exit does not raise the same error again.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
        return EXIT_BROKEN_PIPE


def _main(argv: Optional[List[str]]) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Callable = args.handler
    try:
        return handler(args)
    except CommandFailed as e:
        print(f"iree-gn: {e}", file=sys.stderr)
        return EXIT_FAILED
    except (ValueError, TypeError, FileNotFoundError) as e:
        print(f"iree-gn: error: {e}", file=sys.stderr)
        return EXIT_USAGE
    except ImportError as e:  # the compile side is absent (a runtime-only install)
        print(f"iree-gn: error: {e}", file=sys.stderr)
        return EXIT_FAILED
    except BrokenPipeError:
        raise  # (main's: a closed pipe is a quiet stop)
    except OSError as e:  # an unwritable -o, a full disk...: the system's words, one line
        print(f"iree-gn: error: {e}", file=sys.stderr)
        return EXIT_FAILED


if __name__ == "__main__":  # pragma: no cover
    # The exceptions main() catches live in _cli_errors, so this __main__ copy of the
    # module catches the ones the subcommands raise.
    sys.exit(main())
