// One image request, whichever body carried it: JSON (numbers or base64 images, already decoded by the
// route's schema) or application/octet-stream (float32 rows, checked here), with the model it names.
import type { Context } from 'hono';
import { DEFAULT_DTYPE, type Dtype } from '../contract/manifest';
import type { ImageRequest } from '../serving/pipeline';
import { invalidInput } from './api-error';
import { FLOAT32_MEDIA_TYPE, mediaTypeOf } from './media-type';
import { readFloat32Images } from './octet-stream';

export async function readImageRequest(
  c: Context,
  body: { model?: string | undefined; dtype?: Dtype | undefined; images?: Float32Array[] },
  query: { model?: string | undefined; dtype?: Dtype | undefined },
): Promise<ImageRequest> {
  for (const field of ['model', 'dtype'] as const) {
    const [inBody, inQuery] = [body[field], query[field]];
    if (inBody !== undefined && inQuery !== undefined && inBody !== inQuery) {
      throw invalidInput([
        { path: `query.${field}`, message: `names "${inQuery}" but the body names "${inBody}"` },
      ]);
    }
  }
  const model = body.model ?? query.model;
  const dtype = body.dtype ?? query.dtype ?? DEFAULT_DTYPE;
  if (mediaTypeOf(c.req.header('content-type')) === FLOAT32_MEDIA_TYPE) {
    return { model, dtype, images: await readFloat32Images(c) };
  }
  // The route's JSON validator has run: a JSON body without images never gets here.
  return { model, dtype, images: body.images ?? [] };
}
