import { expect } from 'bun:test';
import { expectClientError } from '../helpers/hostile.ts';
import type { Call } from '../helpers/https.ts';

/**
 * The hostile battery for one director route, built from its OpenAPI operation (auth, body fields,
 * query parameters, path parameters), and the invariant every answer must keep.
 */
export type Auth = 'none' | 'user' | 'admin' | 'agent';

export interface HostileRequest {
  method: string;
  path: string;
  auth: Auth;
  body?: string | Uint8Array;
  contentType?: string;
  headers?: Record<string, string>;
  /** Overrides the cookie the auth would send ('' = none). */
  cookie?: string;
  label: string;
}

export interface OpenApiOperation {
  security?: Record<string, unknown>[];
  description?: string;
  parameters?: { name: string; in: string }[];
  requestBody?: { content?: Record<string, { schema?: { properties?: Record<string, { type?: string }> } }> };
}

/**
 * Non-GET routes allowed to answer 2xx to garbage: they change nothing (renew only re-issues the caller's
 * own token; the single sign-on sign-out only clears the caller's own sign-out hint cookie).
 */
// Passkey options only start a ceremony: a single-use challenge row that expires in minutes, nothing lasting.
const HARMLESS = new Set(['POST /v1/logout', 'POST /v1/renew', 'POST /v1/user/authtokenverify', 'POST /v1/auth/oidc/signout', 'POST /v1/user/passkeys/options', 'POST /v1/passkeys/login/options']);

/** The OAuth2 token endpoint answers errors as RFC 6749 section 5.2 says, not in the director's envelope. */
const OAUTH_ERRORS = new Set(['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope']);

/** Strings no validator should accept as a name, id, type or credential. */
export const HOSTILE_STRINGS: string[] = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\r\nSet-Cookie: dcvix_session=x',
  '../../../../etc/passwd',
  '..\\..\\windows\\system32',
  '<script>alert(1)</script>',
  "'; DROP TABLE agents; --",
  '$(reboot)',
  '`id`',
  '-rf /',
  '--help',
  '\u202egnp.exe',
  '\ud800',
  '\udfff\ud800',
  '😀'.repeat(64),
  'Ｗｏｒｋｓｔａｔｉｏｎｓ',
  '\u001b[31mred',
  '%00%2e%2e%2f',
  'x'.repeat(20_000),
  'a b\tc',
  '{"$ne":null}',
];

/** Values of the wrong JSON type for any field. */
const WRONG_TYPES: unknown[] = [0, -1, 1.5, 1e308, true, false, null, [], {}, ['x'], { $gt: '' }, [[[]]]];

/** Path-segment ids: traversal, encodings, controls, overlong. Never a real GUID or session id. */
export const HOSTILE_IDS: string[] = [
  '..',
  '..%2F..%2Fetc%2Fpasswd',
  '%2e%2e%2f%2e%2e%2f',
  '%252e%252e%252f',
  '..%5C..%5C',
  '%00',
  'x%00y',
  '%ff%fe',
  'a%0d%0aSet-Cookie:%20x',
  '%E2%80%AEtxt',
  '%F0%9F%98%80',
  '%',
  '%zz',
  '*',
  ';rm%20-rf',
  '$(id)',
  '-rf',
  'CON',
  'x'.repeat(2000),
  '00000000-0000-4000-8000-000000000000',
  'DEADBEEF-0000-4000-8000-000000000000',
];

/** encodeURIComponent, except that lone surrogates become the raw (invalid UTF-8) bytes a client could send. */
export function enc(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return [...text].map((c) => (/[\ud800-\udfff]/.test(c) ? '%ED%A0%80' : encodeURIComponent(c))).join('');
  }
}

const deep = (n: number) => '['.repeat(n) + ']'.repeat(n);

/** Bodies that are not a JSON object, or not JSON at all. */
export const MALFORMED: (string | Uint8Array)[] = [
  '',
  ' ',
  '{',
  '{"a":',
  '}',
  'nul',
  "{'a':1}",
  '{"a":1,}',
  '\u0000',
  '\ufeff{}',
  new Uint8Array([0xff, 0xfe, 0x00, 0x7b, 0x7d]),
  new Uint8Array([0x7b, 0x22, 0x61, 0x22, 0x3a, 0x22, 0xc3, 0x28, 0x22, 0x7d]),
  '[]',
  '[1,2]',
  '"str"',
  '123',
  '-0',
  '1e999',
  'null',
  'true',
  deep(10_000),
  `{"a":${deep(5_000)}}`,
  '{"__proto__":{"role":"admin","admin":true}}',
  '{"constructor":{"prototype":{"admin":true}}}',
  '{"a":"\\ud800"}',
  'a=1&b=2',
  '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>',
];

const CONTENT_TYPES: (string | undefined)[] = [
  'application/json',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=zz',
  undefined,
  'application/json; charset=utf-16',
  'application/octet-stream',
];

/** Which credentials a documented operation needs. */
export function authOf(op: OpenApiOperation): Auth {
  const schemes = (op.security ?? []).flatMap((s) => Object.keys(s));
  if (schemes.includes('agentCertificate')) return 'agent';
  if (schemes.includes('session')) return /admin/i.test(op.description ?? '') ? 'admin' : 'user';
  return 'none';
}

function bodyFields(op: OpenApiOperation): Record<string, string> {
  const props = op.requestBody?.content?.['application/json']?.schema?.properties ?? {};
  return Object.fromEntries(Object.entries(props).map(([k, v]) => [k, v.type ?? 'string']));
}

/** Every hostile request for one operation. */
export function buildBattery(method: string, docPath: string, op: OpenApiOperation, override: { auth?: Auth; params?: Record<string, string> } = {}): HostileRequest[] {
  const auth = override.auth ?? authOf(op);
  const out: HostileRequest[] = [];
  const params = docPath.match(/\{\w+\}/g) ?? [];
  // Placeholder ids that are valid-looking but unknown (or given), so body checks are reached.
  const path = docPath.replace(/\{(\w+)\}/g, (p, name: string) => override.params?.[name] ?? (p === '{guid}' ? '00000000-0000-4000-8000-00000000dead' : 'no-such-id'));
  const add = (r: Omit<HostileRequest, 'method' | 'auth'> & { auth?: Auth }) => out.push({ method, auth, ...r });
  const hasBody = method !== 'GET';

  for (const id of HOSTILE_IDS) {
    for (const param of params)
      add({
        path: docPath.replace(param, id).replace(/\{\w+\}/g, 'no-such-id'),
        body: hasBody ? '{}' : undefined,
        contentType: hasBody ? 'application/json' : undefined,
        label: `id ${id.slice(0, 40)}`,
      });
  }
  if (hasBody) {
    MALFORMED.forEach((bytes, index) => {
      add({ path, body: bytes, contentType: 'application/json', label: `malformed #${index}` });
      add({ path, body: bytes, contentType: CONTENT_TYPES[index % CONTENT_TYPES.length], label: `malformed #${index} as ${CONTENT_TYPES[index % CONTENT_TYPES.length]}` });
    });
    const fields = bodyFields(op);
    const names = Object.keys(fields);
    if (names.length) {
      // Every field hostile but of the documented type: nothing valid can slip through.
      const baseline = (i: number): Record<string, unknown> =>
        Object.fromEntries(
          names.map((n, k) => [
            n,
            fields[n] === 'array'
              ? [HOSTILE_STRINGS[(i + k) % HOSTILE_STRINGS.length]]
              : fields[n] === 'object'
                ? { x: HOSTILE_STRINGS[(i + k) % HOSTILE_STRINGS.length] }
                : HOSTILE_STRINGS[(i + k + 1) % HOSTILE_STRINGS.length],
          ]),
        );
      const json = (o: unknown, label: string) => add({ path, body: JSON.stringify(o), contentType: 'application/json', label });
      json({}, 'no fields');
      names.forEach((field, index) => {
        const { [field]: _gone, ...rest } = baseline(index);
        json(rest, `missing ${field}`);
        for (const [offset, wrong] of WRONG_TYPES.entries()) json({ ...baseline(index + offset), [field]: wrong }, `${field} = ${JSON.stringify(wrong)}`);
        for (const [offset, hostile] of HOSTILE_STRINGS.entries()) json({ ...baseline(index + offset), [field]: hostile }, `${field} = ${JSON.stringify(hostile.slice(0, 30))}`);
      });
      json(Object.fromEntries(names.map((n) => [n.toUpperCase(), 'x'])), 'fields in the wrong case');
    } else {
      json0(add, path);
    }
  }
  for (const param of (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name)) {
    for (const hostile of HOSTILE_STRINGS) add({ path: `${path}?${param}=${enc(hostile)}`, body: hasBody ? '{}' : undefined, label: `?${param}=${JSON.stringify(hostile.slice(0, 30))}` });
    add({ path: `${path}?${param}=a&${param}=b`, body: hasBody ? '{}' : undefined, label: `?${param} twice` });
    add({ path: `${path}?${param}[]=a&${param}[x]=b`, body: hasBody ? '{}' : undefined, label: `?${param}[]` });
    add({ path: `${path}?${param}=%zz%`, body: hasBody ? '{}' : undefined, label: `?${param} bad escape` });
  }
  // Every route, even a bare GET: junk query strings and headers the route never asked for.
  const junk = hasBody ? { body: '{}', contentType: 'application/json' } : {};
  add({ path: `${path}?__proto__[admin]=1&constructor[prototype][x]=1`, ...junk, label: 'prototype query' });
  add({ path: `${path}?${enc(HOSTILE_STRINGS[4]!)}=${enc(HOSTILE_STRINGS[14]!)}`, ...junk, label: 'hostile query key' });
  add({ path, ...junk, headers: { accept: '*/*;q=garbage', 'accept-encoding': 'gzip;q=2, br;q=-1', 'x-forwarded-for': '10.0.0.1, <script>' }, label: 'odd headers' });
  add({ path, ...junk, headers: { 'content-length': '0', 'x-request-id': '../../x' }, label: 'client request id' });
  if (auth === 'user' || auth === 'admin') {
    add({ path, cookie: '', label: 'no cookie' });
    add({ path, cookie: 'dcvix_session=garbage', label: 'garbage cookie' });
    add({ path, cookie: `dcvix_session=v4.local.${'A'.repeat(200)}`, label: 'forged v4.local cookie' });
    add({ path, cookie: `dcvix_session=v4.public.${'A'.repeat(200)}`, label: 'v4.public cookie' });
    add({ path, cookie: `dcvix_session=${'x'.repeat(8000)}`, label: 'huge cookie' });
    add({ path, cookie: '', headers: { authorization: 'Bearer \u00ff\u00fe' }, label: 'bearer latin1' });
    add({ path, cookie: '', headers: { authorization: 'Basic YWRtaW46YWRtaW4tcHc=' }, label: 'basic auth' });
    if (hasBody) {
      add({ path, body: '{}', contentType: 'application/json', headers: { origin: 'https://evil.example' }, label: 'cross-origin' });
      add({ path, body: '{}', contentType: 'application/json', headers: { 'sec-fetch-site': 'cross-site' }, label: 'cross-site' });
    }
  }
  if (auth === 'admin') add({ path, auth: 'user', label: 'non-admin user' });
  if (auth === 'agent') add({ path, auth: 'none', body: hasBody ? '{}' : undefined, label: 'no client certificate' });
  return out.map((r) => ({ ...r, label: `${method} ${docPath} [${r.label}]` }));
}

function json0(add: (r: Omit<HostileRequest, 'method' | 'auth'>) => void, path: string) {
  add({ path, body: '{"unexpected":"field"}', contentType: 'application/json', label: 'unexpected field' });
}

/**
 * The invariant: never a 5xx; a 4xx carries the envelope with a stable code and a requestId; a 2xx
 * only where the route is read-only or harmless (the DCV verifier must say no).
 */
export function expectInvariant(req: HostileRequest, res: Call): void {
  const what = req.label;
  expect(res.status < 500, `${what} -> ${res.status} ${res.text.slice(0, 200)}`).toBe(true);
  if (res.status < 400) {
    const key = `${req.method} ${req.path.split('?')[0]}`;
    expect(req.method === 'GET' || HARMLESS.has(key), `${what} -> ${res.status}: a state-changing route accepted garbage`).toBe(true);
    if (key === 'POST /v1/user/authtokenverify') expect(res.text, what).toStartWith('<auth result="no"');
    return;
  }
  if (req.path.split('?')[0] === '/oauth2/token' && res.status !== 413 && res.status !== 431) {
    expect(OAUTH_ERRORS.has(res.json?.error) && typeof res.json?.error_description === 'string', `${what} -> ${res.status} ${res.text.slice(0, 200)}: not an RFC 6749 error`).toBe(true);
    return;
  }
  // Refusals written by the transport before the app runs (413 by the bridge, 431 by the HTTP parser)
  // lack the request id or the whole envelope: see the known-bug tests in inputs.test.ts.
  if (res.status === 431) return;
  expectClientError(res, what, { requestId: res.status !== 413 });
}
