module @jit_group_norm attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x8x8x64xf32>, %arg1: tensor<64xf32>, %arg2: tensor<64xf32>) -> (tensor<2x8x8x64xf32> {jax.result_info = "result"}) {
    %0 = stablehlo.reshape %arg0 : (tensor<2x8x8x64xf32>) -> tensor<2x8x8x32x2xf32>
    %1 = stablehlo.slice %0 [0:2, 0:1, 0:1, 0:32, 0:1] : (tensor<2x8x8x32x2xf32>) -> tensor<2x1x1x32x1xf32>
    %2 = stablehlo.broadcast_in_dim %1, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x8x8x32x2xf32>
    %3 = stablehlo.subtract %0, %2 : tensor<2x8x8x32x2xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %4 = stablehlo.reduce(%3 init: %cst) applies stablehlo.add across dimensions = [1, 2, 4] : (tensor<2x8x8x32x2xf32>, tensor<f32>) -> tensor<2x32xf32>
    %5 = stablehlo.broadcast_in_dim %4, dims = [0, 3] : (tensor<2x32xf32>) -> tensor<2x1x1x32x1xf32>
    %cst_0 = stablehlo.constant dense<1.280000e+02> : tensor<f32>
    %6 = stablehlo.broadcast_in_dim %cst_0, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %7 = stablehlo.divide %5, %6 : tensor<2x1x1x32x1xf32>
    %8 = stablehlo.broadcast_in_dim %7, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x8x8x32x2xf32>
    %9 = stablehlo.subtract %3, %8 : tensor<2x8x8x32x2xf32>
    %10 = chlo.square %9 : tensor<2x8x8x32x2xf32> -> tensor<2x8x8x32x2xf32>
    %cst_1 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %11 = stablehlo.reduce(%10 init: %cst_1) applies stablehlo.add across dimensions = [1, 2, 4] : (tensor<2x8x8x32x2xf32>, tensor<f32>) -> tensor<2x32xf32>
    %12 = stablehlo.broadcast_in_dim %11, dims = [0, 3] : (tensor<2x32xf32>) -> tensor<2x1x1x32x1xf32>
    %cst_2 = stablehlo.constant dense<1.280000e+02> : tensor<f32>
    %13 = stablehlo.broadcast_in_dim %cst_2, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %14 = stablehlo.divide %12, %13 : tensor<2x1x1x32x1xf32>
    %cst_3 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %15 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %16 = stablehlo.maximum %14, %15 : tensor<2x1x1x32x1xf32>
    %cst_4 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %17 = stablehlo.broadcast_in_dim %cst_4, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %18 = stablehlo.add %16, %17 : tensor<2x1x1x32x1xf32>
    %19 = stablehlo.rsqrt %18 : tensor<2x1x1x32x1xf32>
    %20 = stablehlo.broadcast_in_dim %19, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x8x8x32x2xf32>
    %21 = stablehlo.multiply %9, %20 : tensor<2x8x8x32x2xf32>
    %22 = stablehlo.reshape %arg1 : (tensor<64xf32>) -> tensor<1x1x1x32x2xf32>
    %23 = stablehlo.broadcast_in_dim %22, dims = [0, 1, 2, 3, 4] : (tensor<1x1x1x32x2xf32>) -> tensor<2x8x8x32x2xf32>
    %24 = stablehlo.multiply %21, %23 : tensor<2x8x8x32x2xf32>
    %25 = stablehlo.reshape %arg2 : (tensor<64xf32>) -> tensor<1x1x1x32x2xf32>
    %26 = stablehlo.broadcast_in_dim %25, dims = [0, 1, 2, 3, 4] : (tensor<1x1x1x32x2xf32>) -> tensor<2x8x8x32x2xf32>
    %27 = stablehlo.add %24, %26 : tensor<2x8x8x32x2xf32>
    %28 = call @silu(%27) : (tensor<2x8x8x32x2xf32>) -> tensor<2x8x8x32x2xf32>
    %29 = stablehlo.reshape %28 : (tensor<2x8x8x32x2xf32>) -> tensor<2x8x8x64xf32>
    return %29 : tensor<2x8x8x64xf32>
  }
  func.func private @silu(%arg0: tensor<2x8x8x32x2xf32>) -> tensor<2x8x8x32x2xf32> {
    %0 = stablehlo.negate %arg0 : tensor<2x8x8x32x2xf32>
    %1 = stablehlo.exponential %0 : tensor<2x8x8x32x2xf32>
    %cst = stablehlo.constant dense<1.000000e+00> : tensor<f32>
    %2 = stablehlo.broadcast_in_dim %cst, dims = [] : (tensor<f32>) -> tensor<2x8x8x32x2xf32>
    %3 = stablehlo.add %2, %1 : tensor<2x8x8x32x2xf32>
    %cst_0 = stablehlo.constant dense<1.000000e+00> : tensor<f32>
    %4 = stablehlo.broadcast_in_dim %cst_0, dims = [] : (tensor<f32>) -> tensor<2x8x8x32x2xf32>
    %5 = stablehlo.divide %4, %3 : tensor<2x8x8x32x2xf32>
    %6 = stablehlo.multiply %arg0, %5 : tensor<2x8x8x32x2xf32>
    return %6 : tensor<2x8x8x32x2xf32>
  }
  func.func public @main_out(%a0: tensor<2x8x8x64xf32>, %a1: tensor<64xf32>, %a2: tensor<64xf32>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> tensor<2x8x8x64xf32> attributes {iree.reflection = {iree_gn.spec = "{\"activation\": \"silu\", \"center\": true, \"channels_axis\": 3, \"dtype\": \"float32\", \"epsilon\": 1e-06, \"groups\": 32, \"mean_close_to_zero\": false, \"reduction_axes\": [1, 2], \"scale\": true, \"shape\": [2, 8, 8, 64]}"}} {
    %r = call @main(%a0, %a1, %a2) : (tensor<2x8x8x64xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x8x8x64xf32>
    return %r : tensor<2x8x8x64xf32>
  }
}
