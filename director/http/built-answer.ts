/**
 * JSON answers serialised by the route rather than by Elysia, for the few large lists (a fleet of
 * 10,000 servers) whose rows the views build field by field from stored, validated records, or even
 * write as JSON text themselves. Elysia would deep-copy such an answer to strip undeclared fields and
 * then check it: several milliseconds per answer that add nothing when the view writes only declared
 * fields. The route still declares its model (OpenAPI, typed clients), and the development and test
 * answer check (answer-check.ts) checks what was sent exactly, as it checks every other answer.
 */

type Built = { value: unknown } | { text: string };
const built = new WeakMap<Response, Built>();

/** The answer as a JSON Response, its value kept for the answer check. */
export function builtAnswer(value: unknown): Response {
  const response = Response.json(value);
  built.set(response, { value });
  return response;
}

/** An answer already written as JSON text (the view wrote it); the answer check parses it back. */
export function builtJsonAnswer(text: string): Response {
  const response = new Response(text, { headers: { 'content-type': 'application/json;charset=utf-8' } });
  built.set(response, { text });
  return response;
}

/** The value a built answer was made from, or undefined for any other Response. */
export function builtValueOf(response: Response): unknown {
  const answer = built.get(response);
  if (!answer) return undefined;
  return 'value' in answer ? answer.value : JSON.parse(answer.text);
}
