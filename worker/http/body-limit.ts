// Caps request bodies before they are read. 256 images × 784 floats written by JSON.stringify take at
// most ≈ 4.4 MB (≈ 22 characters per value), so 8 MiB admits every valid request with room to spare.
import { bodyLimit } from 'hono/body-limit';
import { ApiError } from './api-error';

export const MAX_BODY_BYTES = 8 * 1024 * 1024;

export const limitBody = bodyLimit({
  maxSize: MAX_BODY_BYTES,
  onError: () => {
    throw new ApiError(
      413,
      'payload_too_large',
      `Request body is larger than ${MAX_BODY_BYTES} bytes (8 MiB)`,
    );
  },
});
