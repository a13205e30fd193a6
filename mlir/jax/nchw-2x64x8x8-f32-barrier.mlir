module @jit_group_norm attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x64x8x8xf32>, %arg1: tensor<64xf32>, %arg2: tensor<64xf32>) -> (tensor<2x64x8x8xf32> {jax.result_info = "result"}) {
    %0 = stablehlo.reshape %arg0 : (tensor<2x64x8x8xf32>) -> tensor<2x32x2x8x8xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %1 = stablehlo.reduce(%0 init: %cst) applies stablehlo.add across dimensions = [2, 3, 4] : (tensor<2x32x2x8x8xf32>, tensor<f32>) -> tensor<2x32xf32>
    %2 = stablehlo.broadcast_in_dim %1, dims = [0, 1] : (tensor<2x32xf32>) -> tensor<2x32x1x1x1xf32>
    %cst_0 = stablehlo.constant dense<1.280000e+02> : tensor<f32>
    %3 = stablehlo.broadcast_in_dim %cst_0, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %4 = stablehlo.divide %2, %3 : tensor<2x32x1x1x1xf32>
    %5 = stablehlo.optimization_barrier %4 : tensor<2x32x1x1x1xf32>
    %6 = stablehlo.broadcast_in_dim %5, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x2x8x8xf32>
    %7 = stablehlo.subtract %0, %6 : tensor<2x32x2x8x8xf32>
    %8 = stablehlo.multiply %7, %7 : tensor<2x32x2x8x8xf32>
    %cst_1 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %9:2 = stablehlo.reduce(%7 init: %cst_1), (%8 init: %cst_2) across dimensions = [2, 3, 4] : (tensor<2x32x2x8x8xf32>, tensor<2x32x2x8x8xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x32xf32>, tensor<2x32xf32>)
     reducer(%arg3: tensor<f32>, %arg5: tensor<f32>) (%arg4: tensor<f32>, %arg6: tensor<f32>)  {
      %37 = stablehlo.add %arg3, %arg5 : tensor<f32>
      %38 = stablehlo.add %arg4, %arg6 : tensor<f32>
      stablehlo.return %37, %38 : tensor<f32>, tensor<f32>
    }
    %10 = stablehlo.reshape %9#0 : (tensor<2x32xf32>) -> tensor<2x32x1x1x1xf32>
    %cst_3 = stablehlo.constant dense<1.280000e+02> : tensor<f32>
    %11 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %12 = stablehlo.divide %10, %11 : tensor<2x32x1x1x1xf32>
    %13 = stablehlo.reshape %9#1 : (tensor<2x32xf32>) -> tensor<2x32x1x1x1xf32>
    %cst_4 = stablehlo.constant dense<1.280000e+02> : tensor<f32>
    %14 = stablehlo.broadcast_in_dim %cst_4, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %15 = stablehlo.divide %13, %14 : tensor<2x32x1x1x1xf32>
    %16 = stablehlo.multiply %12, %12 : tensor<2x32x1x1x1xf32>
    %17 = stablehlo.subtract %15, %16 : tensor<2x32x1x1x1xf32>
    %cst_5 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %18 = stablehlo.broadcast_in_dim %cst_5, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %19 = stablehlo.maximum %17, %18 : tensor<2x32x1x1x1xf32>
    %cst_6 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %20 = stablehlo.broadcast_in_dim %cst_6, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %21 = stablehlo.add %19, %20 : tensor<2x32x1x1x1xf32>
    %22 = stablehlo.rsqrt %21 : tensor<2x32x1x1x1xf32>
    %23:3 = stablehlo.optimization_barrier %5, %12, %22 : tensor<2x32x1x1x1xf32>, tensor<2x32x1x1x1xf32>, tensor<2x32x1x1x1xf32>
    %24 = stablehlo.broadcast_in_dim %23#0, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x2x8x8xf32>
    %25 = stablehlo.subtract %0, %24 : tensor<2x32x2x8x8xf32>
    %26 = stablehlo.broadcast_in_dim %23#1, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x2x8x8xf32>
    %27 = stablehlo.subtract %25, %26 : tensor<2x32x2x8x8xf32>
    %28 = stablehlo.broadcast_in_dim %23#2, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x2x8x8xf32>
    %29 = stablehlo.multiply %27, %28 : tensor<2x32x2x8x8xf32>
    %30 = stablehlo.reshape %arg1 : (tensor<64xf32>) -> tensor<1x32x2x1x1xf32>
    %31 = stablehlo.broadcast_in_dim %30, dims = [0, 1, 2, 3, 4] : (tensor<1x32x2x1x1xf32>) -> tensor<2x32x2x8x8xf32>
    %32 = stablehlo.multiply %29, %31 : tensor<2x32x2x8x8xf32>
    %33 = stablehlo.reshape %arg2 : (tensor<64xf32>) -> tensor<1x32x2x1x1xf32>
    %34 = stablehlo.broadcast_in_dim %33, dims = [0, 1, 2, 3, 4] : (tensor<1x32x2x1x1xf32>) -> tensor<2x32x2x8x8xf32>
    %35 = stablehlo.add %32, %34 : tensor<2x32x2x8x8xf32>
    %36 = stablehlo.reshape %35 : (tensor<2x32x2x8x8xf32>) -> tensor<2x64x8x8xf32>
    return %36 : tensor<2x64x8x8xf32>
  }
  func.func public @main_out(%a0: tensor<2x64x8x8xf32>, %a1: tensor<64xf32>, %a2: tensor<64xf32>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> tensor<2x64x8x8xf32> attributes {iree.reflection = {iree_gn.spec = "{\"activation\": null, \"center\": true, \"channels_axis\": 1, \"dtype\": \"float32\", \"epsilon\": 1e-06, \"groups\": 32, \"mean_close_to_zero\": false, \"reduction_axes\": [2, 3], \"scale\": true, \"shape\": [2, 64, 8, 8]}"}} {
    %r = call @main(%a0, %a1, %a2) : (tensor<2x64x8x8xf32>, tensor<64xf32>, tensor<64xf32>) -> tensor<2x64x8x8xf32>
    return %r : tensor<2x64x8x8xf32>
  }
}
