import type { Reference, Requirement } from './parse.ts';

/** What a reference reads on one server: undefined when the server has no such tag or property. */
export type ReferenceValue = string | number | undefined;

/**
 * Whether a server whose references read as `lookup` says satisfies the expression. A comparison with
 * a value the server does not have (an unknown tag or property, one its agent does not report), or
 * one that cannot be compared (a number against text that is not a number), is false whatever the
 * operator; `not` of it is true. Strings compare exactly (case matters); `:=` is "contains".
 */
export function satisfies(requirement: Requirement, lookup: (ref: Reference) => ReferenceValue): boolean {
  switch (requirement.kind) {
    case 'and':
      return satisfies(requirement.left, lookup) && satisfies(requirement.right, lookup);
    case 'or':
      return satisfies(requirement.left, lookup) || satisfies(requirement.right, lookup);
    case 'not':
      return !satisfies(requirement.operand, lookup);
    case 'compare':
      return compare(lookup(requirement.ref), requirement.op, requirement.value);
  }
}

function compare(actual: ReferenceValue, op: Extract<Requirement, { kind: 'compare' }>['op'], expected: string | number): boolean {
  if (actual === undefined) return false;
  if (op === ':=') return String(actual).includes(String(expected));
  if (typeof expected === 'string') return op === '=' ? String(actual) === expected : op === '!=' ? String(actual) !== expected : false;
  const number = typeof actual === 'number' ? actual : asNumber(actual);
  if (number === undefined) return false;
  switch (op) {
    case '=':
      return number === expected;
    case '!=':
      return number !== expected;
    case '>':
      return number > expected;
    case '>=':
      return number >= expected;
    case '<':
      return number < expected;
    case '<=':
      return number <= expected;
  }
}

/** A tag value read as a number (`cores=8`), or undefined when it is not one. */
function asNumber(text: string): number | undefined {
  if (text.trim() === '') return undefined;
  const number = Number(text);
  return Number.isFinite(number) ? number : undefined;
}
