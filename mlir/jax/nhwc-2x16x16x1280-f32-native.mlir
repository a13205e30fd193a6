module @jit_group_norm attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x16x16x1280xf32>, %arg1: tensor<1280xf32>, %arg2: tensor<1280xf32>) -> (tensor<2x16x16x1280xf32> {jax.result_info = "result"}) {
    %0 = stablehlo.slice %arg0 [0:2, 0:1, 0:1, 0:1280] : (tensor<2x16x16x1280xf32>) -> tensor<2x1x1x1280xf32>
    %1 = stablehlo.broadcast_in_dim %0, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %2 = stablehlo.subtract %arg0, %1 : tensor<2x16x16x1280xf32>
    %3 = stablehlo.multiply %2, %2 : tensor<2x16x16x1280xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_0 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %4:2 = stablehlo.reduce(%2 init: %cst), (%3 init: %cst_0) across dimensions = [1, 2] : (tensor<2x16x16x1280xf32>, tensor<2x16x16x1280xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x1280xf32>, tensor<2x1280xf32>)
     reducer(%arg3: tensor<f32>, %arg5: tensor<f32>) (%arg4: tensor<f32>, %arg6: tensor<f32>)  {
      %60 = stablehlo.add %arg3, %arg5 : tensor<f32>
      %61 = stablehlo.add %arg4, %arg6 : tensor<f32>
      stablehlo.return %60, %61 : tensor<f32>, tensor<f32>
    }
    %5 = stablehlo.reshape %4#0 : (tensor<2x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %6 = stablehlo.reshape %4#1 : (tensor<2x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %7 = stablehlo.reshape %0 : (tensor<2x1x1x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %cst_1 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %8 = stablehlo.broadcast_in_dim %cst_1, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x40xf32>
    %9 = stablehlo.divide %5, %8 : tensor<2x1x1x32x40xf32>
    %10 = stablehlo.slice %7 [0:2, 0:1, 0:1, 0:32, 0:1] : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x32x1xf32>
    %11 = stablehlo.broadcast_in_dim %10, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %12 = stablehlo.subtract %7, %11 : tensor<2x1x1x32x40xf32>
    %13 = stablehlo.add %9, %12 : tensor<2x1x1x32x40xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %14 = stablehlo.reduce(%13 init: %cst_2) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %15 = stablehlo.broadcast_in_dim %14, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %cst_3 = stablehlo.constant dense<4.000000e+01> : tensor<f32>
    %16 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %17 = stablehlo.divide %15, %16 : tensor<2x1x1x32x1xf32>
    %18 = stablehlo.slice %7 [0:2, 0:1, 0:1, 0:32, 0:1] : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x32x1xf32>
    %19 = stablehlo.broadcast_in_dim %18, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %20 = stablehlo.subtract %7, %19 : tensor<2x1x1x32x40xf32>
    %21 = stablehlo.broadcast_in_dim %17, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %22 = stablehlo.subtract %20, %21 : tensor<2x1x1x32x40xf32>
    %cst_4 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %23 = stablehlo.broadcast_in_dim %cst_4, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x40xf32>
    %24 = stablehlo.multiply %23, %22 : tensor<2x1x1x32x40xf32>
    %25 = stablehlo.multiply %24, %5 : tensor<2x1x1x32x40xf32>
    %26 = stablehlo.add %6, %25 : tensor<2x1x1x32x40xf32>
    %cst_5 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %27 = stablehlo.broadcast_in_dim %cst_5, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x40xf32>
    %28 = stablehlo.multiply %27, %22 : tensor<2x1x1x32x40xf32>
    %29 = stablehlo.multiply %28, %22 : tensor<2x1x1x32x40xf32>
    %30 = stablehlo.add %26, %29 : tensor<2x1x1x32x40xf32>
    %cst_6 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %31 = stablehlo.reduce(%30 init: %cst_6) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %32 = stablehlo.broadcast_in_dim %31, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %cst_7 = stablehlo.constant dense<1.024000e+04> : tensor<f32>
    %33 = stablehlo.broadcast_in_dim %cst_7, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %34 = stablehlo.divide %32, %33 : tensor<2x1x1x32x1xf32>
    %cst_8 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %35 = stablehlo.broadcast_in_dim %cst_8, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %36 = stablehlo.maximum %34, %35 : tensor<2x1x1x32x1xf32>
    %37 = stablehlo.broadcast_in_dim %36, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %38 = stablehlo.reshape %7 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %39 = stablehlo.negate %22 : tensor<2x1x1x32x40xf32>
    %40 = stablehlo.reshape %39 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %41 = stablehlo.reshape %37 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %cst_9 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %42 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %43 = stablehlo.add %41, %42 : tensor<2x1x1x1280xf32>
    %44 = stablehlo.rsqrt %43 : tensor<2x1x1x1280xf32>
    %45 = stablehlo.reshape %arg1 : (tensor<1280xf32>) -> tensor<1x1x1x1280xf32>
    %46 = stablehlo.broadcast_in_dim %45, dims = [0, 1, 2, 3] : (tensor<1x1x1x1280xf32>) -> tensor<2x1x1x1280xf32>
    %47 = stablehlo.multiply %44, %46 : tensor<2x1x1x1280xf32>
    %48 = stablehlo.negate %40 : tensor<2x1x1x1280xf32>
    %49 = stablehlo.multiply %48, %47 : tensor<2x1x1x1280xf32>
    %50 = stablehlo.reshape %arg2 : (tensor<1280xf32>) -> tensor<1x1x1x1280xf32>
    %51 = stablehlo.broadcast_in_dim %50, dims = [0, 1, 2, 3] : (tensor<1x1x1x1280xf32>) -> tensor<2x1x1x1280xf32>
    %52 = stablehlo.add %49, %51 : tensor<2x1x1x1280xf32>
    %53:4 = stablehlo.optimization_barrier %arg0, %38, %47, %52 : tensor<2x16x16x1280xf32>, tensor<2x1x1x1280xf32>, tensor<2x1x1x1280xf32>, tensor<2x1x1x1280xf32>
    %54 = stablehlo.broadcast_in_dim %53#1, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %55 = stablehlo.subtract %53#0, %54 : tensor<2x16x16x1280xf32>
    %56 = stablehlo.broadcast_in_dim %53#2, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %57 = stablehlo.multiply %55, %56 : tensor<2x16x16x1280xf32>
    %58 = stablehlo.broadcast_in_dim %53#3, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %59 = stablehlo.add %57, %58 : tensor<2x16x16x1280xf32>
    return %59 : tensor<2x16x16x1280xf32>
  }
  func.func public @main_out(%a0: tensor<2x16x16x1280xf32>, %a1: tensor<1280xf32>, %a2: tensor<1280xf32>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> tensor<2x16x16x1280xf32> attributes {iree.reflection = {iree_gn.spec = "{\"activation\": null, \"center\": true, \"channels_axis\": 3, \"dtype\": \"float32\", \"epsilon\": 1e-06, \"groups\": 32, \"mean_close_to_zero\": false, \"reduction_axes\": [1, 2], \"scale\": true, \"shape\": [2, 16, 16, 1280]}"}} {
    %r = call @main(%a0, %a1, %a2) : (tensor<2x16x16x1280xf32>, tensor<1280xf32>, tensor<1280xf32>) -> tensor<2x16x16x1280xf32>
    return %r : tensor<2x16x16x1280xf32>
  }
}
