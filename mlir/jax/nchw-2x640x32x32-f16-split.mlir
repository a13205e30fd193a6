module @jit_group_norm attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x640x32x32xf16>, %arg1: tensor<640xf16>, %arg2: tensor<640xf16>) -> (tensor<2x640x32x32xf16> {jax.result_info = "result"}) {
    %0 = stablehlo.reshape %arg0 : (tensor<2x640x32x32xf16>) -> tensor<2x32x20x32x32xf16>
    %1 = stablehlo.convert %0 : (tensor<2x32x20x32x32xf16>) -> tensor<2x32x20x32x32xf32>
    %2 = stablehlo.reshape %1 : (tensor<2x32x20x32x32xf32>) -> tensor<2x32x20x4x8x32xf32>
    %3 = stablehlo.slice %2 [0:2, 0:32, 0:20, 0:1, 0:1, 3:4] : (tensor<2x32x20x4x8x32xf32>) -> tensor<2x32x20x1x1x1xf32>
    %4 = stablehlo.slice %2 [0:2, 0:32, 0:20, 0:1, 0:1, 9:10] : (tensor<2x32x20x4x8x32xf32>) -> tensor<2x32x20x1x1x1xf32>
    %5 = stablehlo.slice %2 [0:2, 0:32, 0:20, 0:1, 0:1, 16:17] : (tensor<2x32x20x4x8x32xf32>) -> tensor<2x32x20x1x1x1xf32>
    %6 = stablehlo.slice %2 [0:2, 0:32, 0:20, 0:1, 0:1, 22:23] : (tensor<2x32x20x4x8x32xf32>) -> tensor<2x32x20x1x1x1xf32>
    %7 = stablehlo.slice %2 [0:2, 0:32, 0:20, 0:1, 0:1, 28:29] : (tensor<2x32x20x4x8x32xf32>) -> tensor<2x32x20x1x1x1xf32>
    %8 = stablehlo.minimum %3, %4 : tensor<2x32x20x1x1x1xf32>
    %9 = stablehlo.minimum %5, %6 : tensor<2x32x20x1x1x1xf32>
    %10 = stablehlo.maximum %8, %9 : tensor<2x32x20x1x1x1xf32>
    %11 = stablehlo.maximum %3, %4 : tensor<2x32x20x1x1x1xf32>
    %12 = stablehlo.maximum %5, %6 : tensor<2x32x20x1x1x1xf32>
    %13 = stablehlo.minimum %11, %12 : tensor<2x32x20x1x1x1xf32>
    %14 = stablehlo.minimum %10, %13 : tensor<2x32x20x1x1x1xf32>
    %15 = stablehlo.maximum %10, %13 : tensor<2x32x20x1x1x1xf32>
    %16 = stablehlo.minimum %15, %7 : tensor<2x32x20x1x1x1xf32>
    %17 = stablehlo.maximum %14, %16 : tensor<2x32x20x1x1x1xf32>
    %18 = stablehlo.broadcast_in_dim %17, dims = [0, 1, 2, 3, 4, 5] : (tensor<2x32x20x1x1x1xf32>) -> tensor<2x32x20x4x8x32xf32>
    %19 = stablehlo.subtract %2, %18 : tensor<2x32x20x4x8x32xf32>
    %20 = stablehlo.multiply %19, %19 : tensor<2x32x20x4x8x32xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_0 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %21:2 = stablehlo.reduce(%19 init: %cst), (%20 init: %cst_0) across dimensions = [4, 5] : (tensor<2x32x20x4x8x32xf32>, tensor<2x32x20x4x8x32xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x32x20x4xf32>, tensor<2x32x20x4xf32>)
     reducer(%arg3: tensor<f32>, %arg5: tensor<f32>) (%arg4: tensor<f32>, %arg6: tensor<f32>)  {
      %81 = stablehlo.add %arg3, %arg5 : tensor<f32>
      %82 = stablehlo.add %arg4, %arg6 : tensor<f32>
      stablehlo.return %81, %82 : tensor<f32>, tensor<f32>
    }
    %22:2 = stablehlo.optimization_barrier %21#0, %21#1 : tensor<2x32x20x4xf32>, tensor<2x32x20x4xf32>
    %cst_1 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %23 = stablehlo.reduce(%22#0 init: %cst_1) applies stablehlo.add across dimensions = [3] : (tensor<2x32x20x4xf32>, tensor<f32>) -> tensor<2x32x20xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %24 = stablehlo.reduce(%22#1 init: %cst_2) applies stablehlo.add across dimensions = [3] : (tensor<2x32x20x4xf32>, tensor<f32>) -> tensor<2x32x20xf32>
    %25 = stablehlo.reshape %23 : (tensor<2x32x20xf32>) -> tensor<2x32x20x1x1xf32>
    %26 = stablehlo.reshape %24 : (tensor<2x32x20xf32>) -> tensor<2x32x20x1x1xf32>
    %27 = stablehlo.reshape %17 : (tensor<2x32x20x1x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %cst_3 = stablehlo.constant dense<1.024000e+03> : tensor<f32>
    %28 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x32x20x1x1xf32>
    %29 = stablehlo.divide %25, %28 : tensor<2x32x20x1x1xf32>
    %30 = stablehlo.slice %27 [0:2, 0:32, 0:1, 0:1, 0:1] : (tensor<2x32x20x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %31 = stablehlo.broadcast_in_dim %30, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %32 = stablehlo.subtract %27, %31 : tensor<2x32x20x1x1xf32>
    %33 = stablehlo.add %29, %32 : tensor<2x32x20x1x1xf32>
    %cst_4 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %34 = stablehlo.reduce(%33 init: %cst_4) applies stablehlo.add across dimensions = [2] : (tensor<2x32x20x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %35 = stablehlo.broadcast_in_dim %34, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %cst_5 = stablehlo.constant dense<2.000000e+01> : tensor<f32>
    %36 = stablehlo.broadcast_in_dim %cst_5, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %37 = stablehlo.divide %35, %36 : tensor<2x32x1x1x1xf32>
    %38 = stablehlo.slice %27 [0:2, 0:32, 0:1, 0:1, 0:1] : (tensor<2x32x20x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %39 = stablehlo.broadcast_in_dim %38, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %40 = stablehlo.subtract %27, %39 : tensor<2x32x20x1x1xf32>
    %41 = stablehlo.broadcast_in_dim %37, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %42 = stablehlo.subtract %40, %41 : tensor<2x32x20x1x1xf32>
    %cst_6 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %43 = stablehlo.broadcast_in_dim %cst_6, dims = [] : (tensor<f32>) -> tensor<2x32x20x1x1xf32>
    %44 = stablehlo.multiply %43, %42 : tensor<2x32x20x1x1xf32>
    %45 = stablehlo.multiply %44, %25 : tensor<2x32x20x1x1xf32>
    %46 = stablehlo.add %26, %45 : tensor<2x32x20x1x1xf32>
    %cst_7 = stablehlo.constant dense<1.024000e+03> : tensor<f32>
    %47 = stablehlo.broadcast_in_dim %cst_7, dims = [] : (tensor<f32>) -> tensor<2x32x20x1x1xf32>
    %48 = stablehlo.multiply %47, %42 : tensor<2x32x20x1x1xf32>
    %49 = stablehlo.multiply %48, %42 : tensor<2x32x20x1x1xf32>
    %50 = stablehlo.add %46, %49 : tensor<2x32x20x1x1xf32>
    %cst_8 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %51 = stablehlo.reduce(%50 init: %cst_8) applies stablehlo.add across dimensions = [2] : (tensor<2x32x20x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %52 = stablehlo.broadcast_in_dim %51, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %cst_9 = stablehlo.constant dense<2.048000e+04> : tensor<f32>
    %53 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %54 = stablehlo.divide %52, %53 : tensor<2x32x1x1x1xf32>
    %cst_10 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %55 = stablehlo.broadcast_in_dim %cst_10, dims = [] : (tensor<f32>) -> tensor<2x32x1x1x1xf32>
    %56 = stablehlo.maximum %54, %55 : tensor<2x32x1x1x1xf32>
    %57 = stablehlo.broadcast_in_dim %56, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %58 = stablehlo.negate %42 : tensor<2x32x20x1x1xf32>
    %cst_11 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %59 = stablehlo.broadcast_in_dim %cst_11, dims = [] : (tensor<f32>) -> tensor<2x32x20x1x1xf32>
    %60 = stablehlo.add %57, %59 : tensor<2x32x20x1x1xf32>
    %61 = stablehlo.rsqrt %60 : tensor<2x32x20x1x1xf32>
    %62 = stablehlo.convert %arg1 : (tensor<640xf16>) -> tensor<640xf32>
    %63 = stablehlo.reshape %62 : (tensor<640xf32>) -> tensor<1x32x20x1x1xf32>
    %64 = stablehlo.broadcast_in_dim %63, dims = [0, 1, 2, 3, 4] : (tensor<1x32x20x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %65 = stablehlo.multiply %61, %64 : tensor<2x32x20x1x1xf32>
    %66 = stablehlo.negate %58 : tensor<2x32x20x1x1xf32>
    %67 = stablehlo.multiply %66, %65 : tensor<2x32x20x1x1xf32>
    %68 = stablehlo.convert %arg2 : (tensor<640xf16>) -> tensor<640xf32>
    %69 = stablehlo.reshape %68 : (tensor<640xf32>) -> tensor<1x32x20x1x1xf32>
    %70 = stablehlo.broadcast_in_dim %69, dims = [0, 1, 2, 3, 4] : (tensor<1x32x20x1x1xf32>) -> tensor<2x32x20x1x1xf32>
    %71 = stablehlo.add %67, %70 : tensor<2x32x20x1x1xf32>
    %72:4 = stablehlo.optimization_barrier %1, %27, %65, %71 : tensor<2x32x20x32x32xf32>, tensor<2x32x20x1x1xf32>, tensor<2x32x20x1x1xf32>, tensor<2x32x20x1x1xf32>
    %73 = stablehlo.broadcast_in_dim %72#1, dims = [0, 1, 2, 3, 4] : (tensor<2x32x20x1x1xf32>) -> tensor<2x32x20x32x32xf32>
    %74 = stablehlo.subtract %72#0, %73 : tensor<2x32x20x32x32xf32>
    %75 = stablehlo.broadcast_in_dim %72#2, dims = [0, 1, 2, 3, 4] : (tensor<2x32x20x1x1xf32>) -> tensor<2x32x20x32x32xf32>
    %76 = stablehlo.multiply %74, %75 : tensor<2x32x20x32x32xf32>
    %77 = stablehlo.broadcast_in_dim %72#3, dims = [0, 1, 2, 3, 4] : (tensor<2x32x20x1x1xf32>) -> tensor<2x32x20x32x32xf32>
    %78 = stablehlo.add %76, %77 : tensor<2x32x20x32x32xf32>
    %79 = stablehlo.convert %78 : (tensor<2x32x20x32x32xf32>) -> tensor<2x32x20x32x32xf16>
    %80 = stablehlo.reshape %79 : (tensor<2x32x20x32x32xf16>) -> tensor<2x640x32x32xf16>
    return %80 : tensor<2x640x32x32xf16>
  }
  func.func public @main_out(%a0: tensor<2x640x32x32xf16>, %a1: tensor<640xf16>, %a2: tensor<640xf16>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> tensor<2x640x32x32xf16> attributes {iree.reflection = {iree_gn.spec = "{\"activation\": null, \"center\": true, \"channels_axis\": 1, \"dtype\": \"float16\", \"epsilon\": 1e-06, \"groups\": 32, \"mean_close_to_zero\": false, \"reduction_axes\": [2, 3], \"scale\": true, \"shape\": [2, 640, 32, 32]}"}} {
    %r = call @main(%a0, %a1, %a2) : (tensor<2x640x32x32xf16>, tensor<640xf16>, tensor<640xf16>) -> tensor<2x640x32x32xf16>
    return %r : tensor<2x640x32x32xf16>
  }
}
