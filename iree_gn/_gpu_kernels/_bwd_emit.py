"""Emission helpers of the GPU backward dispatches: the workspace rows they add to the
forward's, and ``d = x - k`` with ``dz = dy act'(z)`` for one vector.

The backward workspace (``_bwd_module._BwdModule.ws_shape``) holds, per sample, the
forward's statistics partials, then rows of C float32 values (one per channel):
0 ``k``, 1 ``a = gamma r``, 2 ``b = beta - (mean - k) a`` (the forward's ``combine``),
3 ``r`` and 4 ``mean - k`` (the same ``combine``, for the backward), 5 ``A = r gamma``,
6 ``B``, 7 ``D`` (dx = A dz + B (x - k) + D, written by ``coef``), 8 the sample's dbeta
part (sum dz), 9 its dgamma part (sum dz xhat), 10 and 11 (sample 0's only) the parameter
gradients over the batch in result order (``reduce``; the host slices them out), then the
dz partials: row 12 + 2 kb + j holds sum j (0: dz, 1: dz (x - k)) of row block or chunk kb.
"""

from __future__ import annotations

from typing import Optional, Tuple

from ._emit import _Func

(ROW_K, ROW_A, ROW_B, ROW_R, ROW_M, ROW_CA, ROW_CB, ROW_CD, ROW_DB, ROW_DG, ROW_PG,
 ROW_DZ) = range(12)


def d_and_dz(m, f: _Func, ind: str, x: str, dy: str, V: str, kv: Optional[str],
             ab: Optional[Tuple[str, str]]) -> Tuple[str, str]:
    """``d = x - k`` (x itself with ``mean_close_to_zero``: k is 0) and ``dz``: dy, or
    ``dy act'(z)`` with ``z = d a + b`` (``ab``: the vectors a and b) with an activation
    (``_Emitter.act_grad``, the CPU kernels' too). ``V``: a vector type. Emits once per
    region (fixed names)."""
    d = x
    if kv is not None:
        f.e(f"{ind}%qd = arith.subf {x}, {kv} : {V}")
        d = "%qd"
    if m.spec.activation is None:
        return d, dy
    f.e(f"{ind}%qz = math.fma {d}, {ab[0]}, {ab[1]} : {V}")
    return d, f.act_grad(ind, "%qdz", "%qz", dy, V, lanes=True)
