/**
 * Checking a value against a wire model outside a route: a body one of our readers takes by hand, an
 * answer the agent gets from a director, an item of an update. Each model is compiled once. A mismatch
 * names the first field that is wrong, in the words a route's 400 uses for the same field.
 *
 * Elysia marks the top-level object model of a route `additionalProperties: false` in place (and drops
 * undeclared keys before checking). So every wire model that ignores unknown keys says so itself
 * (`additionalProperties: true`): a route declaring it then changes nothing for the readers here.
 */
// The string formats (date-time) a route checks with, so a value checked here and on a route agree.
import 'elysia/type-system/format';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, ValueErrorType, type TypeCheck, type ValueError } from '@sinclair/typebox/compiler';
import { ApiError } from '../errors.ts';
import { codeOnPath } from './coded.ts';

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function checker<T extends TSchema>(model: T): TypeCheck<T> {
  let check = compiled.get(model);
  if (!check) {
    check = TypeCompiler.Compile(model);
    compiled.set(model, check);
  }
  return check as TypeCheck<T>;
}

/** The first place a value departs from its model: a JSON pointer (`/stats/hostname`) and TypeBox's words. */
interface Mismatch {
  path: string;
  message: string;
  type: ValueErrorType;
}

/** True when `value` matches `model`. */
export const matches = <T extends TSchema>(model: T, value: unknown): value is Static<T> => checker(model).Check(value);

/**
 * Where `value` first departs from `model`, or undefined when it matches. In a union (a nullable
 * field, say) the branch that got furthest speaks, so the message names the real problem, not "expected
 * union value".
 */
export function firstMismatch(model: TSchema, value: unknown): Mismatch | undefined {
  const check = checker(model);
  if (check.Check(value)) return undefined;
  let first: ValueError | undefined = check.Errors(value).First();
  while (first?.type === ValueErrorType.Union && first.errors.length > 0) {
    const branches = first.errors.map((branch) => branch.First()).filter((error): error is ValueError => error !== undefined);
    const furthest = branches.reduce<ValueError | undefined>((best, error) => (!best || error.path.length > best.path.length ? error : best), undefined);
    if (!furthest) break;
    first = furthest;
  }
  return { path: first?.path ?? '', message: first?.message ?? 'is not valid', type: first?.type ?? ValueErrorType.Object };
}

/**
 * A mismatch in words: `field "stats.hostname": expected ...`, or `<whole>: expected ...` when the
 * value itself is wrong. The one error handler words a route's 400 the same way.
 */
export function mismatchText(mismatch: { path: string; message: string }, whole: string): string {
  const field = mismatch.path.replace(/^\//, '').replaceAll('/', '.');
  // Only the first letter: a pattern in the message keeps its case.
  const message = mismatch.message.charAt(0).toLowerCase() + mismatch.message.slice(1);
  return `${field ? `field "${field}"` : whole}: ${message}`;
}

/**
 * `value` as `model` declares it, for a body read outside a route's own check.
 * @throws ApiError 400 with the code the model gives the failing field (see coded()), else INVALID_BODY.
 */
export function readBody<T extends TSchema>(model: T, value: unknown): Static<T> {
  const mismatch = firstMismatch(model, value);
  if (mismatch) throw new ApiError(400, codeOnPath(model as Record<string, unknown>, mismatch.path) ?? 'INVALID_BODY', mismatchText(mismatch, 'request body'));
  return value as Static<T>;
}
