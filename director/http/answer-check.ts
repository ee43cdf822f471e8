import { Kind, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { Elysia } from 'elysia';
import { ApiError } from '../../shared/errors.ts';
import type { Logger } from '../../shared/log.ts';
import { builtValueOf } from './built-answer.ts';

/** Environment switch the test helpers set for every director they start. */
export const CHECK_ANSWERS_ENV = 'DCVIX_CHECK_ANSWERS';

interface MountedRoute {
  method: string;
  path: string;
  hooks?: { response?: Record<string, TSchema> };
}

/**
 * The same schema with `additionalProperties: false` on every object that does not say otherwise: an answer must hold exactly
 * what its model declares. (Elysia strips undeclared fields from answers on the wire, so a field a
 * handler sends but the model forgot would vanish silently; this check makes it loud instead.)
 */
export function exactly(schema: TSchema): TSchema {
  const copy = Object.assign({}, schema) as unknown as Record<string | symbol, unknown>;
  if (copy[Kind] === 'Object') {
    // A model that allows more on purpose (additionalProperties: true) keeps allowing it.
    if (schema.additionalProperties === undefined) copy.additionalProperties = false;
    copy.properties = Object.fromEntries(Object.entries(schema.properties as Record<string, TSchema>).map(([k, v]) => [k, exactly(v)]));
  }
  if (Array.isArray(schema.anyOf)) copy.anyOf = schema.anyOf.map(exactly);
  if (Array.isArray(schema.allOf)) copy.allOf = schema.allOf.map(exactly);
  if (schema.items && typeof schema.items === 'object' && !Array.isArray(schema.items)) copy.items = exactly(schema.items as TSchema);
  return copy as unknown as TSchema;
}

/**
 * Development and test mode: every answer a handler returns is checked, before Elysia shapes it, against
 * the exact model its route declares for that status. A mismatch answers 500 ANSWER_MISMATCH and logs
 * the route, the field and the problem (never the answer: it may hold tokens). Error envelopes and
 * non-JSON answers (XML, .dcv, metrics, web files) are not handler answers and are not checked here;
 * a builtAnswer (built-answer.ts) is checked by the value it was made from.
 */
export function answerCheck(routes: () => readonly MountedRoute[], log: Logger) {
  let models: Map<string, Record<string, TSchema>> | undefined;
  const exactModel = new Map<string, TSchema>();
  const modelFor = (method: string, path: string, status: string): TSchema | undefined => {
    models ??= new Map(routes().map((r) => [`${r.method} ${r.path}`, r.hooks?.response ?? {}]));
    const key = `${method} ${path} ${status}`;
    if (!exactModel.has(key)) {
      const declared = models.get(`${method} ${path}`)?.[status];
      if (declared) exactModel.set(key, exactly(declared));
    }
    return exactModel.get(key);
  };
  return new Elysia({ name: 'dcvix.answer-check' }).onAfterHandle({ as: 'global' }, ({ request, route, set, responseValue: answer }) => {
    const responseValue = answer instanceof Response ? builtValueOf(answer) : answer;
    if (responseValue === undefined) return;
    const status = String(answer instanceof Response ? answer.status : (set.status ?? 200));
    // A HEAD is answered by its GET route (the front sends the head only).
    const model = modelFor(request.method === 'HEAD' ? 'GET' : request.method, route, status);
    if (!model) {
      log.error('answer has no declared model', { method: request.method, route, status });
      throw new ApiError(500, 'ANSWER_MISMATCH', 'this answer has no declared model');
    }
    const first = Value.Errors(model, responseValue).First();
    if (first) {
      log.error('answer does not match its declared model', { method: request.method, route, status, field: first.path, problem: first.message });
      throw new ApiError(500, 'ANSWER_MISMATCH', `answer field "${first.path}" does not match the model: ${first.message}`);
    }
  });
}
