module @jit_group_norm attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x1280x16x16xf16>, %arg1: tensor<1280xf16>, %arg2: tensor<1280xf16>) -> (tensor<2x1280x16x16xf16> {jax.result_info = "result"}) {
    %0 = stablehlo.reshape %arg0 : (tensor<2x1280x16x16xf16>) -> tensor<2x32x40x16x16xf16>
    %1 = stablehlo.convert %0 : (tensor<2x32x40x16x16xf16>) -> tensor<2x32x40x16x16xf32>
    %2 = stablehlo.slice %1 [0:2, 0:32, 0:40, 0:1, 0:1] : (tensor<2x32x40x16x16xf32>) -> tensor<2x32x40x1x1xf32>
    %3 = stablehlo.broadcast_in_dim %2, dims = [0, 1, 2, 3, 4] : (tensor<2x32x40x1x1xf32>) -> tensor<2x32x40x16x16xf32>
    %4 = stablehlo.subtract %1, %3 : tensor<2x32x40x16x16xf32>
    %5 = stablehlo.multiply %4, %4 : tensor<2x32x40x16x16xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_0 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %6:2 = stablehlo.reduce(%4 init: %cst), (%5 init: %cst_0) across dimensions = [3, 4] : (tensor<2x32x40x16x16xf32>, tensor<2x32x40x16x16xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x32x40xf32>, tensor<2x32x40xf32>)
     reducer(%arg3: tensor<f32>, %arg5: tensor<f32>) (%arg4: tensor<f32>, %arg6: tensor<f32>)  {
      %54 = stablehlo.add %arg3, %arg5 : tensor<f32>
      %55 = stablehlo.add %arg4, %arg6 : tensor<f32>
      stablehlo.return %54, %55 : tensor<f32>, tensor<f32>
    }
    %7 = stablehlo.reshape %6#0 : (tensor<2x32x40xf32>) -> tensor<2x32x40x1x1xf32>
    %8 = stablehlo.reshape %6#1 : (tensor<2x32x40xf32>) -> tensor<2x32x40x1x1xf32>
    %cst_1 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %9 = stablehlo.broadcast_in_dim %cst_1, dims = [] : (tensor<f32>) -> tensor<2x32x40x1x1xf32>
    %10 = stablehlo.divide %7, %9 : tensor<2x32x40x1x1xf32>
    %11 = stablehlo.add %2, %10 : tensor<2x32x40x1x1xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %12 = stablehlo.reduce(%11 init: %cst_2) applies stablehlo.add across dimensions = [2] : (tensor<2x32x40x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %13 = stablehlo.broadcast_in_dim %12, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %cst_3 = stablehlo.constant dense<4.000000e+01> : tensor<f32>
    %14 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %15 = stablehlo.divide %13, %14 : tensor<2x32x1x1x1xf32>
    %16 = stablehlo.broadcast_in_dim %15, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x40x1x1xf32>
    %17 = stablehlo.subtract %2, %16 : tensor<2x32x40x1x1xf32>
    %cst_4 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %18 = stablehlo.broadcast_in_dim %cst_4, dims = [] : (tensor<f32>) -> tensor<2x32x40x1x1xf32>
    %19 = stablehlo.multiply %18, %17 : tensor<2x32x40x1x1xf32>
    %20 = stablehlo.multiply %19, %7 : tensor<2x32x40x1x1xf32>
    %21 = stablehlo.add %8, %20 : tensor<2x32x40x1x1xf32>
    %cst_5 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %22 = stablehlo.broadcast_in_dim %cst_5, dims = [] : (tensor<f32>) -> tensor<2x32x40x1x1xf32>
    %23 = stablehlo.multiply %22, %17 : tensor<2x32x40x1x1xf32>
    %24 = stablehlo.multiply %23, %17 : tensor<2x32x40x1x1xf32>
    %25 = stablehlo.add %21, %24 : tensor<2x32x40x1x1xf32>
    %cst_6 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %26 = stablehlo.reduce(%25 init: %cst_6) applies stablehlo.add across dimensions = [2] : (tensor<2x32x40x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %27 = stablehlo.broadcast_in_dim %26, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %cst_7 = stablehlo.constant dense<1.024000e+04> : tensor<f32>
    %28 = stablehlo.broadcast_in_dim %cst_7, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %29 = stablehlo.divide %27, %28 : tensor<2x32x1x1x1xf32>
    %cst_8 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %30 = stablehlo.broadcast_in_dim %cst_8, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %31 = stablehlo.maximum %29, %30 : tensor<2x32x1x1x1xf32>
    %cst_9 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %32 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %33 = stablehlo.add %31, %32 : tensor<2x32x1x1x1xf32>
    %34 = stablehlo.rsqrt %33 : tensor<2x32x1x1x1xf32>
    %35 = stablehlo.convert %arg1 : (tensor<1280xf16>) -> tensor<1280xf32>
    %36 = stablehlo.reshape %35 : (tensor<1280xf32>) -> tensor<1x32x40x1x1xf32>
    %37 = stablehlo.broadcast_in_dim %34, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x40x1x1xf32>
    %38 = stablehlo.broadcast_in_dim %36, dims = [0, 1, 2, 3, 4] : (tensor<1x32x40x1x1xf32>) -> tensor<2x32x40x1x1xf32>
    %39 = stablehlo.multiply %37, %38 : tensor<2x32x40x1x1xf32>
    %40 = stablehlo.negate %15 : tensor<2x32x1x1x1xf32>
    %41 = stablehlo.broadcast_in_dim %40, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x40x1x1xf32>
    %42 = stablehlo.multiply %41, %39 : tensor<2x32x40x1x1xf32>
    %43 = stablehlo.convert %arg2 : (tensor<1280xf16>) -> tensor<1280xf32>
    %44 = stablehlo.reshape %43 : (tensor<1280xf32>) -> tensor<1x32x40x1x1xf32>
    %45 = stablehlo.broadcast_in_dim %44, dims = [0, 1, 2, 3, 4] : (tensor<1x32x40x1x1xf32>) -> tensor<2x32x40x1x1xf32>
    %46 = stablehlo.add %42, %45 : tensor<2x32x40x1x1xf32>
    %47:3 = stablehlo.optimization_barrier %1, %39, %46 : tensor<2x32x40x16x16xf32>, tensor<2x32x40x1x1xf32>, tensor<2x32x40x1x1xf32>
    %48 = stablehlo.broadcast_in_dim %47#1, dims = [0, 1, 2, 3, 4] : (tensor<2x32x40x1x1xf32>) -> tensor<2x32x40x16x16xf32>
    %49 = stablehlo.multiply %47#0, %48 : tensor<2x32x40x16x16xf32>
    %50 = stablehlo.broadcast_in_dim %47#2, dims = [0, 1, 2, 3, 4] : (tensor<2x32x40x1x1xf32>) -> tensor<2x32x40x16x16xf32>
    %51 = stablehlo.add %49, %50 : tensor<2x32x40x16x16xf32>
    %52 = stablehlo.convert %51 : (tensor<2x32x40x16x16xf32>) -> tensor<2x32x40x16x16xf16>
    %53 = stablehlo.reshape %52 : (tensor<2x32x40x16x16xf16>) -> tensor<2x1280x16x16xf16>
    return %53 : tensor<2x1280x16x16xf16>
  }
  func.func public @main_out(%a0: tensor<2x1280x16x16xf16>, %a1: tensor<1280xf16>, %a2: tensor<1280xf16>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> tensor<2x1280x16x16xf16> {
    %r = call @main(%a0, %a1, %a2) : (tensor<2x1280x16x16xf16>, tensor<1280xf16>, tensor<1280xf16>) -> tensor<2x1280x16x16xf16>
    return %r : tensor<2x1280x16x16xf16>
  }
}
