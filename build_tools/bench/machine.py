"""The machine a benchmark ran on: CPU, cores, caches, versions, and memory bandwidth.

The bandwidth turns each time into a fraction of the roofline: bytes that must move (the
input read once, the output written once) / copy bandwidth / time.
"""

from __future__ import annotations

import os
import platform
import threading
import time

import numpy as np


def bandwidth(nbytes: int = 256 << 20, reps: int = 7) -> dict:
    """Read (np.sum) and copy (np.copyto, read + write counted) bandwidth, bytes/s.

    Single-threaded as NumPy runs them, and with one thread per core over halves of the
    arrays (NumPy releases the GIL in both), best of ``reps``. Arrays of ``nbytes`` (256 MiB)
    are far beyond L3.
    """
    n = nbytes // 4
    a = np.ones(n, np.float32)
    b = np.empty_like(a)
    b.fill(0)  # fault the pages in
    ncores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    def threaded(work, k):
        if k == 1:
            t0 = time.perf_counter()
            work(0, n)
            return time.perf_counter() - t0
        chunk = -(-n // k)
        ts = [threading.Thread(target=work, args=(i * chunk, min(n, (i + 1) * chunk)))
              for i in range(k)]
        t0 = time.perf_counter()
        for t in ts:
            t.start()
        for t in ts:
            t.join()
        return time.perf_counter() - t0

    def read(lo, hi):
        np.sum(a[lo:hi])

    def copy(lo, hi):
        np.copyto(b[lo:hi], a[lo:hi])

    res = {"array_bytes": nbytes, "reps": reps, "threads": ncores}
    for name, work, moved in (("read", read, nbytes), ("copy", copy, 2 * nbytes)):
        for k, label in ((1, "1t"), (ncores, "all")):
            best = min(threaded(work, k) for _ in range(reps))
            res[f"{name}_{label}_Bps"] = moved / best
    # The roofline uses the best copy bandwidth: the most the machine was seen to move.
    res["roofline_Bps"] = max(res["copy_1t_Bps"], res["copy_all_Bps"])
    return res



def machine_info() -> dict:
    from importlib import metadata

    def cpuinfo(key):
        try:
            with open("/proc/cpuinfo") as f:
                for line in f:
                    if line.startswith(key):
                        return line.split(":", 1)[1].strip()
        except OSError:
            pass
        return None

    def read(path):
        try:
            with open(path) as f:
                return f.read().strip()
        except OSError:
            return None

    def version(name):
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return "missing"

    flags = (cpuinfo("flags") or "").split()
    mem = None
    for line in (read("/proc/meminfo") or "").splitlines():
        if line.startswith("MemTotal"):
            mem = f"{int(line.split()[1]) / 2**20:.1f} GiB"
    info = {
        "cpu": cpuinfo("model name") or platform.processor(),
        "cpu_features": [f for f in ("avx2", "fma", "avx512f", "avx512bw", "avx512_bf16",
                                     "avx512fp16", "amx_tile") if f in flags],
        "cores_usable": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "l3": read("/sys/devices/system/cpu/cpu0/cache/index3/size"),
        "memory": mem,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {n: version(n) for n in (
            "numpy", "iree-base-runtime", "iree-base-compiler", "jax", "jaxlib", "ml_dtypes",
            "torch", "onnxruntime", "onnx", "matplotlib")},
        "openblas_env": {k: os.environ[k] for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE",
                                                    "OMP_NUM_THREADS") if k in os.environ},
    }
    try:
        import iree_gn

        info["versions"]["iree_gn"] = iree_gn.__version__
    except Exception:
        pass
    try:
        import torch

        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        pass
    return info

