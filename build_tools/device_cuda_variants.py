"""Build formulation/flag variants of the benchmark shapes for cuda:sm_90 into
.device/variants (timed and checked by device_cuda.py run), to find the fastest form."""
import sys, os, json, time
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)
from iree_gn._spec import GroupNormSpec
from iree_gn._export import stablehlo_text
from iree_gn import _targets
from iree_gn._compiler import compile_text
out = os.path.join(REPO, ".device", "variants"); os.makedirs(out, exist_ok=True)
t90 = _targets.get("cuda:sm_90")
variants = {
  "split": (t90, "split", ()),
  "split-O2": (t90, "split", ("--iree-opt-level=O2",)),
  "barrier-O2": (t90, "barrier", ("--iree-opt-level=O2",)),
}
shapes = [((2,64,64,320),"float32"), ((16,128,128,320),"float32"), ((8,56,56,256),"float32"), ((16,128,128,320),"float16")]
man = []
for (shape, dt) in shapes:
    spec = GroupNormSpec.create(shape, dt, groups=32)
    for vname, (t, form, extra) in variants.items():
        t0 = time.time()
        try:
            data = compile_text(t.prepare(stablehlo_text(spec, form)), t, dt, extra_flags=extra, timeout=120)
        except Exception as e:
            print(vname, shape, "FAILED", str(e)[:300]); continue
        fn = f"{spec.short_name()}-{vname}.vmfb"
        open(os.path.join(out, fn), "wb").write(data)
        man.append({"file": fn, "variant": vname, "spec": spec.to_json()})
        print(vname, shape, dt, f"{time.time()-t0:.1f}s", len(data), flush=True)
json.dump(man, open(os.path.join(out, "variants.json"), "w"), indent=1)
