#!/usr/bin/env python3
"""``python build_tools/bench.py ...``: the benchmark's command line (``--help`` lists it).

The code is the package ``build_tools/bench/`` (cases, peers, harness, report, backward,
...); this file only keeps the documented command working. ``import bench`` from this
folder finds the package, not this file: a package directory wins over a module of the
same name on the same path entry.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench.cli import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
