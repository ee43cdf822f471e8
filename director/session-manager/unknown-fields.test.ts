import { describe, expect, test } from 'bun:test';
import { CreateSessionsBody, DescribeSessionsBody } from './models.ts';
import { unknownField } from './unknown-fields.ts';

describe('fields a Session Manager request may not carry', () => {
  test('ok: the YAML’s fields pass, at any depth', () => {
    expect(unknownField(CreateSessionsBody, [{ Owner: 'alice', Type: 'Virtual', AutorunFileArguments: ['-x'] }])).toBeUndefined();
    expect(unknownField(DescribeSessionsBody, { Filters: [{ Key: 'owner', Value: 'bob' }], MaxResults: 3 })).toBeUndefined();
  });

  test('rejects: a field the model does not name is found with its path', () => {
    expect(unknownField(CreateSessionsBody, [{ Owner: 'alice' }, { Owner: 'bob', Colour: 'red' }])).toBe('[1].Colour');
    expect(unknownField(DescribeSessionsBody, { Filters: [{ Key: 'owner', Value: 'bob', Op: '=' }] })).toBe('Filters[0].Op');
  });
});
