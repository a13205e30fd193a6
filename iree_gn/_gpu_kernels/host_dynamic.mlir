// The host function of the three dispatches for a dynamic batch: as host_static.mlir, with
// N read from x (the workload [%n] of every dispatch, and their last operand as i32).
// Filled in by _module._Module.host; these comment lines are dropped.
  func.func public @main(%arg0: $ft$pargs) -> $ft {
    %c0 = arith.constant 0 : index
    %n = tensor.dim %arg0, %c0 : $ft
    %ni = arith.index_cast %n : index to i32
    %xv = flow.tensor.reshape %arg0 : $ft{%n} -> $vt{%n}
    %xf = flow.tensor.reshape %arg0 : $ft{%n} -> $flat{%n}
    %ws0 = flow.dispatch @gn_gpu::@stats[%n](%xv, %ni) : ($vt{%n}, i32) -> $ws{%n}
    %ws = flow.dispatch @gn_gpu::@combine[%n](%xv, %ws0$pnames, %ni) : ($vt{%n}, $ws{%n}$ptypes, i32) -> %ws0{%n}
    %yf = flow.dispatch @gn_gpu::@apply[%n](%xf, %ws, %ni) : ($flat{%n}, $ws{%n}, i32) -> $flat{%n}
    %y = flow.tensor.reshape %yf : $flat{%n} -> $ft{%n}
    return %y : $ft
  }
}
