"""The activation derivative of the backward kernels (``_Emitter.act_grad``, shared by the
channels-last, channels-first and GPU dispatches) at its hard points: the kinks (relu and
relu6 pass no gradient at 0 and 6, leaky_relu the slope 0.2 at 0 as in TF and PyTorch: the
derivatives JAX takes of ``_activations``, which the JAX route takes) and |z| = 100 and 20 (no inf or NaN: elu's exp,
sigmoid's and silu's exp(-z)).

x is constant over each (sample, group), exactly representable: every kernel's x - k is then
exactly 0, so var = 0, xhat = 0 and z = beta exactly, whatever the float32 rounding of the
statistics. So, with r = 1 / sqrt(epsilon): dz = dy act'(beta_c), dbeta = sum dz,
dgamma = sum dz xhat = 0, dx = r (w - mean_group(w)), w = gamma dz, in float64 here.
act'(beta_c) from ``tests/reference.py``'s hand-written table (``ACT_GRAD_REF``), which
``jax.grad`` of ``_activations`` (the JAX route) must match at these points too. Tolerance: ``GRAD_TOL["float32"]`` relative
(r and the sums are float32), dgamma 0 to within it.
"""

import numpy as np
import pytest

import iree_gn
from iree_gn import _grad, _targets
from iree_gn._kernels import ACTIVATIONS
from reference import ACT_GRAD_REF, grad_rel_error
from test_grad import GRAD_TOL

# beta per channel (C = 16): the kinks 0 and 6, far tails, ordinary values
BETA = np.array([0, 6, 100, -100, 1, -1, 0.5, -3, 0, 6, 20, -20, 2, -2, 5, 7], np.float32)
GROUPS, EPS = 4, 1e-6
NHWC, NCHW = (2, 4, 5, 16), (2, 16, 4, 5)


def _act_prime(act, z):
    return ACT_GRAD_REF[act](np.asarray(z, np.float64))


@pytest.mark.parametrize("act", ACTIVATIONS)
def test_jax_derivatives_match_the_reference_at_the_hard_points(act):
    import jax
    import jax.numpy as jnp

    from iree_gn._activations import resolve

    f = resolve(act)
    got = np.array([float(jax.grad(f)(jnp.float32(v))) for v in BETA])
    # float32 evaluation: the derivatives are O(1), so agreement to 1e-6 absolute (a few
    # float32 ulps of 1) is the test; the kinks differ by 0.2 or 1.
    np.testing.assert_allclose(got, _act_prime(act, BETA), rtol=1e-5, atol=1e-6)


def _case(act, shape, target):
    nchw = shape == NCHW
    ca, red = (1, (2, 3)) if nchw else (-1, (1, 2))
    op = iree_gn.compile(shape, "float32", groups=GROUPS, channels_axis=ca, reduction_axes=red,
                         activation=act, epsilon=EPS, target=target)
    spec = iree_gn.GroupNormSpec.create(shape, "float32", groups=GROUPS, channels_axis=ca,
                                        reduction_axes=red, activation=act, epsilon=EPS)
    form = _grad.formulation(spec, _targets.get(target))
    assert form == "kernel" or form.startswith("gpu-kernel"), form
    rng = np.random.default_rng(3)
    C, cg = BETA.size, BETA.size // GROUPS
    xc = (1.5 + np.arange(GROUPS)[None, :] + 0.25 * np.arange(shape[0])[:, None])  # [N, G]
    xc = np.repeat(xc, cg, axis=1).astype(np.float32)  # [N, C]
    x = np.broadcast_to(xc[:, :, None, None] if nchw else xc[:, None, None, :], shape).copy()
    dy = rng.standard_normal(shape).astype(np.float32)
    gamma = (1 + 0.5 * rng.random(C)).astype(np.float32)
    dx, dg, db = op.vjp(x, gamma, BETA, dy)

    # the expected cotangents, channels last [N, R, C] in float64
    dyl = (np.moveaxis(dy, 1, -1) if nchw else dy).reshape(shape[0], -1, C).astype(np.float64)
    dz = dyl * _act_prime(act, BETA)
    w = dz * gamma
    wg = w.reshape(shape[0], -1, GROUPS, cg).mean(axis=(1, 3))  # [N, G]
    ex_dx = (w - np.repeat(wg, cg, axis=1)[:, None, :]) / np.sqrt(np.float64(np.float32(EPS)))
    ex_db = dz.sum(axis=(0, 1))
    got_dx = (np.moveaxis(dx, 1, -1) if nchw else dx).reshape(ex_dx.shape)
    for name, got in (("dx", dx), ("dgamma", dg), ("dbeta", db)):
        assert np.all(np.isfinite(got)), (name, act)
    tol = GRAD_TOL["float32"]
    assert grad_rel_error(got_dx, ex_dx) <= tol, (act, grad_rel_error(got_dx, ex_dx))
    assert grad_rel_error(db, ex_db) <= tol, (act, db, ex_db)
    assert np.abs(dg).max() <= tol * np.abs(ex_db).max(), (act, dg)


@pytest.mark.parametrize("layout", ["NHWC", "NCHW"])
@pytest.mark.parametrize("act", ACTIVATIONS)
def test_cpu_kernels(act, layout):
    _case(act, NHWC if layout == "NHWC" else NCHW, "llvm-cpu")


@pytest.mark.parametrize("act", ["relu", "relu6", "leaky_relu", "elu"])
def test_gpu_kernels_on_lavapipe(act):
    t = _targets.TARGETS["vulkan:llvmpipe"]
    ok, why = _targets.fits_here(t)
    if not ok:
        pytest.skip(f"no Mesa lavapipe Vulkan device here ({why}); install mesa-vulkan-drivers")
    _case(act, NHWC if act in ("relu", "elu") else NCHW, "vulkan:llvmpipe")
