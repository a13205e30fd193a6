"""Run a test scenario in a fresh interpreter (forks, the interpreter's exit: what a
pytest process cannot do to itself)."""

import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_ok(code: str, what: str = "a forked child") -> None:
    """Run ``code`` with this checkout's ``iree_gn``; it must print "ok" last, exit 0 within
    240 s (else the test fails saying that ``what`` hung) and print no leak report."""
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    try:
        proc = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, timeout=240)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"{what} hung (240 s): {e.stdout!r} {e.stderr!r}"[-2000:])
    assert proc.returncode == 0 and proc.stdout.strip().endswith("ok"), \
        (proc.returncode, proc.stderr[-3000:])
    # (Objects kept alive on purpose at exit are not to be listed as leaks to the user.)
    assert "nanobind: leaked" not in proc.stderr, proc.stderr[:2000]
