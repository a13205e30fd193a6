module @jit_group_norm attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x640x32x32xf32>, %arg1: tensor<640xf32>, %arg2: tensor<640xf32>) -> (tensor<2x640x32x32xf32> {jax.result_info = "result"}) {
    %0 = stablehlo.reshape %arg0 : (tensor<2x640x32x32xf32>) -> tensor<2x32x20x32x32xf32>
    %1 = stablehlo.reshape %0 : (tensor<2x32x20x32x32xf32>) -> tensor<2x32x20x4x8x32xf32>
    %2 = stablehlo.slice %1 [0:2, 0:32, 0:20, 0:1, 0:1, 0:1] : (tensor<2x32x20x4x8x32xf32>) -> tensor<2x32x20x1x1x1xf32>
    %3 = stablehlo.broadcast_in_dim %2, dims = [0, 1, 2, 3, 4, 5] : (tensor<2x32x20x1x1x1xf32>) -> tensor<2x32x20x4x8x32xf32>
    %4 = stablehlo.subtract %1, %3 : tensor<2x32x20x4x8x32xf32>
    %5 = stablehlo.multiply %4, %4 : tensor<2x32x20x4x8x32xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_0 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %6:2 = stablehlo.reduce(%4 init: %cst), (%5 init: %cst_0) across dimensions = [4, 5] : (tensor<2x32x20x4x8x32xf32>, tensor<2x32x20x4x8x32xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x32x20x4xf32>, tensor<2x32x20x4xf32>)
     reducer(%arg3: tensor<f32>, %arg5: tensor<f32>) (%arg4: tensor<f32>, %arg6: tensor<f32>)  {
      %55 = stablehlo.add %arg3, %arg5 : tensor<f32>
      %56 = stablehlo.add %arg4, %arg6 : tensor<f32>
      stablehlo.return %55, %56 : tensor<f32>, tensor<f32>
    }
    %7:2 = stablehlo.optimization_barrier %6#0, %6#1 : tensor<2x32x20x4xf32>, tensor<2x32x20x4xf32>
    %cst_1 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %8 = stablehlo.reduce(%7#0 init: %cst_1) applies stablehlo.add across dimensions = [3] : (tensor<2x32x20x4xf32>, tensor<f32>) -> tensor<2x32x20xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %9 = stablehlo.reduce(%7#1 init: %cst_2) applies stablehlo.add across dimensions = [3] : (tensor<2x32x20x4xf32>, tensor<f32>) -> tensor<2x32x20xf32>
    %10 = stablehlo.reshape %8 : (tensor<2x32x20xf32>) -> tensor<2x32x20x1x1xf32>
    %11 = stablehlo.reshape %9 : (tensor<2x32x20xf32>) -> tensor<2x32x20x1x1xf32>
    %12 = stablehlo.reshape %2 : (tensor<2x32x20x1x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %cst_3 = stablehlo.constant dense<1.024000e+03> : tensor<f32>
    %13 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x32x20x1x1xf32>
    %14 = stablehlo.divide %10, %13 : tensor<2x32x20x1x1xf32>
    %15 = stablehlo.add %12, %14 : tensor<2x32x20x1x1xf32>
    %cst_4 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %16 = stablehlo.reduce(%15 init: %cst_4) applies stablehlo.add across dimensions = [2] : (tensor<2x32x20x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %17 = stablehlo.broadcast_in_dim %16, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %cst_5 = stablehlo.constant dense<2.000000e+01> : tensor<f32>
    %18 = stablehlo.broadcast_in_dim %cst_5, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %19 = stablehlo.divide %17, %18 : tensor<2x32x1x1x1xf32>
    %20 = stablehlo.broadcast_in_dim %19, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %21 = stablehlo.subtract %12, %20 : tensor<2x32x20x1x1xf32>
    %cst_6 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %22 = stablehlo.broadcast_in_dim %cst_6, dims = [] : (tensor<f32>) -> tensor<2x32x20x1x1xf32>
    %23 = stablehlo.multiply %22, %21 : tensor<2x32x20x1x1xf32>
    %24 = stablehlo.multiply %23, %10 : tensor<2x32x20x1x1xf32>
    %25 = stablehlo.add %11, %24 : tensor<2x32x20x1x1xf32>
    %cst_7 = stablehlo.constant dense<1.024000e+03> : tensor<f32>
    %26 = stablehlo.broadcast_in_dim %cst_7, dims = [] : (tensor<f32>) -> tensor<2x32x20x1x1xf32>
    %27 = stablehlo.multiply %26, %21 : tensor<2x32x20x1x1xf32>
    %28 = stablehlo.multiply %27, %21 : tensor<2x32x20x1x1xf32>
    %29 = stablehlo.add %25, %28 : tensor<2x32x20x1x1xf32>
    %cst_8 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %30 = stablehlo.reduce(%29 init: %cst_8) applies stablehlo.add across dimensions = [2] : (tensor<2x32x20x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %31 = stablehlo.broadcast_in_dim %30, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %cst_9 = stablehlo.constant dense<2.048000e+04> : tensor<f32>
    %32 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %33 = stablehlo.divide %31, %32 : tensor<2x32x1x1x1xf32>
    %cst_10 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %34 = stablehlo.broadcast_in_dim %cst_10, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %35 = stablehlo.maximum %33, %34 : tensor<2x32x1x1x1xf32>
    %cst_11 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %36 = stablehlo.broadcast_in_dim %cst_11, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %37 = stablehlo.add %35, %36 : tensor<2x32x1x1x1xf32>
    %38 = stablehlo.rsqrt %37 : tensor<2x32x1x1x1xf32>
    %39 = stablehlo.reshape %arg1 : (tensor<640xf32>) -> tensor<1x32x20x1x1xf32>
    %40 = stablehlo.broadcast_in_dim %38, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %41 = stablehlo.broadcast_in_dim %39, dims = [0, 1, 2, 3, 4] : (tensor<1x32x20x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %42 = stablehlo.multiply %40, %41 : tensor<2x32x20x1x1xf32>
    %43 = stablehlo.negate %19 : tensor<2x32x1x1x1xf32>
    %44 = stablehlo.broadcast_in_dim %43, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %45 = stablehlo.multiply %44, %42 : tensor<2x32x20x1x1xf32>
    %46 = stablehlo.reshape %arg2 : (tensor<640xf32>) -> tensor<1x32x20x1x1xf32>
    %47 = stablehlo.broadcast_in_dim %46, dims = [0, 1, 2, 3, 4] : (tensor<1x32x20x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %48 = stablehlo.add %45, %47 : tensor<2x32x20x1x1xf32>
    %49:3 = stablehlo.optimization_barrier %0, %42, %48 : tensor<2x32x20x32x32xf32>, tensor<2x32x20x1x1xf32>, tensor<2x32x20x1x1xf32>
    %50 = stablehlo.broadcast_in_dim %49#1, dims = [0, 1, 2, 3, 4] : (tensor<2x32x20x1x1xf32>) -> tensor<2x32x20x32x32xf32>
    %51 = stablehlo.multiply %49#0, %50 : tensor<2x32x20x32x32xf32>
    %52 = stablehlo.broadcast_in_dim %49#2, dims = [0, 1, 2, 3, 4] : (tensor<2x32x20x1x1xf32>) -> tensor<2x32x20x32x32xf32>
    %53 = stablehlo.add %51, %52 : tensor<2x32x20x32x32xf32>
    %54 = stablehlo.reshape %53 : (tensor<2x32x20x32x32xf32>) -> tensor<2x640x32x32xf32>
    return %54 : tensor<2x640x32x32xf32>
  }
  func.func public @main_out(%a0: tensor<2x640x32x32xf32>, %a1: tensor<640xf32>, %a2: tensor<640xf32>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> tensor<2x640x32x32xf32> {
    %r = call @main(%a0, %a1, %a2) : (tensor<2x640x32x32xf32>, tensor<640xf32>, tensor<640xf32>) -> tensor<2x640x32x32xf32>
    return %r : tensor<2x640x32x32xf32>
  }
}
