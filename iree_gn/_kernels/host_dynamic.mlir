// The host functions of a kernel module with a dynamic batch (see host_static.mlir; these
// leading comment lines are not part of the module). N is x's dimension 0 (@main) or, in
// @main_off, (elements of the buffer - elements before x) / elements per sample; it is
// the dispatch's workload and, as %ni, an operand of the kernel. N counts the kernel's
// samples: ${keep} per index of x's axis 0 (%n0; more than 1 where x keeps more axes).
  func.func public @main(%arg0: ${ft}${pargs}) -> ${ft} {
    %xoff = arith.constant 0 : i32
    %c0 = arith.constant 0 : index
    %n0 = tensor.dim %arg0, %c0 : ${ft}
    %keep = arith.constant ${keep} : index
    %n = arith.muli %n0, %keep : index
    %ni = arith.index_castui %n : index to i32
    %per = arith.constant ${per} : index
    %xn = arith.muli %n, %per : index
    %xv = flow.tensor.reshape %arg0 : ${ft}{%n0} -> tensor<?x${et}>{%xn}
${dispatch}
    %y = flow.tensor.reshape %yv : ${vt}{%n} -> ${ft}{%n0}
    return %y : ${ft}
  }
  func.func public @main_off(%xv: tensor<?x${et}>, %xoff: i32${pargs}) -> ${ft} {
    %c0 = arith.constant 0 : index
    %xn = tensor.dim %xv, %c0 : tensor<?x${et}>
    %xob = arith.index_castui %xoff : i32 to index
    %es = arith.constant ${es} : index
    %xoe = arith.divui %xob, %es : index
    %xe = arith.subi %xn, %xoe : index
    %per = arith.constant ${per} : index
    %n = arith.divui %xe, %per : index
    %ni = arith.index_castui %n : index to i32
    %keep = arith.constant ${keep} : index
    %n0 = arith.divui %n, %keep : index
${dispatch}
    %y = flow.tensor.reshape %yv : ${vt}{%n} -> ${ft}{%n0}
    return %y : ${ft}
  }
  func.func public @main_off_out(%xv: tensor<?x${et}>, %xoff: i32${pargs}, %out: !hal.buffer {iree.abi.output = 0 : index}) -> ${ft} {
    %y = call @main_off(%xv, %xoff${pnames}) : (tensor<?x${et}>, i32${ptypes}) -> ${ft}
    return %y : ${ft}
  }
