module @jit_group_norm attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<8x56x56x256xf32>, %arg1: tensor<256xf32>, %arg2: tensor<256xf32>) -> (tensor<8x56x56x256xf32> {jax.result_info = "result"}) {
    %0 = stablehlo.reshape %arg0 : (tensor<8x56x56x256xf32>) -> tensor<8x56x56x32x8xf32>
    %1 = stablehlo.slice %0 [0:8, 0:1, 0:1, 0:32, 0:1] : (tensor<8x56x56x32x8xf32>) -> tensor<8x1x1x32x1xf32>
    %2 = stablehlo.broadcast_in_dim %1, dims = [0, 1, 2, 3, 4] : (tensor<8x1x1x32x1xf32>) -> tensor<8x56x56x32x8xf32>
    %3 = stablehlo.subtract %0, %2 : tensor<8x56x56x32x8xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %4 = stablehlo.reduce(%3 init: %cst) applies stablehlo.add across dimensions = [1, 2, 4] : (tensor<8x56x56x32x8xf32>, tensor<f32>) -> tensor<8x32xf32>
    %5 = stablehlo.broadcast_in_dim %4, dims = [0, 3] : (tensor<8x32xf32>) -> tensor<8x1x1x32x1xf32>
    %cst_0 = stablehlo.constant dense<2.508800e+04> : tensor<f32>
    %6 = stablehlo.broadcast_in_dim %cst_0, dims = [] : (tensor<f32>) -> tensor<8x1x1x32x1xf32>
    %7 = stablehlo.divide %5, %6 : tensor<8x1x1x32x1xf32>
    %8 = stablehlo.broadcast_in_dim %7, dims = [0, 1, 2, 3, 4] : (tensor<8x1x1x32x1xf32>) -> tensor<8x56x56x32x8xf32>
    %9 = stablehlo.subtract %3, %8 : tensor<8x56x56x32x8xf32>
    %10 = chlo.square %9 : tensor<8x56x56x32x8xf32> -> tensor<8x56x56x32x8xf32>
    %cst_1 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %11 = stablehlo.reduce(%10 init: %cst_1) applies stablehlo.add across dimensions = [1, 2, 4] : (tensor<8x56x56x32x8xf32>, tensor<f32>) -> tensor<8x32xf32>
    %12 = stablehlo.broadcast_in_dim %11, dims = [0, 3] : (tensor<8x32xf32>) -> tensor<8x1x1x32x1xf32>
    %cst_2 = stablehlo.constant dense<2.508800e+04> : tensor<f32>
    %13 = stablehlo.broadcast_in_dim %cst_2, dims = [] : (tensor<f32>) -> tensor<8x1x1x32x1xf32>
    %14 = stablehlo.divide %12, %13 : tensor<8x1x1x32x1xf32>
    %cst_3 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %15 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<8x1x1x32x1xf32>
    %16 = stablehlo.add %14, %15 : tensor<8x1x1x32x1xf32>
    %17 = stablehlo.rsqrt %16 : tensor<8x1x1x32x1xf32>
    %18 = stablehlo.reshape %arg1 : (tensor<256xf32>) -> tensor<1x1x1x32x8xf32>
    %19 = stablehlo.broadcast_in_dim %17, dims = [0, 1, 2, 3, 4] : (tensor<8x1x1x32x1xf32>) -> tensor<8x1x1x32x8xf32>
    %20 = stablehlo.broadcast_in_dim %18, dims = [0, 1, 2, 3, 4] : (tensor<1x1x1x32x8xf32>) -> tensor<8x1x1x32x8xf32>
    %21 = stablehlo.multiply %19, %20 : tensor<8x1x1x32x8xf32>
    %22 = stablehlo.negate %7 : tensor<8x1x1x32x1xf32>
    %23 = stablehlo.broadcast_in_dim %22, dims = [0, 1, 2, 3, 4] : (tensor<8x1x1x32x1xf32>) -> tensor<8x1x1x32x8xf32>
    %24 = stablehlo.multiply %23, %21 : tensor<8x1x1x32x8xf32>
    %25 = stablehlo.reshape %arg2 : (tensor<256xf32>) -> tensor<1x1x1x32x8xf32>
    %26 = stablehlo.broadcast_in_dim %25, dims = [0, 1, 2, 3, 4] : (tensor<1x1x1x32x8xf32>) -> tensor<8x1x1x32x8xf32>
    %27 = stablehlo.add %24, %26 : tensor<8x1x1x32x8xf32>
    %28 = stablehlo.broadcast_in_dim %21, dims = [0, 1, 2, 3, 4] : (tensor<8x1x1x32x8xf32>) -> tensor<8x56x56x32x8xf32>
    %29 = stablehlo.multiply %3, %28 : tensor<8x56x56x32x8xf32>
    %30 = stablehlo.broadcast_in_dim %27, dims = [0, 1, 2, 3, 4] : (tensor<8x1x1x32x8xf32>) -> tensor<8x56x56x32x8xf32>
    %31 = stablehlo.add %29, %30 : tensor<8x56x56x32x8xf32>
    %32 = stablehlo.reshape %31 : (tensor<8x56x56x32x8xf32>) -> tensor<8x56x56x256xf32>
    return %32 : tensor<8x56x56x256xf32>
  }
}
