import { describe, expect, test } from 'bun:test';
import { parseRequirements, type Requirement } from './parse.ts';
import { REQUIREMENTS_MAX, RequirementsError, tokenize } from './tokenize.ts';

/** An expression as nested lists, to compare shapes: ['and', a, b], ['not', a], 'tag:gpu = a10'. */
function shape(requirement: Requirement): unknown {
  switch (requirement.kind) {
    case 'and':
    case 'or':
      return [requirement.kind, shape(requirement.left), shape(requirement.right)];
    case 'not':
      return ['not', shape(requirement.operand)];
    case 'compare':
      return `${requirement.ref.scope}:${requirement.ref.name} ${requirement.op} ${typeof requirement.value === 'string' ? `'${requirement.value}'` : requirement.value}`;
  }
}

const parsed = (text: string) => shape(parseRequirements(text));

/** The error an expression gets: where and why. */
function refusal(text: string): { at: number; reason: string } {
  try {
    parseRequirements(text);
  } catch (err) {
    if (err instanceof RequirementsError) return { at: err.at, reason: err.reason };
    throw err;
  }
  throw new Error(`parsed: ${text}`);
}

describe('requirements grammar', () => {
  test("ok: Session Manager's examples", () => {
    expect(parsed("tag:color = 'pink' and (server:Host.Os.Family = 'windows' or tag:color := 'red')")).toEqual([
      'and',
      "tag:color = 'pink'",
      ['or', "server:Host.Os.Family = 'windows'", "tag:color := 'red'"],
    ]);
    expect(parsed("server:Host.Aws.Ec2InstanceType := 't2' and server:Host.CpuInfo.NumberOfCpus >= 2")).toEqual([
      'and',
      "server:Host.Aws.Ec2InstanceType := 't2'",
      'server:Host.CpuInfo.NumberOfCpus >= 2',
    ]);
    expect(parsed("tag:gpu = 'a10' and server:Host.Memory.TotalBytes > 32E9")).toEqual(['and', "tag:gpu = 'a10'", 'server:Host.Memory.TotalBytes > 32000000000']);
  });

  test('ok: not binds tighter than and, and tighter than or; and/or group left to right', () => {
    expect(parsed("tag:a = '1' or tag:b = '2' and tag:c = '3'")).toEqual(['or', "tag:a = '1'", ['and', "tag:b = '2'", "tag:c = '3'"]]);
    expect(parsed("tag:a = '1' and tag:b = '2' or tag:c = '3'")).toEqual(['or', ['and', "tag:a = '1'", "tag:b = '2'"], "tag:c = '3'"]);
    expect(parsed("not tag:a = '1' and tag:b = '2'")).toEqual(['and', ['not', "tag:a = '1'"], "tag:b = '2'"]);
    expect(parsed("not not tag:a = '1'")).toEqual(['not', ['not', "tag:a = '1'"]]);
    expect(parsed("tag:a = '1' or tag:b = '2' or tag:c = '3'")).toEqual(['or', ['or', "tag:a = '1'", "tag:b = '2'"], "tag:c = '3'"]);
  });

  test('ok: parentheses override precedence, nest, and keywords take any case', () => {
    expect(parsed("(tag:a = '1' or tag:b = '2') and tag:c = '3'")).toEqual(['and', ['or', "tag:a = '1'", "tag:b = '2'"], "tag:c = '3'"]);
    expect(parsed("not (tag:a = '1' or tag:b = '2')")).toEqual(['not', ['or', "tag:a = '1'", "tag:b = '2'"]]);
    expect(parsed("((tag:a = '1'))")).toBe("tag:a = '1'");
    expect(parsed("tag:a = '1' AND NOT tag:b = '2' Or tag:c = 3")).toEqual(['or', ['and', "tag:a = '1'", ['not', "tag:b = '2'"]], 'tag:c = 3']);
  });

  test('ok: every operator; no spaces needed; a tag key may hold : . / - and still ends before :=', () => {
    for (const op of ['=', '!=', '>', '>=', '<', '<=']) expect(parsed(`server:Host.CpuInfo.NumberOfCpus${op}8`)).toBe(`server:Host.CpuInfo.NumberOfCpus ${op} 8`);
    expect(parsed("tag:color:='red'")).toBe("tag:color := 'red'");
    expect(parsed("tag:site:eu/rack-1.a = 'x'")).toBe("tag:site:eu/rack-1.a = 'x'");
    expect(parsed("tag:a:b:='c'")).toBe("tag:a:b := 'c'");
  });

  test('ok: strings in either quote, with backslash escapes of the quote and the backslash', () => {
    expect(parseRequirements(`tag:a = 'it\\'s'`)).toMatchObject({ value: "it's" });
    expect(parseRequirements(`tag:a = "say \\"hi\\""`)).toMatchObject({ value: 'say "hi"' });
    expect(parseRequirements(`tag:a = 'back\\\\slash'`)).toMatchObject({ value: 'back\\slash' });
    expect(parseRequirements(`tag:a = "it's"`)).toMatchObject({ value: "it's" });
    expect(parseRequirements(`tag:a = ''`)).toMatchObject({ value: '' });
    expect(parseRequirements(`tag:a := 'and or not ( )'`)).toMatchObject({ op: ':=', value: 'and or not ( )' });
  });

  test('ok: numbers: whole, fractions, exponents, negative', () => {
    const values = ['32E9', '1024E6', '2.5', '0.3e-2', '.5', '-1', '1e+3', '7'].map((literal) => (parseRequirements(`server:Host.CpuLoadAverage.OneMinute > ${literal}`) as { value: number }).value);
    expect(values).toEqual([32e9, 1024e6, 2.5, 0.003, 0.5, -1, 1000, 7]);
  });

  test('ok: the tokens carry 1-based character positions', () => {
    expect(tokenize("tag:a = 'x'").map((token) => [token.kind, token.at])).toEqual([
      ['ref', 1],
      ['op', 7],
      ['string', 9],
      ['end', 12],
    ]);
  });

  test('rejects: malformed expressions, naming the character where they go wrong', () => {
    const cases: [string, number, string][] = [
      ['', 1, 'empty expression'],
      ['   ', 1, 'empty expression'],
      ["(tag:a = '1'", 13, 'expected ")" to close the "(" at character 1, found the end'],
      ["tag:a = '1')", 12, 'unexpected ")" (expected and, or, or the end)'],
      ["tag:a = '1' tag:b = '2'", 13, 'unexpected tag:b (expected and, or, or the end)'],
      ["tag:a = 'open", 9, 'string not closed'],
      ["tag:a = 'bad \\n'", 14, 'a backslash escapes only a quote or a backslash'],
      ['tag:a = test', 9, 'unexpected "test": expected tag:<key>, server:<property>, a quoted string, a number, and, or, not or parentheses'],
      ['tag:a := 1', 10, ':= (contains) takes a quoted string'],
      ["tag:a > 'x'", 9, '> takes a number'],
      ["tag:a 'x'", 7, 'expected an operator (= != > >= < <= :=) after tag:a, found a string'],
      ['tag:a =', 8, 'expected a quoted string or a number after =, found the end'],
      ["tag: = 'x'", 5, 'tag: needs a tag key'],
      ['server:', 8, 'server: needs a property name'],
      ["tag:a = '1' and", 16, 'expected tag:<key>, server:<property>, not or "(", found the end'],
      ["and tag:a = '1'", 1, 'expected tag:<key>, server:<property>, not or "(", found "and"'],
      ["tag:a = '1' & tag:b = '2'", 13, 'unexpected "&"'],
      ["'x' = tag:a", 1, 'expected tag:<key>, server:<property>, not or "(", found a string'],
      ["tag:a == 'x'", 8, 'expected a quoted string or a number after =, found "="'],
    ];
    for (const [text, at, reason] of cases) expect({ text, ...refusal(text) }).toEqual({ text, at, reason });
  });

  test('rejects: nesting past the limit and text past the longest taken, without exhausting the stack', () => {
    expect(refusal(`${'('.repeat(100)}tag:a = '1'${')'.repeat(100)}`)).toEqual({ at: 65, reason: 'nested more than 64 deep' });
    expect(refusal(`${'not '.repeat(100)}tag:a = '1'`).reason).toBe('nested more than 64 deep');
    expect(refusal(`tag:a = '${'x'.repeat(REQUIREMENTS_MAX)}'`)).toEqual({ at: REQUIREMENTS_MAX + 1, reason: `longer than ${REQUIREMENTS_MAX} characters` });
    expect(new RequirementsError(3, 'why').message).toBe('at character 3: why');
  });
});
