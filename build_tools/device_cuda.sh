#!/usr/bin/env bash
# On the lent NVIDIA machine (the device tool), after `python build_tools/device_cuda.py prepare`
# here; carry .device (the bundle, the GPU kernel matrix in .device/kernels, the runtime wheel).
# Installs the carried runtime wheel only (no network there). Results: $OUT/cuda_results.{md,json}.
set -u
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .device/whl/*.whl || exit 1
export PYTHONPATH=/tmp/site PYTHONUNBUFFERED=1
nvidia-smi --query-gpu=name,compute_cap,clocks.mem,clocks.sm --format=csv || true
python3 -c "import iree.runtime as rt; print('iree runtime', rt.__file__)"
python3 -m iree_gn.cli targets || true
timeout 500 python3 build_tools/device_cuda.py run --out "${OUT:-.device/out}"
