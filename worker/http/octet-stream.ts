// Binary bodies, for clients that hold images as float32 already: no JSON number formatting or parsing,
// and a quarter of the bytes. Layout both ways: float32 little-endian, row-major, one row per image.
import type { Context } from 'hono';
import { accepts } from 'hono/accepts';
import { IMAGE_PIXELS } from '../contract/image';
import type { Dtype, Manifest } from '../contract/manifest';
import { isPixel } from '../schemas/image';
import { MAX_IMAGES } from '../schemas/requests';
import { type Issue, invalidInput } from './api-error';
import { FLOAT32_MEDIA_TYPE, JSON_MEDIA_TYPE } from './media-type';

const ROW_BYTES = IMAGE_PIXELS * Float32Array.BYTES_PER_ELEMENT;

/** The images of an application/octet-stream body, checked like JSON images (first bad pixel each). */
export async function readFloat32Images(c: Context): Promise<Float32Array[]> {
  const bytes = await c.req.arrayBuffer();
  const count = bytes.byteLength / ROW_BYTES;
  if (!Number.isInteger(count)) {
    throw invalidInput([
      {
        path: 'body',
        message: `must be N×${IMAGE_PIXELS} float32 values (a multiple of ${ROW_BYTES} bytes), got ${bytes.byteLength} bytes`,
      },
    ]);
  }
  if (count < 1 || count > MAX_IMAGES) {
    throw invalidInput([{ path: 'body', message: `must hold 1–${MAX_IMAGES} images, got ${count}` }]);
  }
  const view = new DataView(bytes);
  const images: Float32Array[] = [];
  const issues: Issue[] = [];
  for (let n = 0; n < count; n++) {
    const image = new Float32Array(IMAGE_PIXELS);
    for (let i = 0; i < IMAGE_PIXELS; i++) {
      const pixel = view.getFloat32((n * IMAGE_PIXELS + i) * 4, true);
      if (!isPixel(pixel)) {
        issues.push({ path: `images[${n}][${i}]`, message: `must be a number in [0, 1], got ${pixel}` });
        break;
      }
      image[i] = pixel;
    }
    images.push(image);
  }
  if (issues.length > 0) throw invalidInput(issues);
  return images;
}

/** Binary only when asked for (Accept, with q-values); JSON stays the default, and errors stay JSON. */
export function wantsFloat32(c: Context): boolean {
  return (
    accepts(c, {
      header: 'Accept',
      supports: [JSON_MEDIA_TYPE, FLOAT32_MEDIA_TYPE],
      default: JSON_MEDIA_TYPE,
    }) === FLOAT32_MEDIA_TYPE
  );
}

/** rows × columns float32, little-endian; the headers say which model (version, dtype) made it and its shape. */
export function float32Response(
  c: Context,
  { manifest, dtype }: { manifest: Manifest; dtype: Dtype },
  rows: number,
  data: Float32Array,
): Response {
  const columns = rows === 0 ? 0 : data.length / rows;
  const body = new Uint8Array(data.length * 4);
  const view = new DataView(body.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat32(i * 4, data[i]!, true);
  return c.body(body, 200, {
    'Content-Type': FLOAT32_MEDIA_TYPE,
    'X-Model': manifest.name,
    'X-Model-Version': manifest.version,
    'X-Model-Dtype': dtype,
    'X-Shape': `${rows},${columns}`,
  });
}
