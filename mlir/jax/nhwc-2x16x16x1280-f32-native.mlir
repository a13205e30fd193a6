module @jit_group_norm attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x16x16x1280xf32>, %arg1: tensor<1280xf32>, %arg2: tensor<1280xf32>) -> (tensor<2x16x16x1280xf32> {jax.result_info = "result"}) {
    %0 = stablehlo.slice %arg0 [0:2, 0:1, 1:2, 0:1280] : (tensor<2x16x16x1280xf32>) -> tensor<2x1x1x1280xf32>
    %1 = stablehlo.slice %arg0 [0:2, 0:1, 4:5, 0:1280] : (tensor<2x16x16x1280xf32>) -> tensor<2x1x1x1280xf32>
    %2 = stablehlo.slice %arg0 [0:2, 0:1, 8:9, 0:1280] : (tensor<2x16x16x1280xf32>) -> tensor<2x1x1x1280xf32>
    %3 = stablehlo.slice %arg0 [0:2, 0:1, 11:12, 0:1280] : (tensor<2x16x16x1280xf32>) -> tensor<2x1x1x1280xf32>
    %4 = stablehlo.slice %arg0 [0:2, 0:1, 14:15, 0:1280] : (tensor<2x16x16x1280xf32>) -> tensor<2x1x1x1280xf32>
    %5 = stablehlo.minimum %0, %1 : tensor<2x1x1x1280xf32>
    %6 = stablehlo.minimum %2, %3 : tensor<2x1x1x1280xf32>
    %7 = stablehlo.maximum %5, %6 : tensor<2x1x1x1280xf32>
    %8 = stablehlo.maximum %0, %1 : tensor<2x1x1x1280xf32>
    %9 = stablehlo.maximum %2, %3 : tensor<2x1x1x1280xf32>
    %10 = stablehlo.minimum %8, %9 : tensor<2x1x1x1280xf32>
    %11 = stablehlo.minimum %7, %10 : tensor<2x1x1x1280xf32>
    %12 = stablehlo.maximum %7, %10 : tensor<2x1x1x1280xf32>
    %13 = stablehlo.minimum %12, %4 : tensor<2x1x1x1280xf32>
    %14 = stablehlo.maximum %11, %13 : tensor<2x1x1x1280xf32>
    %15 = stablehlo.broadcast_in_dim %14, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %16 = stablehlo.subtract %arg0, %15 : tensor<2x16x16x1280xf32>
    %17 = stablehlo.multiply %16, %16 : tensor<2x16x16x1280xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_0 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %18:2 = stablehlo.reduce(%16 init: %cst), (%17 init: %cst_0) across dimensions = [1, 2] : (tensor<2x16x16x1280xf32>, tensor<2x16x16x1280xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x1280xf32>, tensor<2x1280xf32>)
     reducer(%arg3: tensor<f32>, %arg5: tensor<f32>) (%arg4: tensor<f32>, %arg6: tensor<f32>)  {
      %74 = stablehlo.add %arg3, %arg5 : tensor<f32>
      %75 = stablehlo.add %arg4, %arg6 : tensor<f32>
      stablehlo.return %74, %75 : tensor<f32>, tensor<f32>
    }
    %19 = stablehlo.reshape %18#0 : (tensor<2x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %20 = stablehlo.reshape %18#1 : (tensor<2x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %21 = stablehlo.reshape %14 : (tensor<2x1x1x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %cst_1 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %22 = stablehlo.broadcast_in_dim %cst_1, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x40xf32>
    %23 = stablehlo.divide %19, %22 : tensor<2x1x1x32x40xf32>
    %24 = stablehlo.slice %21 [0:2, 0:1, 0:1, 0:32, 0:1] : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x32x1xf32>
    %25 = stablehlo.broadcast_in_dim %24, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %26 = stablehlo.subtract %21, %25 : tensor<2x1x1x32x40xf32>
    %27 = stablehlo.add %23, %26 : tensor<2x1x1x32x40xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %28 = stablehlo.reduce(%27 init: %cst_2) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %29 = stablehlo.broadcast_in_dim %28, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %cst_3 = stablehlo.constant dense<4.000000e+01> : tensor<f32>
    %30 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x1xf32>
    %31 = stablehlo.divide %29, %30 : tensor<2x1x1x32x1xf32>
    %32 = stablehlo.slice %21 [0:2, 0:1, 0:1, 0:32, 0:1] : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x32x1xf32>
    %33 = stablehlo.broadcast_in_dim %32, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %34 = stablehlo.subtract %21, %33 : tensor<2x1x1x32x40xf32>
    %35 = stablehlo.broadcast_in_dim %31, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %36 = stablehlo.subtract %34, %35 : tensor<2x1x1x32x40xf32>
    %cst_4 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %37 = stablehlo.broadcast_in_dim %cst_4, dims = [] : (tensor<f32>) -> tensor<2x1x1x32x40xf32>
    %38 = stablehlo.multiply %37, %36 : tensor<2x1x1x32x40xf32>
    %39 = stablehlo.multiply %38, %19 : tensor<2x1x1x32x40xf32>
    %40 = stablehlo.add %20, %39 : tensor<2x1x1x32x40xf32>
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
    %52 = stablehlo.reshape %21 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %53 = stablehlo.negate %36 : tensor<2x1x1x32x40xf32>
    %54 = stablehlo.reshape %53 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %55 = stablehlo.reshape %51 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %cst_9 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %56 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %57 = stablehlo.add %55, %56 : tensor<2x1x1x1280xf32>
    %58 = stablehlo.rsqrt %57 : tensor<2x1x1x1280xf32>
    %59 = stablehlo.reshape %arg1 : (tensor<1280xf32>) -> tensor<1x1x1x1280xf32>
    %60 = stablehlo.broadcast_in_dim %59, dims = [0, 1, 2, 3] : (tensor<1x1x1x1280xf32>) -> tensor<2x1x1x1280xf32>
    %61 = stablehlo.multiply %58, %60 : tensor<2x1x1x1280xf32>
    %62 = stablehlo.negate %54 : tensor<2x1x1x1280xf32>
    %63 = stablehlo.multiply %62, %61 : tensor<2x1x1x1280xf32>
    %64 = stablehlo.reshape %arg2 : (tensor<1280xf32>) -> tensor<1x1x1x1280xf32>
    %65 = stablehlo.broadcast_in_dim %64, dims = [0, 1, 2, 3] : (tensor<1x1x1x1280xf32>) -> tensor<2x1x1x1280xf32>
    %66 = stablehlo.add %63, %65 : tensor<2x1x1x1280xf32>
    %67:4 = stablehlo.optimization_barrier %arg0, %52, %61, %66 : tensor<2x16x16x1280xf32>, tensor<2x1x1x1280xf32>, tensor<2x1x1x1280xf32>, tensor<2x1x1x1280xf32>
    %68 = stablehlo.broadcast_in_dim %67#1, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %69 = stablehlo.subtract %67#0, %68 : tensor<2x16x16x1280xf32>
    %70 = stablehlo.broadcast_in_dim %67#2, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %71 = stablehlo.multiply %69, %70 : tensor<2x16x16x1280xf32>
    %72 = stablehlo.broadcast_in_dim %67#3, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %73 = stablehlo.add %71, %72 : tensor<2x16x16x1280xf32>
    return %73 : tensor<2x16x16x1280xf32>
  }
  func.func public @main_out(%a0: tensor<2x16x16x1280xf32>, %a1: tensor<1280xf32>, %a2: tensor<1280xf32>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> tensor<2x16x16x1280xf32> attributes {iree.reflection = {iree_gn.spec = "{\"activation\": null, \"center\": true, \"channels_axis\": 3, \"dtype\": \"float32\", \"epsilon\": 1e-06, \"groups\": 32, \"mean_close_to_zero\": false, \"reduction_axes\": [1, 2], \"scale\": true, \"shape\": [2, 16, 16, 1280]}"}} {
    %r = call @main(%a0, %a1, %a2) : (tensor<2x16x16x1280xf32>, tensor<1280xf32>, tensor<1280xf32>) -> tensor<2x16x16x1280xf32>
    return %r : tensor<2x16x16x1280xf32>
  }
}
