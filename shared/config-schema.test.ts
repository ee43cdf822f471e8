import { describe, expect, test } from 'bun:test';
import { applySchema, field, int, sectionMap, str } from './config-schema.ts';

const schema = { providers: sectionMap({ url: field('', str), retries: field(2, int(0, 5)) }) };

describe('sectionMap: named tables of one shape', () => {
  test('ok: each named table gets defaults and parsed values; none configured is an empty map', () => {
    const cfg = applySchema(schema, { providers: { corp: { url: 'https://a' }, partner: { retries: 4 } } }, 'x.conf');
    expect(cfg.providers).toEqual({ corp: { url: 'https://a', retries: 2 }, partner: { url: '', retries: 4 } });
    expect(applySchema(schema, {}, 'x.conf').providers).toEqual({});
  });

  test('rejects: a bad value names the table and key; an unknown key, a non-table or a bad name is refused', () => {
    expect(() => applySchema(schema, { providers: { corp: { retries: 9 } } }, 'x.conf')).toThrow('x.conf: key "providers.corp.retries" must be an integer from 0 to 5');
    expect(() => applySchema(schema, { providers: { corp: { typo: 1 } } }, 'x.conf')).toThrow('unknown key "providers.corp.typo"');
    expect(() => applySchema(schema, { providers: { corp: 'x' } }, 'x.conf')).toThrow('[providers.corp] must be a table');
    expect(() => applySchema(schema, { providers: 3 }, 'x.conf')).toThrow('[providers] must be a table');
    expect(() => applySchema(schema, { providers: { 'a b': {} } }, 'x.conf')).toThrow('[providers.a b] name must be');
  });
});
