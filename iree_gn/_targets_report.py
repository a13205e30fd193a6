"""``iree-gn targets``: the target table joined with the drivers and devices found here."""

from __future__ import annotations

from . import _devices, _targets


def report() -> dict:
    """Everything ``iree-gn targets`` prints: targets, drivers, devices and the fits."""
    drivers = _devices.probe()
    rows = []
    for t in _targets.TARGETS.values():
        fit = _targets.fits_here(t)
        rows.append({"target": t.name, "driver": t.driver, "runs_here": fit[0],
                     "why": fit[1], "description": t.description})
    best = None
    try:
        best = _targets.resolve("auto").name
    except Exception as e:  # pragma: no cover - llvm-cpu always fits
        best = f"none ({e})"
    return {"targets": rows, "drivers": drivers, "auto": best}


def format_report(rep: dict) -> str:
    lines = ["Drivers and devices on this machine:"]
    for name, d in rep["drivers"].items():
        if not d["available"]:
            lines.append(f"  {name:11s} -  ({d['error']})")
            continue
        for dev in d["devices"]:
            extra = ", ".join(f"{k}={dev[k]}" for k in (
                "type", "driver", "subgroup_size", "compute_capability", "gfx_arch")
                if k in dev)
            lines.append(f"  {name:11s} #{dev['index']}: {dev['name']}" + (
                f" ({extra})" if extra else ""))
    lines.append("")
    lines.append("Targets (runs here = a device for it is present):")
    for r in rep["targets"]:
        mark = "yes" if r["runs_here"] else "no "
        lines.append(f"  {r['target']:20s} {mark}  {r['description']}")
        if r["why"]:
            lines.append(f"  {'':20s}      {r['why']}")
    lines.append("")
    lines.append(f"target='auto' picks: {rep['auto']}")
    return "\n".join(lines)
