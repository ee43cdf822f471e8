/**
 * The stable error code a model gives a field: routes (through the one error handler) and the readers
 * that check a value against a model outside a route answer a failed field with the same code.
 */
import type { TSchema } from '@sinclair/typebox';
import type { ErrorCode } from './error-codes.ts';

/** Schema keyword naming the stable error code a failed field gets (400 `{"error":{"code"...}}`). */
const ERROR_CODE = 'x-error-code';

/** A field whose validation failure answers with `code` instead of INVALID_BODY. */
export const coded = <T extends TSchema>(code: ErrorCode, schema: T): T => Object.assign(schema, { [ERROR_CODE]: code });

/**
 * The deepest `x-error-code` on the way from `schema` down to the failing field, `path` as TypeBox
 * reports it (`/config/0/key`); undefined when no schema on the way names one.
 */
export function codeOnPath(schema: Record<string, unknown> | undefined, path: string): ErrorCode | undefined {
  let found: ErrorCode | undefined;
  let node = schema;
  for (const step of ['', ...path.split('/').slice(1)]) {
    if (step !== '') {
      const props = node?.properties as Record<string, Record<string, unknown>> | undefined;
      node = props?.[step] ?? (node?.items as Record<string, unknown> | undefined);
    }
    if (!node) break;
    // Set only by coded(), which takes an ErrorCode.
    if (typeof node[ERROR_CODE] === 'string') found = node[ERROR_CODE] as ErrorCode;
  }
  return found;
}
