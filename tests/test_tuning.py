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


# ---- _kernels._tuning: the CPU kernels' constants from the machine's caches ------------------
import pytest  # noqa: E402

from iree_gn import _cache  # noqa: E402
from iree_gn import _kernels  # noqa: E402
from iree_gn._kernels import _select  # noqa: E402
from iree_gn._kernels import _tuning as cpu  # noqa: E402
from iree_gn._spec import GroupNormSpec  # noqa: E402


def test_default_is_the_measured_machine():
    # The cross targets' record gives exactly the constants measured on the 2-core EPYC
    # (32 KiB L1d, 1 MiB L2): the modules built for them do not change.
    d = cpu.DEFAULT
    assert (d.cf_block_bytes, d.cf_piece_bytes, d.cl_chunk_bytes, d.prefetch_bytes,
            d.cf_prefetch_bytes, d.split_workgroups) == (1 << 20, 512 << 10, 256 << 10, 4096,
                                                         1024, 16)
    assert (_select._CF_BLOCK_BYTES, _select._CL_CHUNK_BYTES, _select._PREFETCH_BYTES,
            _select._CF_PREFETCH_BYTES, _select._SPLIT_WORKGROUPS) == (
        d.cf_block_bytes, d.cl_chunk_bytes, d.prefetch_bytes, d.cf_prefetch_bytes,
        d.split_workgroups)


def test_derivation_from_given_caches():
    # A Xeon-like core: 48 KiB L1d, 2 MiB L2, 105 MiB L3, 8 CPUs.
    t = cpu.from_machine({"l1d": 48 << 10, "l2": 2 << 20, "l3": 105 << 20}, 8)
    assert t.cf_block_bytes == 2 << 20 and t.cf_piece_bytes == 1 << 20
    assert t.cl_chunk_bytes == 512 << 10
    assert t.prefetch_bytes == 4096  # 6 KiB rounded down to a power of two
    assert t.cf_prefetch_bytes == 1024
    assert t.split_workgroups == 64
    # Missing sizes take the defaults; absurd ones are clamped to a sane range.
    assert cpu.from_machine({}, 0) == cpu.DEFAULT
    tiny = cpu.from_machine({"l1d": 1, "l2": 1, "l3": 1}, 1)
    assert (tiny.cf_block_bytes, tiny.cl_chunk_bytes, tiny.prefetch_bytes,
            tiny.split_workgroups) == (256 << 10, 64 << 10, 1024, 8)
    huge = cpu.from_machine({"l1d": 1 << 30, "l2": 1 << 30}, 4096)
    assert (huge.cf_block_bytes, huge.prefetch_bytes, huge.split_workgroups) == (
        8 << 20, 16 << 10, 256)


def _index(root, name, level, kind, size, shared):
    d = root / name
    d.mkdir()
    for f, v in (("level", level), ("type", kind), ("size", size), ("shared_cpu_list", shared)):
        (d / f).write_text(f"{v}\n")


def test_read_sysfs(tmp_path):
    _index(tmp_path, "index0", 1, "Data", "48K", "0")
    _index(tmp_path, "index1", 1, "Instruction", "32K", "0")
    _index(tmp_path, "index2", 2, "Unified", "2048K", "0,64")  # shared by two hyperthreads
    _index(tmp_path, "index3", 3, "Unified", "105M", "0-63,64-127")
    assert cpu.read_sysfs(str(tmp_path)) == {"l1d": 48 << 10, "l2": 1 << 20, "l3": 105 << 20}
    assert cpu.read_sysfs(str(tmp_path / "absent")) == {}


def test_host_reads_this_machine():
    h = cpu.host()
    assert h.l1d > 0 and h.l2 > 0 and h.l3 > 0 and h.cores >= 1
    assert cpu.for_target("llvm-cpu") is h
    assert cpu.for_target("llvm-cpu:aarch64") is cpu.CROSS
    assert cpu.for_target("llvm-cpu:x86-64-v3") is cpu.CROSS
    assert cpu.for_target("vulkan:llvmpipe") is None


@pytest.fixture
def other_host(monkeypatch):
    """This machine, seen as one with 2 MiB L2 per core, 64 KiB L1d and 8 cores."""
    other = cpu.from_machine({"l1d": 64 << 10, "l2": 2 << 20, "l3": 64 << 20}, 8)
    monkeypatch.setattr(cpu, "host", lambda: other)
    return other


def _keys(target):
    flags = ("--f",)
    return (_cache.make_key(_cache.lookup_key_parts("spec", target, flags, "kernel")),
            _cache.make_key(_cache.content_key_parts("text", "spec", target, flags)))


def test_cache_keys_follow_the_host_caches(monkeypatch):
    here = {t: _keys(t) for t in ("llvm-cpu", "llvm-cpu:aarch64", "vulkan:llvmpipe")}
    other = cpu.from_machine({"l1d": 64 << 10, "l2": 2 << 20, "l3": 64 << 20}, 8)
    monkeypatch.setattr(cpu, "host", lambda: other)
    # Another cache hierarchy: the host row's lookup and content keys change (a module
    # built here is not reused there); the cross and GPU rows' do not.
    moved = _keys("llvm-cpu")
    assert moved[0] != here["llvm-cpu"][0] and moved[1] != here["llvm-cpu"][1]
    assert _keys("llvm-cpu:aarch64") == here["llvm-cpu:aarch64"]
    assert _keys("vulkan:llvmpipe") == here["vulkan:llvmpipe"]
    assert ("cpu-caches", other.key_text()) in _cache.lookup_key_parts("s", "llvm-cpu", (), "k")


def test_kernels_follow_the_target_tuning(other_host):
    # Batch-1 channels last of 1 MB or more splits its rows into split_workgroups blocks:
    # 16 with the defaults (cross targets), 64 on an 8-core host.
    spec = GroupNormSpec.create((1, 64, 64, 128), "float32", groups=32)
    with cpu.using("llvm-cpu:aarch64"):
        assert _select.split_blocks(spec) == 16
        cross = _kernels.module_text(spec)
    with cpu.using("llvm-cpu"):
        assert _select.split_blocks(spec) == 64
        host = _kernels.module_text(spec)
    assert host != cross
    # Channels-last channel blocks re-read from L2: 2x16x16x1280 float32 (1.25 MiB a sample)
    # in blocks of <= 256 KiB with the defaults, <= 512 KiB with a 2 MiB L2.
    wide = GroupNormSpec.create((2, 16, 16, 1280), "float32", groups=32)
    with cpu.using("llvm-cpu:x86-64-v3"):
        assert _select.channel_blocks(wide) == 8
    with cpu.using("llvm-cpu"):
        assert _select.channel_blocks(wide) == 4
    # Outside a build the host's record applies.
    assert cpu.current() is other_host
