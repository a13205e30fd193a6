"""Shared fixtures: one compile cache for the whole session, the float64 reference."""

import os
import tempfile

import pytest

# One disk cache per test session, set before iree_gn is imported anywhere, so every test
# (and every subprocess a test starts) shares compiled modules, and nothing touches the
# user's ~/.cache.
_OWN_CACHE = None  # the session's own folder, removed at its end (a given one is kept)
if "IREE_GN_TEST_CACHE" not in os.environ:
    _OWN_CACHE = os.environ["IREE_GN_TEST_CACHE"] = tempfile.mkdtemp(
        prefix="iree-gn-test-cache-")
os.environ["IREE_GN_CACHE_DIR"] = os.environ["IREE_GN_TEST_CACHE"]

import sys  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))




def pytest_unconfigure(config):
    if _OWN_CACHE is not None:  # (each run left ~30 MB in /tmp)
        import shutil

        shutil.rmtree(_OWN_CACHE, ignore_errors=True)


def pytest_terminal_summary(terminalreporter):
    # Vulkan tests skip on a machine without a Vulkan device: say so at the end of every run
    # (also under -q), with what makes them run, rather than leave a row of "s".
    from targets_for_tests import VULKAN_HINT

    n = sum(1 for r in terminalreporter.stats.get("skipped", [])
            if "Mesa lavapipe" in str(getattr(r, "longrepr", "")))
    if n:
        terminalreporter.write_line(f"{n} Vulkan test(s) skipped: no Vulkan device here; "
                                    f"{VULKAN_HINT}.", yellow=True)


@pytest.fixture
def rng(request):
    # A seed per test, derived from its name: fresh inputs per check, reproducible runs.
    import numpy as np
    import zlib

    return np.random.default_rng(zlib.crc32(request.node.nodeid.encode()))
