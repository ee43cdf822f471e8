/**
 * Request bodies as the TLS bridge reads them, before anything routes or parses them: counted as they
 * stream in and refused as soon as they pass their limit (never more than the limit is held), and on
 * paths that take gzip, inflated as they stream in with the same limit on the inflated bytes, so a
 * small body that would inflate to gigabytes stops at the limit.
 */
import type http2 from 'node:http2';
import { createGunzip, gunzipSync } from 'node:zlib';
import { ApiError } from '../errors.ts';

/** What a request on one path may send. */
export interface BodyRule {
  /** Largest body; with gzip also the largest inflated body. */
  maxBytes: number;
  /** `Content-Encoding: gzip` is taken and inflated before the handler sees the body. */
  gzip: boolean;
}

/** The body (inflated), or the refusal to answer with; after a refusal the rest is never read. */
export type BodyOutcome = { body: Uint8Array; inflated: boolean } | { refusal: ApiError };

/**
 * What can be decided from the head alone: the coding (415 when the path does not take it) and a
 * declared length over the limit (413). Returns the coding the body arrives in, or the refusal.
 */
export function checkBodyHead(contentEncoding: string | string[] | undefined, contentLength: number | undefined, rule: BodyRule): { gzip: boolean } | { refusal: ApiError } {
  const coding = contentCoding(contentEncoding);
  if (coding !== 'identity' && !(coding === 'gzip' && rule.gzip)) {
    const accepted = rule.gzip ? 'gzip or none' : 'none';
    return { refusal: new ApiError(415, 'UNSUPPORTED_CONTENT_ENCODING', `this path takes request bodies with Content-Encoding ${accepted}`, undefined, advertised(rule)) };
  }
  if ((contentLength ?? 0) > rule.maxBytes) return tooLarge(rule, '');
  return { gzip: coding === 'gzip' };
}

/** The refusal of a body over the rule's limit, sent or (`what`) once inflated. */
export function tooLarge(rule: BodyRule, what: string): { refusal: ApiError } {
  return { refusal: new ApiError(413, 'PAYLOAD_TOO_LARGE', `request body exceeds ${rule.maxBytes} bytes${what}`, undefined, advertised(rule)) };
}

const advertised = (rule: BodyRule) => (rule.gzip ? { 'accept-encoding': 'gzip' } : undefined);

/**
 * A whole gzip body (already within the limit as sent) inflated under the same limit: inflating stops
 * at the limit, so a small body that would inflate to gigabytes costs no more than the limit.
 */
export function inflateBody(bytes: Uint8Array, rule: BodyRule): BodyOutcome {
  if (bytes.byteLength === 0) return { body: new Uint8Array(), inflated: true };
  try {
    return { body: new Uint8Array(gunzipSync(bytes, { maxOutputLength: rule.maxBytes })), inflated: true };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) return tooLarge(rule, ' once inflated');
    return { refusal: new ApiError(400, 'INVALID_GZIP', 'request body is not valid gzip', undefined, advertised(rule)) };
  }
}

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
    gunzip?.on('error', () => settle({ refusal: new ApiError(400, 'INVALID_GZIP', 'request body is not valid gzip', undefined, advertised(rule)) }));
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

/**
 * The body's coding: 'identity' when none (or only `identity`) is named, 'gzip' for gzip alone (or its
 * old alias x-gzip), else the list as sent. Stacked codings are not taken.
 */
function contentCoding(header: string | string[] | undefined): string {
  const names = [header ?? '']
    .flat()
    .join(',')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name && name !== 'identity');
  if (names.length === 0) return 'identity';
  return names.length === 1 && (names[0] === 'gzip' || names[0] === 'x-gzip') ? 'gzip' : names.join(', ');
}
