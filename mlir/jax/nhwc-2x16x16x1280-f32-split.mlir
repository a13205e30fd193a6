module @jit_group_norm attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x16x16x1280xf32>, %arg1: tensor<1280xf32>, %arg2: tensor<1280xf32>) -> (tensor<2x16x16x1280xf32> {jax.result_info = "result"}) {
    %0 = stablehlo.reshape %arg0 : (tensor<2x16x16x1280xf32>) -> tensor<2x16x16x32x40xf32>
    %1 = stablehlo.slice %0 [0:2, 0:1, 1:2, 0:32, 0:40] : (tensor<2x16x16x32x40xf32>) -> tensor<2x1x1x32x40xf32>
    %2 = stablehlo.slice %0 [0:2, 0:1, 4:5, 0:32, 0:40] : (tensor<2x16x16x32x40xf32>) -> tensor<2x1x1x32x40xf32>
    %3 = stablehlo.slice %0 [0:2, 0:1, 8:9, 0:32, 0:40] : (tensor<2x16x16x32x40xf32>) -> tensor<2x1x1x32x40xf32>
    %4 = stablehlo.slice %0 [0:2, 0:1, 11:12, 0:32, 0:40] : (tensor<2x16x16x32x40xf32>) -> tensor<2x1x1x32x40xf32>
    %5 = stablehlo.slice %0 [0:2, 0:1, 14:15, 0:32, 0:40] : (tensor<2x16x16x32x40xf32>) -> tensor<2x1x1x32x40xf32>
    %6 = stablehlo.minimum %1, %2 : tensor<2x1x1x32x40xf32>
    %7 = stablehlo.minimum %3, %4 : tensor<2x1x1x32x40xf32>
    %8 = stablehlo.maximum %6, %7 : tensor<2x1x1x32x40xf32>
    %9 = stablehlo.maximum %1, %2 : tensor<2x1x1x32x40xf32>
    %10 = stablehlo.maximum %3, %4 : tensor<2x1x1x32x40xf32>
    %11 = stablehlo.minimum %9, %10 : tensor<2x1x1x32x40xf32>
    %12 = stablehlo.minimum %8, %11 : tensor<2x1x1x32x40xf32>
    %13 = stablehlo.maximum %8, %11 : tensor<2x1x1x32x40xf32>
    %14 = stablehlo.minimum %13, %5 : tensor<2x1x1x32x40xf32>
    %15 = stablehlo.maximum %12, %14 : tensor<2x1x1x32x40xf32>
    %16 = stablehlo.broadcast_in_dim %15, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x40xf32>) -> tensor<2x16x16x32x40xf32>
    %17 = stablehlo.subtract %0, %16 : tensor<2x16x16x32x40xf32>
    %18 = stablehlo.multiply %17, %17 : tensor<2x16x16x32x40xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_0 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %19:2 = stablehlo.reduce(%17 init: %cst), (%18 init: %cst_0) across dimensions = [1, 2] : (tensor<2x16x16x32x40xf32>, tensor<2x16x16x32x40xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x32x40xf32>, tensor<2x32x40xf32>)
     reducer(%arg3: tensor<f32>, %arg5: tensor<f32>) (%arg4: tensor<f32>, %arg6: tensor<f32>)  {
      %72 = stablehlo.add %arg3, %arg5 : tensor<f32>
      %73 = stablehlo.add %arg4, %arg6 : tensor<f32>
      stablehlo.return %72, %73 : tensor<f32>, tensor<f32>
    }
    %20 = stablehlo.reshape %19#0 : (tensor<2x32x40xf32>) -> tensor<2x1x1x32x40xf32>
    %21 = stablehlo.reshape %19#1 : (tensor<2x32x40xf32>) -> tensor<2x1x1x32x40xf32>
    %cst_1 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %22 = stablehlo.broadcast_in_dim %cst_1, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x40xf32>
    %23 = stablehlo.divide %20, %22 : tensor<2x1x1x32x40xf32>
    %24 = stablehlo.slice %15 [0:2, 0:1, 0:1, 0:32, 0:1] : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x32x1xf32>
    %25 = stablehlo.broadcast_in_dim %24, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %26 = stablehlo.subtract %15, %25 : tensor<2x1x1x32x40xf32>
    %27 = stablehlo.add %23, %26 : tensor<2x1x1x32x40xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %28 = stablehlo.reduce(%27 init: %cst_2) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %29 = stablehlo.broadcast_in_dim %28, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %cst_3 = stablehlo.constant dense<4.000000e+01> : tensor<f32>
    %30 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %31 = stablehlo.divide %29, %30 : tensor<2x1x1x32x1xf32>
    %32 = stablehlo.slice %15 [0:2, 0:1, 0:1, 0:32, 0:1] : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x32x1xf32>
    %33 = stablehlo.broadcast_in_dim %32, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %34 = stablehlo.subtract %15, %33 : tensor<2x1x1x32x40xf32>
    %35 = stablehlo.broadcast_in_dim %31, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %36 = stablehlo.subtract %34, %35 : tensor<2x1x1x32x40xf32>
    %cst_4 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %37 = stablehlo.broadcast_in_dim %cst_4, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x40xf32>
    %38 = stablehlo.multiply %37, %36 : tensor<2x1x1x32x40xf32>
    %39 = stablehlo.multiply %38, %20 : tensor<2x1x1x32x40xf32>
    %40 = stablehlo.add %21, %39 : tensor<2x1x1x32x40xf32>
    %cst_5 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %41 = stablehlo.broadcast_in_dim %cst_5, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x40xf32>
    %42 = stablehlo.multiply %41, %36 : tensor<2x1x1x32x40xf32>
    %43 = stablehlo.multiply %42, %36 : tensor<2x1x1x32x40xf32>
    %44 = stablehlo.add %40, %43 : tensor<2x1x1x32x40xf32>
    %cst_6 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %45 = stablehlo.reduce(%44 init: %cst_6) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %46 = stablehlo.broadcast_in_dim %45, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %cst_7 = stablehlo.constant dense<1.024000e+04> : tensor<f32>
    %47 = stablehlo.broadcast_in_dim %cst_7, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %48 = stablehlo.divide %46, %47 : tensor<2x1x1x32x1xf32>
    %cst_8 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %49 = stablehlo.broadcast_in_dim %cst_8, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %50 = stablehlo.maximum %48, %49 : tensor<2x1x1x32x1xf32>
    %51 = stablehlo.broadcast_in_dim %50, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %52 = stablehlo.negate %36 : tensor<2x1x1x32x40xf32>
    %cst_9 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %53 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x40xf32>
    %54 = stablehlo.add %51, %53 : tensor<2x1x1x32x40xf32>
    %55 = stablehlo.rsqrt %54 : tensor<2x1x1x32x40xf32>
    %56 = stablehlo.reshape %arg1 : (tensor<1280xf32>) -> tensor<1x1x1x32x40xf32>
    %57 = stablehlo.broadcast_in_dim %56, dims = [0, 1, 2, 3, 4] : (tensor<1x1x1x32x40xf32>) -> tensor<2x1x1x32x40xf32>
    %58 = stablehlo.multiply %55, %57 : tensor<2x1x1x32x40xf32>
    %59 = stablehlo.negate %52 : tensor<2x1x1x32x40xf32>
    %60 = stablehlo.multiply %59, %58 : tensor<2x1x1x32x40xf32>
    %61 = stablehlo.reshape %arg2 : (tensor<1280xf32>) -> tensor<1x1x1x32x40xf32>
    %62 = stablehlo.broadcast_in_dim %61, dims = [0, 1, 2, 3, 4] : (tensor<1x1x1x32x40xf32>) -> tensor<2x1x1x32x40xf32>
    %63 = stablehlo.add %60, %62 : tensor<2x1x1x32x40xf32>
    %64:4 = stablehlo.optimization_barrier %0, %15, %58, %63 : tensor<2x16x16x32x40xf32>, tensor<2x1x1x32x40xf32>, tensor<2x1x1x32x40xf32>, tensor<2x1x1x32x40xf32>
    %65 = stablehlo.broadcast_in_dim %64#1, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x40xf32>) -> tensor<2x16x16x32x40xf32>
    %66 = stablehlo.subtract %64#0, %65 : tensor<2x16x16x32x40xf32>
    %67 = stablehlo.broadcast_in_dim %64#2, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x40xf32>) -> tensor<2x16x16x32x40xf32>
    %68 = stablehlo.multiply %66, %67 : tensor<2x16x16x32x40xf32>
    %69 = stablehlo.broadcast_in_dim %64#3, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x40xf32>) -> tensor<2x16x16x32x40xf32>
    %70 = stablehlo.add %68, %69 : tensor<2x16x16x32x40xf32>
    %71 = stablehlo.reshape %70 : (tensor<2x16x16x32x40xf32>) -> tensor<2x16x16x1280xf32>
    return %71 : tensor<2x16x16x1280xf32>
  }
  func.func public @main_out(%a0: tensor<2x16x16x1280xf32>, %a1: tensor<1280xf32>, %a2: tensor<1280xf32>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> tensor<2x16x16x1280xf32> attributes {iree.reflection = {iree_gn.spec = "{\"activation\": null, \"center\": true, \"channels_axis\": 3, \"dtype\": \"float32\", \"epsilon\": 1e-06, \"groups\": 32, \"mean_close_to_zero\": false, \"reduction_axes\": [1, 2], \"scale\": true, \"shape\": [2, 16, 16, 1280]}"}} {
    %r = call @main(%a0, %a1, %a2) : (tensor<2x16x16x1280xf32>, tensor<1280xf32>, tensor<1280xf32>) -> tensor<2x16x16x1280xf32>
    return %r : tensor<2x16x16x1280xf32>
  }
}
