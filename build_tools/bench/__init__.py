"""iree_gn's benchmarks as a package: shared cases, peers, timing harness and reports.

    python build_tools/bench.py [--quick] [--shapes NAME,...] [--backward] ...   (forward, backward)
    python build_tools/bench_dynamic.py [--rounds 7] ...                          (dynamic batch)

Modules, one job each:

* ``cases``    the benchmark problems (``Case``, ``CASES``), their inputs, the group view
               (``Geometry``) and the float64 reference of a case (``tests/reference.py``);
* ``harness``  the timing (``Budget``, ``measure``, ``time_rounds``), evaluating a list of
               implementations (prepare, check against the reference, time in rounds);
* ``peers``    the forward implementations: iree_gn's two call paths, PyTorch, JAX,
               onnxruntime, NumPy;
* ``backward`` the backward implementations and tables (``--backward``);
* ``dynamic``  the dynamic-batch op against the static op (``bench_dynamic.py``);
* ``machine``  CPU, versions and memory bandwidth; ``startup``: compile and first-call
               timings in subprocesses, call overhead;
* ``report``   number formats, Markdown tables, the forward report and chart;
* ``cli``      the command line (``build_tools/bench.py`` is a shim that calls it).

``build_tools/device_cuda.py`` reuses ``cases``, ``harness`` and ``report``; nothing here
imports JAX, torch or the IREE compiler at import time, so the GPU machine (runtime only)
can import them.

The float64 reference is ``tests/reference.py``, the same module the tests check against:
it stays there (rather than moving into the package) because it must not be part of the
code under test, and the tests, which are its main users, import it as ``reference``.
Importing this package puts the repository root (for ``iree_gn``) and ``tests/`` (for
``reference``) on ``sys.path``.
"""

import os
import sys

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)  # the checkout's iree_gn, not an installed one
_TESTS = os.path.join(REPO, "tests")
if _TESTS not in sys.path:
    sys.path.append(_TESTS)  # the shared float64 reference: `import reference`
