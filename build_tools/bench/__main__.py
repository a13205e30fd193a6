"""``python build_tools/bench`` (the folder) runs what ``python build_tools/bench.py`` runs."""

import os
import sys

if __package__ in (None, ""):  # run as a folder: import the package by its name
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from bench.cli import main  # noqa: E402

sys.exit(main())
