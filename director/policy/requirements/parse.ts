import { RequirementsError, tokenize, type Operator, type Token } from './tokenize.ts';

/** `tag:<key>` or `server:<property>`. */
export interface Reference {
  scope: 'tag' | 'server';
  name: string;
}

/** A parsed requirements expression: comparisons joined by and, or and not. */
export type Requirement =
  | { kind: 'and' | 'or'; left: Requirement; right: Requirement }
  | { kind: 'not'; operand: Requirement }
  | { kind: 'compare'; ref: Reference; op: Operator; value: string | number; at: number };

/** Deepest nesting of parentheses and `not` taken (a client's expression must not exhaust the stack). */
const MAX_DEPTH = 64;

/**
 * Parses a requirements expression (tokenize.ts) by recursive descent, `not` binding tighter than
 * `and`, `and` tighter than `or`:
 *
 *   expression := conjunction ( "or" conjunction )*
 *   conjunction := negation ( "and" negation )*
 *   negation   := "not" negation | "(" expression ")" | comparison
 *   comparison := reference operator literal
 *
 * `:=` (contains) takes a string, the orderings (> >= < <=) a number, = and != either.
 * @throws RequirementsError naming the character where the expression goes wrong
 */
export function parseRequirements(text: string): Requirement {
  const reader = new Reader(tokenize(text));
  if (reader.peek().kind === 'end') throw new RequirementsError(1, 'empty expression');
  const expression = reader.expression(0);
  const rest = reader.peek();
  if (rest.kind !== 'end') throw new RequirementsError(rest.at, `unexpected ${describe(rest)} (expected and, or, or the end)`);
  return expression;
}

class Reader {
  private pos = 0;

  constructor(private readonly tokens: Token[]) {}

  peek(): Token {
    return this.tokens[this.pos]!;
  }

  private next(): Token {
    const token = this.tokens[this.pos]!;
    if (token.kind !== 'end') this.pos++;
    return token;
  }

  expression(depth: number): Requirement {
    let left = this.conjunction(depth);
    while (this.peek().kind === 'or') {
      this.next();
      left = { kind: 'or', left, right: this.conjunction(depth) };
    }
    return left;
  }

  private conjunction(depth: number): Requirement {
    let left = this.negation(depth);
    while (this.peek().kind === 'and') {
      this.next();
      left = { kind: 'and', left, right: this.negation(depth) };
    }
    return left;
  }

  private negation(depth: number): Requirement {
    const token = this.next();
    if (depth >= MAX_DEPTH) throw new RequirementsError(token.at, `nested more than ${MAX_DEPTH} deep`);
    if (token.kind === 'not') return { kind: 'not', operand: this.negation(depth + 1) };
    if (token.kind === '(') {
      const inner = this.expression(depth + 1);
      const close = this.next();
      if (close.kind !== ')') throw new RequirementsError(close.at, `expected ")" to close the "(" at character ${token.at}, found ${describe(close)}`);
      return inner;
    }
    if (token.kind !== 'ref') throw new RequirementsError(token.at, `expected tag:<key>, server:<property>, not or "(", found ${describe(token)}`);
    return this.comparison(token);
  }

  private comparison(ref: Extract<Token, { kind: 'ref' }>): Requirement {
    const op = this.next();
    if (op.kind !== 'op') throw new RequirementsError(op.at, `expected an operator (= != > >= < <= :=) after ${ref.scope}:${ref.name}, found ${describe(op)}`);
    const literal = this.next();
    if (literal.kind !== 'string' && literal.kind !== 'number') throw new RequirementsError(literal.at, `expected a quoted string or a number after ${op.op}, found ${describe(literal)}`);
    if (op.op === ':=' && literal.kind !== 'string') throw new RequirementsError(literal.at, ':= (contains) takes a quoted string');
    if (op.op !== '=' && op.op !== '!=' && op.op !== ':=' && literal.kind !== 'number') throw new RequirementsError(literal.at, `${op.op} takes a number`);
    return { kind: 'compare', ref: { scope: ref.scope, name: ref.name }, op: op.op, value: literal.value, at: ref.at };
  }
}

/** A token as an error message names it. */
function describe(token: Token): string {
  switch (token.kind) {
    case 'end':
      return 'the end';
    case 'ref':
      return `${token.scope}:${token.name}`;
    case 'string':
      return 'a string';
    case 'number':
      return `the number ${token.value}`;
    case 'op':
      return `"${token.op}"`;
    default:
      return `"${token.kind}"`;
  }
}
