"""Shared fixtures: one compile cache for the whole session, the float64 reference."""

import os
import tempfile

import pytest

# One disk cache per test session, set before iree_gn is imported anywhere, so every test
# (and every subprocess a test starts) shares compiled modules, and nothing touches the
# user's ~/.cache.
if "IREE_GN_TEST_CACHE" not in os.environ:
    os.environ["IREE_GN_TEST_CACHE"] = tempfile.mkdtemp(prefix="iree-gn-test-cache-")
os.environ["IREE_GN_CACHE_DIR"] = os.environ["IREE_GN_TEST_CACHE"]

import sys  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))




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
