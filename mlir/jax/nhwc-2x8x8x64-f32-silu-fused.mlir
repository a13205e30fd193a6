module @jit_group_norm attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x8x8x64xf32>, %arg1: tensor<64xf32>, %arg2: tensor<64xf32>) -> (tensor<2x8x8x64xf32> {jax.result_info = "result"}) {
    %0 = stablehlo.reshape %arg0 : (tensor<2x8x8x64xf32>) -> tensor<2x8x8x32x2xf32>
    %1 = stablehlo.slice %0 [0:2, 0:1, 0:1, 0:32, 0:1] : (tensor<2x8x8x32x2xf32>) -> tensor<2x1x1x32x1xf32>
    %2 = stablehlo.slice %0 [0:2, 0:1, 2:3, 0:32, 0:1] : (tensor<2x8x8x32x2xf32>) -> tensor<2x1x1x32x1xf32>
    %3 = stablehlo.slice %0 [0:2, 0:1, 4:5, 0:32, 0:1] : (tensor<2x8x8x32x2xf32>) -> tensor<2x1x1x32x1xf32>
    %4 = stablehlo.slice %0 [0:2, 0:1, 5:6, 0:32, 0:1] : (tensor<2x8x8x32x2xf32>) -> tensor<2x1x1x32x1xf32>
    %5 = stablehlo.slice %0 [0:2, 0:1, 7:8, 0:32, 0:1] : (tensor<2x8x8x32x2xf32>) -> tensor<2x1x1x32x1xf32>
    %6 = stablehlo.minimum %1, %2 : tensor<2x1x1x32x1xf32>
    %7 = stablehlo.minimum %3, %4 : tensor<2x1x1x32x1xf32>
    %8 = stablehlo.maximum %6, %7 : tensor<2x1x1x32x1xf32>
    %9 = stablehlo.maximum %1, %2 : tensor<2x1x1x32x1xf32>
    %10 = stablehlo.maximum %3, %4 : tensor<2x1x1x32x1xf32>
    %11 = stablehlo.minimum %9, %10 : tensor<2x1x1x32x1xf32>
    %12 = stablehlo.minimum %8, %11 : tensor<2x1x1x32x1xf32>
    %13 = stablehlo.maximum %8, %11 : tensor<2x1x1x32x1xf32>
    %14 = stablehlo.minimum %13, %5 : tensor<2x1x1x32x1xf32>
    %15 = stablehlo.maximum %12, %14 : tensor<2x1x1x32x1xf32>
    %16 = stablehlo.broadcast_in_dim %15, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x8x8x32x2xf32>
    %17 = stablehlo.subtract %0, %16 : tensor<2x8x8x32x2xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %18 = stablehlo.reduce(%17 init: %cst) applies stablehlo.add across dimensions = [1, 2, 4] : (tensor<2x8x8x32x2xf32>, tensor<f32>) -> tensor<2x32xf32>
    %19 = stablehlo.broadcast_in_dim %18, dims = [0, 3] : (tensor<2x32xf32>) -> tensor<2x1x1x32x1xf32>
    %cst_0 = stablehlo.constant dense<1.280000e+02> : tensor<f32>
    %20 = stablehlo.broadcast_in_dim %cst_0, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %21 = stablehlo.divide %19, %20 : tensor<2x1x1x32x1xf32>
    %22 = stablehlo.broadcast_in_dim %21, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x8x8x32x2xf32>
    %23 = stablehlo.subtract %17, %22 : tensor<2x8x8x32x2xf32>
    %24 = chlo.square %23 : tensor<2x8x8x32x2xf32> -> tensor<2x8x8x32x2xf32>
    %cst_1 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %25 = stablehlo.reduce(%24 init: %cst_1) applies stablehlo.add across dimensions = [1, 2, 4] : (tensor<2x8x8x32x2xf32>, tensor<f32>) -> tensor<2x32xf32>
    %26 = stablehlo.broadcast_in_dim %25, dims = [0, 3] : (tensor<2x32xf32>) -> tensor<2x1x1x32x1xf32>
    %cst_2 = stablehlo.constant dense<1.280000e+02> : tensor<f32>
    %27 = stablehlo.broadcast_in_dim %cst_2, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %28 = stablehlo.divide %26, %27 : tensor<2x1x1x32x1xf32>
    %cst_3 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %29 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %30 = stablehlo.maximum %28, %29 : tensor<2x1x1x32x1xf32>
    %cst_4 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %31 = stablehlo.broadcast_in_dim %cst_4, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %32 = stablehlo.add %30, %31 : tensor<2x1x1x32x1xf32>
    %33 = stablehlo.rsqrt %32 : tensor<2x1x1x32x1xf32>
    %34 = stablehlo.broadcast_in_dim %33, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x8x8x32x2xf32>
    %35 = stablehlo.multiply %23, %34 : tensor<2x8x8x32x2xf32>
    %36 = stablehlo.reshape %arg1 : (tensor<64xf32>) -> tensor<1x1x1x32x2xf32>
    %37 = stablehlo.broadcast_in_dim %36, dims = [0, 1, 2, 3, 4] : (tensor<1x1x1x32x2xf32>) -> tensor<2x8x8x32x2xf32>
    %38 = stablehlo.multiply %35, %37 : tensor<2x8x8x32x2xf32>
    %39 = stablehlo.reshape %arg2 : (tensor<64xf32>) -> tensor<1x1x1x32x2xf32>
    %40 = stablehlo.broadcast_in_dim %39, dims = [0, 1, 2, 3, 4] : (tensor<1x1x1x32x2xf32>) -> tensor<2x8x8x32x2xf32>
    %41 = stablehlo.add %38, %40 : tensor<2x8x8x32x2xf32>
    %42 = call @silu(%41) : (tensor<2x8x8x32x2xf32>) -> tensor<2x8x8x32x2xf32>
    %43 = stablehlo.reshape %42 : (tensor<2x8x8x32x2xf32>) -> tensor<2x8x8x64xf32>
    return %43 : tensor<2x8x8x64xf32>
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
