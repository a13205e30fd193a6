module @jit_group_norm_vjp attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x16x16x1280xf32>, %arg1: tensor<1280xf32>, %arg2: tensor<1280xf32>, %arg3: tensor<2x16x16x1280xf32>) -> (tensor<2x16x16x1280xf32> {jax.result_info = "result[0]"}, tensor<1280xf32> {jax.result_info = "result[1]"}, tensor<1280xf32> {jax.result_info = "result[2]"}) {
    %0 = stablehlo.slice %arg0 [0:2, 0:1, 0:16, 0:1280] : (tensor<2x16x16x1280xf32>) -> tensor<2x1x16x1280xf32>
    %1 = stablehlo.slice %0 [0:2, 0:1, 0:1, 0:1280] : (tensor<2x1x16x1280xf32>) -> tensor<2x1x1x1280xf32>
    %2 = stablehlo.broadcast_in_dim %1, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %3 = stablehlo.subtract %arg0, %2 : tensor<2x16x16x1280xf32>
    %4 = stablehlo.multiply %3, %3 : tensor<2x16x16x1280xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_0 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %5:2 = stablehlo.reduce(%3 init: %cst), (%4 init: %cst_0) across dimensions = [1, 2] : (tensor<2x16x16x1280xf32>, tensor<2x16x16x1280xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x1280xf32>, tensor<2x1280xf32>)
     reducer(%arg4: tensor<f32>, %arg6: tensor<f32>) (%arg5: tensor<f32>, %arg7: tensor<f32>)  {
      %90 = stablehlo.add %arg4, %arg6 : tensor<f32>
      %91 = stablehlo.add %arg5, %arg7 : tensor<f32>
      stablehlo.return %90, %91 : tensor<f32>, tensor<f32>
    }
    %6 = stablehlo.reshape %5#0 : (tensor<2x1280xf32>) -> tensor<2x1x1x1280xf32>
    %7 = stablehlo.reshape %5#1 : (tensor<2x1280xf32>) -> tensor<2x1x1x1280xf32>
    %8 = stablehlo.reshape %1 : (tensor<2x1x1x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %9 = stablehlo.slice %8 [0:2, 0:1, 0:1, 0:32, 0:1] : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x32x1xf32>
    %10 = stablehlo.broadcast_in_dim %9, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %11 = stablehlo.reshape %10 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %12 = stablehlo.subtract %1, %11 : tensor<2x1x1x1280xf32>
    %cst_1 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %13 = stablehlo.broadcast_in_dim %cst_1, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %14 = stablehlo.divide %6, %13 : tensor<2x1x1x1280xf32>
    %15 = stablehlo.add %14, %12 : tensor<2x1x1x1280xf32>
    %16 = stablehlo.reshape %15 : (tensor<2x1x1x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %17 = stablehlo.reduce(%16 init: %cst_2) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %18 = stablehlo.broadcast_in_dim %17, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %19 = stablehlo.broadcast_in_dim %18, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %20 = stablehlo.reshape %19 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %cst_3 = stablehlo.constant dense<4.000000e+01> : tensor<f32>
    %21 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %22 = stablehlo.divide %20, %21 : tensor<2x1x1x1280xf32>
    %23 = stablehlo.subtract %12, %22 : tensor<2x1x1x1280xf32>
    %cst_4 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %24 = stablehlo.broadcast_in_dim %cst_4, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %25 = stablehlo.multiply %24, %23 : tensor<2x1x1x1280xf32>
    %26 = stablehlo.multiply %25, %6 : tensor<2x1x1x1280xf32>
    %27 = stablehlo.add %7, %26 : tensor<2x1x1x1280xf32>
    %cst_5 = stablehlo.constant dense<2.560000e+02> : tensor<f32>
    %28 = stablehlo.broadcast_in_dim %cst_5, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %29 = stablehlo.multiply %28, %23 : tensor<2x1x1x1280xf32>
    %30 = stablehlo.multiply %29, %23 : tensor<2x1x1x1280xf32>
    %31 = stablehlo.add %27, %30 : tensor<2x1x1x1280xf32>
    %32 = stablehlo.reshape %31 : (tensor<2x1x1x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %cst_6 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %33 = stablehlo.reduce(%32 init: %cst_6) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %34 = stablehlo.broadcast_in_dim %33, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %35 = stablehlo.broadcast_in_dim %34, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %36 = stablehlo.reshape %35 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %cst_7 = stablehlo.constant dense<1.024000e+04> : tensor<f32>
    %37 = stablehlo.broadcast_in_dim %cst_7, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %38 = stablehlo.divide %36, %37 : tensor<2x1x1x1280xf32>
    %cst_8 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %39 = stablehlo.broadcast_in_dim %cst_8, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %40 = stablehlo.maximum %38, %39 : tensor<2x1x1x1280xf32>
    %cst_9 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %41 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %42 = stablehlo.add %40, %41 : tensor<2x1x1x1280xf32>
    %43 = stablehlo.rsqrt %42 : tensor<2x1x1x1280xf32>
    %44:3 = stablehlo.optimization_barrier %1, %23, %43 : tensor<2x1x1x1280xf32>, tensor<2x1x1x1280xf32>, tensor<2x1x1x1280xf32>
    %45 = stablehlo.broadcast_in_dim %44#0, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %46 = stablehlo.subtract %arg0, %45 : tensor<2x16x16x1280xf32>
    %47 = stablehlo.broadcast_in_dim %44#1, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %48 = stablehlo.add %46, %47 : tensor<2x16x16x1280xf32>
    %49 = stablehlo.broadcast_in_dim %44#2, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %50 = stablehlo.multiply %48, %49 : tensor<2x16x16x1280xf32>
    %51 = stablehlo.reshape %arg1 : (tensor<1280xf32>) -> tensor<1x1x1x1280xf32>
    %52 = stablehlo.multiply %arg3, %50 : tensor<2x16x16x1280xf32>
    %cst_10 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_11 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %53:2 = stablehlo.reduce(%arg3 init: %cst_10), (%52 init: %cst_11) across dimensions = [1, 2] : (tensor<2x16x16x1280xf32>, tensor<2x16x16x1280xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x1280xf32>, tensor<2x1280xf32>)
     reducer(%arg4: tensor<f32>, %arg6: tensor<f32>) (%arg5: tensor<f32>, %arg7: tensor<f32>)  {
      %90 = stablehlo.add %arg4, %arg6 : tensor<f32>
      %91 = stablehlo.add %arg5, %arg7 : tensor<f32>
      stablehlo.return %90, %91 : tensor<f32>, tensor<f32>
    }
    %54 = stablehlo.reshape %53#0 : (tensor<2x1280xf32>) -> tensor<2x1x1x1280xf32>
    %55 = stablehlo.reshape %53#1 : (tensor<2x1280xf32>) -> tensor<2x1x1x1280xf32>
    %56:2 = stablehlo.optimization_barrier %54, %55 : tensor<2x1x1x1280xf32>, tensor<2x1x1x1280xf32>
    %57 = stablehlo.broadcast_in_dim %51, dims = [0, 1, 2, 3] : (tensor<1x1x1x1280xf32>) -> tensor<2x1x1x1280xf32>
    %58 = stablehlo.multiply %57, %56#0 : tensor<2x1x1x1280xf32>
    %59 = stablehlo.broadcast_in_dim %51, dims = [0, 1, 2, 3] : (tensor<1x1x1x1280xf32>) -> tensor<2x1x1x1280xf32>
    %60 = stablehlo.multiply %59, %56#1 : tensor<2x1x1x1280xf32>
    %61:2 = stablehlo.optimization_barrier %58, %60 : tensor<2x1x1x1280xf32>, tensor<2x1x1x1280xf32>
    %62 = stablehlo.reshape %61#0 : (tensor<2x1x1x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %cst_12 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %63 = stablehlo.reduce(%62 init: %cst_12) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %64 = stablehlo.broadcast_in_dim %63, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %65 = stablehlo.broadcast_in_dim %64, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %66 = stablehlo.reshape %65 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %cst_13 = stablehlo.constant dense<1.024000e+04> : tensor<f32>
    %67 = stablehlo.broadcast_in_dim %cst_13, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %68 = stablehlo.divide %66, %67 : tensor<2x1x1x1280xf32>
    %69 = stablehlo.reshape %61#1 : (tensor<2x1x1x1280xf32>) -> tensor<2x1x1x32x40xf32>
    %cst_14 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %70 = stablehlo.reduce(%69 init: %cst_14) applies stablehlo.add across dimensions = [4] : (tensor<2x1x1x32x40xf32>, tensor<f32>) -> tensor<2x1x1x32xf32>
    %71 = stablehlo.broadcast_in_dim %70, dims = [0, 1, 2, 3] : (tensor<2x1x1x32xf32>) -> tensor<2x1x1x32x1xf32>
    %72 = stablehlo.broadcast_in_dim %71, dims = [0, 1, 2, 3, 4] : (tensor<2x1x1x32x1xf32>) -> tensor<2x1x1x32x40xf32>
    %73 = stablehlo.reshape %72 : (tensor<2x1x1x32x40xf32>) -> tensor<2x1x1x1280xf32>
    %cst_15 = stablehlo.constant dense<1.024000e+04> : tensor<f32>
    %74 = stablehlo.broadcast_in_dim %cst_15, dims = [] : (tensor<f32>) -> tensor<2x1x1x1280xf32>
    %75 = stablehlo.divide %73, %74 : tensor<2x1x1x1280xf32>
    %76:2 = stablehlo.optimization_barrier %68, %75 : tensor<2x1x1x1280xf32>, tensor<2x1x1x1280xf32>
    %77 = stablehlo.broadcast_in_dim %51, dims = [0, 1, 2, 3] : (tensor<1x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %78 = stablehlo.multiply %arg3, %77 : tensor<2x16x16x1280xf32>
    %79 = stablehlo.broadcast_in_dim %76#0, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %80 = stablehlo.subtract %78, %79 : tensor<2x16x16x1280xf32>
    %81 = stablehlo.broadcast_in_dim %76#1, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %82 = stablehlo.multiply %50, %81 : tensor<2x16x16x1280xf32>
    %83 = stablehlo.subtract %80, %82 : tensor<2x16x16x1280xf32>
    %84 = stablehlo.broadcast_in_dim %44#2, dims = [0, 1, 2, 3] : (tensor<2x1x1x1280xf32>) -> tensor<2x16x16x1280xf32>
    %85 = stablehlo.multiply %84, %83 : tensor<2x16x16x1280xf32>
    %cst_16 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %86 = stablehlo.reduce(%56#1 init: %cst_16) applies stablehlo.add across dimensions = [0] : (tensor<2x1x1x1280xf32>, tensor<f32>) -> tensor<1x1x1280xf32>
    %87 = stablehlo.reshape %86 : (tensor<1x1x1280xf32>) -> tensor<1280xf32>
    %cst_17 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %88 = stablehlo.reduce(%56#0 init: %cst_17) applies stablehlo.add across dimensions = [0] : (tensor<2x1x1x1280xf32>, tensor<f32>) -> tensor<1x1x1280xf32>
    %89 = stablehlo.reshape %88 : (tensor<1x1x1280xf32>) -> tensor<1280xf32>
    return %85, %87, %89 : tensor<2x16x16x1280xf32>, tensor<1280xf32>, tensor<1280xf32>
  }
  func.func public @main_out(%a0: tensor<2x16x16x1280xf32>, %a1: tensor<1280xf32>, %a2: tensor<1280xf32>, %a3: tensor<2x16x16x1280xf32>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> (tensor<2x16x16x1280xf32>, tensor<1280xf32>, tensor<1280xf32>) attributes {iree.reflection = {iree_gn.spec = "{\"activation\": null, \"center\": true, \"channels_axis\": 3, \"dtype\": \"float32\", \"epsilon\": 1e-06, \"groups\": 32, \"mean_close_to_zero\": false, \"reduction_axes\": [1, 2], \"scale\": true, \"shape\": [2, 16, 16, 1280]}", iree_gn.op = "grad"}} {
    %r:3 = call @main(%a0, %a1, %a2, %a3) : (tensor<2x16x16x1280xf32>, tensor<1280xf32>, tensor<1280xf32>, tensor<2x16x16x1280xf32>) -> (tensor<2x16x16x1280xf32>, tensor<1280xf32>, tensor<1280xf32>)
    return %r#0, %r#1, %r#2 : tensor<2x16x16x1280xf32>, tensor<1280xf32>, tensor<1280xf32>
  }
}
