module @jit_group_norm attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x64x64x320xf16>, %arg1: tensor<320xf16>, %arg2: tensor<320xf16>) -> (tensor<2x64x64x320xf16> {jax.result_info = "result"}) {
    %0 = stablehlo.reshape %arg0 : (tensor<2x64x64x320xf16>) -> tensor<2x64x64x32x10xf16>
    %1 = stablehlo.convert %0 : (tensor<2x64x64x32x10xf16>) -> tensor<2x64x64x32x10xf32>
    %2 = stablehlo.reshape %1 : (tensor<2x64x64x32x10xf32>) -> tensor<2x4x16x64x32x10xf32>
    %3 = stablehlo.slice %2 [0:2, 0:1, 0:1, 0:1, 0:32, 0:10] : (tensor<2x4x16x64x32x10xf32>) -> tensor<2x1x1x1x32x10xf32>
    %4 = stablehlo.broadcast_in_dim %3, dims = [0, 1, 2, 3, 4, 5] : (tensor<2x1x1x1x32x10xf32>) -> tensor<2x4x16x64x32x10xf32>
    %5 = stablehlo.subtract %2, %4 : tensor<2x4x16x64x32x10xf32>
    %6 = stablehlo.multiply %5, %5 : tensor<2x4x16x64x32x10xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_0 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %7:2 = stablehlo.reduce(%5 init: %cst), (%6 init: %cst_0) across dimensions = [2, 3] : (tensor<2x4x16x64x32x10xf32>, tensor<2x4x16x64x32x10xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x4x32x10xf32>, tensor<2x4x32x10xf32>)
     reducer(%arg3: tensor<f32>, %arg5: tensor<f32>) (%arg4: tensor<f32>, %arg6: tensor<f32>)  {
      %59 = stablehlo.add %arg3, %arg5 : tensor<f32>
      %60 = stablehlo.add %arg4, %arg6 : tensor<f32>
      stablehlo.return %59, %60 : tensor<f32>, tensor<f32>
    }
    %8:2 = stablehlo.optimization_barrier %7#0, %7#1 : tensor<2x4x32x10xf32>, tensor<2x4x32x10xf32>
    %cst_1 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %9 = stablehlo.reduce(%8#0 init: %cst_1) applies stablehlo.add across dimensions = [1] : (tensor<2x4x32x10xf32>, tensor<f32>) -> tensor<2x32x10xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %10 = stablehlo.reduce(%8#1 init: %cst_2) applies stablehlo.add across dimensions = [1] : (tensor<2x4x32x10xf32>, tensor<f32>) -> tensor<2x32x10xf32>
    %11 = stablehlo.reshape %9 : (tensor<2x32x10xf32>) -> tensor<2x1x1x32x10xf32>
    %12 = stablehlo.reshape %10 : (tensor<2x32x10xf32>) -> tensor<2x1x1x32x10xf32>
    %13 = stablehlo.reshape %3 : (tensor<2x1x1x1x32x10xf32>) -> tensor<2x1x1x32x10xf32>
    %cst_3 = stablehlo.constant dense<4.096000e+03> : tensor<f32>
    %14 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x10xf32>
    %15 = stablehlo.divide %11, %14 : tensor<2x1x1x32x10xf32>
    %16 = stablehlo.add %13, %15 : tensor<2x1x1x32x10xf32>
    %cst_4 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %17 = stablehlo.reduce(%16 init: %cst_4) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x10xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %18 = stablehlo.broadcast_in_dim %17, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %cst_5 = stablehlo.constant dense<1.000000e+01> : tensor<f32>
    %19 = stablehlo.broadcast_in_dim %cst_5, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %20 = stablehlo.divide %18, %19 : tensor<2x1x1x32x1xf32>
    %21 = stablehlo.broadcast_in_dim %20, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x10xf32>
    %22 = stablehlo.subtract %13, %21 : tensor<2x1x1x32x10xf32>
    %cst_6 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %23 = stablehlo.broadcast_in_dim %cst_6, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x10xf32>
    %24 = stablehlo.multiply %23, %22 : tensor<2x1x1x32x10xf32>
    %25 = stablehlo.multiply %24, %11 : tensor<2x1x1x32x10xf32>
    %26 = stablehlo.add %12, %25 : tensor<2x1x1x32x10xf32>
    %cst_7 = stablehlo.constant dense<4.096000e+03> : tensor<f32>
    %27 = stablehlo.broadcast_in_dim %cst_7, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x10xf32>
    %28 = stablehlo.multiply %27, %22 : tensor<2x1x1x32x10xf32>
    %29 = stablehlo.multiply %28, %22 : tensor<2x1x1x32x10xf32>
    %30 = stablehlo.add %26, %29 : tensor<2x1x1x32x10xf32>
    %cst_8 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %31 = stablehlo.reduce(%30 init: %cst_8) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x10xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %32 = stablehlo.broadcast_in_dim %31, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %cst_9 = stablehlo.constant dense<4.096000e+04> : tensor<f32>
    %33 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %34 = stablehlo.divide %32, %33 : tensor<2x1x1x32x1xf32>
    %cst_10 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %35 = stablehlo.broadcast_in_dim %cst_10, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %36 = stablehlo.maximum %34, %35 : tensor<2x1x1x32x1xf32>
    %cst_11 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %37 = stablehlo.broadcast_in_dim %cst_11, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %38 = stablehlo.add %36, %37 : tensor<2x1x1x32x1xf32>
    %39 = stablehlo.rsqrt %38 : tensor<2x1x1x32x1xf32>
    %40 = stablehlo.convert %arg1 : (tensor<320xf16>) -> tensor<320xf32>
    %41 = stablehlo.reshape %40 : (tensor<320xf32>) -> tensor<1x1x1x32x10xf32>
    %42 = stablehlo.broadcast_in_dim %39, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x10xf32>
    %43 = stablehlo.broadcast_in_dim %41, dims = [0, 1, 2, 3, 4] : (tensor<1x1x1x32x10xf32>) -> tensor<2x1x1x32x10xf32>
    %44 = stablehlo.multiply %42, %43 : tensor<2x1x1x32x10xf32>
    %45 = stablehlo.negate %20 : tensor<2x1x1x32x1xf32>
    %46 = stablehlo.broadcast_in_dim %45, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x10xf32>
    %47 = stablehlo.multiply %46, %44 : tensor<2x1x1x32x10xf32>
    %48 = stablehlo.convert %arg2 : (tensor<320xf16>) -> tensor<320xf32>
    %49 = stablehlo.reshape %48 : (tensor<320xf32>) -> tensor<1x1x1x32x10xf32>
    %50 = stablehlo.broadcast_in_dim %49, dims = [0, 1, 2, 3, 4] : (tensor<1x1x1x32x10xf32>) -> tensor<2x1x1x32x10xf32>
    %51 = stablehlo.add %47, %50 : tensor<2x1x1x32x10xf32>
    %52:3 = stablehlo.optimization_barrier %1, %44, %51 : tensor<2x64x64x32x10xf32>, tensor<2x1x1x32x10xf32>, tensor<2x1x1x32x10xf32>
    %53 = stablehlo.broadcast_in_dim %52#1, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x10xf32>) -> tensor<2x64x64x32x10xf32>
    %54 = stablehlo.multiply %52#0, %53 : tensor<2x64x64x32x10xf32>
    %55 = stablehlo.broadcast_in_dim %52#2, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x10xf32>) -> tensor<2x64x64x32x10xf32>
    %56 = stablehlo.add %54, %55 : tensor<2x64x64x32x10xf32>
    %57 = stablehlo.convert %56 : (tensor<2x64x64x32x10xf32>) -> tensor<2x64x64x32x10xf16>
    %58 = stablehlo.reshape %57 : (tensor<2x64x64x32x10xf16>) -> tensor<2x64x64x320xf16>
    return %58 : tensor<2x64x64x320xf16>
  }
  func.func public @main_out(%a0: tensor<2x64x64x320xf16>, %a1: tensor<320xf16>, %a2: tensor<320xf16>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> tensor<2x64x64x320xf16> {
    %r = call @main(%a0, %a1, %a2) : (tensor<2x64x64x320xf16>, tensor<320xf16>, tensor<320xf16>) -> tensor<2x64x64x320xf16>
    return %r : tensor<2x64x64x320xf16>
  }
}
