// The image convention every model, the trainer and the API share (DESIGN.md, "Data conventions"): an
// image is 28×28 grayscale, row-major, float32 in [0, 1], 1 = ink and 0 = background, as MNIST and
// Fashion-MNIST store it. Larger or colour inputs are converted to it by ./image-decode.ts.

/** Side of every image the models see. */
export const IMAGE_SIDE = 28;
/** Values of one image: IMAGE_SIDE rows of IMAGE_SIDE pixels, row-major. */
export const IMAGE_PIXELS = IMAGE_SIDE * IMAGE_SIDE;
