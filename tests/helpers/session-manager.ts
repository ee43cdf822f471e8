/**
 * The Session Manager API from a client's side, for tests: the client generated from the YAML
 * (openapi-fetch typed by director/session-manager/api-types.d.ts), access tokens, and a check of any
 * answer against the YAML's own schemas (ajv), so what dcvix answers is held to AWS's document, not
 * only to the director's models.
 */
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import createClient from 'openapi-fetch';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { paths } from '../../director/session-manager/api-types';
import { call } from './https.ts';

const YAML_FILE = join(import.meta.dir, '../../director/session-manager/dcv-session-manager-api.yaml');

interface Operation {
  responses: Record<string, { content?: { 'application/json'?: { schema: object } } }>;
}

/** Every operation of the YAML by "METHOD /path" (path as the YAML writes it). */
function yamlOperations(): { document: { components: object }; operations: Map<string, Operation> } {
  const document = Bun.YAML.parse(readFileSync(YAML_FILE, 'utf8')) as { paths: Record<string, Record<string, Operation>>; components: object };
  const operations = new Map<string, Operation>();
  for (const [path, methods] of Object.entries(document.paths)) for (const [method, operation] of Object.entries(methods)) operations.set(`${method.toUpperCase()} ${path}`, operation);
  return { document, operations };
}

/**
 * A checker of answers against the YAML: `check('POST /createSessions', status, json)` gives the problems
 * (none: it conforms). A status the YAML declares with a schema is validated against it; one it declares
 * without (400 "Invalid input") takes any body; 401 and 403 are the bearerAuth security the YAML requires
 * and must carry the director's error envelope; any other status is a problem.
 */
export function yamlChecker() {
  const { document, operations } = yamlOperations();
  // strict off: the YAML carries OpenAPI-only keywords (xml, example, deprecated); nullable is OpenAPI's too, which ajv knows.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'sm', components: document.components });
  return (operation: string, status: number, body: unknown): string[] => {
    const declared = operations.get(operation);
    if (!declared) return [`${operation}: not in the YAML`];
    const answer = declared.responses[String(status)];
    if (!answer) {
      const envelope = (body as { error?: { code?: unknown } } | undefined)?.error?.code;
      return (status === 401 || status === 403) && typeof envelope === 'string' ? [] : [`${operation} ${status}: a status the YAML does not declare`];
    }
    const schema = answer.content?.['application/json']?.schema;
    if (!schema) return [];
    // Every answer schema of the YAML is a $ref into its components.
    const validate = ajv.getSchema(`sm${(schema as { $ref: string }).$ref}`)!;
    return validate(body) ? [] : (validate.errors ?? []).map((error) => `${operation} ${status}: ${error.instancePath || '/'} ${error.message}`);
  };
}

/** An access token for an API client (HTTP Basic, grant_type in the query string), or the failed answer. */
export async function accessToken(director: { url: string; caPem: string }, clientId: string, secret: string) {
  const basic = Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(secret)}`).toString('base64');
  return call(`${director.url}/oauth2/token?grant_type=client_credentials`, { method: 'POST', ca: director.caPem, headers: { authorization: `Basic ${basic}` } });
}

/** The client generated from the YAML, on this director's TLS, sending `token` as its bearer. */
export function sessionManagerClient(director: { url: string; caPem: string }, token: string) {
  return createClient<paths>({
    baseUrl: director.url,
    headers: { authorization: `Bearer ${token}` },
    fetch: (request: Request) => fetch(request, { tls: { ca: director.caPem } } as RequestInit),
  });
}
