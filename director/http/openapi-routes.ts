import { type AnyElysia, Elysia } from 'elysia';
import { OpenApiAnswer } from './models.ts';
import { openApiDocument, type OpenApiDocument } from './openapi.ts';

/**
 * GET /v1/openapi.json: the OpenAPI document, generated on first request from every route mounted
 * on the app (`mounted` returns it once the app is built), then kept.
 */
export const openApiRoutes = (mounted: () => AnyElysia) => {
  let apiDocument: OpenApiDocument | undefined;
  return new Elysia({ name: 'director.openapi' }).get('/v1/openapi.json', () => (apiDocument ??= openApiDocument(mounted())), {
    response: { 200: OpenApiAnswer },
    detail: { summary: 'This document' },
  });
};
