module @jit_group_norm attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x16x16x1280xf32>, %arg1: tensor<1280xf32>, %arg2: tensor<1280xf32>) -> (tensor<2x16x16x1280xf32> {jax.result_info = "result"}) {
    %0 = stablehlo.slice %arg0 [0:2, 0:1, 0:1, 0:1280] : (tensor<2x16x16x1280xf32>) -> tensor<2x1x1x1280xf32>
    %1 = stablehlo.slice %arg0 [0:2, 0:1, 8:9, 0:1280] : (tensor<2x16x16x1280xf32>) -> tensor<2x1x1x1280xf32>
    %2 = stablehlo.slice %arg0 [0:2, 0:1, 15:16, 0:1280] : (tensor<2x16x16x1280xf32>) -> tensor<2x1x1x1280xf32>
    %3 = stablehlo.minimum %0, %1 : tensor<2x1x1x1280xf32>
    %4 = stablehlo.maximum %0, %1 : tensor<2x1x1x1280xf32>
    %5 = stablehlo.minimum %4, %2 : tensor<2x1x1x1280xf32>
    %6 = stablehlo.maximum %3, %5 : tensor<2x1x1x1280xf32>
    %7 = stablehlo.broadcast_in_dim %6, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %8 = stablehlo.subtract %arg0, %7 : tensor<2x16x16x1280xf32>
    %9 = stablehlo.multiply %8, %8 : tensor<2x16x16x1280xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_0 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %10:2 = stablehlo.reduce(%8 init: %cst), (%9 init: %cst_0) across dimensions = [1, 2] : (tensor<2x16x16x1280xf32>, tensor<2x16x16x1280xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x1280xf32>, tensor<2x1280xf32>)
     reducer(%arg3: tensor<f32>, %arg5: tensor<f32>) (%arg4: tensor<f32>, %arg6: tensor<f32>)  {
      %66 = stablehlo.add %arg3, %arg5 : tensor<f32>
      %67 = stablehlo.add %arg4, %arg6 : tensor<f32>
      stablehlo.return %66, %67 : tensor<f32>, tensor<f32>
    }
    %11 = stablehlo.reshape %10#0 : (tensor<2x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %12 = stablehlo.reshape %10#1 : (tensor<2x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %13 = stablehlo.reshape %6 : (tensor<2x1x1x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %cst_1 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %14 = stablehlo.broadcast_in_dim %cst_1, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x40xf32>
    %15 = stablehlo.divide %11, %14 : tensor<2x1x1x32x40xf32>
    %16 = stablehlo.slice %13 [0:2, 0:1, 0:1, 0:32, 0:1] : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x32x1xf32>
    %17 = stablehlo.broadcast_in_dim %16, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %18 = stablehlo.subtract %13, %17 : tensor<2x1x1x32x40xf32>
    %19 = stablehlo.add %15, %18 : tensor<2x1x1x32x40xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %20 = stablehlo.reduce(%19 init: %cst_2) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %21 = stablehlo.broadcast_in_dim %20, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %cst_3 = stablehlo.constant dense<4.000000e+01> : tensor<f32>
    %22 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %23 = stablehlo.divide %21, %22 : tensor<2x1x1x32x1xf32>
    %24 = stablehlo.slice %13 [0:2, 0:1, 0:1, 0:32, 0:1] : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x32x1xf32>
    %25 = stablehlo.broadcast_in_dim %24, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %26 = stablehlo.subtract %13, %25 : tensor<2x1x1x32x40xf32>
    %27 = stablehlo.broadcast_in_dim %23, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %28 = stablehlo.subtract %26, %27 : tensor<2x1x1x32x40xf32>
    %cst_4 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %29 = stablehlo.broadcast_in_dim %cst_4, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x40xf32>
    %30 = stablehlo.multiply %29, %28 : tensor<2x1x1x32x40xf32>
    %31 = stablehlo.multiply %30, %11 : tensor<2x1x1x32x40xf32>
    %32 = stablehlo.add %12, %31 : tensor<2x1x1x32x40xf32>
    %cst_5 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %33 = stablehlo.broadcast_in_dim %cst_5, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x40xf32>
    %34 = stablehlo.multiply %33, %28 : tensor<2x1x1x32x40xf32>
    %35 = stablehlo.multiply %34, %28 : tensor<2x1x1x32x40xf32>
    %36 = stablehlo.add %32, %35 : tensor<2x1x1x32x40xf32>
    %cst_6 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %37 = stablehlo.reduce(%36 init: %cst_6) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %38 = stablehlo.broadcast_in_dim %37, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %cst_7 = stablehlo.constant dense<1.024000e+04> : tensor<f32>
    %39 = stablehlo.broadcast_in_dim %cst_7, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %40 = stablehlo.divide %38, %39 : tensor<2x1x1x32x1xf32>
    %cst_8 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %41 = stablehlo.broadcast_in_dim %cst_8, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %42 = stablehlo.maximum %40, %41 : tensor<2x1x1x32x1xf32>
    %43 = stablehlo.broadcast_in_dim %42, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %44 = stablehlo.reshape %13 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %45 = stablehlo.negate %28 : tensor<2x1x1x32x40xf32>
    %46 = stablehlo.reshape %45 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %47 = stablehlo.reshape %43 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %cst_9 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %48 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %49 = stablehlo.add %47, %48 : tensor<2x1x1x1280xf32>
    %50 = stablehlo.rsqrt %49 : tensor<2x1x1x1280xf32>
    %51 = stablehlo.reshape %arg1 : (tensor<1280xf32>) -> tensor<1x1x1x1280xf32>
    %52 = stablehlo.broadcast_in_dim %51, dims = [0, 1, 2, 3] : (tensor<1x1x1x1280xf32>) -> tensor<2x1x1x1280xf32>
    %53 = stablehlo.multiply %50, %52 : tensor<2x1x1x1280xf32>
    %54 = stablehlo.negate %46 : tensor<2x1x1x1280xf32>
    %55 = stablehlo.multiply %54, %53 : tensor<2x1x1x1280xf32>
    %56 = stablehlo.reshape %arg2 : (tensor<1280xf32>) -> tensor<1x1x1x1280xf32>
    %57 = stablehlo.broadcast_in_dim %56, dims = [0, 1, 2, 3] : (tensor<1x1x1x1280xf32>) -> tensor<2x1x1x1280xf32>
    %58 = stablehlo.add %55, %57 : tensor<2x1x1x1280xf32>
    %59:4 = stablehlo.optimization_barrier %arg0, %44, %53, %58 : tensor<2x16x16x1280xf32>, tensor<2x1x1x1280xf32>, tensor<2x1x1x1280xf32>, tensor<2x1x1x1280xf32>
    %60 = stablehlo.broadcast_in_dim %59#1, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %61 = stablehlo.subtract %59#0, %60 : tensor<2x16x16x1280xf32>
    %62 = stablehlo.broadcast_in_dim %59#2, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %63 = stablehlo.multiply %61, %62 : tensor<2x16x16x1280xf32>
    %64 = stablehlo.broadcast_in_dim %59#3, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %65 = stablehlo.add %63, %64 : tensor<2x16x16x1280xf32>
    return %65 : tensor<2x16x16x1280xf32>
  }
  func.func public @main_out(%a0: tensor<2x16x16x1280xf32>, %a1: tensor<1280xf32>, %a2: tensor<1280xf32>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> tensor<2x16x16x1280xf32> attributes {iree.reflection = {iree_gn.spec = "{\"activation\": null, \"center\": true, \"channels_axis\": 3, \"dtype\": \"float32\", \"epsilon\": 1e-06, \"groups\": 32, \"mean_close_to_zero\": false, \"reduction_axes\": [1, 2], \"scale\": true, \"shape\": [2, 16, 16, 1280]}"}} {
    %r = call @main(%a0, %a1, %a2) : (tensor<2x16x16x1280xf32>, tensor<1280xf32>, tensor<1280xf32>) -> tensor<2x16x16x1280xf32>
    return %r : tensor<2x16x16x1280xf32>
  }
}
