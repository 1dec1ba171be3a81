// Every route sub-app is an OpenAPIHono with the API's validation hook, so a schema failure anywhere
// is the same 400 body, and every route's schemas land in /openapi.json.
import { OpenAPIHono } from '@hono/zod-openapi';
import { validationHook } from './validation-hook';

export function routesApp(): OpenAPIHono {
  return new OpenAPIHono({ defaultHook: validationHook });
}
