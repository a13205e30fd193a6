module @jit_group_norm_vjp attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<2x64x8x8xf16>, %arg1: tensor<64xf16>, %arg2: tensor<64xf16>, %arg3: tensor<2x64x8x8xf16>) -> (tensor<2x64x8x8xf16> {jax.result_info = "result[0]"}, tensor<64xf32> {jax.result_info = "result[1]"}, tensor<64xf32> {jax.result_info = "result[2]"}) {
    %0 = stablehlo.convert %arg0 : (tensor<2x64x8x8xf16>) -> tensor<2x64x8x8xf32>
    %1 = stablehlo.optimization_barrier %0 : tensor<2x64x8x8xf32>
    %2 = stablehlo.convert %arg3 : (tensor<2x64x8x8xf16>) -> tensor<2x64x8x8xf32>
    %3 = stablehlo.optimization_barrier %2 : tensor<2x64x8x8xf32>
    %4 = stablehlo.slice %1 [0:2, 0:64, 0:1, 0:1] : (tensor<2x64x8x8xf32>) -> tensor<2x64x1x1xf32>
    %5 = stablehlo.slice %1 [0:2, 0:64, 0:1, 2:3] : (tensor<2x64x8x8xf32>) -> tensor<2x64x1x1xf32>
    %6 = stablehlo.slice %1 [0:2, 0:64, 0:1, 4:5] : (tensor<2x64x8x8xf32>) -> tensor<2x64x1x1xf32>
    %7 = stablehlo.slice %1 [0:2, 0:64, 0:1, 5:6] : (tensor<2x64x8x8xf32>) -> tensor<2x64x1x1xf32>
    %8 = stablehlo.slice %1 [0:2, 0:64, 0:1, 7:8] : (tensor<2x64x8x8xf32>) -> tensor<2x64x1x1xf32>
    %9 = stablehlo.minimum %4, %5 : tensor<2x64x1x1xf32>
    %10 = stablehlo.minimum %6, %7 : tensor<2x64x1x1xf32>
    %11 = stablehlo.maximum %9, %10 : tensor<2x64x1x1xf32>
    %12 = stablehlo.maximum %4, %5 : tensor<2x64x1x1xf32>
    %13 = stablehlo.maximum %6, %7 : tensor<2x64x1x1xf32>
    %14 = stablehlo.minimum %12, %13 : tensor<2x64x1x1xf32>
    %15 = stablehlo.minimum %11, %14 : tensor<2x64x1x1xf32>
    %16 = stablehlo.maximum %11, %14 : tensor<2x64x1x1xf32>
    %17 = stablehlo.minimum %16, %8 : tensor<2x64x1x1xf32>
    %18 = stablehlo.maximum %15, %17 : tensor<2x64x1x1xf32>
    %19 = stablehlo.broadcast_in_dim %18, dims = [0, 1, 2, 3] : (tensor<2x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %20 = stablehlo.subtract %1, %19 : tensor<2x64x8x8xf32>
    %21 = stablehlo.multiply %20, %20 : tensor<2x64x8x8xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_0 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %22:2 = stablehlo.reduce(%20 init: %cst), (%21 init: %cst_0) across dimensions = [2, 3] : (tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x64xf32>, tensor<2x64xf32>)
     reducer(%arg4: tensor<f32>, %arg6: tensor<f32>) (%arg5: tensor<f32>, %arg7: tensor<f32>)  {
      %117 = stablehlo.add %arg4, %arg6 : tensor<f32>
      %118 = stablehlo.add %arg5, %arg7 : tensor<f32>
      stablehlo.return %117, %118 : tensor<f32>, tensor<f32>
    }
    %23 = stablehlo.reshape %22#0 : (tensor<2x64xf32>) -> tensor<2x64x1x1xf32>
    %24 = stablehlo.reshape %22#1 : (tensor<2x64xf32>) -> tensor<2x64x1x1xf32>
    %25 = stablehlo.reshape %18 : (tensor<2x64x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %26 = stablehlo.slice %25 [0:2, 0:32, 0:1, 0:1, 0:1] : (tensor<2x32x2x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %27 = stablehlo.broadcast_in_dim %26, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %28 = stablehlo.reshape %27 : (tensor<2x32x2x1x1xf32>) -> tensor<2x64x1x1xf32>
    %29 = stablehlo.subtract %18, %28 : tensor<2x64x1x1xf32>
    %cst_1 = stablehlo.constant dense<6.400000e+01> : tensor<f32>
    %30 = stablehlo.broadcast_in_dim %cst_1, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %31 = stablehlo.divide %23, %30 : tensor<2x64x1x1xf32>
    %32 = stablehlo.add %31, %29 : tensor<2x64x1x1xf32>
    %33 = stablehlo.reshape %32 : (tensor<2x64x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %34 = stablehlo.reduce(%33 init: %cst_2) applies stablehlo.add across dimensions = [2] : (tensor<2x32x2x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %35 = stablehlo.broadcast_in_dim %34, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %36 = stablehlo.broadcast_in_dim %35, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %37 = stablehlo.reshape %36 : (tensor<2x32x2x1x1xf32>) -> tensor<2x64x1x1xf32>
    %cst_3 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %38 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %39 = stablehlo.divide %37, %38 : tensor<2x64x1x1xf32>
    %40 = stablehlo.subtract %29, %39 : tensor<2x64x1x1xf32>
    %cst_4 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %41 = stablehlo.broadcast_in_dim %cst_4, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %42 = stablehlo.multiply %41, %40 : tensor<2x64x1x1xf32>
    %43 = stablehlo.multiply %42, %23 : tensor<2x64x1x1xf32>
    %44 = stablehlo.add %24, %43 : tensor<2x64x1x1xf32>
    %cst_5 = stablehlo.constant dense<6.400000e+01> : tensor<f32>
    %45 = stablehlo.broadcast_in_dim %cst_5, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %46 = stablehlo.multiply %45, %40 : tensor<2x64x1x1xf32>
    %47 = stablehlo.multiply %46, %40 : tensor<2x64x1x1xf32>
    %48 = stablehlo.add %44, %47 : tensor<2x64x1x1xf32>
    %49 = stablehlo.reshape %48 : (tensor<2x64x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %cst_6 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %50 = stablehlo.reduce(%49 init: %cst_6) applies stablehlo.add across dimensions = [2] : (tensor<2x32x2x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %51 = stablehlo.broadcast_in_dim %50, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %52 = stablehlo.broadcast_in_dim %51, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %53 = stablehlo.reshape %52 : (tensor<2x32x2x1x1xf32>) -> tensor<2x64x1x1xf32>
    %cst_7 = stablehlo.constant dense<1.280000e+02> : tensor<f32>
    %54 = stablehlo.broadcast_in_dim %cst_7, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %55 = stablehlo.divide %53, %54 : tensor<2x64x1x1xf32>
    %cst_8 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %56 = stablehlo.broadcast_in_dim %cst_8, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %57 = stablehlo.maximum %55, %56 : tensor<2x64x1x1xf32>
    %cst_9 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %58 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %59 = stablehlo.add %57, %58 : tensor<2x64x1x1xf32>
    %60 = stablehlo.rsqrt %59 : tensor<2x64x1x1xf32>
    %61:3 = stablehlo.optimization_barrier %18, %40, %60 : tensor<2x64x1x1xf32>, tensor<2x64x1x1xf32>, tensor<2x64x1x1xf32>
    %62 = stablehlo.broadcast_in_dim %61#0, dims = [0, 1, 2, 3] : (tensor<2x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %63 = stablehlo.subtract %1, %62 : tensor<2x64x8x8xf32>
    %64 = stablehlo.broadcast_in_dim %61#1, dims = [0, 1, 2, 3] : (tensor<2x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %65 = stablehlo.add %63, %64 : tensor<2x64x8x8xf32>
    %66 = stablehlo.broadcast_in_dim %61#2, dims = [0, 1, 2, 3] : (tensor<2x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %67 = stablehlo.multiply %65, %66 : tensor<2x64x8x8xf32>
    %68 = stablehlo.convert %arg1 : (tensor<64xf16>) -> tensor<64xf32>
    %69 = stablehlo.reshape %68 : (tensor<64xf32>) -> tensor<1x64x1x1xf32>
    %70 = stablehlo.broadcast_in_dim %69, dims = [0, 1, 2, 3] : (tensor<1x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %71 = stablehlo.multiply %67, %70 : tensor<2x64x8x8xf32>
    %72 = stablehlo.convert %arg2 : (tensor<64xf16>) -> tensor<64xf32>
    %73 = stablehlo.reshape %72 : (tensor<64xf32>) -> tensor<1x64x1x1xf32>
    %74 = stablehlo.broadcast_in_dim %73, dims = [0, 1, 2, 3] : (tensor<1x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %75 = stablehlo.add %71, %74 : tensor<2x64x8x8xf32>
    %76:3 = call @silu(%75) : (tensor<2x64x8x8xf32>) -> (tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>)
    %77 = call @silu_0(%76#1, %76#2, %75, %3) : (tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>) -> tensor<2x64x8x8xf32>
    %78 = stablehlo.multiply %77, %67 : tensor<2x64x8x8xf32>
    %cst_10 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_11 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %79:2 = stablehlo.reduce(%77 init: %cst_10), (%78 init: %cst_11) across dimensions = [2, 3] : (tensor<2x64x8x8xf32>, tensor<2x64x8x8xf32>, tensor<f32>, tensor<f32>) -> (tensor<2x64xf32>, tensor<2x64xf32>)
     reducer(%arg4: tensor<f32>, %arg6: tensor<f32>) (%arg5: tensor<f32>, %arg7: tensor<f32>)  {
      %117 = stablehlo.add %arg4, %arg6 : tensor<f32>
      %118 = stablehlo.add %arg5, %arg7 : tensor<f32>
      stablehlo.return %117, %118 : tensor<f32>, tensor<f32>
    }
    %80 = stablehlo.reshape %79#0 : (tensor<2x64xf32>) -> tensor<2x64x1x1xf32>
    %81 = stablehlo.reshape %79#1 : (tensor<2x64xf32>) -> tensor<2x64x1x1xf32>
    %82:2 = stablehlo.optimization_barrier %80, %81 : tensor<2x64x1x1xf32>, tensor<2x64x1x1xf32>
    %83 = stablehlo.broadcast_in_dim %69, dims = [0, 1, 2, 3] : (tensor<1x64x1x1xf32>) -> tensor<2x64x1x1xf32>
    %84 = stablehlo.multiply %83, %82#0 : tensor<2x64x1x1xf32>
    %85 = stablehlo.broadcast_in_dim %69, dims = [0, 1, 2, 3] : (tensor<1x64x1x1xf32>) -> tensor<2x64x1x1xf32>
    %86 = stablehlo.multiply %85, %82#1 : tensor<2x64x1x1xf32>
    %87:2 = stablehlo.optimization_barrier %84, %86 : tensor<2x64x1x1xf32>, tensor<2x64x1x1xf32>
    %88 = stablehlo.reshape %87#0 : (tensor<2x64x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %cst_12 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %89 = stablehlo.reduce(%88 init: %cst_12) applies stablehlo.add across dimensions = [2] : (tensor<2x32x2x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %90 = stablehlo.broadcast_in_dim %89, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %91 = stablehlo.broadcast_in_dim %90, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %92 = stablehlo.reshape %91 : (tensor<2x32x2x1x1xf32>) -> tensor<2x64x1x1xf32>
    %cst_13 = stablehlo.constant dense<1.280000e+02> : tensor<f32>
    %93 = stablehlo.broadcast_in_dim %cst_13, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %94 = stablehlo.divide %92, %93 : tensor<2x64x1x1xf32>
    %95 = stablehlo.reshape %87#1 : (tensor<2x64x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %cst_14 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %96 = stablehlo.reduce(%95 init: %cst_14) applies stablehlo.add across dimensions = [2] : (tensor<2x32x2x1x1xf32>, tensor<f32>) -> tensor<2x32x1x1xf32>
    %97 = stablehlo.broadcast_in_dim %96, dims = [0, 1, 3, 4] : (tensor<2x32x1x1xf32>) -> tensor<2x32x1x1x1xf32>
    %98 = stablehlo.broadcast_in_dim %97, dims = [0, 1, 2, 3, 4] : (tensor<2x32x1x1x1xf32>) -> tensor<2x32x2x1x1xf32>
    %99 = stablehlo.reshape %98 : (tensor<2x32x2x1x1xf32>) -> tensor<2x64x1x1xf32>
    %cst_15 = stablehlo.constant dense<1.280000e+02> : tensor<f32>
    %100 = stablehlo.broadcast_in_dim %cst_15, dims = [] : (tensor<f32>) -> tensor<2x64x1x1xf32>
    %101 = stablehlo.divide %99, %100 : tensor<2x64x1x1xf32>
    %102:2 = stablehlo.optimization_barrier %94, %101 : tensor<2x64x1x1xf32>, tensor<2x64x1x1xf32>
    %103 = stablehlo.broadcast_in_dim %69, dims = [0, 1, 2, 3] : (tensor<1x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %104 = stablehlo.multiply %77, %103 : tensor<2x64x8x8xf32>
    %105 = stablehlo.broadcast_in_dim %102#0, dims = [0, 1, 2, 3] : (tensor<2x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %106 = stablehlo.subtract %104, %105 : tensor<2x64x8x8xf32>
    %107 = stablehlo.broadcast_in_dim %102#1, dims = [0, 1, 2, 3] : (tensor<2x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %108 = stablehlo.multiply %67, %107 : tensor<2x64x8x8xf32>
    %109 = stablehlo.subtract %106, %108 : tensor<2x64x8x8xf32>
    %110 = stablehlo.broadcast_in_dim %61#2, dims = [0, 1, 2, 3] : (tensor<2x64x1x1xf32>) -> tensor<2x64x8x8xf32>
    %111 = stablehlo.multiply %110, %109 : tensor<2x64x8x8xf32>
    %112 = stablehlo.convert %111 : (tensor<2x64x8x8xf32>) -> tensor<2x64x8x8xf16>
    %cst_16 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %113 = stablehlo.reduce(%82#1 init: %cst_16) applies stablehlo.add across dimensions = [0] : (tensor<2x64x1x1xf32>, tensor<f32>) -> tensor<64x1x1xf32>
    %114 = stablehlo.reshape %113 : (tensor<64x1x1xf32>) -> tensor<64xf32>
    %cst_17 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %115 = stablehlo.reduce(%82#0 init: %cst_17) applies stablehlo.add across dimensions = [0] : (tensor<2x64x1x1xf32>, tensor<f32>) -> tensor<64x1x1xf32>
    %116 = stablehlo.reshape %115 : (tensor<64x1x1xf32>) -> tensor<64xf32>
    return %112, %114, %116 : tensor<2x64x8x8xf16>, tensor<64xf32>, tensor<64xf32>
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
