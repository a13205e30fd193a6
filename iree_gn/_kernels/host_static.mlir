// The host functions of a kernel module with a static batch (iree_gn/_kernels/_module.py
// fills the ${...} fields; these leading comment lines are not part of the module).
// @main(x, [gamma], [beta]) -> y; @main_off: x at byte offset %xoff in a flat buffer (the
// runtime passes a NumPy array that is not 64-byte aligned, as IREE imports only aligned
// memory, as the aligned buffer that holds it instead of copying it); @main_off_out: its
// result written into a caller's buffer.
  func.func public @main(%arg0: ${ft}${pargs}) -> ${ft} {
    %xoff = arith.constant 0 : i32
    %xv = flow.tensor.reshape %arg0 : ${ft} -> ${flat}
${dispatch_main}
    %y = flow.tensor.reshape %yv : ${vt} -> ${ft}
    return %y : ${ft}
  }
  func.func public @main_off(%xv: tensor<?x${et}>, %xoff: i32${pargs}) -> ${ft} {
    %c0 = arith.constant 0 : index
    %xn = tensor.dim %xv, %c0 : tensor<?x${et}>
${dispatch_off}
    %y = flow.tensor.reshape %yv : ${vt} -> ${ft}
    return %y : ${ft}
  }
  func.func public @main_off_out(%xv: tensor<?x${et}>, %xoff: i32${pargs}, %out: !hal.buffer {iree.abi.output = 0 : index}) -> ${ft} {
    %y = call @main_off(%xv, %xoff${pnames}) : (tensor<?x${et}>, i32${ptypes}) -> ${ft}
    return %y : ${ft}
  }
