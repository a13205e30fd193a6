module @jit_group_norm attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x640x32x32xf16>, %arg1: tensor<640xf16>, %arg2: tensor<640xf16>) -> (tensor<2x640x32x32xf16> {jax.result_info = "result"}) {
    %0 = stablehlo.reshape %arg0 : (tensor<2x640x32x32xf16>) -> tensor<2x32x20x32x32xf16>
    %1 = stablehlo.convert %0 : (tensor<2x32x20x32x32xf16>) -> tensor<2x32x20x32x32xf32>
    %2 = stablehlo.reshape %1 : (tensor<2x32x20x32x32xf32>) -> tensor<2x32x20x4x8x32xf32>
    %3 = stablehlo.slice %2 [0:2, 0:32, 0:20, 0:1, 0:1, 0:1] : (tensor<2x32x20x4x8x32xf32>) -> tensor<2x32x20x1x1x1xf32>
    %4 = stablehlo.broadcast_in_dim %3, dims = [0, 1, 2, 3, 4, 5] : (tensor<2x32x20x1x1x1xf32>) -> tensor<2x32x20x4x8x32xf32>
    %5 = stablehlo.subtract %2, %4 : tensor<2x32x20x4x8x32xf32>
    %6 = stablehlo.multiply %5, %5 : tensor<2x32x20x4x8x32xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_0 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %7:2 = stablehlo.reduce(%5 init: %cst), (%6 init: %cst_0) across dimensions = [4, 5] : (tensor<2x32x20x4x8x32xf32>, tensor<2x32x20x4x8x32xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x32x20x4xf32>, tensor<2x32x20x4xf32>)
     reducer(%arg3: tensor<f32>, %arg5: tensor<f32>) (%arg4: tensor<f32>, %arg6: tensor<f32>)  {
      %67 = stablehlo.add %arg3, %arg5 : tensor<f32>
      %68 = stablehlo.add %arg4, %arg6 : tensor<f32>
      stablehlo.return %67, %68 : tensor<f32>, tensor<f32>
    }
    %8:2 = stablehlo.optimization_barrier %7#0, %7#1 : tensor<2x32x20x4xf32>, tensor<2x32x20x4xf32>
    %cst_1 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %9 = stablehlo.reduce(%8#0 init: %cst_1) applies stablehlo.add across dimensions = [3] : (tensor<2x32x20x4xf32>, tensor<f32>) -> tensor<2x32x20xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %10 = stablehlo.reduce(%8#1 init: %cst_2) applies stablehlo.add across dimensions = [3] : (tensor<2x32x20x4xf32>, tensor<f32>) -> tensor<2x32x20xf32>
    %11 = stablehlo.reshape %9 : (tensor<2x32x20xf32>) -> tensor<2x32x20x1x1xf32>
    %12 = stablehlo.reshape %10 : (tensor<2x32x20xf32>) -> tensor<2x32x20x1x1xf32>
    %13 = stablehlo.reshape %3 : (tensor<2x32x20x1x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %cst_3 = stablehlo.constant dense<1.024000e+03> : tensor<f32>
    %14 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x32x20x1x1xf32>
    %15 = stablehlo.divide %11, %14 : tensor<2x32x20x1x1xf32>
    %16 = stablehlo.slice %13 [0:2, 0:32, 0:1, 0:1, 0:1] : (tensor<2x32x20x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %17 = stablehlo.broadcast_in_dim %16, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %18 = stablehlo.subtract %13, %17 : tensor<2x32x20x1x1xf32>
    %19 = stablehlo.add %15, %18 : tensor<2x32x20x1x1xf32>
    %cst_4 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %20 = stablehlo.reduce(%19 init: %cst_4) applies stablehlo.add across dimensions = [2] : (tensor<2x32x20x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %21 = stablehlo.broadcast_in_dim %20, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %cst_5 = stablehlo.constant dense<2.000000e+01> : tensor<f32>
    %22 = stablehlo.broadcast_in_dim %cst_5, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %23 = stablehlo.divide %21, %22 : tensor<2x32x1x1x1xf32>
    %24 = stablehlo.slice %13 [0:2, 0:32, 0:1, 0:1, 0:1] : (tensor<2x32x20x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %25 = stablehlo.broadcast_in_dim %24, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %26 = stablehlo.subtract %13, %25 : tensor<2x32x20x1x1xf32>
    %27 = stablehlo.broadcast_in_dim %23, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %28 = stablehlo.subtract %26, %27 : tensor<2x32x20x1x1xf32>
    %cst_6 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %29 = stablehlo.broadcast_in_dim %cst_6, dims = [] : (tensor<f32>) -> tensor<2x32x20x1x1xf32>
    %30 = stablehlo.multiply %29, %28 : tensor<2x32x20x1x1xf32>
    %31 = stablehlo.multiply %30, %11 : tensor<2x32x20x1x1xf32>
    %32 = stablehlo.add %12, %31 : tensor<2x32x20x1x1xf32>
    %cst_7 = stablehlo.constant dense<1.024000e+03> : tensor<f32>
    %33 = stablehlo.broadcast_in_dim %cst_7, dims = [] : (tensor<f32>) -> tensor<2x32x20x1x1xf32>
    %34 = stablehlo.multiply %33, %28 : tensor<2x32x20x1x1xf32>
    %35 = stablehlo.multiply %34, %28 : tensor<2x32x20x1x1xf32>
    %36 = stablehlo.add %32, %35 : tensor<2x32x20x1x1xf32>
    %cst_8 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %37 = stablehlo.reduce(%36 init: %cst_8) applies stablehlo.add across dimensions = [2] : (tensor<2x32x20x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %38 = stablehlo.broadcast_in_dim %37, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %cst_9 = stablehlo.constant dense<2.048000e+04> : tensor<f32>
    %39 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %40 = stablehlo.divide %38, %39 : tensor<2x32x1x1x1xf32>
    %cst_10 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %41 = stablehlo.broadcast_in_dim %cst_10, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %42 = stablehlo.maximum %40, %41 : tensor<2x32x1x1x1xf32>
    %43 = stablehlo.broadcast_in_dim %42, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %44 = stablehlo.negate %28 : tensor<2x32x20x1x1xf32>
    %cst_11 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %45 = stablehlo.broadcast_in_dim %cst_11, dims = [] : (tensor<f32>) -> tensor<2x32x20x1x1xf32>
    %46 = stablehlo.add %43, %45 : tensor<2x32x20x1x1xf32>
    %47 = stablehlo.rsqrt %46 : tensor<2x32x20x1x1xf32>
    %48 = stablehlo.convert %arg1 : (tensor<640xf16>) -> tensor<640xf32>
    %49 = stablehlo.reshape %48 : (tensor<640xf32>) -> tensor<1x32x20x1x1xf32>
    %50 = stablehlo.broadcast_in_dim %49, dims = [0, 1, 2, 3, 4] : (tensor<1x32x20x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %51 = stablehlo.multiply %47, %50 : tensor<2x32x20x1x1xf32>
    %52 = stablehlo.negate %44 : tensor<2x32x20x1x1xf32>
    %53 = stablehlo.multiply %52, %51 : tensor<2x32x20x1x1xf32>
    %54 = stablehlo.convert %arg2 : (tensor<640xf16>) -> tensor<640xf32>
    %55 = stablehlo.reshape %54 : (tensor<640xf32>) -> tensor<1x32x20x1x1xf32>
    %56 = stablehlo.broadcast_in_dim %55, dims = [0, 1, 2, 3, 4] : (tensor<1x32x20x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %57 = stablehlo.add %53, %56 : tensor<2x32x20x1x1xf32>
    %58:4 = stablehlo.optimization_barrier %1, %13, %51, %57 : tensor<2x32x20x32x32xf32>, tensor<2x32x20x1x1xf32>, tensor<2x32x20x1x1xf32>, tensor<2x32x20x1x1xf32>
    %59 = stablehlo.broadcast_in_dim %58#1, dims = [0, 1, 2, 3, 4] : (tensor<2x32x20x1x1xf32>) -> tensor<2x32x20x32x32xf32>
    %60 = stablehlo.subtract %58#0, %59 : tensor<2x32x20x32x32xf32>
    %61 = stablehlo.broadcast_in_dim %58#2, dims = [0, 1, 2, 3, 4] : (tensor<2x32x20x1x1xf32>) -> tensor<2x32x20x32x32xf32>
    %62 = stablehlo.multiply %60, %61 : tensor<2x32x20x32x32xf32>
    %63 = stablehlo.broadcast_in_dim %58#3, dims = [0, 1, 2, 3, 4] : (tensor<2x32x20x1x1xf32>) -> tensor<2x32x20x32x32xf32>
    %64 = stablehlo.add %62, %63 : tensor<2x32x20x32x32xf32>
    %65 = stablehlo.convert %64 : (tensor<2x32x20x32x32xf32>) -> tensor<2x32x20x32x32xf16>
    %66 = stablehlo.reshape %65 : (tensor<2x32x20x32x32xf16>) -> tensor<2x640x32x32xf16>
    return %66 : tensor<2x640x32x32xf16>
  }
  func.func public @main_out(%a0: tensor<2x640x32x32xf16>, %a1: tensor<640xf16>, %a2: tensor<640xf16>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> tensor<2x640x32x32xf16> attributes {iree.reflection = {iree_gn.spec = "{\"activation\": null, \"center\": true, \"channels_axis\": 1, \"dtype\": \"float16\", \"epsilon\": 1e-06, \"groups\": 32, \"mean_close_to_zero\": false, \"reduction_axes\": [2, 3], \"scale\": true, \"shape\": [2, 640, 32, 32]}"}} {
    %r = call @main(%a0, %a1, %a2) : (tensor<2x640x32x32xf16>, tensor<640xf16>, tensor<640xf16>) -> tensor<2x640x32x32xf16>
    return %r : tensor<2x640x32x32xf16>
  }
}
