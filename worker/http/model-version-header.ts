// Every model answer names the model and version that produced it in its body ({model, version, …}, and
// the image and generate answers the dtype); this puts them in X-Model / X-Model-Version / X-Model-Dtype headers, so a client (or a log, or a test of a hot
// swap) can read them without parsing the body. Float32 answers set them already (./octet-stream.ts).
//
// It wraps c.json for the request rather than editing every route: any JSON answer whose top level has a
// string `model` and `version` gets the headers, whichever route (image or text) produced it.
import type { MiddlewareHandler } from 'hono';

export const modelVersionHeaders: MiddlewareHandler = async (c, next) => {
  const json = c.json;
  c.json = ((object: unknown, ...rest: unknown[]) => {
    if (typeof object === 'object' && object !== null) {
      const { model, version, dtype } = object as { model?: unknown; version?: unknown; dtype?: unknown };
      if (typeof model === 'string' && typeof version === 'string') {
        c.header('X-Model', model);
        c.header('X-Model-Version', version);
        if (typeof dtype === 'string') c.header('X-Model-Dtype', dtype);
      }
    }
    return (json as (...args: unknown[]) => Response)(object, ...rest);
  }) as typeof c.json;
  await next();
};
