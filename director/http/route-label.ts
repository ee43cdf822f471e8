/**
 * The `route` label of a request: Elysia's matched route template (`/v1/sessions/:id`), never the raw
 * path, so ids in URLs do not make a new time series each; every unmatched path shares "unmatched".
 */
export function routeLabel(ctx: { route?: unknown }): string {
  return typeof ctx.route === 'string' && ctx.route !== '' ? ctx.route : 'unmatched';
}
