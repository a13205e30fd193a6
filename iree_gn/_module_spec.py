"""What a compiled module says it computes: the spec, op kind and target row ``_export``
records in the ``iree.reflection`` of its ``main_out``, and the check of that record
against a claim (a bundle manifest's entry: ``deploy``; the spec a cached entry is loaded
for: ``_build``).

Kept apart from ``deploy`` so that the cache's check on a warm process's first call costs
~0.5 ms, not deploy's ~10 ms import."""

from __future__ import annotations

import json
from typing import Optional

from ._export import OP_KEY, SPEC_FUNCTION, SPEC_KEY, TARGET_KEY
from ._spec import GroupNormSpec


def reflection(vmfb: bytes) -> dict:
    """The ``iree.reflection`` entries of the module's ``main_out`` ({} without one)."""
    import iree.runtime as rt

    from . import _runtime

    vm = rt.VmModule.copy_buffer(_runtime.instance(), vmfb)
    fn = vm.lookup_function(SPEC_FUNCTION)
    return dict(fn.reflection or {}) if fn is not None else {}


def embedded_spec(vmfb: bytes) -> Optional[dict]:
    """The spec a module was built from, as it records it (``GroupNormSpec.key_text()``
    parsed; ``iree.reflection`` entry ``iree_gn.spec`` of ``main_out``, written by
    ``_export``), or None when it records none."""
    text = reflection(vmfb).get(SPEC_KEY)
    return json.loads(text) if text else None


def spec_mismatch(spec: GroupNormSpec, vmfb: bytes, kind: str = "forward",
                  target: Optional[str] = None, claimant: str = "manifest",
                  unrecorded_ok: bool = False) -> Optional[str]:
    """Why the module ``vmfb`` does not compute ``spec`` (a static spec) as the op ``kind``
    (``"forward"``, or ``"grad"``: the backward of ``_backward``) for the target row
    ``target`` (where given and the module records its row: modules of iree-gn before
    2026-12-02 do not), or None. ``claimant`` names who claims it does (in the message);
    ``unrecorded_ok``: a module that records no spec (an older iree-gn's) passes."""
    claimed = json.loads(spec.key_text())
    try:
        refl = reflection(vmfb)
        text = refl.get(SPEC_KEY)
        built = json.loads(text) if text else None
    except (RuntimeError, ValueError, TypeError) as e:
        return f"cannot read the module's own spec ({e})"
    if built is None:
        return None if unrecorded_ok else \
            "the module does not record the spec it was built from (an older iree-gn)"
    made = refl.get(OP_KEY, "forward")  # forward modules record no kind
    if made != kind:
        return f"the {claimant} lists a {kind} module, but the module is a {made} module"
    row = refl.get(TARGET_KEY)
    if target is not None and row is not None and row != target:
        return (f"the {claimant} lists it for target {target!r}, but the module was compiled "
                f"for {row!r}")
    if built == claimed:
        return None
    diff = ", ".join(f"{k}: {claimant} {claimed.get(k)!r}, module {built.get(k)!r}"
                     for k in sorted(set(claimed) | set(built))
                     if claimed.get(k) != built.get(k))
    return f"the {claimant}'s spec differs from the one the module was built from ({diff})"
