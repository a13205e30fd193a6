"""The float64 reference itself, against exact decimal arithmetic.

Every numerics test trusts ``reference.ref_group_norm``; at |mean| >> std its float64
result must still be accurate to float64 rounding of the *normalized* value, or a correct
float64 module is reported wrong (fuzz seeds 5088 and 5167: 5e-10..9e-10 off at mean 1e4).
"""

from decimal import Decimal, localcontext

import numpy as np
import pytest

from reference import ref_group_norm


def _exact_group_norm(x, groups, epsilon):
    """(x - mean) / sqrt(var + epsilon) per group of the last axis, over all other axes, in
    60 digits.

    Decimal(float) is exact, so only the final sqrt and division round (to 1e-60)."""
    n_ch = x.shape[-1]
    cg = n_ch // groups
    y = np.empty(x.shape)
    with localcontext() as ctx:
        ctx.prec = 60
        for g in range(groups):
            xs = x[..., g * cg:(g + 1) * cg]
            d = [Decimal(float(v)) for v in xs.ravel()]
            m = sum(d) / len(d)
            v = sum((a - m) ** 2 for a in d) / len(d)
            s = (v + Decimal(epsilon)).sqrt()
            y[..., g * cg:(g + 1) * cg] = np.array([float((a - m) / s) for a in d]
                                                   ).reshape(xs.shape)
    return y


@pytest.mark.parametrize("mean,std", [(0.0, 1.0), (1e4, 1e-3), (-3e5, 0.5), (1e4, 0.16)])
def test_reference_is_float64_accurate_at_large_mean(mean, std, rng):
    # Bound 4e-16 absolute on |y| < ~4: a few float64 roundings of unit-scale values. The
    # old reference rounded the mean to float64 (error up to 2^-53 |mean|) before
    # subtracting it: eps/2 * |mean| / std = 5.6e-10 relative at mean 1e4, std 1e-3.
    x = mean + std * rng.standard_normal((6, 12))  # (W, C): no batch axis
    x[0] = mean  # a group member equal to the mean's float64 rounding
    ref = ref_group_norm(x, 4, -1, (-2,), epsilon=1e-6)
    exact = _exact_group_norm(x, 4, 1e-6)
    err = np.abs(ref - exact).max()
    assert err < 4e-16 * max(1.0, np.abs(exact).max()), err


def test_max_abs_bound_is_what_assert_close_accepts(rng):
    # The benchmarks' single-number bound (reference.max_abs_bound) must accept exactly what
    # assert_close accepts at the largest |ref|: an error just inside passes both, just
    # outside fails assert_close at that element.
    from reference import TOL, assert_close, max_abs_bound

    ref = 3.0 * rng.standard_normal((4, 8))
    i = np.unravel_index(np.abs(ref).argmax(), ref.shape)
    for dtype in ("float32", "float16", "float64"):
        b = max_abs_bound(ref, dtype)
        assert b == pytest.approx(TOL[dtype]["atol"] + TOL[dtype]["rtol"] * np.abs(ref).max())
        got = ref.copy()
        got[i] += 0.99 * b * np.sign(ref[i])
        assert_close(got, ref, dtype)
        got[i] = ref[i] + 1.01 * b * np.sign(ref[i])
        with pytest.raises(AssertionError):
            assert_close(got, ref, dtype)


def test_grad_tolerances_cover_every_dtype_of_the_forward():
    from reference import GRAD_TOL, TOL

    assert set(GRAD_TOL) == set(TOL)
    assert all(0 < GRAD_TOL[d] < 0.1 for d in GRAD_TOL)
