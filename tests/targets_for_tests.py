"""Which targets the numerics tests run on, each skipping with its reason when absent."""

import dataclasses

import pytest

from iree_gn import _targets


# What makes the Vulkan tests run on a machine without a GPU (Debian/Ubuntu; .ci/run does it).
VULKAN_HINT = ("to run the Vulkan tests on the CPU, install Mesa lavapipe: "
               "`sudo apt-get install mesa-vulkan-drivers libvulkan1`")


def _param(name):
    try:
        _targets.resolve(name)
        marks = []
    except _targets.DeviceNotFound as e:
        hint = f" ({VULKAN_HINT})" if name.startswith("vulkan") else ""
        marks = [pytest.mark.skip(reason=f"no device for {name!r} here{hint}: {e}")]
    if name == "vulkan":
        marks.append(pytest.mark.vulkan)
    return pytest.param(name, id=name, marks=marks)


# llvm-cpu always; Vulkan on whatever device is present (Mesa lavapipe in CI: .ci/run
# installs it, so there it runs rather than skips).
RUN_TARGETS = [_param("llvm-cpu"), _param("vulkan")]

# The default llvm-cpu row runs most test shapes through the hand-written kernels
# (iree_gn/_kernels/). These rows turn them off, so that the JAX formulations meet every
# numerics test too: "fused" (one dispatch, what small inputs without a kernel get) and
# "native" (the multi-dispatch form of large inputs without a kernel).
CPU_FUSED = dataclasses.replace(_targets.TARGETS["llvm-cpu"], kernel=False)
CPU_NATIVE = dataclasses.replace(CPU_FUSED, small_formulation=None)
RUN_TARGETS[1:1] = [pytest.param(CPU_FUSED, id="llvm-cpu-fused"),
                    pytest.param(CPU_NATIVE, id="llvm-cpu-native")]
