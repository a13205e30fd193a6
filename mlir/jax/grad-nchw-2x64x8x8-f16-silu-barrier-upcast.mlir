module @jit_group_norm_vjp attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x64x8x8xf16>, %arg1: tensor<64xf16>, %arg2: tensor<64xf16>, %arg3: tensor<2x64x8x8xf16>) -> (tensor<2x64x8x8xf16> {jax.result_info = "result[0]"}, tensor<64xf32> {jax.result_info = "result[1]"}, tensor<64xf32> {jax.result_info = "result[2]"}) {
    %0 = stablehlo.convert %arg0 : (tensor<2x64x8x8xf16>) -> tensor<2x64x8x8xf32>
    %1 = stablehlo.optimization_barrier %0 : tensor<2x64x8x8xf32>
    %2 = stablehlo.convert %arg3 : (tensor<2x64x8x8xf16>) -> tensor<2x64x8x8xf32>
    %3 = stablehlo.optimization_barrier %2 : tensor<2x64x8x8xf32>
    %4 = stablehlo.slice %1 [0:2, 0:64, 0:1, 0:8] : (tensor<2x64x8x8xf32>) -> tensor<2x64x1x8xf32>
    %5 = stablehlo.slice %4 [0:2, 0:64, 0:1, 0:1] : (tensor<2x64x1x8xf32>) -> tensor<2x64x1x1xf32>
    %6 = stablehlo.broadcast_in_dim %5, dims = [0, 1, 2, 3] : (tensor<2x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %7 = stablehlo.subtract %1, %6 : tensor<2x64x8x8xf32>
    %8 = stablehlo.multiply %7, %7 : tensor<2x64x8x8xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_0 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %9:2 = stablehlo.reduce(%7 init: %cst), (%8 init: %cst_0) across dimensions = [2, 3] : (tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x64xf32>, tensor<2x64xf32>)
     reducer(%arg4: tensor<f32>, %arg6: tensor<f32>) (%arg5: tensor<f32>, %arg7: tensor<f32>)  {
      %104 = stablehlo.add %arg4, %arg6 : tensor<f32>
      %105 = stablehlo.add %arg5, %arg7 : tensor<f32>
      stablehlo.return %104, %105 : tensor<f32>, tensor<f32>
    }
    %10 = stablehlo.reshape %9#0 : (tensor<2x64xf32>) -> tensor<2x64x1x1xf32>
    %11 = stablehlo.reshape %9#1 : (tensor<2x64xf32>) -> tensor<2x64x1x1xf32>
    %12 = stablehlo.reshape %5 : (tensor<2x64x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %13 = stablehlo.slice %12 [0:2, 0:32, 0:1, 0:1, 0:1] : (tensor<2x32x2x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %14 = stablehlo.broadcast_in_dim %13, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %15 = stablehlo.reshape %14 : (tensor<2x32x2x1x1xf32>) -> tensor<2x64x1x1xf32>
    %16 = stablehlo.subtract %5, %15 : tensor<2x64x1x1xf32>
    %cst_1 = stablehlo.constant dense<6.400000e+01> : tensor<f32>
    %17 = stablehlo.broadcast_in_dim %cst_1, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %18 = stablehlo.divide %10, %17 : tensor<2x64x1x1xf32>
    %19 = stablehlo.add %18, %16 : tensor<2x64x1x1xf32>
    %20 = stablehlo.reshape %19 : (tensor<2x64x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %21 = stablehlo.reduce(%20 init: %cst_2) applies stablehlo.add across dimensions = [2] : (tensor<2x32x2x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %22 = stablehlo.broadcast_in_dim %21, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %23 = stablehlo.broadcast_in_dim %22, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %24 = stablehlo.reshape %23 : (tensor<2x32x2x1x1xf32>) -> tensor<2x64x1x1xf32>
    %cst_3 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %25 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %26 = stablehlo.divide %24, %25 : tensor<2x64x1x1xf32>
    %27 = stablehlo.subtract %16, %26 : tensor<2x64x1x1xf32>
    %cst_4 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %28 = stablehlo.broadcast_in_dim %cst_4, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %29 = stablehlo.multiply %28, %27 : tensor<2x64x1x1xf32>
    %30 = stablehlo.multiply %29, %10 : tensor<2x64x1x1xf32>
    %31 = stablehlo.add %11, %30 : tensor<2x64x1x1xf32>
    %cst_5 = stablehlo.constant dense<6.400000e+01> : tensor<f32>
    %32 = stablehlo.broadcast_in_dim %cst_5, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %33 = stablehlo.multiply %32, %27 : tensor<2x64x1x1xf32>
    %34 = stablehlo.multiply %33, %27 : tensor<2x64x1x1xf32>
    %35 = stablehlo.add %31, %34 : tensor<2x64x1x1xf32>
    %36 = stablehlo.reshape %35 : (tensor<2x64x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %cst_6 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %37 = stablehlo.reduce(%36 init: %cst_6) applies stablehlo.add across dimensions = [2] : (tensor<2x32x2x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %38 = stablehlo.broadcast_in_dim %37, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %39 = stablehlo.broadcast_in_dim %38, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %40 = stablehlo.reshape %39 : (tensor<2x32x2x1x1xf32>) -> tensor<2x64x1x1xf32>
    %cst_7 = stablehlo.constant dense<1.280000e+02> : tensor<f32>
    %41 = stablehlo.broadcast_in_dim %cst_7, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %42 = stablehlo.divide %40, %41 : tensor<2x64x1x1xf32>
    %cst_8 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %43 = stablehlo.broadcast_in_dim %cst_8, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %44 = stablehlo.maximum %42, %43 : tensor<2x64x1x1xf32>
    %cst_9 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %45 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %46 = stablehlo.add %44, %45 : tensor<2x64x1x1xf32>
    %47 = stablehlo.rsqrt %46 : tensor<2x64x1x1xf32>
    %48:3 = stablehlo.optimization_barrier %5, %27, %47 : tensor<2x64x1x1xf32>, tensor<2x64x1x1xf32>, tensor<2x64x1x1xf32>
    %49 = stablehlo.broadcast_in_dim %48#0, dims = [0, 1, 2, 3] : (tensor<2x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %50 = stablehlo.subtract %1, %49 : tensor<2x64x8x8xf32>
    %51 = stablehlo.broadcast_in_dim %48#1, dims = [0, 1, 2, 3] : (tensor<2x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %52 = stablehlo.add %50, %51 : tensor<2x64x8x8xf32>
    %53 = stablehlo.broadcast_in_dim %48#2, dims = [0, 1, 2, 3] : (tensor<2x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %54 = stablehlo.multiply %52, %53 : tensor<2x64x8x8xf32>
    %55 = stablehlo.convert %arg1 : (tensor<64xf16>) -> tensor<64xf32>
    %56 = stablehlo.reshape %55 : (tensor<64xf32>) -> tensor<1x64x1x1xf32>
    %57 = stablehlo.broadcast_in_dim %56, dims = [0, 1, 2, 3] : (tensor<1x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %58 = stablehlo.multiply %54, %57 : tensor<2x64x8x8xf32>
    %59 = stablehlo.convert %arg2 : (tensor<64xf16>) -> tensor<64xf32>
    %60 = stablehlo.reshape %59 : (tensor<64xf32>) -> tensor<1x64x1x1xf32>
    %61 = stablehlo.broadcast_in_dim %60, dims = [0, 1, 2, 3] : (tensor<1x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %62 = stablehlo.add %58, %61 : tensor<2x64x8x8xf32>
    %63:3 = call @silu(%62) : (tensor<2x64x8x8xf32>) -> (tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>)
    %64 = call @silu_0(%63#1, %63#2, %62, %3) : (tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>) -> tensor<2x64x8x8xf32>
    %65 = stablehlo.multiply %64, %54 : tensor<2x64x8x8xf32>
    %cst_10 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_11 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %66:2 = stablehlo.reduce(%64 init: %cst_10), (%65 init: %cst_11) across dimensions = [2, 3] : (tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x64xf32>, tensor<2x64xf32>)
     reducer(%arg4: tensor<f32>, %arg6: tensor<f32>) (%arg5: tensor<f32>, %arg7: tensor<f32>)  {
      %104 = stablehlo.add %arg4, %arg6 : tensor<f32>
      %105 = stablehlo.add %arg5, %arg7 : tensor<f32>
      stablehlo.return %104, %105 : tensor<f32>, tensor<f32>
    }
    %67 = stablehlo.reshape %66#0 : (tensor<2x64xf32>) -> tensor<2x64x1x1xf32>
    %68 = stablehlo.reshape %66#1 : (tensor<2x64xf32>) -> tensor<2x64x1x1xf32>
    %69:2 = stablehlo.optimization_barrier %67, %68 : tensor<2x64x1x1xf32>, tensor<2x64x1x1xf32>
    %70 = stablehlo.broadcast_in_dim %56, dims = [0, 1, 2, 3] : (tensor<1x64x1x1xf32>) -> tensor<2x64x1x1xf32>
    %71 = stablehlo.multiply %70, %69#0 : tensor<2x64x1x1xf32>
    %72 = stablehlo.broadcast_in_dim %56, dims = [0, 1, 2, 3] : (tensor<1x64x1x1xf32>) -> tensor<2x64x1x1xf32>
    %73 = stablehlo.multiply %72, %69#1 : tensor<2x64x1x1xf32>
    %74:2 = stablehlo.optimization_barrier %71, %73 : tensor<2x64x1x1xf32>, tensor<2x64x1x1xf32>
    %75 = stablehlo.reshape %74#0 : (tensor<2x64x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %cst_12 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %76 = stablehlo.reduce(%75 init: %cst_12) applies stablehlo.add across dimensions = [2] : (tensor<2x32x2x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %77 = stablehlo.broadcast_in_dim %76, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %78 = stablehlo.broadcast_in_dim %77, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %79 = stablehlo.reshape %78 : (tensor<2x32x2x1x1xf32>) -> tensor<2x64x1x1xf32>
    %cst_13 = stablehlo.constant dense<1.280000e+02> : tensor<f32>
    %80 = stablehlo.broadcast_in_dim %cst_13, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %81 = stablehlo.divide %79, %80 : tensor<2x64x1x1xf32>
    %82 = stablehlo.reshape %74#1 : (tensor<2x64x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %cst_14 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %83 = stablehlo.reduce(%82 init: %cst_14) applies stablehlo.add across dimensions = [2] : (tensor<2x32x2x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %84 = stablehlo.broadcast_in_dim %83, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %85 = stablehlo.broadcast_in_dim %84, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %86 = stablehlo.reshape %85 : (tensor<2x32x2x1x1xf32>) -> tensor<2x64x1x1xf32>
    %cst_15 = stablehlo.constant dense<1.280000e+02> : tensor<f32>
    %87 = stablehlo.broadcast_in_dim %cst_15, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %88 = stablehlo.divide %86, %87 : tensor<2x64x1x1xf32>
    %89:2 = stablehlo.optimization_barrier %81, %88 : tensor<2x64x1x1xf32>, tensor<2x64x1x1xf32>
    %90 = stablehlo.broadcast_in_dim %56, dims = [0, 1, 2, 3] : (tensor<1x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %91 = stablehlo.multiply %64, %90 : tensor<2x64x8x8xf32>
    %92 = stablehlo.broadcast_in_dim %89#0, dims = [0, 1, 2, 3] : (tensor<2x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %93 = stablehlo.subtract %91, %92 : tensor<2x64x8x8xf32>
    %94 = stablehlo.broadcast_in_dim %89#1, dims = [0, 1, 2, 3] : (tensor<2x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %95 = stablehlo.multiply %54, %94 : tensor<2x64x8x8xf32>
    %96 = stablehlo.subtract %93, %95 : tensor<2x64x8x8xf32>
    %97 = stablehlo.broadcast_in_dim %48#2, dims = [0, 1, 2, 3] : (tensor<2x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %98 = stablehlo.multiply %97, %96 : tensor<2x64x8x8xf32>
    %99 = stablehlo.convert %98 : (tensor<2x64x8x8xf32>) -> tensor<2x64x8x8xf16>
    %cst_16 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %100 = stablehlo.reduce(%69#1 init: %cst_16) applies stablehlo.add across dimensions = [0] : (tensor<2x64x1x1xf32>, tensor<f32>) -> tensor<64x1x1xf32>
    %101 = stablehlo.reshape %100 : (tensor<64x1x1xf32>) -> tensor<64xf32>
    %cst_17 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %102 = stablehlo.reduce(%69#0 init: %cst_17) applies stablehlo.add across dimensions = [0] : (tensor<2x64x1x1xf32>, tensor<f32>) -> tensor<64x1x1xf32>
    %103 = stablehlo.reshape %102 : (tensor<64x1x1xf32>) -> tensor<64xf32>
    return %99, %101, %103 : tensor<2x64x8x8xf16>, tensor<64xf32>, tensor<64xf32>
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
