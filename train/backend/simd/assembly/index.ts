// The training kernels' entry points. Every function is called by each of the threads with the
// same arguments and its own index t of `threads`, and computes that thread's share of the work.
export { convFilterGrad, convForward, convInputGrad, ConvShape } from './conv';
export { convFilterScratchBytes, convForwardScratchBytes, convInputScratchBytes } from './conv';
export { gemm, gemmScratchBytes } from './gemm';
export { bnApply, bnGradApply, bnGradSums, bnStats, chunkCount, columnSums, columnSumsCombine } from './batchnorm';
export { adamUpdate } from './optimizer';
