"""The target table: every row compiles and its module holds code for its target; family
names and 'auto' follow the devices present; a missing device is a clear error."""

import os
import subprocess
import sys

import numpy as np
import pytest

import iree_gn
from iree_gn import _devices, _ops, _targets
from iree_gn._spec import GroupNormSpec

SPEC = GroupNormSpec.create((2, 4, 4, 16), "float32", groups=4, activation="silu")


@pytest.mark.parametrize("name", list(iree_gn.TARGETS))
def test_every_target_compiles_with_code_for_its_target(name):
    # CUDA (sm_80/86/89/90), ROCm (gfx90a/942/1100) and cross-compiled CPUs are compile-only
    # here; the module must still hold code for its target: the PTX `.target sm_NN` line,
    # the gfx arch of the HSA code object, or the embedded ELF format of the CPU.
    t = iree_gn.TARGETS[name]
    op = _ops.get_op(SPEC, t)
    assert t.marker in op.vmfb, f"{name}: {t.marker!r} not in the module"
    assert len(op.vmfb) > 1000


def test_sm90_module_is_ptx_for_sm90():
    op = _ops.get_op(SPEC, iree_gn.TARGETS["cuda:sm_90"])
    assert b".target sm_90" in op.vmfb and b".version 8.0" in op.vmfb
    assert b".target sm_80" not in op.vmfb


def test_aarch64_module_is_arm():
    op = _ops.get_op(SPEC, iree_gn.TARGETS["llvm-cpu:aarch64"])
    assert b"embedded-elf-arm_64" in op.vmfb and b"embedded-elf-x86_64" not in op.vmfb


def test_compile_only_target_says_so_when_called():
    op = _ops.get_op(SPEC, iree_gn.TARGETS["rocm:gfx942"])
    with pytest.raises(iree_gn.DeviceError, match=r"target 'rocm:gfx942' cannot run here: "
                                                  r"no hip device.*iree-gn build"):
        op(np.zeros((2, 4, 4, 16), np.float32), np.ones(16, np.float32), np.zeros(16, np.float32))
    op = _ops.get_op(SPEC, iree_gn.TARGETS["llvm-cpu:aarch64"])
    if op.target.driver is None:
        with pytest.raises(iree_gn.DeviceError, match=r"'llvm-cpu:aarch64' is compile-only"):
            op(np.zeros((2, 4, 4, 16), np.float32), np.ones(16, np.float32),
               np.zeros(16, np.float32))


def test_a_gpu_row_whose_device_is_absent_names_the_row_and_what_was_found(monkeypatch):
    # vulkan:ampere on a machine whose only Vulkan device is lavapipe: the row's own check
    # speaks, not IREE's pipeline-creation failure.
    monkeypatch.setattr(_devices, "probe", lambda: {"vulkan": {
        "available": True, "error": "", "devices": [
            {"index": 0, "name": "llvmpipe", "driver": "llvmpipe", "subgroup_size": "8"}]}})
    op = _ops.get_op(SPEC, iree_gn.TARGETS["vulkan:ampere"])
    with pytest.raises(iree_gn.DeviceError, match=r"target 'vulkan:ampere' cannot run here: "
                                                  r"needs a NVIDIA Vulkan device"):
        op(np.zeros((2, 4, 4, 16), np.float32), np.ones(16, np.float32), np.zeros(16, np.float32))


def test_a_cuda_row_is_left_to_the_driver_on_a_newer_gpu(monkeypatch):
    # sm_80 PTX runs on an H100 (the driver assembles it): only an absent device, or a
    # Vulkan subgroup mismatch, is refused before IREE is asked.
    monkeypatch.setattr(_devices, "probe", lambda: {"cuda": {
        "available": True, "error": "", "devices": [
            {"index": 0, "name": "NVIDIA H100", "compute_capability": "9.0"}]}})
    args = (np.zeros((2, 4, 4, 16), np.float32), np.ones(16, np.float32),
            np.zeros(16, np.float32))
    try:  # (a machine with libcuda and a GPU runs it; here opening the driver fails)
        _ops.get_op(SPEC, iree_gn.TARGETS["cuda:sm_80"])(*args)
    except iree_gn.DeviceError as e:
        assert "cannot run here" not in str(e)
    # An older GPU than the PTX, or another ROCm gfx, is refused by the row's own check.
    monkeypatch.setattr(_devices, "probe", lambda: {
        "cuda": {"available": True, "error": "", "devices": [
            {"index": 0, "name": "NVIDIA A100", "compute_capability": "8.0"}]},
        "hip": {"available": True, "error": "", "devices": [
            {"index": 0, "name": "MI210", "gfx_arch": "gfx90a"}]}})
    for name, why in (("cuda:sm_90", "needs compute capability 9.0; found 8.0"),
                      ("rocm:gfx942", "needs gfx942; found gfx90a")):
        with pytest.raises(iree_gn.DeviceError, match=f"target '{name}' cannot run here: {why}"):
            _ops.get_op(SPEC, iree_gn.TARGETS[name])(*args)


def test_a_row_runs_on_the_device_that_fits_it(monkeypatch):
    # lavapipe (installed for the tests) next to an NVIDIA GPU: both are Vulkan devices, and
    # vulkan:ampere's modules must go to the NVIDIA one, not to device 0.
    monkeypatch.setattr(_devices, "probe", lambda: {"vulkan": {
        "available": True, "error": "", "devices": [
            {"index": 0, "name": "llvmpipe", "driver": "llvmpipe", "subgroup_size": "8"},
            {"index": 1, "name": "NVIDIA H100", "driver": "NVIDIA", "subgroup_size": "32"}]}})
    assert iree_gn.TARGETS["vulkan:ampere"].device_index() == 1
    assert iree_gn.TARGETS["vulkan:llvmpipe"].device_index() == 0
    assert iree_gn.TARGETS["llvm-cpu"].device_index() == 0


@pytest.mark.parametrize("name", ["vulkan:llvmpipe", "cuda:sm_90", "rocm:gfx942",
                                  "llvm-cpu:aarch64"])
def test_ops_for_every_row_pickle(name):
    # A 'spawn' worker receives its op pickled; GPU rows hold a closure (fits), so a row
    # travels by name and comes back as the very row.
    import pickle

    op = _ops.get_op(SPEC, iree_gn.TARGETS[name])
    clone = pickle.loads(pickle.dumps(op))
    assert clone.target is iree_gn.TARGETS[name] and clone.vmfb == op.vmfb


def _module_level_act(x):
    return x * 2


def test_ops_with_callables_pickle_when_the_callable_does():
    import copy
    import pickle

    import jax

    spec = GroupNormSpec.create((2, 4, 4, 16), "float32", groups=4, activation=jax.nn.silu)
    op = _ops.get_op(spec, iree_gn.TARGETS["llvm-cpu"])
    for clone in (copy.copy(op), copy.deepcopy(op)):  # (a jitted function does not pickle)
        assert clone.spec is op.spec and clone.vmfb == op.vmfb
        x = np.ones((2, 4, 4, 16), np.float32)
        np.testing.assert_array_equal(clone(x, x[0, 0, 0], x[0, 0, 0] * 0),
                                      op(x, x[0, 0, 0], x[0, 0, 0] * 0))

    spec = GroupNormSpec.create((2, 4, 4, 16), "float32", groups=4, activation=_module_level_act)
    op = _ops.get_op(spec, iree_gn.TARGETS["llvm-cpu"])
    assert pickle.loads(pickle.dumps(op)).spec == spec
    spec = GroupNormSpec.create((2, 4, 4, 16), "float32", groups=4, activation=lambda x: x * 3)
    op = _ops.get_op(spec, iree_gn.TARGETS["llvm-cpu"])
    with pytest.raises(TypeError, match=r"this op cannot be pickled: its activation_fn "
                                        r"<function .*<lambda>.*defined at a module's top level"):
        pickle.dumps(op)


def test_unknown_target():
    with pytest.raises(ValueError, match=r"target='tpu' is not a known target"):
        _targets.resolve("tpu")


def test_auto_prefers_real_accelerators_over_software_gpus():
    t = _targets.resolve("auto")
    real = [r for r in iree_gn.TARGETS.values() if r.auto and _targets.fits_here(r)[0]]
    assert t.name == (real[0].name if real else "llvm-cpu")
    assert not iree_gn.TARGETS["vulkan:llvmpipe"].auto  # lavapipe runs on the CPU: never 'auto'


def test_family_without_device_names_target_and_what_was_found():
    if _targets.fits_here(iree_gn.TARGETS["cuda:sm_90"])[0]:
        pytest.skip("an NVIDIA GPU is present")
    with pytest.raises(_targets.DeviceNotFound, match=r"target='cuda': no device here fits "
                                                       r"any cuda target\. cuda:sm_90: "):
        iree_gn.compile((2, 4, 4, 16), groups=4, target="cuda")


def test_vulkan_family_follows_the_device():
    d = _devices.probe().get("vulkan", {})
    if not d.get("available"):
        pytest.skip(f"no Vulkan device here: {d.get('error')}")
    dev = d["devices"][0]
    t = _targets.resolve("vulkan")
    ok, _ = t.fits(dev)
    assert ok
    if dev.get("driver") == "llvmpipe":
        assert t.name == "vulkan:llvmpipe" and dev["subgroup_size"] == "8"


def test_cli_targets_lists_everything():
    env = dict(os.environ, PYTHONPATH=os.path.dirname(os.path.dirname(__file__)))
    out = subprocess.run([sys.executable, "-m", "iree_gn.cli", "targets"], env=env,
                         capture_output=True, text=True, check=True).stdout
    for name in iree_gn.TARGETS:
        assert name in out
    assert "local-task" in out and "target='auto' picks:" in out


def test_compute_capabilities_follow_cuda_visible_devices():
    # nvidia-smi lists every GPU; CUDA numbers only the visible ones, in CUDA_VISIBLE_DEVICES'
    # order (indices or UUIDs, up to the first entry naming no GPU).
    rows = [["0", "GPU-aaa", "8.0"], ["1", "GPU-bbb", "9.0"], ["2", "GPU-ccc", "8.6"]]
    pci = "PCI_BUS_ID"
    assert _devices.visible_caps(rows, None, pci) == ["8.0", "9.0", "8.6"]
    assert _devices.visible_caps(rows, "1", pci) == ["9.0"]
    assert _devices.visible_caps(rows, "2,0", pci) == ["8.6", "8.0"]
    assert _devices.visible_caps(rows, "GPU-bbb,0", pci) == ["9.0", "8.0"]
    assert _devices.visible_caps(rows, "0,7,1", pci) == ["8.0"]
    assert _devices.visible_caps(rows, "", pci) == []
    # CUDA's default order is fastest first, not nvidia-smi's PCI order: with mixed models an
    # index names no known GPU (the check is left to the driver); UUIDs still do.
    assert _devices.visible_caps(rows, None) == []
    assert _devices.visible_caps(rows, "1") == []
    assert _devices.visible_caps(rows, "GPU-ccc,GPU-aaa,1") == ["8.6", "8.0"]
    same = [["0", "GPU-aaa", "9.0"], ["1", "GPU-bbb", "9.0"]]
    assert _devices.visible_caps(same, None) == ["9.0", "9.0"]
    assert _devices.visible_caps(same, "1") == ["9.0"]
