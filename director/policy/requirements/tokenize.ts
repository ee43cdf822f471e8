/**
 * The tokens of a placement requirements expression, in Amazon DCV Session Manager's language:
 * `tag:gpu = 'a10' and (server:Host.Memory.TotalBytes > 32E9 or not tag:linux := 'x')`.
 * References are `tag:<key>` and `server:<property>`; strings are quoted with ' or " (a backslash
 * escapes the quote or itself); numbers may carry a fraction and an exponent (32E9, 0.5e-3).
 */

/** A comparison operator: equal, not equal, ordering, and `:=` (contains). */
export type Operator = '=' | '!=' | '>' | '>=' | '<' | '<=' | ':=';

export type Token =
  | { kind: 'ref'; scope: 'tag' | 'server'; name: string; at: number }
  | { kind: 'string'; value: string; at: number }
  | { kind: 'number'; value: number; at: number }
  | { kind: 'op'; op: Operator; at: number }
  | { kind: 'and' | 'or' | 'not' | '(' | ')' | 'end'; at: number };

/** A requirements expression that does not read; `at` is the 1-based character where it goes wrong. */
export class RequirementsError extends Error {
  constructor(
    readonly at: number,
    readonly reason: string,
  ) {
    super(`at character ${at}: ${reason}`);
  }
}

/** Longest expression read: a policy's and a client's alike (keeps the parser's recursion shallow). */
export const REQUIREMENTS_MAX = 4096;

const OPERATORS: readonly Operator[] = [':=', '!=', '>=', '<=', '=', '>', '<'];
const NUMBER_RE = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y;
/** What a tag key may hold (shared/api/tags.ts) and what a property name may hold. */
const NAME_CHAR: Record<'tag' | 'server', RegExp> = { tag: /[A-Za-z0-9_.:/-]/, server: /[A-Za-z0-9_.]/ };
const WORD_RE = /[A-Za-z_][A-Za-z0-9_]*/y;

/** What the sticky `pattern` matches at `pos`, or undefined. */
function matchAt(pattern: RegExp, text: string, pos: number): string | undefined {
  pattern.lastIndex = pos;
  return pattern.exec(text)?.[0];
}

/** Splits an expression into tokens, ending with an `end` token. */
export function tokenize(text: string): Token[] {
  if (text.length > REQUIREMENTS_MAX) throw new RequirementsError(REQUIREMENTS_MAX + 1, `longer than ${REQUIREMENTS_MAX} characters`);
  const tokens: Token[] = [];
  let pos = 0;
  while (pos < text.length) {
    const char = text[pos]!;
    const at = pos + 1;
    if (/\s/.test(char)) pos++;
    else if (char === '(' || char === ')') {
      tokens.push({ kind: char, at });
      pos++;
    } else if (char === "'" || char === '"') {
      const read = quoted(text, pos);
      tokens.push({ kind: 'string', value: read.value, at });
      pos = read.end;
    } else if (OPERATORS.some((op) => text.startsWith(op, pos))) {
      const op = OPERATORS.find((candidate) => text.startsWith(candidate, pos))!;
      tokens.push({ kind: 'op', op, at });
      pos += op.length;
    } else if (matchAt(NUMBER_RE, text, pos)) {
      const literal = matchAt(NUMBER_RE, text, pos)!;
      tokens.push({ kind: 'number', value: Number(literal), at });
      pos += literal.length;
    } else {
      const word = matchAt(WORD_RE, text, pos);
      if (!word) throw new RequirementsError(at, `unexpected "${char}"`);
      const scope = word === 'tag' || word === 'server' ? word : undefined;
      if (scope && text[pos + word.length] === ':') {
        const read = refName(text, pos + word.length + 1, scope);
        tokens.push({ kind: 'ref', scope, name: read.name, at });
        pos = read.end;
        continue;
      }
      const keyword = word.toLowerCase();
      if (keyword !== 'and' && keyword !== 'or' && keyword !== 'not') {
        throw new RequirementsError(at, `unexpected "${word.slice(0, 40)}": expected tag:<key>, server:<property>, a quoted string, a number, and, or, not or parentheses`);
      }
      tokens.push({ kind: keyword, at });
      pos += word.length;
    }
  }
  tokens.push({ kind: 'end', at: text.length + 1 });
  return tokens;
}

/** A quoted string starting at `start` (its quote): its value and where it ends. */
function quoted(text: string, start: number): { value: string; end: number } {
  const quote = text[start];
  let value = '';
  for (let pos = start + 1; pos < text.length; pos++) {
    const char = text[pos]!;
    if (char === quote) return { value, end: pos + 1 };
    if (char === '\\') {
      const next = text[pos + 1];
      if (next !== "'" && next !== '"' && next !== '\\') throw new RequirementsError(pos + 1, 'a backslash escapes only a quote or a backslash');
      value += next;
      pos++;
    } else value += char;
  }
  throw new RequirementsError(start + 1, 'string not closed');
}

/** The name after `tag:` or `server:` starting at `start`; a `:` that begins `:=` ends it. */
function refName(text: string, start: number, scope: 'tag' | 'server'): { name: string; end: number } {
  let pos = start;
  while (pos < text.length && NAME_CHAR[scope].test(text[pos]!) && !(text[pos] === ':' && text[pos + 1] === '=')) pos++;
  if (pos === start) throw new RequirementsError(start + 1, `${scope}: needs a ${scope === 'tag' ? 'tag key' : 'property name'}`);
  return { name: text.slice(start, pos), end: pos };
}
