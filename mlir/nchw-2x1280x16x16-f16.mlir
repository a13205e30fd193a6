module @jit_group_norm attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x1280x16x16xf16>, %arg1: tensor<1280xf16>, %arg2: tensor<1280xf16>) -> (tensor<2x1280x16x16xf16> {jax.result_info = "result"}) {
    %0 = stablehlo.convert %arg0 : (tensor<2x1280x16x16xf16>) -> tensor<2x1280x16x16xf32>
    %1 = stablehlo.slice %0 [0:2, 0:1280, 0:1, 0:1] : (tensor<2x1280x16x16xf32>) -> tensor<2x1280x1x1xf32>
    %2 = stablehlo.broadcast_in_dim %1, dims = [0, 1, 2, 3] : (tensor<2x1280x1x1xf32>) -> tensor<2x1280x16x16xf32>
    %3 = stablehlo.subtract %0, %2 : tensor<2x1280x16x16xf32>
    %4 = stablehlo.multiply %3, %3 : tensor<2x1280x16x16xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_0 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %5:2 = stablehlo.reduce(%3 init: %cst), (%4 init: %cst_0) across dimensions = [2, 3] : (tensor<2x1280x16x16xf32>, tensor<2x1280x16x16xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x1280xf32>, tensor<2x1280xf32>)
     reducer(%arg3: tensor<f32>, %arg5: tensor<f32>) (%arg4: tensor<f32>, %arg6: tensor<f32>)  {
      %65 = stablehlo.add %arg3, %arg5 : tensor<f32>
      %66 = stablehlo.add %arg4, %arg6 : tensor<f32>
      stablehlo.return %65, %66 : tensor<f32>, tensor<f32>
    }
    %6 = stablehlo.reshape %5#0 : (tensor<2x1280xf32>) -> tensor<2x32x40x1x1xf32>
    %7 = stablehlo.reshape %5#1 : (tensor<2x1280xf32>) -> tensor<2x32x40x1x1xf32>
    %8 = stablehlo.reshape %1 : (tensor<2x1280x1x1xf32>) -> tensor<2x32x40x1x1xf32>
    %cst_1 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %9 = stablehlo.broadcast_in_dim %cst_1, dims = [] : (tensor<f32>) -> tensor<2x32x40x1x1xf32>
    %10 = stablehlo.divide %6, %9 : tensor<2x32x40x1x1xf32>
    %11 = stablehlo.slice %8 [0:2, 0:32, 0:1, 0:1, 0:1] : (tensor<2x32x40x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %12 = stablehlo.broadcast_in_dim %11, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x40x1x1xf32>
    %13 = stablehlo.subtract %8, %12 : tensor<2x32x40x1x1xf32>
    %14 = stablehlo.add %10, %13 : tensor<2x32x40x1x1xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %15 = stablehlo.reduce(%14 init: %cst_2) applies stablehlo.add across dimensions = [2] : (tensor<2x32x40x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %16 = stablehlo.broadcast_in_dim %15, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %cst_3 = stablehlo.constant dense<4.000000e+01> : tensor<f32>
    %17 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %18 = stablehlo.divide %16, %17 : tensor<2x32x1x1x1xf32>
    %19 = stablehlo.slice %8 [0:2, 0:32, 0:1, 0:1, 0:1] : (tensor<2x32x40x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %20 = stablehlo.broadcast_in_dim %19, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x40x1x1xf32>
    %21 = stablehlo.subtract %8, %20 : tensor<2x32x40x1x1xf32>
    %22 = stablehlo.broadcast_in_dim %18, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x40x1x1xf32>
    %23 = stablehlo.subtract %21, %22 : tensor<2x32x40x1x1xf32>
    %cst_4 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %24 = stablehlo.broadcast_in_dim %cst_4, dims = [] : (tensor<f32>) -> tensor<2x32x40x1x1xf32>
    %25 = stablehlo.multiply %24, %23 : tensor<2x32x40x1x1xf32>
    %26 = stablehlo.multiply %25, %6 : tensor<2x32x40x1x1xf32>
    %27 = stablehlo.add %7, %26 : tensor<2x32x40x1x1xf32>
    %cst_5 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %28 = stablehlo.broadcast_in_dim %cst_5, dims = [] : (tensor<f32>) -> tensor<2x32x40x1x1xf32>
    %29 = stablehlo.multiply %28, %23 : tensor<2x32x40x1x1xf32>
    %30 = stablehlo.multiply %29, %23 : tensor<2x32x40x1x1xf32>
    %31 = stablehlo.add %27, %30 : tensor<2x32x40x1x1xf32>
    %cst_6 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %32 = stablehlo.reduce(%31 init: %cst_6) applies stablehlo.add across dimensions = [2] : (tensor<2x32x40x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %33 = stablehlo.broadcast_in_dim %32, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %cst_7 = stablehlo.constant dense<1.024000e+04> : tensor<f32>
    %34 = stablehlo.broadcast_in_dim %cst_7, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %35 = stablehlo.divide %33, %34 : tensor<2x32x1x1x1xf32>
    %cst_8 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %36 = stablehlo.broadcast_in_dim %cst_8, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %37 = stablehlo.maximum %35, %36 : tensor<2x32x1x1x1xf32>
    %38 = stablehlo.broadcast_in_dim %37, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x40x1x1xf32>
    %39 = stablehlo.reshape %8 : (tensor<2x32x40x1x1xf32>) -> tensor<2x1280x1x1xf32>
    %40 = stablehlo.negate %23 : tensor<2x32x40x1x1xf32>
    %41 = stablehlo.reshape %40 : (tensor<2x32x40x1x1xf32>) -> tensor<2x1280x1x1xf32>
    %42 = stablehlo.reshape %38 : (tensor<2x32x40x1x1xf32>) -> tensor<2x1280x1x1xf32>
    %cst_9 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %43 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<2x1280x1x1xf32>
    %44 = stablehlo.add %42, %43 : tensor<2x1280x1x1xf32>
    %45 = stablehlo.rsqrt %44 : tensor<2x1280x1x1xf32>
    %46 = stablehlo.convert %arg1 : (tensor<1280xf16>) -> tensor<1280xf32>
    %47 = stablehlo.reshape %46 : (tensor<1280xf32>) -> tensor<1x1280x1x1xf32>
    %48 = stablehlo.broadcast_in_dim %47, dims = [0, 1, 2, 3] : (tensor<1x1280x1x1xf32>) -> tensor<2x1280x1x1xf32>
    %49 = stablehlo.multiply %45, %48 : tensor<2x1280x1x1xf32>
    %50 = stablehlo.negate %41 : tensor<2x1280x1x1xf32>
    %51 = stablehlo.multiply %50, %49 : tensor<2x1280x1x1xf32>
    %52 = stablehlo.convert %arg2 : (tensor<1280xf16>) -> tensor<1280xf32>
    %53 = stablehlo.reshape %52 : (tensor<1280xf32>) -> tensor<1x1280x1x1xf32>
    %54 = stablehlo.broadcast_in_dim %53, dims = [0, 1, 2, 3] : (tensor<1x1280x1x1xf32>) -> tensor<2x1280x1x1xf32>
    %55 = stablehlo.add %51, %54 : tensor<2x1280x1x1xf32>
    %56:4 = stablehlo.optimization_barrier %arg0, %39, %49, %55 : tensor<2x1280x16x16xf16>, tensor<2x1280x1x1xf32>, tensor<2x1280x1x1xf32>, tensor<2x1280x1x1xf32>
    %57 = stablehlo.convert %56#0 : (tensor<2x1280x16x16xf16>) -> tensor<2x1280x16x16xf32>
    %58 = stablehlo.broadcast_in_dim %56#1, dims = [0, 1, 2, 3] : (tensor<2x1280x1x1xf32>) -> tensor<2x1280x16x16xf32>
    %59 = stablehlo.subtract %57, %58 : tensor<2x1280x16x16xf32>
    %60 = stablehlo.broadcast_in_dim %56#2, dims = [0, 1, 2, 3] : (tensor<2x1280x1x1xf32>) -> tensor<2x1280x16x16xf32>
    %61 = stablehlo.multiply %59, %60 : tensor<2x1280x16x16xf32>
    %62 = stablehlo.broadcast_in_dim %56#3, dims = [0, 1, 2, 3] : (tensor<2x1280x1x1xf32>) -> tensor<2x1280x16x16xf32>
    %63 = stablehlo.add %61, %62 : tensor<2x1280x16x16xf32>
    %64 = stablehlo.convert %63 : (tensor<2x1280x16x16xf32>) -> tensor<2x1280x16x16xf16>
    return %64 : tensor<2x1280x16x16xf16>
  }
  func.func public @main_out(%a0: tensor<2x1280x16x16xf16>, %a1: tensor<1280xf16>, %a2: tensor<1280xf16>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> tensor<2x1280x16x16xf16> {
    %r = call @main(%a0, %a1, %a2) : (tensor<2x1280x16x16xf16>, tensor<1280xf16>, tensor<1280xf16>) -> tensor<2x1280x16x16xf16>
    return %r : tensor<2x1280x16x16xf16>
  }
}
