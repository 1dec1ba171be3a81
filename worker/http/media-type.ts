// Which request bodies a route reads. @hono/zod-openapi has a gate of its own, but its 415 says only
// "Unsupported Media Type"; this one runs first and says what the route takes and what it got.
import type { MiddlewareHandler } from 'hono';
import { ApiError } from './api-error';

export const JSON_MEDIA_TYPE = 'application/json';
export const FLOAT32_MEDIA_TYPE = 'application/octet-stream';

const JSON_LIKE = /^application\/([\w.-]+\+)?json$/i;

/** The media type of a Content-Type header, lower case, without parameters ("" when absent). */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

export function isJsonMediaType(mediaType: string): boolean {
  return JSON_LIKE.test(mediaType);
}

export function acceptBodies(mediaTypes: readonly string[]): MiddlewareHandler {
  return async (c, next) => {
    const contentType = c.req.header('content-type');
    const mediaType = mediaTypeOf(contentType);
    const accepted = mediaTypes.some((type) =>
      type === JSON_MEDIA_TYPE ? isJsonMediaType(mediaType) : type === mediaType,
    );
    if (!accepted) {
      const got = contentType === undefined || contentType === '' ? 'no Content-Type' : `"${contentType}"`;
      throw new ApiError(
        415,
        'unsupported_media_type',
        `Content-Type must be ${mediaTypes.join(' or ')}, got ${got}`,
      );
    }
    await next();
  };
}
