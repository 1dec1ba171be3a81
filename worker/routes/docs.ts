// GET /openapi.json (generated from the zod schemas the routes validate with) and GET /docs (Scalar's API
// reference, its script served from the worker's own static assets: ./docs-script.ts).
import type { OpenAPIHono } from '@hono/zod-openapi';
import { Scalar } from '@scalar/hono-api-reference';
import { Hono } from 'hono';
import { methodNotAllowed } from '../http/method-not-allowed';
import { API_REFERENCE_SCRIPT } from './docs-script';

type OpenApiDocument = ReturnType<OpenAPIHono['getOpenAPI31Document']>;

const INFO = {
  title: 'pretext',
  version: '1.0.0',
  description:
    'Self-supervised and unsupervised models of a deep-learning lecture (autoencoders, denoising, k-means, ' +
    'RotNet, jigsaw, VAE, probes), trained with TensorFlow.js and served with onnxruntime-web.',
};

/** `api` is the app whose routes are documented; the document is built once, on first request. */
export function docsRoutes(api: OpenAPIHono) {
  let document: OpenApiDocument | undefined;
  const openApiDocument = () => {
    document ??= requireRequestBodies(api.getOpenAPI31Document({ openapi: '3.1.0', info: INFO }));
    return document;
  };
  return new Hono()
    .get('/openapi.json', (c) => c.json(openApiDocument()))
    .get(
      '/docs',
      Scalar({
        url: '/openapi.json',
        pageTitle: 'pretext API',
        // Same origin, pinned: no CDN, so the page renders offline and runs no script we did not ship.
        cdn: API_REFERENCE_SCRIPT,
        // Nothing else from other origins either: no web fonts (the system's), no telemetry, and no
        // "Ask AI" button, which would send the document to Scalar's service.
        withDefaultFonts: false,
        telemetry: false,
        agent: { disabled: true },
      }),
    )
    .all('/openapi.json', methodNotAllowed(['GET']))
    .all('/docs', methodNotAllowed(['GET']));
}

/**
 * The image routes declare their body optional so that @hono/zod-openapi does not run the JSON
 * validator on float32 bodies (see routes/image-route.ts); every model route does need a body.
 */
function requireRequestBodies(document: OpenApiDocument): OpenApiDocument {
  for (const path of Object.values(document.paths ?? {})) {
    const body = path.post?.requestBody;
    if (body !== undefined && 'content' in body) body.required = true;
  }
  return document;
}
