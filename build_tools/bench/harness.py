"""Timing and evaluation shared by every benchmark (CPU tables, dynamic batch, CUDA device).

An implementation is an ``Impl``: ``prepare(case, *inputs)`` does all setup outside the
timed region and returns ``(run, back, layout)``: ``run()`` is the timed call and returns
the result, ``back(result)`` turns it into float64 arrays comparable with the reference,
``layout`` says what the implementation was handed. ``evaluate`` prepares each one, checks
its first result, then times all of them in ``ROUNDS`` rounds that visit every
implementation in turn (each round: a few warm-up calls, then its share of individually
timed calls, then a 10 ms pause so that PyTorch's OpenMP threads stop spinning before the
next one runs), so every implementation sees the same drift of load on a shared machine.
"""

from __future__ import annotations

import dataclasses
import gc
import statistics
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

# Rounds per shape (see the module docstring).
ROUNDS = 8


class Missing(Exception):
    """The peer's package is not installed."""


class Unsupported(Exception):
    """The peer cannot express this case (layout, dtype)."""


@dataclasses.dataclass(frozen=True)
class Impl:
    name: str
    prepare: Callable
    ours: bool = False


@dataclasses.dataclass
class Budget:
    repeats: int      # at most this many timed calls
    seconds: float    # ... and stop once this much time was spent (at least min_repeats)
    min_repeats: int = 5
    warmup_calls: int = 3
    warmup_seconds: float = 0.1


def wall_time(fn: Callable[[], Any]) -> float:
    """Seconds one call of ``fn`` takes on the host clock."""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def measure(fn: Callable[[], Any], budget: Budget,
            timer: Callable[[Callable[[], Any]], float] = wall_time) -> List[float]:
    """Warm up, then time calls one by one with ``timer`` (default: the host clock; the CUDA
    device script passes CUDA events); returns the per-call times in seconds. The garbage
    collector is off while timing."""
    t_end = time.perf_counter() + budget.warmup_seconds
    for i in range(1000):
        fn()
        if i + 1 >= budget.warmup_calls and time.perf_counter() >= t_end:
            break
    times: List[float] = []
    gc_was = gc.isenabled()
    gc.disable()
    try:
        t_stop = time.perf_counter() + budget.seconds
        while len(times) < budget.repeats:
            times.append(timer(fn))
            if len(times) >= budget.min_repeats and time.perf_counter() >= t_stop:
                break
    finally:
        if gc_was:
            gc.enable()
    return times


def summarize(times: Sequence[float]) -> dict:
    return {"median_s": statistics.median(times), "min_s": min(times), "max_s": max(times),
            "n": len(times)}


def time_rounds(runs: Sequence[Tuple[dict, Callable]], budget: Budget,
                rounds: Optional[int] = None, alternate: bool = False) -> None:
    """Time each ``(result row, run)`` over ``rounds`` (default ROUNDS) rounds that visit
    every implementation in turn (``alternate``: every other round in reverse order, so
    that none always goes first); add the summary (median, min, max, n) to its row, or mark
    it failed."""
    if rounds is None:
        rounds = 1 if budget.repeats < 2 * ROUNDS else ROUNDS
    share = Budget(repeats=-(-budget.repeats // rounds), seconds=budget.seconds / rounds,
                   min_repeats=max(1, budget.min_repeats // rounds),
                   warmup_calls=budget.warmup_calls,
                   warmup_seconds=budget.warmup_seconds / rounds)
    times: Dict[int, List[float]] = {id(r): [] for r, _ in runs}
    for k in range(rounds):
        for r, run in (runs[::-1] if alternate and k % 2 else runs):
            if r.get("status") == "failed":
                continue
            try:
                times[id(r)] += measure(run, share)
            except Exception as e:
                r["status"] = "failed"
                r["detail"] = f"{type(e).__name__}: {str(e)[:200]}"
            time.sleep(0.01)
    for r, _ in runs:
        if times[id(r)] and r.get("status") != "failed":
            r.update(summarize(times[id(r)]))


def _first_line(e: Exception) -> str:
    return f"{type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''}"


def evaluate(case, impls: Sequence[Impl], inputs: Sequence, check: Callable[[Any], dict],
             budget: Budget) -> List[dict]:
    """Prepare every implementation on ``inputs``, check its first result with ``check``
    (``back(result)`` -> a dict with ``status`` "ok" or why not, and the error), then time
    the prepared ones in rounds. One row per implementation, in order: a missing or
    unsupported peer, or one that fails, is a row with its status, never dropped."""
    rows, runs = [], []
    for impl in impls:
        r: Dict[str, Any] = {"impl": impl.name, "ours": impl.ours}
        try:
            run, back, layout = impl.prepare(case, *inputs)
            r["layout"] = layout
            r.update(check(back(run())))
            runs.append((r, run))
        except (Missing, Unsupported) as e:
            r["status"], r["detail"] = type(e).__name__.lower(), str(e)
        except Exception as e:  # a failing implementation is a result, not a crash
            r["status"], r["detail"] = "failed", _first_line(e)
        rows.append(r)
    time_rounds(runs, budget)
    return rows


def log_rows(rows: Sequence[dict], err_key: str, log: Callable[[str], None],
             width: int = 26) -> None:
    """One line per row: median [min-max] n, the error and the status (or why not timed)."""
    for r in rows:
        if "median_s" in r:
            log(f"  {r['impl']:{width}s} {r['median_s'] * 1e3:9.3f} ms  "
                f"[{r['min_s'] * 1e3:.3f}-{r['max_s'] * 1e3:.3f}] n={r['n']} "
                f"err={r[err_key]:.2e} {r['status']}")
        else:
            log(f"  {r['impl']:{width}s} {r['status']}: {r.get('detail', '')}")
