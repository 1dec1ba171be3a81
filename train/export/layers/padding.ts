// Padding arithmetic: where tfjs's "same" and transposed convolutions put their pixels, as ONNX pads.

/** TF "same" padding for a forward conv/pool: the odd pixel goes at the end (ONNX SAME_UPPER). */
export function samePadding(size: number, kernel: number, stride: number, dilation = 1): [number, number] {
  const out = Math.ceil(size / stride);
  const total = Math.max((out - 1) * stride + (kernel - 1) * dilation + 1 - size, 0);
  return [Math.floor(total / 2), total - Math.floor(total / 2)];
}

/** Pads for ConvTranspose so that ONNX crops the full output exactly as tfjs does. */
export function transposePadding(
  size: number,
  out: number,
  kernel: number,
  stride: number,
  dilation: number,
) {
  const total = stride * (size - 1) + (kernel - 1) * dilation + 1 - out;
  return total >= 0
    ? { begin: Math.floor(total / 2), end: total - Math.floor(total / 2), extra: 0 }
    : { begin: 0, end: 0, extra: -total };
}
