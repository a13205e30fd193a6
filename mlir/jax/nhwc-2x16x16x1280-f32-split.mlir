module @jit_group_norm attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x16x16x1280xf32>, %arg1: tensor<1280xf32>, %arg2: tensor<1280xf32>) -> (tensor<2x16x16x1280xf32> {jax.result_info = "result"}) {
    %0 = stablehlo.reshape %arg0 : (tensor<2x16x16x1280xf32>) -> tensor<2x16x16x32x40xf32>
    %1 = stablehlo.slice %0 [0:2, 0:1, 0:1, 0:32, 0:40] : (tensor<2x16x16x32x40xf32>) -> tensor<2x1x1x32x40xf32>
    %2 = stablehlo.slice %0 [0:2, 0:1, 8:9, 0:32, 0:40] : (tensor<2x16x16x32x40xf32>) -> tensor<2x1x1x32x40xf32>
    %3 = stablehlo.slice %0 [0:2, 0:1, 15:16, 0:32, 0:40] : (tensor<2x16x16x32x40xf32>) -> tensor<2x1x1x32x40xf32>
    %4 = stablehlo.minimum %1, %2 : tensor<2x1x1x32x40xf32>
    %5 = stablehlo.maximum %1, %2 : tensor<2x1x1x32x40xf32>
    %6 = stablehlo.minimum %5, %3 : tensor<2x1x1x32x40xf32>
    %7 = stablehlo.maximum %4, %6 : tensor<2x1x1x32x40xf32>
    %8 = stablehlo.broadcast_in_dim %7, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x40xf32>) -> tensor<2x16x16x32x40xf32>
    %9 = stablehlo.subtract %0, %8 : tensor<2x16x16x32x40xf32>
    %10 = stablehlo.multiply %9, %9 : tensor<2x16x16x32x40xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_0 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %11:2 = stablehlo.reduce(%9 init: %cst), (%10 init: %cst_0) across dimensions = [1, 2] : (tensor<2x16x16x32x40xf32>, tensor<2x16x16x32x40xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x32x40xf32>, tensor<2x32x40xf32>)
     reducer(%arg3: tensor<f32>, %arg5: tensor<f32>) (%arg4: tensor<f32>, %arg6: tensor<f32>)  {
      %64 = stablehlo.add %arg3, %arg5 : tensor<f32>
      %65 = stablehlo.add %arg4, %arg6 : tensor<f32>
      stablehlo.return %64, %65 : tensor<f32>, tensor<f32>
    }
    %12 = stablehlo.reshape %11#0 : (tensor<2x32x40xf32>) -> tensor<2x1x1x32x40xf32>
    %13 = stablehlo.reshape %11#1 : (tensor<2x32x40xf32>) -> tensor<2x1x1x32x40xf32>
    %cst_1 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %14 = stablehlo.broadcast_in_dim %cst_1, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x40xf32>
    %15 = stablehlo.divide %12, %14 : tensor<2x1x1x32x40xf32>
    %16 = stablehlo.slice %7 [0:2, 0:1, 0:1, 0:32, 0:1] : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x32x1xf32>
    %17 = stablehlo.broadcast_in_dim %16, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %18 = stablehlo.subtract %7, %17 : tensor<2x1x1x32x40xf32>
    %19 = stablehlo.add %15, %18 : tensor<2x1x1x32x40xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %20 = stablehlo.reduce(%19 init: %cst_2) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %21 = stablehlo.broadcast_in_dim %20, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %cst_3 = stablehlo.constant dense<4.000000e+01> : tensor<f32>
    %22 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %23 = stablehlo.divide %21, %22 : tensor<2x1x1x32x1xf32>
    %24 = stablehlo.slice %7 [0:2, 0:1, 0:1, 0:32, 0:1] : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x32x1xf32>
    %25 = stablehlo.broadcast_in_dim %24, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %26 = stablehlo.subtract %7, %25 : tensor<2x1x1x32x40xf32>
    %27 = stablehlo.broadcast_in_dim %23, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %28 = stablehlo.subtract %26, %27 : tensor<2x1x1x32x40xf32>
    %cst_4 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %29 = stablehlo.broadcast_in_dim %cst_4, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x40xf32>
    %30 = stablehlo.multiply %29, %28 : tensor<2x1x1x32x40xf32>
    %31 = stablehlo.multiply %30, %12 : tensor<2x1x1x32x40xf32>
    %32 = stablehlo.add %13, %31 : tensor<2x1x1x32x40xf32>
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
    %44 = stablehlo.negate %28 : tensor<2x1x1x32x40xf32>
    %cst_9 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %45 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x40xf32>
    %46 = stablehlo.add %43, %45 : tensor<2x1x1x32x40xf32>
    %47 = stablehlo.rsqrt %46 : tensor<2x1x1x32x40xf32>
    %48 = stablehlo.reshape %arg1 : (tensor<1280xf32>) -> tensor<1x1x1x32x40xf32>
    %49 = stablehlo.broadcast_in_dim %48, dims = [0, 1, 2, 3, 4] : (tensor<1x1x1x32x40xf32>) -> tensor<2x1x1x32x40xf32>
    %50 = stablehlo.multiply %47, %49 : tensor<2x1x1x32x40xf32>
    %51 = stablehlo.negate %44 : tensor<2x1x1x32x40xf32>
    %52 = stablehlo.multiply %51, %50 : tensor<2x1x1x32x40xf32>
    %53 = stablehlo.reshape %arg2 : (tensor<1280xf32>) -> tensor<1x1x1x32x40xf32>
    %54 = stablehlo.broadcast_in_dim %53, dims = [0, 1, 2, 3, 4] : (tensor<1x1x1x32x40xf32>) -> tensor<2x1x1x32x40xf32>
    %55 = stablehlo.add %52, %54 : tensor<2x1x1x32x40xf32>
    %56:4 = stablehlo.optimization_barrier %0, %7, %50, %55 : tensor<2x16x16x32x40xf32>, tensor<2x1x1x32x40xf32>, tensor<2x1x1x32x40xf32>, tensor<2x1x1x32x40xf32>
    %57 = stablehlo.broadcast_in_dim %56#1, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x40xf32>) -> tensor<2x16x16x32x40xf32>
    %58 = stablehlo.subtract %56#0, %57 : tensor<2x16x16x32x40xf32>
    %59 = stablehlo.broadcast_in_dim %56#2, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x40xf32>) -> tensor<2x16x16x32x40xf32>
    %60 = stablehlo.multiply %58, %59 : tensor<2x16x16x32x40xf32>
    %61 = stablehlo.broadcast_in_dim %56#3, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x40xf32>) -> tensor<2x16x16x32x40xf32>
    %62 = stablehlo.add %60, %61 : tensor<2x16x16x32x40xf32>
    %63 = stablehlo.reshape %62 : (tensor<2x16x16x32x40xf32>) -> tensor<2x16x16x1280xf32>
    return %63 : tensor<2x16x16x1280xf32>
  }
  func.func public @main_out(%a0: tensor<2x16x16x1280xf32>, %a1: tensor<1280xf32>, %a2: tensor<1280xf32>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> tensor<2x16x16x1280xf32> attributes {iree.reflection = {iree_gn.spec = "{\"activation\": null, \"center\": true, \"channels_axis\": 3, \"dtype\": \"float32\", \"epsilon\": 1e-06, \"groups\": 32, \"mean_close_to_zero\": false, \"reduction_axes\": [1, 2], \"scale\": true, \"shape\": [2, 16, 16, 1280]}"}} {
    %r = call @main(%a0, %a1, %a2) : (tensor<2x16x16x1280xf32>, tensor<1280xf32>, tensor<1280xf32>) -> tensor<2x16x16x1280xf32>
    return %r : tensor<2x16x16x1280xf32>
  }
}
