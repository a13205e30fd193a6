module @jit_group_norm_vjp attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x16x16x1280xf32>, %arg1: tensor<1280xf32>, %arg2: tensor<1280xf32>, %arg3: tensor<2x16x16x1280xf32>) -> (tensor<2x16x16x1280xf32> {jax.result_info = "result[0]"}, tensor<1280xf32> {jax.result_info = "result[1]"}, tensor<1280xf32> {jax.result_info = "result[2]"}) {
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
     reducer(%arg4: tensor<f32>, %arg6: tensor<f32>) (%arg5: tensor<f32>, %arg7: tensor<f32>)  {
      %95 = stablehlo.add %arg4, %arg6 : tensor<f32>
      %96 = stablehlo.add %arg5, %arg7 : tensor<f32>
      stablehlo.return %95, %96 : tensor<f32>, tensor<f32>
    }
    %11 = stablehlo.reshape %10#0 : (tensor<2x1280xf32>) -> tensor<2x1x1x1280xf32>
    %12 = stablehlo.reshape %10#1 : (tensor<2x1280xf32>) -> tensor<2x1x1x1280xf32>
    %13 = stablehlo.reshape %6 : (tensor<2x1x1x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %14 = stablehlo.slice %13 [0:2, 0:1, 0:1, 0:32, 0:1] : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x32x1xf32>
    %15 = stablehlo.broadcast_in_dim %14, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %16 = stablehlo.reshape %15 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %17 = stablehlo.subtract %6, %16 : tensor<2x1x1x1280xf32>
    %cst_1 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %18 = stablehlo.broadcast_in_dim %cst_1, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %19 = stablehlo.divide %11, %18 : tensor<2x1x1x1280xf32>
    %20 = stablehlo.add %19, %17 : tensor<2x1x1x1280xf32>
    %21 = stablehlo.reshape %20 : (tensor<2x1x1x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %22 = stablehlo.reduce(%21 init: %cst_2) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %23 = stablehlo.broadcast_in_dim %22, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %24 = stablehlo.broadcast_in_dim %23, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %25 = stablehlo.reshape %24 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %cst_3 = stablehlo.constant dense<4.000000e+01> : tensor<f32>
    %26 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %27 = stablehlo.divide %25, %26 : tensor<2x1x1x1280xf32>
    %28 = stablehlo.subtract %17, %27 : tensor<2x1x1x1280xf32>
    %cst_4 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %29 = stablehlo.broadcast_in_dim %cst_4, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %30 = stablehlo.multiply %29, %28 : tensor<2x1x1x1280xf32>
    %31 = stablehlo.multiply %30, %11 : tensor<2x1x1x1280xf32>
    %32 = stablehlo.add %12, %31 : tensor<2x1x1x1280xf32>
    %cst_5 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %33 = stablehlo.broadcast_in_dim %cst_5, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %34 = stablehlo.multiply %33, %28 : tensor<2x1x1x1280xf32>
    %35 = stablehlo.multiply %34, %28 : tensor<2x1x1x1280xf32>
    %36 = stablehlo.add %32, %35 : tensor<2x1x1x1280xf32>
    %37 = stablehlo.reshape %36 : (tensor<2x1x1x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %cst_6 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %38 = stablehlo.reduce(%37 init: %cst_6) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %39 = stablehlo.broadcast_in_dim %38, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %40 = stablehlo.broadcast_in_dim %39, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %41 = stablehlo.reshape %40 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %cst_7 = stablehlo.constant dense<1.024000e+04> : tensor<f32>
    %42 = stablehlo.broadcast_in_dim %cst_7, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %43 = stablehlo.divide %41, %42 : tensor<2x1x1x1280xf32>
    %cst_8 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %44 = stablehlo.broadcast_in_dim %cst_8, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %45 = stablehlo.maximum %43, %44 : tensor<2x1x1x1280xf32>
    %cst_9 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %46 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %47 = stablehlo.add %45, %46 : tensor<2x1x1x1280xf32>
    %48 = stablehlo.rsqrt %47 : tensor<2x1x1x1280xf32>
    %49:3 = stablehlo.optimization_barrier %6, %28, %48 : tensor<2x1x1x1280xf32>, tensor<2x1x1x1280xf32>, tensor<2x1x1x1280xf32>
    %50 = stablehlo.broadcast_in_dim %49#0, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %51 = stablehlo.subtract %arg0, %50 : tensor<2x16x16x1280xf32>
    %52 = stablehlo.broadcast_in_dim %49#1, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %53 = stablehlo.add %51, %52 : tensor<2x16x16x1280xf32>
    %54 = stablehlo.broadcast_in_dim %49#2, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %55 = stablehlo.multiply %53, %54 : tensor<2x16x16x1280xf32>
    %56 = stablehlo.reshape %arg1 : (tensor<1280xf32>) -> tensor<1x1x1x1280xf32>
    %57 = stablehlo.multiply %arg3, %55 : tensor<2x16x16x1280xf32>
    %cst_10 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_11 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %58:2 = stablehlo.reduce(%arg3 init: %cst_10), (%57 init: %cst_11) across dimensions = [1, 2] : (tensor<2x16x16x1280xf32>, tensor<2x16x16x1280xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x1280xf32>, tensor<2x1280xf32>)
     reducer(%arg4: tensor<f32>, %arg6: tensor<f32>) (%arg5: tensor<f32>, %arg7: tensor<f32>)  {
      %95 = stablehlo.add %arg4, %arg6 : tensor<f32>
      %96 = stablehlo.add %arg5, %arg7 : tensor<f32>
      stablehlo.return %95, %96 : tensor<f32>, tensor<f32>
    }
    %59 = stablehlo.reshape %58#0 : (tensor<2x1280xf32>) -> tensor<2x1x1x1280xf32>
    %60 = stablehlo.reshape %58#1 : (tensor<2x1280xf32>) -> tensor<2x1x1x1280xf32>
    %61:2 = stablehlo.optimization_barrier %59, %60 : tensor<2x1x1x1280xf32>, tensor<2x1x1x1280xf32>
    %62 = stablehlo.broadcast_in_dim %56, dims = [0, 1, 2, 3] : (tensor<1x1x1x1280xf32>) -> tensor<2x1x1x1280xf32>
    %63 = stablehlo.multiply %62, %61#0 : tensor<2x1x1x1280xf32>
    %64 = stablehlo.broadcast_in_dim %56, dims = [0, 1, 2, 3] : (tensor<1x1x1x1280xf32>) -> tensor<2x1x1x1280xf32>
    %65 = stablehlo.multiply %64, %61#1 : tensor<2x1x1x1280xf32>
    %66:2 = stablehlo.optimization_barrier %63, %65 : tensor<2x1x1x1280xf32>, tensor<2x1x1x1280xf32>
    %67 = stablehlo.reshape %66#0 : (tensor<2x1x1x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %cst_12 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %68 = stablehlo.reduce(%67 init: %cst_12) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %69 = stablehlo.broadcast_in_dim %68, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %70 = stablehlo.broadcast_in_dim %69, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %71 = stablehlo.reshape %70 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %cst_13 = stablehlo.constant dense<1.024000e+04> : tensor<f32>
    %72 = stablehlo.broadcast_in_dim %cst_13, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %73 = stablehlo.divide %71, %72 : tensor<2x1x1x1280xf32>
    %74 = stablehlo.reshape %66#1 : (tensor<2x1x1x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %cst_14 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %75 = stablehlo.reduce(%74 init: %cst_14) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %76 = stablehlo.broadcast_in_dim %75, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %77 = stablehlo.broadcast_in_dim %76, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %78 = stablehlo.reshape %77 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %cst_15 = stablehlo.constant dense<1.024000e+04> : tensor<f32>
    %79 = stablehlo.broadcast_in_dim %cst_15, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %80 = stablehlo.divide %78, %79 : tensor<2x1x1x1280xf32>
    %81:2 = stablehlo.optimization_barrier %73, %80 : tensor<2x1x1x1280xf32>, tensor<2x1x1x1280xf32>
    %82 = stablehlo.broadcast_in_dim %56, dims = [0, 1, 2, 3] : (tensor<1x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %83 = stablehlo.multiply %arg3, %82 : tensor<2x16x16x1280xf32>
    %84 = stablehlo.broadcast_in_dim %81#0, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %85 = stablehlo.subtract %83, %84 : tensor<2x16x16x1280xf32>
    %86 = stablehlo.broadcast_in_dim %81#1, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %87 = stablehlo.multiply %55, %86 : tensor<2x16x16x1280xf32>
    %88 = stablehlo.subtract %85, %87 : tensor<2x16x16x1280xf32>
    %89 = stablehlo.broadcast_in_dim %49#2, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %90 = stablehlo.multiply %89, %88 : tensor<2x16x16x1280xf32>
    %cst_16 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %91 = stablehlo.reduce(%61#1 init: %cst_16) applies stablehlo.add across dimensions = [0] : (tensor<2x1x1x1280xf32>, tensor<f32>) -> tensor<1x1x1280xf32>
    %92 = stablehlo.reshape %91 : (tensor<1x1x1280xf32>) -> tensor<1280xf32>
    %cst_17 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %93 = stablehlo.reduce(%61#0 init: %cst_17) applies stablehlo.add across dimensions = [0] : (tensor<2x1x1x1280xf32>, tensor<f32>) -> tensor<1x1x1280xf32>
    %94 = stablehlo.reshape %93 : (tensor<1x1x1280xf32>) -> tensor<1280xf32>
    return %90, %92, %94 : tensor<2x16x16x1280xf32>, tensor<1280xf32>, tensor<1280xf32>
  }
  func.func public @main_out(%a0: tensor<2x16x16x1280xf32>, %a1: tensor<1280xf32>, %a2: tensor<1280xf32>, %a3: tensor<2x16x16x1280xf32>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> (tensor<2x16x16x1280xf32>, tensor<1280xf32>, tensor<1280xf32>) attributes {iree.reflection = {iree_gn.spec = "{\"activation\": null, \"center\": true, \"channels_axis\": 3, \"dtype\": \"float32\", \"epsilon\": 1e-06, \"groups\": 32, \"mean_close_to_zero\": false, \"reduction_axes\": [1, 2], \"scale\": true, \"shape\": [2, 16, 16, 1280]}", iree_gn.op = "grad"}} {
    %r:3 = call @main(%a0, %a1, %a2, %a3) : (tensor<2x16x16x1280xf32>, tensor<1280xf32>, tensor<1280xf32>, tensor<2x16x16x1280xf32>) -> (tensor<2x16x16x1280xf32>, tensor<1280xf32>, tensor<1280xf32>)
    return %r#0, %r#1, %r#2 : tensor<2x16x16x1280xf32>, tensor<1280xf32>, tensor<1280xf32>
  }
}
