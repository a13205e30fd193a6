module @jit_group_norm attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<8x56x56x256xf16>, %arg1: tensor<256xf16>, %arg2: tensor<256xf16>) -> (tensor<8x56x56x256xf16> {jax.result_info = "result"}) {
    %0 = stablehlo.reshape %arg0 : (tensor<8x56x56x256xf16>) -> tensor<8x4x14x56x256xf16>
    %1 = stablehlo.slice %0 [0:8, 0:1, 0:1, 0:1, 0:256] : (tensor<8x4x14x56x256xf16>) -> tensor<8x1x1x1x256xf16>
    %2 = stablehlo.convert %1 : (tensor<8x1x1x1x256xf16>) -> tensor<8x1x1x1x256xf32>
    %3 = stablehlo.convert %0 : (tensor<8x4x14x56x256xf16>) -> tensor<8x4x14x56x256xf32>
    %4 = stablehlo.broadcast_in_dim %2, dims = [0, 1, 2, 3, 4] : (tensor<8x1x1x1x256xf32>) -> tensor<8x4x14x56x256xf32>
    %5 = stablehlo.subtract %3, %4 : tensor<8x4x14x56x256xf32>
    %6 = stablehlo.multiply %5, %5 : tensor<8x4x14x56x256xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_0 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %7:2 = stablehlo.reduce(%5 init: %cst), (%6 init: %cst_0) across dimensions = [2, 3] : (tensor<8x4x14x56x256xf32>, tensor<8x4x14x56x256xf32>, tensor<f32>, tensor<f32>) -> (tensor<8x4x256xf32>, tensor<8x4x256xf32>)
     reducer(%arg3: tensor<f32>, %arg5: tensor<f32>) (%arg4: tensor<f32>, %arg6: tensor<f32>)  {
      %70 = stablehlo.add %arg3, %arg5 : tensor<f32>
      %71 = stablehlo.add %arg4, %arg6 : tensor<f32>
      stablehlo.return %70, %71 : tensor<f32>, tensor<f32>
    }
    %8:2 = stablehlo.optimization_barrier %7#0, %7#1 : tensor<8x4x256xf32>, tensor<8x4x256xf32>
    %cst_1 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %9 = stablehlo.reduce(%8#0 init: %cst_1) applies stablehlo.add across dimensions = [1] : (tensor<8x4x256xf32>, tensor<f32>) -> tensor<8x256xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %10 = stablehlo.reduce(%8#1 init: %cst_2) applies stablehlo.add across dimensions = [1] : (tensor<8x4x256xf32>, tensor<f32>) -> tensor<8x256xf32>
    %11 = stablehlo.reshape %9 : (tensor<8x256xf32>) -> tensor<8x1x1x32x8xf32>
    %12 = stablehlo.reshape %10 : (tensor<8x256xf32>) -> tensor<8x1x1x32x8xf32>
    %13 = stablehlo.reshape %2 : (tensor<8x1x1x1x256xf32>) -> tensor<8x1x1x32x8xf32>
    %cst_3 = stablehlo.constant dense<3.136000e+03> : tensor<f32>
    %14 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<8x1x1x32x8xf32>
    %15 = stablehlo.divide %11, %14 : tensor<8x1x1x32x8xf32>
    %16 = stablehlo.slice %13 [0:8, 0:1, 0:1, 0:32, 0:1] : (tensor<8x1x1x32x8xf32>) -> tensor<8x1x1x32x1xf32>
    %17 = stablehlo.broadcast_in_dim %16, dims = [0, 1, 2, 3, 4] : (tensor<8x1x1x32x1xf32>) -> tensor<8x1x1x32x8xf32>
    %18 = stablehlo.subtract %13, %17 : tensor<8x1x1x32x8xf32>
    %19 = stablehlo.add %15, %18 : tensor<8x1x1x32x8xf32>
    %cst_4 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %20 = stablehlo.reduce(%19 init: %cst_4) applies stablehlo.add across dimensions = [4] : (tensor<8x1x1x32x8xf32>, tensor<f32>) -> tensor<8x1x1x32xf32>
    %21 = stablehlo.broadcast_in_dim %20, dims = [0, 1, 2, 3] : (tensor<8x1x1x32xf32>) -> tensor<8x1x1x32x1xf32>
    %cst_5 = stablehlo.constant dense<8.000000e+00> : tensor<f32>
    %22 = stablehlo.broadcast_in_dim %cst_5, dims = [] : (tensor<f32>) -> tensor<8x1x1x32x1xf32>
    %23 = stablehlo.divide %21, %22 : tensor<8x1x1x32x1xf32>
    %24 = stablehlo.slice %13 [0:8, 0:1, 0:1, 0:32, 0:1] : (tensor<8x1x1x32x8xf32>) -> tensor<8x1x1x32x1xf32>
    %25 = stablehlo.broadcast_in_dim %24, dims = [0, 1, 2, 3, 4] : (tensor<8x1x1x32x1xf32>) -> tensor<8x1x1x32x8xf32>
    %26 = stablehlo.subtract %13, %25 : tensor<8x1x1x32x8xf32>
    %27 = stablehlo.broadcast_in_dim %23, dims = [0, 1, 2, 3, 4] : (tensor<8x1x1x32x1xf32>) -> tensor<8x1x1x32x8xf32>
    %28 = stablehlo.subtract %26, %27 : tensor<8x1x1x32x8xf32>
    %cst_6 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %29 = stablehlo.broadcast_in_dim %cst_6, dims = [] : (tensor<f32>) -> tensor<8x1x1x32x8xf32>
    %30 = stablehlo.multiply %29, %28 : tensor<8x1x1x32x8xf32>
    %31 = stablehlo.multiply %30, %11 : tensor<8x1x1x32x8xf32>
    %32 = stablehlo.add %12, %31 : tensor<8x1x1x32x8xf32>
    %cst_7 = stablehlo.constant dense<3.136000e+03> : tensor<f32>
    %33 = stablehlo.broadcast_in_dim %cst_7, dims = [] : (tensor<f32>) -> tensor<8x1x1x32x8xf32>
    %34 = stablehlo.multiply %33, %28 : tensor<8x1x1x32x8xf32>
    %35 = stablehlo.multiply %34, %28 : tensor<8x1x1x32x8xf32>
    %36 = stablehlo.add %32, %35 : tensor<8x1x1x32x8xf32>
    %cst_8 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %37 = stablehlo.reduce(%36 init: %cst_8) applies stablehlo.add across dimensions = [4] : (tensor<8x1x1x32x8xf32>, tensor<f32>) -> tensor<8x1x1x32xf32>
    %38 = stablehlo.broadcast_in_dim %37, dims = [0, 1, 2, 3] : (tensor<8x1x1x32xf32>) -> tensor<8x1x1x32x1xf32>
    %cst_9 = stablehlo.constant dense<2.508800e+04> : tensor<f32>
    %39 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<8x1x1x32x1xf32>
    %40 = stablehlo.divide %38, %39 : tensor<8x1x1x32x1xf32>
    %cst_10 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %41 = stablehlo.broadcast_in_dim %cst_10, dims = [] : (tensor<f32>) -> tensor<8x1x1x32x1xf32>
    %42 = stablehlo.maximum %40, %41 : tensor<8x1x1x32x1xf32>
    %43 = stablehlo.broadcast_in_dim %42, dims = [0, 1, 2, 3, 4] : (tensor<8x1x1x32x1xf32>) -> tensor<8x1x1x32x8xf32>
    %44 = stablehlo.reshape %13 : (tensor<8x1x1x32x8xf32>) -> tensor<8x1x1x256xf32>
    %45 = stablehlo.negate %28 : tensor<8x1x1x32x8xf32>
    %46 = stablehlo.reshape %45 : (tensor<8x1x1x32x8xf32>) -> tensor<8x1x1x256xf32>
    %47 = stablehlo.reshape %43 : (tensor<8x1x1x32x8xf32>) -> tensor<8x1x1x256xf32>
    %cst_11 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %48 = stablehlo.broadcast_in_dim %cst_11, dims = [] : (tensor<f32>) -> tensor<8x1x1x256xf32>
    %49 = stablehlo.add %47, %48 : tensor<8x1x1x256xf32>
    %50 = stablehlo.rsqrt %49 : tensor<8x1x1x256xf32>
    %51 = stablehlo.convert %arg1 : (tensor<256xf16>) -> tensor<256xf32>
    %52 = stablehlo.reshape %51 : (tensor<256xf32>) -> tensor<1x1x1x256xf32>
    %53 = stablehlo.broadcast_in_dim %52, dims = [0, 1, 2, 3] : (tensor<1x1x1x256xf32>) -> tensor<8x1x1x256xf32>
    %54 = stablehlo.multiply %50, %53 : tensor<8x1x1x256xf32>
    %55 = stablehlo.negate %46 : tensor<8x1x1x256xf32>
    %56 = stablehlo.multiply %55, %54 : tensor<8x1x1x256xf32>
    %57 = stablehlo.convert %arg2 : (tensor<256xf16>) -> tensor<256xf32>
    %58 = stablehlo.reshape %57 : (tensor<256xf32>) -> tensor<1x1x1x256xf32>
    %59 = stablehlo.broadcast_in_dim %58, dims = [0, 1, 2, 3] : (tensor<1x1x1x256xf32>) -> tensor<8x1x1x256xf32>
    %60 = stablehlo.add %56, %59 : tensor<8x1x1x256xf32>
    %61:4 = stablehlo.optimization_barrier %arg0, %44, %54, %60 : tensor<8x56x56x256xf16>, tensor<8x1x1x256xf32>, tensor<8x1x1x256xf32>, tensor<8x1x1x256xf32>
    %62 = stablehlo.convert %61#0 : (tensor<8x56x56x256xf16>) -> tensor<8x56x56x256xf32>
    %63 = stablehlo.broadcast_in_dim %61#1, dims = [0, 1, 2, 3] : (tensor<8x1x1x256xf32>) -> tensor<8x56x56x256xf32>
    %64 = stablehlo.subtract %62, %63 : tensor<8x56x56x256xf32>
    %65 = stablehlo.broadcast_in_dim %61#2, dims = [0, 1, 2, 3] : (tensor<8x1x1x256xf32>) -> tensor<8x56x56x256xf32>
    %66 = stablehlo.multiply %64, %65 : tensor<8x56x56x256xf32>
    %67 = stablehlo.broadcast_in_dim %61#3, dims = [0, 1, 2, 3] : (tensor<8x1x1x256xf32>) -> tensor<8x56x56x256xf32>
    %68 = stablehlo.add %66, %67 : tensor<8x56x56x256xf32>
    %69 = stablehlo.convert %68 : (tensor<8x56x56x256xf32>) -> tensor<8x56x56x256xf16>
    return %69 : tensor<8x56x56x256xf16>
  }
  func.func public @main_out(%a0: tensor<8x56x56x256xf16>, %a1: tensor<256xf16>, %a2: tensor<256xf16>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> tensor<8x56x56x256xf16> {
    %r = call @main(%a0, %a1, %a2) : (tensor<8x56x56x256xf16>, tensor<256xf16>, tensor<256xf16>) -> tensor<8x56x56x256xf16>
    return %r : tensor<8x56x56x256xf16>
  }
}
