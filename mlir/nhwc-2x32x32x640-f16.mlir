module @jit_group_norm attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x32x32x640xf16>, %arg1: tensor<640xf16>, %arg2: tensor<640xf16>) -> (tensor<2x32x32x640xf16> {jax.result_info = "result"}) {
    %0 = stablehlo.reshape %arg0 : (tensor<2x32x32x640xf16>) -> tensor<2x32x32x32x20xf16>
    %1 = stablehlo.convert %0 : (tensor<2x32x32x32x20xf16>) -> tensor<2x32x32x32x20xf32>
    %2 = stablehlo.slice %1 [0:2, 0:1, 0:1, 0:32, 0:1] : (tensor<2x32x32x32x20xf32>) -> tensor<2x1x1x32x1xf32>
    %3 = stablehlo.broadcast_in_dim %2, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x32x32x32x20xf32>
    %4 = stablehlo.subtract %1, %3 : tensor<2x32x32x32x20xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %5 = stablehlo.reduce(%4 init: %cst) applies stablehlo.add across dimensions = [1, 2, 4] : (tensor<2x32x32x32x20xf32>, tensor<f32>) -> tensor<2x32xf32>
    %6 = stablehlo.broadcast_in_dim %5, dims = [0, 3] : (tensor<2x32xf32>) -> tensor<2x1x1x32x1xf32>
    %cst_0 = stablehlo.constant dense<2.048000e+04> : tensor<f32>
    %7 = stablehlo.broadcast_in_dim %cst_0, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %8 = stablehlo.divide %6, %7 : tensor<2x1x1x32x1xf32>
    %9 = stablehlo.broadcast_in_dim %8, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x32x32x32x20xf32>
    %10 = stablehlo.subtract %4, %9 : tensor<2x32x32x32x20xf32>
    %11 = chlo.square %10 : tensor<2x32x32x32x20xf32> -> tensor<2x32x32x32x20xf32>
    %cst_1 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %12 = stablehlo.reduce(%11 init: %cst_1) applies stablehlo.add across dimensions = [1, 2, 4] : (tensor<2x32x32x32x20xf32>, tensor<f32>) -> tensor<2x32xf32>
    %13 = stablehlo.broadcast_in_dim %12, dims = [0, 3] : (tensor<2x32xf32>) -> tensor<2x1x1x32x1xf32>
    %cst_2 = stablehlo.constant dense<2.048000e+04> : tensor<f32>
    %14 = stablehlo.broadcast_in_dim %cst_2, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %15 = stablehlo.divide %13, %14 : tensor<2x1x1x32x1xf32>
    %cst_3 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %16 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %17 = stablehlo.add %15, %16 : tensor<2x1x1x32x1xf32>
    %18 = stablehlo.rsqrt %17 : tensor<2x1x1x32x1xf32>
    %19 = stablehlo.convert %arg1 : (tensor<640xf16>) -> tensor<640xf32>
    %20 = stablehlo.reshape %19 : (tensor<640xf32>) -> tensor<1x1x1x32x20xf32>
    %21 = stablehlo.broadcast_in_dim %18, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x20xf32>
    %22 = stablehlo.broadcast_in_dim %20, dims = [0, 1, 2, 3, 4] : (tensor<1x1x1x32x20xf32>) -> tensor<2x1x1x32x20xf32>
    %23 = stablehlo.multiply %21, %22 : tensor<2x1x1x32x20xf32>
    %24 = stablehlo.negate %8 : tensor<2x1x1x32x1xf32>
    %25 = stablehlo.broadcast_in_dim %24, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x20xf32>
    %26 = stablehlo.multiply %25, %23 : tensor<2x1x1x32x20xf32>
    %27 = stablehlo.convert %arg2 : (tensor<640xf16>) -> tensor<640xf32>
    %28 = stablehlo.reshape %27 : (tensor<640xf32>) -> tensor<1x1x1x32x20xf32>
    %29 = stablehlo.broadcast_in_dim %28, dims = [0, 1, 2, 3, 4] : (tensor<1x1x1x32x20xf32>) -> tensor<2x1x1x32x20xf32>
    %30 = stablehlo.add %26, %29 : tensor<2x1x1x32x20xf32>
    %31 = stablehlo.broadcast_in_dim %23, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x20xf32>) -> tensor<2x32x32x32x20xf32>
    %32 = stablehlo.multiply %4, %31 : tensor<2x32x32x32x20xf32>
    %33 = stablehlo.broadcast_in_dim %30, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x20xf32>) -> tensor<2x32x32x32x20xf32>
    %34 = stablehlo.add %32, %33 : tensor<2x32x32x32x20xf32>
    %35 = stablehlo.convert %34 : (tensor<2x32x32x32x20xf32>) -> tensor<2x32x32x32x20xf16>
    %36 = stablehlo.reshape %35 : (tensor<2x32x32x32x20xf16>) -> tensor<2x32x32x640xf16>
    return %36 : tensor<2x32x32x640xf16>
  }
}
