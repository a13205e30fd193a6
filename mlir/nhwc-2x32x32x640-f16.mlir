module @jit_group_norm attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x32x32x640xf16>, %arg1: tensor<640xf16>, %arg2: tensor<640xf16>) -> (tensor<2x32x32x640xf16> {jax.result_info = "result"}) {
    %0 = stablehlo.convert %arg0 : (tensor<2x32x32x640xf16>) -> tensor<2x32x32x640xf32>
    %1 = stablehlo.reshape %0 : (tensor<2x32x32x640xf32>) -> tensor<2x4x8x32x640xf32>
    %2 = stablehlo.slice %1 [0:2, 0:1, 0:1, 0:1, 0:640] : (tensor<2x4x8x32x640xf32>) -> tensor<2x1x1x1x640xf32>
    %3 = stablehlo.broadcast_in_dim %2, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x1x640xf32>) -> tensor<2x4x8x32x640xf32>
    %4 = stablehlo.subtract %1, %3 : tensor<2x4x8x32x640xf32>
    %5 = stablehlo.multiply %4, %4 : tensor<2x4x8x32x640xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_0 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %6:2 = stablehlo.reduce(%4 init: %cst), (%5 init: %cst_0) across dimensions = [2, 3] : (tensor<2x4x8x32x640xf32>, tensor<2x4x8x32x640xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x4x640xf32>, tensor<2x4x640xf32>)
     reducer(%arg3: tensor<f32>, %arg5: tensor<f32>) (%arg4: tensor<f32>, %arg6: tensor<f32>)  {
      %69 = stablehlo.add %arg3, %arg5 : tensor<f32>
      %70 = stablehlo.add %arg4, %arg6 : tensor<f32>
      stablehlo.return %69, %70 : tensor<f32>, tensor<f32>
    }
    %7:2 = stablehlo.optimization_barrier %6#0, %6#1 : tensor<2x4x640xf32>, tensor<2x4x640xf32>
    %cst_1 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %8 = stablehlo.reduce(%7#0 init: %cst_1) applies stablehlo.add across dimensions = [1] : (tensor<2x4x640xf32>, tensor<f32>) -> tensor<2x640xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %9 = stablehlo.reduce(%7#1 init: %cst_2) applies stablehlo.add across dimensions = [1] : (tensor<2x4x640xf32>, tensor<f32>) -> tensor<2x640xf32>
    %10 = stablehlo.reshape %8 : (tensor<2x640xf32>) -> tensor<2x1x1x32x20xf32>
    %11 = stablehlo.reshape %9 : (tensor<2x640xf32>) -> tensor<2x1x1x32x20xf32>
    %12 = stablehlo.reshape %2 : (tensor<2x1x1x1x640xf32>) -> tensor<2x1x1x32x20xf32>
    %cst_3 = stablehlo.constant dense<1.024000e+03> : tensor<f32>
    %13 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x20xf32>
    %14 = stablehlo.divide %10, %13 : tensor<2x1x1x32x20xf32>
    %15 = stablehlo.slice %12 [0:2, 0:1, 0:1, 0:32, 0:1] : (tensor<2x1x1x32x20xf32>) -> tensor<2x1x1x32x1xf32>
    %16 = stablehlo.broadcast_in_dim %15, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x20xf32>
    %17 = stablehlo.subtract %12, %16 : tensor<2x1x1x32x20xf32>
    %18 = stablehlo.add %14, %17 : tensor<2x1x1x32x20xf32>
    %cst_4 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %19 = stablehlo.reduce(%18 init: %cst_4) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x20xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %20 = stablehlo.broadcast_in_dim %19, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %cst_5 = stablehlo.constant dense<2.000000e+01> : tensor<f32>
    %21 = stablehlo.broadcast_in_dim %cst_5, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %22 = stablehlo.divide %20, %21 : tensor<2x1x1x32x1xf32>
    %23 = stablehlo.slice %12 [0:2, 0:1, 0:1, 0:32, 0:1] : (tensor<2x1x1x32x20xf32>) -> tensor<2x1x1x32x1xf32>
    %24 = stablehlo.broadcast_in_dim %23, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x20xf32>
    %25 = stablehlo.subtract %12, %24 : tensor<2x1x1x32x20xf32>
    %26 = stablehlo.broadcast_in_dim %22, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x20xf32>
    %27 = stablehlo.subtract %25, %26 : tensor<2x1x1x32x20xf32>
    %cst_6 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %28 = stablehlo.broadcast_in_dim %cst_6, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x20xf32>
    %29 = stablehlo.multiply %28, %27 : tensor<2x1x1x32x20xf32>
    %30 = stablehlo.multiply %29, %10 : tensor<2x1x1x32x20xf32>
    %31 = stablehlo.add %11, %30 : tensor<2x1x1x32x20xf32>
    %cst_7 = stablehlo.constant dense<1.024000e+03> : tensor<f32>
    %32 = stablehlo.broadcast_in_dim %cst_7, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x20xf32>
    %33 = stablehlo.multiply %32, %27 : tensor<2x1x1x32x20xf32>
    %34 = stablehlo.multiply %33, %27 : tensor<2x1x1x32x20xf32>
    %35 = stablehlo.add %31, %34 : tensor<2x1x1x32x20xf32>
    %cst_8 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %36 = stablehlo.reduce(%35 init: %cst_8) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x20xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %37 = stablehlo.broadcast_in_dim %36, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %cst_9 = stablehlo.constant dense<2.048000e+04> : tensor<f32>
    %38 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %39 = stablehlo.divide %37, %38 : tensor<2x1x1x32x1xf32>
    %cst_10 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %40 = stablehlo.broadcast_in_dim %cst_10, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %41 = stablehlo.maximum %39, %40 : tensor<2x1x1x32x1xf32>
    %42 = stablehlo.broadcast_in_dim %41, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x20xf32>
    %43 = stablehlo.reshape %12 : (tensor<2x1x1x32x20xf32>) -> tensor<2x1x1x640xf32>
    %44 = stablehlo.negate %27 : tensor<2x1x1x32x20xf32>
    %45 = stablehlo.reshape %44 : (tensor<2x1x1x32x20xf32>) -> tensor<2x1x1x640xf32>
    %46 = stablehlo.reshape %42 : (tensor<2x1x1x32x20xf32>) -> tensor<2x1x1x640xf32>
    %cst_11 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %47 = stablehlo.broadcast_in_dim %cst_11, dims = [] : (tensor<f32>) -> tensor<2x1x1x640xf32>
    %48 = stablehlo.add %46, %47 : tensor<2x1x1x640xf32>
    %49 = stablehlo.rsqrt %48 : tensor<2x1x1x640xf32>
    %50 = stablehlo.convert %arg1 : (tensor<640xf16>) -> tensor<640xf32>
    %51 = stablehlo.reshape %50 : (tensor<640xf32>) -> tensor<1x1x1x640xf32>
    %52 = stablehlo.broadcast_in_dim %51, dims = [0, 1, 2, 3] : (tensor<1x1x1x640xf32>) -> tensor<2x1x1x640xf32>
    %53 = stablehlo.multiply %49, %52 : tensor<2x1x1x640xf32>
    %54 = stablehlo.negate %45 : tensor<2x1x1x640xf32>
    %55 = stablehlo.multiply %54, %53 : tensor<2x1x1x640xf32>
    %56 = stablehlo.convert %arg2 : (tensor<640xf16>) -> tensor<640xf32>
    %57 = stablehlo.reshape %56 : (tensor<640xf32>) -> tensor<1x1x1x640xf32>
    %58 = stablehlo.broadcast_in_dim %57, dims = [0, 1, 2, 3] : (tensor<1x1x1x640xf32>) -> tensor<2x1x1x640xf32>
    %59 = stablehlo.add %55, %58 : tensor<2x1x1x640xf32>
    %60:4 = stablehlo.optimization_barrier %arg0, %43, %53, %59 : tensor<2x32x32x640xf16>, tensor<2x1x1x640xf32>, tensor<2x1x1x640xf32>, tensor<2x1x1x640xf32>
    %61 = stablehlo.convert %60#0 : (tensor<2x32x32x640xf16>) -> tensor<2x32x32x640xf32>
    %62 = stablehlo.broadcast_in_dim %60#1, dims = [0, 1, 2, 3] : (tensor<2x1x1x640xf32>) -> tensor<2x32x32x640xf32>
    %63 = stablehlo.subtract %61, %62 : tensor<2x32x32x640xf32>
    %64 = stablehlo.broadcast_in_dim %60#2, dims = [0, 1, 2, 3] : (tensor<2x1x1x640xf32>) -> tensor<2x32x32x640xf32>
    %65 = stablehlo.multiply %63, %64 : tensor<2x32x32x640xf32>
    %66 = stablehlo.broadcast_in_dim %60#3, dims = [0, 1, 2, 3] : (tensor<2x1x1x640xf32>) -> tensor<2x32x32x640xf32>
    %67 = stablehlo.add %65, %66 : tensor<2x32x32x640xf32>
    %68 = stablehlo.convert %67 : (tensor<2x32x32x640xf32>) -> tensor<2x32x32x640xf16>
    return %68 : tensor<2x32x32x640xf16>
  }
  func.func public @main_out(%a0: tensor<2x32x32x640xf16>, %a1: tensor<640xf16>, %a2: tensor<640xf16>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> tensor<2x32x32x640xf16> {
    %r = call @main(%a0, %a1, %a2) : (tensor<2x32x32x640xf16>, tensor<640xf16>, tensor<640xf16>) -> tensor<2x32x32x640xf16>
    return %r : tensor<2x32x32x640xf16>
  }
}
