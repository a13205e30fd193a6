module @jit_group_norm attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x640x32x32xf16>, %arg1: tensor<640xf16>, %arg2: tensor<640xf16>) -> (tensor<2x640x32x32xf16> {jax.result_info = "result"}) {
    %0 = stablehlo.reshape %arg0 : (tensor<2x640x32x32xf16>) -> tensor<2x32x20x32x32xf16>
    %1 = stablehlo.convert %0 : (tensor<2x32x20x32x32xf16>) -> tensor<2x32x20x32x32xf32>
    %2 = stablehlo.reshape %1 : (tensor<2x32x20x32x32xf32>) -> tensor<2x32x20x4x8x32xf32>
    %3 = stablehlo.slice %2 [0:2, 0:32, 0:20, 0:1, 0:1, 0:1] : (tensor<2x32x20x4x8x32xf32>) -> tensor<2x32x20x1x1x1xf32>
    %4 = stablehlo.slice %2 [0:2, 0:32, 0:20, 0:1, 0:1, 16:17] : (tensor<2x32x20x4x8x32xf32>) -> tensor<2x32x20x1x1x1xf32>
    %5 = stablehlo.slice %2 [0:2, 0:32, 0:20, 0:1, 0:1, 31:32] : (tensor<2x32x20x4x8x32xf32>) -> tensor<2x32x20x1x1x1xf32>
    %6 = stablehlo.minimum %3, %4 : tensor<2x32x20x1x1x1xf32>
    %7 = stablehlo.maximum %3, %4 : tensor<2x32x20x1x1x1xf32>
    %8 = stablehlo.minimum %7, %5 : tensor<2x32x20x1x1x1xf32>
    %9 = stablehlo.maximum %6, %8 : tensor<2x32x20x1x1x1xf32>
    %10 = stablehlo.broadcast_in_dim %9, dims = [0, 1, 2, 3, 4, 5] : (tensor<2x32x20x1x1x1xf32>) -> tensor<2x32x20x4x8x32xf32>
    %11 = stablehlo.subtract %2, %10 : tensor<2x32x20x4x8x32xf32>
    %12 = stablehlo.multiply %11, %11 : tensor<2x32x20x4x8x32xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_0 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %13:2 = stablehlo.reduce(%11 init: %cst), (%12 init: %cst_0) across dimensions = [4, 5] : (tensor<2x32x20x4x8x32xf32>, tensor<2x32x20x4x8x32xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x32x20x4xf32>, tensor<2x32x20x4xf32>)
     reducer(%arg3: tensor<f32>, %arg5: tensor<f32>) (%arg4: tensor<f32>, %arg6: tensor<f32>)  {
      %73 = stablehlo.add %arg3, %arg5 : tensor<f32>
      %74 = stablehlo.add %arg4, %arg6 : tensor<f32>
      stablehlo.return %73, %74 : tensor<f32>, tensor<f32>
    }
    %14:2 = stablehlo.optimization_barrier %13#0, %13#1 : tensor<2x32x20x4xf32>, tensor<2x32x20x4xf32>
    %cst_1 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %15 = stablehlo.reduce(%14#0 init: %cst_1) applies stablehlo.add across dimensions = [3] : (tensor<2x32x20x4xf32>, tensor<f32>) -> tensor<2x32x20xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %16 = stablehlo.reduce(%14#1 init: %cst_2) applies stablehlo.add across dimensions = [3] : (tensor<2x32x20x4xf32>, tensor<f32>) -> tensor<2x32x20xf32>
    %17 = stablehlo.reshape %15 : (tensor<2x32x20xf32>) -> tensor<2x32x20x1x1xf32>
    %18 = stablehlo.reshape %16 : (tensor<2x32x20xf32>) -> tensor<2x32x20x1x1xf32>
    %19 = stablehlo.reshape %9 : (tensor<2x32x20x1x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %cst_3 = stablehlo.constant dense<1.024000e+03> : tensor<f32>
    %20 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x32x20x1x1xf32>
    %21 = stablehlo.divide %17, %20 : tensor<2x32x20x1x1xf32>
    %22 = stablehlo.slice %19 [0:2, 0:32, 0:1, 0:1, 0:1] : (tensor<2x32x20x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %23 = stablehlo.broadcast_in_dim %22, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %24 = stablehlo.subtract %19, %23 : tensor<2x32x20x1x1xf32>
    %25 = stablehlo.add %21, %24 : tensor<2x32x20x1x1xf32>
    %cst_4 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %26 = stablehlo.reduce(%25 init: %cst_4) applies stablehlo.add across dimensions = [2] : (tensor<2x32x20x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %27 = stablehlo.broadcast_in_dim %26, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %cst_5 = stablehlo.constant dense<2.000000e+01> : tensor<f32>
    %28 = stablehlo.broadcast_in_dim %cst_5, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %29 = stablehlo.divide %27, %28 : tensor<2x32x1x1x1xf32>
    %30 = stablehlo.slice %19 [0:2, 0:32, 0:1, 0:1, 0:1] : (tensor<2x32x20x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %31 = stablehlo.broadcast_in_dim %30, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %32 = stablehlo.subtract %19, %31 : tensor<2x32x20x1x1xf32>
    %33 = stablehlo.broadcast_in_dim %29, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %34 = stablehlo.subtract %32, %33 : tensor<2x32x20x1x1xf32>
    %cst_6 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %35 = stablehlo.broadcast_in_dim %cst_6, dims = [] : (tensor<f32>) -> tensor<2x32x20x1x1xf32>
    %36 = stablehlo.multiply %35, %34 : tensor<2x32x20x1x1xf32>
    %37 = stablehlo.multiply %36, %17 : tensor<2x32x20x1x1xf32>
    %38 = stablehlo.add %18, %37 : tensor<2x32x20x1x1xf32>
    %cst_7 = stablehlo.constant dense<1.024000e+03> : tensor<f32>
    %39 = stablehlo.broadcast_in_dim %cst_7, dims = [] : (tensor<f32>) -> tensor<2x32x20x1x1xf32>
    %40 = stablehlo.multiply %39, %34 : tensor<2x32x20x1x1xf32>
    %41 = stablehlo.multiply %40, %34 : tensor<2x32x20x1x1xf32>
    %42 = stablehlo.add %38, %41 : tensor<2x32x20x1x1xf32>
    %cst_8 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %43 = stablehlo.reduce(%42 init: %cst_8) applies stablehlo.add across dimensions = [2] : (tensor<2x32x20x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %44 = stablehlo.broadcast_in_dim %43, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %cst_9 = stablehlo.constant dense<2.048000e+04> : tensor<f32>
    %45 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %46 = stablehlo.divide %44, %45 : tensor<2x32x1x1x1xf32>
    %cst_10 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %47 = stablehlo.broadcast_in_dim %cst_10, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %48 = stablehlo.maximum %46, %47 : tensor<2x32x1x1x1xf32>
    %49 = stablehlo.broadcast_in_dim %48, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %50 = stablehlo.negate %34 : tensor<2x32x20x1x1xf32>
    %cst_11 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %51 = stablehlo.broadcast_in_dim %cst_11, dims = [] : (tensor<f32>) -> tensor<2x32x20x1x1xf32>
    %52 = stablehlo.add %49, %51 : tensor<2x32x20x1x1xf32>
    %53 = stablehlo.rsqrt %52 : tensor<2x32x20x1x1xf32>
    %54 = stablehlo.convert %arg1 : (tensor<640xf16>) -> tensor<640xf32>
    %55 = stablehlo.reshape %54 : (tensor<640xf32>) -> tensor<1x32x20x1x1xf32>
    %56 = stablehlo.broadcast_in_dim %55, dims = [0, 1, 2, 3, 4] : (tensor<1x32x20x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %57 = stablehlo.multiply %53, %56 : tensor<2x32x20x1x1xf32>
    %58 = stablehlo.negate %50 : tensor<2x32x20x1x1xf32>
    %59 = stablehlo.multiply %58, %57 : tensor<2x32x20x1x1xf32>
    %60 = stablehlo.convert %arg2 : (tensor<640xf16>) -> tensor<640xf32>
    %61 = stablehlo.reshape %60 : (tensor<640xf32>) -> tensor<1x32x20x1x1xf32>
    %62 = stablehlo.broadcast_in_dim %61, dims = [0, 1, 2, 3, 4] : (tensor<1x32x20x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %63 = stablehlo.add %59, %62 : tensor<2x32x20x1x1xf32>
    %64:4 = stablehlo.optimization_barrier %1, %19, %57, %63 : tensor<2x32x20x32x32xf32>, tensor<2x32x20x1x1xf32>, tensor<2x32x20x1x1xf32>, tensor<2x32x20x1x1xf32>
    %65 = stablehlo.broadcast_in_dim %64#1, dims = [0, 1, 2, 3, 4] : (tensor<2x32x20x1x1xf32>) -> tensor<2x32x20x32x32xf32>
    %66 = stablehlo.subtract %64#0, %65 : tensor<2x32x20x32x32xf32>
    %67 = stablehlo.broadcast_in_dim %64#2, dims = [0, 1, 2, 3, 4] : (tensor<2x32x20x1x1xf32>) -> tensor<2x32x20x32x32xf32>
    %68 = stablehlo.multiply %66, %67 : tensor<2x32x20x32x32xf32>
    %69 = stablehlo.broadcast_in_dim %64#3, dims = [0, 1, 2, 3, 4] : (tensor<2x32x20x1x1xf32>) -> tensor<2x32x20x32x32xf32>
    %70 = stablehlo.add %68, %69 : tensor<2x32x20x32x32xf32>
    %71 = stablehlo.convert %70 : (tensor<2x32x20x32x32xf32>) -> tensor<2x32x20x32x32xf16>
    %72 = stablehlo.reshape %71 : (tensor<2x32x20x32x32xf16>) -> tensor<2x640x32x32xf16>
    return %72 : tensor<2x640x32x32xf16>
  }
  func.func public @main_out(%a0: tensor<2x640x32x32xf16>, %a1: tensor<640xf16>, %a2: tensor<640xf16>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> tensor<2x640x32x32xf16> attributes {iree.reflection = {iree_gn.spec = "{\"activation\": null, \"center\": true, \"channels_axis\": 1, \"dtype\": \"float16\", \"epsilon\": 1e-06, \"groups\": 32, \"mean_close_to_zero\": false, \"reduction_axes\": [2, 3], \"scale\": true, \"shape\": [2, 640, 32, 32]}"}} {
    %r = call @main(%a0, %a1, %a2) : (tensor<2x640x32x32xf16>, tensor<640xf16>, tensor<640xf16>) -> tensor<2x640x32x32xf16>
    return %r : tensor<2x640x32x32xf16>
  }
}
