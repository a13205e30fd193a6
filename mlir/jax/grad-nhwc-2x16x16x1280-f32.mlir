module @jit_group_norm_vjp attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x16x16x1280xf32>, %arg1: tensor<1280xf32>, %arg2: tensor<1280xf32>, %arg3: tensor<2x16x16x1280xf32>) -> (tensor<2x16x16x1280xf32> {jax.result_info = "result[0]"}, tensor<1280xf32> {jax.result_info = "result[1]"}, tensor<1280xf32> {jax.result_info = "result[2]"}) {
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
     reducer(%arg4: tensor<f32>, %arg6: tensor<f32>) (%arg5: tensor<f32>, %arg7: tensor<f32>)  {
      %103 = stablehlo.add %arg4, %arg6 : tensor<f32>
      %104 = stablehlo.add %arg5, %arg7 : tensor<f32>
      stablehlo.return %103, %104 : tensor<f32>, tensor<f32>
    }
    %19 = stablehlo.reshape %18#0 : (tensor<2x1280xf32>) -> tensor<2x1x1x1280xf32>
    %20 = stablehlo.reshape %18#1 : (tensor<2x1280xf32>) -> tensor<2x1x1x1280xf32>
    %21 = stablehlo.reshape %14 : (tensor<2x1x1x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %22 = stablehlo.slice %21 [0:2, 0:1, 0:1, 0:32, 0:1] : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x32x1xf32>
    %23 = stablehlo.broadcast_in_dim %22, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %24 = stablehlo.reshape %23 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %25 = stablehlo.subtract %14, %24 : tensor<2x1x1x1280xf32>
    %cst_1 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %26 = stablehlo.broadcast_in_dim %cst_1, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %27 = stablehlo.divide %19, %26 : tensor<2x1x1x1280xf32>
    %28 = stablehlo.add %27, %25 : tensor<2x1x1x1280xf32>
    %29 = stablehlo.reshape %28 : (tensor<2x1x1x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %30 = stablehlo.reduce(%29 init: %cst_2) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %31 = stablehlo.broadcast_in_dim %30, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %32 = stablehlo.broadcast_in_dim %31, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %33 = stablehlo.reshape %32 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %cst_3 = stablehlo.constant dense<4.000000e+01> : tensor<f32>
    %34 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %35 = stablehlo.divide %33, %34 : tensor<2x1x1x1280xf32>
    %36 = stablehlo.subtract %25, %35 : tensor<2x1x1x1280xf32>
    %cst_4 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %37 = stablehlo.broadcast_in_dim %cst_4, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %38 = stablehlo.multiply %37, %36 : tensor<2x1x1x1280xf32>
    %39 = stablehlo.multiply %38, %19 : tensor<2x1x1x1280xf32>
    %40 = stablehlo.add %20, %39 : tensor<2x1x1x1280xf32>
    %cst_5 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %41 = stablehlo.broadcast_in_dim %cst_5, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %42 = stablehlo.multiply %41, %36 : tensor<2x1x1x1280xf32>
    %43 = stablehlo.multiply %42, %36 : tensor<2x1x1x1280xf32>
    %44 = stablehlo.add %40, %43 : tensor<2x1x1x1280xf32>
    %45 = stablehlo.reshape %44 : (tensor<2x1x1x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %cst_6 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %46 = stablehlo.reduce(%45 init: %cst_6) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %47 = stablehlo.broadcast_in_dim %46, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %48 = stablehlo.broadcast_in_dim %47, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %49 = stablehlo.reshape %48 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %cst_7 = stablehlo.constant dense<1.024000e+04> : tensor<f32>
    %50 = stablehlo.broadcast_in_dim %cst_7, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %51 = stablehlo.divide %49, %50 : tensor<2x1x1x1280xf32>
    %cst_8 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %52 = stablehlo.broadcast_in_dim %cst_8, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %53 = stablehlo.maximum %51, %52 : tensor<2x1x1x1280xf32>
    %cst_9 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %54 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %55 = stablehlo.add %53, %54 : tensor<2x1x1x1280xf32>
    %56 = stablehlo.rsqrt %55 : tensor<2x1x1x1280xf32>
    %57:3 = stablehlo.optimization_barrier %14, %36, %56 : tensor<2x1x1x1280xf32>, tensor<2x1x1x1280xf32>, tensor<2x1x1x1280xf32>
    %58 = stablehlo.broadcast_in_dim %57#0, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %59 = stablehlo.subtract %arg0, %58 : tensor<2x16x16x1280xf32>
    %60 = stablehlo.broadcast_in_dim %57#1, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %61 = stablehlo.add %59, %60 : tensor<2x16x16x1280xf32>
    %62 = stablehlo.broadcast_in_dim %57#2, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %63 = stablehlo.multiply %61, %62 : tensor<2x16x16x1280xf32>
    %64 = stablehlo.reshape %arg1 : (tensor<1280xf32>) -> tensor<1x1x1x1280xf32>
    %65 = stablehlo.multiply %arg3, %63 : tensor<2x16x16x1280xf32>
    %cst_10 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_11 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %66:2 = stablehlo.reduce(%arg3 init: %cst_10), (%65 init: %cst_11) across dimensions = [1, 2] : (tensor<2x16x16x1280xf32>, tensor<2x16x16x1280xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x1280xf32>, tensor<2x1280xf32>)
     reducer(%arg4: tensor<f32>, %arg6: tensor<f32>) (%arg5: tensor<f32>, %arg7: tensor<f32>)  {
      %103 = stablehlo.add %arg4, %arg6 : tensor<f32>
      %104 = stablehlo.add %arg5, %arg7 : tensor<f32>
      stablehlo.return %103, %104 : tensor<f32>, tensor<f32>
    }
    %67 = stablehlo.reshape %66#0 : (tensor<2x1280xf32>) -> tensor<2x1x1x1280xf32>
    %68 = stablehlo.reshape %66#1 : (tensor<2x1280xf32>) -> tensor<2x1x1x1280xf32>
    %69:2 = stablehlo.optimization_barrier %67, %68 : tensor<2x1x1x1280xf32>, tensor<2x1x1x1280xf32>
    %70 = stablehlo.broadcast_in_dim %64, dims = [0, 1, 2, 3] : (tensor<1x1x1x1280xf32>) -> tensor<2x1x1x1280xf32>
    %71 = stablehlo.multiply %70, %69#0 : tensor<2x1x1x1280xf32>
    %72 = stablehlo.broadcast_in_dim %64, dims = [0, 1, 2, 3] : (tensor<1x1x1x1280xf32>) -> tensor<2x1x1x1280xf32>
    %73 = stablehlo.multiply %72, %69#1 : tensor<2x1x1x1280xf32>
    %74:2 = stablehlo.optimization_barrier %71, %73 : tensor<2x1x1x1280xf32>, tensor<2x1x1x1280xf32>
    %75 = stablehlo.reshape %74#0 : (tensor<2x1x1x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %cst_12 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %76 = stablehlo.reduce(%75 init: %cst_12) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %77 = stablehlo.broadcast_in_dim %76, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %78 = stablehlo.broadcast_in_dim %77, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %79 = stablehlo.reshape %78 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %cst_13 = stablehlo.constant dense<1.024000e+04> : tensor<f32>
    %80 = stablehlo.broadcast_in_dim %cst_13, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %81 = stablehlo.divide %79, %80 : tensor<2x1x1x1280xf32>
    %82 = stablehlo.reshape %74#1 : (tensor<2x1x1x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %cst_14 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %83 = stablehlo.reduce(%82 init: %cst_14) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %84 = stablehlo.broadcast_in_dim %83, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %85 = stablehlo.broadcast_in_dim %84, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %86 = stablehlo.reshape %85 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %cst_15 = stablehlo.constant dense<1.024000e+04> : tensor<f32>
    %87 = stablehlo.broadcast_in_dim %cst_15, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %88 = stablehlo.divide %86, %87 : tensor<2x1x1x1280xf32>
    %89:2 = stablehlo.optimization_barrier %81, %88 : tensor<2x1x1x1280xf32>, tensor<2x1x1x1280xf32>
    %90 = stablehlo.broadcast_in_dim %64, dims = [0, 1, 2, 3] : (tensor<1x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %91 = stablehlo.multiply %arg3, %90 : tensor<2x16x16x1280xf32>
    %92 = stablehlo.broadcast_in_dim %89#0, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %93 = stablehlo.subtract %91, %92 : tensor<2x16x16x1280xf32>
    %94 = stablehlo.broadcast_in_dim %89#1, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %95 = stablehlo.multiply %63, %94 : tensor<2x16x16x1280xf32>
    %96 = stablehlo.subtract %93, %95 : tensor<2x16x16x1280xf32>
    %97 = stablehlo.broadcast_in_dim %57#2, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %98 = stablehlo.multiply %97, %96 : tensor<2x16x16x1280xf32>
    %cst_16 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %99 = stablehlo.reduce(%69#1 init: %cst_16) applies stablehlo.add across dimensions = [0] : (tensor<2x1x1x1280xf32>, tensor<f32>) -> tensor<1x1x1280xf32>
    %100 = stablehlo.reshape %99 : (tensor<1x1x1280xf32>) -> tensor<1280xf32>
    %cst_17 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %101 = stablehlo.reduce(%69#0 init: %cst_17) applies stablehlo.add across dimensions = [0] : (tensor<2x1x1x1280xf32>, tensor<f32>) -> tensor<1x1x1280xf32>
    %102 = stablehlo.reshape %101 : (tensor<1x1x1280xf32>) -> tensor<1280xf32>
    return %98, %100, %102 : tensor<2x16x16x1280xf32>, tensor<1280xf32>, tensor<1280xf32>
  }
  func.func public @main_out(%a0: tensor<2x16x16x1280xf32>, %a1: tensor<1280xf32>, %a2: tensor<1280xf32>, %a3: tensor<2x16x16x1280xf32>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> (tensor<2x16x16x1280xf32>, tensor<1280xf32>, tensor<1280xf32>) attributes {iree.reflection = {iree_gn.spec = "{\"activation\": null, \"center\": true, \"channels_axis\": 3, \"dtype\": \"float32\", \"epsilon\": 1e-06, \"groups\": 32, \"mean_close_to_zero\": false, \"reduction_axes\": [1, 2], \"scale\": true, \"shape\": [2, 16, 16, 1280]}", iree_gn.op = "grad"}} {
    %r:3 = call @main(%a0, %a1, %a2, %a3) : (tensor<2x16x16x1280xf32>, tensor<1280xf32>, tensor<1280xf32>, tensor<2x16x16x1280xf32>) -> (tensor<2x16x16x1280xf32>, tensor<1280xf32>, tensor<1280xf32>)
    return %r#0, %r#1, %r#2 : tensor<2x16x16x1280xf32>, tensor<1280xf32>, tensor<1280xf32>
  }
}
