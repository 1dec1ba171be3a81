// One image request, whichever body carried it: JSON (numbers or base64 images, already decoded by the
// route's schema) or application/octet-stream (float32 rows, checked here), with the model it names.
import type { Context } from 'hono';
import type { ImageRequest } from '../serving/pipeline';
import { invalidInput } from './api-error';
import { FLOAT32_MEDIA_TYPE, mediaTypeOf } from './media-type';
import { readFloat32Images } from './octet-stream';

export async function readImageRequest(
  c: Context,
  body: { model?: string | undefined; images?: Float32Array[] },
  query: { model?: string | undefined },
): Promise<ImageRequest> {
  if (body.model !== undefined && query.model !== undefined && body.model !== query.model) {
    throw invalidInput([
      { path: 'query.model', message: `names "${query.model}" but the body names "${body.model}"` },
    ]);
  }
  const model = body.model ?? query.model;
  if (mediaTypeOf(c.req.header('content-type')) === FLOAT32_MEDIA_TYPE) {
    return { model, images: await readFloat32Images(c) };
  }
  // The route's JSON validator has run: a JSON body without images never gets here.
  return { model, images: body.images ?? [] };
}
