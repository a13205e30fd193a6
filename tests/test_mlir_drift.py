"""mlir/ holds the compiler inputs of the canonical configurations; they must match a fresh
export, so that a JAX upgrade (or an op change) that alters the IR is seen in review.

The canonical configurations run hand-written kernels (kernel MLIR, no JAX), so mlir/jax/
keeps what JAX itself exports: the forward's JAX formulations and the backward. One export
of every file per module (about 2 s of JAX import and 7 traces)."""

import importlib.util
import json
import os
import shutil

import pytest

import iree_gn

from iree_gn._spec import GroupNormSpec

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MLIR = os.path.join(REPO, "mlir")
FIX = "run `python3 build_tools/gen_mlir.py` and commit mlir/ with the reason it changed"


def _gen():
    spec = importlib.util.spec_from_file_location(
        "gen_mlir", os.path.join(REPO, "build_tools", "gen_mlir.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def gen():
    return _gen()


@pytest.fixture(scope="module")
def fresh(gen):
    return gen.expected()  # one export of every configuration for the whole module


def test_mlir_matches_a_fresh_export(gen, fresh):
    problems = gen.check(MLIR, fresh)
    assert not problems, (
        "mlir/ differs from what JAX exports now:\n  " + "\n  ".join(problems)
        + f"\nIf the change is intended, {FIX}.")


def test_the_files_do_not_depend_on_this_machine(gen, monkeypatch):
    # They are rendered for the portable x86-64-v3 row: another machine's caches or vector
    # width (the host row's tuning) must not make the drift check fail there.
    import dataclasses

    from iree_gn._kernels import _tuning

    other = dataclasses.replace(_tuning.host(), l2=2 << 20, l3=128 << 20, vreg_bytes=512)
    monkeypatch.setattr(_tuning, "host", lambda: other)
    stem, spec = next((s, sp) for s, sp in gen.canonical_specs() if s.startswith("nhwc-2x32"))
    with open(os.path.join(MLIR, stem + ".mlir")) as f:
        assert gen.render(spec)[".mlir"] == f.read()


def test_canonical_set_is_small_and_complete(gen):
    stems = [stem for stem, _ in gen.canonical_specs()]
    assert len(stems) == len(set(stems)) == 16  # 4 shapes x NHWC/NCHW x f32/f16
    shapes = {tuple(s.shape) for _, s in gen.canonical_specs()}
    for nhwc in [(2, 64, 64, 320), (2, 32, 32, 640), (2, 16, 16, 1280), (8, 56, 56, 256)]:
        n, h, w, c = nhwc
        assert nhwc in shapes and (n, c, h, w) in shapes


def test_sidecars_name_the_spec_of_their_file(gen):
    for stem, spec in gen.canonical_specs():
        with open(os.path.join(MLIR, stem + ".json")) as f:
            side = json.load(f)
        assert GroupNormSpec.from_json(side["spec"]) == spec, stem
        assert side["formulation"] == iree_gn.TARGETS["llvm-cpu"].formulation_for(spec)
        with open(os.path.join(MLIR, stem + ".mlir")) as f:
            text = f.read()
        dims = "x".join(map(str, spec.shape))
        elt = {"float32": "f32", "float16": "f16"}[spec.dtype]
        assert f"tensor<{dims}x{elt}>" in text, stem
        assert "loc(" not in text, f"{stem}: debug locations would make the drift check noisy"


def test_check_reports_drift_and_stale_files(gen, fresh, tmp_path):
    folder = tmp_path / "mlir"
    shutil.copytree(MLIR, folder)
    name = sorted(n for n in os.listdir(folder) if n.endswith(".mlir"))[0]
    with open(folder / name, "a") as f:
        f.write("// an edit\n")
    (folder / "old-config.mlir").write_text("module {}\n")
    os.unlink(folder / name.replace(".mlir", ".json"))
    problems = gen.check(str(folder), fresh)
    text = "\n".join(problems)
    assert f"{name}: differs" in text
    assert name.replace(".mlir", ".json") + ": missing" in text
    assert "old-config.mlir: not a canonical configuration" in text
    assert len(problems) == 3


def test_write_then_check_is_clean(gen, fresh, tmp_path, monkeypatch):
    monkeypatch.setattr(gen, "expected", lambda: fresh)
    gen.write(str(tmp_path))
    assert gen.check(str(tmp_path), fresh) == []
    assert gen.main(["--check", "--out", str(tmp_path)]) == 0


def test_jax_goldens_are_jax_exports_of_their_sidecar(gen):
    # jax/ covers the JAX export: the forward formulations a spec without a kernel compiles
    # ("split", "native" at least) and the backward, each a StableHLO module from JAX (not
    # kernel MLIR), its sidecar naming the spec, op and formulation it was exported with.
    from iree_gn import _authoring

    entries = gen.jax_specs()
    forms = {form for _, _, op, form in entries if op == "forward"}
    assert {"split", "native"} <= forms <= set(_authoring.FORMULATIONS)
    assert {form for _, _, op, form in entries if op == "grad"} == {"plain", "barrier-upcast"}
    for stem, spec, op, form in entries:
        base = os.path.join(MLIR, gen.JAX_DIR, stem)
        with open(base + ".json") as f:
            side = json.load(f)
        assert GroupNormSpec.from_json(side["spec"]) == spec, stem
        assert (side["op"], side["formulation"], side["source"]) == (op, form, "jax"), stem
        with open(base + ".mlir") as f:
            text = f.read()
        assert text.startswith("module @jit_"), stem  # what jax.jit(...).lower() prints
        assert "stablehlo." in text and "stream.executable" not in text, stem
        assert "loc(" not in text, stem
        assert ('iree_gn.op = "grad"' in text) == (op == "grad"), stem


def test_a_changed_jax_export_is_caught(gen, fresh, monkeypatch):
    # What a JAX upgrade that changes the lowering looks like: the same op exported as
    # different StableHLO (here an extra negate pair around the result of every traced
    # function). Every jax/ file must be reported, no kernel file.
    import jax.numpy as jnp

    from iree_gn import _authoring, _backward

    def perturbed(build):
        def wrapped(*a, **k):
            fn = build(*a, **k)

            def g(*args):
                out = fn(*args)
                if isinstance(out, tuple):
                    return (jnp.negative(jnp.negative(out[0])),) + tuple(out[1:])
                return jnp.negative(jnp.negative(out))
            return g
        return wrapped

    monkeypatch.setattr(_authoring, "build", perturbed(_authoring.build))
    monkeypatch.setattr(_backward, "build", perturbed(_backward.build))
    changed = gen.jax_expected()
    problems = gen.check(MLIR, {**fresh, **changed})
    drifted = sorted(p.split(":")[0] for p in problems)
    assert drifted == sorted(n for n in changed if n.endswith(".mlir")), problems
    assert all("differs from a fresh export" in p for p in problems)
