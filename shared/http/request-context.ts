import { AsyncLocalStorage } from 'node:async_hooks';

const context = new AsyncLocalStorage<{ requestId: string }>();
const SAFE_ID = /^[A-Za-z0-9._-]{1,64}$/;

/**
 * Runs a request's handling with its request id in context, so code far from the route (the agent
 * client, the dcv runner) can log it or pass it on. With `trustIncoming` (the agent, for a caller
 * that presented the director's client certificate) a well-formed X-Request-Id is kept, so one id traces a
 * request through the director's and the agent's logs.
 */
export function withRequestId<T>(request: Request, trustIncoming: boolean, fn: () => T): T {
  const incoming = request.headers.get('x-request-id');
  const requestId = trustIncoming && incoming && SAFE_ID.test(incoming) ? incoming : crypto.randomUUID();
  return context.run({ requestId }, fn);
}

/** The id of the request being handled, if any. */
export function currentRequestId(): string | undefined {
  return context.getStore()?.requestId;
}
