"""Backward rows of the benchmark (issue 11): ``python build_tools/bench.py --backward``.

Two tables per shape, on the forward benchmark's cases (float32 and float16; bfloat16 left
out) and the same inputs, timed in rounds that visit every implementation in turn
(``harness.ROUNDS``), medians with min-max:

* **backward alone**: iree_gn ``op.vjp(x, gamma, beta, dy, out=)`` (aligned buffers);
  PyTorch's backward of ``F.group_norm`` (``torch.autograd.grad`` on a graph built outside
  the timed region, ``retain_graph``), NCHW and ``channels_last``; ``jax.jit`` of
  ``jax.vjp`` of the forward (which recomputes the forward inside, as JAX training does).
* **forward + backward through torch autograd**: ``iree_gn.torch.group_norm`` against
  ``torch.nn.functional.group_norm``, each forward then ``torch.autograd.grad``, NCHW and
  ``channels_last`` (4-D only for the adapter's channels_last).

A fused SiLU is differentiated inside iree_gn's op and JAX's graph; PyTorch applies it as a
separate op in its graph. Every result (dx, dgamma, dbeta) is checked against the float64
reference (``tests/reference.py``: ``ref_group_norm_vjp``): the error is
``grad_rel_error`` (max |got - ref| / max |ref|) per output, the worst of the three, within
``GRAD_TOL``.
"""

from __future__ import annotations

import dataclasses
import datetime
import gc
import json
import os
from typing import Callable, List

import numpy as np

from reference import GRAD_TOL, grad_rel_error, to_f64 as _f64
from . import machine
from .cases import EPS, Geometry, make_dy, make_inputs, reference_backward
from .harness import ROUNDS, Budget, Impl, Unsupported, evaluate, log_rows
from .peers import import_torch, jax_group_norm, to_torch
from .report import fmt_ms, md_table

DTYPES = ("float32", "float16")


def prep_iree_vjp(case, x, gamma, beta, dy):
    import iree_gn

    op = iree_gn.compile(case.shape, case.dtype, activation=case.activation, **case.kwargs())
    xa, ga, ba, dya = (iree_gn.aligned_array(a) for a in (x, gamma, beta, dy))
    out = iree_gn.empty(x.shape, x.dtype)
    return (lambda: op.vjp(xa, ga, ba, dya, out=out)), (lambda res: [_f64(a) for a in res]), \
        f"{case.layout} (input's own), op.vjp, aligned buffers, out="


def _torch_graph(case, x, gamma, beta, dy, channels_last: bool):
    """Leaf tensors (x in NCHW or channels_last, gamma, beta), dy likewise, and the inverse
    permutation back to the case's layout."""
    torch = import_torch()
    geo = Geometry.of(case)
    if geo.to_cfirst is None:
        raise Unsupported("torch group_norm needs (N, C, spatial...)")
    t = to_torch(torch, np.ascontiguousarray(np.transpose(x, geo.to_cfirst)))
    d = to_torch(torch, np.ascontiguousarray(np.transpose(dy, geo.to_cfirst)))
    if channels_last:
        fmt = {4: torch.channels_last, 5: torch.channels_last_3d}[t.dim()]
        t, d = t.contiguous(memory_format=fmt), d.contiguous(memory_format=fmt)
    leaves = [t.requires_grad_()] + [to_torch(torch, a).clone().requires_grad_()
                                     for a in (gamma, beta)]
    inv = geo.inverse()

    def back(res):
        return [np.transpose(res[0].detach().to(torch.float64).numpy(), inv)] + [
            r.detach().to(torch.float64).numpy() for r in res[1:]]
    layout = ("channels_last" if channels_last else "NCHW") + (
        "" if geo.to_cfirst == tuple(range(len(case.shape))) else ", copy made outside timing")
    return torch, leaves, d, back, layout


def _prep_torch_bwd(channels_last):
    def prep(case, x, gamma, beta, dy):
        torch, leaves, d, back, layout = _torch_graph(case, x, gamma, beta, dy, channels_last)
        F = torch.nn.functional
        y = F.group_norm(leaves[0], case.groups, leaves[1], leaves[2], EPS)
        if case.activation == "silu":
            y = F.silu(y)
        return (lambda: torch.autograd.grad(y, leaves, d, retain_graph=True)), back, \
            layout + "; graph built outside timing"
    return prep


def prep_jax_vjp(case, x, gamma, beta, dy):
    gn = jax_group_norm(case)  # raises Missing without JAX
    import jax

    f = jax.jit(lambda x, g, b, dy: jax.vjp(gn, x, g, b)[1](dy))
    args = [jax.device_put(a) for a in (x, gamma, beta, dy)]
    jax.block_until_ready(f(*args))
    return (lambda: jax.block_until_ready(f(*args))), \
        (lambda res: [_f64(np.asarray(a)) for a in res]), \
        f"{case.layout} (input's own), jax.jit(jax.vjp(gn)), device arrays"


def _prep_train(ours: bool, channels_last: bool):
    def prep(case, x, gamma, beta, dy):
        torch, leaves, d, back, layout = _torch_graph(case, x, gamma, beta, dy, channels_last)
        if ours:
            if channels_last and len(case.shape) != 4:
                raise Unsupported("the adapter reads channels_last bytes in place for 4-D only")
            import iree_gn.torch as gnt

            fn = gnt.group_norm
        else:
            fn = torch.nn.functional.group_norm
        silu = case.activation == "silu"

        def run():
            y = fn(leaves[0], case.groups, leaves[1], leaves[2], EPS)
            if silu:
                y = torch.nn.functional.silu(y)
            return torch.autograd.grad(y, leaves, d)
        return run, back, layout + "; forward + torch.autograd.grad"
    return prep


BACKWARD_IMPLS = [
    Impl("iree_gn op.vjp(out=)", prep_iree_vjp, ours=True),
    Impl("torch NCHW backward", _prep_torch_bwd(False)),
    Impl("torch channels_last backward", _prep_torch_bwd(True)),
    Impl("jax.jit(jax.vjp)", prep_jax_vjp),
]
TRAIN_IMPLS = [
    Impl("iree_gn.torch NCHW fwd+bwd", _prep_train(True, False), ours=True),
    Impl("iree_gn.torch channels_last fwd+bwd", _prep_train(True, True), ours=True),
    Impl("torch NCHW fwd+bwd", _prep_train(False, False)),
    Impl("torch channels_last fwd+bwd", _prep_train(False, True)),
]


def check_backward(ref: List[np.ndarray], dtype: str) -> Callable[[list], dict]:
    """``check(got)`` -> the worst ``grad_rel_error`` of (dx, dgamma, dbeta) and status."""
    tol = GRAD_TOL[dtype]

    def check(got):
        err = max(grad_rel_error(g, r) for g, r in zip(got, ref))
        return {"rel_err": err, "status": "ok" if err <= tol else f"ERROR > tol ({tol:g})"}
    return check


def run_table(case, impls, inputs, ref, budget: Budget, log: Callable) -> List[dict]:
    rows = evaluate(case, impls, inputs, check_backward(ref, case.dtype), budget)
    peers = [r["median_s"] for r in rows if not r["ours"] and "median_s" in r]
    for r in rows:
        if "median_s" in r and peers:
            r["x_best_peer"] = r["median_s"] / min(peers)
    log_rows(rows, "rel_err", log, width=36)
    return rows


def run(cases, budget: Budget, out_dir: str, command: str, log: Callable) -> int:
    """Both tables for every float32/float16 case; exit status 1 when an iree_gn row that
    ran is not ok."""
    data = {"command": command,
            "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "load_start": os.getloadavg(), "budget": dataclasses.asdict(budget),
            "tolerance": {d: GRAD_TOL[d] for d in DTYPES}, "machine": machine.machine_info(),
            "rows": []}
    for case in cases:
        if case.dtype not in DTYPES:
            continue
        x, gamma, beta = make_inputs(case)
        dy = make_dy(case)
        ref = reference_backward(case, x, gamma, beta, dy)
        log(f"{case.name}: backward alone")
        bwd = run_table(case, BACKWARD_IMPLS, (x, gamma, beta, dy), ref, budget, log)
        log(f"{case.name}: forward + backward through torch autograd")
        train = run_table(case, TRAIN_IMPLS, (x, gamma, beta, dy), ref, budget, log)
        data["rows"].append({"case": dataclasses.asdict(case), "backward": bwd, "train": train})
        gc.collect()
    data["load_end"] = os.getloadavg()
    os.makedirs(out_dir, exist_ok=True)
    write_markdown(os.path.join(out_dir, "backward.md"), data)
    with open(os.path.join(out_dir, "backward.json"), "w") as f:
        json.dump(data, f, indent=1, default=str)
    log(f"wrote {out_dir}/backward.md, backward.json")
    bad = [(row["case"]["name"], r["impl"]) for row in data["rows"]
           for r in row["backward"] + row["train"]
           if r["ours"] and r["status"] not in ("ok", "unsupported", "missing")]
    if bad:
        log(f"iree_gn rows not ok: {bad}")
        return 1
    return 0


def _table_row(r: dict) -> list:
    if "median_s" not in r:
        return [r["impl"], "-", "-", "-", "-", r["status"], r.get("detail", "")]
    name = f"**{r['impl']}**" if r["ours"] else r["impl"]
    ratio = f"{r['x_best_peer']:.2f}x" if "x_best_peer" in r else "-"
    return [name, fmt_ms(r["median_s"]), f"{fmt_ms(r['min_s'])}-{fmt_ms(r['max_s'])}", ratio,
            f"{r['rel_err']:.1e}", r["status"], r["layout"]]


def write_markdown(path: str, data: dict) -> None:
    m = data["machine"]
    L = ["# iree_gn group norm benchmark: backward", "",
         f"Generated by `{data['command']}` on {data['date']}.", "",
         f"> **Run on a shared 2-core machine** ({m['cpu']}, {m['cores_usable']} usable cores) "
         f"while other developers were compiling and testing (load average "
         f"{data['load_start'][0]:.2f} at the start, {data['load_end'][0]:.2f} at the end): "
         f"the numbers are noisy. Medians over {ROUNDS} rounds that visit every "
         f"implementation in turn, [min-max].", "",
         "err: max |got - ref| / max |ref| over dx, dgamma, dbeta against the float64 reference "
         f"of tests/reference.py (tolerance {data['tolerance']}). x best peer: median / the "
         "fastest peer's median in the same table.", ""]
    header = ["implementation", "median ms", "[min-max]", "x best peer", "err", "status",
              "layout"]
    for row in data["rows"]:
        c = row["case"]
        L += [f"## {c['name']} ({c['note']})", ""]
        for title, key in (("backward alone", "backward"),
                           ("forward + backward through torch autograd", "train")):
            L += [f"**{title}**", ""] + md_table(header, [_table_row(r) for r in row[key]]) + [""]
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")
