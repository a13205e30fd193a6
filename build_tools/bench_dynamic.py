#!/usr/bin/env python3
"""``python build_tools/bench_dynamic.py ...``: the dynamic-batch op against the static op
(issue 13). The code is ``build_tools/bench/dynamic.py``; ``--help`` lists the options."""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench.dynamic import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
