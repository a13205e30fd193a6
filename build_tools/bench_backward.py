"""Backward rows of the benchmark (issue 11): ``python build_tools/bench.py --backward``.

Two tables per shape, on the forward benchmark's cases (float32 and float16; bfloat16 left
out) and the same inputs, timed in rounds that visit every implementation in turn
(``bench.ROUNDS``), medians with min-max:

* **backward alone**: iree_gn ``op.vjp(x, gamma, beta, dy, out=)`` (aligned buffers);
  PyTorch's backward of ``F.group_norm`` (``torch.autograd.grad`` on a graph built outside
  the timed region, ``retain_graph``), NCHW and ``channels_last``; ``jax.jit`` of
  ``jax.vjp`` of the forward (which recomputes the forward inside, as JAX training does).
* **forward + backward through torch autograd**: ``iree_gn.torch.group_norm`` against
  ``torch.nn.functional.group_norm``, each forward then ``torch.autograd.grad``, NCHW and
  ``channels_last`` (4-D only for the adapter's channels_last).

A fused SiLU is differentiated inside iree_gn's op and JAX's graph; PyTorch applies it as a
separate op in its graph. Every result (dx, dgamma, dbeta) is checked against a float64
reference: the error is max |got - ref| / max |ref| per output, the worst of the three.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import os
from typing import Callable, List

import numpy as np

import bench
from bench import Budget, Geometry, Impl, Missing, Unsupported, _f64, _to_torch, _torch

TOL = {"float32": 1e-4, "float16": 1e-2}


def make_dy(case) -> np.ndarray:
    rng = np.random.default_rng(7)
    return rng.standard_normal(case.shape, dtype=np.float32).astype(bench.np_dtype(case.dtype))


def reference(case, x, gamma, beta, dy) -> List[np.ndarray]:
    """float64 (dx, dgamma, dbeta): the centered formulas on the group view."""
    geo = Geometry.of(case)
    xs = _f64(x).reshape(geo.split_shape)
    m = xs.mean(axis=geo.stat_axes, keepdims=True)
    r = 1 / np.sqrt(((xs - m) ** 2).mean(axis=geo.stat_axes, keepdims=True) + bench.EPS)
    xhat = ((xs - m) * r).reshape(geo.shape)
    g, b = _f64(gamma).reshape(geo.param_shape), _f64(beta).reshape(geo.param_shape)
    dz = _f64(dy)
    if case.activation == "silu":
        z = xhat * g + b
        s = 1 / (1 + np.exp(-z))
        dz = dz * s * (1 + z * (1 - s))
    w = (dz * g).reshape(geo.split_shape)
    xh = xhat.reshape(geo.split_shape)
    dx = r * (w - w.mean(axis=geo.stat_axes, keepdims=True)
              - xh * (w * xh).mean(axis=geo.stat_axes, keepdims=True))
    ca = case.channels_axis % len(case.shape)
    other = tuple(i for i in range(len(case.shape)) if i != ca)
    return [dx.reshape(geo.shape), (dz * xhat).sum(axis=other), dz.sum(axis=other)]


def rel_error(got: List[np.ndarray], ref: List[np.ndarray]) -> float:
    return max(float(np.abs(g - r).max() / np.abs(r).max()) for g, r in zip(got, ref))


# ---- implementations: prepare(case, x, gamma, beta, dy) -> (run, back, layout) -------------
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
    torch = _torch()
    geo = Geometry.of(case)
    if geo.to_cfirst is None:
        raise Unsupported("torch group_norm needs (N, C, spatial...)")
    t = _to_torch(torch, np.ascontiguousarray(np.transpose(x, geo.to_cfirst)))
    d = _to_torch(torch, np.ascontiguousarray(np.transpose(dy, geo.to_cfirst)))
    if channels_last:
        fmt = {4: torch.channels_last, 5: torch.channels_last_3d}[t.dim()]
        t, d = t.contiguous(memory_format=fmt), d.contiguous(memory_format=fmt)
    leaves = [t.requires_grad_()] + [_to_torch(torch, a).clone().requires_grad_()
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
        y = F.group_norm(leaves[0], case.groups, leaves[1], leaves[2], bench.EPS)
        if case.activation == "silu":
            y = F.silu(y)
        return (lambda: torch.autograd.grad(y, leaves, d, retain_graph=True)), back, \
            layout + "; graph built outside timing"
    return prep


def prep_jax_vjp(case, x, gamma, beta, dy):
    try:
        import jax
    except ImportError as e:
        raise Missing(f"jax not installed ({e})") from e
    gn = bench.jax_group_norm(case)
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
            y = fn(leaves[0], case.groups, leaves[1], leaves[2], bench.EPS)
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


def run_table(case, impls, inputs, ref, budget: Budget, log: Callable) -> List[dict]:
    tol = TOL[case.dtype]
    rows, runs = [], []
    for impl in impls:
        r = {"impl": impl.name, "ours": impl.ours}
        try:
            run, back, layout = impl.prepare(case, *inputs)
            r["layout"] = layout
            r["rel_err"] = rel_error(back(run()), ref)
            r["status"] = "ok" if r["rel_err"] <= tol else f"ERROR > tol ({tol:g})"
            runs.append((r, run))
        except (Missing, Unsupported) as e:
            r["status"], r["detail"] = type(e).__name__.lower(), str(e)
        except Exception as e:  # a failing implementation is a result, not a crash
            r["status"] = "failed"
            r["detail"] = f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"
        rows.append(r)
    bench.time_rounds(runs, budget)
    peers = [r["median_s"] for r in rows if not r["ours"] and "median_s" in r]
    for r in rows:
        if "median_s" in r and peers:
            r["x_best_peer"] = r["median_s"] / min(peers)
        if "median_s" in r:
            log(f"  {r['impl']:36s} {r['median_s'] * 1e3:9.3f} ms "
                f"[{r['min_s'] * 1e3:.3f}-{r['max_s'] * 1e3:.3f}] n={r['n']} "
                f"err={r['rel_err']:.1e} {r['status']}")
        else:
            log(f"  {r['impl']:36s} {r['status']}: {r.get('detail', '')}")
    return rows


def run(cases, budget: Budget, out_dir: str, command: str, log: Callable) -> int:
    import datetime

    data = {"command": command,
            "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "load_start": os.getloadavg(), "budget": dataclasses.asdict(budget),
            "tolerance": TOL, "machine": bench.machine_info(), "rows": []}
    for case in cases:
        if case.dtype not in TOL:
            continue
        x, gamma, beta = bench.make_inputs(case)
        dy = make_dy(case)
        ref = reference(case, x, gamma, beta, dy)
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


def write_markdown(path: str, data: dict) -> None:
    m = data["machine"]
    L = ["# iree_gn group norm benchmark: backward", "",
         f"Generated by `{data['command']}` on {data['date']}.", "",
         f"> **Run on a shared 2-core machine** ({m['cpu']}, {m['cores_usable']} usable cores) "
         f"while other developers were compiling and testing (load average "
         f"{data['load_start'][0]:.2f} at the start, {data['load_end'][0]:.2f} at the end): "
         f"the numbers are noisy. Medians over {bench.ROUNDS} rounds that visit every "
         f"implementation in turn, [min-max].", "",
         "err: max |got - ref| / max |ref| over dx, dgamma, dbeta against a float64 reference "
         f"(tolerance {data['tolerance']}). x best peer: median / the fastest peer's median in "
         "the same table.", ""]
    for row in data["rows"]:
        c = row["case"]
        L += [f"## {c['name']} ({c['note']})", ""]
        for title, key in (("backward alone", "backward"),
                           ("forward + backward through torch autograd", "train")):
            L += [f"**{title}**", "", "| implementation | median ms | [min-max] | x best peer "
                  "| err | status | layout |", "|---|---|---|---|---|---|---|"]
            for r in row[key]:
                if "median_s" in r:
                    name = f"**{r['impl']}**" if r["ours"] else r["impl"]
                    ratio = f"{r['x_best_peer']:.2f}x" if "x_best_peer" in r else "-"
                    L.append(f"| {name} | {bench._ms(r['median_s'])} | "
                             f"{bench._ms(r['min_s'])}-{bench._ms(r['max_s'])} | {ratio} | "
                             f"{r['rel_err']:.1e} | {r['status']} | {r['layout']} |")
                else:
                    L.append(f"| {r['impl']} | - | - | - | - | {r['status']} | "
                             f"{r.get('detail', '')} |")
            L.append("")
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")
