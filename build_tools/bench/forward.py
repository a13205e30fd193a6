"""The forward tables: every implementation of ``peers.IMPLS`` on every case, against the
float64 reference, timed in rounds, with a same-size copy as the practical floor.

The machine's memory bandwidth (``machine.bandwidth``) turns each time into a fraction of
the roofline: (input bytes + output bytes) / copy bandwidth / time; a same-size
``np.copyto`` per shape is the practical floor (inputs of 2-34 MB stay partly in L3).
Writes ``results.md``, ``results.json`` and ``chart.png``.
"""

from __future__ import annotations

import dataclasses
import datetime
import gc
import json
import os
from typing import Any, Callable, Dict, Sequence

import numpy as np

import reference
from . import machine, report, startup
from .cases import CASES_BY_NAME, Case, check_forward, make_inputs, reference_forward
from .harness import Budget, Impl, evaluate, log_rows, measure, summarize
from .peers import IMPLS


def run_case(case: Case, impls: Sequence[Impl], budget: Budget, bw: dict,
             log: Callable[[str], None]) -> dict:
    x, gamma, beta = make_inputs(case)
    ref = reference_forward(case, x, gamma, beta)
    moved = 2 * x.nbytes  # read the input once, write the output once
    dst = np.empty_like(x)
    copy = summarize(measure(lambda: np.copyto(dst, x), budget))
    roof_s = moved / bw["roofline_Bps"]
    log(f"{case.name}: copy {copy['median_s'] * 1e3:.3f} ms, roofline "
        f"{roof_s * 1e3:.3f} ms")
    results = evaluate(case, impls, (x, gamma, beta), check_forward(ref, case.dtype), budget)
    for r in results:
        if "median_s" in r:
            r["roofline_frac"] = roof_s / r["median_s"]
            r["x_copy"] = r["median_s"] / copy["median_s"]
    log_rows(results, "max_abs_err", log)
    return {"case": dataclasses.asdict(case), "bytes_moved": moved, "copy": copy,
            "roofline_s": roof_s, "tolerance": reference.TOL[case.dtype], "results": results}


def run(cases: Sequence[Case], budget: Budget, args, command: str,
        log: Callable[[str], None]) -> int:
    """The whole forward benchmark; exit status 1 when an iree_gn row is not ok."""
    data: Dict[str, Any] = {
        "command": command,
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "load_start": os.getloadavg(), "budget": dataclasses.asdict(budget),
        "tolerance": reference.TOL, "targets": startup.TARGETS}
    data["machine"] = machine.machine_info()
    log(f"machine: {data['machine']['cpu']}, {data['machine']['cores_usable']} cores")
    data["bandwidth"] = bw = machine.bandwidth(64 << 20, 3) if args.quick else machine.bandwidth()
    log(f"bandwidth: read {bw['read_1t_Bps'] / 1e9:.1f}/{bw['read_all_Bps'] / 1e9:.1f} GB/s, "
        f"copy {bw['copy_1t_Bps'] / 1e9:.1f}/{bw['copy_all_Bps'] / 1e9:.1f} GB/s (1t/all)")
    if not args.no_startup:
        _startup(data, cases, args, log)
    ov_budget = Budget(repeats=200 if args.quick else 5000, seconds=0.3 if args.quick else 3.0)
    data["overhead"] = startup.call_overhead(ov_budget)
    log("call overhead: op(out=) {} / group_norm {}".format(
        report.fmt_us(data["overhead"]["op_call_overhead_s"]["median_s"]),
        report.fmt_us(data["overhead"]["group_norm_call_overhead_s"]["median_s"])))
    data["rows"] = []
    for case in cases:
        data["rows"].append(run_case(case, IMPLS, budget, bw, log))
        gc.collect()
    data["load_end"] = os.getloadavg()
    _write(args.out, data, log)
    bad = [(row["case"]["name"], r["impl"]) for row in data["rows"] for r in row["results"]
           if r["ours"] and r["status"] != "ok"]
    if bad:
        log(f"iree_gn rows not ok: {bad}")
        return 1
    return 0


def _startup(data: dict, cases: Sequence[Case], args, log: Callable[[str], None]) -> None:
    sc = CASES_BY_NAME[args.startup_shape] if args.startup_shape else (
        cases[0] if args.quick else CASES_BY_NAME["2x64x64x320"])
    log(f"startup timings on {sc.name} (subprocesses)...")
    try:
        data["startup"] = s = startup.startup(sc, 1 if args.quick else 3,
                                              1 if args.quick else 5)
        log(f"  cold compile {s['cold_compile_s']:.2f} s (second config "
            f"{s['second_compile_s']:.2f} s); warm import+first call "
            f"{s['warm_first_call_s']:.3f} s, process {s['warm_process_wall_s']:.2f} s")
    except Exception as e:
        data["startup_error"] = str(e)
        log(f"  startup timing failed: {e}")


def _write(out: str, data: dict, log: Callable[[str], None]) -> None:
    chart = os.path.join(out, "chart.png")
    err = report.write_chart(chart, data)
    if err:
        data["chart"], data["chart_error"] = None, err
    else:
        data["chart"] = chart
    report.write_markdown(os.path.join(out, "results.md"), data)
    out_json = dict(data)
    if out_json.get("chart"):
        out_json["chart"] = os.path.basename(out_json["chart"])
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump(out_json, f, indent=1, default=str)
    log(f"wrote {out}/results.md, results.json" + ("" if err else ", chart.png"))
