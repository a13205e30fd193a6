// The host function of a backward kernel module with a static batch (iree_gn/_kernels/
// _bwd_module.py fills the ${...} fields; these leading comment lines are not part of the
// module). @main(x, [gamma], [beta], dy) -> (dx, [dgamma], [dbeta]): x and dy viewed as the
// kernel's ${vt}; %dxv and the float32 partials come from the kernel's dispatches, dgamma
// and dbeta (float32 [C], summed over the batch) from the reduction dispatch.
  func.func public @main(%arg0: ${ft}${pargs}, %dy: ${ft}) -> (${ft}${rtypes}) {
    %xoff = arith.constant 0 : i32
    %xv = flow.tensor.reshape %arg0 : ${ft} -> ${vt}
    %dyv = flow.tensor.reshape %dy : ${ft} -> ${vt}
${dispatch}
    %dx = flow.tensor.reshape %dxv : ${vt} -> ${ft}
    return %dx${rnames} : ${ft}${rtypes}
  }
