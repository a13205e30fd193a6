module @jit_group_norm_vjp attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x64x8x8xf16>, %arg1: tensor<64xf16>, %arg2: tensor<64xf16>, %arg3: tensor<2x64x8x8xf16>) -> (tensor<2x64x8x8xf16> {jax.result_info = "result[0]"}, tensor<64xf32> {jax.result_info = "result[1]"}, tensor<64xf32> {jax.result_info = "result[2]"}) {
    %0 = stablehlo.convert %arg0 : (tensor<2x64x8x8xf16>) -> tensor<2x64x8x8xf32>
    %1 = stablehlo.optimization_barrier %0 : tensor<2x64x8x8xf32>
    %2 = stablehlo.convert %arg3 : (tensor<2x64x8x8xf16>) -> tensor<2x64x8x8xf32>
    %3 = stablehlo.optimization_barrier %2 : tensor<2x64x8x8xf32>
    %4 = stablehlo.slice %1 [0:2, 0:64, 0:1, 0:1] : (tensor<2x64x8x8xf32>) -> tensor<2x64x1x1xf32>
    %5 = stablehlo.slice %1 [0:2, 0:64, 0:1, 4:5] : (tensor<2x64x8x8xf32>) -> tensor<2x64x1x1xf32>
    %6 = stablehlo.slice %1 [0:2, 0:64, 0:1, 7:8] : (tensor<2x64x8x8xf32>) -> tensor<2x64x1x1xf32>
    %7 = stablehlo.minimum %4, %5 : tensor<2x64x1x1xf32>
    %8 = stablehlo.maximum %4, %5 : tensor<2x64x1x1xf32>
    %9 = stablehlo.minimum %8, %6 : tensor<2x64x1x1xf32>
    %10 = stablehlo.maximum %7, %9 : tensor<2x64x1x1xf32>
    %11 = stablehlo.broadcast_in_dim %10, dims = [0, 1, 2, 3] : (tensor<2x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %12 = stablehlo.subtract %1, %11 : tensor<2x64x8x8xf32>
    %13 = stablehlo.multiply %12, %12 : tensor<2x64x8x8xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_0 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %14:2 = stablehlo.reduce(%12 init: %cst), (%13 init: %cst_0) across dimensions = [2, 3] : (tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x64xf32>, tensor<2x64xf32>)
     reducer(%arg4: tensor<f32>, %arg6: tensor<f32>) (%arg5: tensor<f32>, %arg7: tensor<f32>)  {
      %109 = stablehlo.add %arg4, %arg6 : tensor<f32>
      %110 = stablehlo.add %arg5, %arg7 : tensor<f32>
      stablehlo.return %109, %110 : tensor<f32>, tensor<f32>
    }
    %15 = stablehlo.reshape %14#0 : (tensor<2x64xf32>) -> tensor<2x64x1x1xf32>
    %16 = stablehlo.reshape %14#1 : (tensor<2x64xf32>) -> tensor<2x64x1x1xf32>
    %17 = stablehlo.reshape %10 : (tensor<2x64x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %18 = stablehlo.slice %17 [0:2, 0:32, 0:1, 0:1, 0:1] : (tensor<2x32x2x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %19 = stablehlo.broadcast_in_dim %18, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %20 = stablehlo.reshape %19 : (tensor<2x32x2x1x1xf32>) -> tensor<2x64x1x1xf32>
    %21 = stablehlo.subtract %10, %20 : tensor<2x64x1x1xf32>
    %cst_1 = stablehlo.constant dense<6.400000e+01> : tensor<f32>
    %22 = stablehlo.broadcast_in_dim %cst_1, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %23 = stablehlo.divide %15, %22 : tensor<2x64x1x1xf32>
    %24 = stablehlo.add %23, %21 : tensor<2x64x1x1xf32>
    %25 = stablehlo.reshape %24 : (tensor<2x64x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %26 = stablehlo.reduce(%25 init: %cst_2) applies stablehlo.add across dimensions = [2] : (tensor<2x32x2x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %27 = stablehlo.broadcast_in_dim %26, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %28 = stablehlo.broadcast_in_dim %27, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %29 = stablehlo.reshape %28 : (tensor<2x32x2x1x1xf32>) -> tensor<2x64x1x1xf32>
    %cst_3 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %30 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %31 = stablehlo.divide %29, %30 : tensor<2x64x1x1xf32>
    %32 = stablehlo.subtract %21, %31 : tensor<2x64x1x1xf32>
    %cst_4 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %33 = stablehlo.broadcast_in_dim %cst_4, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %34 = stablehlo.multiply %33, %32 : tensor<2x64x1x1xf32>
    %35 = stablehlo.multiply %34, %15 : tensor<2x64x1x1xf32>
    %36 = stablehlo.add %16, %35 : tensor<2x64x1x1xf32>
    %cst_5 = stablehlo.constant dense<6.400000e+01> : tensor<f32>
    %37 = stablehlo.broadcast_in_dim %cst_5, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %38 = stablehlo.multiply %37, %32 : tensor<2x64x1x1xf32>
    %39 = stablehlo.multiply %38, %32 : tensor<2x64x1x1xf32>
    %40 = stablehlo.add %36, %39 : tensor<2x64x1x1xf32>
    %41 = stablehlo.reshape %40 : (tensor<2x64x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %cst_6 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %42 = stablehlo.reduce(%41 init: %cst_6) applies stablehlo.add across dimensions = [2] : (tensor<2x32x2x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %43 = stablehlo.broadcast_in_dim %42, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %44 = stablehlo.broadcast_in_dim %43, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %45 = stablehlo.reshape %44 : (tensor<2x32x2x1x1xf32>) -> tensor<2x64x1x1xf32>
    %cst_7 = stablehlo.constant dense<1.280000e+02> : tensor<f32>
    %46 = stablehlo.broadcast_in_dim %cst_7, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %47 = stablehlo.divide %45, %46 : tensor<2x64x1x1xf32>
    %cst_8 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %48 = stablehlo.broadcast_in_dim %cst_8, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %49 = stablehlo.maximum %47, %48 : tensor<2x64x1x1xf32>
    %cst_9 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %50 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %51 = stablehlo.add %49, %50 : tensor<2x64x1x1xf32>
    %52 = stablehlo.rsqrt %51 : tensor<2x64x1x1xf32>
    %53:3 = stablehlo.optimization_barrier %10, %32, %52 : tensor<2x64x1x1xf32>, tensor<2x64x1x1xf32>, tensor<2x64x1x1xf32>
    %54 = stablehlo.broadcast_in_dim %53#0, dims = [0, 1, 2, 3] : (tensor<2x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %55 = stablehlo.subtract %1, %54 : tensor<2x64x8x8xf32>
    %56 = stablehlo.broadcast_in_dim %53#1, dims = [0, 1, 2, 3] : (tensor<2x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %57 = stablehlo.add %55, %56 : tensor<2x64x8x8xf32>
    %58 = stablehlo.broadcast_in_dim %53#2, dims = [0, 1, 2, 3] : (tensor<2x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %59 = stablehlo.multiply %57, %58 : tensor<2x64x8x8xf32>
    %60 = stablehlo.convert %arg1 : (tensor<64xf16>) -> tensor<64xf32>
    %61 = stablehlo.reshape %60 : (tensor<64xf32>) -> tensor<1x64x1x1xf32>
    %62 = stablehlo.broadcast_in_dim %61, dims = [0, 1, 2, 3] : (tensor<1x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %63 = stablehlo.multiply %59, %62 : tensor<2x64x8x8xf32>
    %64 = stablehlo.convert %arg2 : (tensor<64xf16>) -> tensor<64xf32>
    %65 = stablehlo.reshape %64 : (tensor<64xf32>) -> tensor<1x64x1x1xf32>
    %66 = stablehlo.broadcast_in_dim %65, dims = [0, 1, 2, 3] : (tensor<1x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %67 = stablehlo.add %63, %66 : tensor<2x64x8x8xf32>
    %68:3 = call @silu(%67) : (tensor<2x64x8x8xf32>) -> (tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>)
    %69 = call @silu_0(%68#1, %68#2, %67, %3) : (tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>) -> tensor<2x64x8x8xf32>
    %70 = stablehlo.multiply %69, %59 : tensor<2x64x8x8xf32>
    %cst_10 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_11 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %71:2 = stablehlo.reduce(%69 init: %cst_10), (%70 init: %cst_11) across dimensions = [2, 3] : (tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x64xf32>, tensor<2x64xf32>)
     reducer(%arg4: tensor<f32>, %arg6: tensor<f32>) (%arg5: tensor<f32>, %arg7: tensor<f32>)  {
      %109 = stablehlo.add %arg4, %arg6 : tensor<f32>
      %110 = stablehlo.add %arg5, %arg7 : tensor<f32>
      stablehlo.return %109, %110 : tensor<f32>, tensor<f32>
    }
    %72 = stablehlo.reshape %71#0 : (tensor<2x64xf32>) -> tensor<2x64x1x1xf32>
    %73 = stablehlo.reshape %71#1 : (tensor<2x64xf32>) -> tensor<2x64x1x1xf32>
    %74:2 = stablehlo.optimization_barrier %72, %73 : tensor<2x64x1x1xf32>, tensor<2x64x1x1xf32>
    %75 = stablehlo.broadcast_in_dim %61, dims = [0, 1, 2, 3] : (tensor<1x64x1x1xf32>) -> tensor<2x64x1x1xf32>
    %76 = stablehlo.multiply %75, %74#0 : tensor<2x64x1x1xf32>
    %77 = stablehlo.broadcast_in_dim %61, dims = [0, 1, 2, 3] : (tensor<1x64x1x1xf32>) -> tensor<2x64x1x1xf32>
    %78 = stablehlo.multiply %77, %74#1 : tensor<2x64x1x1xf32>
    %79:2 = stablehlo.optimization_barrier %76, %78 : tensor<2x64x1x1xf32>, tensor<2x64x1x1xf32>
    %80 = stablehlo.reshape %79#0 : (tensor<2x64x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %cst_12 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %81 = stablehlo.reduce(%80 init: %cst_12) applies stablehlo.add across dimensions = [2] : (tensor<2x32x2x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %82 = stablehlo.broadcast_in_dim %81, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %83 = stablehlo.broadcast_in_dim %82, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %84 = stablehlo.reshape %83 : (tensor<2x32x2x1x1xf32>) -> tensor<2x64x1x1xf32>
    %cst_13 = stablehlo.constant dense<1.280000e+02> : tensor<f32>
    %85 = stablehlo.broadcast_in_dim %cst_13, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %86 = stablehlo.divide %84, %85 : tensor<2x64x1x1xf32>
    %87 = stablehlo.reshape %79#1 : (tensor<2x64x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %cst_14 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %88 = stablehlo.reduce(%87 init: %cst_14) applies stablehlo.add across dimensions = [2] : (tensor<2x32x2x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %89 = stablehlo.broadcast_in_dim %88, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %90 = stablehlo.broadcast_in_dim %89, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %91 = stablehlo.reshape %90 : (tensor<2x32x2x1x1xf32>) -> tensor<2x64x1x1xf32>
    %cst_15 = stablehlo.constant dense<1.280000e+02> : tensor<f32>
    %92 = stablehlo.broadcast_in_dim %cst_15, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %93 = stablehlo.divide %91, %92 : tensor<2x64x1x1xf32>
    %94:2 = stablehlo.optimization_barrier %86, %93 : tensor<2x64x1x1xf32>, tensor<2x64x1x1xf32>
    %95 = stablehlo.broadcast_in_dim %61, dims = [0, 1, 2, 3] : (tensor<1x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %96 = stablehlo.multiply %69, %95 : tensor<2x64x8x8xf32>
    %97 = stablehlo.broadcast_in_dim %94#0, dims = [0, 1, 2, 3] : (tensor<2x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %98 = stablehlo.subtract %96, %97 : tensor<2x64x8x8xf32>
    %99 = stablehlo.broadcast_in_dim %94#1, dims = [0, 1, 2, 3] : (tensor<2x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %100 = stablehlo.multiply %59, %99 : tensor<2x64x8x8xf32>
    %101 = stablehlo.subtract %98, %100 : tensor<2x64x8x8xf32>
    %102 = stablehlo.broadcast_in_dim %53#2, dims = [0, 1, 2, 3] : (tensor<2x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %103 = stablehlo.multiply %102, %101 : tensor<2x64x8x8xf32>
    %104 = stablehlo.convert %103 : (tensor<2x64x8x8xf32>) -> tensor<2x64x8x8xf16>
    %cst_16 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %105 = stablehlo.reduce(%74#1 init: %cst_16) applies stablehlo.add across dimensions = [0] : (tensor<2x64x1x1xf32>, tensor<f32>) -> tensor<64x1x1xf32>
    %106 = stablehlo.reshape %105 : (tensor<64x1x1xf32>) -> tensor<64xf32>
    %cst_17 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %107 = stablehlo.reduce(%74#0 init: %cst_17) applies stablehlo.add across dimensions = [0] : (tensor<2x64x1x1xf32>, tensor<f32>) -> tensor<64x1x1xf32>
    %108 = stablehlo.reshape %107 : (tensor<64x1x1xf32>) -> tensor<64xf32>
    return %104, %106, %108 : tensor<2x64x8x8xf16>, tensor<64xf32>, tensor<64xf32>
  }
  func.func private @silu(%arg0: tensor<2x64x8x8xf32>) -> (tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>) {
    %0 = stablehlo.negate %arg0 : tensor<2x64x8x8xf32>
    %1 = stablehlo.exponential %0 : tensor<2x64x8x8xf32>
    %cst = stablehlo.constant dense<1.000000e+00> : tensor<f32>
    %2 = stablehlo.broadcast_in_dim %cst, dims = [] : (tensor<f32>) -> tensor<2x64x8x8xf32>
    %3 = stablehlo.add %2, %1 : tensor<2x64x8x8xf32>
    %cst_0 = stablehlo.constant dense<1.000000e+00> : tensor<f32>
    %4 = stablehlo.broadcast_in_dim %cst_0, dims = [] : (tensor<f32>) -> tensor<2x64x8x8xf32>
    %5 = stablehlo.divide %4, %3 : tensor<2x64x8x8xf32>
    %cst_1 = stablehlo.constant dense<1.000000e+00> : tensor<f32>
    %6 = stablehlo.broadcast_in_dim %cst_1, dims = [] : (tensor<f32>) -> tensor<2x64x8x8xf32>
    %7 = stablehlo.subtract %6, %5 : tensor<2x64x8x8xf32>
    %8 = stablehlo.multiply %5, %7 : tensor<2x64x8x8xf32>
    %9 = stablehlo.multiply %arg0, %5 : tensor<2x64x8x8xf32>
    return %9, %8, %5 : tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>
  }
  func.func private @silu_0(%arg0: tensor<2x64x8x8xf32>, %arg1: tensor<2x64x8x8xf32>, %arg2: tensor<2x64x8x8xf32>, %arg3: tensor<2x64x8x8xf32>) -> tensor<2x64x8x8xf32> {
    %0 = stablehlo.multiply %arg2, %arg3 : tensor<2x64x8x8xf32>
    %1 = stablehlo.multiply %arg3, %arg1 : tensor<2x64x8x8xf32>
    %2 = stablehlo.multiply %0, %arg0 : tensor<2x64x8x8xf32>
    %3 = stablehlo.add %1, %2 : tensor<2x64x8x8xf32>
    return %3 : tensor<2x64x8x8xf32>
  }
  func.func public @main_out(%a0: tensor<2x64x8x8xf16>, %a1: tensor<64xf16>, %a2: tensor<64xf16>, %a3: tensor<2x64x8x8xf16>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> (tensor<2x64x8x8xf16>, tensor<64xf32>, tensor<64xf32>) attributes {iree.reflection = {iree_gn.spec = "{\"activation\": \"silu\", \"center\": true, \"channels_axis\": 1, \"dtype\": \"float16\", \"epsilon\": 1e-06, \"groups\": 32, \"mean_close_to_zero\": false, \"reduction_axes\": [2, 3], \"scale\": true, \"shape\": [2, 64, 8, 8]}", iree_gn.op = "grad"}} {
    %r:3 = call @main(%a0, %a1, %a2, %a3) : (tensor<2x64x8x8xf16>, tensor<64xf16>, tensor<64xf16>, tensor<2x64x8x8xf16>) -> (tensor<2x64x8x8xf16>, tensor<64xf32>, tensor<64xf32>)
    return %r#0, %r#1, %r#2 : tensor<2x64x8x8xf16>, tensor<64xf32>, tensor<64xf32>
  }
}
