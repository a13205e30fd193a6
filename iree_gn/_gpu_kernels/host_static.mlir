// The host function of the three dispatches for a static shape: stats into the workspace
// $ws, combine in place, apply over x flat per sample ($flat). Filled in by
// _module._Module.host; these comment lines are dropped.
  func.func public @main(%arg0: $ft$pargs) -> $ft {
    %xv = flow.tensor.reshape %arg0 : $ft -> $vt
    %xf = flow.tensor.reshape %arg0 : $ft -> $flat
    %ws0 = flow.dispatch @gn_gpu::@stats(%xv) : ($vt) -> $ws
    %ws = flow.dispatch @gn_gpu::@combine(%xv, %ws0$pnames) : ($vt, $ws$ptypes) -> %ws0
    %yf = flow.dispatch @gn_gpu::@apply(%xf, %ws) : ($flat, $ws) -> $flat
    %y = flow.tensor.reshape %yf : $flat -> $ft
    return %y : $ft
  }
}
