"""Which targets the numerics tests run on, each skipping with its reason when absent."""

import pytest

RUN_TARGETS = [pytest.param("llvm-cpu", id="llvm-cpu")]
