module @jit_group_norm attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x16x16x1280xf16>, %arg1: tensor<1280xf16>, %arg2: tensor<1280xf16>) -> (tensor<2x16x16x1280xf16> {jax.result_info = "result"}) {
    %0 = stablehlo.reshape %arg0 : (tensor<2x16x16x1280xf16>) -> tensor<2x16x16x32x40xf16>
    %1 = stablehlo.convert %0 : (tensor<2x16x16x32x40xf16>) -> tensor<2x16x16x32x40xf32>
    %2 = stablehlo.slice %1 [0:2, 0:1, 0:1, 0:32, 0:40] : (tensor<2x16x16x32x40xf32>) -> tensor<2x1x1x32x40xf32>
    %3 = stablehlo.broadcast_in_dim %2, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x40xf32>) -> tensor<2x16x16x32x40xf32>
    %4 = stablehlo.subtract %1, %3 : tensor<2x16x16x32x40xf32>
    %5 = stablehlo.multiply %4, %4 : tensor<2x16x16x32x40xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_0 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %6:2 = stablehlo.reduce(%4 init: %cst), (%5 init: %cst_0) across dimensions = [1, 2] : (tensor<2x16x16x32x40xf32>, tensor<2x16x16x32x40xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x32x40xf32>, tensor<2x32x40xf32>)
     reducer(%arg3: tensor<f32>, %arg5: tensor<f32>) (%arg4: tensor<f32>, %arg6: tensor<f32>)  {
      %62 = stablehlo.add %arg3, %arg5 : tensor<f32>
      %63 = stablehlo.add %arg4, %arg6 : tensor<f32>
      stablehlo.return %62, %63 : tensor<f32>, tensor<f32>
    }
    %7 = stablehlo.reshape %6#0 : (tensor<2x32x40xf32>) -> tensor<2x1x1x32x40xf32>
    %8 = stablehlo.reshape %6#1 : (tensor<2x32x40xf32>) -> tensor<2x1x1x32x40xf32>
    %cst_1 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %9 = stablehlo.broadcast_in_dim %cst_1, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x40xf32>
    %10 = stablehlo.divide %7, %9 : tensor<2x1x1x32x40xf32>
    %11 = stablehlo.slice %2 [0:2, 0:1, 0:1, 0:32, 0:1] : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x32x1xf32>
    %12 = stablehlo.broadcast_in_dim %11, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %13 = stablehlo.subtract %2, %12 : tensor<2x1x1x32x40xf32>
    %14 = stablehlo.add %10, %13 : tensor<2x1x1x32x40xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %15 = stablehlo.reduce(%14 init: %cst_2) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %16 = stablehlo.broadcast_in_dim %15, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %cst_3 = stablehlo.constant dense<4.000000e+01> : tensor<f32>
    %17 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %18 = stablehlo.divide %16, %17 : tensor<2x1x1x32x1xf32>
    %19 = stablehlo.slice %2 [0:2, 0:1, 0:1, 0:32, 0:1] : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x32x1xf32>
    %20 = stablehlo.broadcast_in_dim %19, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %21 = stablehlo.subtract %2, %20 : tensor<2x1x1x32x40xf32>
    %22 = stablehlo.broadcast_in_dim %18, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %23 = stablehlo.subtract %21, %22 : tensor<2x1x1x32x40xf32>
    %cst_4 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %24 = stablehlo.broadcast_in_dim %cst_4, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x40xf32>
    %25 = stablehlo.multiply %24, %23 : tensor<2x1x1x32x40xf32>
    %26 = stablehlo.multiply %25, %7 : tensor<2x1x1x32x40xf32>
    %27 = stablehlo.add %8, %26 : tensor<2x1x1x32x40xf32>
    %cst_5 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %28 = stablehlo.broadcast_in_dim %cst_5, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x40xf32>
    %29 = stablehlo.multiply %28, %23 : tensor<2x1x1x32x40xf32>
    %30 = stablehlo.multiply %29, %23 : tensor<2x1x1x32x40xf32>
    %31 = stablehlo.add %27, %30 : tensor<2x1x1x32x40xf32>
    %cst_6 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %32 = stablehlo.reduce(%31 init: %cst_6) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %33 = stablehlo.broadcast_in_dim %32, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %34 = stablehlo.negate %23 : tensor<2x1x1x32x40xf32>
    %cst_7 = stablehlo.constant dense<1.024000e+04> : tensor<f32>
    %35 = stablehlo.broadcast_in_dim %cst_7, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %36 = stablehlo.divide %33, %35 : tensor<2x1x1x32x1xf32>
    %cst_8 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %37 = stablehlo.broadcast_in_dim %cst_8, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %38 = stablehlo.maximum %36, %37 : tensor<2x1x1x32x1xf32>
    %cst_9 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %39 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %40 = stablehlo.add %38, %39 : tensor<2x1x1x32x1xf32>
    %41 = stablehlo.rsqrt %40 : tensor<2x1x1x32x1xf32>
    %42 = stablehlo.convert %arg1 : (tensor<1280xf16>) -> tensor<1280xf32>
    %43 = stablehlo.reshape %42 : (tensor<1280xf32>) -> tensor<1x1x1x32x40xf32>
    %44 = stablehlo.broadcast_in_dim %41, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %45 = stablehlo.broadcast_in_dim %43, dims = [0, 1, 2, 3, 4] : (tensor<1x1x1x32x40xf32>) -> tensor<2x1x1x32x40xf32>
    %46 = stablehlo.multiply %44, %45 : tensor<2x1x1x32x40xf32>
    %47 = stablehlo.negate %34 : tensor<2x1x1x32x40xf32>
    %48 = stablehlo.multiply %47, %46 : tensor<2x1x1x32x40xf32>
    %49 = stablehlo.convert %arg2 : (tensor<1280xf16>) -> tensor<1280xf32>
    %50 = stablehlo.reshape %49 : (tensor<1280xf32>) -> tensor<1x1x1x32x40xf32>
    %51 = stablehlo.broadcast_in_dim %50, dims = [0, 1, 2, 3, 4] : (tensor<1x1x1x32x40xf32>) -> tensor<2x1x1x32x40xf32>
    %52 = stablehlo.add %48, %51 : tensor<2x1x1x32x40xf32>
    %53:4 = stablehlo.optimization_barrier %1, %2, %46, %52 : tensor<2x16x16x32x40xf32>, tensor<2x1x1x32x40xf32>, tensor<2x1x1x32x40xf32>, tensor<2x1x1x32x40xf32>
    %54 = stablehlo.broadcast_in_dim %53#1, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x40xf32>) -> tensor<2x16x16x32x40xf32>
    %55 = stablehlo.subtract %53#0, %54 : tensor<2x16x16x32x40xf32>
    %56 = stablehlo.broadcast_in_dim %53#2, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x40xf32>) -> tensor<2x16x16x32x40xf32>
    %57 = stablehlo.multiply %55, %56 : tensor<2x16x16x32x40xf32>
    %58 = stablehlo.broadcast_in_dim %53#3, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x40xf32>) -> tensor<2x16x16x32x40xf32>
    %59 = stablehlo.add %57, %58 : tensor<2x16x16x32x40xf32>
    %60 = stablehlo.convert %59 : (tensor<2x16x16x32x40xf32>) -> tensor<2x16x16x32x40xf16>
    %61 = stablehlo.reshape %60 : (tensor<2x16x16x32x40xf16>) -> tensor<2x16x16x1280xf16>
    return %61 : tensor<2x16x16x1280xf16>
  }
  func.func public @main_out(%a0: tensor<2x16x16x1280xf16>, %a1: tensor<1280xf16>, %a2: tensor<1280xf16>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> tensor<2x16x16x1280xf16> {
    %r = call @main(%a0, %a1, %a2) : (tensor<2x16x16x1280xf16>, tensor<1280xf16>, tensor<1280xf16>) -> tensor<2x16x16x1280xf16>
    return %r : tensor<2x16x16x1280xf16>
  }
}
