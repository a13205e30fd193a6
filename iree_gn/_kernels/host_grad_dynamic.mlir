// The host function of a backward kernel module with a dynamic batch (see
// host_grad_static.mlir; these leading comment lines are not part of the module). N is x's
// dimension 0: the dispatches' workload and, as %ni, an operand of the kernels.
  func.func public @main(%arg0: ${ft}${pargs}, %dy: ${ft}) -> (${ft}${rtypes}) {
    %xoff = arith.constant 0 : i32
    %c0 = arith.constant 0 : index
    %n = tensor.dim %arg0, %c0 : ${ft}
    %ni = arith.index_castui %n : index to i32
    %xv = flow.tensor.reshape %arg0 : ${ft}{%n} -> ${vt}{%n}
    %dyv = flow.tensor.reshape %dy : ${ft}{%n} -> ${vt}{%n}
${dispatch}
    %dx = flow.tensor.reshape %dxv : ${vt}{%n} -> ${ft}{%n}
    return %dx${rnames} : ${ft}${rtypes}
  }
