/**
 * A JSON answer serialised here rather than by Elysia, for the few large lists (a fleet of 10,000
 * servers) whose rows the views build field by field from stored, validated records. Elysia would
 * deep-copy such an answer to strip undeclared fields and then check it: several milliseconds per
 * answer that add nothing when the view writes only declared fields. The route still declares its
 * model (OpenAPI, typed clients), and the development and test answer check (answer-check.ts) checks
 * the value kept here exactly, as it checks every other answer.
 */

const values = new WeakMap<Response, unknown>();

/** The answer as a JSON Response, its value kept for the answer check. */
export function builtAnswer<T>(value: T): Response {
  const response = Response.json(value);
  values.set(response, value);
  return response;
}

/** The value a builtAnswer was made from, or undefined for any other Response. */
export const builtValueOf = (response: Response): unknown => values.get(response);
