module @jit_group_norm attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32} {
  func.func public @main(%arg0: tensor<8x56x56x256xf32>, %arg1: tensor<256xf32>, %arg2: tensor<256xf32>) -> (tensor<8x56x56x256xf32> {jax.result_info = "result"}) {
    %0 = stablehlo.reshape %arg0 : (tensor<8x56x56x256xf32>) -> tensor<8x4x14x56x256xf32>
    %1 = stablehlo.slice %0 [0:8, 0:1, 0:1, 0:1, 0:256] : (tensor<8x4x14x56x256xf32>) -> tensor<8x1x1x1x256xf32>
    %2 = stablehlo.broadcast_in_dim %1, dims = [0, 1, 2, 3, 4] : (tensor<8x1x1x1x256xf32>) -> tensor<8x4x14x56x256xf32>
    %3 = stablehlo.subtract %0, %2 : tensor<8x4x14x56x256xf32>
    %4 = stablehlo.multiply %3, %3 : tensor<8x4x14x56x256xf32>
    %cst = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %cst_0 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %5:2 = stablehlo.reduce(%3 init: %cst), (%4 init: %cst_0) across dimensions = [2, 3] : (tensor<8x4x14x56x256xf32>, tensor<8x4x14x56x256xf32>, tensor<f32>, tensor<f32>) -> (tensor<8x4x256xf32>, tensor<8x4x256xf32>)
     reducer(%arg3: tensor<f32>, %arg5: tensor<f32>) (%arg4: tensor<f32>, %arg6: tensor<f32>)  {
      %64 = stablehlo.add %arg3, %arg5 : tensor<f32>
      %65 = stablehlo.add %arg4, %arg6 : tensor<f32>
      stablehlo.return %64, %65 : tensor<f32>, tensor<f32>
    }
    %6:2 = stablehlo.optimization_barrier %5#0, %5#1 : tensor<8x4x256xf32>, tensor<8x4x256xf32>
    %cst_1 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %7 = stablehlo.reduce(%6#0 init: %cst_1) applies stablehlo.add across dimensions = [1] : (tensor<8x4x256xf32>, tensor<f32>) -> tensor<8x256xf32>
    %cst_2 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %8 = stablehlo.reduce(%6#1 init: %cst_2) applies stablehlo.add across dimensions = [1] : (tensor<8x4x256xf32>, tensor<f32>) -> tensor<8x256xf32>
    %9 = stablehlo.reshape %7 : (tensor<8x256xf32>) -> tensor<8x1x1x32x8xf32>
    %10 = stablehlo.reshape %8 : (tensor<8x256xf32>) -> tensor<8x1x1x32x8xf32>
    %11 = stablehlo.reshape %1 : (tensor<8x1x1x1x256xf32>) -> tensor<8x1x1x32x8xf32>
    %cst_3 = stablehlo.constant dense<3.136000e+03> : tensor<f32>
    %12 = stablehlo.broadcast_in_dim %cst_3, dims = [] : (tensor<f32>) -> tensor<8x1x1x32x8xf32>
    %13 = stablehlo.divide %9, %12 : tensor<8x1x1x32x8xf32>
    %14 = stablehlo.slice %11 [0:8, 0:1, 0:1, 0:32, 0:1] : (tensor<8x1x1x32x8xf32>) -> tensor<8x1x1x32x1xf32>
    %15 = stablehlo.broadcast_in_dim %14, dims = [0, 1, 2, 3, 4] : (tensor<8x1x1x32x1xf32>) -> tensor<8x1x1x32x8xf32>
    %16 = stablehlo.subtract %11, %15 : tensor<8x1x1x32x8xf32>
    %17 = stablehlo.add %13, %16 : tensor<8x1x1x32x8xf32>
    %cst_4 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %18 = stablehlo.reduce(%17 init: %cst_4) applies stablehlo.add across dimensions = [4] : (tensor<8x1x1x32x8xf32>, tensor<f32>) -> tensor<8x1x1x32xf32>
    %19 = stablehlo.broadcast_in_dim %18, dims = [0, 1, 2, 3] : (tensor<8x1x1x32xf32>) -> tensor<8x1x1x32x1xf32>
    %cst_5 = stablehlo.constant dense<8.000000e+00> : tensor<f32>
    %20 = stablehlo.broadcast_in_dim %cst_5, dims = [] : (tensor<f32>) -> tensor<8x1x1x32x1xf32>
    %21 = stablehlo.divide %19, %20 : tensor<8x1x1x32x1xf32>
    %22 = stablehlo.slice %11 [0:8, 0:1, 0:1, 0:32, 0:1] : (tensor<8x1x1x32x8xf32>) -> tensor<8x1x1x32x1xf32>
    %23 = stablehlo.broadcast_in_dim %22, dims = [0, 1, 2, 3, 4] : (tensor<8x1x1x32x1xf32>) -> tensor<8x1x1x32x8xf32>
    %24 = stablehlo.subtract %11, %23 : tensor<8x1x1x32x8xf32>
    %25 = stablehlo.broadcast_in_dim %21, dims = [0, 1, 2, 3, 4] : (tensor<8x1x1x32x1xf32>) -> tensor<8x1x1x32x8xf32>
    %26 = stablehlo.subtract %24, %25 : tensor<8x1x1x32x8xf32>
    %cst_6 = stablehlo.constant dense<2.000000e+00> : tensor<f32>
    %27 = stablehlo.broadcast_in_dim %cst_6, dims = [] : (tensor<f32>) -> tensor<8x1x1x32x8xf32>
    %28 = stablehlo.multiply %27, %26 : tensor<8x1x1x32x8xf32>
    %29 = stablehlo.multiply %28, %9 : tensor<8x1x1x32x8xf32>
    %30 = stablehlo.add %10, %29 : tensor<8x1x1x32x8xf32>
    %cst_7 = stablehlo.constant dense<3.136000e+03> : tensor<f32>
    %31 = stablehlo.broadcast_in_dim %cst_7, dims = [] : (tensor<f32>) -> tensor<8x1x1x32x8xf32>
    %32 = stablehlo.multiply %31, %26 : tensor<8x1x1x32x8xf32>
    %33 = stablehlo.multiply %32, %26 : tensor<8x1x1x32x8xf32>
    %34 = stablehlo.add %30, %33 : tensor<8x1x1x32x8xf32>
    %cst_8 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %35 = stablehlo.reduce(%34 init: %cst_8) applies stablehlo.add across dimensions = [4] : (tensor<8x1x1x32x8xf32>, tensor<f32>) -> tensor<8x1x1x32xf32>
    %36 = stablehlo.broadcast_in_dim %35, dims = [0, 1, 2, 3] : (tensor<8x1x1x32xf32>) -> tensor<8x1x1x32x1xf32>
    %cst_9 = stablehlo.constant dense<2.508800e+04> : tensor<f32>
    %37 = stablehlo.broadcast_in_dim %cst_9, dims = [] : (tensor<f32>) -> tensor<8x1x1x32x1xf32>
    %38 = stablehlo.divide %36, %37 : tensor<8x1x1x32x1xf32>
    %cst_10 = stablehlo.constant dense<0.000000e+00> : tensor<f32>
    %39 = stablehlo.broadcast_in_dim %cst_10, dims = [] : (tensor<f32>) -> tensor<8x1x1x32x1xf32>
    %40 = stablehlo.maximum %38, %39 : tensor<8x1x1x32x1xf32>
    %41 = stablehlo.broadcast_in_dim %40, dims = [0, 1, 2, 3, 4] : (tensor<8x1x1x32x1xf32>) -> tensor<8x1x1x32x8xf32>
    %42 = stablehlo.reshape %11 : (tensor<8x1x1x32x8xf32>) -> tensor<8x1x1x256xf32>
    %43 = stablehlo.negate %26 : tensor<8x1x1x32x8xf32>
    %44 = stablehlo.reshape %43 : (tensor<8x1x1x32x8xf32>) -> tensor<8x1x1x256xf32>
    %45 = stablehlo.reshape %41 : (tensor<8x1x1x32x8xf32>) -> tensor<8x1x1x256xf32>
    %cst_11 = stablehlo.constant dense<9.99999997E-7> : tensor<f32>
    %46 = stablehlo.broadcast_in_dim %cst_11, dims = [] : (tensor<f32>) -> tensor<8x1x1x256xf32>
    %47 = stablehlo.add %45, %46 : tensor<8x1x1x256xf32>
    %48 = stablehlo.rsqrt %47 : tensor<8x1x1x256xf32>
    %49 = stablehlo.reshape %arg1 : (tensor<256xf32>) -> tensor<1x1x1x256xf32>
    %50 = stablehlo.broadcast_in_dim %49, dims = [0, 1, 2, 3] : (tensor<1x1x1x256xf32>) -> tensor<8x1x1x256xf32>
    %51 = stablehlo.multiply %48, %50 : tensor<8x1x1x256xf32>
    %52 = stablehlo.negate %44 : tensor<8x1x1x256xf32>
    %53 = stablehlo.multiply %52, %51 : tensor<8x1x1x256xf32>
    %54 = stablehlo.reshape %arg2 : (tensor<256xf32>) -> tensor<1x1x1x256xf32>
    %55 = stablehlo.broadcast_in_dim %54, dims = [0, 1, 2, 3] : (tensor<1x1x1x256xf32>) -> tensor<8x1x1x256xf32>
    %56 = stablehlo.add %53, %55 : tensor<8x1x1x256xf32>
    %57:4 = stablehlo.optimization_barrier %arg0, %42, %51, %56 : tensor<8x56x56x256xf32>, tensor<8x1x1x256xf32>, tensor<8x1x1x256xf32>, tensor<8x1x1x256xf32>
    %58 = stablehlo.broadcast_in_dim %57#1, dims = [0, 1, 2, 3] : (tensor<8x1x1x256xf32>) -> tensor<8x56x56x256xf32>
    %59 = stablehlo.subtract %57#0, %58 : tensor<8x56x56x256xf32>
    %60 = stablehlo.broadcast_in_dim %57#2, dims = [0, 1, 2, 3] : (tensor<8x1x1x256xf32>) -> tensor<8x56x56x256xf32>
    %61 = stablehlo.multiply %59, %60 : tensor<8x56x56x256xf32>
    %62 = stablehlo.broadcast_in_dim %57#3, dims = [0, 1, 2, 3] : (tensor<8x1x1x256xf32>) -> tensor<8x56x56x256xf32>
    %63 = stablehlo.add %61, %62 : tensor<8x56x56x256xf32>
    return %63 : tensor<8x56x56x256xf32>
  }
  func.func public @main_out(%a0: tensor<8x56x56x256xf32>, %a1: tensor<256xf32>, %a2: tensor<256xf32>, %out: !hal.buffer {iree.abi.output = 0 : index}) -> tensor<8x56x56x256xf32> {
    %r = call @main(%a0, %a1, %a2) : (tensor<8x56x56x256xf32>, tensor<256xf32>, tensor<256xf32>) -> tensor<8x56x56x256xf32>
    return %r : tensor<8x56x56x256xf32>
  }
}
