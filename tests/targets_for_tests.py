"""Which targets the numerics tests run on, each skipping with its reason when absent."""

import dataclasses

import pytest

from iree_gn import _targets


def _param(name):
    try:
        _targets.resolve(name)
        marks = []
    except _targets.DeviceNotFound as e:
        marks = [pytest.mark.skip(reason=f"no device for {name!r} here: {e}")]
    if name == "vulkan":
        marks.append(pytest.mark.vulkan)
    return pytest.param(name, id=name, marks=marks)


# llvm-cpu always; Vulkan on whatever device is present (Mesa lavapipe in CI: .ci/run
# installs it, so there it runs rather than skips).
RUN_TARGETS = [_param("llvm-cpu"), _param("vulkan")]

# The test shapes are small, so llvm-cpu compiles most of them in its one-dispatch "fused"
# formulation; this row forces the multi-dispatch "native" one that larger inputs get, so
# both CPU formulations meet every numerics test.
CPU_NATIVE = dataclasses.replace(_targets.TARGETS["llvm-cpu"], small_formulation=None)
RUN_TARGETS.insert(1, pytest.param(CPU_NATIVE, id="llvm-cpu-native"))
