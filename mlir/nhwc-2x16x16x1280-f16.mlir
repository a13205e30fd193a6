module @jit_group_norm attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x16x16x1280xf16>, %arg1: tensor<1280xf16>, %arg2: tensor<1280xf16>) -> (tensor<2x16x16x1280xf16> {jax.result_info = "result"}) {
    %0 = stablehlo.slice %arg0 [0:2, 0:1, 0:1, 0:1280] : (tensor<2x16x16x1280xf16>) -> tensor<2x1x1x1280xf16>
    %1 = stablehlo.convert %0 : (tensor<2x1x1x1280xf16>) -> tensor<2x1x1x1280xf32>
    %2 = stablehlo.convert %arg0 : (tensor<2x16x16x1280xf16>) -> tensor<2x16x16x1280xf32>
    %3 = stablehlo.broadcast_in_dim %1, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %4 = stablehlo.subtract %2, %3 : tensor<2x16x16x1280xf32>
    %5 = stablehlo.multiply %4, %4 : tensor<2x16x16x1280xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_0 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %6:2 = stablehlo.reduce(%4 init: %cst), (%5 init: %cst_0) across dimensions = [1, 2] : (tensor<2x16x16x1280xf32>, tensor<2x16x16x1280xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x1280xf32>, tensor<2x1280xf32>)
     reducer(%arg3: tensor<f32>, %arg5: tensor<f32>) (%arg4: tensor<f32>, %arg6: tensor<f32>)  {
      %66 = stablehlo.add %arg3, %arg5 : tensor<f32>
      %67 = stablehlo.add %arg4, %arg6 : tensor<f32>
      stablehlo.return %66, %67 : tensor<f32>, tensor<f32>
    }
    %7 = stablehlo.reshape %6#0 : (tensor<2x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %8 = stablehlo.reshape %6#1 : (tensor<2x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %9 = stablehlo.reshape %1 : (tensor<2x1x1x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %cst_1 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %10 = stablehlo.broadcast_in_dim %cst_1, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x40xf32>
    %11 = stablehlo.divide %7, %10 : tensor<2x1x1x32x40xf32>
    %12 = stablehlo.slice %9 [0:2, 0:1, 0:1, 0:32, 0:1] : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x32x1xf32>
    %13 = stablehlo.broadcast_in_dim %12, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %14 = stablehlo.subtract %9, %13 : tensor<2x1x1x32x40xf32>
    %15 = stablehlo.add %11, %14 : tensor<2x1x1x32x40xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %16 = stablehlo.reduce(%15 init: %cst_2) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %17 = stablehlo.broadcast_in_dim %16, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %cst_3 = stablehlo.constant dense<4.000000e+01> : tensor<f32>
    %18 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %19 = stablehlo.divide %17, %18 : tensor<2x1x1x32x1xf32>
    %20 = stablehlo.slice %9 [0:2, 0:1, 0:1, 0:32, 0:1] : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x32x1xf32>
    %21 = stablehlo.broadcast_in_dim %20, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %22 = stablehlo.subtract %9, %21 : tensor<2x1x1x32x40xf32>
    %23 = stablehlo.broadcast_in_dim %19, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %24 = stablehlo.subtract %22, %23 : tensor<2x1x1x32x40xf32>
    %cst_4 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %25 = stablehlo.broadcast_in_dim %cst_4, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x40xf32>
    %26 = stablehlo.multiply %25, %24 : tensor<2x1x1x32x40xf32>
    %27 = stablehlo.multiply %26, %7 : tensor<2x1x1x32x40xf32>
    %28 = stablehlo.add %8, %27 : tensor<2x1x1x32x40xf32>
    %cst_5 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %29 = stablehlo.broadcast_in_dim %cst_5, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x40xf32>
    %30 = stablehlo.multiply %29, %24 : tensor<2x1x1x32x40xf32>
    %31 = stablehlo.multiply %30, %24 : tensor<2x1x1x32x40xf32>
    %32 = stablehlo.add %28, %31 : tensor<2x1x1x32x40xf32>
    %cst_6 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %33 = stablehlo.reduce(%32 init: %cst_6) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %34 = stablehlo.broadcast_in_dim %33, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %cst_7 = stablehlo.constant dense<1.024000e+04> : tensor<f32>
    %35 = stablehlo.broadcast_in_dim %cst_7, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %36 = stablehlo.divide %34, %35 : tensor<2x1x1x32x1xf32>
    %cst_8 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %37 = stablehlo.broadcast_in_dim %cst_8, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %38 = stablehlo.maximum %36, %37 : tensor<2x1x1x32x1xf32>
    %39 = stablehlo.broadcast_in_dim %38, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %40 = stablehlo.reshape %9 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %41 = stablehlo.negate %24 : tensor<2x1x1x32x40xf32>
    %42 = stablehlo.reshape %41 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %43 = stablehlo.reshape %39 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %cst_9 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %44 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %45 = stablehlo.add %43, %44 : tensor<2x1x1x1280xf32>
    %46 = stablehlo.rsqrt %45 : tensor<2x1x1x1280xf32>
    %47 = stablehlo.convert %arg1 : (tensor<1280xf16>) -> tensor<1280xf32>
    %48 = stablehlo.reshape %47 : (tensor<1280xf32>) -> tensor<1x1x1x1280xf32>
    %49 = stablehlo.broadcast_in_dim %48, dims = [0, 1, 2, 3] : (tensor<1x1x1x1280xf32>) -> tensor<2x1x1x1280xf32>
    %50 = stablehlo.multiply %46, %49 : tensor<2x1x1x1280xf32>
    %51 = stablehlo.negate %42 : tensor<2x1x1x1280xf32>
    %52 = stablehlo.multiply %51, %50 : tensor<2x1x1x1280xf32>
    %53 = stablehlo.convert %arg2 : (tensor<1280xf16>) -> tensor<1280xf32>
    %54 = stablehlo.reshape %53 : (tensor<1280xf32>) -> tensor<1x1x1x1280xf32>
    %55 = stablehlo.broadcast_in_dim %54, dims = [0, 1, 2, 3] : (tensor<1x1x1x1280xf32>) -> tensor<2x1x1x1280xf32>
    %56 = stablehlo.add %52, %55 : tensor<2x1x1x1280xf32>
    %57:4 = stablehlo.optimization_barrier %arg0, %40, %50, %56 : tensor<2x16x16x1280xf16>, tensor<2x1x1x1280xf32>, tensor<2x1x1x1280xf32>, tensor<2x1x1x1280xf32>
    %58 = stablehlo.convert %57#0 : (tensor<2x16x16x1280xf16>) -> tensor<2x16x16x1280xf32>
    %59 = stablehlo.broadcast_in_dim %57#1, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %60 = stablehlo.subtract %58, %59 : tensor<2x16x16x1280xf32>
    %61 = stablehlo.broadcast_in_dim %57#2, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %62 = stablehlo.multiply %60, %61 : tensor<2x16x16x1280xf32>
    %63 = stablehlo.broadcast_in_dim %57#3, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %64 = stablehlo.add %62, %63 : tensor<2x16x16x1280xf32>
    %65 = stablehlo.convert %64 : (tensor<2x16x16x1280xf32>) -> tensor<2x16x16x1280xf16>
    return %65 : tensor<2x16x16x1280xf16>
  }
  func.func public @main_out(%a0: tensor<2x16x16x1280xf16>, %a1: tensor<1280xf16>, %a2: tensor<1280xf16>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> tensor<2x16x16x1280xf16> {
    %r = call @main(%a0, %a1, %a2) : (tensor<2x16x16x1280xf16>, tensor<1280xf16>, tensor<1280xf16>) -> tensor<2x16x16x1280xf16>
    return %r : tensor<2x16x16x1280xf16>
  }
}
