"""Device discovery: which IREE runtime drivers and devices exist here, with the properties
that decide which target's modules run right on them.

Imports only ``iree.runtime`` and ``_runtime`` (whose ``get_driver`` every driver of this
package comes from: see there) (``_targets`` asks it which devices are present;
``_targets_report`` joins the two for ``iree-gn targets``); safe on the deploy path.
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from typing import Dict, List, Optional


def _parse_info(text: str) -> Dict[str, str]:
    props: Dict[str, str] = {}
    for line in text.splitlines():
        m = re.match(r"^([a-z_]+):\s*(.*)$", line.strip())
        if m and m.group(1) not in props:
            props[m.group(1)] = m.group(2)
    sub = re.search(r"subgroup: size=(\d+)", text)
    if sub:
        props["subgroup_size"] = sub.group(1)
    for feat in ("shaderFloat16", "shaderInt8", "storageBuffer16BitAccess", "shaderFloat64"):
        m = re.search(feat + r"=(yes|no)", text)
        if m:
            props[feat] = m.group(1)
    cc = re.search(r"compute[_ ]capability[:=]\s*(\d+)\.(\d+)", text, re.I)
    if cc:
        props["compute_capability"] = f"{cc.group(1)}.{cc.group(2)}"
    arch = re.search(r"(gfx[0-9a-f]+)", text)
    if arch:
        props["gfx_arch"] = arch.group(1)
    return props


def _nvidia_smi_caps() -> List[str]:
    # The CUDA driver's device dump may not name the compute capability; nvidia-smi does.
    exe = shutil.which("nvidia-smi")
    if not exe:
        return []
    try:
        out = subprocess.run([exe, "--query-gpu=index,uuid,compute_cap",
                              "--format=csv,noheader"],
                             capture_output=True, text=True, timeout=20).stdout
    except (OSError, subprocess.SubprocessError):
        return []
    rows = [[f.strip() for f in line.split(",")] for line in out.splitlines() if line.strip()]
    return visible_caps([r for r in rows if len(r) == 3], os.environ.get("CUDA_VISIBLE_DEVICES"),
                        os.environ.get("CUDA_DEVICE_ORDER"))


def visible_caps(rows: List[List[str]], visible: Optional[str],
                 order: Optional[str] = None) -> List[str]:
    """The compute capabilities of the GPUs CUDA shows this process, in its order, as far
    as it is known: nvidia-smi lists every GPU in PCI order; ``CUDA_VISIBLE_DEVICES``
    (indices or UUIDs, as CUDA reads it: up to the first entry that names no GPU) picks and
    orders them. CUDA numbers GPUs fastest first unless ``CUDA_DEVICE_ORDER=PCI_BUS_ID``,
    so where models differ an index (or no list) says nothing sure and the list stops
    there: a device without a known capability is left to the driver, never refused."""
    pci = order is not None and order.strip() == "PCI_BUS_ID"
    by_index = pci or len({cap for _, _, cap in rows}) <= 1
    if visible is None:
        return [cap for _, _, cap in rows] if by_index else []
    caps = []
    for item in (v.strip() for v in visible.split(",")):
        match = [cap for idx, uuid, cap in rows
                 if (item == idx and by_index) or (item and uuid.startswith(item))]
        if len(match) != 1:
            break
        caps.append(match[0])
    return caps


@functools.lru_cache(maxsize=None)
def probe() -> Dict[str, dict]:
    """driver -> {"available": bool, "error": str, "devices": [props...]} for every driver."""
    import iree.runtime as rt

    from . import _runtime

    found: Dict[str, dict] = {}
    for name in rt.query_available_drivers():
        entry = {"available": False, "error": "", "devices": []}
        try:
            drv = _runtime.get_driver(name)
            infos = drv.query_available_devices()
        except Exception as e:  # the driver's library is absent (libcuda, libamdhip64...)
            # Keep the driver's reason, not its source location.
            msg = str(e).splitlines()[0]
            entry["error"] = re.sub(r"^.*?(UNAVAILABLE|NOT_FOUND); ", "", msg).split("; please")[0]
            found[name] = entry
            continue
        caps = _nvidia_smi_caps() if name == "cuda" else []
        for i, info in enumerate(infos):
            props = {"index": i, "name": info.get("name", ""), "path": info.get("path", "")}
            try:
                props.update(_parse_info(drv.dump_device_info(info["device_id"])))
            except Exception:
                pass
            if name == "cuda" and "compute_capability" not in props and i < len(caps):
                props["compute_capability"] = caps[i]
            entry["devices"].append(props)
        entry["available"] = bool(entry["devices"])
        if not entry["devices"]:
            entry["error"] = "driver loaded but reports no device"
        found[name] = entry
    return found
