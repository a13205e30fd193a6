"""_tuning.retune: which dispatch configurations it rewrites, and only those."""

from iree_gn import _tuning

_IR = """
  hal.executable.variant public @x target(<"llvm-cpu", "embedded-elf-x86_64", {native_vector_size = 64 : i64}>) {
    func.func @main_dispatch_2_reduction_2x4x320x1024_f16xf32xf32xf32() {
      %8 = linalg.generic {lowering_config = #iree_cpu.lowering_config<distribution = [1, 1, 160, 0], vector_common_parallel = [1, 1, 32, 0], vector_reduction = [0, 0, 0, 1]>}
    }
    func.func @main_dispatch_3_reduction_640x4x1024_bf16xf32xf32xf32() {
      %8 = linalg.generic {lowering_config = #iree_cpu.lowering_config<distribution = [64, 4, 0], vector_common_parallel = [1, 4, 0], vector_reduction = [0, 0, 32]>}
    }
    func.func @main_dispatch_4_elementwise_2x4096x320_f16xf32xf16() {
      %9 = linalg.generic {lowering_config = #iree_cpu.lowering_config<distribution = [1, 512, 320], vector_common_parallel = [1, 1, 32]>}
    }
    func.func @main_dispatch_5_reduction_2x320x4_f32() {
      %9 = linalg.generic {lowering_config = #iree_cpu.lowering_config<distribution = [1, 64, 0], vector_common_parallel = [1, 32, 0], vector_reduction = [0, 0, 1]>}
    }
"""


def test_retune_caps_only_16_bit_reduce_vectors():
    out, n = _tuning.retune(_IR)
    assert n == 2
    assert "vector_common_parallel = [1, 1, 16, 0], vector_reduction = [0, 0, 0, 1]" in out
    assert "vector_common_parallel = [1, 4, 0], vector_reduction = [0, 0, 16]" in out
    # elementwise 16-bit and float32 reduce dispatches keep IREE's choice
    assert "distribution = [1, 512, 320], vector_common_parallel = [1, 1, 32]" in out
    assert "distribution = [1, 64, 0], vector_common_parallel = [1, 32, 0]" in out
    assert out.count("\n") == _IR.count("\n")


def test_retune_follows_the_register_width():
    avx2 = _IR.replace("native_vector_size = 64", "native_vector_size = 32")
    out, n = _tuning.retune(avx2)
    assert n == 2 and "vector_common_parallel = [1, 1, 8, 0]" in out


def test_retune_needs_the_target_attributes():
    assert _tuning.retune("func.func @f() {}") == ("func.func @f() {}", 0)
    assert _tuning.needed("llvm-cpu", "float16") and _tuning.needed("llvm-cpu", "bfloat16")
    assert not _tuning.needed("llvm-cpu", "float32") and not _tuning.needed("vulkan", "float16")
    # A hand-written kernel module has no IREE-configured reduce to retune.
    assert not _tuning.needed("llvm-cpu", "float16", "stream.executable private @gn_kernel")
