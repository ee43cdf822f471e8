/**
 * Request body rules as both TLS fronts apply them, before anything routes or parses a body: the
 * coding a path takes, its size limit (refused from a declared length at once), and gzip inflated
 * under the same limit, so a small body that would inflate to gigabytes stops at the limit.
 */
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
export async function inflateBody(bytes: Uint8Array, rule: BodyRule): Promise<BodyOutcome> {
  if (bytes.byteLength === 0) return { body: new Uint8Array(), inflated: true };
  // Loaded on the first gzip body: node:zlib costs memory and start-up time a listener may never need.
  const { gunzipSync } = await import('node:zlib');
  try {
    return { body: new Uint8Array(gunzipSync(bytes, { maxOutputLength: rule.maxBytes })), inflated: true };
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE' || error instanceof RangeError) return tooLarge(rule, ' once inflated');
    return { refusal: new ApiError(400, 'INVALID_GZIP', 'request body is not valid gzip', undefined, advertised(rule)) };
  }
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
