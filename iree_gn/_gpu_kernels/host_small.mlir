// The host function of the one-dispatch form (static shapes only): x viewed as $vt, one
// dispatch. Filled in by _module._Module.host; these comment lines are dropped.
  func.func public @main(%arg0: $ft$pargs) -> $ft {
    %xv = flow.tensor.reshape %arg0 : $ft -> $vt
    %yv = flow.dispatch @gn_gpu::@small(%xv$pnames) : ($vt$ptypes) -> $vt
    %y = flow.tensor.reshape %yv : $vt -> $ft
    return %y : $ft
  }
}
