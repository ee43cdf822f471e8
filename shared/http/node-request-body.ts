/**
 * A request body as the node:http2 front reads it: counted as it streams in and refused as soon as it
 * passes its limit (never more than the limit is held), and on paths that take gzip, inflated as it
 * streams in with the same limit on the inflated bytes, so a small body that would inflate to
 * gigabytes stops at the limit.
 */
import type http2 from 'node:http2';
import { createGunzip } from 'node:zlib';
import { ApiError } from '../errors.ts';
import { checkBodyHead, tooLarge, type BodyOutcome, type BodyRule } from './request-body.ts';

/** Reads `req`'s body under `rule`. Rejects only when the request stream itself fails. */
export function readRequestBody(req: http2.Http2ServerRequest, rule: BodyRule): Promise<BodyOutcome> {
  const head = checkBodyHead(req.headers['content-encoding'], Number(req.headers['content-length'] ?? 0), rule);
  if ('refusal' in head) return Promise.resolve(head);
  const coding = head.gzip ? 'gzip' : 'identity';
  const gunzip = coding === 'gzip' ? createGunzip() : undefined;

  return new Promise((resolve, reject) => {
    const kept: Buffer[] = [];
    let received = 0;
    let keptBytes = 0;
    let settled = false;
    const settle = (outcome: BodyOutcome) => {
      if (settled) return;
      settled = true;
      gunzip?.destroy();
      resolve(outcome);
    };
    const body = (): BodyOutcome => ({ body: new Uint8Array(Buffer.concat(kept)), inflated: !!gunzip });
    const keep = (chunk: Buffer) => {
      keptBytes += chunk.length;
      if (keptBytes > rule.maxBytes) settle(tooLarge(rule, ' once inflated'));
      else kept.push(chunk);
    };
    gunzip?.on('data', keep);
    gunzip?.on('end', () => settle(body()));
    gunzip?.on('error', () => settle({ refusal: new ApiError(400, 'INVALID_GZIP', 'request body is not valid gzip', undefined, rule.gzip ? { 'accept-encoding': 'gzip' } : undefined) }));
    req.on('data', (chunk: Buffer) => {
      if (settled) return;
      received += chunk.length;
      if (received > rule.maxBytes) settle(tooLarge(rule, ''));
      else if (gunzip) gunzip.write(chunk);
      else keep(chunk);
    });
    req.on('end', () => {
      if (settled) return;
      if (gunzip && received > 0) gunzip.end();
      else settle(body());
    });
    req.on('error', (err) => {
      if (settled) return;
      settled = true;
      gunzip?.destroy();
      reject(err);
    });
  });
}
