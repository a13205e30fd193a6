module @jit_group_norm attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x1280x16x16xf32>, %arg1: tensor<1280xf32>, %arg2: tensor<1280xf32>) -> (tensor<2x1280x16x16xf32> {jax.result_info = "result"}) {
    %0 = stablehlo.reshape %arg0 : (tensor<2x1280x16x16xf32>) -> tensor<2x32x40x16x16xf32>
    %1 = stablehlo.slice %0 [0:2, 0:32, 0:40, 0:1, 0:1] : (tensor<2x32x40x16x16xf32>) -> tensor<2x32x40x1x1xf32>
    %2 = stablehlo.broadcast_in_dim %1, dims = [0, 1, 2, 3, 4] : (tensor<2x32x40x1x1xf32>) -> tensor<2x32x40x16x16xf32>
    %3 = stablehlo.subtract %0, %2 : tensor<2x32x40x16x16xf32>
    %4 = stablehlo.multiply %3, %3 : tensor<2x32x40x16x16xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_0 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %5:2 = stablehlo.reduce(%3 init: %cst), (%4 init: %cst_0) across dimensions = [3, 4] : (tensor<2x32x40x16x16xf32>, tensor<2x32x40x16x16xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x32x40xf32>, tensor<2x32x40xf32>)
     reducer(%arg3: tensor<f32>, %arg5: tensor<f32>) (%arg4: tensor<f32>, %arg6: tensor<f32>)  {
      %50 = stablehlo.add %arg3, %arg5 : tensor<f32>
      %51 = stablehlo.add %arg4, %arg6 : tensor<f32>
      stablehlo.return %50, %51 : tensor<f32>, tensor<f32>
    }
    %6 = stablehlo.reshape %5#0 : (tensor<2x32x40xf32>) -> tensor<2x32x40x1x1xf32>
    %7 = stablehlo.reshape %5#1 : (tensor<2x32x40xf32>) -> tensor<2x32x40x1x1xf32>
    %cst_1 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %8 = stablehlo.broadcast_in_dim %cst_1, dims = [] : (tensor<f32>) -> tensor<2x32x40x1x1xf32>
    %9 = stablehlo.divide %6, %8 : tensor<2x32x40x1x1xf32>
    %10 = stablehlo.add %1, %9 : tensor<2x32x40x1x1xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %11 = stablehlo.reduce(%10 init: %cst_2) applies stablehlo.add across dimensions = [2] : (tensor<2x32x40x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %12 = stablehlo.broadcast_in_dim %11, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %cst_3 = stablehlo.constant dense<4.000000e+01> : tensor<f32>
    %13 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %14 = stablehlo.divide %12, %13 : tensor<2x32x1x1x1xf32>
    %15 = stablehlo.broadcast_in_dim %14, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x40x1x1xf32>
    %16 = stablehlo.subtract %1, %15 : tensor<2x32x40x1x1xf32>
    %cst_4 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %17 = stablehlo.broadcast_in_dim %cst_4, dims = [] : (tensor<f32>) -> tensor<2x32x40x1x1xf32>
    %18 = stablehlo.multiply %17, %16 : tensor<2x32x40x1x1xf32>
    %19 = stablehlo.multiply %18, %6 : tensor<2x32x40x1x1xf32>
    %20 = stablehlo.add %7, %19 : tensor<2x32x40x1x1xf32>
    %cst_5 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %21 = stablehlo.broadcast_in_dim %cst_5, dims = [] : (tensor<f32>) -> tensor<2x32x40x1x1xf32>
    %22 = stablehlo.multiply %21, %16 : tensor<2x32x40x1x1xf32>
    %23 = stablehlo.multiply %22, %16 : tensor<2x32x40x1x1xf32>
    %24 = stablehlo.add %20, %23 : tensor<2x32x40x1x1xf32>
    %cst_6 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %25 = stablehlo.reduce(%24 init: %cst_6) applies stablehlo.add across dimensions = [2] : (tensor<2x32x40x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %26 = stablehlo.broadcast_in_dim %25, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %cst_7 = stablehlo.constant dense<1.024000e+04> : tensor<f32>
    %27 = stablehlo.broadcast_in_dim %cst_7, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %28 = stablehlo.divide %26, %27 : tensor<2x32x1x1x1xf32>
    %cst_8 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %29 = stablehlo.broadcast_in_dim %cst_8, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %30 = stablehlo.maximum %28, %29 : tensor<2x32x1x1x1xf32>
    %cst_9 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %31 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %32 = stablehlo.add %30, %31 : tensor<2x32x1x1x1xf32>
    %33 = stablehlo.rsqrt %32 : tensor<2x32x1x1x1xf32>
    %34 = stablehlo.reshape %arg1 : (tensor<1280xf32>) -> tensor<1x32x40x1x1xf32>
    %35 = stablehlo.broadcast_in_dim %33, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x40x1x1xf32>
    %36 = stablehlo.broadcast_in_dim %34, dims = [0, 1, 2, 3, 4] : (tensor<1x32x40x1x1xf32>) -> tensor<2x32x40x1x1xf32>
    %37 = stablehlo.multiply %35, %36 : tensor<2x32x40x1x1xf32>
    %38 = stablehlo.negate %14 : tensor<2x32x1x1x1xf32>
    %39 = stablehlo.broadcast_in_dim %38, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x40x1x1xf32>
    %40 = stablehlo.multiply %39, %37 : tensor<2x32x40x1x1xf32>
    %41 = stablehlo.reshape %arg2 : (tensor<1280xf32>) -> tensor<1x32x40x1x1xf32>
    %42 = stablehlo.broadcast_in_dim %41, dims = [0, 1, 2, 3, 4] : (tensor<1x32x40x1x1xf32>) -> tensor<2x32x40x1x1xf32>
    %43 = stablehlo.add %40, %42 : tensor<2x32x40x1x1xf32>
    %44:3 = stablehlo.optimization_barrier %0, %37, %43 : tensor<2x32x40x16x16xf32>, tensor<2x32x40x1x1xf32>, tensor<2x32x40x1x1xf32>
    %45 = stablehlo.broadcast_in_dim %44#1, dims = [0, 1, 2, 3, 4] : (tensor<2x32x40x1x1xf32>) -> tensor<2x32x40x16x16xf32>
    %46 = stablehlo.multiply %44#0, %45 : tensor<2x32x40x16x16xf32>
    %47 = stablehlo.broadcast_in_dim %44#2, dims = [0, 1, 2, 3, 4] : (tensor<2x32x40x1x1xf32>) -> tensor<2x32x40x16x16xf32>
    %48 = stablehlo.add %46, %47 : tensor<2x32x40x16x16xf32>
    %49 = stablehlo.reshape %48 : (tensor<2x32x40x16x16xf32>) -> tensor<2x1280x16x16xf32>
    return %49 : tensor<2x1280x16x16xf32>
  }
  func.func public @main_out(%a0: tensor<2x1280x16x16xf32>, %a1: tensor<1280xf32>, %a2: tensor<1280xf32>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> tensor<2x1280x16x16xf32> {
    %r = call @main(%a0, %a1, %a2) : (tensor<2x1280x16x16xf32>, tensor<1280xf32>, tensor<1280xf32>) -> tensor<2x1280x16x16xf32>
    return %r : tensor<2x1280x16x16xf32>
  }
}
